//! OAuth 2.0 authorization code + PKCE over real HTTP, written as attacks: metadata, the
//! scripted person (sign-in, consent, TOTP), PKCE, redirect URIs, codes, resources, refresh
//! rotation with reuse detection and its grace window, deletion, permissions removed at consent
//! or from the approving person, CSRF and framing, registration limits, revocation,
//! introspection and the token endpoint's hardening.

use crate::oauth_support::*;
use crate::support::*;
use newledger_domain::role::Role;

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
    let acts = app
        .svc
        .store
        .list_activity(
            &p.company_id,
            &newledger_store::ActivityFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
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

async fn redirect_uri_mismatches_never_redirect(app: TestApp) {
    let (client_id, _) = register(&app, &[REDIRECT, "http://127.0.0.1/cb"], "none").await;
    let (_, challenge) = pkce();
    let b = browser();
    for bad in [
        "https://client.example.com/callback/",
        "https://client.example.com:8443/callback",
        "https://client.example.com/callback/extra",
        "https://CLIENT.example.com/callback",
        "https://client.example.com/Callback",
        "https://user@client.example.com/callback",
        "https://client.example.com/callback#frag",
        "https://evil.example/callback",
        "http://127.0.0.2:5000/cb",
        "http://127.0.0.1:5000/cb/",
    ] {
        let a = Authz {
            redirect_uri: bad.into(),
            ..Authz::new(&client_id, &challenge)
        };
        let r = b.get(a.url(&app)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(
            r.headers().get("location").is_none(),
            "{bad}: never redirected"
        );
        assert!(
            r.text().await.unwrap().contains("did not register"),
            "{bad}"
        );
    }
    // Loopback IP literal: any port (RFC 8252 §7.3); missing PKCE goes back to it.
    let a = Authz {
        redirect_uri: "http://127.0.0.1:51234/cb".into(),
        challenge: None,
        ..Authz::new(&client_id, &challenge)
    };
    let r = b.get(a.url(&app)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("http://127.0.0.1:51234/cb?"));
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
    let acts = app
        .svc
        .store
        .list_activity(
            &p.company_id,
            &newledger_store::ActivityFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(acts.iter().any(|x| x.row.action == "oauth.code_replayed"));
}

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

async fn deleted_connection_and_downgraded_person(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let bk = app.member(&p.company_id, Role::Bookkeeper).await;
    let (client_id, at, rt) = connected(&app, &bk, &["invoices:read", "invoices:draft"]).await;
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    // The approving person is downgraded to viewer: drafting stops, reading goes on.
    let owner = app.access(&p).await;
    newledger_service::company::set_member(&app.svc, &owner, &bk.email, Role::Viewer)
        .await
        .unwrap();
    post(
        &app,
        &at,
        &p.company_id,
        "/invoices",
        &serde_json::json!({}),
    )
    .await
    .insufficient_scope("invoices:draft");
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    // The owner deletes the connection (with a fresh TOTP code): everything stops at once.
    let conns = newledger_service::oauth::connections::list(&app.svc, &owner)
        .await
        .unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].approved_by, bk.email);
    let code = app.next_totp(&p.totp_secret);
    newledger_service::oauth::connections::delete(
        &app.svc,
        &owner,
        conns[0].connection.id.as_str(),
        &code,
    )
    .await
    .unwrap();
    get(&app, &at, &p.company_id, "/invoices")
        .await
        .invalid_token();
    let d = refresh(&app, &client_id, &rt)
        .await
        .oauth_error(400, "invalid_grant");
    assert!(d.contains("revoked") || d.contains("deleted"), "{d}");
}

async fn non_delegable_permissions_are_named_and_refused(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let a = Authz {
        scope: Some("invoices:read journal:post members:manage".into()),
        ..Authz::new(&client_id, &challenge)
    };
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    assert!(
        html.contains("journal:post") && html.contains("only people can do this"),
        "{html}"
    );
    let code = app.next_totp(&p.totp_secret);
    // Even a forged form cannot grant them.
    let r = submit_consent(
        &app,
        &b,
        &html,
        &a,
        &p.company_id,
        &["invoices:read", "journal:post", "members:manage"],
        &code,
        "approve",
    )
    .await;
    let q = query(&location(&r));
    let t = exchange(&app, &client_id, &q["code"], &verifier).await;
    assert_eq!(t.body["scope"], "invoices:read");
}

async fn consent_form_refuses_csrf_and_framing(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (_, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    let r = b.get(a.url(&app)).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let code = app.next_totp(&p.totp_secret);
    let mut f = a.pairs();
    f.extend([
        ("company".into(), p.company_id.to_string()),
        ("permission".into(), "invoices:read".into()),
        ("code".into(), code.clone()),
        ("decision".into(), "approve".into()),
    ]);
    // No CSRF token.
    let r = b
        .post(format!("{}/oauth/authorize", app.base))
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    f.push(("csrf".into(), csrf_of(&html)));
    // From a frame, or from another site.
    let r = b
        .post(format!("{}/oauth/authorize", app.base))
        .header("sec-fetch-dest", "iframe")
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = b
        .post(format!("{}/oauth/authorize", app.base))
        .header("origin", "https://evil.example")
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = b
        .post(format!("{}/oauth/authorize", app.base))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "null")
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Deny goes back with access_denied — also from a real browser, which sends `Origin: null`
    // from our own pages (they are served with `Referrer-Policy: no-referrer`).
    let mut deny = a.pairs();
    deny.extend([
        ("csrf".into(), csrf_of(&html)),
        ("decision".into(), "deny".into()),
    ]);
    let r = b
        .post(format!("{}/oauth/authorize", app.base))
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-dest", "document")
        .header("origin", "null")
        .form(&deny)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let q = query(&location(&r));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["iss"], app.base);
}

