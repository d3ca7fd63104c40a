//! Invoices, bills and expenses: drafts (programs and people), then approval, voiding and
//! discarding (people).

use super::accounts::{by_id_in, system_account};
use super::{Page, normalize, page};
use crate::activity::Event;
use crate::work::Work;
use crate::{Access, Error, Result, Services};
use chrono::{Days, NaiveDate};
use newledger_domain::account::{Account, AccountRole};
use newledger_domain::dates;
use newledger_domain::document::{
    Document, DocumentAction, DocumentKind, DocumentStatus, LineInput, PostingAccounts,
    compute_lines,
};
use newledger_domain::ids::{AccountId, ContactId, DocumentId, EntryId};
use newledger_domain::journal::{BalancedLines, Entry, EntryLines, EntrySource};
use newledger_store::ListQuery;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A document as a client sends it.
#[derive(Clone, Debug, Deserialize)]
pub struct DocumentInput {
    /// Customer (invoice), supplier (bill) or payee (expense, optional).
    pub contact_id: Option<ContactId>,
    /// Issue date (expense: date of spending).
    pub issue_date: NaiveDate,
    /// Due date; defaults to 30 days after the issue date (expenses: the issue date).
    pub due_date: Option<NaiveDate>,
    /// Free reference.
    #[serde(default)]
    pub reference: String,
    /// Expenses: the bank or card account paid from.
    pub payment_account_id: Option<AccountId>,
    /// Lines.
    pub lines: Vec<LineInput>,
}

async fn build(
    w: &Work<'_>,
    access: &Access,
    kind: DocumentKind,
    input: DocumentInput,
    accounts: &HashMap<AccountId, Account>,
) -> Result<(
    DocumentInput,
    Vec<newledger_domain::document::ComputedLine>,
    newledger_domain::document::Totals,
    NaiveDate,
)> {
    dates::check("issue_date", input.issue_date)?;
    dates::check_opt("due_date", input.due_date)?;
    // A program's draft dated in a closed period could never be approved: say so now. (People
    // may still draft there and change the date while reviewing.)
    if access.actor.is_program() {
        access.company.check_open(input.issue_date)?;
    }
    if input.reference.chars().count() > 200 {
        return Err(Error::invalid("reference", "at most 200 characters"));
    }
    match (&input.contact_id, kind) {
        (None, DocumentKind::Invoice | DocumentKind::Bill) => {
            return Err(Error::invalid("contact_id", "required"));
        }
        (Some(c), _) => {
            let contact = w
                .store()
                .contact(&access.company.id, c)
                .await?
                .ok_or_else(|| Error::invalid("contact_id", "no such contact in this company"))?;
            contact.check_party(kind)?;
        }
        (None, DocumentKind::Expense) => {}
    }
    if kind == DocumentKind::Expense {
        let pa = input.payment_account_id.as_ref().ok_or_else(|| {
            Error::invalid(
                "payment_account_id",
                "required: the bank or card account paid from",
            )
        })?;
        match accounts.get(pa) {
            Some(a) if a.role.is_money() && !a.archived => {}
            _ => {
                return Err(Error::invalid(
                    "payment_account_id",
                    "must be a bank or card account of this company",
                ));
            }
        }
    } else if input.payment_account_id.is_some() {
        return Err(Error::invalid(
            "payment_account_id",
            "only expenses have a payment account",
        ));
    }
    for (i, l) in input.lines.iter().enumerate() {
        match accounts.get(&l.account_id) {
            Some(a) if a.archived => {
                return Err(Error::invalid(
                    format!("lines[{i}].account_id"),
                    "this account is archived",
                ));
            }
            Some(a) if a.role.is_control() || a.role.is_money() => {
                return Err(Error::invalid(
                    format!("lines[{i}].account_id"),
                    "choose a revenue, expense or asset account, not a bank or control account",
                ));
            }
            Some(_) => {}
            None => {
                return Err(Error::invalid(
                    format!("lines[{i}].account_id"),
                    "no such account in this company",
                ));
            }
        }
    }
    let due = match (kind, input.due_date) {
        (DocumentKind::Expense, _) => input.issue_date,
        (_, Some(d)) if d < input.issue_date => {
            return Err(Error::invalid(
                "due_date",
                "must be on or after the issue date",
            ));
        }
        (_, Some(d)) => d,
        (_, None) => input
            .issue_date
            .checked_add_days(Days::new(30))
            .unwrap_or(input.issue_date),
    };
    let (lines, totals) = compute_lines(input.lines.clone(), access.company.currency)?;
    Ok((input, lines, totals, due))
}

