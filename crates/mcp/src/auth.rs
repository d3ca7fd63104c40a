//! The guard in front of the MCP transport, run on every HTTP request to `/mcp/{company_id}`:
//!
//! 1. the bearer token (header only) must be valid for *this* MCP URL and company
//!    (`Audience::Mcp`, checked by the service like the REST API's); otherwise 401 with
//!    `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (RFC 6750, RFC 9728);
//! 2. a `tools/call` of a tool the token's effective permissions do not allow is refused with
//!    403 `insufficient_scope` naming the scope to ask for (the MCP step-up flow);
//! 3. a request naming a session must come from the session's own principal (else 404, as for
//!    an unknown session); `initialize` first makes room within the per-principal bound, and the
//!    new session is bound to the principal once rmcp has opened it.
//!
//! The caller's [`Access`] rides in the request extensions to the tools.

use crate::{Shared, metadata, tools};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use newledger_domain::ids::CompanyId;
use newledger_domain::permission::Permission;
use newledger_service::app_connect::tokens::{self, Audience, VerifiedToken};
use newledger_service::{Access, Error};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

const SESSION_HEADER: &str = "mcp-session-id";

/// The guard (an axum middleware on the MCP route).
pub(crate) async fn guard(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(company) = company_of(req.uri().path()) else {
        return metadata::not_an_mcp_url(State(sh)).await;
    };
    let caller = Caller::of(&sh, &req);
    let access = match authenticate(&sh, caller, &company).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (parts, body) = req.into_parts();
    let (message, body) = match peek(&sh, &parts.headers, &parts.method, body).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    if let Some(needed) = message.missing_permission(&access) {
        return insufficient_scope(&sh, &company, needed);
    }
    let principal = access.actor.id().to_owned();
    let session = session_of(&parts.headers);
    if let Err(r) = admit(&sh, session.as_deref(), &principal, &message).await {
        return r;
    }
    let deleting = parts.method == Method::DELETE;
    let mut req = Request::from_parts(parts, body);
    req.extensions_mut().insert(access);
    let response = next.run(req).await;
    follow_sessions(&sh, session.as_deref(), &principal, deleting, &response);
    response
}

/// What the guard judges of the message, and the body to hand on. A 2026-07-28 request names
/// its method and tool in headers (which rmcp checks against the body), so its body goes to
/// rmcp unread; otherwise the guard reads it once and hands the bytes on. (rmcp parses the body
/// itself and takes no parsed message.)
async fn peek(
    sh: &Shared,
    headers: &HeaderMap,
    method: &Method,
    body: Body,
) -> Result<(Peek, Body), Response> {
    match Peek::of_headers(headers) {
        Some(peek) => Ok((peek, body)),
        None if method == Method::POST => {
            match axum::body::to_bytes(body, sh.config.body_limit).await {
                Ok(b) => Ok((Peek::of(&b), Body::from(b))),
                Err(_) => {
                    Err((StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response())
                }
            }
        }
        None => Ok((Peek::default(), body)),
    }
}

/// The session a request names, if any.
fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A request naming a session must come from the session's own principal (else 404, as for an
/// unknown session); `initialize` first makes room within the per-principal bound.
async fn admit(
    sh: &Shared,
    session: Option<&str>,
    principal: &str,
    message: &Peek,
) -> Result<(), Response> {
    match session {
        Some(s) if !sh.sessions.touch(s, principal).await => {
            Err((StatusCode::NOT_FOUND, "Not Found: Session not found").into_response())
        }
        None if message.is_initialize() => {
            sh.sessions.make_room(principal).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Binds a session rmcp has just opened to the principal, and forgets one it has just closed.
fn follow_sessions(
    sh: &Shared,
    session: Option<&str>,
    principal: &str,
    deleting: bool,
    response: &Response,
) {
    match session {
        None => {
            if let Some(opened) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                sh.sessions.bind(opened, principal);
            }
        }
        Some(s) if deleting && response.status().is_success() => sh.sessions.unbind(s),
        Some(_) => {}
    }
}

/// The company of `/mcp/{company_id}`.
fn company_of(path: &str) -> Option<CompanyId> {
    let id = path.strip_prefix("/mcp/")?;
    CompanyId::parse(id.trim_end_matches('/')).ok()
}

/// What the request says about its caller, read before anything is awaited (a request body
/// is not `Sync`, so the request itself is not held across awaits).
struct Caller {
    token: Option<Option<VerifiedToken>>,
    ip: String,
}

impl Caller {
    fn of(sh: &Shared, req: &Request) -> Self {
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        // The API rate-limit layer in front may already have checked the MAC.
        let token = bearer(req.headers()).map(|t| match req.extensions().get::<VerifiedToken>() {
            Some(v) => Some(v.clone()),
            None => tokens::verify(&sh.svc, t),
        });
        Self { token, ip }
    }
}

/// The caller's access, or the 401 to answer.
async fn authenticate(
    sh: &Shared,
    caller: Caller,
    company: &CompanyId,
) -> Result<Access, Box<Response>> {
    let Some(verified) = caller.token else {
        return Err(Box::new(unauthorized(sh, company, None)));
    };
    match tokens::authenticate_verified(
        &sh.svc,
        verified.as_ref(),
        Audience::Mcp,
        company,
        &caller.ip,
    )
    .await
    {
        Ok(a) => Ok(a),
        Err(Error::Unauthenticated(why)) => Err(Box::new(unauthorized(sh, company, Some(&why)))),
        Err(Error::NotFound(_)) => Err(Box::new(unauthorized(
            sh,
            company,
            Some("the company no longer exists"),
        ))),
        Err(e) => {
            tracing::error!(error = %e, "MCP authentication failed");
            Err(Box::new(StatusCode::INTERNAL_SERVER_ERROR.into_response()))
        }
    }
}

/// The bearer token of a request (`Authorization: Bearer …` only; never the query string).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// What the guard reads of a JSON-RPC message (anything else is rmcp's to judge).
#[derive(Default, Deserialize)]
struct Peek {
    method: Option<String>,
    params: Option<PeekParams>,
}

#[derive(Default, Deserialize)]
struct PeekParams {
    name: Option<String>,
}

impl Peek {
    fn of(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The `Mcp-Method` and `Mcp-Name` headers of a 2026-07-28 request, when it has them in
    /// plain ASCII. rmcp refuses a request whose headers differ from its body, and the tool
    /// handler checks the permission again, so a lying header gains nothing.
    fn of_headers(headers: &HeaderMap) -> Option<Self> {
        let method = headers.get("mcp-method")?.to_str().ok()?.to_owned();
        let name = match headers.get("mcp-name") {
            None => None,
            Some(v) => {
                let v = v.to_str().ok()?;
                if v.starts_with("=?") {
                    // A Base64-encoded value (`=?base64?…?=`): the body says it plainly.
                    return None;
                }
                Some(v.to_owned())
            }
        };
        if method == "tools/call" && name.is_none() {
            return None;
        }
        Some(Self {
            method: Some(method),
            params: Some(PeekParams { name }),
        })
    }

    fn is_initialize(&self) -> bool {
        self.method.as_deref() == Some("initialize")
    }

    /// For a `tools/call` of a known tool the caller may not use: the permission to ask for.
    fn missing_permission(&self, access: &Access) -> Option<Permission> {
        if self.method.as_deref() != Some("tools/call") {
            return None;
        }
        let name = self.params.as_ref()?.name.as_deref()?;
        let spec = tools::spec(name)?;
        (!spec.allowed(access.permissions))
            .then(|| spec.permissions.first().copied())
            .flatten()
    }
}

/// A challenge parameter value: printable ASCII without quotes or backslashes (RFC 6750 §3).
fn quoted(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '?',
        })
        .collect()
}

fn challenge_header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

/// 401: no token (no error code, RFC 6750 §3.1) or a token not valid here (`invalid_token`).
fn unauthorized(sh: &Shared, company: &CompanyId, why: Option<&str>) -> Response {
    let meta = metadata::url(&sh.config.base_url, company);
    let scope = tools::scopes().to_scope_string();
    let (value, body) = match why {
        None => (
            format!("Bearer resource_metadata=\"{meta}\", scope=\"{scope}\""),
            serde_json::json!({
                "error": "invalid_request",
                "error_description": "this MCP server needs an OAuth bearer token; its metadata says where to get one",
            }),
        ),
        Some(why) => (
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\", resource_metadata=\"{meta}\", scope=\"{scope}\"",
                quoted(why)
            ),
            serde_json::json!({"error": "invalid_token", "error_description": why}),
        ),
    };
    let mut r = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge_header(&value));
    r
}