async fn registration_rules(app: TestApp) {
    let reg = |body: serde_json::Value| {
        send(
            app.http
                .post(format!("{}/oauth/register", app.base))
                .json(&body),
        )
    };
    reg(serde_json::json!({"redirect_uris": ["http://client.example.com/cb"]}))
        .await
        .oauth_error(400, "invalid_redirect_uri");
    reg(serde_json::json!({"redirect_uris": []}))
        .await
        .oauth_error(400, "invalid_redirect_uri");
    reg(serde_json::json!({"redirect_uris": [REDIRECT], "client_name": "x".repeat(101)}))
        .await
        .oauth_error(400, "invalid_client_metadata");
    reg(serde_json::json!({"redirect_uris": [REDIRECT], "grant_types": ["client_credentials"]}))
        .await
        .oauth_error(400, "invalid_client_metadata");
    // A native app asking for a secret method gets `none`.
    let g = reg(serde_json::json!({"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "client_secret_basic"})).await;
    g.expect(201);
    assert_eq!(g.body["token_endpoint_auth_method"], "none");
    assert!(g.body["client_secret"].is_null());
    let big = send(
        app.http
            .post(format!("{}/oauth/register", app.base))
            .header("content-type", "application/json")
            .body(vec![b' '; 20_000]),
    )
    .await;
    big.oauth_error(413, "invalid_client_metadata");
    // Per address: 10 a minute.
    let mut limited = false;
    for _ in 0..12 {
        let g = reg(serde_json::json!({"redirect_uris": [REDIRECT]})).await;
        if g.status == 429 {
            assert!(!g.header("retry-after").is_empty());
            limited = true;
        }
    }
    assert!(limited);
}

async fn revoke_and_introspect(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, secret) = register(&app, &[REDIRECT], "client_secret_post").await;
    let secret = secret.expect("confidential client gets a secret");
    let (verifier, challenge) = pkce();
    let code = approve(
        &app,
        &p,
        &Authz::new(&client_id, &challenge),
        &["invoices:read"],
    )
    .await;
    // A confidential client must authenticate.
    exchange(&app, &client_id, &code, &verifier)
        .await
        .oauth_error(401, "invalid_client");
    let code = approve(
        &app,
        &p,
        &Authz::new(&client_id, &challenge),
        &["invoices:read"],
    )
    .await;
    let t = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    t.expect(200);
    let at = t.body["access_token"].as_str().unwrap();
    let rt = t.body["refresh_token"].as_str().unwrap();
    let intro = |tok: &str| {
        send(
            app.http
                .post(format!("{}/oauth/introspect", app.base))
                .basic_auth(&client_id, Some(&secret))
                .form(&[("token", tok)]),
        )
    };
    let i = intro(at).await;
    i.expect(200);
    assert_eq!(i.body["active"], true);
    assert_eq!(i.body["scope"], "invoices:read");
    assert_eq!(i.body["client_id"], client_id);
    assert_eq!(i.body["iss"], app.base);
    assert_eq!(intro(rt).await.body["active"], true);
    let junk = intro("nlat_garbage").await;
    assert_eq!(junk.body, serde_json::json!({"active": false}));
    // Another client learns nothing about these tokens.
    let (c2, s2) = register(&app, &[REDIRECT], "client_secret_basic").await;
    let g = send(
        app.http
            .post(format!("{}/oauth/introspect", app.base))
            .basic_auth(&c2, s2.as_deref())
            .form(&[("token", at)]),
    )
    .await;
    assert_eq!(g.body, serde_json::json!({"active": false}));
    // Public clients cannot introspect.
    send(
        app.http
            .post(format!("{}/oauth/introspect", app.base))
            .form(&[("client_id", client_id.as_str()), ("token", at)]),
    )
    .await
    .oauth_error(401, "invalid_client");
    // Revoking the refresh token kills its family and the access tokens.
    let r = send(
        app.http
            .post(format!("{}/oauth/revoke", app.base))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("token", rt)]),
    )
    .await;
    r.expect(200);
    assert_eq!(intro(rt).await.body["active"], false);
    assert_eq!(intro(at).await.body["active"], false);
    get(&app, at, &p.company_id, "/invoices")
        .await
        .invalid_token();
    // Unknown tokens: the same 200.
    send(
        app.http
            .post(format!("{}/oauth/revoke", app.base))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("token", "nlrt_nothing")]),
    )
    .await
    .expect(200);
}

