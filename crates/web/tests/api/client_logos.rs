//! Logos of OAuth apps registered by a company: fetched once at registration from the app's
//! server (a test server on loopback, in development mode), re-encoded as a small PNG and
//! served from our origin; refused with a clear reason when they are not an image, too large,
//! not HTTPS or on a private address. Unverified clients show no logo at all.

use crate::oauth_support::*;
use crate::support::*;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use newledger_service::oauth::clients::{self, NewOAuthClient};
use newledger_testkit::app::{Options, spawn_app_with};
use std::io::Cursor;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([20, 90, 200, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// The app's own web server.
async fn logo(Path(name): Path<String>) -> Response {
    let as_png = |body: Vec<u8>| ([(header::CONTENT_TYPE, "image/png")], body).into_response();
    match name.as_str() {
        "logo.png" => as_png(png(600, 300)),
        // Markup dressed as an image.
        "fake.png" => as_png(
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(),
        ),
        "page" => ([(header::CONTENT_TYPE, "text/html")], "<h1>hi</h1>").into_response(),
        "huge.png" => as_png(vec![0u8; 600 * 1024]),
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn logo_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().route("/{name}", axum::routing::get(logo));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

fn new_app(logo: &str) -> NewOAuthClient {
    NewOAuthClient {
        name: "Partner Sync".into(),
        redirect_uris: vec![REDIRECT.into()],
        logo_uri: Some(logo.into()),
        client_uri: Some("https://partner.example.com".into()),
        confidential: false,
    }
}

async fn registered_logo_is_ours_on_the_consent_page(url: String, _backend: &'static str) {
    let app = spawn_app_with(
        &url,
        Options {
            allow_private_client_metadata: true,
            ..Options::default()
        },
    )
    .await;
    let server = logo_server().await;
    let p = app.owner("Acme Ltd").await;
    let access = app.access(&p).await;
    let reg = clients::register(&app.svc, &access, new_app(&format!("{server}/logo.png")))
        .await
        .unwrap();
    let id = reg.client.id.to_string();

    let r = app
        .http
        .get(format!("{}/oauth/clients/{id}/logo", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (128, 64),
        "scaled to fit 128 px"
    );

    let (_, challenge) = pkce();
    let (_, html) = sign_in_to_consent(&app, &p, &Authz::new(&id, &challenge)).await;
    assert!(
        html.contains(&format!(
            "<img class=\"consent-logo\" src=\"/oauth/clients/{id}/logo\""
        )),
        "{html}"
    );
    assert!(
        !html.contains(&server),
        "nothing is loaded from the app's server: {html}"
    );

    // What cannot be a logo is refused with the reason, and nothing is registered.
    for (path, why) in [
        ("fake.png", "not a PNG, JPEG, GIF or WebP image"),
        ("page", "not served as a PNG, JPEG, GIF or WebP image"),
        ("huge.png", "larger than 524288 bytes"),
        ("missing.png", "HTTP 404"),
    ] {
        let e = clients::register(&app.svc, &access, new_app(&format!("{server}/{path}")))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{path}: {e}");
    }
    assert_eq!(clients::list(&app.svc, &access).await.unwrap().len(), 1);

    // A client that registered itself shows no logo, whatever it claims.
    let g = send(
        app.http
            .post(format!("{}/oauth/register", app.base))
            .json(&serde_json::json!({
                "client_name": "Look Alike",
                "redirect_uris": [REDIRECT],
                "token_endpoint_auth_method": "none",
                "logo_uri": "https://client.example.com/logo.png",
            })),
    )
    .await;
    g.expect(201);
    let dynamic = g.body["client_id"].as_str().unwrap().to_owned();
    let r = app
        .http
        .get(format!("{}/oauth/clients/{dynamic}/logo", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, html) = sign_in_to_consent(&app, &p, &Authz::new(&dynamic, &challenge)).await;
    assert!(!html.contains("<img class=\"consent-logo\""), "{html}");
    assert!(html.contains("Not verified by NewLedger"));
}

async fn logos_need_https_and_a_public_address(url: String, _backend: &'static str) {
    let app = spawn_app_with(&url, Options::default()).await;
    let server = logo_server().await;
    let p = app.owner("Acme Ltd").await;
    let access = app.access(&p).await;
    let e = clients::register(&app.svc, &access, new_app(&format!("{server}/logo.png")))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("https://"), "{e}");
    let port = server.rsplit(':').next().unwrap();
    let e = clients::register(
        &app.svc,
        &access,
        new_app(&format!("https://127.0.0.1:{port}/logo.png")),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("not public"), "{e}");
    assert!(clients::list(&app.svc, &access).await.unwrap().is_empty());
}

newledger_testkit::both_urls!(
    registered_logo_is_ours_on_the_consent_page,
    logos_need_https_and_a_public_address,
);
