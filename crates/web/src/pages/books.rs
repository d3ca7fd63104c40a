//! Invoices, bills and expenses: lists with filters, details, and the people-only actions
//! (approve, void) next to discarding drafts. Every handler goes through the service, which
//! checks the permission; the buttons shown follow the same permissions.

use super::confirm;
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, date, instant, money, parse_date, redirect_with_notice, render,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use newledger_domain::document::{DocumentAction, DocumentKind, DocumentStatus};
use newledger_domain::ids::{AccountId, DocumentId};
use newledger_domain::payment::PaymentKind;
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::drafts::ActorLabels;
use newledger_service::books::{accounts, contacts, documents, payments};
use newledger_store::{DocumentRecord, ListQuery};
use serde::Deserialize;
use std::collections::HashMap;

/// Rows per list page.
pub const PAGE_SIZE: i64 = 200;

/// Contact names by id (empty when the person may not read contacts).
pub async fn contact_names(s: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>, Error> {
    if !ctx.can(Permission::ContactsRead) {
        return Ok(HashMap::new());
    }
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let page = contacts::list(
            &s.svc,
            &ctx.access,
            ListQuery {
                limit: 1000,
                after: after.clone(),
                ..Default::default()
            },
        )
        .await?;
        for c in page.data {
            out.insert(c.id.to_string(), c.name);
        }
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return Ok(out),
        }
    }
}

/// Account labels (`4000 Sales`) by id.
pub async fn account_names(s: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>, Error> {
    Ok(accounts::list(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name)))
        .collect())
}

/// The URL segment, list title and title of a kind (from the domain's kind table).
pub fn kind_info(kind: DocumentKind) -> (&'static str, &'static str, &'static str) {
    let i = kind.info();
    (i.segment, i.plural, i.title)
}

/// Filters of a list page (query string).
#[derive(Debug, Default, Deserialize)]
pub struct ListFilter {
    /// Status.
    #[serde(default)]
    pub status: String,
    /// Contact id.
    #[serde(default)]
    pub contact: String,
    /// From date.
    #[serde(default)]
    pub from: String,
    /// To date.
    #[serde(default)]
    pub to: String,
    /// Page cursor.
    #[serde(default)]
    pub cursor: String,
}

/// One option of a select.
pub struct Opt {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

struct DocRow {
    href: String,
    number: String,
    status: &'static str,
    contact: String,
    issue: String,
    due: String,
    total: String,
    outstanding: String,
    drafted_by: String,
    program: bool,
    reference: String,
    /// Expenses: the money account it was paid from.
    paid_from: String,
}

#[derive(Template)]
#[template(path = "pages/documents.html")]
struct DocumentsPage {
    layout: Layout,
    plural: &'static str,
    segment: &'static str,
    is_expense: bool,
    rows: Vec<DocRow>,
    statuses: Vec<Opt>,
    contacts: Vec<Opt>,
    from: String,
    to: String,
    errors: Vec<String>,
    next: Option<String>,
    /// "New invoice" and the like, for people who may draft this kind.
    new_href: Option<String>,
}

/// The options of a filter select: "any" (the empty value), then each of `all`, capitalised.
pub fn opts(current: &str, any: &str, all: &[&str]) -> Vec<Opt> {
    std::iter::once(("", any))
        .chain(all.iter().map(|s| (*s, *s)))
        .map(|(v, l)| Opt {
            value: v.to_owned(),
            label: super::view::capitalise(l),
            selected: v == current,
        })
        .collect()
}

/// The query string of a list with a new cursor.
pub fn next_href(path: &str, pairs: &[(&str, &str)], cursor: &str) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    ser.append_pair("cursor", cursor);
    format!("{path}?{}", ser.finish())
}