async fn token_endpoint_hardening(app: TestApp) {
    let c = ctx(&app, &["invoices:read"]).await;
    // A body over the 16 KB limit: 413 in RFC 6749 shape (kept small enough that the client
    // finishes sending before the server answers and closes).
    let big = format!("grant_type=client_credentials&scope={}", "x".repeat(40_000));
    let g = send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&c.client_id, Some(&c.secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big),
    )
    .await;
    g.oauth_error(413, "invalid_request");
    // An unknown scope is not echoed in full.
    let long = "y".repeat(10_000);
    let g = send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&c.client_id, Some(&c.secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", long.as_str()),
            ]),
    )
    .await;
    let d = g.oauth_error(400, "invalid_scope");
    assert!(d.len() < 400, "{} chars", d.len());
    // client_credentials for another company's API or a foreign host: invalid_target.
    let other = app.owner("Other").await;
    for r in [
        format!("{}/api/v1/companies/{}", app.base, other.company_id),
        "https://evil.example/api".into(),
    ] {
        send(
            app.http
                .post(format!("{}/oauth/token", app.base))
                .basic_auth(&c.client_id, Some(&c.secret))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("resource", r.as_str()),
                ]),
        )
        .await
        .oauth_error(400, "invalid_target");
    }
    let own = format!("{}/api/v1/companies/{}", app.base, c.company);
    send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&c.client_id, Some(&c.secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("resource", own.as_str()),
            ]),
    )
    .await
    .expect(200);
}

