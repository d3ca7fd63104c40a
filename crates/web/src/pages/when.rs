//! The one way pages show an instant (activity, last used, created, expiry): in the company's
//! time zone (Settings), as `4 Mar 2026, 14:22 CET`, inside `<time datetime=… title=exact>`
//! so that a relative form ("2 hours ago", "in 89 days") still offers the exact time on hover.
//! The books' dates are plain dates and use [`super::view::date`], the same day format.

use askama::filters::HtmlSafe;
use chrono::{DateTime, Utc};
use newledger_domain::company::TimeZone;
use std::fmt;

/// An instant ready for a template: `{{ m }}` writes the `<time>` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moment {
    iso: String,
    exact: String,
    text: String,
}

impl Moment {
    /// The exact form (`4 Mar 2026, 14:22 CET`), for CSV and plain text.
    pub fn exact(&self) -> &str {
        &self.exact
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every part comes from chrono's formatting of a number and a zone abbreviation
        // (letters, digits, `+`, `-`, `:`), so nothing here needs escaping.
        write!(
            f,
            r#"<time datetime="{}" title="{}">{}</time>"#,
            self.iso, self.exact, self.text
        )
    }
}

// The element is built above from known-safe parts; askama must not escape it again.
impl HtmlSafe for Moment {}

/// The company's zone and the request's "now", read once per request.
#[derive(Clone, Copy, Debug)]
pub struct Clockface {
    tz: TimeZone,
    now_ms: i64,
}

impl Clockface {
    /// A clock face for a zone at an instant (ms since the epoch).
    pub fn new(tz: TimeZone, now_ms: i64) -> Self {
        Clockface { tz, now_ms }
    }

    /// This request's "now" (ms since the epoch).
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    fn parts(&self, ms: i64) -> (String, String) {
        let Some(utc) = DateTime::<Utc>::from_timestamp_millis(ms) else {
            return (String::new(), String::new());
        };
        let local = utc.with_timezone(&self.tz.tz());
        (
            utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            local.format("%-d %b %Y, %H:%M %Z").to_string(),
        )
    }

    /// The exact time as text (CSV, messages).
    pub fn text(&self, ms: i64) -> String {
        self.parts(ms).1
    }

    /// The exact time, shown as such (the activity log, where order and precision matter).
    pub fn exact(&self, ms: i64) -> Moment {
        let (iso, exact) = self.parts(ms);
        Moment {
            iso,
            text: exact.clone(),
            exact,
        }
    }

    /// "2 hours ago", "in 89 days", with the exact time on hover.
    pub fn relative(&self, ms: i64) -> Moment {
        let (iso, exact) = self.parts(ms);
        Moment {
            iso,
            exact,
            text: relative_text(ms - self.now_ms),
        }
    }

    /// [`Self::relative`], or `none` for a missing instant.
    pub fn relative_or(&self, ms: Option<i64>, none: &str) -> MaybeMoment {
        match ms {
            Some(ms) => MaybeMoment::At(self.relative(ms)),
            None => MaybeMoment::Never(none.to_owned()),
        }
    }

    /// [`Self::exact`], or `none` for a missing instant.
    pub fn exact_or(&self, ms: Option<i64>, none: &str) -> MaybeMoment {
        match ms {
            Some(ms) => MaybeMoment::At(self.exact(ms)),
            None => MaybeMoment::Never(none.to_owned()),
        }
    }
}

/// An instant, or a word for its absence ("never", "—").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MaybeMoment {
    /// It happened (or will).
    At(Moment),
    /// It did not; the text is escaped on output.
    Never(String),
}

impl fmt::Display for MaybeMoment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaybeMoment::At(m) => m.fmt(f),
            MaybeMoment::Never(s) => match askama::filters::escape(s, askama::filters::Html) {
                Ok(safe) => write!(f, "{safe}"),
                Err(never) => match never {},
            },
        }
    }
}

impl HtmlSafe for MaybeMoment {}

/// `n unit` with the plural people expect ("1 day", "2 days").
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A distance in time as people say it: the largest unit that fits, rounded down.
fn relative_text(delta_ms: i64) -> String {
    let secs = (delta_ms / 1000).abs();
    if secs < 60 {
        return "just now".into();
    }
    let (n, one, many) = match secs {
        0..3_600 => (secs / 60, "minute", "minutes"),
        3_600..86_400 => (secs / 3_600, "hour", "hours"),
        // Days up to three months: "expires in 89 days" reads better than "in 2 months".
        86_400..7_776_000 => (secs / 86_400, "day", "days"),
        7_776_000..63_072_000 => (secs / 2_592_000, "month", "months"),
        _ => (secs / 31_536_000, "year", "years"),
    };
    let span = plural(n, one, many);
    if delta_ms < 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000; // 2026-05-28T20:26:40Z

    #[test]
    fn relative_forms_read_naturally() {
        assert_eq!(relative_text(-30_000), "just now");
        assert_eq!(relative_text(-60_000), "1 minute ago");
        assert_eq!(relative_text(-2 * 3_600_000 - 5), "2 hours ago");
        assert_eq!(relative_text(89 * 86_400_000 + 1000), "in 89 days");
        assert_eq!(relative_text(-86_400_000), "1 day ago");
        assert_eq!(relative_text(200 * 86_400_000), "in 6 months");
        assert_eq!(relative_text(-800 * 86_400_000), "2 years ago");
    }

    #[test]
    fn moments_use_the_company_zone_and_offer_the_exact_time() {
        let paris = Clockface::new(TimeZone::parse("Europe/Paris").unwrap(), NOW);
        let m = paris.relative(NOW - 2 * 3_600_000);
        assert_eq!(
            m.to_string(),
            r#"<time datetime="2026-05-28T18:26:40Z" title="28 May 2026, 20:26 CEST">2 hours ago</time>"#
        );
        let utc = Clockface::new(TimeZone::UTC, NOW);
        assert_eq!(utc.text(NOW), "28 May 2026, 20:26 UTC");
        assert_eq!(utc.exact_or(None, "<never>").to_string(), "&#60;never&#62;");
    }
}
