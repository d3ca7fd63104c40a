//! Invoices, bills and expenses in the web app: lists with filters, a page per document, the
//! draft form (new and edit), and the people-only actions (approve, discard, void, record a
//! payment). Every handler parses, calls the service (which checks the permission) and renders;
//! the buttons shown follow the same permissions.
//!
//! The three kinds share their handlers: each kind's routes carry the kind as a request
//! extension, so `/invoices/{id}/approve` and `/bills/{id}/approve` are two named routes of one
//! table with one handler.

mod actions;
mod detail;
mod form;
mod list;

use super::view::{PageError, path_id};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Extension, Router};
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::DocumentId;
use newledger_service::Error;

/// Every route of the documents area, for the three kinds.
pub fn routes() -> Router<AppState> {
    DocumentKind::ALL
        .into_iter()
        .fold(Router::new(), |r, kind| r.merge(kind_routes(kind)))
}

fn kind_routes(kind: DocumentKind) -> Router<AppState> {
    let base = format!("/app/{{company_id}}/{}", kind.info().segment);
    let one = format!("{base}/{{id}}");
    Router::new()
        .route(&base, get(list::page).post(form::create))
        .route(&format!("{base}/new"), get(form::new))
        .route(&one, get(detail::page))
        .route(&format!("{one}/edit"), get(form::edit).post(form::save))
        .route(&format!("{one}/approve"), post(actions::approve))
        .route(&format!("{one}/discard"), post(actions::discard))
        .route(&format!("{one}/void"), post(actions::void))
        .route(&format!("{one}/pay"), post(actions::pay))
        .layer(Extension(kind))
}

/// The URL segment, list title and title of a kind (from the domain's kind table).
pub fn kind_info(kind: DocumentKind) -> (&'static str, &'static str, &'static str) {
    let i = kind.info();
    (i.segment, i.plural, i.title)
}

/// The document a route names: its kind (from the route) and its id (from the path).
pub struct Doc {
    /// Invoice, bill or expense.
    pub kind: DocumentKind,
    /// Its id, of that kind.
    pub id: DocumentId,
}

impl Doc {
    /// "Invoice", "Bill", "Expense".
    pub fn noun(&self) -> &'static str {
        self.kind.info().title
    }

    /// The document's page, or one of its action URLs (`suffix` = `/void`).
    pub fn url(&self, ctx: &super::session::Ctx, suffix: &str) -> String {
        ctx.url(&format!(
            "/{}/{}{suffix}",
            self.kind.info().segment,
            self.id
        ))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Doc {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let kind = *parts
            .extensions
            .get::<DocumentKind>()
            .ok_or(PageError::Service(Error::NotFound("page")))?;
        // Another kind's id is not found.
        let id = path_id(parts, state, kind.as_str(), |id| {
            DocumentId::parse(id)
                .ok()
                .filter(|d| d.as_str().starts_with(kind.id_prefix()))
        })
        .await?;
        Ok(Doc { kind, id })
    }
}
