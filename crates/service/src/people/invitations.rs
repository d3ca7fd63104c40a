//! Invitations: how a person joins a company. An owner or admin invites an e-mail address with
//! a role; the link (single use, 7 days, only its keyed hash stored) is mailed, or — with mail
//! off or failing — shown once to the inviter to pass on. The invitee opens it and either sets
//! a password (a new account, which enrols TOTP next) or, when the address already has an
//! account, signs in and accepts. The inviter learns nothing about whether the address has an
//! account anywhere on the server: every invitation gets the same answer, and nobody is added
//! without accepting.

use super::users;
use crate::activity::Event;
use crate::mail::{Mail, MailError};
use crate::{Access, Error, Result, Services};
use newledger_domain::ids::{CompanyId, InvitationId};
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_store::{InvitationRecord, UserRecord};
use serde_json::json;

/// How long an invitation link works.
pub const INVITE_TTL_MS: i64 = 7 * 24 * 3_600_000;
/// Prefix of invitation tokens (for secret scanners).
pub const TOKEN_PREFIX: &str = "nlinv_";

/// How the invitation reached (or will reach) the invitee.
#[derive(Debug)]
pub enum Delivery {
    /// Mailed to the address.
    Mailed,
    /// Not mailed: the inviter passes the link on (shown this once).
    Link {
        /// The invitation link.
        url: String,
        /// Why it was not mailed.
        why: MailError,
    },
}

/// An invitation just made or renewed.
#[derive(Debug)]
pub struct Sent {
    /// The invitation.
    pub invitation: InvitationRecord,
    /// How it travels.
    pub delivery: Delivery,
}

/// An invitation as its link shows it to whoever opens it.
#[derive(Debug)]
pub struct Opened {
    /// The invitation.
    pub invitation: InvitationRecord,
    /// The company's name.
    pub company_name: String,
    /// True when the address already has an account (the invitee signs in to accept).
    pub has_account: bool,
}

fn invalid_link() -> Error {
    Error::NotFound("invitation")
}

/// Invites `email` to the company with `role`. Inviting an address that has a pending
/// invitation renews it (a new link; the old one stops working).
pub async fn invite(svc: &Services, access: &Access, email: &str, role: Role) -> Result<Sent> {
    access.require(Permission::MembersManage)?;
    let me = access.person()?.clone();
    // Only owners make owners (as when changing a role).
    if role == Role::Owner {
        crate::company::require_owner(svc, access).await?;
    }
    let email = users::normalize_email(email)?;
    let members = svc.store.members(&access.company.id).await?;
    if members.iter().any(|m| m.email == email) {
        return Err(Error::Conflict(format!(
            "{email} is already a member: change their role in the list above"
        )));
    }
    let pending = svc.store.pending_invitations(&access.company.id).await?;
    if let Some(old) = pending.into_iter().find(|i| i.email == email) {
        return renew(svc, access, old, role).await;
    }
    let now = svc.clock.now_ms();
    let token = svc.random_secret(TOKEN_PREFIX);
    let inv = InvitationRecord {
        id: svc.new_id(InvitationId::PREFIX),
        company_id: access.company.id.clone(),
        email,
        role,
        token_hash: svc.key.hash_secret(&token),
        invited_by: me.to_string(),
        invited_by_label: access.label.clone(),
        status: "pending".into(),
        created_at: now,
        sent_at: now,
        expires_at: now + INVITE_TTL_MS,
        ended_at: None,
        accepted_by: None,
    };
    svc.write(async |w| {
        w.store().insert_invitation(&inv).await?;
        w.log(access, event("invite.created", &inv)).await
    })
    .await?;
    deliver(svc, access, inv, &token).await
}

fn event(action: &'static str, inv: &InvitationRecord) -> Event {
    Event::ok(action, "invitation", inv.id.as_str())
        .reason(inv.email.clone())
        .details(json!({"role": inv.role.as_str(), "expires_at": inv.expires_at}))
}

