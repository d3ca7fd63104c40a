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
        let first_company = svc
            .store
            .companies_of_user(&user.id)
            .await?
            .into_iter()
            .next()
            .map(|(c, _)| c.id);
        svc.activity
            .log_folded(
                first_company.as_ref(),
                &who(Some(&user)),
                Event::failed("signin.refused", "user", user.id.as_str(), "account locked"),
            )
            .await?;
        return Err(Error::RateLimited {
            retry_after_secs: u64::try_from((until - now) / 1000 + 1).unwrap_or(60),
        });
    }
    if !users::verify_password(password, &user.password_hash) {
        record_failure(svc, &user, &who(Some(&user)), "wrong password").await?;
        return Err(generic());
    }
    // The counter is reset only once the whole sign-in succeeds, so that guessing second-factor
    // codes after a stolen password counts towards the same lockout. People who have no second
    // factor yet (they enrol next) are reset here.
    if user.failed_logins != 0 && !user.totp_enabled {
        svc.store.set_login_failures(&user.id, 0, None).await?;
    }
    Ok(user)
}

/// Counts a failed step (wrong password or code) and locks the account after
/// [`MAX_FAILURES`] in a row, for 15 minutes doubling with each further failure up to 24 h.
async fn record_failure(svc: &Services, user: &UserRecord, who: &Who, what: &str) -> Result<()> {
    let now = svc.clock.now_ms();
    let current = svc
        .store
        .user_by_id(&user.id)
        .await?
        .map_or(user.failed_logins, |u| u.failed_logins);
    let failures = current + 1;
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
    log_for_user(
        svc,
        user,
        who,
        Event::failed(
            action,
            "user",
            user.id.as_str(),
            format!("{what} ({failures} failures in a row)"),
        ),
    )
    .await
}

/// Writes a person's sign-in event into the activity log of every company they belong to, so
/// that each company's administrators see sign-ins, failures and lockouts of their members.
async fn log_for_user(svc: &Services, user: &UserRecord, who: &Who, e: Event) -> Result<()> {
    let companies = svc.store.companies_of_user(&user.id).await?;
    if companies.is_empty() {
        return svc.activity.log_as(None, who, e).await;
    }
    for (c, _) in companies {
        svc.activity.log_as(Some(&c.id), who, e.clone()).await?;
    }
    Ok(())
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
    let now = svc.clock.now_ms();
    if let Some(until) = svc
        .store
        .user_by_id(&user.id)
        .await?
        .and_then(|u| u.locked_until)
        .filter(|u| *u > now)
    {
        return Err(Error::RateLimited {
            retry_after_secs: u64::try_from((until - now) / 1000 + 1).unwrap_or(60),
        });
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
            svc.store.set_login_failures(&user.id, 0, None).await?;
            log_for_user(
                svc,
                user,
                &who,
                Event::ok("signin.succeeded", "user", user.id.as_str()).reason(how),
            )
            .await?;
            Ok(())
        }
        Err(e) => {
            record_failure(svc, user, &who, &format!("second factor refused: {e}")).await?;
            Err(e)
        }
    }
}
