//! Contacts: insert, a version-checked update, lists with the customer/supplier filter and a
//! name search, and deletion only while nothing refers to the contact — checked in the DELETE
//! itself so that a document drafted meanwhile wins.

use super::lists::{limit, list_filters};
use super::{Sql, SqlStore, one_row, rows};
use crate::{ContactStore, ListQuery, StoreResult};
use async_trait::async_trait;
use newledger_domain::contact::{Contact, ContactUsage};
use newledger_domain::ids::*;

/// Journal entries naming the contact (`$1` company, `$3` the id quoted as in the lines' JSON):
/// entry lines, drafts included, are a JSON array, so the quoted id is searched in its text.
const CONTACT_ENTRIES: &str =
    "SELECT COUNT(*) FROM journal_entries WHERE company_id = $1 AND lines LIKE $3";

#[async_trait]
impl ContactStore for SqlStore {
    async fn insert_contact(&self, c: &Contact) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO contacts (id, company_id, name, email, is_customer, is_supplier, tax_number, address,
             created_by_kind, created_by_id, created_at, updated_at, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(c.id.as_str())
        .bind(c.company_id.as_str())
        .bind(&c.name)
        .bind(c.email.clone())
        .bind(i64::from(c.is_customer))
        .bind(i64::from(c.is_supplier))
        .bind(c.tax_number.clone())
        .bind(c.address.clone())
        .bind(c.created_by.kind())
        .bind(c.created_by.id())
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.version)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn contact_usage(
        &self,
        company: &CompanyId,
        id: &ContactId,
    ) -> StoreResult<ContactUsage> {
        let r = sqlx::query(&format!(
            "SELECT (SELECT COUNT(*) FROM documents WHERE company_id = $1 AND contact_id = $2) AS documents,
                    (SELECT COUNT(*) FROM payments WHERE company_id = $1 AND contact_id = $2) AS payments,
                    ({CONTACT_ENTRIES}) AS entries"
        ))
        .bind(company.as_str())
        .bind(id.as_str())
        .bind(format!("%\"{id}\"%"))
        .fetch_one(&self.read)
        .await?;
        Ok(ContactUsage {
            documents: rows::i(&r, "documents")?,
            payments: rows::i(&r, "payments")?,
            entries: rows::i(&r, "entries")?,
        })
    }

    async fn delete_contact(&self, company: &CompanyId, id: &ContactId) -> StoreResult<()> {
        // The checks sit in the DELETE itself, so a document drafted meanwhile wins.
        let r = sqlx::query(&format!(
            "DELETE FROM contacts WHERE company_id = $1 AND id = $2
             AND NOT EXISTS (SELECT 1 FROM documents WHERE company_id = $1 AND contact_id = $2)
             AND NOT EXISTS (SELECT 1 FROM payments WHERE company_id = $1 AND contact_id = $2)
             AND ({CONTACT_ENTRIES}) = 0"
        ))
        .bind(company.as_str())
        .bind(id.as_str())
        .bind(format!("%\"{id}\"%"))
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "contact in use")
    }

    async fn update_contact(&self, c: &Contact, expected_version: i64) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE contacts SET name = $3, email = $4, is_customer = $5, is_supplier = $6, tax_number = $7,
             address = $8, updated_at = $9, version = version + 1 WHERE id = $1 AND company_id = $2 AND version = $10",
        )
        .bind(c.id.as_str())
        .bind(c.company_id.as_str())
        .bind(&c.name)
        .bind(c.email.clone())
        .bind(i64::from(c.is_customer))
        .bind(i64::from(c.is_supplier))
        .bind(c.tax_number.clone())
        .bind(c.address.clone())
        .bind(c.updated_at)
        .bind(expected_version)
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "version")
    }

    async fn contact(&self, company: &CompanyId, id: &ContactId) -> StoreResult<Option<Contact>> {
        let r = sqlx::query("SELECT * FROM contacts WHERE company_id = $1 AND id = $2")
            .bind(company.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::contact).transpose()
    }

    async fn list_contacts(
        &self,
        company: &CompanyId,
        lq: &ListQuery,
    ) -> StoreResult<Vec<Contact>> {
        let mut q = Sql::new("SELECT * FROM contacts WHERE company_id = ");
        q.s(company.as_str());
        list_filters(
            &mut q,
            &ListQuery {
                status: None,
                from: None,
                to: None,
                contact_id: None,
                ..lq.clone()
            },
            "created_at",
        );
        match lq.status.as_deref() {
            Some("customer") => {
                q.push(" AND is_customer = 1");
            }
            Some("supplier") => {
                q.push(" AND is_supplier = 1");
            }
            _ => {}
        }
        if let Some(s) = &lq.search {
            q.push(" AND LOWER(name) LIKE ")
                .s(format!("%{}%", s.to_lowercase().replace(['%', '_'], "")));
        }
        limit(&mut q, lq);
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter().map(rows::contact).collect()
    }
}
