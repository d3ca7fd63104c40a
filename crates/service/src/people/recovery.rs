//! Recovery: "Forgot password" by an e-mailed link, and an owner resetting a member's second
//! factor.
//!
//! A reset link works once, for an hour; only its keyed hash is stored. Asking for one answers
//! the same whether or not the address has an account (the mail goes out in the background, so
//! the time taken does not tell either), at most [`PER_ACCOUNT_PER_HOUR`] links per account an
//! hour (the web layer limits each network address too). The link never signs anyone in by
//! itself: a person with a second factor gives a code on the same form, and changing the
//! password signs out every session of that person.

use super::signin::{self, log_for_user_in, who_of};
use super::users;
use crate::activity::{Event, Who};
use crate::mail::Mail;
use crate::{Access, Error, Result, Services};
use newledger_domain::ids::UserId;
use newledger_store::{PasswordResetRecord, UserRecord};

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 3_600_000;
/// Prefix of reset tokens (for secret scanners).
pub const TOKEN_PREFIX: &str = "nlpr_";
/// Reset links an account gets per hour; further requests get the same answer and no mail.
pub const PER_ACCOUNT_PER_HOUR: i64 = 3;

/// Asks for a reset link for `email`. Always `Ok` for a well-formed address: whether it has
/// an account is never told.
pub async fn request(svc: &Services, email: &str, ip: &str) -> Result<()> {
    let email = users::normalize_email(email)?;
    let now = svc.clock.now_ms();
    let Some(user) = svc.store.user_by_email(&email).await? else {
        let who = Who {
            kind: "anonymous".into(),
            id: String::new(),
            label: email,
            ip: ip.to_owned(),
        };
        let e = Event::failed("password.reset_requested", "user", "", "unknown e-mail");
        return svc.activity.log_folded(None, &who, e).await;
    };
    let who = who_of(&user, ip);
    let recent = svc
        .store
        .count_password_resets(&user.id, now - 3_600_000)
        .await?;
    if recent >= PER_ACCOUNT_PER_HOUR {
        let e = Event::failed(
            "password.reset_requested",
            "user",
            user.id.as_str(),
            format!("more than {PER_ACCOUNT_PER_HOUR} links in an hour: none sent"),
        );
        return signin_log(svc, &user, &who, e).await;
    }
    let token = svc.random_secret(TOKEN_PREFIX);
    let record = PasswordResetRecord {
        token_hash: svc.key.hash_secret(&token),
        user_id: user.id.clone(),
        created_at: now,
        expires_at: now + RESET_TTL_MS,
        used_at: None,
    };
    let reason = if svc.mailer.is_on() {
        "link mailed"
    } else {
        "mail is off on this server: no link sent"
    };
    svc.write(async |w| {
        w.store().insert_password_reset(&record).await?;
        let e = Event::ok("password.reset_requested", "user", user.id.as_str()).reason(reason);
        log_for_user_in(w, &user, &who, e).await
    })
    .await?;
    svc.mailer
        .send_later(reset_mail(svc, &user, &token), "password reset");
    Ok(())
}

async fn signin_log(svc: &Services, user: &UserRecord, who: &Who, e: Event) -> Result<()> {
    svc.write(async |w| log_for_user_in(w, user, who, e).await)
        .await
}

fn reset_mail(svc: &Services, user: &UserRecord, token: &str) -> Mail {
    let url = format!("{}/signin/reset/{token}", svc.settings.base_url);
    Mail {
        to: user.email.clone(),
        subject: "Reset your NewLedger password".into(),
        text: format!(
            "Someone (we hope you) asked to reset the password of {email} on NewLedger.\n\n\
             Open this link to choose a new one (it works once, for one hour):\n\n{url}\n\n\
             You will also need your authenticator app's code. If you did not ask, ignore this \
             message: your password stays as it is.\n",
            email = user.email
        ),
    }
}

/// The person a live reset link belongs to; an unknown, used or expired link is `NotFound`.
pub async fn open(svc: &Services, token: &str) -> Result<UserRecord> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(Error::NotFound("reset link"));
    }
    let now = svc.clock.now_ms();
    let link = svc
        .store
        .password_reset(&svc.key.hash_secret(token))
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at > now)
        .ok_or(Error::NotFound("reset link"))?;
    users::user(svc, &link.user_id).await
}

