//! Per-node cache of documents by id, for the read path (`documents::get`): a cached read costs
//! no database round trip, which on SQLite through sqlx is most of the cost of
//! `GET /invoices/{id}` (a hop to the connection's worker thread and back, and decoding the row).
//!
//! Correctness: entries belong to a documents generation of the node's
//! [`AuthCache`](crate::app_connect::cache::AuthCache), which moves on every local document
//! change (`documents_changed`, see `documents.rs` and `payments.rs`), whenever the cross-node
//! documents epoch or credentials epoch moves (another node or process changed something:
//! PostgreSQL LISTEN/NOTIFY, and the 250 ms poll on both backends), and on any full clear.
//! While the auth cache reads through (listener down) nothing is cached here either. A fill
//! that raced with a change is dropped
//! (generation check), so a stale row cannot outlive the change that made it stale. Writers
//! never read from here: they read the row fresh and rely on the store's version check.
//!
//! Misses are not cached (ids come from clients); the map is bounded.

use newledger_domain::document::Document;
use newledger_domain::ids::DocumentId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Most documents kept per node (a few KB each); when full the map starts over, which is
/// cheap and keeps no bookkeeping on the hot path.
const CAPACITY: usize = 4096;

/// The cache.
#[derive(Default)]
pub struct DocumentCache {
    inner: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    map: HashMap<DocumentId, Arc<Document>>,
}

impl DocumentCache {
    /// The cached document, if it was cached in generation `generation`.
    pub fn get(&self, generation: u64, id: &DocumentId) -> Option<Arc<Document>> {
        let e = self.inner.read().unwrap_or_else(|p| p.into_inner());
        if e.generation != generation {
            return None;
        }
        e.map.get(id).cloned()
    }

    /// Remembers a document read from the store while the generation was `seen`; `now` is the
    /// generation after the read. Nothing is kept if they differ (something changed meanwhile).
    pub fn put(&self, seen: u64, now: u64, doc: Arc<Document>) {
        if seen != now {
            return;
        }
        let mut e = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if e.generation != seen || e.map.len() >= CAPACITY {
            e.map.clear();
            e.generation = seen;
        }
        e.map.insert(doc.id.clone(), doc);
    }

    /// Number of cached documents (for tests).
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .map
            .len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
