//! Password sign-in and the second factor, throttled per (e-mail, address) with a slower
//! account-wide lock that never refuses the right password and code from a clean address (see
//! [`super::throttle`]); unlocking by a company owner or an operator.

use super::throttle::{self, SigninThrottle};
use super::{totp, users};
use crate::activity::{Event, Who};
use crate::{Access, Error, Result, Services};
use newledger_domain::ids::UserId;
use newledger_store::UserRecord;

pub use throttle::PAIR_MAX as MAX_FAILURES;

/// A real hash checked for unknown e-mails, so that they cost the same time as wrong passwords.
fn dummy_hash(svc: &Services) -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        users::hash_password(&*svc.random, "not-a-real-password").unwrap_or_default()
    })
}

/// The throttle's key for what was typed: the normalized e-mail, or the raw text lowercased.
fn email_key(email: &str) -> String {
    users::normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase())
}

fn wait_error(wait_ms: i64) -> Error {
    Error::RateLimited {
        retry_after_secs: u64::try_from(wait_ms / 1000 + 1).unwrap_or(60),
    }
}

fn throttle(svc: &Services) -> &SigninThrottle {
    &svc.signin_throttle
}

/// Checks e-mail and password. A wrong password or an unknown e-mail gets the same answer, and
/// both count towards the same limits (see [`super::throttle`]): an address that failed too
/// often for this e-mail gets [`Error::RateLimited`], whether the e-mail has an account or not.
pub async fn check_password(
    svc: &Services,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<UserRecord> {
    let generic = || Error::Unauthenticated("wrong e-mail or password".into());
    let now = svc.clock.now_ms();
    let key = email_key(email);
    let who = |u: Option<&UserRecord>| Who {
        kind: if u.is_some() { "user" } else { "anonymous" }.into(),
        id: u.map(|u| u.id.to_string()).unwrap_or_default(),
        label: key.clone(),
        ip: ip.to_owned(),
    };
    let user = match users::normalize_email(email) {
        Ok(e) => svc.store.user_by_email(&e).await?,
        Err(_) => None,
    };
    if let Some(wait) = throttle(svc).pair_wait(&key, ip, now) {
        let _ = users::verify_password(password, dummy_hash(svc));
        svc.activity
            .log_folded(
                None,
                &who(user.as_ref()),
                Event::failed(
                    "signin.refused",
                    "user",
                    "",
                    "too many failures from this address",
                ),
            )
            .await?;
        return Err(wait_error(wait));
    }
    let Some(user) = user else {
        let _ = users::verify_password(password, dummy_hash(svc));
        let locked = throttle(svc).unknown_locked(&key, now);
        throttle(svc).pair_failed(&key, ip, now, locked);
        throttle(svc).unknown_failed(&key, now);
        svc.activity
            .log_folded(
                None,
                &who(None),
                Event::failed("signin.failed", "user", "", "unknown e-mail"),
            )
            .await?;
        return Err(generic());
    };
    if !users::verify_password(password, &user.password_hash) {
        record_failure(svc, &user, &who(Some(&user)), "wrong password").await?;
        return Err(generic());
    }
    // The counter is reset only once the whole sign-in succeeds, so that guessing second-factor
    // codes after a stolen password counts towards the same limits. People who have no second
    // factor yet (they enrol next) are reset here.
    if !user.totp_enabled {
        reset(svc, &user).await?;
    }
    Ok(user)
}

async fn reset(svc: &Services, user: &UserRecord) -> Result<()> {
    throttle(svc).forget(&user.email);
    if user.failed_logins != 0 || user.locked_until.is_some() {
        svc.store.set_login_failures(&user.id, 0, None).await?;
    }
    Ok(())
}

/// Counts a failed step (wrong password or code) for the pair and the account; the account
/// locks after [`throttle::ACCOUNT_MAX`] failures in a row from anywhere (logged once).
async fn record_failure(svc: &Services, user: &UserRecord, who: &Who, what: &str) -> Result<()> {
    let now = svc.clock.now_ms();
    let current = svc.store.user_by_id(&user.id).await?;
    let (before, was_locked) = current.map_or((user.failed_logins, false), |u| {
        (u.failed_logins, u.locked_until.is_some_and(|t| t > now))
    });
    throttle(svc).pair_failed(&user.email, &who.ip, now, was_locked);
    let failures = before + 1;
    let locked_until = throttle::account_lock_until(failures, now);
    let event = if locked_until.is_some() && !was_locked {
        Event::failed(
            "signin.locked",
            "user",
            user.id.as_str(),
            format!(
                "{what} ({failures} failures in a row from any address): each address now gets \
                 one try; the right password and code from an address without failures still \
                 sign in"
            ),
        )
    } else {
        Event::failed(
            "signin.failed",
            "user",
            user.id.as_str(),
            format!("{what} ({failures} failures in a row)"),
        )
    };
    // The count and its activity rows: one unit of work.
    svc.write(async |w| {
        w.store()
            .set_login_failures(&user.id, failures, locked_until)
            .await?;
        log_for_user_in(w, user, who, event).await
    })
    .await
}

/// Writes a person's sign-in event into the activity log of every company they belong to, so
/// that each company's administrators see sign-ins, failures and lockouts of their members —
/// as part of the unit of work `w`.
pub(crate) async fn log_for_user_in(
    w: &crate::work::Work<'_>,
    user: &UserRecord,
    who: &Who,
    e: Event,
) -> Result<()> {
    let companies = w.store().companies_of_user(&user.id).await?;
    if companies.is_empty() {
        return w.log_as(None, who, e).await;
    }
    for (c, _) in companies {
        w.log_as(Some(&c.id), who, e.clone()).await?;
    }
    Ok(())
}

/// Who a person is in the activity log, acting for themself from `ip`.
pub fn who_of(user: &UserRecord, ip: &str) -> Who {
    Who {
        kind: "user".into(),
        id: user.id.to_string(),
        label: user.email.clone(),
        ip: ip.to_owned(),
    }
}

/// Second step: a TOTP code or a recovery code (`xxxxx-xxxxx`).
pub async fn check_second_factor(
    svc: &Services,
    user: &UserRecord,
    code: &str,
    ip: &str,
) -> Result<()> {
    let who = Who {
        kind: "user".into(),
        id: user.id.to_string(),
        label: user.email.clone(),
        ip: ip.to_owned(),
    };
    if let Some(wait) = throttle(svc).pair_wait(&user.email, ip, svc.clock.now_ms()) {
        return Err(wait_error(wait));
    }
    let result = if code.contains('-') {
        totp::use_recovery_code(svc, user, code)
            .await
            .map(|()| "recovery code")
    } else {
        totp::verify(svc, user, code)
            .await
            .map(|()| "authenticator code")
    };
    match result {
        Ok(how) => {
            throttle(svc).forget(&user.email);
            let e = Event::ok("signin.succeeded", "user", user.id.as_str()).reason(how);
            svc.write(async |w| {
                if user.failed_logins != 0 || user.locked_until.is_some() {
                    w.store().set_login_failures(&user.id, 0, None).await?;
                }
                log_for_user_in(w, user, &who, e).await
            })
            .await
        }
        Err(e) => {
            record_failure(svc, user, &who, &format!("second factor refused: {e}")).await?;
            Err(e)
        }
    }
}

/// Clears a person's failure count and lock (on this node also the per-address waits) and logs
/// it in each company they belong to, as `who`.
async fn unlock_user(svc: &Services, user: &UserRecord, who: &Who) -> Result<()> {
    svc.write(async |w| {
        w.store().set_login_failures(&user.id, 0, None).await?;
        let e = Event::ok("signin.unlocked", "user", user.id.as_str());
        log_for_user_in(w, user, who, e).await
    })
    .await?;
    throttle(svc).forget(&user.email);
    Ok(())
}

/// An owner unlocks a member of their company (from Members).
pub async fn unlock_member(svc: &Services, access: &Access, user_id: &UserId) -> Result<()> {
    crate::company::require_owner(svc, access).await?;
    let member = svc
        .store
        .companies_of_user(user_id)
        .await?
        .iter()
        .any(|(c, _)| c.id == access.company.id);
    let user = svc.store.user_by_id(user_id).await?.filter(|_| member);
    let Some(user) = user else {
        return Err(Error::NotFound("member"));
    };
    let who = Who {
        kind: access.actor.kind().into(),
        id: access.actor.id().into(),
        label: access.label.clone(),
        ip: access.ip.clone(),
    };
    unlock_user(svc, &user, &who).await
}

/// An operator unlocks a person by e-mail (`newledger user unlock`).
pub async fn unlock_by_operator(svc: &Services, email: &str) -> Result<UserRecord> {
    let e = users::normalize_email(email)?;
    let user = svc
        .store
        .user_by_email(&e)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let who = Who {
        kind: "system".into(),
        id: String::new(),
        label: "operator (newledger user unlock)".into(),
        ip: String::new(),
    };
    unlock_user(svc, &user, &who).await?;
    Ok(user)
}
