//! CSV downloads (RFC 4180 quoting). Cells that a spreadsheet would run as a formula get a
//! leading apostrophe ([`spreadsheet_cell`], the one rule every CSV download follows), so that an
//! exported contact named `=HYPERLINK(…)` stays text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_service::ledger_export::escape::spreadsheet_cell;

/// Builds a CSV document in memory.
pub struct CsvWriter(String);

fn cell(v: &str) -> String {
    let guarded = spreadsheet_cell(v);
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded.into_owned()
    }
}

impl CsvWriter {
    /// A document with a header row.
    pub fn new(headers: &[&str]) -> Self {
        let mut w = CsvWriter(String::new());
        w.row(headers);
        w
    }

    /// Appends a row.
    pub fn row(&mut self, cells: &[&str]) {
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        self.0.push_str(&line.join(","));
        self.0.push_str("\r\n");
    }

    /// The download response.
    pub fn into_response(self, filename: &str) -> Response {
        let mut r = (StatusCode::OK, self.0).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let safe: String = filename
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        r
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_guards() {
        let mut w = CsvWriter::new(&["a", "b"]);
        w.row(&["x,y", "=1+1"]);
        w.row(&["-12.50", "say \"hi\""]);
        assert_eq!(w.0, "a,b\r\n\"x,y\",'=1+1\r\n-12.50,\"say \"\"hi\"\"\"\r\n");
    }
}
