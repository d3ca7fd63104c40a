//! Invoices, bills and expenses as lists and detail pages show them: each document with its
//! contact's name and its author's label, read in the list's one query, and what a person may
//! do with it next.

use super::{Page, actor_label};
use crate::books::documents;
use crate::books::drafts::ActorLabels;
use crate::books::{accounts, normalize, page, payments};
use crate::{Access, Result, Services};
use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::actor::Actor;
use newledger_domain::document::{Document, DocumentAction, DocumentKind};
use newledger_domain::ids::DocumentId;
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;
use std::sync::Arc;

/// A document with the names shown beside it.
#[derive(Clone, Debug)]
pub struct DocumentView {
    /// The document.
    pub doc: Document,
    /// Its contact's name; None without a contact, or when the reader may not read contacts.
    pub contact_name: Option<String>,
    /// Who drafted it, readable (a person's or an app's name).
    pub created_by_label: String,
}

/// One page of documents of a kind, with contact names and author labels (one query, cached
/// per node until the books change).
pub async fn list(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    q: ListQuery,
) -> Result<Arc<Page<DocumentView>>> {
    access.require(kind.info().read)?;
    let q = normalize(q)?;
    let key = format!("{}/documents/{}/{q:?}", access.company.id, kind.as_str());
    let page = svc
        .views
        .get_or_fill(
            svc,
            key,
            |p: &Page<DocumentView>| p.data.len(),
            || async {
                let rows = svc
                    .store
                    .document_rows(&access.company.id, kind, &q)
                    .await?;
                let views = rows
                    .into_iter()
                    .map(|r| DocumentView {
                        created_by_label: actor_label(&r.doc.created_by, r.created_by_label),
                        contact_name: r.contact_name,
                        doc: r.doc,
                    })
                    .collect();
                Ok(page(views, q.limit, |v: &DocumentView| {
                    v.doc.id.to_string()
                }))
            },
        )
        .await?;
    if access.permissions.contains(Permission::ContactsRead) {
        return Ok(page);
    }
    Ok(Arc::new(Page {
        data: page
            .data
            .iter()
            .map(|v| DocumentView {
                contact_name: None,
                ..v.clone()
            })
            .collect(),
        next_cursor: page.next_cursor.clone(),
    }))
}

/// A payment as a document's page lists it: the part allocated to that document.
#[derive(Clone, Debug)]
pub struct PaymentLine {
    /// Payment number.
    pub number: String,
    /// Payment date.
    pub date: NaiveDate,
    /// Amount allocated to the document (minor units).
    pub amount: i64,
}

/// What the reader may do with a document now (the service checks again when they do it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    /// Approve a draft (posts it).
    pub approve: bool,
    /// Edit or discard a draft.
    pub change: bool,
    /// Void an approved document nothing was paid against.
    pub void: bool,
    /// Record a payment against an approved invoice or bill with money outstanding.
    pub pay: bool,
}

/// The actions the reader's permissions allow on `d` in its state (the domain's
/// [`Document::allows`]).
pub fn actions(d: &Document, access: &Access) -> Actions {
    let can = |a| d.allows(a, access.permissions);
    Actions {
        approve: can(DocumentAction::Approve),
        change: can(DocumentAction::Edit),
        void: can(DocumentAction::Void),
        pay: can(DocumentAction::RecordPayment),
    }
}

/// A document's page: the document with names, who approved it, its payments, the chart (line
/// accounts and the accounts a payment can go through) and the actions open to the reader.
#[derive(Clone, Debug)]
pub struct DocumentDetail {
    /// The document and its names.
    pub view: DocumentView,
    /// Who approved it, readable.
    pub approved_by_label: Option<String>,
    /// Payments allocated to it (none for expenses).
    pub payments: Vec<PaymentLine>,
    /// The chart of accounts.
    pub accounts: Vec<Account>,
    /// What the reader may do next.
    pub actions: Actions,
}

/// One document of a kind for its page.
pub async fn detail(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
) -> Result<DocumentDetail> {
    let d = documents::get(svc, access, kind, id).await?;
    let contact_name = match &d.contact_id {
        Some(c) if access.permissions.contains(Permission::ContactsRead) => svc
            .store
            .contact(&access.company.id, c)
            .await?
            .map(|c| c.name),
        _ => None,
    };
    let chart = accounts::list(svc, access).await?;
    let mut labels = ActorLabels::default();
    let approved_by_label = match &d.approved_by {
        Some(u) => Some(labels.label(svc, &Actor::User(u.clone())).await?),
        None => None,
    };
    let payments = if d.kind == DocumentKind::Expense {
        Vec::new()
    } else {
        payments::of_document(svc, access, &d.id)
            .await?
            .into_iter()
            .map(|p| PaymentLine {
                amount: p.allocated_to(&d.id),
                number: p.number,
                date: p.date,
            })
            .collect()
    };
    Ok(DocumentDetail {
        actions: actions(&d, access),
        approved_by_label,
        payments,
        accounts: chart,
        view: DocumentView {
            created_by_label: labels.label(svc, &d.created_by).await?,
            contact_name,
            doc: d,
        },
    })
}

/// What the draft form of a kind offers: the contacts it may name (customers for invoices,
/// suppliers for bills, anyone for expenses), by name, and the chart of accounts.
#[derive(Clone, Debug)]
pub struct FormChoices {
    /// `(id, name)` by name.
    pub contacts: Vec<(String, String)>,
    /// The chart of accounts.
    pub accounts: Vec<Account>,
}

/// The choices of a kind's draft form.
pub async fn form_choices(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
) -> Result<FormChoices> {
    let mut contacts: Vec<(String, String)> = super::every_contact(svc, access)
        .await?
        .into_iter()
        .filter(|c| c.check_party(kind).is_ok())
        .map(|c| (c.id.to_string(), c.name))
        .collect();
    contacts.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(FormChoices {
        contacts,
        accounts: accounts::list(svc, access).await?,
    })
}
