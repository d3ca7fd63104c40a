//! Reports → General ledger: every posted line of a period, account by account, with opening,
//! totals and closing per account and the running balance, for all accounts or one; pages of
//! 200 lines and the same period as CSV. Bad dates or an unknown account are reported on the
//! page, never silently replaced.

use super::lists::{Opt, next_href};
use super::session::{Ctx, Layout};
use super::view::{PageResult, date, field_label, money, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use newledger_domain::ids::AccountId;
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::accounts;
use newledger_service::general_ledger::{self, GeneralLedgerQuery};
use serde::Deserialize;

/// Period, account and page.
#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    cursor: String,
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
    ctx.access.require(Permission::ReportsRead)?;
    let today = s.svc.clock.today();
    let mut errors = Vec::new();
    let mut checked = |r: Result<Option<chrono::NaiveDate>, String>| {
        r.unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let to = checked(parse_date("to", &q.to)).unwrap_or(today);
    let from = checked(parse_date("from", &q.from))
        .unwrap_or_else(|| ctx.access.company.fiscal_year_start(to));
    let chart = accounts::list(&s.svc, &ctx.access).await?;
    let account_id = match q.account_id.trim() {
        "" => None,
        a => match AccountId::parse(a)
            .ok()
            .filter(|a| chart.iter().any(|c| &c.id == a))
        {
            Some(a) => Some(a),
            None => {
                errors.push("Account: choose an account from the list".into());
                None
            }
        },
    };
    let mut gq = GeneralLedgerQuery {
        from,
        to,
        account_id,
        limit: Some(200),
        cursor: Some(q.cursor.clone()).filter(|c| !c.is_empty()),
    };
    let page = match general_ledger::page(&s.svc, &ctx.access, &gq).await {
        Ok(p) => p,
        Err(Error::Invalid { field, reason }) => {
            errors.push(format!("{}: {reason}", field_label(&field)));
            gq.from = ctx.access.company.fiscal_year_start(today);
            gq.to = today;
            gq.cursor = None;
            general_ledger::page(&s.svc, &ctx.access, &gq).await?
        }
        Err(e) => return Err(e.into()),
    };
    let cur = ctx.currency();
    let blank_zero = |m: i64| if m == 0 { String::new() } else { money(m, cur) };
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
    Ok(render(&LedgerPage {
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
                text: if l.description.is_empty() || l.description == l.memo {
                    l.memo.clone()
                } else {
                    format!("{} — {}", l.memo, l.description)
                },
                debit: blank_zero(l.debit.minor),
                credit: blank_zero(l.credit.minor),
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
    }))
}
