//! `Idempotency-Key` for API writes: scoped to (app or connection, company, method + path),
//! kept 24 h. A retry with the same body replays the first response; a different body is
//! refused (422); a retry while the first is still running gets 409.
//!
//! The claim is committed first, on its own (so that a concurrent retry sees it); the response
//! is stored by [`complete`] inside the write's unit of work, so the write and its response
//! commit together or not at all. A claim without a response therefore means the write never
//! committed: one left for longer than the lease (`Settings::idempotency_lease`) belonged to a process that died
//! mid-request, and the next same-body retry takes it over and runs — it cannot duplicate
//! anything. (The edge runs claimed writes to completion even when the client hangs up, so only
//! a crash leaves a claim behind.)

use crate::crypto::sha256_hex;
use crate::work::Work;
use crate::{Access, Error, Result, Services};
use newledger_store::{IdempotencyClaim, IdempotencyKey};

/// How long keys are kept.
pub const TTL_MS: i64 = 24 * 3600 * 1000;

/// What to do with a write that carries a key.
#[derive(Debug)]
pub enum Begin {
    /// First use: run the write and [`complete`] it in one unit of work, or [`release`] the
    /// key when the write failed.
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
                .reclaim_idempotency(&k, now, now - lease_ms(svc))
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

fn lease_ms(svc: &Services) -> i64 {
    i64::try_from(svc.settings.idempotency_lease.as_millis()).unwrap_or(i64::MAX)
}

/// Stores the response of a claimed key as part of the write's unit of work.
pub async fn complete(w: &Work<'_>, key: &IdempotencyKey, status: u16, body: &str) -> Result<()> {
    w.store().complete_idempotency(key, status, body).await?;
    Ok(())
}

/// Forgets the claim of a write that failed and was rolled back, so that a retry runs again.
pub async fn release(svc: &Services, key: &IdempotencyKey) -> Result<()> {
    svc.store.release_idempotency(key).await?;
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
/// `method_path`) and `request`, runs `write` in one unit of work only on first use and stores
/// its JSON result in that same unit of work (the write and its stored response commit together
/// or not at all), or replays what an earlier identical request stored. A failed write is
/// rolled back and releases the key, so that a corrected retry runs. Every surface's idempotent
/// writes go through here.
pub async fn once<T>(
    svc: &Services,
    access: &Access,
    method_path: &str,
    key: &str,
    request: &[u8],
    write: impl AsyncFnOnce(&mut Work<'_>) -> Result<(u16, T)>,
) -> Result<Once<T>>
where
    T: serde::Serialize,
{
    let k = match begin(svc, access, method_path, key, request).await? {
        Begin::Replay(status, body) => return Ok(Once::Replayed(status, body)),
        Begin::Proceed(k) => k,
    };
    let mut w = match Work::begin(svc).await {
        Ok(w) => w,
        Err(e) => return Err(released(svc, &k, e).await),
    };
    let done = async {
        let (status, v) = write(&mut w).await?;
        let text = serde_json::to_string(&v).map_err(|e| Error::Internal(e.into()))?;
        complete(&w, &k, status, &text).await?;
        Ok::<_, Error>((status, v))
    }
    .await;
    match done {
        // A failed commit is not released: if it did commit, the response is stored; if not,
        // the claim is taken over by the first retry after the lease.
        Ok((status, v)) => {
            w.commit().await?;
            Ok(Once::Ran(status, v))
        }
        Err(e) => {
            w.rollback().await;
            Err(released(svc, &k, e).await)
        }
    }
}

/// Failed writes changed nothing: the key is released so that a corrected retry runs.
async fn released(svc: &Services, k: &IdempotencyKey, e: Error) -> Error {
    if let Err(r) = release(svc, k).await {
        tracing::warn!(error = %r, "idempotency key not released");
    }
    e
}

/// Drops expired keys.
pub async fn purge(svc: &Services) -> Result<u64> {
    Ok(svc
        .store
        .purge_idempotency(svc.clock.now_ms() - TTL_MS)
        .await?)
}
