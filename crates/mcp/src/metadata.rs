//! `GET /.well-known/oauth-protected-resource/mcp/{company_id}` (RFC 9728): where an MCP client
//! that holds nothing but the MCP URL (or the 401 challenge pointing here) learns which
//! authorization server to use and which scopes to ask for.

use crate::Shared;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_domain::ids::CompanyId;
use newledger_service::app_connect::tokens::Audience;
use serde_json::json;
use std::sync::Arc;

/// The protected resource metadata of one company's MCP server.
pub(crate) async fn protected_resource(
    State(sh): State<Arc<Shared>>,
    Path(company): Path<String>,
) -> Response {
    let Ok(id) = CompanyId::parse(&company) else {
        return (StatusCode::NOT_FOUND, "no such MCP server").into_response();
    };
    let company = match sh.svc.auth_cache.company(&sh.svc, &id).await {
        Ok(Some(c)) => c,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such MCP server").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "protected resource metadata");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut r = Json(document(&sh.config.base_url, &id, &company.name)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    // Public by design; browser-based MCP clients read it from another origin.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

/// The metadata of the MCP server of company `id`, named `name`.
fn document(base: &str, id: &CompanyId, name: &str) -> serde_json::Value {
    let scopes: Vec<&str> = crate::tools::scopes().iter().map(|p| p.as_str()).collect();
    json!({
        "resource": Audience::Mcp.resource(base, id),
        "authorization_servers": [base],
        "scopes_supported": scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": name,
        "resource_documentation": format!("{base}/README.md"),
    })
}

/// Where the metadata of `company`'s MCP server is.
pub(crate) fn url(base_url: &str, company: &CompanyId) -> String {
    format!("{base_url}/.well-known/oauth-protected-resource/mcp/{company}")
}

/// 404 for a path under `/mcp/` that is no company's MCP URL, as a problem document (RFC 9457)
/// saying what the URL looks like, so that a person who pasted a wrong one can fix it.
pub(crate) async fn not_an_mcp_url(State(sh): State<Arc<Shared>>) -> Response {
    let base = &sh.config.base_url;
    let mut r = (
        StatusCode::NOT_FOUND,
        Json(json!({
            "type": "urn:newledger:problem:not-found",
            "title": "No MCP server here",
            "status": 404,
            "detail": format!(
                "A company's MCP URL is {base}/mcp/{{company_id}} (Settings → App Connect → MCP Server shows it, with a copy button)."
            ),
        })),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}
