//! `POST /oauth/token` per RFC 6749 §4.4 and §5.2: both client authentication methods, every
//! documented error, `Cache-Control: no-store`, scope narrowing and rate limits.

use crate::support::*;
use newledger_testkit::app::Options;
use newledger_web::WebConfig;

const FORM: &str = "application/x-www-form-urlencoded";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn basic_and_post_both_issue_tokens(app: TestApp) {
    let c = ctx(&app, &["company:read", "invoices:read"]).await;
    // client_secret_basic
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    g.expect(200);
    assert_eq!(g.header("cache-control"), "no-store");
    assert_eq!(g.header("pragma"), "no-cache");
    assert!(g.header("content-type").starts_with("application/json"));
    assert!(
        g.body["access_token"]
            .as_str()
            .unwrap()
            .starts_with("nlat_")
    );
    assert_eq!(g.body["token_type"], "Bearer");
    assert_eq!(g.body["expires_in"], 900);
    assert_eq!(g.body["scope"], "company:read invoices:read");
    assert!(
        g.body.get("refresh_token").is_none(),
        "client_credentials issues no refresh token"
    );
    // client_secret_post
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        enc(&c.client_id),
        enc(&c.secret)
    );
    let g = token_raw(&app, None, FORM, &body).await;
    g.expect(200);
    assert_eq!(g.header("cache-control"), "no-store");
    let t = g.body["access_token"].as_str().unwrap();
    get(&app, t, &c.company, "/company").await.expect(200);
    // Two tokens are never equal.
    assert_ne!(t, c.token);
    // A charset parameter on the content type is fine; so is the client id repeated in the
    // body with Basic, when it is the same.
    let g = token_raw(
        &app,
        Some((&c.client_id, &c.secret)),
        "application/x-www-form-urlencoded; charset=UTF-8",
        &format!(
            "grant_type=client_credentials&client_id={}",
            enc(&c.client_id)
        ),
    )
    .await;
    g.expect(200);
}