/// Creates a draft.
pub async fn create_draft(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    input: DocumentInput,
) -> Result<Document> {
    svc.write(async |w| create_draft_in(w, access, kind, input).await)
        .await
}

/// [`create_draft`] as part of a unit of work.
pub async fn create_draft_in(
    w: &mut Work<'_>,
    access: &Access,
    kind: DocumentKind,
    input: DocumentInput,
) -> Result<Document> {
    access.require(kind.info().draft)?;
    let accounts = by_id_in(w, access).await?;
    let (input, lines, totals, due) = build(w, access, kind, input, &accounts).await?;
    let n = w
        .store()
        .next_number(&access.company.id, kind.as_str())
        .await?;
    let now = w.svc().clock.now_ms();
    let d = Document {
        id: w.svc().new_id(kind.id_prefix()),
        company_id: access.company.id.clone(),
        kind,
        number: format!("{}-{n:04}", kind.number_prefix()),
        status: DocumentStatus::Draft,
        contact_id: input.contact_id,
        issue_date: input.issue_date,
        due_date: due,
        reference: input.reference.trim().to_owned(),
        currency: access.company.currency,
        lines,
        subtotal: totals.subtotal,
        tax: totals.tax,
        total: totals.total,
        amount_paid: 0,
        payment_account_id: input.payment_account_id,
        entry_id: None,
        void_entry_id: None,
        settled_on: None,
        created_by: access.actor.clone(),
        approved_by: None,
        approved_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    w.store().insert_document(&d).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok(draft_action(kind, "drafted"), kind.as_str(), d.id.as_str()).reason(format!(
            "{} {}",
            d.number,
            svc_amount(access, d.total)
        )),
    )
    .await?;
    Ok(d)
}

fn svc_amount(access: &Access, minor: i64) -> String {
    format!(
        "{} {}",
        access.company.currency.format(minor),
        access.company.currency
    )
}

fn draft_action(kind: DocumentKind, what: &str) -> &'static str {
    match (kind, what) {
        (DocumentKind::Invoice, "drafted") => "invoice.drafted",
        (DocumentKind::Invoice, "updated") => "invoice.updated",
        (DocumentKind::Invoice, "approved") => "invoice.approved",
        (DocumentKind::Invoice, "voided") => "invoice.voided",
        (DocumentKind::Invoice, _) => "invoice.discarded",
        (DocumentKind::Bill, "drafted") => "bill.drafted",
        (DocumentKind::Bill, "updated") => "bill.updated",
        (DocumentKind::Bill, "approved") => "bill.approved",
        (DocumentKind::Bill, "voided") => "bill.voided",
        (DocumentKind::Bill, _) => "bill.discarded",
        (DocumentKind::Expense, "drafted") => "expense.drafted",
        (DocumentKind::Expense, "updated") => "expense.updated",
        (DocumentKind::Expense, "approved") => "expense.approved",
        (DocumentKind::Expense, "voided") => "expense.voided",
        (DocumentKind::Expense, _) => "expense.discarded",
    }
}

/// One document of a kind (from the node's document cache when it is current).
pub async fn get(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
) -> Result<Document> {
    get_shared(svc, access, kind, id)
        .await
        .map(Arc::unwrap_or_clone)
}

/// Like [`get`], without copying the cached document (the API's read path).
pub async fn get_shared(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
) -> Result<Arc<Document>> {
    access.require(kind.info().read)?;
    let auth = &svc.auth_cache;
    let seen = auth.documents_generation();
    if !auth.is_bypassed()
        && let Some(d) = svc.documents.get(seen, id)
    {
        // The cache is keyed by id alone: the company check the store's query makes is
        // repeated here.
        return if d.company_id == access.company.id && d.kind == kind {
            Ok(d)
        } else {
            Err(Error::NotFound(kind.as_str()))
        };
    }
    match svc.store.document(&access.company.id, id).await? {
        Some(d) if d.kind == kind => {
            let d = Arc::new(d);
            if !auth.is_bypassed() {
                svc.documents
                    .put(seen, auth.documents_generation(), d.clone());
            }
            Ok(d)
        }
        _ => Err(Error::NotFound(kind.as_str())),
    }
}

