//! Who may talk to the MCP server: the 401 challenge and the metadata it points to, tokens for
//! the wrong resource, insufficient scope, and Host/Origin checks.

use crate::client::{Era, Mcp, url};
use crate::{ALL, connect, ctx};
use newledger_testkit::TestApp;
use newledger_testkit::http::send;
use serde_json::json;

fn init_body() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
}

async fn challenge_and_metadata(app: TestApp) {
    let c = ctx(&app, &["reports:read"]).await;
    let mcp = url(&app, &c.company);
    let meta_url = format!(
        "{}/.well-known/oauth-protected-resource/mcp/{}",
        app.base, c.company
    );
    // No token: 401 pointing at the metadata, with the scopes the tools need.
    let g = send(
        app.http
            .post(&mcp)
            .header("accept", "application/json, text/event-stream")
            .json(&init_body()),
    )
    .await;
    g.expect(401);
    let www = g.header("www-authenticate").to_owned();
    assert!(www.starts_with("Bearer "), "{www}");
    assert!(
        www.contains(&format!("resource_metadata=\"{meta_url}\"")),
        "{www}"
    );
    assert!(www.contains("scope=\"company:read "), "{www}");
    assert!(www.contains("journal:draft"), "{www}");
    assert!(!www.contains("offline_access"), "{www}");
    assert!(!www.contains("approve"), "{www}");
    assert!(
        !www.contains("error="),
        "no error code without credentials: {www}"
    );

    // The metadata (RFC 9728).
    let m = send(app.http.get(&meta_url)).await;
    m.expect(200);
    assert_eq!(m.body["resource"], mcp);
    assert_eq!(m.body["authorization_servers"], json!([app.base]));
    assert_eq!(m.body["bearer_methods_supported"], json!(["header"]));
    assert_eq!(m.body["resource_name"], "Acme Ltd");
    let scopes = m.body["scopes_supported"].as_array().unwrap();
    assert!(scopes.contains(&json!("invoices:draft")));
    assert!(!scopes.contains(&json!("invoices:approve")));
    // …whose authorization server is ours, with the issuer it names.
    let asm = send(app.http.get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.base
    )))
    .await;
    assert_eq!(asm.body["issuer"], app.base);
    // An unknown company has no metadata.
    send(app.http.get(format!(
        "{}/.well-known/oauth-protected-resource/mcp/cmp_01hzzzzzzzzzzzzzzzzzzzzzzz",
        app.base
    )))
    .await
    .expect(404);

    // A bad token: invalid_token, same pointers.
    let g = send(
        app.http
            .post(&mcp)
            .bearer_auth("nlat_forged.token")
            .header("accept", "application/json, text/event-stream")
            .json(&init_body()),
    )
    .await;
    g.expect(401);
    let www = g.header("www-authenticate");
    assert!(www.contains("error=\"invalid_token\""), "{www}");
    assert!(
        www.contains(&format!("resource_metadata=\"{meta_url}\"")),
        "{www}"
    );

    // Never from the query string.
    let g = send(
        app.http
            .post(format!("{mcp}?access_token={}", c.token))
            .header("accept", "application/json, text/event-stream")
            .json(&init_body()),
    )
    .await;
    g.expect(401);

    // The real token works.
    let s = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    s.request("tools/list", json!({})).await.result();
}

async fn wrong_audience(app: TestApp) {
    let c = ctx(&app, &["reports:read", "invoices:read"]).await;
    // A token for another company's MCP server.
    let other = app.owner("Other Ltd").await;
    let other_token = connect(&app, &other, &["reports:read"]).await;
    let r = Mcp::unopened(&app, &c.company, &other_token, Era::Stateless)
        .request("tools/list", json!({}))
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r.header("www-authenticate").contains("invalid_token"));

    // A token for the company's REST API only.
    let api = format!("{}/api/v1/companies/{}", app.base, c.company);
    let (_, rest_token, _) = newledger_testkit::oauth::connected_to(
        &app,
        &c.owner,
        "reports:read",
        &[api],
        &["reports:read"],
    )
    .await;
    let r = Mcp::unopened(&app, &c.company, &rest_token, Era::Stateless)
        .request("tools/list", json!({}))
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    // An API credential app's token (REST API audience) too.
    let (id, secret) = app.app(&c.owner, &["reports:read"]).await;
    let app_token = app.token(&id, &secret).await;
    let r = Mcp::unopened(&app, &c.company, &app_token, Era::Stateless)
        .request("tools/list", json!({}))
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    // And the MCP token is refused by the REST API.
    let g = app.api_get(&c.token, &c.company, "/invoices").await;
    assert_eq!(g.status(), 401);
    // The MCP token at the right server works.
    Mcp::unopened(&app, &c.company, &c.token, Era::Stateless)
        .request("tools/list", json!({}))
        .await
        .result();
}