/// Sets a new password with a live link and — for a person with a second factor — a TOTP or
/// recovery code (checked and throttled like a sign-in). Every session of the person ends and
/// every other reset link dies. Returns the person, whose sign-in the caller may then start.
pub async fn complete(
    svc: &Services,
    token: &str,
    password: &str,
    code: &str,
    ip: &str,
) -> Result<UserRecord> {
    let user = open(svc, token).await?;
    let hash = users::hash_password(&*svc.random, password)?;
    if user.totp_enabled {
        if code.trim().is_empty() {
            return Err(Error::invalid(
                "code",
                "enter the 6-digit code from your authenticator app (or a recovery code): a reset link alone does not sign you in",
            ));
        }
        signin::check_second_factor(svc, &user, code, ip).await?;
    }
    let now = svc.clock.now_ms();
    let token_hash = svc.key.hash_secret(token);
    let who = who_of(&user, ip);
    svc.write(async |w| {
        if !w.store().use_password_reset(&token_hash, now).await? {
            return Err(Error::NotFound("reset link"));
        }
        w.store().set_password_hash(&user.id, &hash, now).await?;
        w.store().end_password_resets(&user.id, now).await?;
        let ended = w.store().end_sessions_of_user(&user.id, None).await?;
        let e = Event::ok("password.changed", "user", user.id.as_str()).reason(format!(
            "by an e-mailed reset link; {ended} session(s) signed out"
        ));
        log_for_user_in(w, &user, &who, e).await
    })
    .await?;
    users::user(svc, &user.id).await
}

/// An owner resets a member's second factor (lost phone): confirmed with the owner's own TOTP
/// code; the member's secret and recovery codes are cleared and their sessions end, so they
/// enrol again at their next sign-in. A refused code is logged.
pub async fn reset_second_factor(
    svc: &Services,
    access: &Access,
    member: &UserId,
    code: Option<&str>,
) -> Result<UserRecord> {
    crate::company::require_owner(svc, access).await?;
    let me = access.person()?;
    if me == member {
        return Err(Error::Conflict(
            "you cannot reset your own two-factor authentication; ask another owner".into(),
        ));
    }
    let in_company = svc.store.membership(&access.company.id, member).await?;
    let target = svc
        .store
        .user_by_id(member)
        .await?
        .filter(|_| in_company.is_some());
    let target = target.ok_or(Error::NotFound("member"))?;
    confirm_owner(svc, access, me, &target, code).await?;
    let now = svc.clock.now_ms();
    svc.write(async |w| {
        w.store().set_totp(&target.id, None, false, now).await?;
        w.store().replace_recovery_codes(&target.id, &[]).await?;
        let ended = w.store().end_sessions_of_user(&target.id, None).await?;
        w.log(
            access,
            Event::ok("totp.reset", "user", target.id.as_str()).reason(format!(
                "{}: must set up two-factor authentication at next sign-in; {ended} session(s) signed out",
                target.email
            )),
        )
        .await
    })
    .await?;
    Ok(target)
}

async fn confirm_owner(
    svc: &Services,
    access: &Access,
    me: &UserId,
    target: &UserRecord,
    code: Option<&str>,
) -> Result<()> {
    let code = code.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
        Error::invalid(
            "totp",
            "enter the 6-digit code from your authenticator app to confirm",
        )
    })?;
    let owner = users::user(svc, me).await?;
    match super::totp::verify(svc, &owner, code).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let why = match &e {
                Error::Invalid { reason, .. } | Error::Forbidden { reason, .. } => reason.clone(),
                e => e.to_string(),
            };
            svc.activity
                .log(
                    access,
                    Event::failed(
                        "totp.reset_confirmation_failed",
                        "user",
                        target.id.as_str(),
                        why,
                    ),
                )
                .await?;
            Err(match e {
                Error::Invalid { reason, .. } => Error::invalid("totp", reason),
                e => e,
            })
        }
    }
}

/// A signed-in person changes their password: the current one and — with a second factor — a
/// fresh code confirm it. Every other session of theirs ends (`keep` is the asking session's
/// id hash) and every reset link dies. Returns how many sessions ended.
pub async fn change_password(
    svc: &Services,
    user: &UserRecord,
    keep: &str,
    current: &str,
    new: &str,
    code: &str,
    ip: &str,
) -> Result<u64> {
    if !users::verify_password(current, &user.password_hash) {
        return Err(Error::invalid(
            "current_password",
            "this is not your current password",
        ));
    }
    let hash = users::hash_password(&*svc.random, new)?;
    if user.totp_enabled {
        super::totp::verify(svc, user, code)
            .await
            .map_err(|e| match e {
                Error::Invalid { reason, .. } => Error::invalid("code", reason),
                e => e,
            })?;
    }
    let now = svc.clock.now_ms();
    let who = who_of(user, ip);
    svc.write(async |w| {
        w.store().set_password_hash(&user.id, &hash, now).await?;
        w.store().end_password_resets(&user.id, now).await?;
        let ended = w.store().end_sessions_of_user(&user.id, Some(keep)).await?;
        let e = Event::ok("password.changed", "user", user.id.as_str()).reason(format!(
            "changed by the person; {ended} other session(s) signed out"
        ));
        log_for_user_in(w, user, &who, e).await?;
        Ok(ended)
    })
    .await
}
