//! Background work of a node: flushing usage counters and folded failures, watching the cache
//! epoch (cross-node revocation), purging expired data.

use crate::state::AppState;
use newledger_service::Services;
use newledger_store::Backend;
use std::time::Duration;

/// Spawns the node's background tasks.
pub fn spawn(state: &AppState, database_url: Option<String>) {
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
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            if let Err(e) = svc.auth_cache.sync_epoch(&svc).await {
                // Cannot see other nodes' changes: stop trusting the cache until we can.
                tracing::warn!(error = %e, "cache epoch check failed; reading through");
                svc.auth_cache.set_bypass(true);
            } else if !pg_listener_down(&svc) {
                svc.auth_cache.set_bypass(false);
            }
        }
    });
    if state.svc.store.backend() == Backend::Postgres {
        spawn_listener(state.svc.clone(), database_url);
    }
    let svc = state.svc.clone();
    let limits = state.limits.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            limits.shrink();
            let purged = newledger_service::app_connect::apps::purge(&svc).await;
            let keys = newledger_service::idempotency::purge(&svc).await;
            if let (Err(e), _) | (_, Err(e)) = (&purged, &keys) {
                tracing::warn!(error = %e, "purge failed");
            }
        }
    });
}

static LISTENER_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn pg_listener_down(svc: &Services) -> bool {
    svc.store.backend() == Backend::Postgres
        && LISTENER_DOWN.load(std::sync::atomic::Ordering::SeqCst)
}

fn spawn_listener(svc: Services, url: Option<String>) {
    let Some(url) = url else { return };
    LISTENER_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut rx = newledger_store::postgres::listen(url);
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let v = *rx.borrow_and_update();
            match v {
                Some(_) => {
                    LISTENER_DOWN.store(false, std::sync::atomic::Ordering::SeqCst);
                    svc.auth_cache.set_bypass(false);
                    if let Err(e) = svc.auth_cache.sync_epoch(&svc).await {
                        tracing::warn!(error = %e, "cache epoch check failed");
                    }
                }
                None => {
                    LISTENER_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
                    svc.auth_cache.set_bypass(true);
                }
            }
        }
    });
}
