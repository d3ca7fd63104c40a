//! `POST /oauth/token`: `client_credentials` for API credential apps (RFC 6749 §4.4),
//! `authorization_code` with PKCE and `refresh_token` for OAuth clients; client authentication
//! by `client_secret_basic`, `client_secret_post` or, for public clients, `client_id` alone;
//! RFC 6749 §5.2 errors (every answer `Cache-Control: no-store`, bodies capped) and rate limits.

use crate::error::OAuthError;
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use newledger_domain::oauth::clip;
use newledger_service::app_connect::tokens;
use newledger_service::oauth::{clients, grants};
use std::collections::HashMap;

fn form(body: &[u8]) -> Result<HashMap<String, Vec<String>>, OAuthError> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        m.entry(k.into_owned()).or_default().push(v.into_owned());
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

/// Largest body accepted by the token, revocation and introspection endpoints.
pub const MAX_BODY: usize = 16 * 1024;

/// Reads a form body of at most [`MAX_BODY`] bytes; too large → 413 in RFC 6749 shape.
pub async fn read_form(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<HashMap<String, Vec<String>>, OAuthError> {
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
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| OAuthError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_request",
            description: format!("the request body is larger than {MAX_BODY} bytes"),
            retry_after: None,
        })?;
    form(&bytes)
}

/// The one value of a parameter (repeats are refused, RFC 6749 §3.2; only `resource` repeats).
pub fn one<'a>(
    p: &'a HashMap<String, Vec<String>>,
    k: &str,
) -> Result<Option<&'a str>, OAuthError> {
    match p.get(k).map(Vec::as_slice) {
        None | Some([]) => Ok(None),
        Some([v]) => Ok(Some(v.as_str())),
        Some(_) => Err(OAuthError::bad(
            "invalid_request",
            format!("parameter `{}` is repeated", clip(k)),
        )),
    }
}

/// Client credentials from Basic or the body: (client_id, secret).
pub fn client_auth(
    headers: &HeaderMap,
    p: &HashMap<String, Vec<String>>,
) -> Result<(String, Option<String>), OAuthError> {
    let from_header = basic(headers)?;
    match (from_header, one(p, "client_id")?, one(p, "client_secret")?) {
        (Some(_), _, Some(_)) => Err(OAuthError::bad(
            "invalid_request",
            "use one client authentication method, not both Basic and client_secret",
        )),
        (Some((id, sec)), form_id, None) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::bad(
                    "invalid_request",
                    "client_id differs from the Basic credentials",
                ));
            }
            Ok((id, Some(sec)))
        }
        (None, Some(id), sec) => Ok((id.to_owned(), sec.map(str::to_owned))),
        (None, None, _) => Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "client authentication required: HTTP Basic (client_secret_basic), client_id + client_secret in the body, or client_id alone for a public client".into(),
            retry_after: None,
        }),
    }
}

