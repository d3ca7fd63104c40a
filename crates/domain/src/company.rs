//! Company settings that rules depend on: base currency, lock date, fiscal year start, and
//! the time zone in which its people read instants.

use crate::DomainError;
use crate::ids::CompanyId;
use crate::money::Currency;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A company (one set of books).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    /// Public id.
    pub id: CompanyId,
    /// Display name.
    pub name: String,
    /// Base currency; every amount of the books is in it for now.
    pub currency: Currency,
    /// Live books, or a test company for trying integrations.
    pub is_live: bool,
    /// Nothing posts on or before this date.
    pub lock_date: Option<NaiveDate>,
    /// First month (1–12) of the fiscal year.
    pub fiscal_year_start_month: u32,
    /// First day of that month.
    pub fiscal_year_start_day: u32,
    /// Where instants (activity, last used, created) are shown; the books' dates stay plain dates.
    pub time_zone: TimeZone,
}

/// An IANA time zone name (`Europe/Paris`), checked against the tz database compiled in
/// (chrono-tz). Stored and serialized as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Coordinated Universal Time, every company's default.
    pub const UTC: TimeZone = TimeZone(chrono_tz::Tz::UTC);

    /// Parses an IANA name; anything else is a validation error naming the field.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        name.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| {
                DomainError::invalid(
                    "time_zone",
                    "must be an IANA time zone name such as Europe/Paris or UTC",
                )
            })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The zone, for conversions.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The calendar date in this zone at `now_ms` (ms since the epoch).
    pub fn date_at(&self, now_ms: i64) -> chrono::NaiveDate {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
            .map_or(chrono::NaiveDate::MIN, |d| {
                d.with_timezone(&self.0).date_naive()
            })
    }

    /// Every name the database knows, for pickers.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|t| t.name())
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::UTC
    }
}

impl TryFrom<String> for TimeZone {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        TimeZone::parse(&s)
    }
}

impl From<TimeZone> for String {
    fn from(t: TimeZone) -> String {
        t.name().to_owned()
    }
}

impl Company {
    /// Refuses a posting date on or before the lock date.
    pub fn check_open(&self, date: NaiveDate) -> Result<(), DomainError> {
        match self.lock_date {
            Some(lock_date) if date <= lock_date => {
                Err(DomainError::PeriodLocked { date, lock_date })
            }
            _ => Ok(()),
        }
    }

    /// The first day of the fiscal year containing `date`.
    pub fn fiscal_year_start(&self, date: NaiveDate) -> NaiveDate {
        let start_in = |year: i32| {
            NaiveDate::from_ymd_opt(
                year,
                self.fiscal_year_start_month,
                self.fiscal_year_start_day,
            )
            .or_else(|| NaiveDate::from_ymd_opt(year, self.fiscal_year_start_month, 28))
            .unwrap_or(NaiveDate::MIN)
        };
        let this_year = start_in(date.year());
        if this_year <= date {
            this_year
        } else {
            start_in(date.year() - 1)
        }
    }
}

/// Validates a fiscal year start (month, day); 29 February is refused as it does not exist every year.
pub fn validate_fiscal_year_start(month: u32, day: u32) -> Result<(), DomainError> {
    match NaiveDate::from_ymd_opt(2023, month, day) {
        Some(_) => Ok(()),
        None => Err(DomainError::invalid(
            "fiscal_year_start",
            "must be a valid month and day (not 29 February)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(month: u32, day: u32) -> Company {
        Company {
            id: CompanyId::from_suffix("x1"),
            name: "Acme".into(),
            currency: Currency::parse("EUR").unwrap(),
            is_live: true,
            lock_date: NaiveDate::from_ymd_opt(2026, 3, 31),
            fiscal_year_start_month: month,
            fiscal_year_start_day: day,
            time_zone: TimeZone::UTC,
        }
    }

    #[test]
    fn lock_date_is_inclusive() {
        let c = company(1, 1);
        assert!(
            c.check_open(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap())
                .is_err()
        );
        assert!(
            c.check_open(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZone::parse(" Europe/Paris ").unwrap().name(),
            "Europe/Paris"
        );
        assert_eq!(TimeZone::default(), TimeZone::UTC);
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
        assert!(TimeZone::all_names().any(|n| n == "America/New_York"));
    }

    #[test]
    fn today_is_the_company_s_calendar_day() {
        // 2026-03-01 20:00 UTC is already 2 March in Sydney and still 1 March in New York.
        let ms = 1_772_395_200_000;
        let day = |tz: &str| TimeZone::parse(tz).unwrap().date_at(ms).to_string();
        assert_eq!(day("UTC"), "2026-03-01");
        assert_eq!(day("Australia/Sydney"), "2026-03-02");
        assert_eq!(day("America/New_York"), "2026-03-01");
    }

    #[test]
    fn fiscal_year_start_wraps() {
        let c = company(7, 1);
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(c.fiscal_year_start(d(2026, 3, 1)), d(2025, 7, 1));
        assert_eq!(c.fiscal_year_start(d(2026, 7, 1)), d(2026, 7, 1));
        assert_eq!(
            company(1, 1).fiscal_year_start(d(2026, 12, 31)),
            d(2026, 1, 1)
        );
    }
}
