//! Client ID metadata documents over real HTTP: a client whose `client_id` is the URL of its
//! document, served by a test server on loopback. The development mode
//! (`allow_private_client_metadata`) lets the server fetch from loopback over http; without it
//! loopback is refused on the resolved address, before anything is sent.

use crate::oauth_support::*;
use crate::support::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_testkit::app::{Options, spawn_app_with};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A client's web server: serves its document (and broken variants) and counts fetches.
struct DocServer {
    base: String,
    hits: Arc<AtomicUsize>,
}

async fn document(
    State((base, hits)): State<(String, Arc<AtomicUsize>)>,
    Path(name): Path<String>,
) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    let me = format!("{base}/{name}");
    let doc = |client_id: &str, extra: serde_json::Value| {
        let mut d = serde_json::json!({
            "client_id": client_id,
            "client_name": "Ledger Helper",
            "client_uri": "https://helper.example.org",
            "logo_uri": "https://helper.example.org/logo.png",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        });
        if let (Some(d), Some(e)) = (d.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        d.to_string()
    };
    let json = |body: String| {
        (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=600"),
            ],
            body,
        )
            .into_response()
    };
    match name.as_str() {
        "client.json" => json(doc(&me, serde_json::json!({}))),
        "mismatch.json" => json(doc(&format!("{base}/client.json"), serde_json::json!({}))),
        "moved.json" => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("{base}/client.json"))],
        )
            .into_response(),
        "big.json" => json(doc(
            &me,
            serde_json::json!({"software_statement": "x".repeat(8 * 1024)}),
        )),
        "html.json" => (
            [(header::CONTENT_TYPE, "text/html")],
            doc(&me, serde_json::json!({})),
        )
            .into_response(),
        "secret.json" => json(doc(
            &me,
            serde_json::json!({"token_endpoint_auth_method": "client_secret_basic"}),
        )),
        "slow.json" => {
            tokio::time::sleep(std::time::Duration::from_secs(8)).await;
            json(doc(&me, serde_json::json!({})))
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn doc_server() -> DocServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let router = axum::Router::new()
        .route("/{name}", axum::routing::get(document))
        .with_state((base.clone(), hits.clone()));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    DocServer { base, hits }
}

async fn dev_app(url: &str) -> TestApp {
    spawn_app_with(
        url,
        Options {
            allow_private_client_metadata: true,
            ..Options::default()
        },
    )
    .await
}

