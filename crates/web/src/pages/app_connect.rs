//! Settings → App Connect: the API Credentials tab (list with a Deleted filter, Create App,
//! the one-time secret page, detail with scope review, this app's activity, rotate, revoke,
//! delete and restore; the OAuth Connections and MCP Server tabs have their own modules).
//! Rotate, revoke, delete and restore ask for a TOTP code (the service verifies it). Create and rotate redirect to a reveal page that takes the
//! secret from a sealed, single-use, short-lived record of the session (`app_connect::reveal`):
//! reloading it or going Back shows "already shown" and creates nothing; the secret is never
//! in a URL, and those pages are `no-store`.

use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, capitalise, instant, instant_or, no_store,
    redirect_with_notice, render, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use newledger_domain::ids::AppId;
use newledger_domain::permission::{Permission, PermissionKind, PermissionSet};
use newledger_service::app_connect::apps::{self, AppWithSecret, NewApp};
use newledger_service::app_connect::reveal;
use newledger_service::views::apps::AppDetail;
use newledger_service::views::{self, AppStatus};
use newledger_service::{Error, company};
use serde::Deserialize;

/// A permission badge with its description.
pub struct PermView {
    /// Wire string.
    pub name: &'static str,
    /// Description.
    pub label: &'static str,
}

pub(super) fn perms_of(set: PermissionSet) -> Vec<PermView> {
    Permission::ALL
        .iter()
        .filter(|p| set.contains(**p))
        .map(|p| PermView {
            name: p.as_str(),
            label: p.label(),
        })
        .collect()
}