async fn malformed_requests(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let basic = Some((c.client_id.as_str(), c.secret.as_str()));
    // Both methods at once.
    let g = token_raw(
        &app,
        basic,
        FORM,
        &format!(
            "grant_type=client_credentials&client_secret={}",
            enc(&c.secret)
        ),
    )
    .await;
    let d = g.oauth_error(400, "invalid_request");
    assert!(d.contains("not both"), "{d}");
    // Basic for one client, client_id of another in the body.
    let g = token_raw(
        &app,
        basic,
        FORM,
        "grant_type=client_credentials&client_id=app_other",
    )
    .await;
    g.oauth_error(400, "invalid_request");
    // grant_type missing.
    let g = token_raw(&app, basic, FORM, "scope=company%3Aread").await;
    let d = g.oauth_error(400, "invalid_request");
    assert!(d.contains("grant_type"), "{d}");
    // Unsupported grant types.
    for gt in ["password", "urn:ietf:params:oauth:grant-type:jwt-bearer"] {
        let g = token_raw(&app, basic, FORM, &format!("grant_type={}", enc(gt))).await;
        let d = g.oauth_error(400, "unsupported_grant_type");
        assert!(d.contains("client_credentials"), "{d}");
    }
    // The delegated grants are for OAuth clients, not API credential apps.
    for gt in ["authorization_code", "refresh_token"] {
        let g = token_raw(&app, basic, FORM, &format!("grant_type={}", enc(gt))).await;
        let d = g.oauth_error(400, "unauthorized_client");
        assert!(d.contains("client_credentials"), "{d}");
    }
    // Wrong content type.
    let g = token_raw(
        &app,
        basic,
        "application/json",
        r#"{"grant_type":"client_credentials"}"#,
    )
    .await;
    let d = g.oauth_error(400, "invalid_request");
    assert!(d.contains("application/x-www-form-urlencoded"), "{d}");
    let g = send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&c.client_id, Some(&c.secret))
            .body("grant_type=client_credentials"),
    )
    .await;
    g.oauth_error(400, "invalid_request");
    // A repeated parameter (RFC 6749 §3.2: parameters must not be included more than once).
    let g = token_raw(
        &app,
        basic,
        FORM,
        "grant_type=client_credentials&scope=company%3Aread&scope=company%3Aread",
    )
    .await;
    let d = g.oauth_error(400, "invalid_request");
    assert!(d.contains("scope") && d.contains("repeated"), "{d}");
    let g = token_raw(
        &app,
        basic,
        FORM,
        "grant_type=client_credentials&grant_type=client_credentials",
    )
    .await;
    g.oauth_error(400, "invalid_request");
    // No client authentication at all.
    let g = token_raw(&app, None, FORM, "grant_type=client_credentials").await;
    g.oauth_error(401, "invalid_client");
    assert!(g.header("www-authenticate").starts_with("Basic"));
    // A malformed Basic header.
    let g = send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .header("authorization", "Basic !!!")
            .header("content-type", FORM)
            .body("grant_type=client_credentials"),
    )
    .await;
    g.oauth_error(401, "invalid_client");
    // Only POST.
    let r = app
        .http
        .get(format!("{}/oauth/token", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

async fn bad_client_authentication_is_generic(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let unknown: String = app.svc.new_id("app_");
    let cases = [
        (c.client_id.clone(), "nlcs_wrong".to_owned()),
        (c.client_id.clone(), String::new()),
        (unknown, c.secret.clone()),
        ("not-even-an-id".to_owned(), c.secret.clone()),
    ];
    let mut bodies = Vec::new();
    for (id, secret) in &cases {
        let g = got(app.token_response(id, secret, None).await).await;
        g.oauth_error(401, "invalid_client");
        assert_eq!(g.header("www-authenticate"), "Basic realm=\"newledger\"");
        bodies.push(g.body.clone());
        // client_secret_post answers the same.
        let g = token_raw(
            &app,
            None,
            FORM,
            &format!(
                "grant_type=client_credentials&client_id={}&client_secret={}",
                enc(id),
                enc(secret)
            ),
        )
        .await;
        if secret.is_empty() {
            continue;
        }
        g.oauth_error(401, "invalid_client");
        bodies.push(g.body.clone());
    }
    // Whether the client id exists does not show: every answer is the same.
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:#?}");
    let d = bodies[0]["error_description"].as_str().unwrap();
    assert!(
        !d.contains("revoked") && !d.contains("deleted") && !d.contains("expired"),
        "{d}"
    );
}

async fn scope_narrowing(app: TestApp) {
    let c = ctx(
        &app,
        &[
            "company:read",
            "contacts:read",
            "invoices:read",
            "invoices:draft",
        ],
    )
    .await;
    let g = got(app
        .token_response(&c.client_id, &c.secret, Some("invoices:read"))
        .await)
    .await;
    g.expect(200);
    assert_eq!(g.body["scope"], "invoices:read");
    let t = g.body["access_token"].as_str().unwrap().to_owned();
    get(&app, &t, &c.company, "/invoices").await.expect(200);
    get(&app, &t, &c.company, "/contacts")
        .await
        .insufficient_scope("contacts:read");
    get(&app, &t, &c.company, "/company")
        .await
        .insufficient_scope("company:read");
    post(&app, &t, &c.company, "/invoices", &serde_json::json!({}))
        .await
        .insufficient_scope("invoices:draft");
    // Order and repeats inside the value do not matter; the answer is in catalogue order.
    let g = got(app
        .token_response(
            &c.client_id,
            &c.secret,
            Some("invoices:draft  company:read invoices:draft"),
        )
        .await)
    .await;
    g.expect(200);
    assert_eq!(g.body["scope"], "company:read invoices:draft");
    // Asking for more than was delegated: refused, naming what is missing.
    let g = got(app
        .token_response(&c.client_id, &c.secret, Some("invoices:read bills:read"))
        .await)
    .await;
    let d = g.oauth_error(400, "invalid_scope");
    assert!(
        d.contains("bills:read") && !d.contains("invoices:read"),
        "{d}"
    );
    // People-only permissions are never in a token.
    let g = got(app
        .token_response(&c.client_id, &c.secret, Some("invoices:approve"))
        .await)
    .await;
    let d = g.oauth_error(400, "invalid_scope");
    assert!(d.contains("invoices:approve"), "{d}");
    // Unknown permissions.
    let g = got(app
        .token_response(
            &c.client_id,
            &c.secret,
            Some("invoices:read invoices:delete"),
        )
        .await)
    .await;
    let d = g.oauth_error(400, "invalid_scope");
    assert!(d.contains("invoices:delete"), "{d}");
    // An empty scope means everything delegated.
    let g = got(app.token_response(&c.client_id, &c.secret, Some("")).await).await;
    g.expect(200);
    assert_eq!(
        g.body["scope"],
        "company:read contacts:read invoices:read invoices:draft"
    );
}

async fn rate_limits(url: String, _backend: &'static str) {
    // Per client: 3 a minute.
    let mut web = WebConfig::new("http://unused");
    web.token_rate_per_client = 3;
    let app = spawn_app_with(
        &url,
        Options {
            web: Some(web),
            ..Options::default()
        },
    )
    .await;
    let c = ctx(&app, &["company:read"]).await; // one request
    for _ in 0..2 {
        got(app.token_response(&c.client_id, &c.secret, None).await)
            .await
            .expect(200);
    }
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    let d = g.oauth_error(429, "invalid_request");
    assert!(d.contains("client"), "{d}");
    let retry: u64 = g.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // Another client from the same address is not held back.
    let (id2, secret2) = app.app(&c.owner, &["company:read"]).await;
    got(app.token_response(&id2, &secret2, None).await)
        .await
        .expect(200);
    drop(app);

    // Per address: 4 a minute, whatever the client.
    let mut web = WebConfig::new("http://unused");
    web.token_rate_per_ip = 4;
    let app = spawn_app_with(
        &url,
        Options {
            web: Some(web),
            ..Options::default()
        },
    )
    .await;
    let owner = app.owner("Busy Ltd").await;
    let mut last = None;
    for i in 0..5 {
        let (id, secret) = app.app(&owner, &["company:read"]).await;
        let g = got(app.token_response(&id, &secret, None).await).await;
        if i < 4 {
            g.expect(200);
        } else {
            last = Some(g);
        }
    }
    let g = last.unwrap();
    let d = g.oauth_error(429, "invalid_request");
    assert!(d.contains("address"), "{d}");
    assert!(!g.header("retry-after").is_empty());
}

newledger_testkit::both_apps!(
    basic_and_post_both_issue_tokens,
    malformed_requests,
    bad_client_authentication_is_generic,
    scope_narrowing
);
newledger_testkit::both_urls!(rate_limits);