/// 403 `insufficient_scope` naming the permission to ask for.
fn insufficient_scope(sh: &Shared, company: &CompanyId, needed: Permission) -> Response {
    let meta = metadata::url(&sh.config.base_url, company);
    let description =
        format!("this tool needs the `{needed}` permission, which this connection was not granted");
    let value = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{needed}\", resource_metadata=\"{meta}\", error_description=\"{}\"",
        quoted(&description)
    );
    let mut r = (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({
            "error": "insufficient_scope",
            "error_description": description,
            "scope": needed.as_str(),
        })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge_header(&value));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_company_from_the_path() {
        assert!(company_of("/mcp/cmp_01hzz").is_some());
        assert!(company_of("/mcp/cmp_01hzz/").is_some());
        assert!(company_of("/mcp/usr_01hzz").is_none());
        assert!(company_of("/api/v1/companies/cmp_01hzz").is_none());
    }

    #[test]
    fn peeks_at_tool_calls_only() {
        let p = Peek::of(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"draft_bill","arguments":{}}}"#);
        assert_eq!(p.method.as_deref(), Some("tools/call"));
        assert_eq!(p.params.and_then(|p| p.name).as_deref(), Some("draft_bill"));
        assert!(Peek::of(br#"{"method":"initialize"}"#).is_initialize());
        assert!(Peek::of(b"not json").method.is_none());
    }

    #[test]
    fn peeks_at_the_headers_of_a_stateless_request() {
        let mut h = HeaderMap::new();
        assert!(Peek::of_headers(&h).is_none());
        h.insert("mcp-method", HeaderValue::from_static("tools/call"));
        assert!(Peek::of_headers(&h).is_none(), "a tool call names its tool");
        h.insert("mcp-name", HeaderValue::from_static("draft_bill"));
        let p = Peek::of_headers(&h).unwrap();
        assert_eq!(p.params.and_then(|p| p.name).as_deref(), Some("draft_bill"));
        h.insert("mcp-name", HeaderValue::from_static("=?base64?ZHJhZnQ=?="));
        assert!(
            Peek::of_headers(&h).is_none(),
            "encoded names: read the body"
        );
        let mut h = HeaderMap::new();
        h.insert("mcp-method", HeaderValue::from_static("tools/list"));
        assert_eq!(
            Peek::of_headers(&h).unwrap().method.as_deref(),
            Some("tools/list")
        );
    }

    #[test]
    fn challenge_values_stay_quotable() {
        assert_eq!(quoted("a \"b\" \\ c — d"), "a 'b' ' c ? d");
    }
}
