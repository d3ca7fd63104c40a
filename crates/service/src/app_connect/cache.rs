//! In-memory cache of what bearer validation and sign-in checks need (apps, OAuth connections
//! and clients, roles, companies),
//! so that the steady state costs no database round trip.
//!
//! Correctness under revocation: a local change clears the cache at once and bumps the
//! database's credentials cache epoch (document changes bump a second, documents epoch, which
//! only the document cache follows); every node watches that epoch (PostgreSQL LISTEN/NOTIFY plus a
//! poll every 250 ms on both backends) and clears its cache when it moves. While the
//! PostgreSQL listener is down the cache is bypassed (read-through). A fill that raced with a
//! clear is discarded (generation check), so a stale row cannot survive an invalidation.

use crate::{Result, Services};
use newledger_domain::app::App;
use newledger_domain::company::Company;
use newledger_domain::ids::{AppId, CompanyId, ConnectionId, OAuthClientId, UserId};
use newledger_domain::role::Role;
use newledger_store::{ConnectionRecord, OAuthClientRecord};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Unknown client ids remembered per node, so that asking with one costs what asking with a
/// known one does (no database read each time: timing must not tell whether a client exists),
/// while an attacker sending random ids cannot grow the cache without bound.
pub const MAX_UNKNOWN_APPS: usize = 10_000;

/// The cache.
#[derive(Default)]
pub struct AuthCache {
    apps: RwLock<HashMap<AppId, Option<Arc<App>>>>,
    /// Unknown app ids remembered in `apps` (at most [`MAX_UNKNOWN_APPS`]).
    unknown_apps: std::sync::atomic::AtomicUsize,
    roles: RwLock<HashMap<(CompanyId, UserId), Option<Role>>>,
    companies: RwLock<HashMap<CompanyId, Option<Arc<Company>>>>,
    connections: RwLock<HashMap<ConnectionId, Arc<ConnectionRecord>>>,
    oauth_clients: RwLock<HashMap<OAuthClientId, Arc<OAuthClientRecord>>>,
    generation: AtomicU64,
    epoch: AtomicI64,
    documents_generation: AtomicU64,
    documents_epoch: AtomicI64,
    bypass: AtomicBool,
}

fn get<K: std::hash::Hash + Eq, V: Clone>(m: &RwLock<HashMap<K, V>>, k: &K) -> Option<V> {
    m.read().unwrap_or_else(|p| p.into_inner()).get(k).cloned()
}

