//! `GET /oauth/clients/{client_id}/logo`: a registered app's logo, as NewLedger re-encoded it
//! (see `newledger_service::oauth::logos`). Served as a PNG that no browser may sniff, frame or
//! script, from our own origin so the consent page loads nothing from the client.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_service::oauth::logos;

/// The logo, or 404 for clients without one (and every unverified client).
pub async fn logo(State(s): State<AppState>, Path(client_id): Path<String>) -> Response {
    match logos::get(&s.svc, &client_id).await {
        Ok(Some(png)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox",
                ),
            ],
            png,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no logo").into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}