async fn list_kind(s: &AppState, ctx: &Ctx, kind: DocumentKind, f: ListFilter) -> PageResult {
    let (segment, plural, _) = kind_info(kind);
    let cur = ctx.currency();
    let mut errors = Vec::new();
    let from = parse_date("from", &f.from).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = parse_date("to", &f.to).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let statuses = ["draft", "approved", "paid", "voided", "discarded"];
    let status = statuses
        .contains(&f.status.as_str())
        .then(|| f.status.clone());
    let page = documents::list(
        &s.svc,
        &ctx.access,
        kind,
        ListQuery {
            limit: PAGE_SIZE,
            status,
            contact_id: Some(f.contact.clone()).filter(|c| !c.is_empty()),
            from,
            to,
            after: Some(f.cursor.clone()).filter(|c| !c.is_empty()),
            ..Default::default()
        },
    )
    .await?;
    let names = contact_names(s, ctx).await?;
    let account_labels = if kind == DocumentKind::Expense {
        account_names(s, ctx).await?
    } else {
        HashMap::new()
    };
    let mut labels = ActorLabels::default();
    let mut docs = page.data;
    // Newest first on screen; pages still follow the id cursor.
    docs.sort_by(|a, b| b.issue_date.cmp(&a.issue_date).then(b.id.cmp(&a.id)));
    let mut rows = Vec::with_capacity(docs.len());
    for d in docs {
        rows.push(DocRow {
            href: ctx.url(&format!("/{segment}/{}", d.id)),
            number: d.number.clone(),
            status: d.status.as_str(),
            contact: d
                .contact_id
                .as_ref()
                .and_then(|c| names.get(c.as_str()).cloned())
                .unwrap_or_default(),
            reference: d.reference.clone(),
            paid_from: d
                .payment_account_id
                .as_ref()
                .and_then(|a| account_labels.get(a.as_str()).cloned())
                .unwrap_or_default(),
            issue: date(d.issue_date),
            due: date(d.due_date),
            total: money(d.total, cur),
            outstanding: if d.lifecycle().is_open() {
                money(d.lifecycle().outstanding(), cur)
            } else {
                String::new()
            },
            drafted_by: labels.label(&s.svc, &d.created_by).await?,
            program: d.created_by.is_program(),
        });
    }
    let mut contact_opts: Vec<Opt> = names
        .iter()
        .map(|(id, n)| Opt {
            value: id.clone(),
            label: n.clone(),
            selected: *id == f.contact,
        })
        .collect();
    contact_opts.sort_by(|a, b| a.label.cmp(&b.label));
    let next = page.next_cursor.map(|c| {
        next_href(
            &ctx.url(&format!("/{segment}")),
            &[
                ("status", &f.status),
                ("contact", &f.contact),
                ("from", &f.from),
                ("to", &f.to),
            ],
            &c,
        )
    });
    Ok(render(&DocumentsPage {
        layout: ctx.layout(plural, segment),
        plural,
        segment,
        is_expense: kind == DocumentKind::Expense,
        rows,
        statuses: opts(&f.status, "Any status", &statuses),
        contacts: contact_opts,
        from: f.from,
        to: f.to,
        errors,
        next,
        new_href: ctx
            .can(kind.info().draft)
            .then(|| ctx.url(&format!("/{segment}/new"))),
    }))
}

/// `GET /app/{company_id}/invoices`.
pub async fn invoices(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<ListFilter>,
) -> PageResult {
    list_kind(&s, &ctx, DocumentKind::Invoice, f).await
}

/// `GET /app/{company_id}/bills`.
pub async fn bills(State(s): State<AppState>, ctx: Ctx, Query(f): Query<ListFilter>) -> PageResult {
    list_kind(&s, &ctx, DocumentKind::Bill, f).await
}

