//! One account: its opening and closing balance over a period and every posted line with the
//! running balance (the general ledger of that account, from the service's report).

use super::lists::next_href;
use super::session::{Ctx, Layout};
use super::view::{PageError, PageResult, date, money, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use newledger_domain::ids::AccountId;
use newledger_service::Error;
use newledger_service::books::accounts;
use newledger_service::general_ledger::{self, GeneralLedgerQuery};
use serde::Deserialize;

/// Period and page of the account page.
#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

struct LedgerRow {
    date: String,
    entry_href: String,
    entry_number: String,
    text: String,
    contact: String,
    debit: String,
    credit: String,
    balance: String,
}

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage {
    layout: Layout,
    code: String,
    name: String,
    class: &'static str,
    role: &'static str,
    from: String,
    to: String,
    opening: String,
    debit: String,
    credit: String,
    closing: String,
    rows: Vec<LedgerRow>,
    errors: Vec<String>,
    next: Option<String>,
    csv_href: String,
}

/// `GET /app/{company_id}/accounts/{id}`.
pub async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<AccountQuery>,
) -> PageResult {
    let id = AccountId::parse(&id).map_err(|_| PageError::Service(Error::NotFound("account")))?;
    let account = accounts::list(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(PageError::Service(Error::NotFound("account")))?;
    let cur = ctx.currency();
    let today = s.svc.clock.today();
    let mut errors = Vec::new();
    let to = parse_date("to", &q.to)
        .unwrap_or_else(|e| {
            errors.push(e);
            None
        })
        .unwrap_or(today);
    let from = parse_date("from", &q.from)
        .unwrap_or_else(|e| {
            errors.push(e);
            None
        })
        .unwrap_or_else(|| ctx.access.company.fiscal_year_start(to));
    let gq = GeneralLedgerQuery {
        from,
        to,
        account_id: Some(id.clone()),
        limit: Some(200),
        cursor: Some(q.cursor.clone()).filter(|c| !c.is_empty()),
    };
    let page = match general_ledger::page(&s.svc, &ctx.access, &gq).await {
        Ok(p) => p,
        Err(Error::Invalid { field, reason }) => {
            errors.push(format!("{}: {reason}", super::view::field_label(&field)));
            general_ledger::page(
                &s.svc,
                &ctx.access,
                &GeneralLedgerQuery {
                    cursor: None,
                    from: ctx.access.company.fiscal_year_start(today),
                    to: today,
                    ..gq
                },
            )
            .await?
        }
        Err(e) => return Err(e.into()),
    };
    let section = page.accounts.iter().find(|a| a.account_id == id);
    let amount = |m: Option<i64>| money(m.unwrap_or(0), cur);
    let blank_zero = |m: i64| if m == 0 { String::new() } else { money(m, cur) };
    let rows = page
        .data
        .iter()
        .map(|l| LedgerRow {
            date: date(l.date),
            entry_href: ctx.url(&format!("/journal/{}", l.entry_id)),
            entry_number: l.entry_number.clone(),
            text: if l.description.is_empty() || l.description == l.memo {
                l.memo.clone()
            } else {
                format!("{} — {}", l.memo, l.description)
            },
            contact: l.contact_name.clone().unwrap_or_default(),
            debit: blank_zero(l.debit.minor),
            credit: blank_zero(l.credit.minor),
            balance: money(l.running_balance.minor, cur),
        })
        .collect();
    let (from_s, to_s) = (page.from.to_string(), page.to.to_string());
    let next = page.next_cursor.as_ref().map(|c| {
        next_href(
            &ctx.url(&format!("/accounts/{id}")),
            &[("from", &from_s), ("to", &to_s)],
            c,
        )
    });
    let csv_href = ctx.url(&format!(
        "/general-ledger.csv?account_id={id}&from={from_s}&to={to_s}"
    ));
    Ok(render(&AccountPage {
        csv_href,
        layout: ctx.layout(format!("{} {}", account.code, account.name), "accounts"),
        code: account.code,
        name: account.name,
        class: account.class.as_str(),
        role: account.role.as_str(),
        opening: amount(section.map(|s| s.opening.minor)),
        debit: amount(section.map(|s| s.debit.minor)),
        credit: amount(section.map(|s| s.credit.minor)),
        closing: amount(section.map(|s| s.closing.minor)),
        from: from_s,
        to: to_s,
        rows,
        errors,
        next,
    }))
}

/// Period and optional account of the general ledger download.
#[derive(Debug, Default, Deserialize)]
pub struct LedgerCsvQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    account_id: String,
}

/// `GET /app/{company_id}/general-ledger.csv`: the general ledger (one account or all) as CSV,
/// streamed; the period defaults to the fiscal year to date.
pub async fn ledger_csv(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LedgerCsvQuery>,
) -> PageResult {
    let today = s.svc.clock.today();
    let to = parse_date("to", &q.to)
        .map_err(|e| PageError::Service(Error::invalid("to", e)))?
        .unwrap_or(today);
    let from = parse_date("from", &q.from)
        .map_err(|e| PageError::Service(Error::invalid("from", e)))?
        .unwrap_or_else(|| ctx.access.company.fiscal_year_start(to));
    let account_id = match q.account_id.trim() {
        "" => None,
        a => Some(AccountId::parse(a).map_err(|_| PageError::Service(Error::NotFound("account")))?),
    };
    let gq = GeneralLedgerQuery {
        from,
        to,
        account_id,
        limit: None,
        cursor: None,
    };
    general_ledger::check(&s.svc, &ctx.access, &gq).await?;
    let name = general_ledger::csv_file_name(&gq);
    let (svc, access) = (s.svc.clone(), ctx.access.clone());
    Ok(crate::api::ledger::streamed(
        "text/csv; charset=utf-8",
        &name,
        move |mut sink| async move { general_ledger::write_csv(&svc, &access, &gq, &mut sink).await },
    ))
}