/// The authorization request's answer to a person (never a redirect when the client is bad).
async fn authorize_page(app: &TestApp, a: &Authz) -> (u16, String) {
    let r = browser().get(a.url(app)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn document_client_signs_in_end_to_end(url: String, _backend: &'static str) {
    let app = dev_app(&url).await;
    let docs = doc_server().await;
    let meta = send(app.http.get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.base
    )))
    .await;
    assert_eq!(meta.body["client_id_metadata_document_supported"], true);
    let p = app.owner("Acme Ltd").await;
    let client_id = format!("{}/client.json", docs.base);
    let (verifier, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    let (b, html) = sign_in_to_consent(&app, &p, &a).await;
    assert!(html.contains("Ledger Helper"), "name from the document");
    assert!(html.contains("Not verified by NewLedger"), "{html}");
    let doc_host = docs.base.trim_start_matches("http://");
    assert!(html.contains(doc_host), "the document's host is shown");
    assert!(
        html.contains(&format!("a document at <strong>{client_id}")),
        "{html}"
    );
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
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let q = query(&location(&r));
    let t = exchange(&app, &client_id, &q["code"], &verifier).await;
    t.expect(200);
    let at = t.body["access_token"].as_str().unwrap().to_owned();
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    // The token endpoint knows the client by its URL.
    let rt = t.body["refresh_token"].as_str().unwrap();
    let r2 = refresh(&app, &client_id, rt).await;
    r2.expect(200);
    // Another client cannot borrow the code's client: a lookalike id is unknown.
    let g = refresh(&app, &format!("{client_id}x"), rt).await;
    assert_eq!(g.status, 401, "{}", g.text);
    // Cached per its max-age: a second authorization fetches nothing.
    let before = docs.hits.load(Ordering::SeqCst);
    assert_eq!(before, 1, "fetched once");
    let (_, challenge2) = pkce();
    let a2 = Authz::new(&client_id, &challenge2);
    let _ = authorize_page(&app, &a2).await;
    assert_eq!(docs.hits.load(Ordering::SeqCst), 1, "served from the cache");
    // After its lifetime it is fetched again.
    app.clock.advance(601_000);
    let _ = authorize_page(&app, &a2).await;
    assert_eq!(
        docs.hits.load(Ordering::SeqCst),
        2,
        "fetched again once stale"
    );
}

async fn bad_documents_are_refused_with_a_page(url: String, _backend: &'static str) {
    let app = dev_app(&url).await;
    let docs = doc_server().await;
    let (_, challenge) = pkce();
    for (name, says) in [
        ("mismatch.json", "its client_id is"),
        ("moved.json", "redirect"),
        ("big.json", "larger than"),
        ("html.json", "not served as JSON"),
        ("secret.json", "token_endpoint_auth_method"),
        ("missing.json", "HTTP 404"),
    ] {
        let a = Authz::new(&format!("{}/{name}", docs.base), &challenge);
        let (status, html) = authorize_page(&app, &a).await;
        assert_eq!(status, 400, "{name}: {html}");
        assert!(html.contains(says), "{name}: {html}");
        assert!(html.contains("Nothing was shared"), "{name}");
    }
    // One fetch each: the redirect was not followed.
    let n = docs.hits.load(Ordering::SeqCst);
    assert_eq!(n, 6);
    // Failures are never cached: each request fetches again, and each is in the log.
    let a = Authz::new(&format!("{}/mismatch.json", docs.base), &challenge);
    let _ = authorize_page(&app, &a).await;
    assert_eq!(docs.hits.load(Ordering::SeqCst), n + 1);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activity WHERE action = 'oauth.client_metadata_failed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(logged, 6, "each kind of failure is logged (repeats folded)");
    pool.close().await;
}

async fn slow_document_times_out(url: String, _backend: &'static str) {
    let app = dev_app(&url).await;
    let docs = doc_server().await;
    let (_, challenge) = pkce();
    let a = Authz::new(&format!("{}/slow.json", docs.base), &challenge);
    let started = std::time::Instant::now();
    let (status, html) = authorize_page(&app, &a).await;
    assert_eq!(status, 400);
    assert!(html.contains("did not answer within"), "{html}");
    assert!(started.elapsed() < std::time::Duration::from_secs(7));
}

async fn redirect_uri_must_be_in_the_document(url: String, _backend: &'static str) {
    let app = dev_app(&url).await;
    let docs = doc_server().await;
    let (_, challenge) = pkce();
    let mut a = Authz::new(&format!("{}/client.json", docs.base), &challenge);
    a.redirect_uri = "https://attacker.example.net/callback".into();
    let r = browser().get(a.url(&app)).send().await.unwrap();
    assert_eq!(r.status(), 400, "an error page, never a redirect");
    assert!(location(&r).is_empty());
    assert!(r.text().await.unwrap().contains("did not register"));
}

async fn private_addresses_are_refused_without_the_flag(url: String, _backend: &'static str) {
    let app = spawn_app_with(&url, Options::default()).await;
    let docs = doc_server().await;
    let port = docs.base.rsplit(':').next().unwrap().to_owned();
    let (_, challenge) = pkce();
    for (client_id, says) in [
        // A name that resolves to loopback: refused on the resolved address.
        (
            format!("https://localhost:{port}/client.json"),
            "not public",
        ),
        // An IP literal: refused before connecting.
        (
            format!("https://127.0.0.1:{port}/client.json"),
            "not public",
        ),
        (format!("https://[::1]:{port}/client.json"), "not public"),
        (
            "https://169.254.169.254/latest/meta-data".to_owned(),
            "not public",
        ),
        // Plain http only in the development mode.
        (format!("{}/client.json", docs.base), "must use https"),
    ] {
        let a = Authz::new(&client_id, &challenge);
        let (status, html) = authorize_page(&app, &a).await;
        assert_eq!(status, 400, "{client_id}: {html}");
        assert!(html.contains(says), "{client_id}: {html}");
    }
    assert_eq!(docs.hits.load(Ordering::SeqCst), 0, "nothing was sent");
    // The token endpoint never fetches: an unknown URL client is just unknown.
    let g = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            (
                "client_id",
                &format!("https://localhost:{port}/client.json"),
            ),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &"v".repeat(43)),
        ],
    )
    .await;
    g.oauth_error(401, "invalid_client");
    assert_eq!(docs.hits.load(Ordering::SeqCst), 0);
}

newledger_testkit::both_urls!(
    document_client_signs_in_end_to_end,
    bad_documents_are_refused_with_a_page,
    slow_document_times_out,
    redirect_uri_must_be_in_the_document,
    private_addresses_are_refused_without_the_flag,
);
