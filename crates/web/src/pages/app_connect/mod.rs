//! Settings → App Connect: the API Credentials tab (list with a Deleted filter, Create App,
//! the one-time secret page, detail with scope review, this app's activity, rotate, revoke,
//! delete and restore; the OAuth Connections and MCP Server tabs have their own modules).
//! Rotate, revoke, delete and restore ask for a TOTP code (the service verifies it). Create and rotate redirect to a reveal page that takes the
//! secret from a sealed, single-use, short-lived record of the session (`app_connect::reveal`):
//! reloading it or going Back shows "already shown" and creates nothing; the secret is never
//! in a URL, and those pages are `no-store`.

mod actions;
mod create;
mod detail;
mod list;
mod secret;

use crate::pages::view::{PageError, capitalise, path_id};
use crate::state::AppState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use newledger_domain::ids::AppId;
use newledger_domain::permission::{Permission, PermissionSet};

/// Every route of the API Credentials tab.
pub fn routes() -> Router<AppState> {
    let base = "/app/{company_id}/settings/app-connect";
    let one = format!("{base}/apps/{{app_id}}");
    Router::new()
        .route(base, get(list::page))
        .route(&format!("{base}/new"), get(create::form))
        .route(&format!("{base}/apps"), post(create::create))
        .route(&one, get(detail::page))
        .route(&format!("{one}/secret"), get(secret::page))
        .route(&format!("{one}/rotate"), post(actions::rotate))
        .route(&format!("{one}/revoke"), post(actions::revoke))
        .route(&format!("{one}/delete"), post(actions::delete))
        .route(&format!("{one}/restore"), post(actions::restore))
}

/// The app a route names.
pub struct App(pub AppId);

impl<S: Send + Sync> FromRequestParts<S> for App {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        path_id(parts, state, "app", |id| AppId::parse(id).ok())
            .await
            .map(App)
    }
}

/// A permission badge with its description.
pub struct PermView {
    /// Wire string.
    pub name: &'static str,
    /// Description.
    pub label: &'static str,
}

pub fn perms_of(set: PermissionSet) -> Vec<PermView> {
    Permission::ALL
        .iter()
        .filter(|p| set.contains(**p))
        .map(|p| PermView {
            name: p.as_str(),
            label: p.label(),
        })
        .collect()
}

/// A field's name as the forms label it.
pub fn field_name(field: &str) -> String {
    match field {
        "owner_email" => "Owner".into(),
        "expires_in_days" => "Expires in".into(),
        "totp" => "Authenticator code".into(),
        f => capitalise(&f.replace('_', " ")),
    }
}
