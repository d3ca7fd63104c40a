//! Per-node cache of read-model results (list pages, reports), so that a sync loop or an
//! assistant asking the same question again costs no database round trip.
//!
//! Correctness follows the document cache (`books::cache`): every entry belongs to the
//! documents generation of the node's [`AuthCache`](crate::app_connect::cache::AuthCache),
//! which moves on every change to the books made here (`documents_changed`), whenever the
//! cross-node documents or credentials epoch moves (another node or process changed something:
//! PostgreSQL LISTEN/NOTIFY and the 250 ms poll), and on any full clear (company settings,
//! members, apps). While the auth cache reads through (listener down) nothing is cached. A fill
//! that raced with a change is dropped (generation check), so a stale result cannot outlive the
//! change that made it stale. Keys name the company, so one company's results never answer
//! another's question; callers check permissions before asking.
//!
//! Size: bounded by the rows the entries hold (a page of 50 documents weighs 50); when full
//! the map starts over, which is cheap and keeps no bookkeeping on the hot path.

use crate::{Result, Services};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

/// Most rows kept per node: documents, ledger lines or report rows of about a kilobyte each
/// (twice for a list kept both as rows and as a serialized body), so a few tens of MB at most.
pub const CAPACITY: usize = 20_000;

type Value = Arc<dyn Any + Send + Sync>;

/// The cache.
#[derive(Default)]
pub struct ReadCache {
    inner: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    weight: usize,
    map: HashMap<String, Value>,
}

impl ReadCache {
    /// The value under `key`, computed by `fill` when it is not cached in the current
    /// generation. `weight` says how many rows the value holds (for the size bound).
    pub async fn get_or_fill<T, F, Fut>(
        &self,
        svc: &Services,
        key: String,
        weight: impl FnOnce(&T) -> usize,
        fill: F,
    ) -> Result<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let auth = &svc.auth_cache;
        if auth.is_bypassed() {
            return fill().await.map(Arc::new);
        }
        let seen = auth.documents_generation();
        if let Some(v) = self.get(seen, &key)
            && let Ok(v) = v.downcast::<T>()
        {
            return Ok(v);
        }
        let v = Arc::new(fill().await?);
        if !auth.is_bypassed() {
            let w = weight(&v).max(1);
            self.put(seen, auth.documents_generation(), key, v.clone(), w);
        }
        Ok(v)
    }

    fn get(&self, generation: u64, key: &str) -> Option<Value> {
        let e = self.inner.read().unwrap_or_else(|p| p.into_inner());
        if e.generation != generation {
            return None;
        }
        e.map.get(key).cloned()
    }

    fn put(&self, seen: u64, now: u64, key: String, v: Value, weight: usize) {
        if seen != now || weight > CAPACITY {
            return;
        }
        let mut e = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if e.generation != seen || e.weight + weight > CAPACITY {
            e.map.clear();
            e.weight = 0;
            e.generation = seen;
        }
        if e.map.insert(key, v).is_none() {
            e.weight += weight;
        }
    }

    /// Number of cached results (for tests).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_of_another_generation_is_not_returned() {
        let c = ReadCache::default();
        let v: Value = Arc::new(7_u32);
        c.put(3, 3, "k".into(), v, 1);
        assert!(c.get(3, "k").is_some());
        assert!(c.get(4, "k").is_none());
    }

    #[test]
    fn a_fill_that_raced_with_a_change_is_dropped() {
        let c = ReadCache::default();
        c.put(3, 4, "k".into(), Arc::new(7_u32), 1);
        assert!(c.is_empty());
    }

    #[test]
    fn the_weight_bounds_the_map() {
        let c = ReadCache::default();
        c.put(1, 1, "a".into(), Arc::new(1_u32), CAPACITY - 1);
        c.put(1, 1, "b".into(), Arc::new(2_u32), 2);
        assert_eq!(c.len(), 1, "the map started over");
        assert!(c.get(1, "b").is_some());
        c.put(1, 1, "huge".into(), Arc::new(3_u32), CAPACITY + 1);
        assert!(c.get(1, "huge").is_none());
    }
}
