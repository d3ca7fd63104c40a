//! Settings → Integrations: the company's MCP URL and a guide per client, for every member; the
//! consent preview lists only what this person could give.

use crate::support::*;
use newledger_domain::role::Role;

#[tokio::test]
async fn guides_show_the_company_mcp_url_and_what_consent_asks() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let mcp_url = format!("{}/mcp/{}", app.base, owner.company_id);
    let b = sign_in(&app, &owner).await;
    let (s, index) = b.page(&url(&owner, "/settings/integrations")).await;
    assert_eq!(s, 200);
    assert!(index.contains(&format!("<code id=\"mcp-url\">{mcp_url}</code>")));
    for slug in ["chatgpt", "claude", "mcp-client"] {
        assert!(
            index.contains(&format!("/settings/integrations/{slug}\"")),
            "{slug}"
        );
        let (s, g) = b
            .page(&url(&owner, &format!("/settings/integrations/{slug}")))
            .await;
        assert_eq!(s, 200, "{slug}");
        assert!(g.contains(&mcp_url), "{slug}");
        assert!(
            g.contains("/settings/app-connect/oauth\""),
            "{slug}: revoke link"
        );
        assert!(g.contains("invoices:draft"), "{slug}: consent preview");
        assert!(
            !g.contains("invoices:approve"),
            "{slug}: people-only never offered"
        );
    }
    let (_, chatgpt) = b.page(&url(&owner, "/settings/integrations/chatgpt")).await;
    assert!(chatgpt.contains("https://chatgpt.com/connector_platform_oauth_redirect"));
    let (_, claude) = b.page(&url(&owner, "/settings/integrations/claude")).await;
    assert!(claude.contains("https://claude.ai/api/mcp/auth_callback"));
    let (s, _) = b.page(&url(&owner, "/settings/integrations/nope")).await;
    assert_eq!(s, 404);

    // A viewer reads the guides too, is offered only read permissions, and gets no link to a
    // page they cannot open.
    let viewer = app.member(&owner.company_id, Role::Viewer).await;
    let v = sign_in(&app, &viewer).await;
    let (s, g) = v.page(&url(&viewer, "/settings/integrations/claude")).await;
    assert_eq!(s, 200);
    assert!(g.contains("invoices:read") && !g.contains("invoices:draft"));
    assert!(!g.contains("/settings/app-connect/oauth\""));
}

#[tokio::test]
async fn mcp_server_tab_shows_the_url_the_tools_and_the_connections_using_it() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let mcp_url = format!("{}/mcp/{}", app.base, owner.company_id);
    let b = sign_in(&app, &owner).await;
    let tab = url(&owner, "/settings/app-connect/mcp");
    let (s, html) = b.page(&tab).await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("<code id=\"mcp-url\">{mcp_url}</code>")));
    assert!(html.contains("No assistant is connected"));
    // Every tool of the server, with the permission it needs.
    for t in newledger_mcp::TOOLS {
        assert!(
            html.contains(&format!("<code>{}</code>", t.name)),
            "{}",
            t.name
        );
    }
    assert!(html.contains("trial_balance") && html.contains("reports:read"));

    // A connection whose tokens may call the MCP URL is listed.
    newledger_testkit::oauth::connected_to(
        &app,
        &owner,
        "reports:read",
        std::slice::from_ref(&mcp_url),
        &["reports:read"],
    )
    .await;
    let (_, html) = b.page(&tab).await;
    assert!(!html.contains("No assistant is connected"));
    assert_eq!(html.matches("<tr><td><strong>").count(), 1);

    // Only App Connect managers open the tab.
    let bk = app.member(&owner.company_id, Role::Bookkeeper).await;
    let v = sign_in(&app, &bk).await;
    let (s, _) = v.page(&url(&bk, "/settings/app-connect/mcp")).await;
    assert_eq!(s, 403);
}