async fn renew(
    svc: &Services,
    access: &Access,
    mut inv: InvitationRecord,
    role: Role,
) -> Result<Sent> {
    if role == Role::Owner {
        crate::company::require_owner(svc, access).await?;
    }
    let token = svc.random_secret(TOKEN_PREFIX);
    let now = svc.clock.now_ms();
    inv.token_hash = svc.key.hash_secret(&token);
    inv.role = role;
    inv.sent_at = now;
    inv.expires_at = now + INVITE_TTL_MS;
    svc.write(async |w| {
        let renewed = w
            .store()
            .renew_invitation(&inv.id, &inv.token_hash, role, now, inv.expires_at)
            .await?;
        if !renewed {
            return Err(Error::Conflict(
                "this invitation was accepted or revoked meanwhile".into(),
            ));
        }
        w.log(access, event("invite.resent", &inv)).await
    })
    .await?;
    deliver(svc, access, inv, &token).await
}

/// Sends the link again (a new one: the old link stops working) with a fresh 7 days.
pub async fn resend(svc: &Services, access: &Access, id: &InvitationId) -> Result<Sent> {
    access.require(Permission::MembersManage)?;
    let inv = pending_of(svc, access, id).await?;
    let role = inv.role;
    renew(svc, access, inv, role).await
}

/// Revokes a pending invitation: its link stops working at once.
pub async fn revoke(
    svc: &Services,
    access: &Access,
    id: &InvitationId,
) -> Result<InvitationRecord> {
    access.require(Permission::MembersManage)?;
    let inv = pending_of(svc, access, id).await?;
    let now = svc.clock.now_ms();
    svc.write(async |w| {
        if !w
            .store()
            .end_invitation(&inv.id, "revoked", None, now)
            .await?
        {
            return Err(Error::Conflict(
                "this invitation was accepted or revoked meanwhile".into(),
            ));
        }
        w.log(access, event("invite.revoked", &inv)).await
    })
    .await?;
    Ok(inv)
}

async fn pending_of(
    svc: &Services,
    access: &Access,
    id: &InvitationId,
) -> Result<InvitationRecord> {
    svc.store
        .invitation(&access.company.id, id)
        .await?
        .filter(|i| i.status == "pending")
        .ok_or(Error::NotFound("invitation"))
}

/// Pending invitations of the company (expired ones too, to resend or revoke), newest first.
pub async fn pending(svc: &Services, access: &Access) -> Result<Vec<InvitationRecord>> {
    access.require(Permission::MembersManage)?;
    Ok(svc.store.pending_invitations(&access.company.id).await?)
}

/// The link of a token.
pub fn link(svc: &Services, token: &str) -> String {
    format!("{}/invite/{token}", svc.settings.base_url)
}

async fn deliver(
    svc: &Services,
    access: &Access,
    inv: InvitationRecord,
    token: &str,
) -> Result<Sent> {
    let url = link(svc, token);
    let mail = Mail {
        to: inv.email.clone(),
        subject: format!(
            "{} invites you to {} on NewLedger",
            access.label, access.company.name
        ),
        text: format!(
            "{who} invites you to join {company} on NewLedger as {role}.\n\n\
             Open this link to accept (it works once, until {until}):\n\n{url}\n\n\
             If you do not know {who}, ignore this message: nothing happens unless you accept.\n",
            who = access.label,
            company = access.company.name,
            role = inv.role.as_str(),
            until = crate::clock::rfc3339(inv.expires_at),
        ),
    };
    // The inviter waits for the mail server (bounded): they learn at once whether to pass the
    // link on themselves. What they learn is about the mail server, never about the address.
    let delivery = match svc.mailer.send(&mail).await {
        Ok(()) => Delivery::Mailed,
        Err(why) => {
            if !matches!(why, MailError::Off) {
                tracing::warn!(error = %why, invitation = %inv.id, "invitation not mailed");
                svc.activity
                    .log(
                        access,
                        Event::failed(
                            "invite.mail_failed",
                            "invitation",
                            inv.id.as_str(),
                            why.to_string(),
                        ),
                    )
                    .await?;
            }
            Delivery::Link { url, why }
        }
    };
    Ok(Sent {
        invitation: inv,
        delivery,
    })
}

