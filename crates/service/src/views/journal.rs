//! Journal entries as lists show them: each with its author's label, read in the list's one
//! query and cached per node until the books change.

use super::{Page, actor_label};
use crate::books::drafts::ActorLabels;
use crate::books::{normalize, page};
use crate::{Access, Result, Services};
use newledger_domain::ids::EntryId;
use newledger_domain::journal::Entry;
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;
use std::collections::HashMap;
use std::sync::Arc;

/// An entry with its author's label.
#[derive(Clone, Debug)]
pub struct EntryView {
    /// The entry.
    pub entry: Entry,
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

/// One journal entry for its page: the entry, who made and posted it, and the names of the
/// accounts and contacts its lines name.
#[derive(Clone, Debug)]
pub struct EntryDetail {
    /// The entry.
    pub entry: Entry,
    /// Who made it, readable.
    pub created_by_label: String,
    /// Who posted it, readable.
    pub posted_by_label: Option<String>,
    /// `4000 Sales` by account id.
    pub account_labels: HashMap<String, String>,
    /// Contact names by id (empty when the reader may not read contacts).
    pub contact_names: HashMap<String, String>,
}

/// One entry (`journal:read`).
pub async fn detail(svc: &Services, access: &Access, id: &EntryId) -> Result<EntryDetail> {
    let entry = crate::books::journal::get(svc, access, id).await?;
    let mut labels = ActorLabels::default();
    let posted_by_label = match &entry.posted_by {
        Some(a) => Some(labels.label(svc, a).await?),
        None => None,
    };
    let account_labels = crate::books::accounts::list(svc, access)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name)))
        .collect();
    let contact_names = super::contact_choices(svc, access)
        .await?
        .iter()
        .cloned()
        .collect();
    Ok(EntryDetail {
        created_by_label: labels.label(svc, &entry.created_by).await?,
        posted_by_label,
        account_labels,
        contact_names,
        entry,
    })
}
