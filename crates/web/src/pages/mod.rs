//! The workspace web app: server-rendered pages (askama templates in `templates/`), sessions
//! in secure cookies, a CSRF token on every state-changing form, strict security headers on
//! every response of this module, and permission checks on the server for every page (the
//! navigation only hides what the handlers refuse anyway).

mod accounts;
mod activity;
mod app_connect;
mod assets;
mod charts;
mod confirm;
mod consent;
mod contacts;
mod csv;
mod dashboard;
mod documents;
mod drafts;
mod integrations;
mod invite;
mod journal;
mod ledger;
mod lists;
mod mcp_server;
mod members;
mod my_sessions;
mod oauth_connection;
mod oauth_connections;
mod recovery;
mod reports;
pub mod session;
mod settings;
mod signin;
pub mod view;
mod when;

use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};

/// The Content-Security-Policy of every page: nothing from elsewhere, no inline script.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// Routes of the web app.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(signin::root))
        .route(
            "/signin",
            get(signin::signin_page).post(signin::signin_submit),
        )
        .route(
            "/signin/code",
            get(signin::code_page).post(signin::code_submit),
        )
        .route(
            "/signin/enrol",
            get(signin::enrol_page).post(signin::enrol_submit),
        )
        .route(
            "/signin/forgot",
            get(recovery::forgot_page).post(recovery::forgot_submit),
        )
        .route(
            "/signin/reset/{token}",
            get(recovery::reset_page).post(recovery::reset_submit),
        )
        .route(
            "/invite/{token}",
            get(invite::invite_page).post(invite::invite_submit),
        )
        .route(
            "/signout",
            get(signin::signout_page).post(signin::signout_submit),
        )
        .route("/app", get(signin::app_home))
        .route(
            "/oauth/authorize",
            get(consent::authorize_page).post(consent::consent_submit),
        )
        .route("/assets/{name}", get(assets::asset))
        .route("/README.md", get(assets::readme))
        .route("/app/{company_id}", get(dashboard::dashboard))
        .route("/app/{company_id}/drafts", get(drafts::drafts))
        .route(
            "/app/{company_id}/contacts",
            get(contacts::list).post(contacts::create),
        )
        .route("/app/{company_id}/contacts/new", get(contacts::new_form))
        .route("/app/{company_id}/contacts/{id}", get(contacts::detail))
        .route(
            "/app/{company_id}/contacts/{id}/delete",
            post(contacts::delete),
        )
        .route(
            "/app/{company_id}/contacts/{id}/edit",
            get(contacts::edit_form).post(contacts::save),
        )
        .route("/app/{company_id}/accounts", get(contacts::accounts_list))
        .route("/app/{company_id}/accounts/{id}", get(accounts::detail))
        .route(
            "/app/{company_id}/general-ledger.csv",
            get(accounts::ledger_csv),
        )
        .route("/app/{company_id}/reports", get(reports::index))
        .route(
            "/app/{company_id}/general-ledger",
            get(ledger::general_ledger),
        )
        .route("/app/{company_id}/reports/{name}", get(reports::report))
        .route(
            "/app/{company_id}/settings/app-connect/oauth",
            get(oauth_connections::list),
        )
        .route(
            "/app/{company_id}/settings/app-connect/oauth/{connection_id}",
            get(oauth_connection::connection),
        )
        .route(
            "/app/{company_id}/settings/app-connect/oauth/apps/{client_id}",
            get(oauth_connection::app),
        )
        .route(
            "/app/{company_id}/settings/app-connect/oauth/{connection_id}/delete",
            post(oauth_connections::delete),
        )
        .route(
            "/app/{company_id}/settings/app-connect/oauth/apps",
            post(oauth_connections::register),
        )
        .route(
            "/app/{company_id}/settings/app-connect/oauth/apps/{client_id}/rotate",
            post(oauth_connections::rotate_app),
        )
        .route(
            "/app/{company_id}/settings/app-connect/oauth/apps/{client_id}/delete",
            post(oauth_connections::delete_app),
        )
        .route(
            "/app/{company_id}/settings/app-connect/mcp",
            get(mcp_server::tab),
        )
        .route(
            "/app/{company_id}/settings/company",
            get(settings::show).post(settings::save),
        )
        .route(
            "/app/{company_id}/account/sessions",
            get(my_sessions::list).post(my_sessions::sign_out),
        )
        .route(
            "/app/{company_id}/account/password",
            post(my_sessions::change_password),
        )
        .route(
            "/app/{company_id}/settings/integrations",
            get(integrations::index),
        )
        .route(
            "/app/{company_id}/settings/integrations/{guide}",
            get(integrations::guide),
        )
        .route("/app/{company_id}/activity", get(activity::page))
        .route("/app/{company_id}/activity.csv", get(activity::csv))
        .merge(documents::routes())
        .merge(app_connect::routes())
        .merge(journal::routes())
        .merge(members::routes())
        .fallback(view::not_found)
        .layer(axum::middleware::from_fn(security_headers))
}

/// Adds the security headers to every page response, and clears a notice cookie once shown.
async fn security_headers(req: Request, next: Next) -> Response {
    let had_notice = session::cookie(req.headers(), view::NOTICE_COOKIE).is_some();
    let mut r = next.run(req).await;
    let shown = r.status().is_success();
    let h = r.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        // A page may widen `form-action` for itself (the consent page sends the person back to
        // the client); everything else is the same.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show the books: keep them out of shared and back-button caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if had_notice && shown {
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("nl_notice=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    r
}
