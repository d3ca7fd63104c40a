//! Journal entries as lists show them: each with its author's label, read in the list's one
//! query and cached per node until the books change.

use super::{Page, actor_label};
use crate::books::{normalize, page};
use crate::{Access, Result, Services};
use newledger_domain::permission::Permission;
use newledger_store::{EntryRecord, ListQuery};
use std::sync::Arc;

/// An entry with its author's label.
#[derive(Clone, Debug)]
pub struct EntryView {
    /// The entry.
    pub entry: EntryRecord,
    /// Who made it, readable.
    pub created_by_label: String,
}

/// One page of journal entries (`journal:read`).
pub async fn list(svc: &Services, access: &Access, q: ListQuery) -> Result<Arc<Page<EntryView>>> {
    access.require(Permission::JournalRead)?;
    let q = normalize(q)?;
    let key = format!("{}/journal/{q:?}", access.company.id);
    svc.views
        .get_or_fill(
            svc,
            key,
            |p: &Page<EntryView>| p.data.len(),
            || async {
                let rows = svc.store.entry_rows(&access.company.id, &q).await?;
                let views = rows
                    .into_iter()
                    .map(|r| EntryView {
                        created_by_label: actor_label(&r.entry.created_by, r.created_by_label),
                        entry: r.entry,
                    })
                    .collect();
                Ok(page(views, q.limit, |v: &EntryView| v.entry.id.to_string()))
            },
        )
        .await
}