/// One document of a kind, read from the store: writers decide on the current row, never on a
/// cached copy.
async fn get_fresh(
    w: &Work<'_>,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
) -> Result<Document> {
    match w.store().document(&access.company.id, id).await? {
        Some(d) if d.kind == kind => Ok(d),
        _ => Err(Error::NotFound(kind.as_str())),
    }
}

/// After anything in the books changed (a document, a journal entry, a payment, a contact):
/// drops cached documents, list pages and reports on this node at once and, through the
/// documents epoch, on every other node. Called right after the commit (see
/// [`Work::documents_changed`]), so that no cached copy outlives the change. The write itself
/// succeeded, so a failure to tell the other nodes is logged rather than returned.
pub(crate) async fn documents_changed(svc: &Services) {
    if let Err(e) = svc.auth_cache.invalidate_documents(svc).await {
        tracing::error!(error = %e, "document changed but the documents epoch could not be bumped");
    }
}

/// Lists documents of a kind.
pub async fn list(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    q: ListQuery,
) -> Result<Page<Document>> {
    access.require(kind.info().read)?;
    let q = normalize(q)?;
    let rows = svc
        .store
        .list_documents(&access.company.id, kind, &q)
        .await?;
    Ok(page(rows, q.limit, |d| d.id.to_string()))
}

/// Replaces a draft's content if it is still a draft at `version` (None: current version).
pub async fn update_draft(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
    input: DocumentInput,
) -> Result<Document> {
    svc.write(async |w| update_draft_in(w, access, kind, id, version, input).await)
        .await
}

/// [`update_draft`] as part of a unit of work.
pub async fn update_draft_in(
    w: &mut Work<'_>,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
    input: DocumentInput,
) -> Result<Document> {
    access.require(kind.info().draft)?;
    access.require(kind.info().read)?;
    let old = get_fresh(w, access, kind, id).await?;
    old.check(DocumentAction::Edit)?;
    let expected = version.unwrap_or(old.version);
    if expected != old.version {
        return Err(Error::Stale);
    }
    let accounts = by_id_in(w, access).await?;
    let (input, lines, totals, due) = build(w, access, kind, input, &accounts).await?;
    let d = Document {
        contact_id: input.contact_id,
        issue_date: input.issue_date,
        due_date: due,
        reference: input.reference.trim().to_owned(),
        lines,
        subtotal: totals.subtotal,
        tax: totals.tax,
        total: totals.total,
        payment_account_id: input.payment_account_id,
        updated_at: w.svc().clock.now_ms(),
        version: old.version + 1,
        ..old.clone()
    };
    w.store().update_draft_document(&d, expected).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok(draft_action(kind, "updated"), kind.as_str(), d.id.as_str())
            .details(serde_json::json!({"old_total": old.total, "new_total": d.total})),
    )
    .await?;
    Ok(d)
}

