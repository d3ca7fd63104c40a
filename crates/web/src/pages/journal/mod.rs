//! Journal entries in the web app: the list, a page per entry, the manual draft form (new and
//! edit), and posting, discarding and reversing. Posted entries are never edited; they are
//! reversed. Every handler parses, calls the service and renders.

mod actions;
mod entry;
mod form;
mod list;

use super::session::Ctx;
use super::view::{PageError, path_id};
use crate::state::AppState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use newledger_domain::ids::EntryId;

/// Every route of the journal area.
pub fn routes() -> Router<AppState> {
    let one = "/app/{company_id}/journal/{id}";
    Router::new()
        .route(
            "/app/{company_id}/journal",
            get(list::page).post(form::create),
        )
        .route("/app/{company_id}/journal/new", get(form::new))
        .route(one, get(entry::page))
        .route(&format!("{one}/edit"), get(form::edit).post(form::save))
        .route(&format!("{one}/post"), post(actions::post))
        .route(&format!("{one}/discard"), post(actions::discard))
        .route(&format!("{one}/reverse"), post(actions::reverse))
}

/// The journal entry a route names.
pub struct Entry(pub EntryId);

impl Entry {
    /// The entry's page, or one of its action URLs (`suffix` = `/post`).
    pub fn url(&self, ctx: &Ctx, suffix: &str) -> String {
        ctx.url(&format!("/journal/{}{suffix}", self.0))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Entry {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        path_id(parts, state, "journal entry", |id| EntryId::parse(id).ok())
            .await
            .map(Entry)
    }
}