fn ok_json<T: serde::Serialize>(t: &T) -> Response {
    let mut r = (StatusCode::OK, axum::Json(t)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// The token endpoint.
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "OAuth",
    operation_id = "token",
    summary = "Exchange API credentials for an access token",
    description = "OAuth 2.0 client credentials grant (RFC 6749 §4.4). Authenticate with HTTP Basic (`client_secret_basic`: the form-encoded client id and secret) or send `client_id` and `client_secret` in the body (`client_secret_post`), not both. The token is opaque (`nlat_…`), short-lived, bound to the app's one company and the REST API; send it as `Authorization: Bearer nlat_…`. `scope` may narrow it to some of the delegated permissions. Every response carries `Cache-Control: no-store`. Also serves `authorization_code` (PKCE S256) and `refresh_token` for OAuth clients (see the README). Rate limited per client and per address (429 `invalid_request` with `Retry-After`).",
    request_body(content = crate::api::schemas::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = crate::api::schemas::TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_scope` (unknown permission, or one not delegated), `unauthorized_client` (the app's owner left the company) or `unsupported_grant_type`", body = crate::api::schemas::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret (one generic answer); once the client has authenticated, the description says whether the app is revoked, deleted or expired", body = crate::api::schemas::OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"newledger\"`"))),
        (status = 429, description = "`invalid_request`: too many token requests for this client or address", body = crate::api::schemas::OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    ),
    security(("client_secret_basic" = []), ())
)]
pub async fn token(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    match issue(&s, &ip, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn issue(
    s: &AppState,
    ip: &str,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Response, OAuthError> {
    let by_ip = s.limits.token_ip.check(ip);
    if !by_ip.allowed {
        return Err(OAuthError::rate_limited(
            by_ip.reset_secs,
            "from this address",
        ));
    }
    let p = read_form(headers, body).await?;
    let (client_id, secret) = client_auth(headers, &p)?;
    grant(s, ip, &p, &client_id, secret).await
}

/// The grant the request names, for the kind of client it authenticated as.
async fn grant(
    s: &AppState,
    ip: &str,
    p: &HashMap<String, Vec<String>>,
    client_id: &str,
    secret: Option<String>,
) -> Result<Response, OAuthError> {
    let is_app = newledger_domain::ids::AppId::parse(client_id).is_ok();
    match one(p, "grant_type")? {
        Some("client_credentials") => client_credentials(s, ip, p, client_id, secret).await,
        Some("authorization_code" | "refresh_token") if is_app => Err(OAuthError::bad(
            "unauthorized_client",
            "API credential apps use grant_type=client_credentials; authorization_code and refresh_token are for OAuth clients",
        )),
        Some(g @ ("authorization_code" | "refresh_token")) => {
            oauth_grant(s, ip, p, client_id, secret.as_deref(), g).await
        }
        None => Err(OAuthError::bad("invalid_request", "grant_type is required")),
        Some(other) => Err(OAuthError::bad(
            "unsupported_grant_type",
            format!(
                "grant_type `{}` is not supported (client_credentials, authorization_code, refresh_token)",
                clip(other)
            ),
        )),
    }
}

/// The per-client token rate limit, counted only once the client has authenticated: otherwise
/// anyone knowing a client id could exhaust its quota (unauthenticated guessing is bounded per
/// address).
fn limit_client(s: &AppState, client_id: &str) -> Result<(), OAuthError> {
    let by_client = s.limits.token_client.check(client_id);
    if by_client.allowed {
        return Ok(());
    }
    Err(OAuthError::rate_limited(
        by_client.reset_secs,
        "for this client",
    ))
}

/// `authorization_code` and `refresh_token`, for OAuth clients.
async fn oauth_grant(
    s: &AppState,
    ip: &str,
    p: &HashMap<String, Vec<String>>,
    client_id: &str,
    secret: Option<&str>,
    grant: &str,
) -> Result<Response, OAuthError> {
    let client = clients::authenticate(&s.svc, client_id, secret).await?;
    limit_client(s, client.id.as_str())?;
    let resources = p.get("resource").map(Vec::as_slice).unwrap_or_default();
    let r = if grant == "authorization_code" {
        let (code, redirect_uri) = (one(p, "code")?, one(p, "redirect_uri")?);
        let verifier = one(p, "code_verifier")?;
        grants::exchange_code(&s.svc, &client, code, redirect_uri, verifier, resources, ip).await
    } else {
        let (token, scope) = (one(p, "refresh_token")?, one(p, "scope")?);
        grants::refresh(&s.svc, &client, token, scope, resources, ip).await
    };
    Ok(ok_json(&r?))
}

/// `client_credentials`, for API credential apps.
async fn client_credentials(
    s: &AppState,
    ip: &str,
    p: &HashMap<String, Vec<String>>,
    client_id: &str,
    secret: Option<String>,
) -> Result<Response, OAuthError> {
    let Some(secret) = secret else {
        return Err(OAuthError::invalid_client(
            "client_credentials needs the app's client_secret",
        ));
    };
    let resources = p.get("resource").map(Vec::as_slice).unwrap_or_default();
    if resources.len() > 1 {
        return Err(OAuthError::bad(
            "invalid_target",
            "client_credentials takes at most one resource",
        ));
    }
    let scope = one(p, "scope")?;
    let resource = resources.first().map(String::as_str);
    let t = tokens::client_credentials(&s.svc, client_id, &secret, scope, resource, ip).await?;
    limit_client(s, client_id)?;
    Ok(ok_json(&t))
}
