//! Settings → App Connect → OAuth Connections: the company's connections (app, who approved it
//! and when, permissions, what it may call, last use, an idle flag) and their deletion with a
//! fresh second-factor code, which stops the app's tokens at once on every node. The rules
//! live in `newledger_service::oauth::connections`.

use super::session::{Ctx, Layout};
use super::view::{
    PageForm, PageResult, capitalise, instant, instant_or, redirect_with_notice, render,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use newledger_service::Error;
use newledger_service::oauth::{authorize, connections};

struct Row {
    id: String,
    client_name: String,
    client_domain: String,
    unverified: bool,
    approved_by: String,
    approved_at: String,
    permissions: Vec<&'static str>,
    resources: Vec<String>,
    last_used: String,
    idle: bool,
}

#[derive(Template)]
#[template(path = "pages/oauth_connections.html")]
struct ConnectionsPage {
    layout: Layout,
    tab: &'static str,
    rows: Vec<Row>,
}

/// `GET /app/{company_id}/settings/app-connect/oauth`.
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let views = connections::list(&s.svc, &ctx.access).await?;
    let rows = views
        .into_iter()
        .map(|v| {
            let c = &v.connection;
            Row {
                id: c.id.to_string(),
                client_name: v
                    .client
                    .as_ref()
                    .map_or_else(|| "A deleted app".into(), |x| x.name.clone()),
                client_domain: v
                    .client
                    .as_ref()
                    .and_then(|x| {
                        x.client_uri
                            .as_deref()
                            .or(x.redirect_uris.first().map(String::as_str))
                    })
                    .map(authorize::host_of)
                    .unwrap_or_default(),
                unverified: v.client.as_ref().is_some_and(authorize::unverified),
                approved_by: v.approved_by.clone(),
                approved_at: instant(c.created_at),
                permissions: c.scope.iter().map(|p| p.as_str()).collect(),
                resources: v.resources.clone(),
                last_used: instant_or(c.last_used_at, "never"),
                idle: v.idle,
            }
        })
        .collect();
    Ok(render(&ConnectionsPage {
        layout: ctx.layout("OAuth Connections", "app-connect"),
        tab: "oauth",
        rows,
    }))
}

/// `POST /app/{company_id}/settings/app-connect/oauth/{connection_id}/delete`.
pub async fn delete(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let back = ctx.url("/settings/app-connect/oauth");
    match connections::delete(&s.svc, &ctx.access, &id, form.get("totp")).await {
        Ok(()) => Ok(redirect_with_notice(
            &back,
            "The connection is deleted: the app's access stopped at once. It must ask for consent again.",
        )),
        Err(Error::Invalid { reason, .. }) => Ok(redirect_with_notice(
            &back,
            &format!(
                "Not deleted: {}. Each code works once; use the next one.",
                reason
            ),
        )),
        Err(Error::Forbidden {
            reason,
            permission: None,
        }) => Ok(redirect_with_notice(&back, &(capitalise(&reason) + "."))),
        Err(e) => Err(e.into()),
    }
}
