//! The token endpoint's hardening for OAuth clients: body size, echoed values, foreign
//! resources.

use crate::support::*;

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

newledger_testkit::both_apps!(token_endpoint_hardening,);