/// What an invitation link shows: the company, the role, and whether to sign in or set a
/// password. An unknown, used, revoked or expired link is `NotFound`.
pub async fn open(svc: &Services, token: &str) -> Result<Opened> {
    let inv = live(&*svc.store, svc, token).await?;
    let company = svc
        .store
        .company(&inv.company_id)
        .await?
        .ok_or_else(invalid_link)?;
    let has_account = svc.store.user_by_email(&inv.email).await?.is_some();
    Ok(Opened {
        invitation: inv,
        company_name: company.name,
        has_account,
    })
}

async fn live(
    store: &(impl newledger_store::PeopleStore + ?Sized),
    svc: &Services,
    token: &str,
) -> Result<InvitationRecord> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(invalid_link());
    }
    // Looked up by keyed hash: equality on a MAC, so no timing tells a near miss.
    store
        .invitation_by_token(&svc.key.hash_secret(token))
        .await?
        .filter(|i| i.status == "pending" && i.expires_at > svc.clock.now_ms())
        .ok_or_else(invalid_link)
}

/// Accepts with a new account: name and password; the person enrols TOTP at their first
/// sign-in step, which follows at once. Fails with `Conflict` when the address has an account
/// (then they sign in and accept).
pub async fn accept_new(
    svc: &Services,
    token: &str,
    name: &str,
    password: &str,
    ip: &str,
) -> Result<(UserRecord, CompanyId)> {
    let inv = live(&*svc.store, svc, token).await?;
    if svc.store.user_by_email(&inv.email).await?.is_some() {
        return Err(Error::Conflict(
            "this address already has an account: sign in to accept".into(),
        ));
    }
    let user = users::new_user(svc, &inv.email, name, password)?;
    svc.write(async |w| {
        let inv = live(w.store(), svc, token).await?;
        users::insert_user(w.store(), &user).await?;
        join(w, &inv, &user, ip).await
    })
    .await?;
    Ok((user, inv.company_id))
}

/// Accepts as the signed-in person, whose e-mail must be the invited one.
pub async fn accept_signed_in(
    svc: &Services,
    token: &str,
    user: &UserRecord,
    ip: &str,
) -> Result<CompanyId> {
    let inv = live(&*svc.store, svc, token).await?;
    if inv.email != user.email {
        return Err(Error::Forbidden {
            permission: None,
            reason: format!(
                "this invitation is for {}; sign out and sign in with that address to accept it",
                inv.email
            ),
        });
    }
    svc.write(async |w| {
        let inv = live(w.store(), svc, token).await?;
        join(w, &inv, user, ip).await
    })
    .await?;
    Ok(inv.company_id)
}

async fn join(
    w: &mut crate::work::Work<'_>,
    inv: &InvitationRecord,
    user: &UserRecord,
    ip: &str,
) -> Result<()> {
    let now = w.svc().clock.now_ms();
    if !w
        .store()
        .end_invitation(&inv.id, "accepted", Some(&user.id), now)
        .await?
    {
        return Err(invalid_link());
    }
    let old = w.store().membership(&inv.company_id, &user.id).await?;
    // Already a member (added meanwhile): the invitation is used, the role stays.
    if old.is_none() {
        w.store()
            .upsert_membership(&inv.company_id, &user.id, inv.role, now)
            .await?;
        w.credentials_changed();
    }
    let who = super::signin::who_of(user, ip);
    w.log_as(
        Some(&inv.company_id),
        &who,
        event("invite.accepted", inv).details(json!({
            "role": inv.role.as_str(),
            "invited_by": inv.invited_by_label,
            "already_member": old.is_some(),
        })),
    )
    .await?;
    if old.is_none() {
        w.log_as(
            Some(&inv.company_id),
            &who,
            Event::ok("member.added", "user", user.id.as_str())
                .reason(user.email.clone())
                .details(json!({"old": null, "new": inv.role.as_str(), "by_invitation": inv.id.as_str()})),
        )
        .await?;
    }
    Ok(())
}
