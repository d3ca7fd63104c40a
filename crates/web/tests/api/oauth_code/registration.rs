//! Client registration: dynamic registration rules and limits, and an OAuth app a company
//! registers, rotates and deletes.

use crate::oauth_support::*;
use crate::support::*;

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

newledger_testkit::both_apps!(registration_rules, registered_oauth_app_lifecycle,);