newledger_testkit::both_apps!(
    metadata_names_every_endpoint,
    code_flow_with_consent_refresh_and_api,
    pkce_and_request_attacks,
    redirect_uri_mismatches_never_redirect,
    code_replay_revokes_what_it_gave,
    resources_bind_tokens,
    deleted_connection_and_downgraded_person,
    non_delegable_permissions_are_named_and_refused,
    consent_form_refuses_csrf_and_framing,
    registration_rules,
    revoke_and_introspect,
    token_endpoint_hardening,
    concurrent_refreshes_get_one_pair,
    connections_tab_lists_and_deletes,
    same_or_less_is_not_asked_again,
    registered_oauth_app_lifecycle,
    drafts_through_a_connection_show_the_connection,
);

async fn concurrent_refreshes_get_one_pair(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _, rt) = connected(&app, &p, &["invoices:read"]).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (http, base, id, rt) = (
            app.http.clone(),
            app.base.clone(),
            client_id.clone(),
            rt.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/oauth/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", id.as_str()),
                    ("refresh_token", rt.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "a concurrent retry is not a reuse");
            r.json::<serde_json::Value>().await.unwrap()
        }));
    }
    let mut pairs = std::collections::HashSet::new();
    for t in tasks {
        let v = t.await.unwrap();
        pairs.insert((
            v["access_token"].to_string(),
            v["refresh_token"].to_string(),
        ));
    }
    assert_eq!(
        pairs.len(),
        1,
        "every concurrent refresh got the same successor pair"
    );
    let (at, next) = pairs.into_iter().next().unwrap();
    get(&app, at.trim_matches('"'), &p.company_id, "/invoices")
        .await
        .expect(200);
    refresh(&app, &client_id, next.trim_matches('"'))
        .await
        .expect(200);
}