struct AppRow {
    href: String,
    id: String,
    created: String,
    name: String,
    owner: String,
    permissions: Vec<PermView>,
    status: &'static str,
    expiry: String,
    last_used: String,
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
pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult {
    let deleted = q.show == "deleted";
    let rows = views::apps::list(&s.svc, &ctx.access, deleted)
        .await?
        .into_iter()
        .map(|v| AppRow {
            href: ctx.url(&format!("/settings/app-connect/apps/{}", v.app.id)),
            id: v.app.id.to_string(),
            created: instant(v.app.created_at),
            owner: v.owner,
            permissions: perms_of(v.app.permissions),
            status: v.status,
            expiry: instant_or(v.app.expires_at, "No expiry"),
            last_used: instant_or(v.app.last_used_at, "Never"),
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

struct Check {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

struct OwnerOpt {
    email: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "pages/app_new.html")]
struct NewPage {
    layout: Layout,
    name: String,
    purpose: String,
    expires_in_days: String,
    owners: Vec<OwnerOpt>,
    read: Vec<Check>,
    draft: Vec<Check>,
    errors: Vec<String>,
}

async fn new_page(
    s: &AppState,
    ctx: &Ctx,
    form: Option<&PageForm>,
    errors: Vec<String>,
) -> Result<NewPage, Error> {
    let chosen: Vec<String> = form.map(|f| f.all("permissions")).unwrap_or_default();
    // Only what this person may delegate: delegable permissions they hold themselves.
    let checks = |kind| {
        Permission::ALL
            .iter()
            .filter(|p| p.kind() == kind && ctx.access.permissions.contains(**p))
            .filter(|p| **p != Permission::BankCategorize)
            .map(|p| Check {
                name: p.as_str(),
                label: p.label(),
                checked: chosen.iter().any(|c| c == p.as_str()),
            })
            .collect::<Vec<_>>()
    };
    let owner_email = form
        .and_then(|f| f.opt("owner_email").map(str::to_owned))
        .unwrap_or_else(|| ctx.signed.user.email.clone());
    let owners = company::members(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .map(|m| OwnerOpt {
            selected: m.email == owner_email,
            label: format!("{} ({}, {})", m.name, m.email, m.role.as_str()),
            email: m.email,
        })
        .collect();
    let get = |k: &str| form.map(|f| f.get(k).to_owned()).unwrap_or_default();
    Ok(NewPage {
        layout: ctx.layout("Create an API credential app", "app-connect"),
        name: get("name"),
        purpose: get("purpose"),
        expires_in_days: get("expires_in_days"),
        owners,
        read: checks(PermissionKind::Read),
        draft: checks(PermissionKind::Draft),
        errors,
    })
}

/// `GET /app/{company_id}/settings/app-connect/new`.
pub async fn new_form(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.access.require(Permission::AppConnectManage)?;
    Ok(render(&new_page(&s, &ctx, None, Vec::new()).await?))
}

/// What a developer needs for the first call: ids, URLs and copy-ready commands.
pub struct FirstCall {
    company_id: String,
    api_base: String,
    token_url: String,
    curl_token: String,
    curl_get: String,
    docs_href: &'static str,
    readme_href: &'static str,
}

/// Paths of a few reads, by the permission they need: the first the app holds is the example.
const EXAMPLE_READS: [(Permission, &str); 8] = [
    (Permission::CompanyRead, "/company"),
    (Permission::InvoicesRead, "/invoices?limit=5"),
    (Permission::BillsRead, "/bills?limit=5"),
    (Permission::ExpensesRead, "/expenses?limit=5"),
    (Permission::ContactsRead, "/contacts?limit=5"),
    (Permission::AccountsRead, "/accounts"),
    (Permission::JournalRead, "/journal-entries?limit=5"),
    (Permission::ReportsRead, "/reports/trial-balance"),
];

fn first_call(s: &AppState, ctx: &Ctx, client_id: &str, perms: PermissionSet) -> FirstCall {
    let base = s.config.base_url.trim_end_matches('/');
    let company_id = ctx.access.company.id.to_string();
    let api_base = format!("{base}/api/v1/companies/{company_id}");
    let token_url = format!("{base}/oauth/token");
    let path = EXAMPLE_READS
        .iter()
        .find(|(p, _)| perms.contains(*p))
        .map_or("/company", |(_, path)| path);
    FirstCall {
        curl_token: format!(
            "TOKEN=$(curl -s -u \"{client_id}:$NEWLEDGER_CLIENT_SECRET\" \\\n  -d grant_type=client_credentials {token_url} | jq -r .access_token)"
        ),
        curl_get: format!("curl -H \"Authorization: Bearer $TOKEN\" \\\n  \"{api_base}{path}\""),
        company_id,
        api_base,
        token_url,
        docs_href: "/api/v1/docs",
        readme_href: "/README.md",
    }
}

#[derive(Template)]
#[template(path = "pages/app_secret.html")]
struct SecretPage {
    layout: Layout,
    app_name: String,
    detail_href: String,
    client_id: String,
    /// `None` once the secret was shown (reload, Back, another tab).
    client_secret: Option<String>,
    rotated: bool,
    old_secret_note: String,
    first: FirstCall,
}

/// Leaves the new secret for its one reveal and redirects there (post/redirect/get).
async fn reveal_redirect(s: &AppState, ctx: &Ctx, a: &AppWithSecret, rotated: bool) -> PageResult {
    reveal::stash(&s.svc, &ctx.signed.session.id_hash, a, rotated).await?;
    Ok(
        Redirect::to(&ctx.url(&format!("/settings/app-connect/apps/{}/secret", a.app.id)))
            .into_response(),
    )
}

/// `GET /app/{company_id}/settings/app-connect/apps/{app_id}/secret`: shows the secret left
/// by create or rotate exactly once; afterwards it says the secret was already shown.
pub async fn reveal_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id, what)): Path<(String, String, String)>,
) -> PageResult {
    if what != "secret" {
        return Err(PageError::Service(Error::NotFound("page")));
    }
    let id = parse_app_id(&id)?;
    let app = apps::get(&s.svc, &ctx.access, &id).await?;
    let taken = reveal::take(&s.svc, &ctx.signed.session.id_hash, id.as_str()).await?;
    let rotated = taken.as_ref().is_some_and(|t| t.rotated);
    let now = s.svc.clock.now_ms();
    let old_secret_note = match app.prev_secret_valid_until.filter(|u| *u > now) {
        Some(u) => format!(
            "The previous secret keeps working until {}, then stops.",
            instant(u)
        ),
        None => "The previous secret stopped working, and so did the tokens issued with it.".into(),
    };
    Ok(no_store(render(&SecretPage {
        layout: ctx.layout(format!("Credentials for {}", app.name), "app-connect"),
        detail_href: ctx.url(&format!("/settings/app-connect/apps/{}", app.id)),
        first: first_call(&s, &ctx, app.id.as_str(), app.permissions),
        app_name: app.name,
        client_id: app.id.to_string(),
        client_secret: taken.map(|t| t.client_secret),
        rotated,
        old_secret_note,
    })))
}

/// `POST /app/{company_id}/settings/app-connect/apps`: creates, then redirects to the one-time
/// reveal of the secret.
pub async fn create(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(Permission::AppConnectManage)?;
    let days = match form.opt("expires_in_days") {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let page = new_page(&s, &ctx, Some(&form), vec!["Expires in: enter a whole number of days, or leave it empty for no expiry.".into()]).await?;
                return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
        },
    };
    let input = NewApp {
        name: form.get("name").to_owned(),
        purpose: form.get("purpose").to_owned(),
        owner_email: form.opt("owner_email").map(str::to_owned),
        expires_in_days: days,
        permissions: form.all("permissions"),
    };
    match apps::create(&s.svc, &ctx.access, input).await {
        Ok(a) => reveal_redirect(&s, &ctx, &a, false).await,
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {}", field_name(&field), reason);
            let page = new_page(&s, &ctx, Some(&form), vec![msg]).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

fn field_name(field: &str) -> String {
    match field {
        "owner_email" => "Owner".into(),
        "expires_in_days" => "Expires in".into(),
        "totp" => "Authenticator code".into(),
        f => capitalise(&f.replace('_', " ")),
    }
}

struct ActivityRow {
    at: String,
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
    created_at: String,
    status: &'static str,
    expiry: String,
    last_used: String,
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

fn parse_app_id(id: &str) -> Result<AppId, PageError> {
    AppId::parse(id).map_err(|_| PageError::Service(Error::NotFound("app")))
}

async fn detail_view(
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
        created_at: instant(a.created_at),
        status: detail.view.status,
        expiry: instant_or(a.expires_at, "No expiry"),
        last_used: instant_or(a.last_used_at, "Never"),
        use_count: a.use_count,
        secret_hint: a.secret_hint.clone(),
        overlap_until: detail.overlap_until.map(instant),
        read: split(PermissionKind::Read),
        draft: split(PermissionKind::Draft),
        owner_note,
        activity: detail
            .activity
            .iter()
            .cloned()
            .map(|r| ActivityRow {
                at: instant(r.row.at),
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
        first: first_call(s, ctx, a.id.as_str(), a.permissions),
    }
}

/// `GET /app/{company_id}/settings/app-connect/apps/{app_id}`.
pub async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    let id = parse_app_id(&id)?;
    detail_view(&s, &ctx, &id, None, StatusCode::OK).await
}

/// `POST /app/{company_id}/settings/app-connect/apps/{app_id}/{rotate|revoke|delete|restore}`.
pub async fn action(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id, action)): Path<(String, String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let id = parse_app_id(&id)?;
    let totp = form.opt("totp");
    let detail = ctx.url(&format!("/settings/app-connect/apps/{id}"));
    let result = match action.as_str() {
        "rotate" => {
            let overlap: i64 = match form.get("overlap") {
                "" | "0" => 0,
                v => v.parse().unwrap_or(-1),
            };
            match apps::rotate(&s.svc, &ctx.access, &id, overlap, totp).await {
                Ok(a) => return reveal_redirect(&s, &ctx, &a, true).await,
                Err(e) => Err(e),
            }
        }
        "revoke" => apps::revoke(&s.svc, &ctx.access, &id, totp)
            .await
            .map(|a| format!("{} is revoked: its tokens are refused from now on.", a.name)),
        "delete" => apps::delete(&s.svc, &ctx.access, &id, totp).await.map(|a| {
            format!(
                "{} is deleted. You can restore it from the Deleted list for 30 days.",
                a.name
            )
        }),
        "restore" => apps::restore(&s.svc, &ctx.access, &id, totp).await.map(|a| {
            format!(
                "{} is active again with its current secret; tokens issued before stay invalid.",
                a.name
            )
        }),
        _ => return Err(PageError::Service(Error::NotFound("action"))),
    };
    match result {
        Ok(notice) => Ok(redirect_with_notice(&detail, &notice)),
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {}.", field_name(&field), reason);
            detail_view(&s, &ctx, &id, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Error::Conflict(m)) => {
            detail_view(
                &s,
                &ctx,
                &id,
                Some(capitalise(&m) + "."),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
