//! The `oauth2` crate (v5, over reqwest) as an independent client of `/oauth/token`: the
//! client_credentials grant with HTTP Basic and with credentials in the body, scopes, and
//! RFC 6749 §5.2 errors as that client parses them; and the authorization code grant with PKCE
//! and refresh, from nothing but the base URL, with a scripted person approving in the browser.

use crate::support::*;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
use oauth2::{AuthType, ClientId, ClientSecret, RequestTokenError, Scope, TokenResponse, TokenUrl};

fn http() -> oauth2::reqwest::Client {
    // No redirects: a token endpoint must never be followed elsewhere (oauth2's advice).
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

macro_rules! client {
    ($app:expr, $id:expr, $secret:expr, $auth:expr) => {
        BasicClient::new(ClientId::new($id.to_owned()))
            .set_client_secret(ClientSecret::new($secret.to_owned()))
            .set_token_uri(TokenUrl::new(format!("{}/oauth/token", $app.base)).unwrap())
            .set_auth_type($auth)
    };
}

async fn client_credentials_with_the_oauth2_crate(app: TestApp) {
    let c = ctx(&app, &["company:read", "invoices:read", "invoices:draft"]).await;
    let http = http();
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = client!(app, c.client_id, c.secret, auth.clone());
        // Everything delegated.
        let tok = client
            .exchange_client_credentials()
            .request_async(&http)
            .await
            .unwrap();
        assert_eq!(*tok.token_type(), BasicTokenType::Bearer);
        assert_eq!(tok.expires_in(), Some(std::time::Duration::from_secs(900)));
        assert!(tok.refresh_token().is_none());
        let scopes: Vec<String> = tok
            .scopes()
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(scopes, ["company:read", "invoices:read", "invoices:draft"]);
        let t = tok.access_token().secret();
        assert!(t.starts_with("nlat_"));
        get(&app, t, &c.company, "/invoices").await.expect(200);

        // Narrowed.
        let tok = client
            .exchange_client_credentials()
            .add_scope(Scope::new("invoices:read".into()))
            .request_async(&http)
            .await
            .unwrap();
        let scopes: Vec<String> = tok
            .scopes()
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(scopes, ["invoices:read"]);
        get(&app, tok.access_token().secret(), &c.company, "/company")
            .await
            .insufficient_scope("company:read");

        // More than delegated.
        match client
            .exchange_client_credentials()
            .add_scope(Scope::new("bills:read".into()))
            .request_async(&http)
            .await
        {
            Err(RequestTokenError::ServerResponse(e)) => {
                assert_eq!(*e.error(), BasicErrorResponseType::InvalidScope);
                assert!(e.error_description().unwrap().contains("bills:read"));
            }
            other => panic!("{auth:?}: {other:?}"),
        }

        // Wrong secret and unknown client.
        for (id, secret) in [
            (c.client_id.as_str(), "nlcs_wrong"),
            ("app_unknown", c.secret.as_str()),
        ] {
            let bad = client!(app, id, secret, auth.clone());
            match bad.exchange_client_credentials().request_async(&http).await {
                Err(RequestTokenError::ServerResponse(e)) => {
                    assert_eq!(*e.error(), BasicErrorResponseType::InvalidClient);
                }
                other => panic!("{auth:?}: {other:?}"),
            }
        }
    }
}

async fn authorization_code_with_pkce_and_refresh_with_the_oauth2_crate(app: TestApp) {
    use crate::oauth_support::{REDIRECT, person_approves, register};
    use oauth2::{
        AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, RefreshToken,
    };
    let p = app.owner("Acme Ltd").await;
    // Discovery from the base URL alone.
    let meta: serde_json::Value = app
        .http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let client = BasicClient::new(ClientId::new(client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(meta["authorization_endpoint"].as_str().unwrap().into()).unwrap(),
        )
        .set_token_uri(TokenUrl::new(meta["token_endpoint"].as_str().unwrap().into()).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
        .set_auth_type(AuthType::RequestBody);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("invoices:read".into()))
        .add_scope(Scope::new("contacts:read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let back = person_approves(&app, &p, url.as_str(), &["invoices:read"]).await;
    let q: std::collections::HashMap<String, String> = url::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(&q["state"], state.secret());
    assert_eq!(q["iss"], meta["issuer"].as_str().unwrap());
    let http = http();
    let tok = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let scopes: Vec<String> = tok
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        scopes,
        ["invoices:read"],
        "contacts:read was removed at consent"
    );
    get(
        &app,
        tok.access_token().secret(),
        &p.company_id,
        "/invoices",
    )
    .await
    .expect(200);
    get(
        &app,
        tok.access_token().secret(),
        &p.company_id,
        "/contacts",
    )
    .await
    .insufficient_scope("contacts:read");
    let rt = tok.refresh_token().unwrap().secret().clone();
    let tok2 = client
        .exchange_refresh_token(&RefreshToken::new(rt.clone()))
        .request_async(&http)
        .await
        .unwrap();
    assert_ne!(tok2.refresh_token().unwrap().secret(), &rt, "rotated");
    get(
        &app,
        tok2.access_token().secret(),
        &p.company_id,
        "/invoices",
    )
    .await
    .expect(200);
    // Reuse after the grace window: the oauth2 crate sees invalid_grant.
    app.clock.advance(31_000);
    match client
        .exchange_refresh_token(&RefreshToken::new(rt))
        .request_async(&http)
        .await
    {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(*e.error(), BasicErrorResponseType::InvalidGrant);
        }
        other => panic!("{other:?}"),
    }
}

newledger_testkit::both_apps!(
    client_credentials_with_the_oauth2_crate,
    authorization_code_with_pkce_and_refresh_with_the_oauth2_crate,
);
