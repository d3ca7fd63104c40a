//! Manual journal entries: drafts (programs and people), posting and reversal (people).

use super::accounts::by_id_in;
use super::documents::new_posted_entry;
use super::{Page, normalize, page};
use crate::activity::Event;
use crate::work::Work;
use crate::{Access, Error, Result, Services};
use chrono::NaiveDate;
use newledger_domain::DomainError;
use newledger_domain::dates;
use newledger_domain::ids::{AccountId, ContactId, EntryId};
use newledger_domain::journal::{BalancedLines, Entry, EntryAction, EntryLines, EntrySource, Line};
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;
use serde::Deserialize;

/// A journal line as a client sends it: amounts are decimal strings, one side only.
#[derive(Clone, Debug, Deserialize)]
pub struct JournalLineInput {
    /// Account.
    pub account_id: AccountId,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Contact.
    pub contact_id: Option<ContactId>,
    /// Debit (`"100.00"`), or absent.
    pub debit: Option<String>,
    /// Credit, or absent.
    pub credit: Option<String>,
}

/// A manual journal as a client sends it.
#[derive(Clone, Debug, Deserialize)]
pub struct JournalInput {
    /// Accounting date.
    pub date: NaiveDate,
    /// Narration.
    #[serde(default)]
    pub memo: String,
    /// Lines; they must balance.
    pub lines: Vec<JournalLineInput>,
}

async fn build_lines(w: &Work<'_>, access: &Access, input: &JournalInput) -> Result<BalancedLines> {
    dates::check("date", input.date)?;
    // As for documents: a program's draft in a closed period could never be posted.
    if access.actor.is_program() {
        access.company.check_open(input.date)?;
    }
    if input.memo.chars().count() > 500 {
        return Err(Error::invalid("memo", "at most 500 characters"));
    }
    let accounts = by_id_in(w, access).await?;
    let cur = access.company.currency;
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, l) in input.lines.iter().enumerate() {
        let amount = |s: &Option<String>, f: &str| -> Result<i64> {
            match s.as_deref().map(str::trim) {
                None | Some("") => Ok(0),
                Some(v) => cur
                    .parse_amount(v)
                    .map_err(|e| Error::invalid(format!("lines[{i}].{f}"), e.to_string())),
            }
        };
        let (debit, credit) = (amount(&l.debit, "debit")?, amount(&l.credit, "credit")?);
        match accounts.get(&l.account_id) {
            None => {
                return Err(Error::invalid(
                    format!("lines[{i}].account_id"),
                    "no such account in this company",
                ));
            }
            Some(a) if a.archived => {
                return Err(Error::invalid(
                    format!("lines[{i}].account_id"),
                    "this account is archived",
                ));
            }
            Some(a) if a.role.is_control() => {
                return Err(Error::invalid(
                    format!("lines[{i}].account_id"),
                    format!(
                        "{} {} is a control account fed by invoices, bills and payments; it cannot take manual journal lines",
                        a.code, a.name
                    ),
                ));
            }
            Some(_) => {}
        }
        if let Some(c) = &l.contact_id
            && w.store().contact(&access.company.id, c).await?.is_none()
        {
            return Err(Error::invalid(
                format!("lines[{i}].contact_id"),
                "no such contact in this company",
            ));
        }
        lines.push(Line {
            account_id: l.account_id.clone(),
            description: l.description.trim().to_owned(),
            contact_id: l.contact_id.clone(),
            debit,
            credit,
        });
    }
    BalancedLines::new(lines).map_err(|e| match e {
        // Said in the company's currency: people and programs both read this.
        DomainError::Unbalanced { debits, credits } => Error::invalid(
            "lines",
            format!(
                "the entry does not balance: debits {} {cur}, credits {} {cur}",
                cur.format(debits),
                cur.format(credits)
            ),
        ),
        e => e.into(),
    })
}

/// Creates a draft manual journal (`journal:draft`). Drafts must already balance.
pub async fn create_draft(svc: &Services, access: &Access, input: JournalInput) -> Result<Entry> {
    svc.write(async |w| create_draft_in(w, access, input).await)
        .await
}

/// [`create_draft`] as part of a unit of work.
pub async fn create_draft_in(
    w: &mut Work<'_>,
    access: &Access,
    input: JournalInput,
) -> Result<Entry> {
    access.require(Permission::JournalDraft)?;
    let lines = build_lines(w, access, &input).await?;
    let n = w.store().next_number(&access.company.id, "journal").await?;
    let now = w.svc().clock.now_ms();
    let e = Entry {
        id: w.svc().new_id(EntryId::PREFIX),
        company_id: access.company.id.clone(),
        number: format!("JE-{n:05}"),
        date: input.date,
        memo: input.memo.trim().to_owned(),
        source: EntrySource::Manual,
        source_id: None,
        reverses_id: None,
        reversed_by_id: None,
        lines: EntryLines::Draft(lines.into_lines()),
        created_by: access.actor.clone(),
        posted_by: None,
        posted_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    w.store().insert_entry(&e).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("journal.drafted", "journal", e.id.as_str()).reason(e.number.clone()),
    )
    .await?;
    Ok(e)
}

/// One entry.
pub async fn get(svc: &Services, access: &Access, id: &EntryId) -> Result<Entry> {
    access.require(Permission::JournalRead)?;
    svc.store
        .entry(&access.company.id, id)
        .await?
        .ok_or(Error::NotFound("journal entry"))
}