impl AuthCache {
    fn put<K: std::hash::Hash + Eq, V>(
        &self,
        m: &RwLock<HashMap<K, V>>,
        generation_seen: u64,
        k: K,
        v: V,
    ) {
        let mut w = m.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::SeqCst) == generation_seen
            && !self.bypass.load(Ordering::SeqCst)
        {
            w.insert(k, v);
        }
    }

    /// An app by id.
    pub async fn app(&self, svc: &Services, id: &AppId) -> Result<Option<Arc<App>>> {
        if let Some(v) = get(&self.apps, id) {
            return Ok(v);
        }
        let generation_seen = self.generation.load(Ordering::SeqCst);
        let v = svc.store.app(id).await?.map(Arc::new);
        // Unknown ids are remembered up to a bound (see [`MAX_UNKNOWN_APPS`]); ids are random,
        // so an id asked about before its app exists does not occur in practice, and every
        // change clears the cache anyway.
        if v.is_some() || self.unknown_apps.fetch_add(1, Ordering::SeqCst) < MAX_UNKNOWN_APPS {
            self.put(&self.apps, generation_seen, id.clone(), v.clone());
        }
        Ok(v)
    }

    /// An OAuth connection by id (misses are not remembered, as for apps).
    pub async fn connection(
        &self,
        svc: &Services,
        id: &ConnectionId,
    ) -> Result<Option<Arc<ConnectionRecord>>> {
        if let Some(v) = get(&self.connections, id) {
            return Ok(Some(v));
        }
        let generation_seen = self.generation.load(Ordering::SeqCst);
        let v = svc.store.connection(id).await?.map(Arc::new);
        if let Some(c) = &v {
            self.put(&self.connections, generation_seen, id.clone(), c.clone());
        }
        Ok(v)
    }

    /// An OAuth client by id (misses are not remembered).
    pub async fn oauth_client(
        &self,
        svc: &Services,
        id: &OAuthClientId,
    ) -> Result<Option<Arc<OAuthClientRecord>>> {
        if let Some(v) = get(&self.oauth_clients, id) {
            return Ok(Some(v));
        }
        let generation_seen = self.generation.load(Ordering::SeqCst);
        let v = svc.store.oauth_client(id).await?.map(Arc::new);
        if let Some(c) = &v {
            self.put(&self.oauth_clients, generation_seen, id.clone(), c.clone());
        }
        Ok(v)
    }

    /// A person's role in a company.
    pub async fn role(
        &self,
        svc: &Services,
        company: &CompanyId,
        user: &UserId,
    ) -> Result<Option<Role>> {
        let k = (company.clone(), user.clone());
        if let Some(v) = get(&self.roles, &k) {
            return Ok(v);
        }
        let generation_seen = self.generation.load(Ordering::SeqCst);
        let v = svc.store.membership(company, user).await?;
        self.put(&self.roles, generation_seen, k, v);
        Ok(v)
    }

    /// A company.
    pub async fn company(&self, svc: &Services, id: &CompanyId) -> Result<Option<Arc<Company>>> {
        if let Some(v) = get(&self.companies, id) {
            return Ok(v);
        }
        let generation_seen = self.generation.load(Ordering::SeqCst);
        let v = svc.store.company(id).await?.map(Arc::new);
        self.put(&self.companies, generation_seen, id.clone(), v.clone());
        Ok(v)
    }

    /// Drops everything cached on this node (documents included).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.documents_generation.fetch_add(1, Ordering::SeqCst);
        self.apps.write().unwrap_or_else(|p| p.into_inner()).clear();
        self.unknown_apps.store(0, Ordering::SeqCst);
        self.roles
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.companies
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.connections
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.oauth_clients
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// After a local change: clear here, and tell every other node.
    pub async fn invalidate(&self, svc: &Services) -> Result<()> {
        self.clear();
        let e = svc.store.bump_cache_epoch().await?;
        self.epoch.store(e, Ordering::SeqCst);
        // Clear again: a fill may have started between the first clear and the bump.
        self.clear();
        Ok(())
    }

    /// After a local document change: drop cached documents here, and tell every other node,
    /// leaving cached credentials alone (they did not change).
    pub async fn invalidate_documents(&self, svc: &Services) -> Result<()> {
        self.documents_generation.fetch_add(1, Ordering::SeqCst);
        let e = svc.store.bump_documents_epoch().await?;
        self.documents_epoch.store(e, Ordering::SeqCst);
        // Again: a fill may have started between the first bump and the epoch's.
        self.documents_generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Compares the database's epochs with ours: a moved credentials epoch clears everything,
    /// a moved documents epoch only the documents.
    pub async fn sync_epoch(&self, svc: &Services) -> Result<()> {
        let e = svc.store.cache_epoch().await?;
        let d = svc.store.documents_epoch().await?;
        if self.epoch.swap(e, Ordering::SeqCst) != e {
            self.clear();
        }
        if self.documents_epoch.swap(d, Ordering::SeqCst) != d {
            self.documents_generation.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Moves on every full clear: cached credentials were dropped.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Moves whenever cached documents must be dropped: a document change here or on another
    /// node, any full clear, read-through mode. The document cache tags entries with it (see
    /// `books::cache`).
    pub fn documents_generation(&self) -> u64 {
        self.documents_generation.load(Ordering::SeqCst)
    }

    /// True while caches must read through (the change listener is down).
    pub fn is_bypassed(&self) -> bool {
        self.bypass.load(Ordering::SeqCst)
    }

    /// Turns read-through mode on or off (on while the change listener is down).
    pub fn set_bypass(&self, on: bool) {
        if on {
            self.clear();
        }
        self.bypass.store(on, Ordering::SeqCst);
    }
}

/// True when the node's store is PostgreSQL, whose notifications the node listens to.
pub fn is_postgres(svc: &Services) -> bool {
    svc.store.backend() == newledger_store::Backend::Postgres
}

/// Listens for cache-epoch notifications on PostgreSQL at `url`: `Some(epoch)` for each
/// notification, `None` whenever the listener is down (the caches then read through).
pub fn listen(url: String) -> tokio::sync::watch::Receiver<Option<i64>> {
    newledger_store::postgres::listen(url)
}
