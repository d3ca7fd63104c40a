//! Drafts to review: everything not yet posted, across invoices, bills, expenses and manual
//! journal entries, with who drafted it (a person, an app or an OAuth connection). This is
//! the read side of "programs draft, people post"; approving and discarding stay with
//! `documents` and `journal`.

use crate::views::actor_label;
use crate::{Access, Error, Result, Services};
use chrono::NaiveDate;
use newledger_domain::actor::Actor;
use newledger_domain::document::DocumentKind;
use newledger_domain::journal::EntrySource;
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;
use std::collections::HashMap;

/// Most drafts read per kind (a review queue longer than this is shown in part).
pub const MAX_PER_KIND: i64 = 1000;

/// What a draft is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftKind {
    /// An invoice.
    Invoice,
    /// A bill.
    Bill,
    /// An expense.
    Expense,
    /// A manual journal entry.
    Journal,
}

impl DraftKind {
    /// The document kind (none for journal entries).
    pub fn document(self) -> Option<DocumentKind> {
        match self {
            DraftKind::Invoice => Some(DocumentKind::Invoice),
            DraftKind::Bill => Some(DocumentKind::Bill),
            DraftKind::Expense => Some(DocumentKind::Expense),
            DraftKind::Journal => None,
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        self.document().map_or("Journal entry", |k| k.info().title)
    }

    /// URL segment of its pages (`invoices`, `journal`).
    pub fn segment(self) -> &'static str {
        self.document().map_or("journal", DocumentKind::segment)
    }

    /// The permission that approves or posts it.
    pub fn approve_permission(self) -> Permission {
        self.document()
            .map_or(Permission::JournalPost, |k| k.info().approve)
    }

    /// The permission that discards it.
    pub fn draft_permission(self) -> Permission {
        self.document()
            .map_or(Permission::JournalDraft, |k| k.info().draft)
    }
}

impl From<DocumentKind> for DraftKind {
    fn from(k: DocumentKind) -> Self {
        match k {
            DocumentKind::Invoice => DraftKind::Invoice,
            DocumentKind::Bill => DraftKind::Bill,
            DocumentKind::Expense => DraftKind::Expense,
        }
    }
}

/// One draft waiting for a person.
#[derive(Clone, Debug)]
pub struct DraftItem {
    /// Kind.
    pub kind: DraftKind,
    /// Id (`inv_…`, `jnl_…`).
    pub id: String,
    /// Human number.
    pub number: String,
    /// Document or entry date.
    pub date: NaiveDate,
    /// Customer or supplier name, or the journal memo.
    pub description: String,
    /// Total in minor units.
    pub total: i64,
    /// Who drafted it.
    pub created_by: Actor,
    /// Readable author: a person's name, an app's name.
    pub created_by_label: String,
    /// When it was drafted (ms).
    pub created_at: i64,
    /// Version (for approving exactly what was reviewed).
    pub version: i64,
}

/// The review queue: every draft, oldest first, and the kinds cut at [`MAX_PER_KIND`].
#[derive(Clone, Debug, Default)]
pub struct Review {
    /// The drafts read.
    pub items: Vec<DraftItem>,
    /// Kinds with more drafts than were read.
    pub partial: Vec<DraftKind>,
}

/// Resolves actors to readable labels, reading each one once.
#[derive(Default)]
pub struct ActorLabels(HashMap<Actor, String>);

impl ActorLabels {
    /// The label of an actor: a person's name, an app's name ("app" when it was purged).
    pub async fn label(&mut self, svc: &Services, actor: &Actor) -> Result<String> {
        if let Some(l) = self.0.get(actor) {
            return Ok(l.clone());
        }
        let l = match actor {
            Actor::User(u) => svc
                .store
                .user_by_id(u)
                .await?
                .map_or_else(|| "a former member".to_owned(), |u| u.name),
            Actor::App(a) => svc
                .store
                .app(a)
                .await?
                .map_or_else(|| format!("app {a} (deleted)"), |a| a.name),
            Actor::Connection(c) => crate::oauth::connections::author_label(svc, c).await?,
            Actor::System => "NewLedger (system)".to_owned(),
        };
        self.0.insert(actor.clone(), l.clone());
        Ok(l)
    }
}

/// Every draft the person may read, oldest first. Needs read access to at least one kind.
pub async fn to_review(svc: &Services, access: &Access) -> Result<Review> {
    let readable: Vec<DocumentKind> = DocumentKind::ALL
        .into_iter()
        .filter(|k| access.permissions.contains(k.info().read))
        .collect();
    let journal = access.permissions.contains(Permission::JournalRead);
    if readable.is_empty() && !journal {
        return Err(Error::missing(Permission::InvoicesRead));
    }
    let q = ListQuery {
        limit: MAX_PER_KIND,
        status: Some("draft".into()),
        ..Default::default()
    };
    // One query per kind: contact names and author labels come with the rows.
    let mut out = Vec::new();
    let mut partial = Vec::new();
    let max = usize::try_from(MAX_PER_KIND).unwrap_or(usize::MAX);
    for kind in readable {
        let mut docs = svc
            .store
            .document_rows(&access.company.id, kind, &q)
            .await?;
        let draft_kind = DraftKind::from(kind);
        if docs.len() > max {
            docs.truncate(max);
            partial.push(draft_kind);
        }
        for r in docs {
            let d = r.doc;
            out.push(DraftItem {
                kind: draft_kind,
                id: d.id.to_string(),
                number: d.number,
                date: d.issue_date,
                description: r.contact_name.unwrap_or(d.reference),
                total: d.total,
                created_by_label: actor_label(&d.created_by, r.created_by_label),
                created_by: d.created_by,
                created_at: d.created_at,
                version: d.version,
            });
        }
    }
    if journal {
        let manual = ListQuery {
            search: Some(EntrySource::Manual.as_str().to_owned()),
            ..q.clone()
        };
        let mut entries = svc.store.entry_rows(&access.company.id, &manual).await?;
        if entries.len() > max {
            entries.truncate(max);
            partial.push(DraftKind::Journal);
        }
        for r in entries
            .into_iter()
            .filter(|r| r.entry.source == EntrySource::Manual)
        {
            let e = r.entry;
            out.push(DraftItem {
                kind: DraftKind::Journal,
                id: e.id.to_string(),
                total: e.total(),
                number: e.number,
                date: e.date,
                description: e.memo,
                created_by_label: actor_label(&e.created_by, r.created_by_label),
                created_by: e.created_by,
                created_at: e.created_at,
                version: e.version,
            });
        }
    }
    out.sort_by_key(|d| d.created_at);
    Ok(Review {
        items: out,
        partial,
    })
}
