//! The MCP server handler: server info, `tools/list` filtered by the caller's effective
//! permissions, and `tools/call` dispatched to the tools with the caller's [`Access`].
//!
//! The guard put the `Access` of the HTTP request into its extensions; rmcp hands the request's
//! `http::request::Parts` to the handler, so every call (also inside a session) acts with the
//! access of *its own* request, never one remembered from `initialize`.

use crate::Shared;
use crate::tools::{self, ToolError, ToolSpec};
use newledger_service::Access;
use newledger_service::activity::Event;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, Implementation,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use std::sync::Arc;

/// One company's books as an MCP server (one value per session or stateless request).
#[derive(Clone)]
pub(crate) struct Ledger {
    pub(crate) shared: Arc<Shared>,
    tools: Arc<ToolRouter<Ledger>>,
}

const INSTRUCTIONS: &str = "\
These tools read one company's accounting books and draft entries into them. \
Amounts are exact decimal strings in the company's currency (get_company tells it, and today's \
date). Lists return a page (default 100) and a next_cursor to pass back for the next one. \
Drafting tools never post anything: each draft waits for a person to review and approve it in \
the web app (the result has the link); tell the person so. Give every drafting call a fresh \
idempotency_key and reuse the same key, with the same arguments, when you retry it.";

impl Ledger {
    pub(crate) fn new(shared: Arc<Shared>, tools: Arc<ToolRouter<Ledger>>) -> Self {
        Self { shared, tools }
    }

    /// Every tool, from the three groups.
    pub(crate) fn tool_router() -> ToolRouter<Self> {
        Self::read_tools() + Self::report_tools() + Self::draft_tools()
    }

    /// The base URL, for review links.
    pub(crate) fn base_url(&self) -> &str {
        &self.shared.config.base_url
    }
}

impl Ledger {
    /// Runs a write in its own task, so that a client hanging up cannot cancel it half-way:
    /// its idempotency key always records the outcome, and a retry replays it.
    async fn call_to_completion(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let this = self.clone();
        tokio::spawn(async move {
            this.tools
                .call(ToolCallContext::new(&this, request, context))
                .await
        })
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "MCP write task failed");
            Err(ErrorData::internal_error("the write failed", None))
        })
    }
}

/// A tool result refusing a tool the caller's permissions do not allow.
fn forbidden(spec: &ToolSpec) -> CallToolResponse {
    let needed = spec.permissions.first().map_or("", |p| p.as_str());
    let e = ToolError::from(newledger_service::Error::Forbidden {
        permission: spec.permissions.first().copied(),
        reason: format!("needs `{needed}`"),
    });
    CallToolResult::error(vec![rmcp::model::ContentBlock::text(e.0)]).into()
}

/// The caller of this request (set by the guard; its absence is a wiring bug).
fn access_of(ctx: &RequestContext<RoleServer>) -> Result<Access, ErrorData> {
    ctx.extensions
        .get::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<Access>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("request not authenticated", None))
}

impl ServerHandler for Ledger {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("newledger", env!("CARGO_PKG_VERSION"))
                    .with_title("NewLedger books"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let access = access_of(&context)?;
        let visible: Vec<Tool> = self
            .tools
            .list_all()
            .into_iter()
            .filter(|t| tools::spec(&t.name).is_some_and(|s| s.allowed(access.permissions)))
            .collect();
        let mut result = ListToolsResult::with_all_items(visible);
        if context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
        {
            // The list depends on the token's permissions, which change at any time.
            result = result.with_ttl_ms(0).with_cache_scope(CacheScope::Private);
        }
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let access = access_of(&context)?;
        let Some(spec) = tools::spec(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{}`; tools/list names them", request.name),
                None,
            ));
        };
        if !spec.allowed(access.permissions) {
            // The guard answers 403 insufficient_scope first; this holds if it ever did not.
            return Ok(forbidden(spec));
        }
        let event = Event::ok("mcp.tool_called", "tool", spec.name).reason(spec.name);
        if let Err(e) = self.shared.svc.activity.log_repeated(&access, event).await {
            tracing::warn!(error = %e, "MCP tool use not logged");
        }
        context.extensions.insert(access);
        if spec.writes {
            return self.call_to_completion(request, context).await;
        }
        self.tools
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.get(name).cloned()
    }
}
