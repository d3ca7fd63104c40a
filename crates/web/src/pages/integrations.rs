//! Settings → Integrations: a setup guide per AI client (ChatGPT, Claude, any MCP client) with
//! the company's MCP URL, the exact steps, the redirect URIs the client uses, what the consent
//! screen asks, and how to check and revoke the connection. Every member may read them: the
//! URL is no secret (it answers nothing without a token) and any member may approve a client
//! within their own permissions.

use super::session::{Ctx, Layout};
use super::view::{PageError, PageResult, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use newledger_domain::permission::{Permission, PermissionSet};
use newledger_service::app_connect::tokens::Audience;

/// One client's setup guide.
pub struct Guide {
    /// URL segment.
    pub slug: &'static str,
    /// The client's name.
    pub name: &'static str,
    /// One line on the index.
    pub summary: &'static str,
    /// Before you start.
    pub requirements: &'static [&'static str],
    /// The steps, in order (`{url}` is the company's MCP URL).
    pub steps: &'static [&'static str],
    /// How the client gets its client id.
    pub registration: &'static str,
    /// Redirect URIs the client uses (registered by the client itself; listed so a person
    /// can recognise them on the consent screen or register them by hand).
    pub redirect_uris: &'static [&'static str],
    /// Anything else worth knowing.
    pub notes: &'static [&'static str],
}

/// The guides, in the order the index shows them.
pub const GUIDES: &[Guide] = &[
    Guide {
        slug: "chatgpt",
        name: "ChatGPT",
        summary: "Add NewLedger as a custom connector (app) in ChatGPT's developer mode.",
        requirements: &[
            "A ChatGPT plan with custom connectors (developer mode); on Business and Enterprise a workspace admin enables developer mode first.",
            "This server reachable over public HTTPS: ChatGPT connects from OpenAI's servers, not from your computer.",
        ],
        steps: &[
            "In ChatGPT open Settings → Apps & Connectors → Advanced settings and turn on Developer mode.",
            "Choose Create (or Add custom connector). Name it, for example \u{201c}NewLedger\u{201d}, and paste the MCP URL below as the MCP server URL. Authentication: OAuth.",
            "ChatGPT registers itself with NewLedger and opens NewLedger's sign-in in your browser. Sign in with your password and authenticator code.",
            "On the consent screen, check the company and the permissions; untick any you do not want to give, type a fresh authenticator code and choose Approve.",
            "Back in ChatGPT, the connector lists its tools. Enable it in a conversation and ask, for example, \u{201c}What is our cash position and which invoices are overdue?\u{201d}",
        ],
        registration: "Dynamic client registration: ChatGPT registers itself the first time it connects. Nothing to create in NewLedger.",
        redirect_uris: &["https://chatgpt.com/connector_platform_oauth_redirect"],
        notes: &[
            "Labels in ChatGPT change with its releases; the URL and the consent screen stay the same.",
            "If you register ChatGPT by hand (OAuth Connections → Register OAuth App), copy the redirect URI from ChatGPT's connector settings rather than typing it.",
        ],
    },
    Guide {
        slug: "claude",
        name: "Claude",
        summary: "Add NewLedger as a custom connector in Claude (web, Desktop, mobile) or in Claude Code.",
        requirements: &[
            "A Claude plan with custom connectors; on Team and Enterprise an organisation owner adds the connector first, then each person connects.",
            "This server reachable over public HTTPS: Claude connects from Anthropic's servers, not from your computer (Claude Code connects from your machine).",
        ],
        steps: &[
            "In Claude open Settings → Connectors and choose Add custom connector.",
            "Name it, for example \u{201c}NewLedger\u{201d}, paste the MCP URL below and choose Add, then Connect.",
            "Claude registers itself with NewLedger and opens NewLedger's sign-in in your browser. Sign in with your password and authenticator code.",
            "On the consent screen, check the company and the permissions; untick any you do not want to give, type a fresh authenticator code and choose Approve.",
            "Back in Claude, enable the connector in a conversation (the tools menu) and ask, for example, \u{201c}Draft an invoice to Acme for 10 hours of consulting at 120.\u{201d}",
            "Claude Code: run claude mcp add --transport http newledger followed by the MCP URL, then /mcp in Claude Code to sign in and approve.",
        ],
        registration: "Dynamic client registration: Claude registers itself. Claude's advanced settings also accept a client ID and secret: register an OAuth app under OAuth Connections with Claude's redirect URI if your organisation prefers that.",
        redirect_uris: &[
            "https://claude.ai/api/mcp/auth_callback",
            "https://claude.com/api/mcp/auth_callback",
            "http://localhost:<port>/callback (Claude Code, on your machine)",
        ],
        notes: &[
            "Claude shows each tool call and asks before it runs a tool that writes; NewLedger's drafting tools only ever create drafts.",
        ],
    },
    Guide {
        slug: "mcp-client",
        name: "Any MCP client",
        summary: "What a client (your own agent, the MCP Inspector, an SDK) needs: discovery, registration, PKCE.",
        requirements: &[
            "A client that speaks MCP over Streamable HTTP (protocol 2025-11-25 with sessions, or 2026-07-28 stateless) and the MCP authorization flow (OAuth 2.1 with PKCE).",
        ],
        steps: &[
            "Give the client the MCP URL below. Its first request gets 401 with WWW-Authenticate: Bearer resource_metadata=\u{2026}, pointing at the protected resource metadata (RFC 9728).",
            "That document names NewLedger as the authorization server; the client reads its metadata at /.well-known/oauth-authorization-server (RFC 8414).",
            "The client identifies itself: dynamic registration at /oauth/register (RFC 7591), an HTTPS client ID metadata document as its client_id, or a client registered under OAuth Connections.",
            "The client sends the person to /oauth/authorize with response_type=code, PKCE (S256), state and resource= the MCP URL; the person signs in, reviews the permissions and approves with an authenticator code.",
            "The client exchanges the code at /oauth/token, sends the access token as Authorization: Bearer on every MCP request, and refreshes it with the refresh token (each refresh token is used once).",
            "To try it by hand: npx @modelcontextprotocol/inspector, choose Streamable HTTP, paste the MCP URL and follow the OAuth flow.",
        ],
        registration: "Dynamic registration, client ID metadata documents (a client_id that is an HTTPS URL) or a registered OAuth app. Public clients use PKCE and no secret.",
        redirect_uris: &[
            "https://\u{2026} registered exactly (matched character for character)",
            "http://127.0.0.1:<any port>/\u{2026} or http://[::1]:<any port>/\u{2026} for apps on your machine (RFC 8252)",
        ],
        notes: &[
            "Tokens are accepted only in the Authorization header, for this company's MCP URL only: a token for another company or for the REST API is refused.",
        ],
    },
];

