//! `POST /oauth/token` (RFC 6749 §4.4 client_credentials), with client authentication by
//! `client_secret_basic` or `client_secret_post`, RFC 6749 §5.2 errors and rate limits.

use crate::error::OAuthError;
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use newledger_service::app_connect::tokens::{self, TokenError};
use std::collections::HashMap;

fn form(body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let mut m = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if m.insert(k.to_string(), v.to_string()).is_some() {
            return Err(OAuthError::bad(
                "invalid_request",
                format!("parameter `{k}` is repeated"),
            ));
        }
    }
    Ok(m)
}

/// Client credentials from the Basic header (RFC 6749 §2.3.1: form-encoded, then base64).
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        description: "malformed Basic authorization header".into(),
        retry_after: None,
    };
    let v = v.to_str().map_err(|_| bad())?;
    let Some((scheme, b64)) = v.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let raw = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad())
    };
    Ok(Some((dec(id)?, dec(secret)?)))
}

fn limited(secs: u64, what: &str) -> OAuthError {
    OAuthError {
        status: StatusCode::TOO_MANY_REQUESTS,
        error: "slow_down",
        description: format!("too many token requests {what}; retry after {secs} s"),
        retry_after: Some(secs),
    }
}

/// The token endpoint.
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "OAuth",
    operation_id = "token",
    summary = "Exchange API credentials for an access token",
    description = "OAuth 2.0 client credentials grant (RFC 6749 §4.4). Authenticate with HTTP Basic (`client_secret_basic`: the form-encoded client id and secret) or send `client_id` and `client_secret` in the body (`client_secret_post`), not both. The token is opaque (`nlat_…`), short-lived, bound to the app's one company and the REST API; send it as `Authorization: Bearer nlat_…`. `scope` may narrow it to some of the delegated permissions. Every response carries `Cache-Control: no-store`. Rate limited per client and per address (429 `slow_down` with `Retry-After`).",
    request_body(content = crate::api::schemas::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = crate::api::schemas::TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_scope` (unknown permission, or one not delegated), `unauthorized_client` (the app's owner left the company) or `unsupported_grant_type`", body = crate::api::schemas::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret (one generic answer); once the client has authenticated, the description says whether the app is revoked, deleted or expired", body = crate::api::schemas::OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"newledger\"`"))),
        (status = 429, description = "`slow_down`: too many token requests for this client or address", body = crate::api::schemas::OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    ),
    security(("client_secret_basic" = []), ())
)]
pub async fn token(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match issue(&s, &ip, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn issue(
    s: &AppState,
    ip: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthError> {
    let by_ip = s.limits.token_ip.check(ip);
    if !by_ip.allowed {
        return Err(limited(by_ip.reset_secs, "from this address"));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(OAuthError::bad(
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    let p = form(body)?;
    let from_header = basic(headers)?;
    let (client_id, secret) = match (from_header, p.get("client_id"), p.get("client_secret")) {
        (Some(_), _, Some(_)) => return Err(OAuthError::bad("invalid_request", "use one client authentication method, not both Basic and client_secret")),
        (Some((id, sec)), form_id, None) => {
            if form_id.is_some_and(|f| f != &id) {
                return Err(OAuthError::bad("invalid_request", "client_id differs from the Basic credentials"));
            }
            (id, sec)
        }
        (None, Some(id), Some(sec)) => (id.clone(), sec.clone()),
        (None, _, _) => {
            return Err(OAuthError {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_client",
                description: "client authentication required: HTTP Basic (client_secret_basic) or client_id + client_secret in the body".into(),
                retry_after: None,
            })
        }
    };
    match p.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        None => return Err(OAuthError::bad("invalid_request", "grant_type is required")),
        Some(other) => {
            return Err(OAuthError::bad(
                "unsupported_grant_type",
                format!(
                    "grant_type `{}` is not supported here; API credential apps use client_credentials",
                    other.chars().take(50).collect::<String>()
                ),
            ));
        }
    }
    match tokens::client_credentials(
        &s.svc,
        &client_id,
        &secret,
        p.get("scope").map(String::as_str),
        ip,
    )
    .await
    {
        Ok(t) => {
            // Counted only once the client authenticated: otherwise anyone knowing a client id
            // could exhaust its quota. Unauthenticated guessing is bounded per address above.
            let by_client = s.limits.token_client.check(&client_id);
            if !by_client.allowed {
                return Err(limited(by_client.reset_secs, "for this client"));
            }
            let mut r = (StatusCode::OK, axum::Json(t)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            Ok(r)
        }
        Err(TokenError::InvalidClient(d)) => Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: d,
            retry_after: None,
        }),
        Err(TokenError::UnauthorizedClient(d)) => Err(OAuthError::bad("unauthorized_client", d)),
        Err(TokenError::InvalidScope(d)) => Err(OAuthError::bad("invalid_scope", d)),
        Err(TokenError::RateLimited(secs)) => Err(limited(secs, "for this client")),
        Err(TokenError::Internal(e)) => {
            tracing::error!(error = ?e, "token endpoint failure");
            Err(OAuthError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                error: "server_error",
                description: "internal error; it has been logged".into(),
                retry_after: None,
            })
        }
    }
}
