//! `Idempotency-Key` for API writes: scoped to (app or connection, company, method + path),
//! kept 24 h. A retry with the same body replays the first response; a different body is
//! refused (422); a retry while the first is still running gets 409. A claim left without a
//! response for longer than [`LEASE_MS`] belonged to a process that died mid-request: the next
//! same-body retry takes it over and runs. (The edge runs claimed writes to completion even
//! when the client hangs up, so only a crash leaves a claim behind.)

use crate::crypto::sha256_hex;
use crate::{Access, Error, Result, Services};
use newledger_store::{IdempotencyClaim, IdempotencyKey};

/// How long keys are kept.
pub const TTL_MS: i64 = 24 * 3600 * 1000;
/// How long a claim without a response counts as running (far above any write's duration).
pub const LEASE_MS: i64 = 60 * 1000;

/// What to do with a write that carries a key.
#[derive(Debug)]
pub enum Begin {
    /// First use: run the write, then call [`finish`].
    Proceed(IdempotencyKey),
    /// Seen before: return this stored response (status, JSON body).
    Replay(u16, String),
}

/// Claims a key for this request.
pub async fn begin(
    svc: &Services,
    access: &Access,
    method_path: &str,
    key: &str,
    body: &[u8],
) -> Result<Begin> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(Error::invalid(
            "Idempotency-Key",
            "1–255 visible ASCII characters",
        ));
    }
    let k = IdempotencyKey {
        principal_id: access.actor.id().to_owned(),
        company_id: access.company.id.to_string(),
        method_path: method_path.to_owned(),
        key: key.to_owned(),
    };
    let hash = sha256_hex(body);
    let now = svc.clock.now_ms();
    match svc.store.claim_idempotency(&k, &hash, now).await? {
        IdempotencyClaim::Claimed => Ok(Begin::Proceed(k)),
        IdempotencyClaim::Existing { request_hash, .. } if request_hash != hash => {
            Err(Error::invalid(
                "Idempotency-Key",
                "this key was already used with a different request body",
            ))
        }
        IdempotencyClaim::Existing { response: None, .. } => {
            if svc
                .store
                .reclaim_idempotency(&k, now, now - LEASE_MS)
                .await?
            {
                return Ok(Begin::Proceed(k));
            }
            Err(Error::Conflict(
                "a request with this Idempotency-Key is still being processed; retry shortly"
                    .into(),
            ))
        }
        IdempotencyClaim::Existing {
            response: Some((status, body)),
            ..
        } => Ok(Begin::Replay(status, body)),
    }
}

/// Stores the response of a claimed key; server errors release it so that a retry runs again.
pub async fn finish(svc: &Services, key: &IdempotencyKey, status: u16, body: &str) -> Result<()> {
    if status >= 500 {
        svc.store.release_idempotency(key).await?;
    } else {
        svc.store.complete_idempotency(key, status, body).await?;
    }
    Ok(())
}

/// The outcome of a write run under a key by [`once`].
#[derive(Debug)]
pub enum Once<T> {
    /// The write ran now: its status and result.
    Ran(u16, T),
    /// An earlier request with the same key and body ran it: its stored status and JSON.
    Replayed(u16, String),
}

/// Runs a write at most once per key: claims `key` for (`access`'s principal, company,
/// `method_path`) and `request`, runs `write` only on first use and stores its JSON result,
/// or replays what an earlier identical request stored. A failed write releases the key, so
/// that a corrected retry runs. Every surface's idempotent writes go through here.
pub async fn once<T, F, Fut>(
    svc: &Services,
    access: &Access,
    method_path: &str,
    key: &str,
    request: &[u8],
    write: F,
) -> Result<Once<T>>
where
    T: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(u16, T)>>,
{
    let k = match begin(svc, access, method_path, key, request).await? {
        Begin::Replay(status, body) => return Ok(Once::Replayed(status, body)),
        Begin::Proceed(k) => k,
    };
    let result = write().await;
    let stored = match &result {
        Ok((status, v)) => match serde_json::to_string(v) {
            Ok(text) => finish(svc, &k, *status, &text).await,
            Err(_) => finish(svc, &k, 500, "").await,
        },
        // Failed requests changed nothing: release the key so that a corrected retry runs.
        Err(_) => finish(svc, &k, 500, "").await,
    };
    if let Err(e) = stored {
        tracing::warn!(error = %e, "idempotency key not stored");
    }
    let (status, v) = result?;
    Ok(Once::Ran(status, v))
}

/// Drops expired keys.
pub async fn purge(svc: &Services) -> Result<u64> {
    Ok(svc
        .store
        .purge_idempotency(svc.clock.now_ms() - TTL_MS)
        .await?)
}
