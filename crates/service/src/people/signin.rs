//! Password sign-in with per-account lockout, and the second factor.

use super::{totp, users};
use crate::activity::{Event, Who};
use crate::{Error, Result, Services};
use newledger_store::UserRecord;

/// Failures before the account locks.
pub const MAX_FAILURES: i64 = 5;

/// A real hash checked for unknown e-mails, so that they cost the same time as wrong passwords.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| users::hash_password("not-a-real-password").unwrap_or_default())
}

/// Checks e-mail and password. Every failure is logged; after [`MAX_FAILURES`] the account
/// locks for a time that doubles with each further failure (15 min up to 24 h).
pub async fn check_password(
    svc: &Services,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<UserRecord> {
    let generic = || Error::Unauthenticated("wrong e-mail or password".into());
    let now = svc.clock.now_ms();
    let who = |u: Option<&UserRecord>| Who {
        kind: if u.is_some() { "user" } else { "anonymous" }.into(),
        id: u.map(|u| u.id.to_string()).unwrap_or_default(),
        label: email.trim().to_lowercase(),
        ip: ip.to_owned(),
    };
    let user = match users::normalize_email(email) {
        Ok(e) => svc.store.user_by_email(&e).await?,
        Err(_) => None,
    };
    let Some(user) = user else {
        let _ = users::verify_password(password, dummy_hash());
        svc.activity
            .log_folded(
                None,
                &who(None),
                Event::failed("signin.failed", "user", "", "unknown e-mail"),
            )
            .await?;
        return Err(generic());
    };
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        svc.activity
            .log_folded(
                None,
                &who(Some(&user)),
                Event::failed("signin.refused", "user", user.id.as_str(), "account locked"),
            )
            .await?;
        return Err(Error::RateLimited {
            retry_after_secs: u64::try_from((until - now) / 1000 + 1).unwrap_or(60),
        });
    }
    if !users::verify_password(password, &user.password_hash) {
        let failures = user.failed_logins + 1;
        let locked_until = (failures >= MAX_FAILURES).then(|| {
            let minutes = 15i64
                .saturating_mul(1 << (failures - MAX_FAILURES).min(7))
                .min(24 * 60);
            now + minutes * 60_000
        });
        svc.store
            .set_login_failures(&user.id, failures, locked_until)
            .await?;
        let action = if locked_until.is_some() {
            "signin.locked"
        } else {
            "signin.failed"
        };
        svc.activity
            .log_as(
                None,
                &who(Some(&user)),
                Event::failed(
                    action,
                    "user",
                    user.id.as_str(),
                    format!("wrong password ({failures} in a row)"),
                ),
            )
            .await?;
        return Err(generic());
    }
    if user.failed_logins != 0 {
        svc.store.set_login_failures(&user.id, 0, None).await?;
    }
    Ok(user)
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
            svc.activity
                .log_as(
                    None,
                    &who,
                    Event::ok("signin.succeeded", "user", user.id.as_str()).reason(how),
                )
                .await?;
            Ok(())
        }
        Err(e) => {
            svc.activity
                .log_as(
                    None,
                    &who,
                    Event::failed("signin.failed", "user", user.id.as_str(), e.to_string()),
                )
                .await?;
            Err(e)
        }
    }
}
