//! Reports with date pickers and CSV export. Each report is shaped once into a [`Table`]
//! (text and exact amounts), which both the HTML page and the CSV download render.

use super::csv::CsvWriter;
use super::session::{Ctx, Layout};
use super::view::{PageError, PageResult, date, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::money::Currency;
use newledger_domain::permission::Permission;
use newledger_domain::report::Section;
use newledger_service::{Error, reports};
use serde::Deserialize;

/// The reports, by URL name: (name, title, description, uses a range).
const REPORTS: &[(&str, &str, &str, bool)] = &[
    (
        "profit-and-loss",
        "Profit and loss",
        "Revenue and expenses over a period, and the net profit.",
        true,
    ),
    (
        "balance-sheet",
        "Balance sheet",
        "Assets, liabilities and equity on a date.",
        false,
    ),
    (
        "trial-balance",
        "Trial balance",
        "Debit and credit balance of every account on a date.",
        false,
    ),
    (
        "cash-summary",
        "Cash summary",
        "Bank and card balances, money in and out, month by month.",
        true,
    ),
    (
        "ar-aging",
        "Receivables aging",
        "Open invoices by how long they are overdue.",
        false,
    ),
    (
        "ap-aging",
        "Payables aging",
        "Open bills by how long they are overdue.",
        false,
    ),
    (
        "expenses",
        "Expense breakdown",
        "Spending per expense account and month.",
        true,
    ),
];

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
    fn new(columns: &[&str]) -> Self {
        Table {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
        }
    }
    /// How many leading columns hold text (the rest are amounts, right-aligned).
    fn text_columns(&self) -> usize {
        match self.columns.first().map(String::as_str) {
            Some("Code") => 2,
            _ => 1,
        }
    }
    fn push(&mut self, kind: RowKind, cells: Vec<Cell>) {
        self.rows.push((kind, cells));
    }
    fn section(&mut self, title: &str) {
        let mut cells = vec![Cell::Text(title.to_owned())];
        cells.extend((1..self.columns.len()).map(|_| Cell::Empty));
        self.push(RowKind::Section, cells);
    }
    fn account_section(&mut self, title: &str, s: &Section, total_label: &str) {
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
        self.push(
            RowKind::Total,
            vec![
                Cell::Empty,
                Cell::Text(total_label.to_owned()),
                Cell::Amount(s.total.minor),
            ],
        );
    }
}

/// Grouped amount without the currency code (the page states the currency once).
fn amount(minor: i64, cur: Currency) -> String {
    let s = super::view::money(minor, cur);
    s.trim_end_matches(cur.code()).trim_end().to_owned()
}

/// Report parameters from the query string.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

struct Resolved {
    as_of: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
}

fn resolve(ctx: &Ctx, today: NaiveDate, p: &Params) -> Result<Resolved, String> {
    let as_of = parse_date("as_of", &p.as_of)?.unwrap_or(today);
    let to = parse_date("to", &p.to)?.unwrap_or(today);
    let from =
        parse_date("from", &p.from)?.unwrap_or_else(|| ctx.access.company.fiscal_year_start(to));
    if from > to {
        return Err("From: must be on or before To".into());
    }
    Ok(Resolved { as_of, from, to })
}

