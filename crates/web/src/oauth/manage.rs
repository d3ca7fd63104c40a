//! `POST /oauth/revoke` (RFC 7009) and `POST /oauth/introspect` (RFC 7662).
//!
//! Revocation: the client authenticates as at the token endpoint (public clients by id); an
//! unknown or foreign token gets the same 200. Introspection: confidential OAuth clients and
//! API credential apps (with their secret), each about its own tokens only; anything else is
//! `{"active": false}`.

use super::token::{client_auth, one, read_form};
use crate::error::OAuthError;
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_domain::ids::AppId;
use newledger_service::app_connect::tokens;
use newledger_service::oauth::{clients, grants};

fn limited(s: &AppState, ip: &str) -> Result<(), OAuthError> {
    let v = s.limits.token_ip.check(ip);
    if v.allowed {
        return Ok(());
    }
    Err(OAuthError::rate_limited(v.reset_secs, "from this address"))
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The revocation endpoint.
pub async fn revoke(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let run = async {
        limited(&s, &ip)?;
        let p = read_form(&headers, body).await?;
        let (id, secret) = client_auth(&headers, &p)?;
        let client = clients::authenticate(&s.svc, &id, secret.as_deref())
            .await
            .map_err(OAuthError::from)?;
        let token = one(&p, "token")?
            .ok_or_else(|| OAuthError::bad("invalid_request", "token is required"))?;
        grants::revoke(&s.svc, &client, token, &ip)
            .await
            .map_err(OAuthError::from)?;
        Ok::<_, OAuthError>(no_store(StatusCode::OK.into_response()))
    };
    match run.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// The introspection endpoint.
pub async fn introspect(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let run = async {
        limited(&s, &ip)?;
        let p = read_form(&headers, body).await?;
        let caller = introspecting_caller(&s, &headers, &p).await?;
        let token = one(&p, "token")?
            .ok_or_else(|| OAuthError::bad("invalid_request", "token is required"))?;
        let v = grants::introspect(&s.svc, &caller, token)
            .await
            .map_err(OAuthError::from)?
            .unwrap_or_else(|| serde_json::json!({"active": false}));
        Ok::<_, OAuthError>(no_store(axum::Json(v).into_response()))
    };
    match run.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn invalid_client(description: &str) -> OAuthError {
    OAuthError {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        description: description.into(),
        retry_after: None,
    }
}

/// Who asks to introspect: an API credential app or a confidential OAuth client, by its secret.
async fn introspecting_caller(
    s: &AppState,
    headers: &HeaderMap,
    p: &std::collections::HashMap<String, Vec<String>>,
) -> Result<grants::Caller, OAuthError> {
    let (id, secret) = client_auth(headers, p)?;
    let secret = secret.ok_or_else(|| {
        invalid_client(
            "introspection is for confidential clients: authenticate with the client secret",
        )
    })?;
    let Ok(app) = AppId::parse(&id) else {
        let client = clients::authenticate(&s.svc, &id, Some(&secret)).await?;
        return Ok(grants::Caller::Client(Box::new(client)));
    };
    tokens::authenticate_app_secret(&s.svc, &app, &secret)
        .await?
        .then_some(grants::Caller::App(app))
        .ok_or_else(|| {
            invalid_client("client authentication failed: unknown client or wrong secret")
        })
}
