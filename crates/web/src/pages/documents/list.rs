//! A list of invoices, bills or expenses: filters (status, contact, dates), newest first,
//! with a next-page link.

use super::kind_info;
use crate::pages::lists::{Opt, PAGE_SIZE, account_names, choices, next_href, opts};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, date, money, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use newledger_domain::document::{DocumentKind, DocumentStatus};
use newledger_service::views::documents::DocumentView;
use newledger_service::views::{self, ListQuery, Page};
use serde::Deserialize;
use std::collections::HashMap;

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
            money(d.outstanding(), cur)
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

/// `GET /app/{company_id}/{invoices|bills|expenses}`.
pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(kind): Extension<DocumentKind>,
    Query(f): Query<ListFilter>,
) -> PageResult {
    let (q, errors) = f.query();
    let page = views::documents::list(&s.svc, &ctx.access, kind, q).await?;
    let accounts = if kind == DocumentKind::Expense {
        account_names(&s, &ctx).await?
    } else {
        HashMap::new()
    };
    let contacts = views::contact_choices(&s.svc, &ctx.access).await?;
    let list = DocumentList {
        page: &page,
        accounts: &accounts,
        contacts: &contacts,
    };
    Ok(render(&documents_page(&ctx, kind, f, list, errors)))
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
        contacts: choices(list.contacts, &f.contact),
        from: f.from,
        to: f.to,
        errors,
        next,
        new_href: ctx
            .can(kind.info().draft)
            .then(|| ctx.url(&format!("/{segment}/new"))),
    }
}
