//! A report as rows and columns of text and exact amounts: what every report builder makes and
//! what both the HTML page and the CSV download render.

use newledger_domain::report::Section;

/// A cell of a report table.
pub enum Cell {
    /// Text.
    Text(String),
    /// An amount in minor units.
    Amount(i64),
    /// Nothing.
    Empty,
}

/// How a row reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A line.
    Normal,
    /// A section heading.
    Section,
    /// A total.
    Total,
}

/// A report as rows and columns.
pub struct Table {
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<(RowKind, Vec<Cell>)>,
}

impl Table {
    /// An empty table with these column headings.
    pub fn new<S: AsRef<str>>(columns: &[S]) -> Self {
        Table {
            columns: columns.iter().map(|c| c.as_ref().to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// How many leading columns hold text (the rest are amounts, right-aligned).
    pub fn text_columns(&self) -> usize {
        match self.columns.first().map(String::as_str) {
            Some("Code") => 2,
            _ => 1,
        }
    }

    /// Adds a row.
    pub fn push(&mut self, kind: RowKind, cells: Vec<Cell>) {
        self.rows.push((kind, cells));
    }

    /// Adds a section heading spanning the table.
    pub fn section(&mut self, title: &str) {
        let mut cells = vec![Cell::Text(title.to_owned())];
        cells.extend((1..self.columns.len()).map(|_| Cell::Empty));
        self.push(RowKind::Section, cells);
    }

    /// Adds a section of accounts (code, name, amount) and its total.
    pub fn account_section(&mut self, title: &str, s: &Section, total_label: &str) {
        self.section(title);
        for r in &s.rows {
            self.push(
                RowKind::Normal,
                vec![
                    Cell::Text(r.code.clone()),
                    Cell::Text(r.name.clone()),
                    Cell::Amount(r.amount.minor),
                ],
            );
        }
        self.total(total_label, vec![Cell::Amount(s.total.minor)]);
    }

    /// Adds a total row of a table whose first column is the code: empty code, the label, the
    /// amounts.
    pub fn total(&mut self, label: &str, amounts: Vec<Cell>) {
        let mut cells = vec![Cell::Empty, Cell::Text(label.to_owned())];
        cells.extend(amounts);
        self.push(RowKind::Total, cells);
    }
}
