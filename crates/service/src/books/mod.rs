//! The books: accounts, contacts, invoices/bills/expenses, journal entries and payments.
//! Programs may create and edit drafts; approving, posting, voiding and recording payments
//! are people-only permissions. The use cases take and return the domain's aggregates
//! (`Contact`, `Document`, `Entry`, `Payment`) and leave their rules to them.

pub mod accounts;
pub mod cache;
pub mod contacts;
pub mod documents;
pub mod drafts;
pub mod journal;
pub mod payments;

use crate::{Error, Result};
use chrono::{DateTime, NaiveDate};
use newledger_domain::document::Document;
use newledger_domain::journal::Entry;
use newledger_store::ListQuery;

/// Default page size of lists.
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest page size.
pub const MAX_LIMIT: i64 = 1000;

/// One page of a list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Normalises list parameters (limit within bounds).
pub fn normalize(mut q: ListQuery) -> crate::Result<ListQuery> {
    q.limit = if q.limit <= 0 {
        DEFAULT_LIMIT
    } else {
        q.limit.min(MAX_LIMIT)
    };
    newledger_domain::dates::check_opt("from", q.from)?;
    newledger_domain::dates::check_opt("to", q.to)?;
    newledger_domain::dates::check_opt("as_of", q.overdue_as_of)?;
    Ok(q)
}

/// List filters as every surface receives them (REST query parameters, MCP tool arguments):
/// checked here once, then turned into the store's query.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Page size (default [`DEFAULT_LIMIT`], 1–[`MAX_LIMIT`]).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// RFC 3339 instant: only records changed since (tombstones included).
    pub updated_since: Option<String>,
    /// Status; `overdue` means approved invoices or bills past their due date today.
    pub status: Option<String>,
    /// Contact id (`ctc_…`).
    pub contact_id: Option<String>,
    /// From date, inclusive.
    pub from: Option<NaiveDate>,
    /// To date, inclusive.
    pub to: Option<NaiveDate>,
    /// Name search (contacts) or source (journal entries).
    pub search: Option<String>,
}

impl ListFilter {
    /// Validates the filter into the store's query (`today` decides what is overdue).
    pub fn query(self, today: NaiveDate) -> Result<ListQuery> {
        let updated_since = match self.updated_since {
            Some(s) => Some(
                DateTime::parse_from_rfc3339(&s)
                    .map_err(|_| {
                        Error::invalid(
                            "updated_since",
                            "an RFC 3339 instant such as 2026-01-31T00:00:00Z",
                        )
                    })?
                    .timestamp_millis(),
            ),
            None => None,
        };
        if self.limit.is_some_and(|l| !(1..=MAX_LIMIT).contains(&l)) {
            return Err(Error::invalid("limit", "between 1 and 1000"));
        }
        if let Some(id) = self.contact_id.as_deref()
            && newledger_domain::ids::ContactId::parse(id).is_err()
        {
            return Err(Error::invalid("contact_id", "not a contact id (`ctc_…`)"));
        }
        let overdue = self.status.as_deref() == Some("overdue");
        Ok(ListQuery {
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
            after: self.cursor,
            updated_since,
            status: if overdue { None } else { self.status },
            contact_id: self.contact_id,
            from: self.from,
            to: self.to,
            search: self.search,
            created_by: None,
            overdue_as_of: overdue.then_some(today),
        })
    }
}

/// Where a person reviews (and approves) a document in the web app.
pub fn document_review_url(base_url: &str, d: &Document) -> String {
    format!(
        "{base_url}/app/{}/{}s/{}",
        d.company_id,
        d.kind.as_str(),
        d.id
    )
}

/// Where a person reviews (and, for a draft, posts) a journal entry in the web app.
pub fn entry_review_url(base_url: &str, e: &Entry) -> String {
    format!("{base_url}/app/{}/journal/{}", e.company_id, e.id)
}

/// Cuts the one extra row the store fetched into a next cursor.
pub fn page<T>(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> String) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(id_of)
    } else {
        None
    };
    Page {
        data: rows,
        next_cursor,
    }
}