async fn build(s: &AppState, ctx: &Ctx, name: &str, r: &Resolved) -> Result<Table, Error> {
    let svc = &s.svc;
    let a = &ctx.access;
    Ok(match name {
        "trial-balance" => {
            let tb = reports::trial_balance(svc, a, r.as_of).await?;
            let mut t = Table::new(&["Code", "Account", "Debit", "Credit"]);
            for row in tb.rows {
                t.push(
                    RowKind::Normal,
                    vec![
                        Cell::Text(row.code),
                        Cell::Text(row.name),
                        Cell::Amount(row.debit.minor),
                        Cell::Amount(row.credit.minor),
                    ],
                );
            }
            t.push(
                RowKind::Total,
                vec![
                    Cell::Empty,
                    Cell::Text("Total".into()),
                    Cell::Amount(tb.total_debit.minor),
                    Cell::Amount(tb.total_credit.minor),
                ],
            );
            t
        }
        "profit-and-loss" => {
            let p = reports::profit_and_loss(svc, a, r.from, r.to).await?;
            let mut t = Table::new(&["Code", "Account", "Amount"]);
            t.account_section("Revenue", &p.revenue, "Total revenue");
            t.account_section("Expenses", &p.expenses, "Total expenses");
            t.push(
                RowKind::Total,
                vec![
                    Cell::Empty,
                    Cell::Text("Net profit".into()),
                    Cell::Amount(p.net_profit.minor),
                ],
            );
            t
        }
        "balance-sheet" => {
            let b = reports::balance_sheet(svc, a, r.as_of).await?;
            let mut t = Table::new(&["Code", "Account", "Amount"]);
            t.account_section("Assets", &b.assets, "Total assets");
            t.account_section("Liabilities", &b.liabilities, "Total liabilities");
            t.account_section("Equity", &b.equity, "Total equity");
            t.push(
                RowKind::Total,
                vec![
                    Cell::Empty,
                    Cell::Text("Total liabilities and equity".into()),
                    Cell::Amount(b.total_liabilities_and_equity.minor),
                ],
            );
            t
        }
        "cash-summary" => {
            let c = reports::cash_summary(svc, a, r.from, r.to).await?;
            let mut t = Table::new(&[
                "Account or month",
                "Opening",
                "Money in",
                "Money out",
                "Closing or net",
            ]);
            t.section("Accounts");
            for x in c.accounts {
                t.push(
                    RowKind::Normal,
                    vec![
                        Cell::Text(format!("{} {}", x.code, x.name)),
                        Cell::Amount(x.opening.minor),
                        Cell::Amount(x.money_in.minor),
                        Cell::Amount(x.money_out.minor),
                        Cell::Amount(x.closing.minor),
                    ],
                );
            }
            t.push(
                RowKind::Total,
                vec![
                    Cell::Text("Total".into()),
                    Cell::Amount(c.total_opening.minor),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Amount(c.total_closing.minor),
                ],
            );
            t.section("By month");
            for m in c.months {
                t.push(
                    RowKind::Normal,
                    vec![
                        Cell::Text(m.month),
                        Cell::Empty,
                        Cell::Amount(m.money_in.minor),
                        Cell::Amount(m.money_out.minor),
                        Cell::Amount(m.net.minor),
                    ],
                );
            }
            t
        }
        "ar-aging" | "ap-aging" => {
            let kind = if name == "ar-aging" {
                DocumentKind::Invoice
            } else {
                DocumentKind::Bill
            };
            let g = reports::aging(svc, a, kind, r.as_of).await?;
            let mut t = Table::new(&[
                "Contact",
                "Current",
                "1–30 days",
                "31–60 days",
                "61–90 days",
                "Over 90 days",
                "Total",
            ]);
            let cells = |label: String, x: &newledger_domain::report::AgingRow| {
                vec![
                    Cell::Text(label),
                    Cell::Amount(x.current.minor),
                    Cell::Amount(x.days_1_30.minor),
                    Cell::Amount(x.days_31_60.minor),
                    Cell::Amount(x.days_61_90.minor),
                    Cell::Amount(x.over_90.minor),
                    Cell::Amount(x.total.minor),
                ]
            };
            for row in &g.rows {
                t.push(RowKind::Normal, cells(row.contact_name.clone(), row));
            }
            t.push(RowKind::Total, cells("Total".into(), &g.total));
            t
        }
        "expenses" => {
            let e = reports::expenses(svc, a, r.from, r.to).await?;
            let mut cols = vec!["Code".to_owned(), "Account".to_owned()];
            cols.extend(e.months.iter().cloned());
            cols.push("Total".into());
            let mut t = Table {
                columns: cols,
                rows: Vec::new(),
            };
            for row in &e.rows {
                let mut cells = vec![Cell::Text(row.code.clone()), Cell::Text(row.name.clone())];
                cells.extend(e.months.iter().map(|m| {
                    row.months
                        .get(m)
                        .map_or(Cell::Empty, |v| Cell::Amount(v.minor))
                }));
                cells.push(Cell::Amount(row.total.minor));
                t.push(RowKind::Normal, cells);
            }
            let mut cells = vec![Cell::Empty, Cell::Text("Total".into())];
            cells.extend(e.months.iter().map(|m| {
                e.month_totals
                    .get(m)
                    .map_or(Cell::Empty, |v| Cell::Amount(v.minor))
            }));
            cells.push(Cell::Amount(e.total.minor));
            t.push(RowKind::Total, cells);
            t
        }
        _ => return Err(Error::NotFound("report")),
    })
}

struct ReportLink {
    href: String,
    title: &'static str,
    description: &'static str,
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct IndexPage {
    layout: Layout,
    reports: Vec<ReportLink>,
}

/// `GET /app/{company_id}/reports`.
pub async fn index(ctx: Ctx) -> PageResult {
    ctx.access.require(Permission::ReportsRead)?;
    Ok(render(&IndexPage {
        layout: ctx.layout("Reports", "reports"),
        reports: REPORTS
            .iter()
            .map(|(n, t, d, _)| ReportLink {
                href: ctx.url(&format!("/reports/{n}")),
                title: t,
                description: d,
            })
            .chain(std::iter::once(ReportLink {
                href: ctx.url("/general-ledger"),
                title: "General ledger",
                description: "Every posted line by account, with running balances; one account or all, as CSV too.",
            }))
            .collect(),
    }))
}

struct HtmlRow {
    class: &'static str,
    cells: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "pages/report.html")]
