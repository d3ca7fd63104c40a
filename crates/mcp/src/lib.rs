//! The company MCP server: `/mcp/{company_id}` over streamable HTTP, and its protected resource
//! metadata (RFC 9728) at `/.well-known/oauth-protected-resource/mcp/{company_id}`.
//!
//! The transport is rmcp's `StreamableHttpService`, configured (not re-implemented) to serve
//! both protocol eras at once: `2026-07-28` requests (per-request `_meta` protocol version, no
//! session) are answered statelessly, and `initialize` opens a `2025-11-25` session with an
//! `Mcp-Session-Id`. rmcp also checks `Host` and `Origin` against the public base URL. A
//! `tools/call` or `tools/list` in the plain form clients send (of either era) skips the
//! machinery rmcp's transport would put around it and goes straight to the handler
//! ([`direct`]).
//!
//! In front of it, [`auth::guard`] authenticates *every* HTTP request with the bearer token
//! (a session never authenticates by itself, so a deleted connection fails on its next request
//! even mid-session), answers the RFC 6750/9728 challenges, refuses a `tools/call` whose
//! permission the token lacks with `insufficient_scope`, and binds sessions to the token's
//! principal within a per-principal bound ([`sessions`]). The tools ([`tools`]) call the same
//! service functions as the REST API; this crate holds only their shapes for a model.
//!
//! This crate knows the service layer and the domain, never the store or the other surfaces;
//! `newledger-web` merges [`router`] into the application.

mod auth;
mod direct;
mod metadata;
mod server;
mod sessions;
mod shapes;
mod tools;

use axum::Router;
use axum::routing::{MethodRouter, any, get};
use newledger_service::Services;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;
use std::time::Duration;

pub use tools::{TOOLS, ToolSpec};

/// Settings of the MCP surface.
#[derive(Clone, Debug)]
pub struct McpConfig {
    /// Public origin (`https://books.example.com`, no trailing slash): the MCP URLs, the
    /// allowed `Host` and `Origin`, the metadata.
    pub base_url: String,
    /// Open sessions one principal (connection or app) may hold; initializing one more ends
    /// its least recently used session.
    pub sessions_per_principal: usize,
    /// A session unused for this long ends (its client initializes again).
    pub session_idle: Duration,
    /// Largest request body read, in bytes.
    pub body_limit: usize,
}

impl McpConfig {
    /// Defaults for a base URL: 8 sessions per principal, 10 minutes idle, 1 MiB bodies.
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            sessions_per_principal: 8,
            session_idle: Duration::from_secs(600),
            body_limit: 1 << 20,
        }
    }
}

/// What the guard, the metadata handler and every tool share.
pub(crate) struct Shared {
    pub(crate) svc: Services,
    pub(crate) config: McpConfig,
    pub(crate) sessions: sessions::Sessions,
}

/// The MCP routes, to be merged into the application router (whatever its state type).
pub fn router<S: Clone + Send + Sync + 'static>(svc: Services, config: McpConfig) -> Router<S> {
    let manager = Arc::new({
        let mut m = LocalSessionManager::default();
        // No idle timer of rmcp's: requests the direct lane serves never reach a session's
        // worker, so rmcp would end a busy session. `sessions` ends idle ones instead.
        m.session_config.keep_alive = None;
        m
    });
    let shared = Arc::new(Shared {
        sessions: sessions::Sessions::new(
            manager.clone(),
            config.sessions_per_principal,
            config.session_idle,
        ),
        svc,
        config,
    });
    sessions::sweep_while_alive(&shared);
    let mcp = transport(&shared, manager);
    // The MCP URL has no trailing slash (it is the resource of RFC 9728 and the tokens'
    // audience), but a client given the URL with one is served the same, without a redirect:
    // clients do not follow redirects of a POST, and the token's audience names the company
    // either way. Anything else under `/mcp/` is a 404 that says which URL to use.
    Router::new()
        .route("/mcp/{company_id}", mcp.clone())
        .route("/mcp/{company_id}/", mcp)
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            auth::guard,
        ))
        .route(
            "/.well-known/oauth-protected-resource/mcp/{company_id}",
            get(metadata::protected_resource),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp/{company_id}/",
            get(metadata::protected_resource),
        )
        .route("/mcp", any(metadata::not_an_mcp_url))
        .route("/mcp/", any(metadata::not_an_mcp_url))
        .route("/mcp/{company_id}/{*rest}", any(metadata::not_an_mcp_url))
        .with_state(shared)
}

/// What answers at the MCP URL: the direct lane for plain tool calls and lists, and rmcp's
/// streamable HTTP transport for everything else (`initialize`, notifications, GET, DELETE,
/// any request not in the plain form).
fn transport<S: Clone + Send + Sync + 'static>(
    shared: &Arc<Shared>,
    manager: Arc<LocalSessionManager>,
) -> MethodRouter<S> {
    let (host, origin) = allowed_host_and_origin(&shared.config.base_url);
    let transport = StreamableHttpServerConfig::default()
        // Both eras: `initialize` opens a session; `2026-07-28` requests are served statelessly.
        .with_legacy_session_mode(true)
        .with_json_response(true)
        .with_allowed_hosts([host.clone()])
        .with_allowed_origins([origin.clone()])
        .enforce_origin_validation()
        .with_max_request_body_bytes(shared.config.body_limit);
    let ledger = server::Ledger::new(shared.clone(), Arc::new(server::Ledger::tool_router()));
    let handler = ledger.clone();
    // In an `Arc`: the route clones what it holds for every request, and the transport's
    // configuration has vectors of hosts and origins.
    let rmcp = Arc::new(StreamableHttpService::new(
        move || Ok(handler.clone()),
        manager.clone(),
        transport,
    ));
    let direct = Arc::new(direct::Direct::new(
        ledger,
        manager.clone(),
        host,
        origin,
        shared.config.body_limit,
    ));
    any(move |req: axum::extract::Request| {
        let (direct, rmcp) = (direct.clone(), rmcp.clone());
        async move {
            match direct.serve(req).await {
                direct::Lane::Answered(response) => response,
                direct::Lane::Declined(req) => rmcp.handle(req).await.map(axum::body::Body::new),
            }
        }
    })
}

/// The `Host` authority and the `Origin` a request must carry (when it carries one): those of
/// the public base URL, with the port made explicit so that no other port matches.
fn allowed_host_and_origin(base_url: &str) -> (String, String) {
    let Ok(uri) = base_url.parse::<axum::http::Uri>() else {
        return (base_url.to_owned(), base_url.to_owned());
    };
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = uri.host().unwrap_or_default();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let authority = uri
        .authority()
        .map_or_else(|| host.to_owned(), |a| a.as_str().to_owned());
    (authority, format!("{scheme}://{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_origin_come_from_the_base_url() {
        assert_eq!(
            allowed_host_and_origin("https://books.example.com"),
            (
                "books.example.com".to_owned(),
                "https://books.example.com:443".to_owned()
            )
        );
        assert_eq!(
            allowed_host_and_origin("http://127.0.0.1:8080"),
            (
                "127.0.0.1:8080".to_owned(),
                "http://127.0.0.1:8080".to_owned()
            )
        );
    }
}
