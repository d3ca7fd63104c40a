//! Settings → App Connect → OAuth Connections: the company's connections (app, who approved it
//! and when, permissions, what it may call, last use, an idle flag) and their deletion with a
//! fresh second-factor code, which stops the app's tokens at once on every node. The rules
//! live in `newledger_service::oauth::connections`. Below them, the OAuth apps this company
//! registered (*Register OAuth App*: public, or confidential with a secret shown once; secret
//! rotation; deletion), over `newledger_service::oauth::clients`.

use super::session::{Ctx, Layout};
use super::view::render_status;
use super::view::{PageForm, PageResult, capitalise, redirect_with_notice, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use newledger_service::Error;
use newledger_service::oauth::clients::{self, NewOAuthClient};
use newledger_service::oauth::{authorize, connections};

struct Row {
    id: String,
    client_name: String,
    client_domain: String,
    unverified: bool,
    approved_by: String,
    approved_at: super::when::Moment,
    permissions: Vec<&'static str>,
    resources: Vec<String>,
    last_used: super::when::MaybeMoment,
    idle: bool,
}

impl Row {
    fn of(ctx: &Ctx, v: &connections::ConnectionView) -> Self {
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
                    x.metadata_url
                        .as_deref()
                        .or(x.client_uri.as_deref())
                        .or(x.redirect_uris.first().map(String::as_str))
                })
                .map(authorize::host_of)
                .unwrap_or_default(),
            unverified: v.client.as_ref().is_some_and(authorize::unverified),
            approved_by: v.approved_by.clone(),
            approved_at: ctx.when.relative(c.created_at),
            permissions: c.scope.iter().map(|p| p.as_str()).collect(),
            resources: v.resources.clone(),
            last_used: ctx.when.relative_or(c.last_used_at, "never"),
            idle: v.idle,
        }
    }
}

struct AppRow {
    id: String,
    name: String,
    confidential: bool,
    secret_hint: String,
    redirect_uris: Vec<String>,
    created_at: super::when::Moment,
}

impl AppRow {
    fn of(ctx: &Ctx, c: connections::OAuthClientRecord) -> Self {
        AppRow {
            id: c.id.to_string(),
            name: c.name,
            confidential: c.secret_hash.is_some(),
            secret_hint: c.secret_hint,
            redirect_uris: c.redirect_uris,
            created_at: ctx.when.relative(c.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/oauth_connections.html")]
struct ConnectionsPage {
    layout: Layout,
    tab: &'static str,
    rows: Vec<Row>,
    apps: Vec<AppRow>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/oauth_app_secret.html")]
struct AppSecretPage {
    layout: Layout,
    app_name: String,
    client_id: String,
    client_secret: Option<String>,
    authorize_url: String,
    token_url: String,
    back: String,
}

/// `GET /app/{company_id}/settings/app-connect/oauth`.
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    page(&s, &ctx, None, axum::http::StatusCode::OK).await
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    status: axum::http::StatusCode,
) -> PageResult {
    let rows = connections::list(&s.svc, &ctx.access)
        .await?
        .iter()
        .map(|v| Row::of(ctx, v))
        .collect();
    let apps = clients::list(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .map(|c| AppRow::of(ctx, c))
        .collect();
    Ok(render_status(
        status,
        &ConnectionsPage {
            layout: ctx.layout("OAuth Connections", "app-connect"),
            tab: "oauth",
            rows,
            apps,
            error,
        },
    ))
}

/// `POST /app/{company_id}/settings/app-connect/oauth/apps`: Register OAuth App.
pub async fn register(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    match clients::register(&s.svc, &ctx.access, new_client(&form)).await {
        Ok(r) => Ok(secret_page(
            &s,
            &ctx,
            &r.client.name,
            r.client.id.as_str(),
            r.secret,
        )),
        Err(Error::Invalid { reason, .. }) => {
            page(
                &s,
                &ctx,
                Some(capitalise(&reason) + "."),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The *Register OAuth App* form as the service takes it (one redirect URI a line).
fn new_client(form: &PageForm) -> NewOAuthClient {
    NewOAuthClient {
        name: form.get("name").to_owned(),
        redirect_uris: form
            .get("redirect_uris")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        logo_uri: form.opt("logo_uri").map(str::to_owned),
        client_uri: form.opt("client_uri").map(str::to_owned),
        confidential: form.get("confidential") == "1",
    }
}

fn secret_page(
    s: &AppState,
    ctx: &Ctx,
    name: &str,
    id: &str,
    secret: Option<String>,
) -> axum::response::Response {
    let base = &s.config.base_url;
    super::view::no_store(render(&AppSecretPage {
        layout: ctx.layout("OAuth app", "app-connect"),
        app_name: name.to_owned(),
        client_id: id.to_owned(),
        client_secret: secret,
        authorize_url: format!("{base}/oauth/authorize"),
        token_url: format!("{base}/oauth/token"),
        back: ctx.url("/settings/app-connect/oauth"),
    }))
}

/// `POST /app/{company_id}/settings/app-connect/oauth/apps/{client_id}/rotate`: a new secret of
/// a confidential app, shown once.
pub async fn rotate_app(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    match clients::rotate_secret(&s.svc, &ctx.access, &id).await {
        Ok(secret) => {
            let c = clients::get(&s.svc, &ctx.access, &id).await?;
            Ok(secret_page(&s, &ctx, &c.name, c.id.as_str(), Some(secret)))
        }
        Err(e) => app_refused(&ctx, e),
    }
}

/// `POST /app/{company_id}/settings/app-connect/oauth/apps/{client_id}/delete`.
pub async fn delete_app(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    match clients::delete(&s.svc, &ctx.access, &id).await {
        Ok(()) => Ok(redirect_with_notice(
            &ctx.url("/settings/app-connect/oauth"),
            "The OAuth app is deleted: its connections' tokens stopped working.",
        )),
        Err(e) => app_refused(&ctx, e),
    }
}

/// Back to the tab saying why an action on an OAuth app was refused; other errors propagate.
fn app_refused(ctx: &Ctx, e: Error) -> PageResult {
    match e {
        Error::Conflict(m) => Ok(redirect_with_notice(
            &ctx.url("/settings/app-connect/oauth"),
            &(capitalise(&m) + "."),
        )),
        e => Err(e.into()),
    }
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
