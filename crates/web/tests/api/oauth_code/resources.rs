//! Resource indicators (RFC 8707): tokens are bound to the REST API or MCP server they were
//! authorized for, and the company is fixed by the resource.

use crate::oauth_support::*;
use crate::support::*;

async fn resources_bind_tokens(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let other = app.owner("Other Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    // The request names the MCP server of the person's company: the company is fixed.
    let mcp = format!("{}/mcp/{}", app.base, p.company_id);
    let a = Authz {
        resource: vec![mcp.clone()],
        ..Authz::new(&client_id, &challenge)
    };
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    assert!(!html.contains("<select"), "fixed company, no picker");
    let code = app.next_totp(&p.totp_secret);
    // The form cannot switch to another company.
    let r = submit_consent(
        &app,
        &b,
        &html,
        &a,
        &other.company_id,
        &["invoices:read"],
        &code,
        "approve",
    )
    .await;
    assert_eq!(r.status(), 422);
    let code = app.next_totp(&p.totp_secret);
    let r = submit_consent(
        &app,
        &b,
        &html,
        &a,
        &p.company_id,
        &["invoices:read"],
        &code,
        "approve",
    )
    .await;
    let q = query(&location(&r));
    // Asking the token for the REST API when only MCP was authorized: invalid_target.
    let api = format!("{}/api/v1/companies/{}", app.base, p.company_id);
    token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("resource", &api),
        ],
    )
    .await
    .oauth_error(400, "invalid_target");
    // The MCP-only token is refused by the REST API.
    let (verifier, challenge) = pkce();
    let a = Authz {
        resource: vec![mcp.clone()],
        ..Authz::new(&client_id, &challenge)
    };
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    let code = app.next_totp(&p.totp_secret);
    let r = submit_consent(
        &app,
        &b,
        &html,
        &a,
        &p.company_id,
        &["invoices:read"],
        &code,
        "approve",
    )
    .await;
    let q = query(&location(&r));
    let t = exchange(&app, &client_id, &q["code"], &verifier).await;
    t.expect(200);
    assert_eq!(t.body["resource"], serde_json::json!([mcp]));
    get(
        &app,
        t.body["access_token"].as_str().unwrap(),
        &p.company_id,
        "/invoices",
    )
    .await
    .invalid_token();
}

newledger_testkit::both_apps!(resources_bind_tokens,);
