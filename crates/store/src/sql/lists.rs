//! The filters and paging every list query shares: a cursor (ids after it), changes since an
//! instant, status, contact, a date range and the author, then one row more than the page to
//! know whether another follows.

use super::Sql;
use crate::ListQuery;

pub(super) fn list_filters(q: &mut Sql, lq: &ListQuery, date_col: &str) {
    if let Some(a) = &lq.after {
        q.push(" AND id > ").s(a.clone());
    }
    if let Some(u) = lq.updated_since {
        q.push(" AND updated_at >= ").i(u);
    }
    if let Some(s) = &lq.status {
        q.push(" AND status = ").s(s.clone());
    }
    if let Some(c) = &lq.contact_id {
        q.push(" AND contact_id = ").s(c.clone());
    }
    if let Some(f) = lq.from {
        q.push(&format!(" AND {date_col} >= ")).s(f.to_string());
    }
    if let Some(t) = lq.to {
        q.push(&format!(" AND {date_col} <= ")).s(t.to_string());
    }
    if let Some(c) = &lq.created_by {
        q.push(" AND created_by_id = ").s(c.clone());
    }
}

pub(super) fn limit(q: &mut Sql, lq: &ListQuery) {
    q.push(" ORDER BY id LIMIT ")
        .i(lq.limit.clamp(1, 10_000) + 1);
}
