//! The books: accounts, contacts, invoices/bills/expenses, journal entries and payments.
//! Programs may create and edit drafts; approving, posting, voiding and recording payments
//! are people-only permissions.

pub mod accounts;
pub mod cache;
pub mod contacts;
pub mod documents;
pub mod drafts;
pub mod journal;
pub mod payments;

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
