//! Read-model queries: list rows with the names a page or a program shows beside them, looked
//! up inside the same statement (a correlated subquery per column, each an index lookup) so that
//! a list costs one round trip however many rows it has.

use super::books::{documents_query, entries_query};
use super::{Sql, SqlStore, Val, rows};
use crate::records::*;
use crate::{StoreResult, ViewStore};
use async_trait::async_trait;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::{CompanyId, ContactId};

/// The readable label of the actor in `{table}.created_by_kind/_id`: a person's or an app's
/// name, or `client (connected by person)` for an OAuth connection. NULL when the actor is
/// gone; the service words those cases (`a former member`, `app … (deleted)`).
fn created_by_label(table: &str) -> String {
    format!(
        "CASE {table}.created_by_kind \
         WHEN 'user' THEN (SELECT u.name FROM users u WHERE u.id = {table}.created_by_id) \
         WHEN 'app' THEN (SELECT a.name FROM apps a WHERE a.id = {table}.created_by_id) \
         WHEN 'connection' THEN (SELECT COALESCE(cl.name, 'an OAuth app') || ' (connected by ' \
           || COALESCE(cu.name, 'a former member') || ')' FROM oauth_connections oc \
           LEFT JOIN oauth_clients cl ON cl.id = oc.client_id LEFT JOIN users cu ON cu.id = oc.user_id \
           WHERE oc.id = {table}.created_by_id) \
         END AS created_by_label"
    )
}

#[async_trait]
impl ViewStore for SqlStore {
    async fn document_rows(
        &self,
        company: &CompanyId,
        kind: DocumentKind,
        lq: &ListQuery,
    ) -> StoreResult<Vec<DocumentRow>> {
        let select = format!(
            "documents.*, (SELECT c.name FROM contacts c WHERE c.id = documents.contact_id) \
             AS contact_name, {}",
            created_by_label("documents")
        );
        let q = documents_query(&select, company, kind, lq);
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter()
            .map(|r| {
                Ok(DocumentRow {
                    doc: rows::document(r)?,
                    contact_name: rows::os(r, "contact_name")?,
                    created_by_label: rows::os(r, "created_by_label")?,
                })
            })
            .collect()
    }

    async fn entry_rows(&self, company: &CompanyId, lq: &ListQuery) -> StoreResult<Vec<EntryRow>> {
        let select = format!("journal_entries.*, {}", created_by_label("journal_entries"));
        let q = entries_query(&select, company, lq);
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter()
            .map(|r| {
                Ok(EntryRow {
                    entry: rows::entry(r)?,
                    created_by_label: rows::os(r, "created_by_label")?,
                })
            })
            .collect()
    }

    async fn contact_names(
        &self,
        company: &CompanyId,
        ids: &[ContactId],
    ) -> StoreResult<Vec<(ContactId, String)>> {
        let mut out = Vec::new();
        // Bounded statements: PostgreSQL and SQLite both cap the number of parameters.
        for chunk in ids.chunks(500) {
            let mut q = Sql::new("SELECT id, name FROM contacts WHERE company_id = ");
            q.s(company.as_str()).push(" AND id IN (");
            for (n, id) in chunk.iter().enumerate() {
                if n > 0 {
                    q.push(",");
                }
                q.bind(Val::S(Some(id.to_string())));
            }
            q.push(")");
            for r in q.query().fetch_all(&self.read).await? {
                out.push((rows::id(&r, "id")?, rows::s(&r, "name")?));
            }
        }
        Ok(out)
    }
}
