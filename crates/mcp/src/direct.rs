//! The direct lane: a `tools/call` or `tools/list` in the plain form clients send is handed
//! straight to the [`Ledger`] handler — through rmcp's own message types and its
//! `Service::handle_request`, the same dispatch rmcp's transport ends in — instead of through
//! the machinery rmcp's transport puts around it: for a `2026-07-28` request, a service with a
//! task, channels and a cancellation tree started for every request; for a request in a
//! `2025-11-25` session, a round trip through the session's worker and an event stream opened
//! for its one answer. Either cost about as much as a cached report's call itself.
//!
//! The lane takes a request only when each rule of rmcp's transport that applies to it plainly
//! holds: exactly the public `Host`, no `Origin` or exactly the public one, an `Accept` naming
//! JSON and event streams and nothing else, `Content-Type: application/json`, a `Content-Length`
//! within the body limit, no `Mcp-Param-*` header, and one of two forms:
//!
//! - **stateless**: no session, `MCP-Protocol-Version: 2026-07-28` equal to the body's `_meta`
//!   version with every `_meta` key that version requires, `Mcp-Method` equal to the body's
//!   method and `Mcp-Name` equal to the called tool's name (absent for a list);
//! - **in a session**: `MCP-Protocol-Version` a session-era version, one `Mcp-Session-Id` that
//!   rmcp's session manager holds (the guard has already checked that it belongs to the
//!   caller), and no protocol version in the body's `_meta` (rmcp reads no method headers in
//!   this era, so the lane does not either).
//!
//! Anything else — `initialize`, a notification, another version, an encoded name, a charset
//! parameter, a body rmcp's models do not read as one request — goes to rmcp's transport
//! unchanged, which answers it and its errors. Stricter than rmcp, the lane never serves what
//! rmcp would refuse; `tests/mcp/direct.rs` sends requests both ways and compares the answers.
//!
//! The answer is rmcp's `ServerJsonRpcMessage`, serialized by serde as rmcp's transport does
//! for a JSON response. A stateless answer has the HTTP status rmcp gives a JSON-RPC error of a
//! per-request-versioned call ([`status_of`]). A session's answer is `200 application/json`
//! where rmcp would open an event stream for one event: the transport specification lets the
//! server choose either for a request, every client must read both, and one JSON message needs
//! no stream to resume. A handler in this lane has no channel back to the client besides its
//! answer — its peer is closed, so a notification or request to the client fails — which is
//! fine for tools that answer with one message, as all of ours do. Because session requests
//! served here never reach rmcp's session worker, rmcp's own idle timer is off and
//! [`crate::sessions`] ends idle sessions.

use crate::server::Ledger;
use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, ErrorCode, GetExtensions, GetMeta, JsonRpcRequest,
    ProtocolVersion, ServerJsonRpcMessage,
};
use rmcp::service::{RequestContext, RxJsonRpcMessage, TxJsonRpcMessage, serve_directly};
use rmcp::transport::Transport;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::{ErrorData, Peer, RoleServer, Service};
use std::sync::{Arc, OnceLock};

/// What the lane did with a request.
pub(crate) enum Lane {
    /// Served here.
    Answered(Response),
    /// Not plainly within the lane's rules: for rmcp's transport, as it came.
    Declined(Request),
}

/// The direct lane of one MCP router.
pub(crate) struct Direct {
    ledger: Ledger,
    form: Form,
    /// rmcp's sessions: the lane serves a session only while rmcp holds it.
    manager: Arc<LocalSessionManager>,
    peer: OnceLock<Peer<RoleServer>>,
}

/// Which of the lane's two forms a request's headers are in.
#[derive(Debug, PartialEq, Eq)]
enum Era {
    /// `2026-07-28`: no session, everything said in each request.
    Stateless,
    /// A `2025-11-25` (or `2025-06-18`) request in this session.
    Session(String),
}

/// The plain form of a stateless request's headers, for this server.
struct Form {
    /// The `Host` authority and the `Origin` rmcp's transport is configured to allow.
    host: String,
    origin: String,
    body_limit: usize,
}

impl Direct {
    pub(crate) fn new(
        ledger: Ledger,
        manager: Arc<LocalSessionManager>,
        host: String,
        origin: String,
        body_limit: usize,
    ) -> Self {
        Self {
            ledger,
            form: Form {
                host,
                origin,
                body_limit,
            },
            manager,
            peer: OnceLock::new(),
        }
    }

