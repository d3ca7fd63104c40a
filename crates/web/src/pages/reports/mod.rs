//! Reports with date pickers and CSV export. Each report is shaped once into a [`Table`]
//! (text and exact amounts) by its builder in [`tables`], which both the HTML page and the CSV
//! download render.

mod table;
mod tables;

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
use newledger_service::{Error, reports};
use serde::Deserialize;
use table::{Cell, RowKind, Table};

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

/// The dates asked for; a period that cannot be read is said on the page, over the fiscal year
/// to date.
fn resolve_or_year_to_date(ctx: &Ctx, today: NaiveDate, p: &Params) -> (Resolved, Vec<String>) {
    match resolve(ctx, today, p) {
        Ok(r) => (r, Vec::new()),
        Err(e) => {
            let from = ctx.access.company.fiscal_year_start(today);
            let r = Resolved {
                as_of: today,
                from,
                to: today,
            };
            (r, vec![e])
        }
    }
}

/// The report `name` over the resolved dates, as a table: the service computes it, a builder
/// shapes it.
async fn build(s: &AppState, ctx: &Ctx, name: &str, r: &Resolved) -> Result<Table, Error> {
    let (svc, a) = (&s.svc, &ctx.access);
    Ok(match name {
        "trial-balance" => tables::trial_balance(reports::trial_balance(svc, a, r.as_of).await?),
        "profit-and-loss" => {
            tables::profit_and_loss(&reports::profit_and_loss(svc, a, r.from, r.to).await?)
        }
        "balance-sheet" => tables::balance_sheet(&reports::balance_sheet(svc, a, r.as_of).await?),
        "cash-summary" => tables::cash_summary(reports::cash_summary(svc, a, r.from, r.to).await?),
        "ar-aging" => tables::aging(&reports::aging(svc, a, DocumentKind::Invoice, r.as_of).await?),
        "ap-aging" => tables::aging(&reports::aging(svc, a, DocumentKind::Bill, r.as_of).await?),
        "expenses" => tables::expenses(&reports::expenses(svc, a, r.from, r.to).await?),
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
    let (resolved, errors) = resolve_or_year_to_date(&ctx, today, &p);
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