/// Approves a draft: posts its entry (people with the approve permission).
pub async fn approve(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<Document> {
    svc.write(async |w| approve_in(w, access, kind, id, version).await)
        .await
}

async fn approve_in(
    w: &mut Work<'_>,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<Document> {
    access.require(kind.info().approve)?;
    let person = access.person()?.clone();
    access.require(kind.info().read)?;
    let d = get_fresh(w, access, kind, id).await?;
    let status = d.approve()?;
    let expected = version.unwrap_or(d.version);
    access.company.check_open(d.issue_date)?;
    let accounts = by_id_in(w, access).await?;
    let counter = match kind {
        DocumentKind::Invoice => system_account(&accounts, AccountRole::Receivable)?,
        DocumentKind::Bill => system_account(&accounts, AccountRole::Payable)?,
        DocumentKind::Expense => d
            .payment_account_id
            .clone()
            .ok_or_else(|| Error::invalid("payment_account_id", "required"))?,
    };
    let tax = system_account(&accounts, AccountRole::Tax)?;
    let lines = d.posting_lines(&PostingAccounts { counter, tax })?;
    let now = w.svc().clock.now_ms();
    let source = kind.info().entry_source;
    let entry = new_posted_entry(
        w,
        access,
        d.issue_date,
        d.entry_memo(),
        source,
        Some(d.id.to_string()),
        lines,
        now,
    )
    .await?;
    let approved = Document {
        status,
        entry_id: Some(entry.id.clone()),
        approved_by: Some(person),
        approved_at: Some(now),
        updated_at: now,
        version: expected + 1,
        ..d
    };
    w.store()
        .approve_document(&approved, expected, &entry)
        .await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok(
            draft_action(kind, "approved"),
            kind.as_str(),
            approved.id.as_str(),
        )
        .reason(format!("{} posted as {}", approved.number, entry.number)),
    )
    .await?;
    Ok(approved)
}

/// Builds a posted entry with the next journal number.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn new_posted_entry(
    w: &Work<'_>,
    access: &Access,
    date: NaiveDate,
    memo: String,
    source: EntrySource,
    source_id: Option<String>,
    lines: BalancedLines,
    now: i64,
) -> Result<Entry> {
    let n = w.store().next_number(&access.company.id, "journal").await?;
    Ok(Entry {
        id: w.svc().new_id(EntryId::PREFIX),
        company_id: access.company.id.clone(),
        number: format!("JE-{n:05}"),
        date,
        memo,
        source,
        source_id,
        reverses_id: None,
        reversed_by_id: None,
        lines: EntryLines::Posted(lines),
        created_by: access.actor.clone(),
        posted_by: Some(access.actor.clone()),
        posted_at: Some(now),
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

/// Voids an approved, unpaid document by posting the reversal of its entry, dated today.
pub async fn void(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<Document> {
    svc.write(async |w| void_in(w, access, kind, id, version).await)
        .await
}

async fn void_in(
    w: &mut Work<'_>,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<Document> {
    let svc = w.svc();
    access.require(kind.info().approve)?;
    access.person()?;
    access.require(kind.info().read)?;
    let d = get_fresh(w, access, kind, id).await?;
    let status = d.void()?;
    let expected = version.unwrap_or(d.version);
    let original_id = d
        .entry_id
        .clone()
        .ok_or_else(|| Error::Conflict("not posted".into()))?;
    let original = w
        .store()
        .entry(&access.company.id, &original_id)
        .await?
        .ok_or(Error::NotFound("entry"))?;
    let today = access.today(svc.clock.as_ref());
    access.company.check_open(today)?;
    let now = svc.clock.now_ms();
    let reversed = original.mirror()?;
    let mut entry = new_posted_entry(
        w,
        access,
        today,
        format!("Void {}", d.number),
        EntrySource::Reversal,
        Some(d.id.to_string()),
        reversed,
        now,
    )
    .await?;
    entry.reverses_id = Some(original_id);
    let voided = Document {
        status,
        void_entry_id: Some(entry.id.clone()),
        settled_on: Some(today),
        updated_at: now,
        version: expected + 1,
        ..d
    };
    w.store().void_document(&voided, expected, &entry).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok(
            draft_action(kind, "voided"),
            kind.as_str(),
            voided.id.as_str(),
        )
        .reason(voided.number.clone()),
    )
    .await?;
    Ok(voided)
}

/// Discards a draft (it stays as a tombstone for sync).
pub async fn discard(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<()> {
    svc.write(async |w| discard_in(w, access, kind, id, version).await)
        .await
}

async fn discard_in(
    w: &mut Work<'_>,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<()> {
    access.require(kind.info().draft)?;
    access.require(kind.info().read)?;
    let d = get_fresh(w, access, kind, id).await?;
    d.discard()?;
    w.store()
        .discard_document(
            &access.company.id,
            id,
            version.unwrap_or(d.version),
            w.svc().clock.now_ms(),
        )
        .await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok(draft_action(kind, "discarded"), kind.as_str(), id.as_str()).reason(d.number),
    )
    .await
}
