//! The calendar the books accept: every date that enters the product (document and entry dates,
//! report dates and ranges, list filters, exports, the lock date) lies in
//! [`EARLIEST`]..=[`LATEST`], and reports whose output grows with their span (one column per
//! month) cover at most [`MAX_MONTHS`] months.
//!
//! Why bounds at all: chrono accepts years up to ±262,143, and a month loop near its last date
//! never ends. Bounding inputs here, once, keeps every surface (REST API, pages, MCP tools,
//! CLI) to work proportional to a real business's history.

use crate::DomainError;
use chrono::{Datelike, NaiveDate};

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => NaiveDate::MIN,
    }
}

/// The first date the product accepts.
pub const EARLIEST: NaiveDate = ymd(1900, 1, 1);
/// The last date the product accepts.
pub const LATEST: NaiveDate = ymd(2199, 12, 31);
/// The longest span, in calendar months, of a report with one column per month.
pub const MAX_MONTHS: u32 = 120;

/// Refuses a date outside [`EARLIEST`]..=[`LATEST`], naming the field.
pub fn check(field: &str, date: NaiveDate) -> Result<NaiveDate, DomainError> {
    if (EARLIEST..=LATEST).contains(&date) {
        Ok(date)
    } else {
        Err(DomainError::invalid(
            field,
            format!("{date} is outside the supported dates {EARLIEST} … {LATEST}"),
        ))
    }
}

/// [`check`] for an optional date.
pub fn check_opt(field: &str, date: Option<NaiveDate>) -> Result<Option<NaiveDate>, DomainError> {
    date.map(|d| check(field, d)).transpose()
}

/// An inclusive range of accepted dates with `from` ≤ `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
}

impl DateRange {
    /// Checks both ends and their order (field names `from` and `to`).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, DomainError> {
        check("from", from)?;
        check("to", to)?;
        if from > to {
            return Err(DomainError::invalid("from", "must be on or before `to`"));
        }
        Ok(Self { from, to })
    }

    /// Like [`DateRange::new`], and at most [`MAX_MONTHS`] calendar months long: for reports
    /// with one column per month.
    pub fn monthly(from: NaiveDate, to: NaiveDate) -> Result<Self, DomainError> {
        let r = Self::new(from, to)?;
        if r.months().len() > MAX_MONTHS as usize {
            return Err(DomainError::invalid(
                "to",
                format!("a monthly report covers at most {MAX_MONTHS} months; shorten the range"),
            ));
        }
        Ok(r)
    }

    /// The calendar months the range touches, as `YYYY-MM`, in order.
    pub fn months(&self) -> Vec<String> {
        let first = self.from.year() * 12 + self.from.month0() as i32;
        let last = self.to.year() * 12 + self.to.month0() as i32;
        (first..=last)
            .map(|m| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn bounds_are_the_documented_ones() {
        assert_eq!(EARLIEST, d(1900, 1, 1));
        assert_eq!(LATEST, d(2199, 12, 31));
        assert!(check("issue_date", LATEST).is_ok());
        let e = check("issue_date", d(2200, 1, 1)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("issue_date: 2200-01-01 is outside")
        );
        assert!(check("x", NaiveDate::MAX).is_err());
        assert!(check("x", NaiveDate::MIN).is_err());
    }

    #[test]
    fn months_cross_years() {
        let r = DateRange::new(d(2025, 11, 15), d(2026, 2, 1)).unwrap();
        assert_eq!(r.months(), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(DateRange::new(d(2026, 2, 1), d(2025, 2, 1)).is_err());
        assert!(DateRange::monthly(d(2020, 1, 1), d(2029, 12, 31)).is_ok());
        assert!(DateRange::monthly(d(2020, 1, 1), d(2030, 1, 1)).is_err());
    }

    proptest! {
        #[test]
        fn any_dates_give_a_bounded_answer(a in i32::MIN..i32::MAX, b in i32::MIN..i32::MAX) {
            let (Some(from), Some(to)) = (
                NaiveDate::from_num_days_from_ce_opt(a),
                NaiveDate::from_num_days_from_ce_opt(b),
            ) else { return Ok(()) };
            if let Ok(r) = DateRange::monthly(from, to) {
                prop_assert!(r.months().len() <= MAX_MONTHS as usize);
                prop_assert!(r.from >= EARLIEST && r.to <= LATEST);
            }
        }
    }
}