    /// Serves `req` when it is a plain tool call or list of either era; otherwise hands it
    /// back.
    pub(crate) async fn serve(&self, req: Request) -> Lane {
        let Some(era) = self.form.era(req.headers()) else {
            return Lane::Declined(req);
        };
        if let Era::Session(id) = &era
            && !self
                .manager
                .has_session(&id.clone().into())
                .await
                .unwrap_or(false)
        {
            // Ended by rmcp (or never opened): rmcp answers 404.
            return Lane::Declined(req);
        }
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, self.form.body_limit).await else {
            // Longer than its Content-Length said, or cut off: as the guard answers.
            return Lane::Answered(
                (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
            );
        };
        match plain_request(&era, &parts.headers, &bytes) {
            Some(request) => Lane::Answered(self.dispatch(&era, request, parts).await),
            None => Lane::Declined(Request::from_parts(parts, Body::from(bytes))),
        }
    }

    /// The request answered by the handler, as rmcp's transport would answer it in JSON.
    async fn dispatch(
        &self,
        era: &Era,
        request: JsonRpcRequest<ClientRequest>,
        parts: Parts,
    ) -> Response {
        let JsonRpcRequest {
            id, mut request, ..
        } = request;
        // As rmcp's service loop builds a request's context: its `_meta`, its extensions with
        // the HTTP request's parts (and so the guard's `Access`).
        let mut context = RequestContext::new(id.clone(), self.peer());
        std::mem::swap(&mut context.meta, request.get_meta_mut());
        std::mem::swap(&mut context.extensions, request.extensions_mut());
        context.extensions.insert(parts);
        let (message, status) = match self.ledger.handle_request(request, context).await {
            Ok(result) => (ServerJsonRpcMessage::response(result, id), StatusCode::OK),
            Err(e) => {
                let status = era.status_of(&e);
                (ServerJsonRpcMessage::error(e, Some(id)), status)
            }
        };
        json_answer(status, &message)
    }

    /// A peer whose transport is closed. rmcp makes peers only for a running service, so the
    /// lane runs one, once, over a transport that ends at once, and keeps its peer.
    fn peer(&self) -> Peer<RoleServer> {
        self.peer
            .get_or_init(|| {
                serve_directly(self.ledger.clone(), Closed, None)
                    .peer()
                    .clone()
            })
            .clone()
    }
}

impl Form {
    /// The era whose plain form the headers are in, if any.
    fn era(&self, h: &HeaderMap) -> Option<Era> {
        if !self.common(h) {
            return None;
        }
        let version = only(h, &PROTOCOL_VERSION)?;
        let sessions = h.get_all(SESSION_ID).iter().count();
        if version == ProtocolVersion::V_2026_07_28.as_str() && sessions == 0 {
            return Some(Era::Stateless);
        }
        let session = only(h, &SESSION_ID)?;
        SESSION_VERSIONS
            .iter()
            .any(|v| v.as_str() == version)
            .then(|| Era::Session(session.to_owned()))
    }

    /// The rules both forms share.
    fn common(&self, h: &HeaderMap) -> bool {
        only(h, &header::HOST).is_some_and(|v| v.eq_ignore_ascii_case(&self.host))
            && h.get_all(header::ORIGIN)
                .iter()
                .all(|v| v == self.origin.as_str())
            && only(h, &header::ACCEPT).is_some_and(accepts_json_and_event_streams)
            && only(h, &header::CONTENT_TYPE).is_some_and(|v| v.eq_ignore_ascii_case(JSON))
            && only(h, &header::CONTENT_LENGTH)
                .and_then(|v| v.parse::<usize>().ok())
                .is_some_and(|n| n <= self.body_limit)
            && !h.keys().any(|k| k.as_str().starts_with("mcp-param-"))
    }
}

/// The session-era versions whose requests the lane serves: those with structured tool output,
/// which a session's client names in `MCP-Protocol-Version` on every request.
const SESSION_VERSIONS: [ProtocolVersion; 2] =
    [ProtocolVersion::V_2025_11_25, ProtocolVersion::V_2025_06_18];

