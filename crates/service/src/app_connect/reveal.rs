//! The one-time secret reveal of the web app (post/redirect/get). Create and rotate leave the
//! new secret here, sealed with a key derived from the server key and bound to the session
//! and the app; the page they redirect to takes it exactly once, within [`REVEAL_TTL_MS`].
//! Reloading that page, or coming back to it, finds nothing: the secret is never in a URL and
//! never readable from the database alone.

use super::apps::AppWithSecret;
use crate::{Result, Services};
use newledger_store::RevealRecord;

/// How long a pending reveal waits for its page.
pub const REVEAL_TTL_MS: i64 = 5 * 60 * 1000;

const PURPOSE: &str = "secret-reveal";

fn context(session_hash: &str, app_id: &str) -> String {
    format!("{session_hash}/{app_id}")
}

/// Leaves the secret of `a` for one reveal in the session `session_hash`.
pub async fn stash(
    svc: &Services,
    session_hash: &str,
    a: &AppWithSecret,
    rotated: bool,
) -> Result<()> {
    let app_id = a.app.id.as_str();
    let sealed = svc.key.seal(
        &*svc.random,
        PURPOSE,
        &context(session_hash, app_id),
        &a.client_secret,
    );
    svc.store
        .put_reveal(&RevealRecord {
            session_hash: session_hash.to_owned(),
            app_id: app_id.to_owned(),
            rotated,
            sealed,
            expires_at: svc.clock.now_ms() + REVEAL_TTL_MS,
        })
        .await?;
    Ok(())
}

/// A secret taken for its one reveal.
pub struct Revealed {
    /// The plaintext secret.
    pub client_secret: String,
    /// True after a rotation.
    pub rotated: bool,
}

/// Takes the pending secret of `app_id` in this session: `Some` once, `None` afterwards or
/// after the time limit.
pub async fn take(svc: &Services, session_hash: &str, app_id: &str) -> Result<Option<Revealed>> {
    let now = svc.clock.now_ms();
    let Some(r) = svc.store.take_reveal(session_hash, app_id, now).await? else {
        return Ok(None);
    };
    Ok(svc
        .key
        .open(PURPOSE, &context(session_hash, app_id), &r.sealed)
        .map(|client_secret| Revealed {
            client_secret,
            rotated: r.rotated,
        }))
}
