//! API credential apps: create (delegated, not elevated), rotate, revoke, restore, delete,
//! expiry. Rotate, revoke, delete and restore ask the person for a fresh TOTP code; a refused
//! code is in the activity log.

use super::CLIENT_SECRET_PREFIX;
use crate::activity::Event;
use crate::{Access, Error, Result, Services};
use newledger_domain::actor::Actor;
use newledger_domain::app::{App, AppAction, AppStatus, secret_hint};
use newledger_domain::ids::{AppId, UserId};
use newledger_domain::permission::{Permission, PermissionSet};
use serde::Deserialize;
use serde_json::json;

/// Deleted apps can be restored for this long, then they are purged.
pub const RESTORE_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;
/// Longest overlap during which a rotated-out secret still works.
pub const MAX_OVERLAP_SECS: i64 = 24 * 3600;

/// What a person fills in to create an app.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct NewApp {
    /// Name.
    pub name: String,
    /// Business purpose.
    #[serde(default)]
    pub purpose: String,
    /// Owner's e-mail (default: the creator).
    pub owner_email: Option<String>,
    /// Days until the credentials expire.
    pub expires_in_days: Option<i64>,
    /// Delegated permissions (wire strings).
    pub permissions: Vec<String>,
}

/// An app and, right after create or rotate, its secret (shown once).
#[derive(Clone, Debug)]
pub struct AppWithSecret {
    /// The app.
    pub app: App,
    /// The plaintext secret.
    pub client_secret: String,
}

fn check_manage(access: &Access) -> Result<()> {
    access.require(Permission::AppConnectManage)
}

/// Asks the person for a fresh TOTP code before `what` (rotate, revoke, delete, restore) on
/// an app; a code that was given and refused is in the activity log.
async fn confirm(
    svc: &Services,
    access: &Access,
    totp: Option<&str>,
    what: &str,
    app: &App,
) -> Result<()> {
    match &access.actor {
        Actor::User(u) => {
            let user = crate::people::users::user(svc, u).await?;
            let code = totp.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
                Error::invalid(
                    "totp",
                    "enter the 6-digit code from your authenticator app to confirm",
                )
            })?;
            let checked = crate::people::totp::verify(svc, &user, code).await;
            if let Err(e) = &checked {
                let why = match e {
                    Error::Invalid { reason, .. } => reason.clone(),
                    Error::Forbidden { reason, .. } => reason.clone(),
                    e => e.to_string(),
                };
                svc.activity
                    .log(
                        access,
                        Event::failed(
                            "app.confirmation_failed",
                            "app",
                            app.id.as_str(),
                            format!("{what} {}: {why}", app.name),
                        )
                        .details(json!({"action": what})),
                    )
                    .await?;
            }
            checked.map_err(|e| match e {
                Error::Invalid { reason, .. } => Error::invalid("totp", reason),
                e => e,
            })
        }
        // Operators at the server's console (CLI) act without a second factor.
        Actor::System => Ok(()),
        _ => Err(Error::Forbidden {
            permission: None,
            reason: "only a person can do this".into(),
        }),
    }
}

/// Creates an app. Permissions must be delegable and held by the creator; the owner (default:
/// the creator) must be a member; the secret is returned once.
pub async fn create(svc: &Services, access: &Access, input: NewApp) -> Result<AppWithSecret> {
    check_manage(access)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "required, at most 100 characters"));
    }
    if input.purpose.chars().count() > 500 {
        return Err(Error::invalid("purpose", "at most 500 characters"));
    }
    if input.permissions.is_empty() {
        return Err(Error::invalid(
            "permissions",
            "choose at least one permission",
        ));
    }
    let mut perms = PermissionSet::EMPTY;
    for p in &input.permissions {
        let p = Permission::parse(p.trim())
            .map_err(|e| Error::invalid("permissions", e.to_string()))?;
        if !p.is_delegable() {
            return Err(Error::invalid(
                "permissions",
                format!("`{p}` is for people only and cannot be delegated to an app"),
            ));
        }
        if !access.permissions.contains(p) {
            return Err(Error::invalid(
                "permissions",
                format!(
                    "you do not hold `{p}`, so you cannot delegate it (delegated, not elevated)"
                ),
            ));
        }
        perms.insert(p);
    }
    let owner: UserId = match (&input.owner_email, &access.actor) {
        (Some(e), _) if !e.trim().is_empty() => {
            let u = crate::people::users::user_by_email(svc, e)
                .await
                .map_err(|_| Error::invalid("owner_email", "no person with this e-mail"))?;
            svc.store
                .membership(&access.company.id, &u.id)
                .await?
                .ok_or_else(|| {
                    Error::invalid("owner_email", "the owner must be a member of this company")
                })?;
            u.id
        }
        (_, Actor::User(u)) => u.clone(),
        _ => return Err(Error::invalid("owner_email", "required")),
    };
    let created_by = match &access.actor {
        Actor::User(u) => u.clone(),
        _ => owner.clone(),
    };
    let now = svc.clock.now_ms();
    let expires_at = match input.expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(now + d * 86_400_000),
        Some(_) => return Err(Error::invalid("expires_in_days", "between 1 and 3650 days")),
    };
    let secret = svc.random_secret(CLIENT_SECRET_PREFIX);
    let app = App {
        id: svc.new_id(AppId::PREFIX),
        company_id: access.company.id.clone(),
        name: name.to_owned(),
        purpose: input.purpose.trim().to_owned(),
        owner_user_id: owner,
        created_by,
        permissions: perms,
        status: AppStatus::Active,
        expires_at,
        secret_hash: svc.key.hash_secret(&secret),
        secret_hint: secret_hint(&secret),
        prev_secret_hash: None,
        prev_secret_valid_until: None,
        credential_version: 1,
        revoked_at: None,
        deleted_at: None,
        last_used_at: None,
        use_count: 0,
        created_at: now,
        updated_at: now,
    };
    svc.write(async |w| {
        w.store().insert_app(&app).await?;
        w.log(
            access,
            Event::ok("app.created", "app", app.id.as_str())
                .reason(app.name.clone())
                .details(json!({"permissions": perms.to_scope_string(), "owner": app.owner_user_id, "expires_at": expires_at, "purpose": app.purpose})),
        )
        .await
    })
    .await?;
    Ok(AppWithSecret {
        app,
        client_secret: secret,
    })
}