const JSON: &str = "application/json";
const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const METHOD: HeaderName = HeaderName::from_static("mcp-method");
const NAME: HeaderName = HeaderName::from_static("mcp-name");

/// The one value of header `name`, as text (none when absent, repeated or not visible ASCII).
fn only<'a>(h: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    let mut values = h.get_all(name).iter();
    let value = values.next()?;
    values
        .next()
        .is_none()
        .then(|| value.to_str().ok())
        .flatten()
}

/// `application/json, text/event-stream` in either order, without parameters.
fn accepts_json_and_event_streams(accept: &str) -> bool {
    let (mut json, mut events) = (false, false);
    for item in accept.split(',').map(str::trim) {
        if item.eq_ignore_ascii_case(JSON) {
            json = true;
        } else if item.eq_ignore_ascii_case("text/event-stream") {
            events = true;
        } else {
            return false;
        }
    }
    json && events
}

/// The body as one `tools/call` or `tools/list` request in the plain form of `era`: agreeing
/// with its headers and carrying the complete 2026-07-28 `_meta` when stateless, with no
/// protocol version in `_meta` in a session; anything else is rmcp's to judge.
fn plain_request(era: &Era, h: &HeaderMap, body: &[u8]) -> Option<JsonRpcRequest<ClientRequest>> {
    let Ok(ClientJsonRpcMessage::Request(request)) = serde_json::from_slice(body) else {
        return None;
    };
    let name = match &request.request {
        ClientRequest::CallToolRequest(call) => Some(call.params.name.as_ref()),
        ClientRequest::ListToolsRequest(_) => None,
        _ => return None,
    };
    let meta = request.request.get_meta();
    if let Era::Session(_) = era {
        return meta.protocol_version().is_none().then_some(request);
    }
    let version = ProtocolVersion::V_2026_07_28;
    (only(h, &METHOD) == Some(request.request.method())
        && only(h, &NAME) == name
        && meta.protocol_version().as_ref() == Some(&version)
        && meta.missing_required_keys(&version).is_empty())
    .then_some(request)
}

