//! API credential apps as Settings → App Connect shows them: the owner by name, the status a
//! person should see (an active app past its expiry is expired), and what the app can really
//! use today — its delegated permissions capped by its owner's current role.

use crate::app_connect::apps;
use crate::{Access, Result, Services, company};
use newledger_domain::app::App;
use newledger_domain::ids::AppId;
use newledger_domain::permission::{Permission, PermissionSet};
use newledger_store::{ActivityRecord, MemberRecord};
use std::collections::HashMap;

/// An app with what its list row shows.
#[derive(Clone, Debug)]
pub struct AppView {
    /// The app (last use includes uses not yet flushed).
    pub app: App,
    /// `Name (e-mail)` of its owner, or `a former member`.
    pub owner: String,
    /// `active`, `expired`, `revoked` or `deleted`.
    pub status: &'static str,
    /// Delegated permissions the owner's current role still allows: what its tokens can use.
    pub effective: PermissionSet,
}

impl AppView {
    /// Delegated permissions the owner's role no longer allows (the app cannot use them).
    pub fn lost(&self) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| self.app.permissions.contains(*p) && !self.effective.contains(*p))
            .collect()
    }
}

struct Members(HashMap<String, MemberRecord>);

impl Members {
    async fn of(svc: &Services, access: &Access) -> Result<Self> {
        Ok(Self(
            company::members(svc, access)
                .await?
                .into_iter()
                .map(|m| (m.user_id.to_string(), m))
                .collect(),
        ))
    }

    fn label(&self, user: &str) -> String {
        self.0.get(user).map_or_else(
            || "a former member".to_owned(),
            |m| format!("{} ({})", m.name, m.email),
        )
    }

    fn view(&self, app: App, now: i64) -> AppView {
        let held = self
            .0
            .get(app.owner_user_id.as_str())
            .map_or(PermissionSet::EMPTY, |m| m.role.permissions());
        AppView {
            owner: self.label(app.owner_user_id.as_str()),
            status: app.standing(now).as_str(),
            effective: app.effective_permissions(held),
            app,
        }
    }
}

/// The company's apps (the deleted ones when `deleted`), for people who manage App Connect.
pub async fn list(svc: &Services, access: &Access, deleted: bool) -> Result<Vec<AppView>> {
    let list = apps::list(svc, access, deleted).await?;
    let members = Members::of(svc, access).await?;
    let now = svc.clock.now_ms();
    Ok(list.into_iter().map(|a| members.view(a, now)).collect())
}

/// An app's page.
#[derive(Clone, Debug)]
pub struct AppDetail {
    /// The app with its owner, status and effective permissions.
    pub view: AppView,
    /// Who created it, `Name (e-mail)` or `a former member`.
    pub created_by: String,
    /// Until when the previous secret still works after a rotation with overlap.
    pub overlap_until: Option<i64>,
    /// Its requests and what people did to it, newest first.
    pub activity: Vec<ActivityRecord>,
}

/// One app of the company with its activity, for people who manage App Connect.
pub async fn detail(svc: &Services, access: &Access, id: &AppId) -> Result<AppDetail> {
    let app = apps::get(svc, access, id).await?;
    let members = Members::of(svc, access).await?;
    let activity = super::activity::of_app(svc, access, &app.id).await?;
    let now = svc.clock.now_ms();
    Ok(AppDetail {
        created_by: members.label(app.created_by.as_str()),
        overlap_until: app.overlap_until(now),
        activity,
        view: members.view(app, now),
    })
}
