//! `POST /oauth/register`: dynamic client registration (RFC 7591), unauthenticated, limited per
//! address and in size; the rules live in `newledger_service::oauth::clients`.

use crate::error::OAuthError;
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_service::oauth::clients::{self, ClientMetadata};
use serde_json::json;

/// Largest registration request.
pub const MAX_REGISTRATION_BODY: usize = 16 * 1024;

/// The registration endpoint.
pub async fn register(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    match run(&s, &ip, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn run(
    s: &AppState,
    ip: &str,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Response, OAuthError> {
    let v = s.limits.register_ip.check(ip);
    if !v.allowed {
        return Err(OAuthError {
            status: StatusCode::TOO_MANY_REQUESTS,
            error: "invalid_request",
            description: format!(
                "too many registrations from this address; retry after {} s",
                v.reset_secs
            ),
            retry_after: Some(v.reset_secs),
        });
    }
    let m = read_metadata(headers, body).await?;
    let r = clients::register_dynamic(&s.svc, m, ip).await?;
    let mut resp = (StatusCode::CREATED, axum::Json(registered(&r))).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The client metadata of the request: JSON of at most [`MAX_REGISTRATION_BODY`] bytes.
async fn read_metadata(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<ClientMetadata, OAuthError> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !json_type {
        return Err(OAuthError::bad(
            "invalid_client_metadata",
            "send the client metadata as application/json",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_REGISTRATION_BODY)
        .await
        .map_err(|_| OAuthError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_client_metadata",
            description: format!("the metadata is larger than {MAX_REGISTRATION_BODY} bytes"),
            retry_after: None,
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        OAuthError::bad(
            "invalid_client_metadata",
            format!("the metadata is not valid JSON of the expected shape: {e}"),
        )
    })
}

/// The registration response (RFC 7591 §3.2.1): the client as registered.
fn registered(r: &clients::Registered) -> serde_json::Value {
    let c = &r.client;
    let mut body = json!({
        "client_id": c.id,
        "client_id_issued_at": c.created_at / 1000,
        "client_name": c.name,
        "redirect_uris": c.redirect_uris,
        "token_endpoint_auth_method": c.auth_method,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(obj) = body.as_object_mut() {
        if let Some(sec) = &r.secret {
            obj.insert("client_secret".into(), json!(sec));
            obj.insert("client_secret_expires_at".into(), json!(0));
        }
        if let Some(l) = &c.logo_uri {
            obj.insert("logo_uri".into(), json!(l));
        }
        if let Some(u) = &c.client_uri {
            obj.insert("client_uri".into(), json!(u));
        }
    }
    body
}