/// The HTTP status rmcp's transport gives a JSON-RPC error answering a request that carries its
/// protocol version (`jsonrpc_http_status` in rmcp's `tower.rs`); the lane takes no request
/// with a malformed `_meta`, which rmcp alone answers 400 for `invalid_params`.
fn status_of(e: &ErrorData) -> StatusCode {
    match e.code {
        ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
        | ErrorCode::HEADER_MISMATCH => StatusCode::BAD_REQUEST,
        ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// `message` as a JSON response with `status`.
fn json_answer(status: StatusCode, message: &ServerJsonRpcMessage) -> Response {
    match serde_json::to_vec(message) {
        Ok(body) => (status, [(header::CONTENT_TYPE, JSON)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "MCP answer not serialized");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

impl Era {
    /// The HTTP status of a JSON-RPC error answer: rmcp's for a stateless request
    /// ([`status_of`]); 200 in a session, where rmcp answers every request on an event stream.
    fn status_of(&self, e: &ErrorData) -> StatusCode {
        match self {
            Era::Stateless => status_of(e),
            Era::Session(_) => StatusCode::OK,
        }
    }
}

/// A transport that is closed from the start: nothing arrives, nothing can be sent.
struct Closed;

impl Transport<RoleServer> for Closed {
    type Error = std::io::Error;

    fn send(
        &mut self,
        _item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        std::future::ready(Err(std::io::ErrorKind::NotConnected.into()))
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        None
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    const PLAIN: &[(&str, &str)] = &[
        ("host", "127.0.0.1:8080"),
        ("accept", "application/json, text/event-stream"),
        ("content-type", "application/json"),
        ("content-length", "200"),
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "trial_balance"),
    ];

    /// The plain headers with `name` replaced by `value` (or removed when `None`), plus `extra`.
    fn but(name: &str, value: Option<&'static str>) -> HeaderMap {
        let mut h = headers(PLAIN);
        h.remove(name);
        if let Some(v) = value {
            h.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_static(v),
            );
        }
        h
    }

    fn era(h: &HeaderMap) -> Option<Era> {
        Form {
            host: "127.0.0.1:8080".into(),
            origin: "http://127.0.0.1:8080".into(),
            body_limit: 1 << 20,
        }
        .era(h)
    }

    fn judged(h: &HeaderMap) -> bool {
        era(h) == Some(Era::Stateless)
    }

    #[test]
    fn takes_only_plain_headers() {
        assert!(judged(&headers(PLAIN)));
        assert!(judged(&but("origin", Some("http://127.0.0.1:8080"))));
        assert!(judged(&but(
            "accept",
            Some("text/event-stream, application/json")
        )));
        for (name, value) in [
            ("host", Some("evil.example")),
            ("host", None),
            ("origin", Some("https://evil.example")),
            ("origin", Some("http://127.0.0.1")),
            ("accept", Some("application/json")),
            ("accept", Some("application/json, text/event-stream;q=0.5")),
            ("accept", Some("*/*")),
            ("content-type", Some("application/json; charset=utf-8")),
            ("content-length", None),
            ("content-length", Some("2000000")),
            ("mcp-protocol-version", Some("2025-11-25")),
            ("mcp-protocol-version", None),
            ("mcp-session-id", Some("s1")),
            ("mcp-param-region", Some("eu")),
        ] {
            assert!(!judged(&but(name, value)), "{name}: {value:?}");
        }
        let mut twice = headers(PLAIN);
        twice.append(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!judged(&twice), "a repeated header");
    }

    #[test]
    fn takes_a_session_request_only_with_its_session_and_version() {
        let mut h = but("mcp-protocol-version", Some("2025-11-25"));
        h.insert(SESSION_ID, HeaderValue::from_static("s1"));
        assert_eq!(era(&h), Some(Era::Session("s1".into())));
        h.insert(PROTOCOL_VERSION, HeaderValue::from_static("2025-06-18"));
        assert_eq!(era(&h), Some(Era::Session("s1".into())));
        for version in ["2025-03-26", "2026-07-28", "2099-01-01"] {
            h.insert(PROTOCOL_VERSION, HeaderValue::from_static(version));
            assert_eq!(era(&h), None, "{version} with a session");
        }
        h.remove(PROTOCOL_VERSION);
        assert_eq!(era(&h), None, "no version: rmcp assumes 2025-03-26");
        let mut twice = but("mcp-protocol-version", Some("2025-11-25"));
        twice.append(SESSION_ID, HeaderValue::from_static("s1"));
        twice.append(SESSION_ID, HeaderValue::from_static("s2"));
        assert_eq!(era(&twice), None, "two sessions");
        let mut no_session = but("mcp-protocol-version", Some("2025-11-25"));
        no_session.remove(SESSION_ID);
        assert_eq!(era(&no_session), None, "rmcp requires the session");
        let mut param = but("mcp-protocol-version", Some("2025-11-25"));
        param.insert(SESSION_ID, HeaderValue::from_static("s1"));
        param.insert("mcp-param-region", HeaderValue::from_static("eu"));
        assert_eq!(era(&param), None);
    }

    #[test]
    fn takes_only_session_calls_without_a_version_of_their_own() {
        let session = Era::Session("s1".into());
        let h = but("mcp-protocol-version", Some("2025-11-25"));
        assert!(plain_request(&session, &h, &call("trial_balance", r#""_meta":{}"#)).is_some());
        let progress = r#""_meta":{"progressToken":3}"#;
        assert!(plain_request(&session, &h, &call("balance_sheet", progress)).is_some());
        assert!(
            plain_request(&session, &h, &call("trial_balance", META)).is_none(),
            "a per-request version in a session is rmcp's to check against the header"
        );
        let init = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        assert!(plain_request(&session, &h, init.as_bytes()).is_none());
        let notification = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        assert!(plain_request(&session, &h, notification.as_bytes()).is_none());
    }

    const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;

    fn call(name: &str, meta: &str) -> Vec<u8> {
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"{name}","arguments":{{}},{meta}}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn takes_only_calls_and_lists_agreeing_with_their_headers() {
        let h = headers(PLAIN);
        assert!(plain_request(&Era::Stateless, &h, &call("trial_balance", META)).is_some());
        assert!(plain_request(&Era::Stateless, &h, &call("balance_sheet", META)).is_none());
        let version_only = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}"#;
        assert!(plain_request(&Era::Stateless, &h, &call("trial_balance", version_only)).is_none());
        let older = META.replace("2026-07-28", "2025-11-25");
        assert!(plain_request(&Era::Stateless, &h, &call("trial_balance", &older)).is_none());
        assert!(plain_request(&Era::Stateless, &h, b"not json").is_none());
        let unnamed = but("mcp-name", None);
        assert!(plain_request(&Era::Stateless, &unnamed, &call("trial_balance", META)).is_none());

        let list =
            format!(r#"{{"jsonrpc":"2.0","id":"a","method":"tools/list","params":{{{META}}}}}"#);
        let mut h = but("mcp-name", None);
        h.insert(METHOD, HeaderValue::from_static("tools/list"));
        assert!(plain_request(&Era::Stateless, &h, list.as_bytes()).is_some());
        h.insert(NAME, HeaderValue::from_static("trial_balance"));
        assert!(
            plain_request(&Era::Stateless, &h, list.as_bytes()).is_none(),
            "a list names no tool"
        );

        let notification = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        assert!(plain_request(&Era::Stateless, &headers(PLAIN), notification.as_bytes()).is_none());
        let ping = format!(r#"{{"jsonrpc":"2.0","id":2,"method":"ping","params":{{{META}}}}}"#);
        let mut h = but("mcp-name", None);
        h.insert(METHOD, HeaderValue::from_static("ping"));
        assert!(plain_request(&Era::Stateless, &h, ping.as_bytes()).is_none());
    }

    /// The lane of a router for `app`, as `crate::router` makes it.
    fn lane(app: &newledger_testkit::TestApp) -> Direct {
        let manager = std::sync::Arc::new(
            rmcp::transport::streamable_http_server::session::local::LocalSessionManager::default(),
        );
        let config = crate::McpConfig::new(&app.base);
        let shared = std::sync::Arc::new(crate::Shared {
            sessions: crate::sessions::Sessions::new(manager.clone(), 8, config.session_idle),
            svc: app.svc.clone(),
            config,
        });
        let host = app.base.trim_start_matches("http://").to_owned();
        let ledger = Ledger::new(shared, std::sync::Arc::new(Ledger::tool_router()));
        Direct::new(ledger, manager, host, app.base.clone(), 1 << 20)
    }

    /// A trial balance call as a 2026-07-28 client sends it, authenticated by the guard.
    fn trial_balance(
        app: &newledger_testkit::TestApp,
        a: &newledger_service::Access,
        content_type: &str,
    ) -> Request {
        let body = call("trial_balance", META);
        let mut req = Request::post(format!("{}/mcp/{}", app.base, a.company.id))
            .header("host", app.base.trim_start_matches("http://"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", content_type)
            .header("content-length", body.len())
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "trial_balance")
            .body(Body::from(body))
            .unwrap();
        req.extensions_mut().insert(a.clone());
        req
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_the_plain_form_and_hands_back_the_rest() {
        newledger_testkit::app::on_both(|app| async move {
            let owner = app.owner("Acme Ltd").await;
            let access = app.access(&owner).await;
            let direct = lane(&app);
            let Lane::Answered(r) = direct.serve(trial_balance(&app, &access, JSON)).await else {
                panic!("the plain form was declined");
            };
            assert_eq!(r.status(), StatusCode::OK);
            let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(answer["id"], 1, "{answer}");
            assert!(
                answer["result"]["structuredContent"]["report"]["rows"].is_array(),
                "{answer}"
            );
            // Another form goes back to rmcp's transport whole, its body read but kept.
            let other = trial_balance(&app, &access, "application/json; charset=utf-8");
            let Lane::Declined(r) = direct.serve(other).await else {
                panic!("a form the lane does not take was answered");
            };
            let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            assert_eq!(body.as_ref(), call("trial_balance", META).as_slice());
        })
        .await;
    }

    #[test]
    fn json_rpc_errors_keep_rmcps_statuses() {
        let e = |code| ErrorData::new(code, "x", None);
        assert_eq!(status_of(&e(ErrorCode::INVALID_PARAMS)), StatusCode::OK);
        assert_eq!(status_of(&e(ErrorCode::INTERNAL_ERROR)), StatusCode::OK);
        assert_eq!(
            status_of(&e(ErrorCode::METHOD_NOT_FOUND)),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(&e(ErrorCode::HEADER_MISMATCH)),
            StatusCode::BAD_REQUEST
        );
    }
}
