//! PostgreSQL specifics: the pool, and LISTEN/NOTIFY so that a revocation on one node reaches
//! the caches of every other node at once.

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::watch;

/// Channel the cache epoch is announced on.
pub const CHANNEL: &str = "newledger_cache";

/// Opens the pool (readers and writers share it; PostgreSQL handles concurrent writers).
pub async fn connect(url: &str, max_connections: u32) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await
}

/// Listens for cache-epoch notifications. The receiver sees `Some(epoch)` for every
/// notification and `None` whenever the listener is down (callers then read through).
pub fn listen(url: String) -> watch::Receiver<Option<i64>> {
    let (tx, rx) = watch::channel(None);
    tokio::spawn(async move {
        loop {
            match PgListener::connect(&url).await {
                Ok(mut l) => {
                    if l.listen(CHANNEL).await.is_ok() {
                        // A fresh listener may have missed notifications: force a refresh.
                        let _ = tx.send(Some(-1));
                        while let Ok(n) = l.recv().await {
                            let epoch = n.payload().parse().unwrap_or(-1);
                            if tx.send(Some(epoch)).is_err() {
                                return;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cache listener cannot connect"),
            }
            if tx.send(None).is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    rx
}