#[derive(Template)]
#[template(path = "pages/integrations.html")]
struct IndexPage {
    layout: Layout,
    mcp_url: String,
    guides: &'static [Guide],
}

#[derive(Template)]
#[template(path = "pages/integration_guide.html")]
struct GuidePage {
    layout: Layout,
    mcp_url: String,
    guide: &'static Guide,
    asked: Vec<(&'static str, &'static str)>,
}

fn mcp_url(s: &AppState, ctx: &Ctx) -> String {
    Audience::Mcp.resource(
        s.config.base_url.trim_end_matches('/'),
        &ctx.access.company.id,
    )
}

/// The list of guides.
pub async fn index(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    Ok(render(&IndexPage {
        mcp_url: mcp_url(&s, &ctx),
        layout: ctx.layout("Integrations", "integrations"),
        guides: GUIDES,
    }))
}

/// One client's guide.
pub async fn guide(
    State(s): State<AppState>,
    Path((_, slug)): Path<(String, String)>,
    ctx: Ctx,
) -> PageResult {
    let guide = GUIDES
        .iter()
        .find(|g| g.slug == slug)
        .ok_or(PageError::Service(newledger_service::Error::NotFound(
            "integration guide",
        )))?;
    // What the consent screen can offer this person: the delegable permissions they hold.
    let mine = PermissionSet::delegable().intersect(ctx.access.permissions);
    Ok(render(&GuidePage {
        mcp_url: mcp_url(&s, &ctx),
        asked: Permission::ALL
            .iter()
            .filter(|p| mine.contains(**p))
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        layout: ctx.layout(guide.name, "integrations"),
        guide,
    }))
}
