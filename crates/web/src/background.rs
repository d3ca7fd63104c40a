//! Background work of a node: flushing usage counters and folded failures, watching the cache
//! epoch (cross-node revocation), purging expired data.

use crate::state::AppState;
use newledger_service::Services;
use newledger_service::app_connect::cache;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Spawns the node's background tasks.
pub fn spawn(state: &AppState, database_url: Option<String>) {
    // Per node (not a process-wide static: several nodes may share a process, as in tests).
    // Down, and the cache read through, until the PostgreSQL listener first connects.
    let pg = cache::is_postgres(&state.svc) && database_url.is_some();
    let listener_down = Arc::new(AtomicBool::new(pg));
    if pg {
        state.svc.auth_cache.set_bypass(true);
    }
    let svc = state.svc.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let usage = svc.usage.drain();
            if let Err(e) = svc.store.flush_app_usage(&usage).await {
                tracing::warn!(error = %e, "usage flush failed");
            }
            if let Err(e) = svc.activity.flush_folded(false).await {
                tracing::warn!(error = %e, "activity flush failed");
            }
        }
    });
    let svc = state.svc.clone();
    let down = listener_down.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            if let Err(e) = svc.auth_cache.sync_epoch(&svc).await {
                // Cannot see other nodes' changes: stop trusting the cache until we can.
                tracing::warn!(error = %e, "cache epoch check failed; reading through");
                svc.auth_cache.set_bypass(true);
            } else if !down.load(Ordering::SeqCst) {
                svc.auth_cache.set_bypass(false);
            }
        }
    });
    if pg {
        spawn_listener(state.svc.clone(), database_url, listener_down);
    }
    let state = state.clone();
    tokio::spawn(async move {
        let svc = &state.svc;
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            state.limits.shrink();
            let purged = newledger_service::app_connect::apps::purge(svc).await;
            let keys = newledger_service::idempotency::purge(svc).await;
            if let (Err(e), _) | (_, Err(e)) = (&purged, &keys) {
                tracing::warn!(error = %e, "purge failed");
            }
            // Unused dynamic OAuth clients, expired codes, dead refresh tokens.
            if let Err(e) = newledger_service::oauth::clients::purge(svc).await {
                tracing::warn!(error = %e, "OAuth purge failed");
            }
        }
    });
}

fn spawn_listener(svc: Services, url: Option<String>, down: Arc<AtomicBool>) {
    let Some(url) = url else { return };
    let mut rx = cache::listen(url);
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let v = *rx.borrow_and_update();
            match v {
                Some(_) => {
                    down.store(false, Ordering::SeqCst);
                    svc.auth_cache.set_bypass(false);
                    if let Err(e) = svc.auth_cache.sync_epoch(&svc).await {
                        tracing::warn!(error = %e, "cache epoch check failed");
                    }
                }
                None => {
                    down.store(true, Ordering::SeqCst);
                    svc.auth_cache.set_bypass(true);
                }
            }
        }
    });
}
