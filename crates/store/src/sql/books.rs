//! Documents and journal entries. Every posting goes through
//! [`post_entry_in`], which checks the lock date, writes the ledger lines and maintains the
//! per-day account balances inside the caller's transaction. Document status changes are
//! compare-and-sets whose statuses come from the domain's lifecycle
//! (`DocumentAction::requires` / `leads_to`), repeated here atomically.

use super::lists::{limit, list_filters};
use super::{Sql, SqlStore, one_row, rows};
use crate::records::*;
use crate::{BooksStore, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::NaiveDate;
use newledger_domain::DomainError;
use newledger_domain::document::{Document, DocumentAction, DocumentKind};
use newledger_domain::ids::*;
use newledger_domain::journal::{BalancedLines, Entry};
use std::collections::BTreeMap;

type Tx<'a> = super::source::Scope<'a>;

/// Refuses a posting on or before the company's lock date, read inside the transaction.
async fn check_open(tx: &mut Tx<'_>, company: &CompanyId, date: NaiveDate) -> StoreResult<()> {
    let r = sqlx::query("SELECT lock_date FROM companies WHERE id = $1")
        .bind(company.as_str())
        .fetch_one(&mut **tx)
        .await?;
    if let Some(lock_date) = rows::odate(&r, "lock_date")?
        && date <= lock_date
    {
        return Err(StoreError::Rule(DomainError::PeriodLocked {
            date,
            lock_date,
        }));
    }
    Ok(())
}

fn actor_json(e: &Entry) -> StoreResult<Option<String>> {
    e.posted_by
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(Into::into)
}

async fn insert_entry_row(tx: &mut Tx<'_>, e: &Entry) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO journal_entries (id, company_id, number, date, memo, status, source, source_id, reverses_id,
         reversed_by_id, lines, total, created_by_kind, created_by_id, posted_by, posted_at, created_at, updated_at, version)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)",
    )
    .bind(e.id.as_str())
    .bind(e.company_id.as_str())
    .bind(&e.number)
    .bind(e.date.to_string())
    .bind(&e.memo)
    .bind(e.status().as_str())
    .bind(e.source.as_str())
    .bind(e.source_id.clone())
    .bind(e.reverses_id.as_ref().map(|i| i.to_string()))
    .bind(e.reversed_by_id.as_ref().map(|i| i.to_string()))
    .bind(serde_json::to_string(e.lines())?)
    .bind(e.total())
    .bind(e.created_by.kind())
    .bind(e.created_by.id())
    .bind(actor_json(e)?)
    .bind(e.posted_at)
    .bind(e.created_at)
    .bind(e.updated_at)
    .bind(e.version)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes the ledger lines of a posted entry and adds them to the daily balances: only
