//! One app: scope review (with what its owner's role no longer allows), secret hint, expiry,
//! use, this app's activity, and the rotate/revoke/delete/restore forms.

use super::secret::{self, FirstCall};
use super::{App, PermView, perms_of};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, no_store, render_status};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_domain::app::AppStatus;
use newledger_domain::ids::AppId;
use newledger_domain::permission::{Permission, PermissionKind};
use newledger_service::views;
use newledger_service::views::apps::AppDetail;

struct ActivityRow {
    at: crate::pages::when::Moment,
    actor: String,
    action: String,
    outcome: String,
    reason: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "pages/app_detail.html")]
struct DetailPage {
    layout: Layout,
    action_url: String,
    id: String,
    name: String,
    purpose: String,
    owner: String,
    created_by: String,
    created_at: crate::pages::when::Moment,
    status: &'static str,
    expiry: crate::pages::when::MaybeMoment,
    last_used: crate::pages::when::MaybeMoment,
    use_count: i64,
    secret_hint: String,
    overlap_until: Option<String>,
    read: Vec<PermView>,
    draft: Vec<PermView>,
    owner_note: Option<String>,
    activity: Vec<ActivityRow>,
    is_active: bool,
    is_deleted: bool,
    error: Option<String>,
    first: FirstCall,
}

/// The app's page, with `error` said at the top.
pub async fn view(
    s: &AppState,
    ctx: &Ctx,
    id: &AppId,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let detail = views::apps::detail(&s.svc, &ctx.access, id).await?;
    let page = detail_page(s, ctx, detail, error);
    Ok(no_store(render_status(status, &page)))
}

fn detail_page(s: &AppState, ctx: &Ctx, detail: AppDetail, error: Option<String>) -> DetailPage {
    let lost: Vec<&str> = detail.view.lost().iter().map(|p| p.as_str()).collect();
    let owner_note = (!lost.is_empty()).then(|| {
        format!(
            "The owner's role no longer includes {}, so the app cannot use {} until that changes.",
            lost.join(", "),
            if lost.len() == 1 { "it" } else { "them" }
        )
    });
    let a = &detail.view.app;
    let split = |k| {
        perms_of(a.permissions)
            .into_iter()
            .filter(|p| Permission::parse(p.name).is_ok_and(|x| x.kind() == k))
            .collect::<Vec<_>>()
    };
    DetailPage {
        layout: ctx.layout(a.name.clone(), "app-connect"),
        action_url: ctx.url(&format!("/settings/app-connect/apps/{}", a.id)),
        id: a.id.to_string(),
        name: a.name.clone(),
        purpose: a.purpose.clone(),
        owner: detail.view.owner.clone(),
        created_by: detail.created_by.clone(),
        created_at: ctx.when.relative(a.created_at),
        status: detail.view.status,
        expiry: ctx.when.relative_or(a.expires_at, "No expiry"),
        last_used: ctx.when.relative_or(a.last_used_at, "Never"),
        use_count: a.use_count,
        secret_hint: a.secret_hint.clone(),
        overlap_until: detail.overlap_until.map(|u| ctx.when.text(u)),
        read: split(PermissionKind::Read),
        draft: split(PermissionKind::Draft),
        owner_note,
        activity: detail
            .activity
            .iter()
            .cloned()
            .map(|r| ActivityRow {
                at: ctx.when.exact(r.row.at),
                actor: r.row.actor_label,
                action: r.row.action,
                outcome: r.row.outcome,
                reason: r.row.reason,
                ip: r.row.ip,
            })
            .collect(),
        is_active: a.status == AppStatus::Active,
        is_deleted: a.status == AppStatus::Deleted,
        error,
        first: secret::first_call(s, ctx, a.id.as_str(), a.permissions),
    }
}

/// `GET /app/{company_id}/settings/app-connect/apps/{app_id}`.
pub async fn page(State(s): State<AppState>, ctx: Ctx, App(id): App) -> PageResult {
    view(&s, &ctx, &id, None, StatusCode::OK).await
}
