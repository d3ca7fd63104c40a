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

/// Where a session is opened from: the address and the browser (shown in the person's list
/// of sessions).
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// Network address.
    pub ip: String,
    /// `User-Agent` header.
    pub user_agent: String,
}

/// Longest `User-Agent` kept.
pub const USER_AGENT_MAX: usize = 300;

/// Creates a session; returns the cookie value (shown to the browser only).
pub async fn create(
    svc: &Services,
    user: &UserId,
    stage: &str,
    company: Option<CompanyId>,
    client: &Client,
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
        ip: client.ip.chars().take(100).collect(),
        user_agent: client.user_agent.chars().take(USER_AGENT_MAX).collect(),
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

/// One of a person's sessions, as their list shows it.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// Names the session in a sign-out form (derived from its hash; never the cookie).
    pub handle: String,
    /// True for the session asking.
    pub current: bool,
    /// Signed in at (ms).
    pub created_at: i64,
    /// Last request (ms, at most a minute old).
    pub last_seen_at: i64,
    /// Address it was opened from.
    pub ip: String,
    /// Browser.
    pub user_agent: String,
    /// False while the second factor is pending.
    pub signed_in: bool,
}

fn handle_of(svc: &Services, s: &SessionRecord) -> String {
    svc.key
        .hash_secret(&format!("session-handle:{}", s.id_hash))
}

fn live(svc: &Services, s: &SessionRecord, now: i64) -> bool {
    let idle = i64::try_from(svc.settings.session_idle.as_millis()).unwrap_or(i64::MAX);
    now < s.expires_at && now - s.last_seen_at <= idle
}

/// The live sessions of the person of `current`, this one first.
pub async fn list_mine(svc: &Services, current: &SessionRecord) -> Result<Vec<SessionView>> {
    let now = svc.clock.now_ms();
    let mut v: Vec<SessionView> = svc
        .store
        .sessions_of_user(&current.user_id)
        .await?
        .into_iter()
        .filter(|s| live(svc, s, now))
        .map(|s| SessionView {
            handle: handle_of(svc, &s),
            current: s.id_hash == current.id_hash,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            signed_in: s.stage == STAGE_FULL,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    v.sort_by_key(|s| !s.current);
    Ok(v)
}

/// Signs out one other session of the same person (`handle` from [`list_mine`]), or — with
/// `None` — every other one; returns how many ended. Logged in each of their companies.
pub async fn sign_out_others(
    svc: &Services,
    current: &SessionRecord,
    handle: Option<&str>,
    ip: &str,
) -> Result<u64> {
    let user = super::users::user(svc, &current.user_id).await?;
    let who = super::signin::who_of(&user, ip);
    let target = match handle {
        None => None,
        Some(h) => Some(
            svc.store
                .sessions_of_user(&current.user_id)
                .await?
                .into_iter()
                .find(|s| s.id_hash != current.id_hash && ct_eq(&handle_of(svc, s), h))
                .ok_or(Error::NotFound("session"))?,
        ),
    };
    svc.write(async |w| {
        let ended = match &target {
            Some(s) => {
                w.store().delete_session(&s.id_hash).await?;
                1
            }
            None => {
                w.store()
                    .end_sessions_of_user(&current.user_id, Some(&current.id_hash))
                    .await?
            }
        };
        let e = crate::activity::Event::ok("session.signed_out", "user", user.id.as_str()).reason(
            match &target {
                Some(s) => format!("another session (opened from {}) signed out", s.ip),
                None => format!("every other session signed out ({ended})"),
            },
        );
        super::signin::log_for_user_in(w, &user, &who, e).await?;
        Ok(ended)
    })
    .await
}
