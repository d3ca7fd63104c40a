//! The workspace web app: server-rendered pages (askama), sessions in secure cookies, CSRF
//! tokens on every form.

use crate::state::AppState;
use axum::Router;

/// Routes of the web app.
pub fn routes() -> Router<AppState> {
    Router::new()
}
