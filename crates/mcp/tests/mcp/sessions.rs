//! Both protocol eras, sessions bound to their connection and bounded, and revocation that
//! reaches an open session on its very next request.

use crate::client::{Era, Mcp};
use crate::{ALL, connect, ctx};
use newledger_testkit::TestApp;
use serde_json::json;

async fn both_eras(app: TestApp) {
    let c = ctx(&app, ALL).await;
    // 2026-07-28: no handshake, no session, JSON answers.
    let s = Mcp::open(&app, &c.company, &c.token, Era::Stateless).await;
    let r = s.request("tools/list", json!({})).await;
    r.result();
    assert!(r.header("mcp-session-id").is_empty());
    assert!(
        r.header("content-type").starts_with("application/json"),
        "{:?}",
        r.headers
    );
    let company = s.ok("get_company", json!({})).await;
    assert_eq!(company["name"], "Acme Ltd");
    // 2025-11-25: initialize opens a session; requests carry it.
    let mut l = Mcp::unopened(&app, &c.company, &c.token, Era::Sessions);
    let init = l.initialize().await;
    assert_eq!(init.result()["protocolVersion"], "2025-11-25");
    assert_eq!(init.result()["serverInfo"]["name"], "newledger");
    assert!(init.result()["capabilities"]["tools"].is_object());
    let company = l.ok("get_company", json!({})).await;
    assert_eq!(company["currency"], "EUR");
    // Without the session id, a 2025-11-25 request is refused.
    let mut no_session = Mcp::unopened(&app, &c.company, &c.token, Era::Sessions);
    no_session.session = None;
    let r = no_session.request("tools/list", json!({})).await;
    assert!(
        r.status == 400 || r.status == 404,
        "{} {}",
        r.status,
        r.text
    );
    // An unsupported MCP-Protocol-Version: 400.
    let r = l
        .request_with(
            "tools/list",
            json!({}),
            &[("mcp-protocol-version", "1999-01-01")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // An unknown session: 404.
    let mut unknown = Mcp::unopened(&app, &c.company, &c.token, Era::Sessions);
    unknown.session = Some("not-a-session".into());
    assert_eq!(unknown.request("tools/list", json!({})).await.status, 404);
    // DELETE ends the session; it is then unknown.
    assert!((200..300).contains(&l.delete().await));
    assert_eq!(l.request("tools/list", json!({})).await.status, 404);
}

async fn sessions_belong_to_their_connection(app: TestApp) {
    let c = ctx(&app, ALL).await;
    let a = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    // Another connection of the same person (another client) cannot use that session…
    let other = connect(&app, &c.owner, &["reports:read"]).await;
    let mut stolen = Mcp::unopened(&app, &c.company, &other, Era::Sessions);
    stolen.session = a.session.clone();
    assert_eq!(stolen.request("tools/list", json!({})).await.status, 404);
    // …and a session never stands in for the token.
    let mut tokenless = Mcp::unopened(&app, &c.company, "", Era::Sessions);
    tokenless.session = a.session.clone();
    assert_eq!(tokenless.request("tools/list", json!({})).await.status, 401);
    a.request("tools/list", json!({})).await.result();
}

async fn sessions_are_bounded(app: TestApp) {
    let c = ctx(&app, &["reports:read"]).await;
    let first = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    let mut later = Vec::new();
    for _ in 0..8 {
        later.push(Mcp::open(&app, &c.company, &c.token, Era::Sessions).await);
    }
    // Eight per connection: the ninth ended the least recently used (the first).
    assert_eq!(first.request("tools/list", json!({})).await.status, 404);
    for s in &later {
        s.request("tools/list", json!({})).await.result();
    }
}

async fn revocation_mid_session(app: TestApp) {
    let c = ctx(&app, ALL).await;
    let owner = app.access(&c.owner).await;
    let sessions = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    let stateless = Mcp::open(&app, &c.company, &c.token, Era::Stateless).await;
    sessions.ok("trial_balance", json!({})).await;
    stateless.ok("trial_balance", json!({})).await;
    let conns = newledger_service::oauth::connections::list(&app.svc, &owner)
        .await
        .unwrap();
    assert_eq!(conns.len(), 1);
    let code = app.next_totp(&c.owner.totp_secret);
    newledger_service::oauth::connections::delete(
        &app.svc,
        &owner,
        conns[0].connection.id.as_str(),
        &code,
    )
    .await
    .unwrap();
    for s in [&sessions, &stateless] {
        let r = s
            .request(
                "tools/call",
                json!({"name": "trial_balance", "arguments": {}}),
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
        let www = r.header("www-authenticate");
        assert!(www.contains("invalid_token"), "{www}");
        assert!(www.contains("resource_metadata="), "{www}");
    }
}

async fn refreshed_tokens_keep_the_mcp_audience(app: TestApp) {
    let owner = app.owner("Acme Ltd").await;
    let resource = crate::client::url(&app, &owner.company_id);
    let (client_id, _, refresh) = newledger_testkit::oauth::connected_to(
        &app,
        &owner,
        "reports:read",
        std::slice::from_ref(&resource),
        &["reports:read"],
    )
    .await;
    let t = newledger_testkit::oauth::refresh(&app, &client_id, &refresh).await;
    t.expect(200);
    assert_eq!(t.body["resource"], json!([resource]));
    let token = t.body["access_token"].as_str().unwrap();
    let s = Mcp::open(&app, &owner.company_id, token, Era::Stateless).await;
    s.ok("trial_balance", json!({})).await;
    // Still not a REST API token.
    let g = app
        .api_get(token, &owner.company_id, "/reports/trial-balance")
        .await;
    assert_eq!(g.status(), 401);
}

async fn permissions_are_read_at_each_request(app: TestApp) {
    // A bookkeeper connects with invoice drafting; demoted to a role without it, the open
    // session loses the tool at once.
    let owner = app.owner("Acme Ltd").await;
    let bk = app
        .member(&owner.company_id, newledger_domain::role::Role::Bookkeeper)
        .await;
    let token = connect(
        &app,
        &bk,
        &["invoices:read", "invoices:draft", "reports:read"],
    )
    .await;
    let s = Mcp::open(&app, &owner.company_id, &token, Era::Sessions).await;
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = names(s.request("tools/list", json!({})).await.result());
    assert!(before.contains(&"draft_invoice".to_owned()), "{before:?}");
    let oa = app.access(&owner).await;
    newledger_service::company::set_member(
        &app.svc,
        &oa,
        &bk.email,
        newledger_domain::role::Role::Viewer,
    )
    .await
    .unwrap();
    let after = names(s.request("tools/list", json!({})).await.result());
    assert!(!after.contains(&"draft_invoice".to_owned()), "{after:?}");
    assert!(after.contains(&"list_invoices".to_owned()), "{after:?}");
}

/// A session unused for longer than the idle limit has ended: 404 (the client initializes
/// again), while one used within it lives on.
async fn idle_sessions_end(db: String) {
    let mut web = newledger_web::WebConfig::new("http://placeholder");
    web.mcp_session_idle = std::time::Duration::from_secs(1);
    let opts = newledger_testkit::app::Options {
        web: Some(web),
        ..Default::default()
    };
    let app = newledger_testkit::app::spawn_app_with(&db, opts).await;
    let c = ctx(&app, &["reports:read"]).await;
    let idle = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    let busy = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        busy.request("tools/list", json!({})).await.result();
    }
    let r = idle.request("tools/list", json!({})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    busy.ok("trial_balance", json!({})).await;
    // A new session works at once.
    Mcp::open(&app, &c.company, &c.token, Era::Sessions)
        .await
        .ok("trial_balance", json!({}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_end_on_both() {
    newledger_testkit::db::on_both_urls(|db, _| idle_sessions_end(db)).await;
}

newledger_testkit::both_apps!(
    both_eras,
    sessions_belong_to_their_connection,
    sessions_are_bounded,
    revocation_mid_session,
    refreshed_tokens_keep_the_mcp_audience,
    permissions_are_read_at_each_request
);
