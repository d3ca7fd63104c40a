//! Web sessions: a random cookie value (only its keyed hash is stored), a CSRF token, a stage
//! (`password` → second factor pending, `enrol` → must set up TOTP, `full`), idle and absolute
//! expiry.

use crate::crypto::ct_eq;
use crate::{Error, Result, Services};
use newledger_domain::ids::{CompanyId, UserId};
use newledger_store::SessionRecord;

/// Stage after the password when a second factor is enrolled.
pub const STAGE_PASSWORD: &str = "password";
/// Stage after the password when the person must enrol a second factor first.
pub const STAGE_ENROL: &str = "enrol";
/// Fully signed in.
pub const STAGE_FULL: &str = "full";

/// Creates a session; returns the cookie value (shown to the browser only).
pub async fn create(
    svc: &Services,
    user: &UserId,
    stage: &str,
    company: Option<CompanyId>,
) -> Result<(String, SessionRecord)> {
    let now = svc.clock.now_ms();
    let cookie = svc.random_secret("");
    let s = SessionRecord {
        id_hash: svc.key.hash_secret(&cookie),
        user_id: user.clone(),
        company_id: company,
        csrf_token: svc.random_secret(""),
        stage: stage.to_owned(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + i64::try_from(svc.settings.session_max.as_millis()).unwrap_or(i64::MAX),
    };
    svc.store.insert_session(&s).await?;
    Ok((cookie, s))
}

/// Loads a live session from its cookie value, sliding the idle timeout.
pub async fn load(svc: &Services, cookie: &str) -> Result<Option<SessionRecord>> {
    if cookie.is_empty() || cookie.len() > 100 {
        return Ok(None);
    }
    let hash = svc.key.hash_secret(cookie);
    let Some(mut s) = svc.store.session(&hash).await? else {
        return Ok(None);
    };
    let now = svc.clock.now_ms();
    let idle = i64::try_from(svc.settings.session_idle.as_millis()).unwrap_or(i64::MAX);
    if now >= s.expires_at || now - s.last_seen_at > idle {
        svc.store.delete_session(&hash).await?;
        return Ok(None);
    }
    // Touch at most once a minute: keeps page loads free of writes.
    if now - s.last_seen_at > 60_000 {
        s.last_seen_at = now;
        svc.store.update_session(&s).await?;
    }
    Ok(Some(s))
}

/// Moves a session to another stage or company.
pub async fn update(svc: &Services, s: &SessionRecord) -> Result<()> {
    svc.store.update_session(s).await.map_err(Into::into)
}

/// Ends a session.
pub async fn end(svc: &Services, s: &SessionRecord) -> Result<()> {
    svc.store
        .delete_session(&s.id_hash)
        .await
        .map_err(Into::into)
}

/// Checks a form's CSRF token against the session's.
pub fn check_csrf(s: &SessionRecord, token: &str) -> Result<()> {
    if !token.is_empty() && ct_eq(&s.csrf_token, token) {
        Ok(())
    } else {
        Err(Error::Forbidden {
            permission: None,
            reason: "the form expired or was not sent by this site; reload the page and try again"
                .into(),
        })
    }
}
