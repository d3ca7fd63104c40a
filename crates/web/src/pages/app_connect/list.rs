//! The API Credentials tab: every app of the company (or the deleted ones) with its status,
//! expiry and last use.

use super::{PermView, perms_of};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use newledger_service::views;
use serde::Deserialize;

struct AppRow {
    href: String,
    id: String,
    created: crate::pages::when::Moment,
    name: String,
    owner: String,
    permissions: Vec<PermView>,
    status: &'static str,
    expiry: crate::pages::when::MaybeMoment,
    last_used: crate::pages::when::MaybeMoment,
}

#[derive(Template)]
#[template(path = "pages/app_connect.html")]
struct ListPage {
    layout: Layout,
    tab: &'static str,
    deleted: bool,
    rows: Vec<AppRow>,
}

/// Filter of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    show: String,
}

/// `GET /app/{company_id}/settings/app-connect`: the API Credentials tab.
pub async fn page(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult {
    let deleted = q.show == "deleted";
    let rows = views::apps::list(&s.svc, &ctx.access, deleted)
        .await?
        .into_iter()
        .map(|v| AppRow {
            href: ctx.url(&format!("/settings/app-connect/apps/{}", v.app.id)),
            id: v.app.id.to_string(),
            created: ctx.when.relative(v.app.created_at),
            owner: v.owner,
            permissions: perms_of(v.app.permissions),
            status: v.status,
            expiry: ctx.when.relative_or(v.app.expires_at, "No expiry"),
            last_used: ctx.when.relative_or(v.app.last_used_at, "Never"),
            name: v.app.name,
        })
        .collect();
    Ok(render(&ListPage {
        layout: ctx.layout("App Connect", "app-connect"),
        tab: "api",
        deleted,
        rows,
    }))
}
