//! Turning free text (descriptions, memos, contact and account names) into tokens that cannot
//! break the syntax of an hledger journal or a beancount file.
//!
//! hledger (and ledger-cli) have no quoting. A transaction description ends at `;`, a posting
//! comment is scanned for `[DATE]` and `date:`/`date2:` tags (which move the posting to another
//! day), a tag value ends at `,`, and every line break starts a new item (a description with a
//! newline followed by a date would start a new transaction). So free text is written with
//! backslash escapes that [`unescape_hledger`] reverses exactly: `\\`, `\n`, `\r`, `\t`,
//! `\xHH` for `;` (descriptions), `[`, `]`, `,` (tag values) and `:` after `date`/`date2`
//! (comments), `\u{H…}` for other control characters and for white space at either end (hledger
//! trims it). Beancount strings are double-quoted: `\\`, `\"`, `\n`, `\r`, `\t` are escaped and
//! everything else passes through, as beancount's lexer reads it back verbatim.
//!
//! Account names are not free text in either tool: they become `Type:CODE Name` (hledger) or
//! `Type:CODE-Name` (beancount) with unsafe characters replaced; the code keeps them unique.
//!
//! CSV files a person opens in a spreadsheet go through [`spreadsheet_cell`]: a cell that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return first, and not
//! a plain number) gets a leading apostrophe, so `=HYPERLINK(…)` stays text. Every CSV download
//! uses it (the web app's reports, general ledger and activity log, the API's `format=csv`);
//! only the API's explicit `format=csv-raw` writes values exactly as stored.

use std::fmt::Write as _;

/// Where an hledger text goes: each place has its own special characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HledgerSpot {
    /// A transaction description (ends at `;`).
    Description,
    /// A comment (scanned for bracketed dates and `date:` tags).
    Comment,
    /// A tag value in a comment (also ends at `,`).
    TagValue,
}