/// Apps of the company (deleted ones when `deleted`), with pending last-used times merged in.
pub async fn list(svc: &Services, access: &Access, deleted: bool) -> Result<Vec<App>> {
    check_manage(access)?;
    let mut apps = svc.store.list_apps(&access.company.id, deleted).await?;
    for a in &mut apps {
        if let Some(p) = svc.usage.pending(&a.id) {
            a.last_used_at = Some(a.last_used_at.map_or(p, |l| l.max(p)));
        }
    }
    Ok(apps)
}

/// One app of the company.
pub async fn get(svc: &Services, access: &Access, id: &AppId) -> Result<App> {
    check_manage(access)?;
    let mut a = svc
        .store
        .app(id)
        .await?
        .filter(|a| a.company_id == access.company.id)
        .ok_or(Error::NotFound("app"))?;
    if let Some(p) = svc.usage.pending(&a.id) {
        a.last_used_at = Some(a.last_used_at.map_or(p, |l| l.max(p)));
    }
    Ok(a)
}

async fn save(
    svc: &Services,
    access: &Access,
    old: &App,
    new: App,
    action: &'static str,
) -> Result<App> {
    svc.write(async |w| {
        w.store().update_app(&new).await?;
        w.credentials_changed();
        w.log(
            access,
            Event::ok(action, "app", new.id.as_str())
                .reason(new.name.clone())
                .details(json!({"old_status": old.status.as_str(), "new_status": new.status.as_str(), "credential_version": new.credential_version})),
        )
        .await
    })
    .await?;
    Ok(new)
}

/// New secret (shown once). The old one stops at once, or after `overlap_secs` (≤ 24 h).
pub async fn rotate(
    svc: &Services,
    access: &Access,
    id: &AppId,
    overlap_secs: i64,
    totp: Option<&str>,
) -> Result<AppWithSecret> {
    let old = get(svc, access, id).await?;
    if !(0..=MAX_OVERLAP_SECS).contains(&overlap_secs) {
        return Err(Error::invalid("overlap", "between 0 and 24 hours"));
    }
    old.check(AppAction::Rotate)?;
    confirm(svc, access, totp, "rotate", &old).await?;
    let secret = svc.random_secret(CLIENT_SECRET_PREFIX);
    let new = old.rotate(
        svc.key.hash_secret(&secret),
        secret_hint(&secret),
        overlap_secs * 1000,
        svc.clock.now_ms(),
    )?;
    let app = save(svc, access, &old, new, "app.secret_rotated").await?;
    Ok(AppWithSecret {
        app,
        client_secret: secret,
    })
}

/// Stops the app: token exchange and every outstanding token fail at once.
pub async fn revoke(
    svc: &Services,
    access: &Access,
    id: &AppId,
    totp: Option<&str>,
) -> Result<App> {
    let old = get(svc, access, id).await?;
    old.check(AppAction::Revoke)?;
    confirm(svc, access, totp, "revoke", &old).await?;
    let new = old.revoke(svc.clock.now_ms())?;
    save(svc, access, &old, new, "app.revoked").await
}

/// Hides the app (restorable for 30 days); like revoke, its tokens die at once.
pub async fn delete(
    svc: &Services,
    access: &Access,
    id: &AppId,
    totp: Option<&str>,
) -> Result<App> {
    let old = get(svc, access, id).await?;
    old.check(AppAction::Delete)?;
    confirm(svc, access, totp, "delete", &old).await?;
    let new = old.delete(svc.clock.now_ms())?;
    save(svc, access, &old, new, "app.deleted").await
}

/// Brings a revoked or deleted app back with its current secret; tokens issued before stay
/// dead. It gives API access back, so a person confirms it with a TOTP code.
pub async fn restore(
    svc: &Services,
    access: &Access,
    id: &AppId,
    totp: Option<&str>,
) -> Result<App> {
    let old = get(svc, access, id).await?;
    old.check(AppAction::Restore)?;
    confirm(svc, access, totp, "restore", &old).await?;
    let new = old.restore(svc.clock.now_ms())?;
    save(svc, access, &old, new, "app.restored").await
}

/// Purges apps deleted more than 30 days ago.
pub async fn purge(svc: &Services) -> Result<u64> {
    let n = svc
        .store
        .purge_deleted_apps(svc.clock.now_ms() - RESTORE_WINDOW_MS)
        .await?;
    if n > 0 {
        // Caches (here and on other nodes) must not keep serving the purged rows.
        svc.auth_cache.invalidate(svc).await?;
    }
    Ok(n)
}