async fn insufficient_scope(app: TestApp) {
    let c = ctx(&app, &["reports:read"]).await;
    for era in [Era::Sessions, Era::Stateless] {
        let s = Mcp::open(&app, &c.company, &c.token, era).await;
        let r = s
            .request(
                "tools/call",
                json!({"name": "draft_invoice", "arguments": {}}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        let www = r.header("www-authenticate");
        assert!(www.contains("error=\"insufficient_scope\""), "{www}");
        assert!(www.contains("scope=\"invoices:draft\""), "{www}");
        assert!(www.contains("resource_metadata=\""), "{www}");
        // A tool it holds still works.
        s.ok("trial_balance", json!({})).await;
    }
}

async fn origin_and_host(app: TestApp) {
    let c = ctx(&app, ALL).await;
    let s = Mcp::unopened(&app, &c.company, &c.token, Era::Sessions);
    let refused = s
        .post(init_body(), &[("origin", "https://evil.example")])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let port = app.base.rsplit(':').next().unwrap();
    let other_port = s
        .post(
            init_body(),
            &[(
                "origin",
                &format!("http://127.0.0.1:{}", port.parse::<u16>().unwrap() + 1),
            )],
        )
        .await;
    assert_eq!(other_port.status, 403, "{}", other_port.text);
    let host = s.post(init_body(), &[("host", "evil.example")]).await;
    assert_eq!(host.status, 403, "{}", host.text);
    // The server's own origin, or none (a native client), is fine.
    let own = s.post(init_body(), &[("origin", &app.base)]).await;
    assert_eq!(own.status, 200, "{}", own.text);
    let none = s.post(init_body(), &[]).await;
    assert_eq!(none.status, 200, "{}", none.text);
}

/// A client given the MCP URL with a trailing slash is served the same, without a redirect
/// (clients do not follow a redirected POST); other paths under `/mcp/` are a 404 problem
/// document naming the URL's form.
async fn trailing_slash(app: TestApp) {
    let c = ctx(&app, &["reports:read"]).await;
    let mcp = url(&app, &c.company);
    let slashed = format!("{mcp}/");
    let meta_url = format!(
        "{}/.well-known/oauth-protected-resource/mcp/{}",
        app.base, c.company
    );
    // The same challenge, pointing at the same metadata.
    let g = send(
        app.http
            .post(&slashed)
            .header("accept", "application/json, text/event-stream")
            .json(&init_body()),
    )
    .await;
    g.expect(401);
    assert!(
        g.header("www-authenticate")
            .contains(&format!("resource_metadata=\"{meta_url}\"")),
        "{}",
        g.header("www-authenticate")
    );
    // The metadata at the slashed resource's well-known URL (RFC 9728 §3.1) names the one
    // resource, without the slash, which the client's prefix check accepts.
    let m = send(app.http.get(format!("{meta_url}/"))).await;
    m.expect(200);
    assert_eq!(m.body["resource"], mcp);
    // With the token (audience: the URL without the slash), both eras work at the slashed URL.
    for era in [Era::Stateless, Era::Sessions] {
        let mut s = Mcp::unopened(&app, &c.company, &c.token, era);
        s.url = slashed.clone();
        if era == Era::Sessions {
            s.initialize().await;
        }
        let tb = s.ok("trial_balance", json!({})).await;
        assert!(tb["report"].is_object(), "{tb}");
    }
    // Anything else under /mcp/ is a 404 that says what an MCP URL looks like.
    for path in [
        format!("{mcp}/tools"),
        format!("{}/mcp/not-a-company", app.base),
        format!("{}/mcp/", app.base),
    ] {
        let r = app
            .http
            .post(&path)
            .bearer_auth(&c.token)
            .json(&init_body())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("/mcp/{company_id}"),
            "{body}"
        );
    }
}

newledger_testkit::both_apps!(
    trailing_slash,
    challenge_and_metadata,
    wrong_audience,
    insufficient_scope,
    origin_and_host
);
