//! Reads behind the reports: daily balances (kept at posting time), open items for aging,
//! and posted lines for the general ledger.

use super::{Sql, SqlStore, rows};
use crate::records::LedgerLine;
use crate::{ReportStore, StoreResult};
use async_trait::async_trait;
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::*;
use newledger_domain::report::OpenItem;

const BEGINNING: &str = "0000-01-01";

#[async_trait]
impl ReportStore for SqlStore {
    async fn account_totals(
        &self,
        company: &CompanyId,
        from: Option<NaiveDate>,
        to: NaiveDate,
    ) -> StoreResult<Vec<(AccountId, i64, i64)>> {
        let rs = sqlx::query(
            "SELECT account_id, CAST(SUM(debit) AS BIGINT) AS d, CAST(SUM(credit) AS BIGINT) AS c FROM account_balances
             WHERE company_id = $1 AND day >= $2 AND day <= $3 GROUP BY account_id",
        )
        .bind(company.as_str())
        .bind(from.map_or_else(|| BEGINNING.to_owned(), |d| d.to_string()))
        .bind(to.to_string())
        .fetch_all(&self.read)
        .await?;
        rs.iter()
            .map(|r| {
                Ok((
                    rows::id(r, "account_id")?,
                    rows::i(r, "d")?,
                    rows::i(r, "c")?,
                ))
            })
            .collect()
    }

    async fn monthly_totals(
        &self,
        company: &CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(AccountId, String, i64, i64)>> {
        let rs = sqlx::query(
            "SELECT account_id, SUBSTR(day, 1, 7) AS month, CAST(SUM(debit) AS BIGINT) AS d, CAST(SUM(credit) AS BIGINT) AS c
             FROM account_balances WHERE company_id = $1 AND day >= $2 AND day <= $3
             GROUP BY account_id, SUBSTR(day, 1, 7) ORDER BY 2",
        )
        .bind(company.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.read)
        .await?;
        rs.iter()
            .map(|r| {
                Ok((
                    rows::id(r, "account_id")?,
                    rows::s(r, "month")?,
                    rows::i(r, "d")?,
                    rows::i(r, "c")?,
                ))
            })
            .collect()
    }

    async fn open_items(
        &self,
        company: &CompanyId,
        kind: DocumentKind,
        as_of: NaiveDate,
    ) -> StoreResult<Vec<OpenItem>> {
        let day = as_of.to_string();
        let rs = sqlx::query(
            "SELECT d.contact_id, c.name, d.due_date, d.total -
               COALESCE((SELECT CAST(SUM(a.amount) AS BIGINT) FROM payment_allocations a
                         WHERE a.document_id = d.id AND a.date <= $3), 0) AS outstanding
             FROM documents d JOIN contacts c ON c.id = d.contact_id
             WHERE d.company_id = $1 AND d.kind = $2 AND d.status IN ('approved', 'paid', 'voided')
               AND d.issue_date <= $3 AND (d.settled_on IS NULL OR d.settled_on > $3)",
        )
        .bind(company.as_str())
        .bind(kind.as_str())
        .bind(&day)
        .fetch_all(&self.read)
        .await?;
        rs.iter()
            .map(|r| {
                Ok(OpenItem {
                    contact_id: rows::id(r, "contact_id")?,
                    contact_name: rows::s(r, "name")?,
                    due_date: rows::date(r, "due_date")?,
                    outstanding: rows::i(r, "outstanding")?,
                })
            })
            .collect()
    }

    async fn ledger_lines(
        &self,
        company: &CompanyId,
        account: Option<&AccountId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        after: Option<(NaiveDate, String, i64)>,
        limit: i64,
    ) -> StoreResult<Vec<LedgerLine>> {
        let mut q = Sql::new(
            "SELECT l.entry_id, e.number, l.line_no, l.account_id, l.date, e.memo, l.description, l.contact_id, l.debit, l.credit
             FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id WHERE l.company_id = ",
        );
        q.s(company.as_str());
        if let Some(a) = account {
            q.push(" AND l.account_id = ").s(a.as_str());
        }
        if let Some(f) = from {
            q.push(" AND l.date >= ").s(f.to_string());
        }
        if let Some(t) = to {
            q.push(" AND l.date <= ").s(t.to_string());
        }
        if let Some((d, e, n)) = after {
            // Row-value comparison spelled out: portable and index-friendly.
            q.push(" AND (l.date > ").s(d.to_string());
            q.push(" OR (l.date = ")
                .s(d.to_string())
                .push(" AND l.entry_id > ")
                .s(e.clone());
            q.push(") OR (l.date = ")
                .s(d.to_string())
                .push(" AND l.entry_id = ")
                .s(e)
                .push(" AND l.line_no > ")
                .i(n)
                .push("))");
        }
        q.push(" ORDER BY l.date, l.entry_id, l.line_no LIMIT ")
            .i(limit);
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter()
            .map(|r| {
                Ok(LedgerLine {
                    entry_id: rows::id(r, "entry_id")?,
                    entry_number: rows::s(r, "number")?,
                    line_no: rows::i(r, "line_no")?,
                    account_id: rows::id(r, "account_id")?,
                    date: rows::date(r, "date")?,
                    memo: rows::s(r, "memo")?,
                    description: rows::s(r, "description")?,
                    contact_id: rows::oid(r, "contact_id")?,
                    debit: rows::i(r, "debit")?,
                    credit: rows::i(r, "credit")?,
                })
            })
            .collect()
    }
}
