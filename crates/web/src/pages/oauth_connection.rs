//! The detail pages under Settings → App Connect → OAuth Connections: one connection (its
//! client's metadata, who approved what and when, what it may call, its recent activity, and
//! deletion with a second-factor code) and one OAuth app registered by this company (its
//! metadata, the connections made through it, its activity). The facts come from
//! `newledger_service::oauth::{connections, clients}::detail`; this module only shapes them.

use super::app_connect::{PermView, perms_of};
use super::session::{Ctx, Layout};
use super::view::{PageResult, no_store, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use newledger_domain::permission::{Permission, PermissionKind, PermissionSet};
use newledger_service::oauth::authorize;
use newledger_service::oauth::clients::{self, ClientDetail};
use newledger_service::oauth::connections::OAuthClientRecord as OAuthClient;
use newledger_service::oauth::connections::{self, ConnectionDetail, ConnectionView};
use newledger_service::views::ActivityRecord;

/// A row of a recent-activity table.
struct ActivityRow {
    at: String,
    actor: String,
    action: String,
    outcome: String,
    reason: String,
    ip: String,
}

fn activity_rows(ctx: &Ctx, rows: &[ActivityRecord]) -> Vec<ActivityRow> {
    rows.iter()
        .map(|r| ActivityRow {
            at: ctx.when.text(r.row.at),
            actor: r.row.actor_label.clone(),
            action: r.row.action.clone(),
            outcome: r.row.outcome.clone(),
            reason: r.row.reason.clone(),
            ip: r.row.ip.clone(),
        })
        .collect()
}

/// What both pages show of a client.
struct ClientFacts {
    name: String,
    domain: String,
    client_id: String,
    kind: &'static str,
    unverified: bool,
    redirect_uris: Vec<String>,
    client_uri: String,
    auth_method: String,
}

impl ClientFacts {
    fn of(c: &OAuthClient) -> Self {
        let kind = match c.kind.as_str() {
            "registered" => "Registered by this company (verified)",
            "dynamic" => "Dynamic registration (RFC 7591; not verified by NewLedger)",
            _ => "Client ID metadata document (not verified by NewLedger)",
        };
        Self {
            name: c.name.clone(),
            domain: c
                .metadata_url
                .as_deref()
                .or(c.client_uri.as_deref())
                .or(c.redirect_uris.first().map(String::as_str))
                .map(authorize::host_of)
                .unwrap_or_default(),
            client_id: c.public_id().to_owned(),
            kind,
            unverified: authorize::unverified(c),
            redirect_uris: c.redirect_uris.clone(),
            client_uri: c.client_uri.clone().unwrap_or_default(),
            auth_method: c.auth_method.clone(),
        }
    }
}

fn split(set: PermissionSet, kind: PermissionKind) -> Vec<PermView> {
    perms_of(set)
        .into_iter()
        .filter(|p| Permission::parse(p.name).is_ok_and(|x| x.kind() == kind))
        .collect()
}

#[derive(Template)]
#[template(path = "pages/oauth_connection.html")]
struct ConnectionPage {
    layout: Layout,
    client: Option<ClientFacts>,
    client_href: Option<String>,
    approved_by: String,
    created_at: String,
    last_used: String,
    idle: bool,
    read: Vec<PermView>,
    draft: Vec<PermView>,
    resources: Vec<String>,
    activity: Vec<ActivityRow>,
    delete_url: String,
}

impl ConnectionPage {
    fn new(ctx: &Ctx, d: ConnectionDetail) -> Self {
        let ConnectionView {
            connection: c,
            client,
            approved_by,
            resources,
            idle,
        } = d.view;
        let name = client.as_ref().map_or("A deleted app", |x| x.name.as_str());
        let registered = client
            .as_ref()
            .filter(|x| x.company_id.as_ref() == Some(&ctx.access.company.id));
        Self {
            layout: ctx.layout(name.to_owned(), "app-connect"),
            client_href: registered
                .map(|x| ctx.url(&format!("/settings/app-connect/oauth/apps/{}", x.id))),
            client: client.as_ref().map(ClientFacts::of),
            approved_by,
            created_at: ctx.when.text(c.created_at),
            last_used: never_or(ctx, c.last_used_at),
            idle,
            read: split(c.scope, PermissionKind::Read),
            draft: split(c.scope, PermissionKind::Draft),
            resources,
            activity: activity_rows(ctx, &d.activity),
            delete_url: ctx.url(&format!("/settings/app-connect/oauth/{}/delete", c.id)),
        }
    }
}

/// A connection made through an app, as a row of the app's page.
struct ConnectionRow {
    href: String,
    approved_by: String,
    created_at: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "pages/oauth_app.html")]
struct AppPage {
    layout: Layout,
    client: ClientFacts,
    confidential: bool,
    secret_hint: String,
    logo_uri: String,
    registered_by: String,
    created_at: String,
    last_used: String,
    connections: Vec<ConnectionRow>,
    activity: Vec<ActivityRow>,
    action_url: String,
}

impl AppPage {
    fn new(ctx: &Ctx, d: ClientDetail) -> Self {
        let c = &d.client;
        Self {
            layout: ctx.layout(c.name.clone(), "app-connect"),
            client: ClientFacts::of(c),
            confidential: c.secret_hash.is_some(),
            secret_hint: c.secret_hint.clone(),
            logo_uri: c.logo_uri.clone().unwrap_or_default(),
            registered_by: d.registered_by.clone(),
            created_at: ctx.when.text(c.created_at),
            last_used: never_or(ctx, c.last_used_at),
            connections: d
                .connections
                .iter()
                .map(|v| ConnectionRow {
                    href: ctx.url(&format!("/settings/app-connect/oauth/{}", v.connection.id)),
                    approved_by: v.approved_by.clone(),
                    created_at: ctx.when.text(v.connection.created_at),
                    last_used: never_or(ctx, v.connection.last_used_at),
                })
                .collect(),
            activity: activity_rows(ctx, &d.activity),
            action_url: ctx.url(&format!("/settings/app-connect/oauth/apps/{}", c.id)),
        }
    }
}

/// `GET /app/{company_id}/settings/app-connect/oauth/{connection_id}`.
pub async fn connection(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    let detail = connections::detail(&s.svc, &ctx.access, &id).await?;
    Ok(no_store(render(&ConnectionPage::new(&ctx, detail))))
}

/// `GET /app/{company_id}/settings/app-connect/oauth/apps/{client_id}`.
pub async fn app(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    let detail = clients::detail(&s.svc, &ctx.access, &id).await?;
    Ok(no_store(render(&AppPage::new(&ctx, detail))))
}

/// An instant in the company's time zone, or "never".
fn never_or(ctx: &Ctx, ms: Option<i64>) -> String {
    ms.map_or_else(|| "never".into(), |m| ctx.when.text(m))
}
