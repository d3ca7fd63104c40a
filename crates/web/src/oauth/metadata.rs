//! `GET /.well-known/oauth-authorization-server` (RFC 8414): what a client that knows only our
//! base URL needs to find every endpoint. The issuer is the configured base URL, exactly.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use newledger_domain::permission::PermissionSet;
use serde_json::json;

/// The metadata document.
pub async fn metadata(State(s): State<AppState>) -> Response {
    let mut r = Json(document(&s.config.base_url)).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// What the server supports, with every endpoint under `base`.
fn document(base: &str) -> serde_json::Value {
    let scopes: Vec<&str> = PermissionSet::delegable()
        .iter()
        .map(|p| p.as_str())
        .collect();
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "registration_endpoint": format!("{base}/oauth/register"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
        "service_documentation": format!("{base}/api/v1/docs"),
    })
}
