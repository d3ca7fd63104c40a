//! OAuth connections of a company, for App Connect: who approved which app, with what, and
//! deletion (second factor), which kills the connection's refresh and access tokens at once on
//! every node. Drafts the connection made stay for review.

use super::IDLE_CONNECTION_MS;
use crate::activity::Event;
use crate::people::totp;
use crate::{Access, Error, Result, Services};
use newledger_domain::ids::ConnectionId;
use newledger_domain::permission::Permission;
pub use newledger_store::{ConnectionRecord, OAuthClientRecord};

/// A connection with what a list shows about it.
#[derive(Clone, Debug)]
pub struct ConnectionView {
    /// The connection.
    pub connection: ConnectionRecord,
    /// Its client (None once purged).
    pub client: Option<OAuthClientRecord>,
    /// The approving person's e-mail.
    pub approved_by: String,
    /// Resource URLs its tokens may call.
    pub resources: Vec<String>,
    /// Unused for 30 days.
    pub idle: bool,
}

async fn view(svc: &Services, c: ConnectionRecord) -> Result<ConnectionView> {
    let client = svc.store.oauth_client(&c.client_id).await?;
    let approved_by = svc
        .store
        .user_by_id(&c.user_id)
        .await?
        .map_or_else(|| "a former member".to_owned(), |u| u.email);
    let now = svc.clock.now_ms();
    Ok(ConnectionView {
        resources: c.surfaces.resources(&svc.settings.base_url, &c.company_id),
        idle: now - c.last_used_at.unwrap_or(c.created_at) > IDLE_CONNECTION_MS,
        client,
        approved_by,
        connection: c,
    })
}

/// Active connections of the company.
pub async fn list(svc: &Services, access: &Access) -> Result<Vec<ConnectionView>> {
    access.require(Permission::AppConnectManage)?;
    let mut out = Vec::new();
    for c in svc.store.list_connections(&access.company.id).await? {
        out.push(view(svc, c).await?);
    }
    Ok(out)
}

/// One connection of the company.
pub async fn get(svc: &Services, access: &Access, id: &str) -> Result<ConnectionView> {
    access.require(Permission::AppConnectManage)?;
    let id = ConnectionId::parse(id).map_err(|_| Error::NotFound("connection"))?;
    let c = svc
        .store
        .connection(&id)
        .await?
        .filter(|c| c.company_id == access.company.id && c.active)
        .ok_or(Error::NotFound("connection"))?;
    view(svc, c).await
}

/// A connection's page: what the list shows, and its recent activity.
#[derive(Clone, Debug)]
pub struct ConnectionDetail {
    /// The connection with its client, approver and resources.
    pub view: ConnectionView,
    /// What it did (tool calls, drafts, token refreshes) and what was done to it, newest first.
    pub activity: Vec<newledger_store::ActivityRecord>,
}

/// One connection of the company with its activity (people who manage App Connect).
pub async fn detail(svc: &Services, access: &Access, id: &str) -> Result<ConnectionDetail> {
    let view = get(svc, access, id).await?;
    let activity =
        crate::views::activity::of_principal(svc, access, view.connection.id.as_str()).await?;
    Ok(ConnectionDetail { view, activity })
}

/// Deletes a connection after a fresh second-factor code: its tokens stop at once, here and
/// on every other node; the client must ask for consent again.
pub async fn delete(svc: &Services, access: &Access, id: &str, code: &str) -> Result<()> {
    let v = get(svc, access, id).await?;
    let user = svc
        .store
        .user_by_id(access.person()?)
        .await?
        .ok_or(Error::NotFound("person"))?;
    if code.contains('-') {
        totp::use_recovery_code(svc, &user, code.trim()).await?;
    } else {
        totp::verify(svc, &user, code.trim()).await?;
    }
    let now = svc.clock.now_ms();
    let mut c = v.connection;
    c.active = false;
    c.credential_version += 1;
    c.deleted_at = Some(now);
    c.updated_at = now;
    // The connection, its refresh tokens and the log row: one unit of work.
    svc.write(async |w| {
        w.store().update_connection(&c).await?;
        w.store()
            .revoke_connection_refresh_tokens(&c.id, now)
            .await?;
        w.credentials_changed();
        w.log(
            access,
            Event::ok("oauth.connection_deleted", "connection", c.id.as_str()).details(
                serde_json::json!({"client_name": v.client.map(|x| x.name), "approved_by": v.approved_by}),
            ),
        )
        .await
    })
    .await
}

/// The label of a connection as an author: "Claude (approved by ann@example.com)".
pub async fn author_label(svc: &Services, id: &ConnectionId) -> Result<String> {
    let Some(c) = svc.store.connection(id).await? else {
        return Ok(format!("OAuth connection {id} (deleted)"));
    };
    let client = svc
        .store
        .oauth_client(&c.client_id)
        .await?
        .map_or_else(|| "an OAuth app".to_owned(), |x| x.name);
    let person = svc
        .store
        .user_by_id(&c.user_id)
        .await?
        .map_or_else(|| "a former member".to_owned(), |u| u.name);
    Ok(format!("{client} (connected by {person})"))
}