/// [`get`], read in a unit of work (the current row a write decides on).
async fn get_in(w: &Work<'_>, access: &Access, id: &EntryId) -> Result<Entry> {
    access.require(Permission::JournalRead)?;
    w.store()
        .entry(&access.company.id, id)
        .await?
        .ok_or(Error::NotFound("journal entry"))
}

/// Lists entries (`search` filters by source: manual, invoice, …).
pub async fn list(svc: &Services, access: &Access, q: ListQuery) -> Result<Page<Entry>> {
    access.require(Permission::JournalRead)?;
    let q = normalize(q)?;
    let rows = svc.store.list_entries(&access.company.id, &q).await?;
    Ok(page(rows, q.limit, |e| e.id.to_string()))
}

/// Replaces a draft entry.
pub async fn update_draft(
    svc: &Services,
    access: &Access,
    id: &EntryId,
    version: Option<i64>,
    input: JournalInput,
) -> Result<Entry> {
    svc.write(async |w| update_draft_in(w, access, id, version, input).await)
        .await
}

/// [`update_draft`] as part of a unit of work.
pub async fn update_draft_in(
    w: &mut Work<'_>,
    access: &Access,
    id: &EntryId,
    version: Option<i64>,
    input: JournalInput,
) -> Result<Entry> {
    access.require(Permission::JournalDraft)?;
    let old = get_in(w, access, id).await?;
    old.check(EntryAction::Edit)?;
    let expected = version.unwrap_or(old.version);
    if expected != old.version {
        return Err(Error::Stale);
    }
    let lines = build_lines(w, access, &input).await?;
    let e = Entry {
        date: input.date,
        memo: input.memo.trim().to_owned(),
        lines: EntryLines::Draft(lines.into_lines()),
        updated_at: w.svc().clock.now_ms(),
        version: old.version + 1,
        ..old
    };
    w.store().update_draft_entry(&e, expected).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("journal.updated", "journal", e.id.as_str()).reason(e.number.clone()),
    )
    .await?;
    Ok(e)
}

/// Posts a draft entry (people with `journal:post`).
pub async fn post(
    svc: &Services,
    access: &Access,
    id: &EntryId,
    version: Option<i64>,
) -> Result<Entry> {
    svc.write(async |w| post_in(w, access, id, version).await)
        .await
}

async fn post_in(
    w: &mut Work<'_>,
    access: &Access,
    id: &EntryId,
    version: Option<i64>,
) -> Result<Entry> {
    access.require(Permission::JournalPost)?;
    access.person()?;
    let d = get_in(w, access, id).await?;
    // Said before the lock date: a posted entry is posted, whatever the period.
    d.check(EntryAction::Post)?;
    let expected = version.unwrap_or(d.version);
    access.company.check_open(d.date)?;
    let e = d.post(access.actor.clone(), w.svc().clock.now_ms())?;
    w.store().post_draft_entry(&e, expected).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("journal.posted", "journal", e.id.as_str()).reason(e.number.clone()),
    )
    .await?;
    Ok(e)
}

/// Reverses a posted manual entry with a mirror entry dated `date` (default today).
pub async fn reverse(
    svc: &Services,
    access: &Access,
    id: &EntryId,
    date: Option<NaiveDate>,
) -> Result<Entry> {
    svc.write(async |w| reverse_in(w, access, id, date).await)
        .await
}

async fn reverse_in(
    w: &mut Work<'_>,
    access: &Access,
    id: &EntryId,
    date: Option<NaiveDate>,
) -> Result<Entry> {
    let svc = w.svc();
    access.require(Permission::JournalPost)?;
    access.person()?;
    let original = get_in(w, access, id).await?;
    original.check(EntryAction::Reverse)?;
    let date = dates::check(
        "date",
        date.unwrap_or_else(|| access.today(svc.clock.as_ref())),
    )?;
    access.company.check_open(date)?;
    let lines = original.mirror()?;
    let now = svc.clock.now_ms();
    let mut e = new_posted_entry(
        w,
        access,
        date,
        format!("Reversal of {}", original.number),
        EntrySource::Reversal,
        Some(original.id.to_string()),
        lines,
        now,
    )
    .await?;
    e.reverses_id = Some(original.id.clone());
    w.store().reverse_entry(&original.id, &e).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("journal.reversed", "journal", original.id.as_str())
            .reason(format!("{} reversed by {}", original.number, e.number)),
    )
    .await?;
    Ok(e)
}

/// Discards a draft entry.
pub async fn discard(
    svc: &Services,
    access: &Access,
    id: &EntryId,
    version: Option<i64>,
) -> Result<()> {
    svc.write(async |w| discard_in(w, access, id, version).await)
        .await
}

async fn discard_in(
    w: &mut Work<'_>,
    access: &Access,
    id: &EntryId,
    version: Option<i64>,
) -> Result<()> {
    access.require(Permission::JournalDraft)?;
    let d = get_in(w, access, id).await?;
    d.check(EntryAction::Discard)?;
    w.store()
        .discard_entry(
            &access.company.id,
            id,
            version.unwrap_or(d.version),
            w.svc().clock.now_ms(),
        )
        .await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("journal.discarded", "journal", id.as_str()).reason(d.number),
    )
    .await
}