/// balanced lines ever reach the ledger.
async fn post_lines_in(tx: &mut Tx<'_>, e: &Entry, lines: &BalancedLines) -> StoreResult<()> {
    check_open(tx, &e.company_id, e.date).await?;
    let day = e.date.to_string();
    let mut per_account: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (n, l) in lines.lines().iter().enumerate() {
        sqlx::query(
            "INSERT INTO journal_lines (entry_id, line_no, company_id, account_id, date, description, contact_id, debit, credit)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(e.id.as_str())
        .bind(i64::try_from(n).unwrap_or(i64::MAX))
        .bind(e.company_id.as_str())
        .bind(l.account_id.as_str())
        .bind(&day)
        .bind(&l.description)
        .bind(l.contact_id.as_ref().map(|c| c.to_string()))
        .bind(l.debit)
        .bind(l.credit)
        .execute(&mut **tx)
        .await?;
        let t = per_account.entry(l.account_id.as_str()).or_default();
        t.0 += l.debit;
        t.1 += l.credit;
    }
    for (account, (d, c)) in per_account {
        sqlx::query(
            "INSERT INTO account_balances (company_id, account_id, day, debit, credit) VALUES ($1,$2,$3,$4,$5)
             ON CONFLICT (account_id, day) DO UPDATE SET debit = account_balances.debit + excluded.debit,
             credit = account_balances.credit + excluded.credit",
        )
        .bind(e.company_id.as_str())
        .bind(account)
        .bind(&day)
        .bind(d)
        .bind(c)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Inserts an entry; a posted one also enters the ledger.
pub(crate) async fn post_entry_in(tx: &mut Tx<'_>, e: &Entry) -> StoreResult<()> {
    insert_entry_row(tx, e).await?;
    if let Some(lines) = e.lines.posted() {
        post_lines_in(tx, e, lines).await?;
    }
    Ok(())
}

/// The one list query of documents, selecting `select` (columns of `documents`, which the
/// read models extend with looked-up names).
pub(super) fn documents_query(
    select: &str,
    company: &CompanyId,
    kind: DocumentKind,
    lq: &ListQuery,
) -> Sql {
    let mut q = Sql::new(&format!(
        "SELECT {select} FROM documents WHERE company_id = "
    ));
    q.s(company.as_str()).push(" AND kind = ").s(kind.as_str());
    list_filters(&mut q, lq, "issue_date");
    if let Some(today) = lq.overdue_as_of {
        q.push(" AND status = 'approved' AND due_date < ")
            .s(today.to_string());
    }
    limit(&mut q, lq);
    q
}

/// The one list query of journal entries (see [`documents_query`]).
pub(super) fn entries_query(select: &str, company: &CompanyId, lq: &ListQuery) -> Sql {
    let mut q = Sql::new(&format!(
        "SELECT {select} FROM journal_entries WHERE company_id = "
    ));
    q.s(company.as_str());
    list_filters(
        &mut q,
        &ListQuery {
            contact_id: None,
            ..lq.clone()
        },
        "date",
    );
    if let Some(src) = &lq.search {
        q.push(" AND source = ").s(src.clone());
    }
    limit(&mut q, lq);
    q
}

#[async_trait]
impl BooksStore for SqlStore {
    async fn insert_document(&self, d: &Document) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO documents (id, company_id, kind, number, status, contact_id, issue_date, due_date, reference,
             currency, lines, subtotal, tax, total, amount_paid, payment_account_id, created_by_kind, created_by_id,
             created_at, updated_at, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)",
        )
        .bind(d.id.as_str())
        .bind(d.company_id.as_str())
        .bind(d.kind.as_str())
        .bind(&d.number)
        .bind(d.status.as_str())
        .bind(d.contact_id.as_ref().map(|c| c.to_string()))
        .bind(d.issue_date.to_string())
        .bind(d.due_date.to_string())
        .bind(&d.reference)
        .bind(d.currency.code())
        .bind(serde_json::to_string(&d.lines)?)
        .bind(d.subtotal)
        .bind(d.tax)
        .bind(d.total)
        .bind(d.amount_paid)
        .bind(d.payment_account_id.as_ref().map(|c| c.to_string()))
        .bind(d.created_by.kind())
        .bind(d.created_by.id())
        .bind(d.created_at)
        .bind(d.updated_at)
        .bind(d.version)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn update_draft_document(&self, d: &Document, expected_version: i64) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE documents SET contact_id = $3, issue_date = $4, due_date = $5, reference = $6, lines = $7,
             subtotal = $8, tax = $9, total = $10, payment_account_id = $11, updated_at = $12, version = version + 1
             WHERE id = $1 AND company_id = $2 AND status = $14 AND version = $13",
        )
        .bind(d.id.as_str())
        .bind(d.company_id.as_str())
        .bind(d.contact_id.as_ref().map(|c| c.to_string()))
        .bind(d.issue_date.to_string())
        .bind(d.due_date.to_string())
        .bind(&d.reference)
        .bind(serde_json::to_string(&d.lines)?)
        .bind(d.subtotal)
        .bind(d.tax)
        .bind(d.total)
        .bind(d.payment_account_id.as_ref().map(|c| c.to_string()))
        .bind(d.updated_at)
        .bind(expected_version)
        .bind(DocumentAction::Edit.requires().as_str())
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "version")
    }

    async fn document(
        &self,
        company: &CompanyId,
        id: &DocumentId,
    ) -> StoreResult<Option<Document>> {
        let r = sqlx::query("SELECT * FROM documents WHERE company_id = $1 AND id = $2")
            .bind(company.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::document).transpose()
    }

    async fn list_documents(
        &self,
        company: &CompanyId,
        kind: DocumentKind,
        lq: &ListQuery,
    ) -> StoreResult<Vec<Document>> {
        let q = documents_query("*", company, kind, lq);
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter().map(rows::document).collect()
    }

    async fn approve_document(
        &self,
        d: &Document,
        expected_version: i64,
        entry: &Entry,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let settled = (d.kind == DocumentKind::Expense).then(|| d.issue_date.to_string());
        let r = sqlx::query(
            "UPDATE documents SET status = $8, entry_id = $3, approved_by = $4, approved_at = $5, updated_at = $5,
             settled_on = $6, version = version + 1 WHERE id = $1 AND company_id = $2 AND status = $9 AND version = $7",
        )
        .bind(d.id.as_str())
        .bind(d.company_id.as_str())
        .bind(entry.id.as_str())
        .bind(d.approved_by.as_ref().map(|u| u.to_string()))
        .bind(entry.created_at)
        .bind(settled)
        .bind(expected_version)
        .bind(DocumentAction::Approve.leads_to().as_str())
        .bind(DocumentAction::Approve.requires().as_str())
        .execute(&mut *tx)
        .await?;
        one_row(r.rows_affected(), "version")?;
        post_entry_in(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn void_document(
        &self,
        d: &Document,
        expected_version: i64,
        reversal: &Entry,
    ) -> StoreResult<()> {
        let original = d
            .entry_id
            .as_ref()
            .ok_or_else(|| StoreError::conflict("not posted"))?;
        let mut tx = self.write.begin().await?;
        let r = sqlx::query(
            "UPDATE documents SET status = $7, void_entry_id = $3, settled_on = $4, updated_at = $5,
             version = version + 1 WHERE id = $1 AND company_id = $2 AND status = $8 AND amount_paid = 0 AND version = $6",
        )
        .bind(d.id.as_str())
        .bind(d.company_id.as_str())
        .bind(reversal.id.as_str())
        .bind(reversal.date.to_string())
        .bind(reversal.created_at)
        .bind(expected_version)
        .bind(DocumentAction::Void.leads_to().as_str())
        .bind(DocumentAction::Void.requires().as_str())
        .execute(&mut *tx)
        .await?;
        one_row(r.rows_affected(), "version")?;
        link_reversal(&mut tx, original, reversal).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn discard_document(
        &self,
        company: &CompanyId,
        id: &DocumentId,
        expected_version: i64,
        now: i64,
    ) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE documents SET status = $5, updated_at = $3, version = version + 1
             WHERE id = $1 AND company_id = $2 AND status = $6 AND version = $4",
        )
        .bind(id.as_str())
        .bind(company.as_str())
        .bind(now)
        .bind(expected_version)
        .bind(DocumentAction::Discard.leads_to().as_str())
        .bind(DocumentAction::Discard.requires().as_str())
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "version")
    }

    async fn insert_entry(&self, e: &Entry) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        post_entry_in(&mut tx, e).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_draft_entry(&self, e: &Entry, expected_version: i64) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE journal_entries SET date = $3, memo = $4, lines = $5, total = $6, updated_at = $7, version = version + 1
             WHERE id = $1 AND company_id = $2 AND status = 'draft' AND version = $8",
        )
        .bind(e.id.as_str())
        .bind(e.company_id.as_str())
        .bind(e.date.to_string())
        .bind(&e.memo)
        .bind(serde_json::to_string(e.lines())?)
        .bind(e.total())
        .bind(e.updated_at)
        .bind(expected_version)
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "version")
    }

    async fn post_draft_entry(&self, e: &Entry, expected_version: i64) -> StoreResult<()> {
        let lines = e
            .lines
            .posted()
            .ok_or_else(|| StoreError::conflict("not posted"))?;
        let mut tx = self.write.begin().await?;
        let r = sqlx::query(
            "UPDATE journal_entries SET status = 'posted', posted_by = $3, posted_at = $4, updated_at = $4, version = version + 1
             WHERE id = $1 AND company_id = $2 AND status = 'draft' AND version = $5",
        )
        .bind(e.id.as_str())
        .bind(e.company_id.as_str())
        .bind(actor_json(e)?)
        .bind(e.posted_at)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        one_row(r.rows_affected(), "version")?;
        post_lines_in(&mut tx, e, lines).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn discard_entry(
        &self,
        company: &CompanyId,
        id: &EntryId,
        expected_version: i64,
        now: i64,
    ) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE journal_entries SET status = 'discarded', updated_at = $3, version = version + 1
             WHERE id = $1 AND company_id = $2 AND status = 'draft' AND version = $4",
        )
        .bind(id.as_str())
        .bind(company.as_str())
        .bind(now)
        .bind(expected_version)
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "version")
    }

    async fn reverse_entry(&self, original: &EntryId, reversal: &Entry) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        link_reversal(&mut tx, original, reversal).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn entry(&self, company: &CompanyId, id: &EntryId) -> StoreResult<Option<Entry>> {
        let r = sqlx::query("SELECT * FROM journal_entries WHERE company_id = $1 AND id = $2")
            .bind(company.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::entry).transpose()
    }

    async fn list_entries(&self, company: &CompanyId, lq: &ListQuery) -> StoreResult<Vec<Entry>> {
        let q = entries_query("*", company, lq);
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter().map(rows::entry).collect()
    }

    async fn bulk_post_entries(&self, entries: &[Entry]) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        for e in entries {
            post_entry_in(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn link_reversal(tx: &mut Tx<'_>, original: &EntryId, reversal: &Entry) -> StoreResult<()> {
    let r = sqlx::query(
        "UPDATE journal_entries SET reversed_by_id = $3, updated_at = $4, version = version + 1
         WHERE id = $1 AND company_id = $2 AND status = 'posted' AND reversed_by_id IS NULL",
    )
    .bind(original.as_str())
    .bind(reversal.company_id.as_str())
    .bind(reversal.id.as_str())
    .bind(reversal.created_at)
    .execute(&mut **tx)
    .await?;
    one_row(r.rows_affected(), "already reversed")?;
    post_entry_in(tx, reversal).await
}
