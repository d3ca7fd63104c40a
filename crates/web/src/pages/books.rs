//! Invoices, bills and expenses: lists with filters, details, and the people-only actions
//! (approve, void) next to discarding drafts. Every handler goes through the service, which
//! checks the permission; the buttons shown follow the same permissions.

use super::confirm;
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, date, money, parse_date, redirect_with_notice, render,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::document::{DocumentKind, DocumentStatus};
use newledger_domain::ids::{AccountId, DocumentId};
use newledger_domain::payment::PaymentKind;
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::{accounts, documents, payments};
use newledger_service::views::documents::{DocumentDetail, DocumentView};
use newledger_service::views::{self, ListQuery, Page};
use serde::Deserialize;
use std::collections::HashMap;

/// Rows per list page.
pub const PAGE_SIZE: i64 = 200;

/// Contact names by id (empty when the person may not read contacts).
pub async fn contact_names(s: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>, Error> {
    Ok(views::contact_choices(&s.svc, &ctx.access)
        .await?
        .iter()
        .cloned()
        .collect())
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

fn doc_row(
    ctx: &Ctx,
    segment: &str,
    account_labels: &HashMap<String, String>,
    v: &DocumentView,
) -> DocRow {
    let (d, cur) = (&v.doc, ctx.currency());
    DocRow {
        href: ctx.url(&format!("/{segment}/{}", d.id)),
        number: d.number.clone(),
        status: d.status.as_str(),
        contact: v.contact_name.clone().unwrap_or_default(),
        reference: d.reference.clone(),
        paid_from: d
            .payment_account_id
            .as_ref()
            .and_then(|a| account_labels.get(a.as_str()).cloned())
            .unwrap_or_default(),
        issue: date(d.issue_date),
        due: date(d.due_date),
        total: money(d.total, cur),
        outstanding: if d.status == DocumentStatus::Approved {
            money(views::documents::outstanding(d), cur)
        } else {
            String::new()
        },
        drafted_by: v.created_by_label.clone(),
        program: d.created_by.is_program(),
    }
}

/// Statuses a list can be filtered by.
const STATUSES: [&str; 5] = ["draft", "approved", "paid", "voided", "discarded"];

impl ListFilter {
    /// The service's query, and what could not be read (said on the page).
    fn query(&self) -> (ListQuery, Vec<String>) {
        let mut errors = Vec::new();
        let mut day = |field, v: &str| {
            parse_date(field, v).unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        let some = |v: &String| Some(v.clone()).filter(|v| !v.is_empty());
        let q = ListQuery {
            limit: PAGE_SIZE,
            status: some(&self.status).filter(|v| STATUSES.contains(&v.as_str())),
            contact_id: some(&self.contact),
            from,
            to,
            after: some(&self.cursor),
            ..Default::default()
        };
        (q, errors)
    }
}

async fn list_kind(s: &AppState, ctx: &Ctx, kind: DocumentKind, f: ListFilter) -> PageResult {
    let (q, errors) = f.query();
    let page = views::documents::list(&s.svc, &ctx.access, kind, q).await?;
    let accounts = if kind == DocumentKind::Expense {
        account_names(s, ctx).await?
    } else {
        HashMap::new()
    };
    let contacts = views::contact_choices(&s.svc, &ctx.access).await?;
    let list = DocumentList {
        page: &page,
        accounts: &accounts,
        contacts: &contacts,
    };
    Ok(render(&documents_page(ctx, kind, f, list, errors)))
}

/// What a list page shows beside the filter: the page of documents, the labels of the accounts
/// expenses were paid from, and the contacts to filter by.
struct DocumentList<'a> {
    page: &'a Page<DocumentView>,
    accounts: &'a HashMap<String, String>,
    contacts: &'a [(String, String)],
}

fn documents_page(
    ctx: &Ctx,
    kind: DocumentKind,
    f: ListFilter,
    list: DocumentList<'_>,
    errors: Vec<String>,
) -> DocumentsPage {
    let (segment, plural, _) = kind_info(kind);
    let mut docs: Vec<&DocumentView> = list.page.data.iter().collect();
    // Newest first on screen; pages still follow the id cursor.
    docs.sort_by(|a, b| (b.doc.issue_date.cmp(&a.doc.issue_date)).then(b.doc.id.cmp(&a.doc.id)));
    let next = list.page.next_cursor.as_ref().map(|c| {
        let filters = [
            ("status", f.status.as_str()),
            ("contact", &f.contact),
            ("from", &f.from),
            ("to", &f.to),
        ];
        next_href(&ctx.url(&format!("/{segment}")), &filters, c)
    });
    DocumentsPage {
        layout: ctx.layout(plural, segment),
        plural,
        segment,
        is_expense: kind == DocumentKind::Expense,
        rows: docs
            .into_iter()
            .map(|v| doc_row(ctx, segment, list.accounts, v))
            .collect(),
        statuses: opts(&f.status, "Any status", &STATUSES),
        contacts: list
            .contacts
            .iter()
            .map(|(id, n)| Opt {
                value: id.clone(),
                label: n.clone(),
                selected: *id == f.contact,
            })
            .collect(),
        from: f.from,
        to: f.to,
        errors,
        next,
        new_href: ctx
            .can(kind.info().draft)
            .then(|| ctx.url(&format!("/{segment}/new"))),
    }
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
    drafted_at: super::when::Moment,
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
    let id = parse_doc_id(kind, id)?;
    let detail = views::documents::detail(&s.svc, &ctx.access, kind, &id).await?;
    Ok(render(&document_page(ctx, detail, s.svc.clock.today())))
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
        outstanding: money(views::documents::outstanding(d), cur),
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
        pay: actions.pay.then(|| PayForm {
            accounts: detail
                .accounts
                .iter()
                .filter(|a| a.role.is_money() && !a.archived)
                .map(|a| Opt {
                    value: a.id.to_string(),
                    label: label(a),
                    selected: false,
                })
                .collect(),
            date: today.to_string(),
            amount: cur.format(d.total - d.amount_paid),
        }),
    }
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
