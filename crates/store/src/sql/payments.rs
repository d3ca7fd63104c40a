//! Payments: recording one (its allocations raise each document's paid amount under the
//! overpayment guard, and its entry posts, in one transaction) and reading them back with their
//! allocations, fetched for a whole page in one query.

use super::books::post_entry_in;
use super::lists::{limit, list_filters};
use super::{Sql, SqlStore, Val, one_row, rows};
use crate::{ListQuery, PaymentStore, StoreResult};
use async_trait::async_trait;
use newledger_domain::document::DocumentAction;
use newledger_domain::ids::*;
use newledger_domain::journal::Entry;
use newledger_domain::payment::Payment;
use std::collections::BTreeMap;

#[async_trait]
impl PaymentStore for SqlStore {
    async fn record_payment(&self, p: &Payment, entry: &Entry) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO payments (id, company_id, kind, number, contact_id, bank_account_id, date, amount, currency,
             reference, entry_id, created_by_kind, created_by_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14)",
        )
        .bind(p.id.as_str())
        .bind(p.company_id.as_str())
        .bind(p.kind.as_str())
        .bind(&p.number)
        .bind(p.contact_id.as_str())
        .bind(p.bank_account_id.as_str())
        .bind(p.date.to_string())
        .bind(p.amount)
        .bind(p.currency.code())
        .bind(&p.reference)
        .bind(entry.id.as_str())
        .bind(p.created_by.kind())
        .bind(p.created_by.id())
        .bind(p.created_at)
        .execute(&mut *tx)
        .await?;
        let kind = p.kind.settles().as_str();
        for (doc, amount) in &p.allocations {
            sqlx::query("INSERT INTO payment_allocations (payment_id, document_id, company_id, date, amount) VALUES ($1,$2,$3,$4,$5)")
                .bind(p.id.as_str())
                .bind(doc.as_str())
                .bind(p.company_id.as_str())
                .bind(p.date.to_string())
                .bind(*amount)
                .execute(&mut *tx)
                .await?;
            // The guard `amount_paid + $1 <= total` makes concurrent payments unable to overpay.
            let r = sqlx::query(
                "UPDATE documents SET amount_paid = amount_paid + $1,
                 status = CASE WHEN amount_paid + $1 = total THEN $7 ELSE status END,
                 updated_at = $2, version = version + 1
                 WHERE id = $3 AND company_id = $4 AND kind = $5 AND status = $8 AND contact_id = $6
                 AND amount_paid + $1 <= total",
            )
            .bind(*amount)
            .bind(p.created_at)
            .bind(doc.as_str())
            .bind(p.company_id.as_str())
            .bind(kind)
            .bind(p.contact_id.as_str())
            .bind(DocumentAction::RecordPayment.leads_to().as_str())
            .bind(DocumentAction::RecordPayment.requires().as_str())
            .execute(&mut *tx)
            .await?;
            one_row(r.rows_affected(), "allocation")?;
            // A separate statement, run while holding the row lock: on PostgreSQL (READ
            // COMMITTED) it takes a fresh snapshot that sees every allocation committed by the
            // payments we waited for; inside the statement above it would miss them.
            sqlx::query(
                "UPDATE documents SET settled_on =
                 (SELECT MAX(a.date) FROM payment_allocations a WHERE a.document_id = documents.id)
                 WHERE id = $1 AND status = $2",
            )
            .bind(doc.as_str())
            .bind(DocumentAction::RecordPayment.leads_to().as_str())
            .execute(&mut *tx)
            .await?;
        }
        post_entry_in(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn payment(&self, company: &CompanyId, id: &PaymentId) -> StoreResult<Option<Payment>> {
        let r = sqlx::query("SELECT * FROM payments WHERE company_id = $1 AND id = $2")
            .bind(company.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        match r {
            Some(r) => {
                let allocs = self.allocations(&[rows::s(&r, "id")?]).await?;
                Ok(Some(rows::payment(
                    &r,
                    allocs.into_values().next().unwrap_or_default(),
                )?))
            }
            None => Ok(None),
        }
    }

    async fn list_payments(
        &self,
        company: &CompanyId,
        lq: &ListQuery,
    ) -> StoreResult<Vec<Payment>> {
        let mut q = Sql::new("SELECT * FROM payments WHERE company_id = ");
        q.s(company.as_str());
        list_filters(
            &mut q,
            &ListQuery {
                status: None,
                ..lq.clone()
            },
            "date",
        );
        if let Some(k) = &lq.status {
            q.push(" AND kind = ").s(k.clone());
        }
        limit(&mut q, lq);
        let rs = q.query().fetch_all(&self.read).await?;
        self.payments_from_rows(rs).await
    }

    async fn payments_of_document(&self, document: &DocumentId) -> StoreResult<Vec<Payment>> {
        let rs = sqlx::query(
            "SELECT p.* FROM payments p JOIN payment_allocations a ON a.payment_id = p.id WHERE a.document_id = $1 ORDER BY p.date, p.id",
        )
        .bind(document.as_str())
        .fetch_all(&self.read)
        .await?;
        self.payments_from_rows(rs).await
    }
}

impl SqlStore {
    async fn allocations(
        &self,
        payment_ids: &[String],
    ) -> StoreResult<BTreeMap<String, Vec<(DocumentId, i64)>>> {
        let mut out: BTreeMap<String, Vec<(DocumentId, i64)>> = BTreeMap::new();
        if payment_ids.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::new(
            "SELECT payment_id, document_id, amount FROM payment_allocations WHERE payment_id IN (",
        );
        for (n, id) in payment_ids.iter().enumerate() {
            if n > 0 {
                q.push(",");
            }
            q.bind(Val::S(Some(id.clone())));
        }
        q.push(") ORDER BY payment_id, document_id");
        for r in q.query().fetch_all(&self.read).await? {
            out.entry(rows::s(&r, "payment_id")?)
                .or_default()
                .push((rows::id(&r, "document_id")?, rows::i(&r, "amount")?));
        }
        Ok(out)
    }

    async fn payments_from_rows(&self, rs: Vec<sqlx::any::AnyRow>) -> StoreResult<Vec<Payment>> {
        let ids = rs
            .iter()
            .map(|r| rows::s(r, "id"))
            .collect::<StoreResult<Vec<_>>>()?;
        let mut allocs = self.allocations(&ids).await?;
        rs.iter()
            .zip(ids)
            .map(|(r, id)| rows::payment(r, allocs.remove(&id).unwrap_or_default()))
            .collect()
    }
}
