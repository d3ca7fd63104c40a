//! Reports → General ledger: every posted line of a period, account by account, with opening,
//! totals and closing per account and the running balance, for all accounts or one; pages of
//! 200 lines and the same period as CSV. Bad dates or an unknown account are reported on the
//! page, never silently replaced. An account's own page (`accounts.rs`) reads its lines the
//! same way.

use super::lists::{Opt, next_href};
use super::session::{Ctx, Layout};
use super::view::{PageResult, date, field_label, money, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::ids::AccountId;
use newledger_domain::money::Currency;
use newledger_service::Error;
use newledger_service::books::accounts;
use newledger_service::general_ledger::{self, GeneralLedgerPage, GeneralLedgerQuery, GlLine};
use serde::Deserialize;

/// Period, account and page, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub cursor: String,
}

struct Section {
    href: String,
    label: String,
    opening: String,
    debit: String,
    credit: String,
    closing: String,
}

struct Line {
    account: String,
    date: String,
    entry_href: String,
    entry_number: String,
    text: String,
    debit: String,
    credit: String,
    balance: String,
}

#[derive(Template)]
#[template(path = "pages/general_ledger.html")]
struct LedgerPage {
    layout: Layout,
    from: String,
    to: String,
    accounts: Vec<Opt>,
    sections: Vec<Section>,
    lines: Vec<Line>,
    errors: Vec<String>,
    next: Option<String>,
    csv_href: String,
}

/// `GET /app/{company_id}/general-ledger`.
pub async fn general_ledger(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let chart = accounts::list(&s.svc, &ctx.access).await?;
    let (mut gq, mut errors) = q.period(&ctx, ctx.access.today(s.svc.clock.as_ref()));
    gq.account_id = match q.account_id.trim() {
        "" => None,
        a => AccountId::parse(a)
            .ok()
            .filter(|a| chart.iter().any(|c| &c.id == a)),
    };
    if gq.account_id.is_none() && !q.account_id.trim().is_empty() {
        errors.push("Account: choose an account from the list".into());
    }
    let page = read(&s, &ctx, gq, &mut errors).await?;
    Ok(render(&ledger_page(&ctx, &chart, &page, errors)))
}

impl LedgerQuery {
    /// The period asked for (default: the fiscal year to date) and a page of 200 lines, and
    /// what could not be read.
    pub fn period(&self, ctx: &Ctx, today: NaiveDate) -> (GeneralLedgerQuery, Vec<String>) {
        let mut errors = Vec::new();
        let mut checked = |r: Result<Option<NaiveDate>, String>| {
            r.unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        };
        let to = checked(parse_date("to", &self.to)).unwrap_or(today);
        let from = checked(parse_date("from", &self.from))
            .unwrap_or_else(|| ctx.access.company.fiscal_year_start(to));
        let gq = GeneralLedgerQuery {
            from,
            to,
            account_id: None,
            limit: Some(200),
            cursor: Some(self.cursor.clone()).filter(|c| !c.is_empty()),
        };
        (gq, errors)
    }
}

/// The ledger page asked for; when its period is refused, the reason joins `errors` and the
/// fiscal year to date is shown instead.
pub async fn read(
    s: &AppState,
    ctx: &Ctx,
    gq: GeneralLedgerQuery,
    errors: &mut Vec<String>,
) -> Result<GeneralLedgerPage, Error> {
    match general_ledger::page(&s.svc, &ctx.access, &gq).await {
        Err(Error::Invalid { field, reason }) => {
            errors.push(format!("{}: {reason}", field_label(&field)));
            let today = ctx.access.today(s.svc.clock.as_ref());
            let fallback = GeneralLedgerQuery {
                from: ctx.access.company.fiscal_year_start(today),
                to: today,
                cursor: None,
                ..gq
            };
            general_ledger::page(&s.svc, &ctx.access, &fallback).await
        }
        other => other,
    }
}

/// An amount, blank when zero (debit and credit columns).
pub fn blank_zero(minor: i64, cur: Currency) -> String {
    if minor == 0 {
        String::new()
    } else {
        money(minor, cur)
    }
}

/// A line's text: the entry's memo, and the line's own description when it says more.
pub fn line_text(l: &GlLine) -> String {
    if l.description.is_empty() || l.description == l.memo {
        l.memo.clone()
    } else {
        format!("{} — {}", l.memo, l.description)
    }
}

fn ledger_page(
    ctx: &Ctx,
    chart: &[Account],
    page: &GeneralLedgerPage,
    errors: Vec<String>,
) -> LedgerPage {
    let cur = ctx.currency();
    let (from_s, to_s) = (page.from.to_string(), page.to.to_string());
    let acc_s = page
        .account_id
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let filters = [
        ("from", from_s.as_str()),
        ("to", to_s.as_str()),
        ("account_id", acc_s.as_str()),
    ];
    LedgerPage {
        layout: ctx.layout("General ledger", "reports"),
        accounts: chart
            .iter()
            .filter(|a| !a.archived)
            .map(|a| Opt {
                value: a.id.to_string(),
                label: format!("{} {}", a.code, a.name),
                selected: page.account_id.as_ref() == Some(&a.id),
            })
            .collect(),
        sections: page
            .accounts
            .iter()
            .map(|a| Section {
                href: ctx.url(&format!(
                    "/accounts/{}?from={from_s}&to={to_s}",
                    a.account_id
                )),
                label: format!("{} {}", a.code, a.name),
                opening: money(a.opening.minor, cur),
                debit: money(a.debit.minor, cur),
                credit: money(a.credit.minor, cur),
                closing: money(a.closing.minor, cur),
            })
            .collect(),
        lines: page
            .data
            .iter()
            .map(|l| Line {
                account: format!("{} {}", l.account_code, l.account_name),
                date: date(l.date),
                entry_href: ctx.url(&format!("/journal/{}", l.entry_id)),
                entry_number: l.entry_number.clone(),
                text: line_text(l),
                debit: blank_zero(l.debit.minor, cur),
                credit: blank_zero(l.credit.minor, cur),
                balance: money(l.running_balance.minor, cur),
            })
            .collect(),
        next: page
            .next_cursor
            .as_ref()
            .map(|c| next_href(&ctx.url("/general-ledger"), &filters, c)),
        csv_href: ctx.url(&format!(
            "/general-ledger.csv?from={from_s}&to={to_s}&account_id={acc_s}"
        )),
        from: from_s,
        to: to_s,
        errors,
    }
}
