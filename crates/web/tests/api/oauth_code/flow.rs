//! The flow end to end: the metadata a client starts from, then sign-in, consent with a
//! second factor, the code exchange, the REST API with the token, and refresh rotation with its
//! grace window and reuse detection.

use crate::oauth_support::*;
use crate::support::*;

async fn metadata_names_every_endpoint(app: TestApp) {
    let g = send(app.http.get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.base
    )))
    .await;
    g.expect(200);
    let b = &g.body;
    assert_eq!(b["issuer"], app.base, "issuer is the base URL exactly");
    for (k, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("registration_endpoint", "/oauth/register"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("introspection_endpoint", "/oauth/introspect"),
    ] {
        assert_eq!(b[k], format!("{}{path}", app.base));
    }
    assert_eq!(b["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        b["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(b["authorization_response_iss_parameter_supported"], true);
    let methods = b["token_endpoint_auth_methods_supported"].to_string();
    for m in ["none", "client_secret_basic", "client_secret_post"] {
        assert!(methods.contains(m));
    }
    assert!(b["scopes_supported"].to_string().contains("invoices:draft"));
    assert!(!b["scopes_supported"].to_string().contains("journal:post"));
}

async fn code_flow_with_consent_refresh_and_api(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    // The consent page says what is asked, in words, with a company and a code field.
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    assert!(
        html.contains("Not verified by NewLedger"),
        "dynamic client warned"
    );
    assert!(html.contains("client.example.com"));
    assert!(html.contains("Read invoices"));
    assert!(html.contains("Draft invoices"));
    assert!(html.contains("wait for the next one"));
    // A stale code is refused with words, not "invalid code".
    let used = newledger_service::people::totp::code_at(
        &p.totp_secret,
        u64::try_from(app.clock.now_ms() / 1000).unwrap(),
    )
    .unwrap();
    let r = submit_consent(
        &app,
        &b,
        &html,
        &a,
        &p.company_id,
        &["invoices:read"],
        &used,
        "approve",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already used"));
    let code = app.next_totp(&p.totp_secret);
    let r = submit_consent(
        &app,
        &b,
        &html,
        &a,
        &p.company_id,
        &["invoices:read", "contacts:read"],
        &code,
        "approve",
    )
    .await;
    assert_eq!(r.status(), 303);
    let q = query(&location(&r));
    assert_eq!(
        (q["state"].as_str(), q["iss"].as_str()),
        ("st-42", app.base.as_str())
    );
    let t = exchange(&app, &client_id, &q["code"], &verifier).await;
    t.expect(200);
    assert_eq!(t.header("cache-control"), "no-store");
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(
        t.body["scope"], "contacts:read invoices:read",
        "the removed permission is gone"
    );
    assert_eq!(t.body["company_id"], p.company_id.to_string());
    let resources = t.body["resource"].to_string();
    assert!(resources.contains(&format!("/api/v1/companies/{}", p.company_id)));
    assert!(
        resources.contains(&format!("/mcp/{}", p.company_id)),
        "no resource: both surfaces"
    );
    let at = t.body["access_token"].as_str().unwrap();
    assert!(at.starts_with("nlat_"));
    get(&app, at, &p.company_id, "/invoices").await.expect(200);
    // Removed at consent: invoices:draft.
    post(&app, at, &p.company_id, "/invoices", &serde_json::json!({}))
        .await
        .insufficient_scope("invoices:draft");
    // Another company: refused.
    let other = app.owner("Other Ltd").await;
    get(&app, at, &other.company_id, "/invoices")
        .await
        .invalid_token();

    // Refresh rotates; the new pair works.
    let rt = t.body["refresh_token"].as_str().unwrap();
    assert!(rt.starts_with("nlrt_"));
    let r1 = refresh(&app, &client_id, rt).await;
    r1.expect(200);
    let rt2 = r1.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt2, rt);
    get(
        &app,
        r1.body["access_token"].as_str().unwrap(),
        &p.company_id,
        "/invoices",
    )
    .await
    .expect(200);
    // Inside the grace window: the very same pair.
    let again = refresh(&app, &client_id, rt).await;
    again.expect(200);
    assert_eq!(again.body["refresh_token"], r1.body["refresh_token"]);
    assert_eq!(again.body["access_token"], r1.body["access_token"]);
    // A refresh never widens.
    token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("refresh_token", &rt2),
            ("scope", "invoices:read invoices:draft"),
        ],
    )
    .await
    .oauth_error(400, "invalid_scope");
    // Outside the grace window: reuse revokes the whole family, access tokens included.
    app.clock.advance(31_000);
    let reuse = refresh(&app, &client_id, rt).await;
    let d = reuse.oauth_error(400, "invalid_grant");
    assert!(d.contains("already used"), "{d}");
    refresh(&app, &client_id, &rt2)
        .await
        .oauth_error(400, "invalid_grant");
    get(
        &app,
        r1.body["access_token"].as_str().unwrap(),
        &p.company_id,
        "/invoices",
    )
    .await
    .invalid_token();
    let acts = app.activity(&p.company_id).await;
    let actions: Vec<&str> = acts.iter().map(|x| x.row.action.as_str()).collect();
    for a in [
        "oauth.consent_granted",
        "oauth.tokens_issued",
        "oauth.refresh_reused",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let granted = acts
        .iter()
        .find(|x| x.row.action == "oauth.consent_granted")
        .unwrap();
    assert!(
        granted.row.reason.contains("removed invoices:draft"),
        "{}",
        granted.row.reason
    );
}

newledger_testkit::both_apps!(
    metadata_names_every_endpoint,
    code_flow_with_consent_refresh_and_api,
);
