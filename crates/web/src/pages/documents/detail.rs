//! One invoice, bill or expense: lines, totals, payments, who drafted and approved it, and the
//! actions open to the reader (approve, edit, discard, void, record a payment).

use super::{Doc, kind_info};
use crate::pages::lists::Opt;
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, date, money, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::document::Document;
use newledger_domain::document::DocumentStatus;
use newledger_domain::money::Currency;
use newledger_domain::permission::Permission;
use newledger_service::views::{self, documents::DocumentDetail};
use std::collections::HashMap;

/// `GET /app/{company_id}/{invoices|bills|expenses}/{id}`.
pub async fn page(State(s): State<AppState>, ctx: Ctx, doc: Doc) -> PageResult {
    let detail = views::documents::detail(&s.svc, &ctx.access, doc.kind, &doc.id).await?;
    Ok(render(&document_page(
        &ctx,
        detail,
        ctx.access.today(s.svc.clock.as_ref()),
    )))
}

struct LineRow {
    description: String,
    quantity: String,
    unit_price: String,
    account: String,
    tax_rate: String,
    net: String,
    tax: String,
}

struct PaymentRow {
    number: String,
    date: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "pages/document.html")]
struct DocumentPage {
    layout: Layout,
    noun: &'static str,
    segment: &'static str,
    plural: &'static str,
    action_url: String,
    id: String,
    number: String,
    status: &'static str,
    contact: String,
    contact_href: Option<String>,
    issue: String,
    due: String,
    reference: String,
    drafted_by: String,
    drafted_by_program: bool,
    drafted_at: crate::pages::when::Moment,
    approved: Option<String>,
    lines: Vec<LineRow>,
    subtotal: String,
    tax: String,
    total: String,
    paid: String,
    outstanding: String,
    payments: Vec<PaymentRow>,
    entry_href: Option<String>,
    version: i64,
    can_approve: bool,
    can_discard: bool,
    can_void: bool,
    is_draft: bool,
    /// The "Record a payment" form, for an approved invoice or bill with money outstanding.
    pay: Option<PayForm>,
}

struct PayForm {
    accounts: Vec<Opt>,
    date: String,
    amount: String,
}

fn document_page(ctx: &Ctx, detail: DocumentDetail, today: NaiveDate) -> DocumentPage {
    let (segment, plural, noun) = kind_info(detail.view.doc.kind);
    let cur = ctx.currency();
    let label = |a: &Account| format!("{} {}", a.code, a.name);
    let accounts: HashMap<&str, String> = detail
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), label(a)))
        .collect();
    let (v, actions) = (&detail.view, detail.actions);
    let d = &v.doc;
    DocumentPage {
        layout: ctx.layout(format!("{noun} {}", d.number), segment),
        noun,
        segment,
        plural,
        action_url: ctx.url(&format!("/{segment}/{}", d.id)),
        id: d.id.to_string(),
        number: d.number.clone(),
        status: d.status.as_str(),
        contact: v.contact_name.clone().unwrap_or_else(|| "—".into()),
        contact_href: d
            .contact_id
            .as_ref()
            .filter(|_| ctx.can(Permission::ContactsRead))
            .map(|c| ctx.url(&format!("/contacts/{c}"))),
        issue: date(d.issue_date),
        due: date(d.due_date),
        reference: d.reference.clone(),
        drafted_by: v.created_by_label.clone(),
        drafted_by_program: d.created_by.is_program(),
        drafted_at: ctx.when.relative(d.created_at),
        approved: match (&detail.approved_by_label, d.approved_at) {
            (Some(who), Some(at)) => Some(format!("{who} on {}", ctx.when.text(at))),
            _ => None,
        },
        lines: line_rows(d, &accounts, cur),
        subtotal: money(d.subtotal, cur),
        tax: money(d.tax, cur),
        total: money(d.total, cur),
        paid: money(d.amount_paid, cur),
        outstanding: money(d.outstanding(), cur),
        payments: detail
            .payments
            .iter()
            .map(|p| PaymentRow {
                number: p.number.clone(),
                date: date(p.date),
                amount: money(p.amount, cur),
            })
            .collect(),
        entry_href: d
            .entry_id
            .as_ref()
            .filter(|_| ctx.can(Permission::JournalRead))
            .map(|e| ctx.url(&format!("/journal/{e}"))),
        version: d.version,
        can_approve: actions.approve,
        can_discard: actions.change,
        can_void: actions.void,
        is_draft: d.status == DocumentStatus::Draft,
        pay: actions
            .pay
            .then(|| pay_form(&detail.accounts, d, cur, today)),
    }
}

fn line_rows(d: &Document, accounts: &HashMap<&str, String>, cur: Currency) -> Vec<LineRow> {
    d.lines
        .iter()
        .map(|l| LineRow {
            description: l.input.description.clone(),
            quantity: l.input.quantity.normalize().to_string(),
            unit_price: l.input.unit_price.to_string(),
            account: accounts
                .get(l.input.account_id.as_str())
                .cloned()
                .unwrap_or_else(|| l.input.account_id.to_string()),
            tax_rate: format!("{} %", l.input.tax_rate.normalize()),
            net: money(l.net, cur),
            tax: money(l.tax, cur),
        })
        .collect()
}

/// "Record a payment": the money accounts, today, and what is due.
fn pay_form(chart: &[Account], d: &Document, cur: Currency, today: NaiveDate) -> PayForm {
    PayForm {
        accounts: chart
            .iter()
            .filter(|a| a.role.is_money() && !a.archived)
            .map(|a| Opt {
                value: a.id.to_string(),
                label: format!("{} {}", a.code, a.name),
                selected: false,
            })
            .collect(),
        date: today.to_string(),
        amount: cur.format(d.outstanding()),
    }
}
