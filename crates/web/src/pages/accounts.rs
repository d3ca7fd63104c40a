//! One account: its opening and closing balance over a period and every posted line with the
//! running balance (the general ledger of that account, from the service's report).

use super::ledger::{self, LedgerQuery};
use super::lists::next_href;
use super::session::{Ctx, Layout};
use super::view::{PageError, PageResult, date, money, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use newledger_domain::account::Account;
use newledger_domain::ids::AccountId;
use newledger_service::Error;
use newledger_service::books::accounts;
use newledger_service::general_ledger::{self, GeneralLedgerPage, GeneralLedgerQuery};

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
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let not_found = || PageError::Service(Error::NotFound("account"));
    let id = AccountId::parse(&id).map_err(|_| not_found())?;
    let account = accounts::list(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(not_found)?;
    let (mut gq, mut errors) = q.period(&ctx, ctx.access.today(s.svc.clock.as_ref()));
    gq.account_id = Some(id);
    let page = ledger::read(&s, &ctx, gq, &mut errors).await?;
    Ok(render(&account_page(&ctx, account, &page, errors)))
}

fn account_page(
    ctx: &Ctx,
    account: Account,
    page: &GeneralLedgerPage,
    errors: Vec<String>,
) -> AccountPage {
    let cur = ctx.currency();
    let section = page.accounts.iter().find(|a| a.account_id == account.id);
    let amount = |m: Option<i64>| money(m.unwrap_or(0), cur);
    let rows = page
        .data
        .iter()
        .map(|l| LedgerRow {
            date: date(l.date),
            entry_href: ctx.url(&format!("/journal/{}", l.entry_id)),
            entry_number: l.entry_number.clone(),
            text: ledger::line_text(l),
            contact: l.contact_name.clone().unwrap_or_default(),
            debit: ledger::blank_zero(l.debit.minor, cur),
            credit: ledger::blank_zero(l.credit.minor, cur),
            balance: money(l.running_balance.minor, cur),
        })
        .collect();
    let (id, from_s, to_s) = (&account.id, page.from.to_string(), page.to.to_string());
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
    AccountPage {
        csv_href,
        layout: ctx.layout(format!("{} {}", account.code, account.name), "accounts"),
        class: account.class.as_str(),
        role: account.role.as_str(),
        opening: amount(section.map(|s| s.opening.minor)),
        debit: amount(section.map(|s| s.debit.minor)),
        credit: amount(section.map(|s| s.credit.minor)),
        closing: amount(section.map(|s| s.closing.minor)),
        code: account.code,
        name: account.name,
        from: from_s,
        to: to_s,
        rows,
        errors,
        next,
    }
}

/// `GET /app/{company_id}/general-ledger.csv`: the general ledger (one account or all) as CSV,
/// streamed; the period defaults to the fiscal year to date. Bad input is refused, not replaced.
pub async fn ledger_csv(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let day =
        |field: &'static str, v: &str| parse_date(field, v).map_err(|e| Error::invalid(field, e));
    let account = Some(q.account_id.trim()).filter(|a| !a.is_empty());
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    let today = ctx.access.today(s.svc.clock.as_ref());
    let gq = GeneralLedgerQuery::from_request(&ctx.access, today, from, to, account, None, None)?;
    general_ledger::check(&s.svc, &ctx.access, &gq).await?;
    let name = general_ledger::csv_file_name(&gq);
    let (svc, access) = (s.svc.clone(), ctx.access.clone());
    Ok(crate::api::ledger::streamed(
        "text/csv; charset=utf-8",
        &name,
        move |mut sink| async move { general_ledger::write_csv(&svc, &access, &gq, &mut sink).await },
    ))
}
