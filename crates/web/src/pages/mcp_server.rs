//! Settings → App Connect → MCP Server: the company's MCP URL, what an assistant can do with
//! it, the permission each tool needs (from the MCP server's own tool table, so the page
//! cannot drift from the server) and the OAuth connections whose tokens may call it.

use super::integrations::GUIDES;
use super::session::{Ctx, Layout};
use super::view::{PageResult, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use newledger_domain::permission::Permission;
use newledger_service::app_connect::tokens::Audience;
use newledger_service::oauth::connections;

struct ToolRow {
    name: &'static str,
    summary: &'static str,
    permissions: Vec<&'static str>,
    writes: bool,
}

struct ConnectionRow {
    client_name: String,
    approved_by: String,
    permissions: Vec<&'static str>,
    last_used: super::when::MaybeMoment,
}

impl ToolRow {
    fn of(t: &newledger_mcp::ToolSpec) -> Self {
        Self {
            name: t.name,
            summary: t.summary,
            permissions: t.permissions.iter().map(|p| p.as_str()).collect(),
            writes: t.writes,
        }
    }
}

impl ConnectionRow {
    fn of(ctx: &Ctx, v: connections::ConnectionView) -> Self {
        Self {
            client_name: v.client.map_or_else(|| "A deleted app".into(), |c| c.name),
            approved_by: v.approved_by,
            permissions: v.connection.scope.iter().map(Permission::as_str).collect(),
            last_used: ctx.when.relative_or(v.connection.last_used_at, "never"),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/mcp_server.html")]
struct McpPage {
    layout: Layout,
    tab: &'static str,
    mcp_url: String,
    tools: Vec<ToolRow>,
    connections: Vec<ConnectionRow>,
    guides: &'static [super::integrations::Guide],
}

/// `GET /app/{company_id}/settings/app-connect/mcp`.
pub async fn tab(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.access.require(Permission::AppConnectManage)?;
    let mcp_url = Audience::Mcp.resource(
        s.config.base_url.trim_end_matches('/'),
        &ctx.access.company.id,
    );
    let connections = connections::list(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .filter(|v| v.resources.contains(&mcp_url))
        .map(|v| ConnectionRow::of(&ctx, v))
        .collect();
    let tools = newledger_mcp::TOOLS.iter().map(ToolRow::of).collect();
    Ok(render(&McpPage {
        layout: ctx.layout("MCP Server", "app-connect"),
        tab: "mcp",
        mcp_url,
        tools,
        connections,
        guides: GUIDES,
    }))
}