/// `GET /app/{company_id}/expenses`.
pub async fn expenses(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<ListFilter>,
) -> PageResult {
    list_kind(&s, &ctx, DocumentKind::Expense, f).await
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
    drafted_at: String,
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

/// A document id of `kind` from the path (another kind's id is not found).
pub fn parse_doc_id(kind: DocumentKind, id: &str) -> Result<DocumentId, PageError> {
    DocumentId::parse(id)
        .ok()
        .filter(|d| d.as_str().starts_with(kind.id_prefix()))
        .ok_or(PageError::Service(Error::NotFound(kind.as_str())))
}

async fn detail_kind(s: &AppState, ctx: &Ctx, kind: DocumentKind, id: &str) -> PageResult {
    let (segment, plural, noun) = kind_info(kind);
    let cur = ctx.currency();
    let id = parse_doc_id(kind, id)?;
    let d: DocumentRecord = documents::get(&s.svc, &ctx.access, kind, &id).await?;
    let names = contact_names(s, ctx).await?;
    let chart = accounts::list(&s.svc, &ctx.access).await?;
    let money_accounts: Vec<Opt> = chart
        .iter()
        .filter(|a| a.role.is_money() && !a.archived)
        .map(|a| Opt {
            value: a.id.to_string(),
            label: format!("{} {}", a.code, a.name),
            selected: false,
        })
        .collect();
    let accounts: HashMap<String, String> = chart
        .into_iter()
        .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name)))
        .collect();
    let mut labels = ActorLabels::default();
    let approved = match (&d.approved_by, d.approved_at) {
        (Some(u), Some(at)) => Some(format!(
            "{} on {}",
            labels
                .label(&s.svc, &newledger_domain::actor::Actor::User(u.clone()))
                .await?,
            instant(at)
        )),
        _ => None,
    };
    let payments = if d.kind == DocumentKind::Expense {
        Vec::new()
    } else {
        payments::of_document(&s.svc, &ctx.access, &d.id)
            .await?
            .into_iter()
            .map(|p| PaymentRow {
                number: p.number,
                date: date(p.date),
                amount: money(
                    p.allocations
                        .iter()
                        .filter(|(doc, _)| doc == &d.id)
                        .map(|(_, a)| *a)
                        .sum(),
                    cur,
                ),
            })
            .collect()
    };
    let allowed = d.lifecycle().allowed_actions(ctx.access.permissions);
    let can = |a| allowed.contains(&a);
    let is_draft = d.status == DocumentStatus::Draft;
    Ok(render(&DocumentPage {
        layout: ctx.layout(format!("{noun} {}", d.number), segment),
        noun,
        segment,
        plural,
        action_url: ctx.url(&format!("/{segment}/{}", d.id)),
        id: d.id.to_string(),
        number: d.number.clone(),
        status: d.status.as_str(),
        contact: d
            .contact_id
            .as_ref()
            .and_then(|c| names.get(c.as_str()).cloned())
            .unwrap_or_else(|| "—".into()),
        contact_href: d
            .contact_id
            .as_ref()
            .filter(|_| ctx.can(Permission::ContactsRead))
            .map(|c| ctx.url(&format!("/contacts/{c}"))),
        issue: date(d.issue_date),
        due: date(d.due_date),
        reference: d.reference.clone(),
        drafted_by: labels.label(&s.svc, &d.created_by).await?,
        drafted_by_program: d.created_by.is_program(),
        drafted_at: instant(d.created_at),
        approved,
        lines: d
            .lines
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
            .collect(),
        subtotal: money(d.subtotal, cur),
        tax: money(d.tax, cur),
        total: money(d.total, cur),
        paid: money(d.amount_paid, cur),
        outstanding: money(d.lifecycle().outstanding(), cur),
        payments,
        entry_href: d
            .entry_id
            .as_ref()
            .filter(|_| ctx.can(Permission::JournalRead))
            .map(|e| ctx.url(&format!("/journal/{e}"))),
        version: d.version,
        can_approve: can(DocumentAction::Approve),
        can_discard: can(DocumentAction::Discard),
        can_void: can(DocumentAction::Void),
        is_draft,
        pay: can(DocumentAction::RecordPayment).then(|| PayForm {
            accounts: money_accounts,
            date: s.svc.clock.today().to_string(),
            amount: cur.format(d.lifecycle().outstanding()),
        }),
    }))
}

/// `GET /app/{company_id}/invoices/{id}`.
pub async fn invoice(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    detail_kind(&s, &ctx, DocumentKind::Invoice, &id).await
}

/// `GET /app/{company_id}/bills/{id}`.
pub async fn bill(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    detail_kind(&s, &ctx, DocumentKind::Bill, &id).await
}

/// `GET /app/{company_id}/expenses/{id}`.
pub async fn expense(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    detail_kind(&s, &ctx, DocumentKind::Expense, &id).await
}

/// The document kind of a path segment (`invoices`, `bills`, `expenses`).
pub fn kind_of_segment(segment: &str) -> Result<DocumentKind, PageError> {
    DocumentKind::of_segment(segment).ok_or(PageError::Service(Error::NotFound("page")))
}

fn version_of(form: &PageForm) -> Option<i64> {
    form.get("version").parse().ok()
}

/// Where to go after an action: back to the drafts list when the form came from there.
pub fn back_to(ctx: &Ctx, form: &PageForm, default: String) -> String {
    match form.get("return") {
        "drafts" => ctx.url("/drafts"),
        _ => default,
    }
}