/// Escapes free text for an hledger journal (see the module documentation).
pub fn hledger_text(s: &str, spot: HledgerSpot) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    let first_solid = chars.iter().position(|c| !c.is_whitespace());
    let last_solid = chars.iter().rposition(|c| !c.is_whitespace());
    for (i, &c) in chars.iter().enumerate() {
        let at_edge = first_solid.is_none_or(|f| i < f) || last_solid.is_none_or(|l| i > l);
        let comment = spot != HledgerSpot::Description;
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ';' if spot == HledgerSpot::Description => out.push_str("\\x3b"),
            '[' if comment => out.push_str("\\x5b"),
            ']' if comment => out.push_str("\\x5d"),
            ',' if spot == HledgerSpot::TagValue => out.push_str("\\x2c"),
            ':' if comment && ends_with_date_word(&chars[..i]) => out.push_str("\\x3a"),
            c if c.is_control() || (at_edge && c.is_whitespace()) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// True when the text before a `:` ends with the tag name `date` or `date2` (any case), which
/// hledger would read as a posting date.
fn ends_with_date_word(before: &[char]) -> bool {
    let tail: String = before
        .iter()
        .rev()
        .take(5)
        .rev()
        .collect::<String>()
        .to_ascii_lowercase();
    tail.ends_with("date") || tail.ends_with("date2")
}

/// Reverses [`hledger_text`] (for tests and for anyone reading the file back).
pub fn unescape_hledger(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('x') => {
                let hex: String = it.by_ref().take(2).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some('u') => {
                let mut hex = String::new();
                if it.peek() == Some(&'{') {
                    it.next();
                    for h in it.by_ref() {
                        if h == '}' {
                            break;
                        }
                        hex.push(h);
                    }
                }
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A double-quoted beancount string.
pub fn beancount_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // The C lexer stops at NUL; no database we run on stores it in text anyway.
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One line of a `;` comment: line breaks and control characters become spaces.
pub fn comment_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The part of an hledger account name after its type: `CODE Name`, keeping letters, digits,
/// single spaces and `-&'.,/_+`; anything else (`:` would add a level, `;` starts a comment,
/// two spaces end the name, brackets and parentheses mean virtual postings) becomes `-`.
pub fn hledger_account_leaf(code: &str, name: &str) -> String {
    let raw = format!("{code} {name}");
    let mut out = String::with_capacity(raw.len());
    let mut last_space = true;
    for c in raw.chars() {
        let mapped = if c.is_whitespace() {
            ' '
        } else if c.is_alphanumeric() || "-&'.,/_+".contains(c) {
            c
        } else {
            '-'
        };
        if mapped == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(mapped);
            last_space = false;
        }
    }
    let t = out.trim_end().to_owned();
    if t.is_empty() { "Account".into() } else { t }
}

/// The part of a beancount account name after its type: `CODE-Name`, keeping letters and
/// digits, every other run of characters becomes one `-`, and the first character is a capital
/// letter or a digit as beancount requires.
pub fn beancount_account_leaf(code: &str, name: &str) -> String {
    let raw = format!("{code}-{name}");
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    let mut chars = trimmed.chars();
    match chars.next() {
        None => "X".into(),
        Some(f) if f.is_ascii_digit() || f.is_uppercase() => trimmed.to_owned(),
        Some(f) if f.is_lowercase() && f.to_uppercase().count() == 1 => {
            f.to_uppercase().chain(chars).collect()
        }
        Some(_) => format!("X{trimmed}"),
    }
}

/// A transaction code for hledger's `(CODE)`: entry numbers are ours, but stay defensive.
pub fn hledger_code(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_./#".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A CSV cell made safe to open in a spreadsheet (see the module documentation).
pub fn spreadsheet_cell(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(v) {
        std::borrow::Cow::Owned(format!("'{v}"))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

/// `[+-]digits[.digits]`: what a spreadsheet reads as a number, never as a formula.
fn is_plain_number(v: &str) -> bool {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        for (given, want) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
            ),
            ("=1+2", "'=1+2"),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-inf", "'-inf"),
            ("-12.50", "-12.50"),
            ("+7", "+7"),
            ("Office rent", "Office rent"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_cell(given), want, "{given:?}");
        }
    }

    #[test]
    fn hledger_text_round_trips() {
        for s in [
            "plain",
            "semi; colon",
            "new\nline\r\n2024-01-01 * fake",
            " lead and trail\t",
            "back\\slash \\x3b",
            "date:2024-02-02 [2024-03-03] DATE2:x",
            "a,b",
            "\u{1}\u{7f}\u{85}",
            "",
        ] {
            for spot in [
                HledgerSpot::Description,
                HledgerSpot::Comment,
                HledgerSpot::TagValue,
            ] {
                let e = hledger_text(s, spot);
                assert!(!e.contains('\n') && !e.contains('\r'), "{e:?}");
                assert_eq!(unescape_hledger(&e), s, "{spot:?} {e:?}");
            }
        }
        assert!(!hledger_text("a;b", HledgerSpot::Description).contains(';'));
        let c = hledger_text("x date:2024-01-01 [2024-01-01]", HledgerSpot::Comment);
        assert!(!c.contains("date:") && !c.contains('['), "{c}");
    }

    #[test]
    fn account_leaves_are_safe() {
        assert_eq!(
            hledger_account_leaf("1000", "Business  Bank: (main); x"),
            "1000 Business Bank- -main-- x"
        );
        assert_eq!(
            beancount_account_leaf("1000", "Owner's Capital"),
            "1000-Owner-s-Capital"
        );
        assert_eq!(beancount_account_leaf("abc", "x"), "Abc-x");
        assert_eq!(beancount_account_leaf("", "!!"), "X");
        assert_eq!(beancount_account_leaf("1.5", "Café"), "1-5-Café");
    }

    #[test]
    fn beancount_strings_escape_quotes_and_breaks() {
        assert_eq!(beancount_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
