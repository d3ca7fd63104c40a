//! Revocation (RFC 7009) and introspection (RFC 7662).

use crate::oauth_support::*;
use crate::support::*;

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

newledger_testkit::both_apps!(revoke_and_introspect,);