struct ReportPage {
    layout: Layout,
    title: &'static str,
    description: &'static str,
    ranged: bool,
    as_of: String,
    from: String,
    to: String,
    period: String,
    currency: String,
    columns: Vec<(String, bool)>,
    rows: Vec<HtmlRow>,
    errors: Vec<String>,
    csv_href: String,
}

fn lookup(name: &str) -> Result<(&'static str, &'static str, &'static str, bool), PageError> {
    REPORTS
        .iter()
        .find(|r| r.0 == name)
        .copied()
        .ok_or(PageError::Service(Error::NotFound("report")))
}

/// `GET /app/{company_id}/reports/{name}` (and `{name}.csv`).
pub async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, name)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> PageResult {
    if let Some(base) = name.strip_suffix(".csv") {
        return report_csv(&s, &ctx, base, &p).await;
    }
    let report = lookup(&name)?;
    ctx.access.require(Permission::ReportsRead)?;
    let today = ctx.access.today(s.svc.clock.as_ref());
    // A period that cannot be read is said on the page, over the fiscal year to date.
    let (resolved, errors) = match resolve(&ctx, today, &p) {
        Ok(r) => (r, Vec::new()),
        Err(e) => {
            let from = ctx.access.company.fiscal_year_start(today);
            (
                Resolved {
                    as_of: today,
                    from,
                    to: today,
                },
                vec![e],
            )
        }
    };
    let table = build(&s, &ctx, report.0, &resolved).await?;
    Ok(render(&report_page(&ctx, report, &resolved, table, errors)))
}

fn report_page(
    ctx: &Ctx,
    (name, title, description, ranged): (&'static str, &'static str, &'static str, bool),
    resolved: &Resolved,
    table: Table,
    errors: Vec<String>,
) -> ReportPage {
    let cur = ctx.currency();
    let text_cols = table.text_columns();
    let columns = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i >= text_cols))
        .collect();
    let rows = table.rows.into_iter().map(|r| html_row(r, cur)).collect();
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if ranged {
        q.append_pair("from", &resolved.from.to_string());
        q.append_pair("to", &resolved.to.to_string());
    } else {
        q.append_pair("as_of", &resolved.as_of.to_string());
    }
    ReportPage {
        layout: ctx.layout(title, "reports"),
        title,
        description,
        ranged,
        as_of: resolved.as_of.to_string(),
        from: resolved.from.to_string(),
        to: resolved.to.to_string(),
        period: if ranged {
            format!("{} to {}", date(resolved.from), date(resolved.to))
        } else {
            format!("as of {}", date(resolved.as_of))
        },
        currency: cur.code().to_owned(),
        columns,
        rows,
        errors,
        csv_href: format!(
            "{}?{}",
            ctx.url(&format!("/reports/{name}.csv")),
            q.finish()
        ),
    }
}

fn html_row((kind, cells): (RowKind, Vec<Cell>), cur: Currency) -> HtmlRow {
    HtmlRow {
        class: match kind {
            RowKind::Normal => "",
            RowKind::Section => "section",
            RowKind::Total => "total",
        },
        cells: cells
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => (t, false),
                Cell::Amount(m) => (amount(m, cur), true),
                Cell::Empty => (String::new(), false),
            })
            .collect(),
    }
}

async fn report_csv(s: &AppState, ctx: &Ctx, name: &str, p: &Params) -> PageResult {
    let (name, _, _, _) = lookup(name)?;
    ctx.access.require(Permission::ReportsRead)?;
    let today = ctx.access.today(s.svc.clock.as_ref());
    let r = resolve(ctx, today, p).map_err(PageError::BadRequest)?;
    let table = build(s, ctx, name, &r).await?;
    let cur = ctx.currency();
    let headers: Vec<&str> = table.columns.iter().map(String::as_str).collect();
    let mut w = CsvWriter::new(&headers);
    for (_, cells) in &table.rows {
        let texts: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Cell::Text(t) => t.clone(),
                Cell::Amount(m) => cur.format(*m),
                Cell::Empty => String::new(),
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        w.row(&refs);
    }
    Ok(w.into_response(&format!("{name}-{}.csv", r.to)))
}
