//! PKCE and authorization codes: requests that go back to the client with an error, codes
//! for another client or with a wrong verifier, expiry, and a replayed code revoking what it gave.

use crate::oauth_support::*;
use crate::support::*;

async fn pkce_and_request_attacks(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let b = browser();
    // Missing PKCE, plain PKCE, wrong response_type, unknown scope, foreign resource: each goes
    // back to the client with the error, state and iss.
    let cases: Vec<(Authz, &str)> = vec![
        (
            Authz {
                challenge: None,
                ..Authz::new(&client_id, &challenge)
            },
            "invalid_request",
        ),
        (
            Authz {
                method: Some("plain".into()),
                ..Authz::new(&client_id, &challenge)
            },
            "invalid_request",
        ),
        (
            Authz {
                method: None,
                ..Authz::new(&client_id, &challenge)
            },
            "invalid_request",
        ),
        (
            Authz {
                scope: Some("invoices:read teleport".into()),
                ..Authz::new(&client_id, &challenge)
            },
            "invalid_scope",
        ),
        (
            Authz {
                resource: vec!["https://evil.example/mcp/cmp_01abc".into()],
                ..Authz::new(&client_id, &challenge)
            },
            "invalid_target",
        ),
        (
            Authz {
                resource: vec![format!("{}/mcp/cmp_01nosuchcompany", app.base)],
                ..Authz::new(&client_id, &challenge)
            },
            "invalid_target",
        ),
    ];
    for (a, err) in cases {
        let r = b.get(a.url(&app)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{a:?}");
        let loc = location(&r);
        assert!(loc.starts_with(REDIRECT), "{loc}");
        let q = query(&loc);
        assert_eq!(q["error"], err, "{a:?}");
        assert_eq!(q["state"], "st-42");
        assert_eq!(q["iss"], app.base);
    }
    // Unknown client: an error page, no redirect.
    let a = Authz::new("oac_01unknownclient", &challenge);
    let r = b.get(a.url(&app)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());

    // Wrong verifier, code for another client, redirect URI changed at the token endpoint.
    let a = Authz::new(&client_id, &challenge);
    let code = approve(&app, &p, &a, &["invoices:read"]).await;
    let (other_verifier, _) = pkce();
    exchange(&app, &client_id, &code, &other_verifier)
        .await
        .oauth_error(400, "invalid_grant");
    let code = approve(&app, &p, &a, &["invoices:read"]).await;
    let (other_client, _) = register(&app, &[REDIRECT], "none").await;
    let d = exchange(&app, &other_client, &code, &verifier)
        .await
        .oauth_error(400, "invalid_grant");
    assert!(d.contains("another client"), "{d}");
    let code = approve(&app, &p, &a, &["invoices:read"]).await;
    token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", "https://client.example.com/callback/"),
            ("code_verifier", &verifier),
        ],
    )
    .await
    .oauth_error(400, "invalid_grant");
    // Expired code (> 60 s).
    let code = approve(&app, &p, &a, &["invoices:read"]).await;
    app.clock.advance(61_000);
    exchange(&app, &client_id, &code, &verifier)
        .await
        .oauth_error(400, "invalid_grant");
    // Missing verifier.
    let code = approve(&app, &p, &a, &["invoices:read"]).await;
    token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await
    .oauth_error(400, "invalid_request");
}

async fn code_replay_revokes_what_it_gave(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    let code = approve(&app, &p, &a, &["invoices:read"]).await;
    let t = exchange(&app, &client_id, &code, &verifier).await;
    t.expect(200);
    let at = t.body["access_token"].as_str().unwrap();
    get(&app, at, &p.company_id, "/invoices").await.expect(200);
    let d = exchange(&app, &client_id, &code, &verifier)
        .await
        .oauth_error(400, "invalid_grant");
    assert!(d.contains("already used"), "{d}");
    get(&app, at, &p.company_id, "/invoices")
        .await
        .invalid_token();
    refresh(&app, &client_id, t.body["refresh_token"].as_str().unwrap())
        .await
        .oauth_error(400, "invalid_grant");
    let acts = app.activity(&p.company_id).await;
    assert!(acts.iter().any(|x| x.row.action == "oauth.code_replayed"));
}

newledger_testkit::both_apps!(pkce_and_request_attacks, code_replay_revokes_what_it_gave,);