/// `POST /app/{company_id}/{invoices|bills|expenses}/{id}/{approve|discard|void}` (the edit
/// form's save reaches `edit::document_post` first, on the same route; CSRF checked there).
pub async fn document_action(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, segment, id, action)): Path<(String, String, String, String)>,
    form: PageForm,
) -> PageResult {
    let kind = kind_of_segment(&segment)?;
    let (_, _, noun) = kind_info(kind);
    let id = parse_doc_id(kind, &id)?;
    let version = version_of(&form);
    let detail = ctx.url(&format!("/{segment}/{id}"));
    if matches!(action.as_str(), "discard" | "void") && !confirm::confirmed(&form) {
        let d = documents::get(&s.svc, &ctx.access, kind, &id).await?;
        let c = if action == "void" {
            confirm::Confirm {
                title: format!("Void {} {}?", noun.to_lowercase(), d.number),
                message: format!(
                    "Voiding posts a reversing entry dated today for {}; the {} stays in the books, marked void. This cannot be undone.",
                    money(d.total, ctx.currency()),
                    noun.to_lowercase()
                ),
                button: format!("Void {}", noun.to_lowercase()),
                back: detail,
            }
        } else {
            confirm::Confirm {
                title: format!("Discard draft {} {}?", noun.to_lowercase(), d.number),
                message: format!(
                    "The draft of {} disappears from Drafts to review and from the lists; nothing was posted, so the ledger does not change.",
                    money(d.total, ctx.currency())
                ),
                button: "Discard draft".into(),
                back: back_to(&ctx, &form, detail),
            }
        };
        return confirm::page(
            &ctx,
            ctx.url(&format!("/{segment}/{id}/{action}")),
            &form,
            c,
        );
    }
    let (notice, to) = match action.as_str() {
        "approve" => {
            let d = documents::approve(&s.svc, &ctx.access, kind, &id, version).await?;
            (
                format!("{noun} {} approved and posted to the ledger.", d.number),
                back_to(&ctx, &form, detail),
            )
        }
        "discard" => {
            let d = documents::get(&s.svc, &ctx.access, kind, &id).await?;
            documents::discard(&s.svc, &ctx.access, kind, &id, version).await?;
            (
                format!("{noun} {} discarded.", d.number),
                back_to(&ctx, &form, detail),
            )
        }
        "pay" => {
            let d = documents::get(&s.svc, &ctx.access, kind, &id).await?;
            let (payment_kind, what) = match kind {
                DocumentKind::Invoice => (PaymentKind::Received, "received"),
                DocumentKind::Bill => (PaymentKind::Made, "made"),
                DocumentKind::Expense => return Err(Error::NotFound("action").into()),
            };
            let contact_id = d
                .contact_id
                .clone()
                .ok_or_else(|| Error::invalid("contact", "the document has no contact"))?;
            let bank_account_id = AccountId::parse(form.get("bank_account")).map_err(|_| {
                Error::invalid("bank_account", "choose the account the money went through")
            })?;
            let date = parse_date("date", form.get("date"))
                .map_err(|e| Error::invalid("date", e))?
                .ok_or_else(|| Error::invalid("date", "required"))?;
            let p = payments::record(
                &s.svc,
                &ctx.access,
                payments::PaymentInput {
                    kind: payment_kind,
                    contact_id,
                    bank_account_id,
                    date,
                    amount: form.get("amount").to_owned(),
                    reference: form.get("reference").to_owned(),
                    allocations: vec![payments::AllocationInput {
                        document_id: d.id.clone(),
                        amount: form.get("amount").to_owned(),
                    }],
                },
            )
            .await?;
            (
                format!(
                    "Payment {} {what}: {} against {noun} {}.",
                    p.number,
                    money(p.amount, ctx.currency()),
                    d.number
                ),
                detail,
            )
        }
        "void" => {
            let d = documents::void(&s.svc, &ctx.access, kind, &id, version).await?;
            (
                format!(
                    "{noun} {} voided; a reversing entry was posted today.",
                    d.number
                ),
                detail,
            )
        }
        _ => return Err(PageError::Service(Error::NotFound("action"))),
    };
    Ok(redirect_with_notice(&to, &notice))
}