async fn connections_tab_lists_and_deletes(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, at, rt) = connected(&app, &p, &["invoices:read"]).await;
    let b = signed_in_browser(&app, &p).await;
    let tab = format!(
        "{}/app/{}/settings/app-connect/oauth",
        app.base, p.company_id
    );
    let html = b.get(&tab).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Ledger Helper"), "{html}");
    assert!(html.contains(&p.email));
    assert!(html.contains("invoices:read"));
    assert!(html.contains("not verified"));
    assert!(html.contains(&format!("/mcp/{}", p.company_id)));
    let conn = app
        .svc
        .store
        .list_connections(&p.company_id)
        .await
        .unwrap()
        .remove(0);
    let action = format!(
        "{}/app/{}/settings/app-connect/oauth/{}/delete",
        app.base, p.company_id, conn.id
    );
    // Without CSRF: refused. With a wrong code: not deleted.
    let r = b
        .post(&action)
        .form(&[("totp", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let csrf = csrf_of(&html);
    b.post(&action)
        .form(&[("csrf", csrf.as_str()), ("totp", "000000")])
        .send()
        .await
        .unwrap();
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .post(&action)
        .form(&[("csrf", csrf.as_str()), ("totp", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    get(&app, &at, &p.company_id, "/invoices")
        .await
        .invalid_token();
    refresh(&app, &client_id, &rt)
        .await
        .oauth_error(400, "invalid_grant");
    let html = b.get(&tab).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("No app is connected"), "{html}");
    let acts = app
        .svc
        .store
        .list_activity(
            &p.company_id,
            &newledger_store::ActivityFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        acts.iter()
            .any(|x| x.row.action == "oauth.connection_deleted")
    );
}

async fn same_or_less_is_not_asked_again(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let all = ["invoices:read", "invoices:draft", "contacts:read"];
    let a = Authz::new(&client_id, &challenge);
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    let code = app.next_totp(&p.totp_secret);
    let r = submit_consent(&app, &b, &html, &a, &p.company_id, &all, &code, "approve").await;
    assert_eq!(r.status(), 303);
    // Less than approved: a code at once, no consent page.
    let less = Authz {
        scope: Some("invoices:read".into()),
        ..a.clone()
    };
    let r = b.get(less.url(&app)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let q = query(&location(&r));
    let t = exchange(&app, &client_id, &q["code"], &verifier).await;
    assert_eq!(t.body["scope"], "invoices:read");
    // Right after our own sign-in form (same-origin navigation) a browser would stop a redirect
    // to another origin (form-action 'self'): a page that moves on by itself instead.
    let r = b
        .get(less.url(&app))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let refresh = r.headers()["refresh"].to_str().unwrap().to_owned();
    assert!(
        refresh.starts_with(&format!("0; url={REDIRECT}?code=")),
        "{refresh}"
    );
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Continue to Ledger Helper")
    );
    // More than approved: asked again.
    let more = Authz {
        scope: Some("invoices:read bills:read".into()),
        ..a.clone()
    };
    let r = b.get(more.url(&app)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Read bills"));
}

async fn registered_oauth_app_lifecycle(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let b = signed_in_browser(&app, &p).await;
    let tab = format!(
        "{}/app/{}/settings/app-connect/oauth",
        app.base, p.company_id
    );
    let html = b.get(&tab).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&html);
    let reg = format!("{tab}/apps");
    // A plain-http redirect on a public host is refused with words.
    let r = b
        .post(&reg)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Partner portal"),
            ("redirect_uris", "http://partner.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("loopback"));
    let r = b
        .post(&reg)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Partner portal"),
            ("redirect_uris", REDIRECT),
            ("confidential", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let grab = |id: &str| {
        let i = html.find(&format!("id=\"{id}\"")).unwrap();
        let rest = &html[i..];
        let s = rest.find('>').unwrap() + 1;
        rest[s..s + rest[s..].find('<').unwrap()].to_owned()
    };
    let (client_id, secret) = (grab("client-id"), grab("client-secret"));
    assert!(client_id.starts_with("oac_") && secret.starts_with("nlcs_"));
    // A verified client: no "not verified" warning at consent; its secret is required.
    let (verifier, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    let (b2, consent) = sign_in_to_consent(&app, &p, &a).await;
    assert!(!consent.contains("Not verified by NewLedger"));
    let code = app.next_totp(&p.totp_secret);
    let r = submit_consent(
        &app,
        &b2,
        &consent,
        &a,
        &p.company_id,
        &["invoices:read"],
        &code,
        "approve",
    )
    .await;
    let q = query(&location(&r));
    let t = send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&client_id, Some(&secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", q["code"].as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier.as_str()),
            ]),
    )
    .await;
    t.expect(200);
    let at = t.body["access_token"].as_str().unwrap().to_owned();
    // Rotation: the old secret stops.
    let r = b
        .post(format!("{tab}/apps/{client_id}/rotate"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rt = t.body["refresh_token"].as_str().unwrap();
    send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)]),
    )
    .await
    .oauth_error(401, "invalid_client");
    // Deletion: its connections' tokens stop.
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    let r = b
        .post(format!("{tab}/apps/{client_id}/delete"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    get(&app, &at, &p.company_id, "/invoices")
        .await
        .invalid_token();
}

async fn drafts_through_a_connection_show_the_connection(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let keep = [
        "accounts:read",
        "contacts:read",
        "contacts:write",
        "invoices:read",
        "invoices:draft",
    ];
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let a = Authz {
        scope: Some(keep.join(" ")),
        ..Authz::new(&client_id, &challenge)
    };
    let code = approve(&app, &p, &a, &keep).await;
    let t = exchange(&app, &client_id, &code, &verifier).await;
    let at = t.body["access_token"].as_str().unwrap().to_owned();
    let chart = chart(&app, &at, &p.company_id).await;
    let ctc = contact(&app, &at, &p.company_id, "Blue Harbor Cafe").await;
    let date = app.svc.clock.today().to_string();
    post(
        &app,
        &at,
        &p.company_id,
        "/invoices",
        &document_body(&date, Some(&ctc), &chart.revenue, "49.00", None),
    )
    .await
    .expect(201);
    let b = signed_in_browser(&app, &p).await;
    let html = b
        .get(format!("{}/app/{}/drafts", app.base, p.company_id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Ledger Helper (connected by Olivia Owner)"),
        "{html}"
    );
}
