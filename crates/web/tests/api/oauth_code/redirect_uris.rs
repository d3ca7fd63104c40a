//! Redirect URIs: a mismatch never redirects; loopback IP literals may change port (RFC 8252).

use crate::oauth_support::*;
use crate::support::*;

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

newledger_testkit::both_apps!(redirect_uri_mismatches_never_redirect,);
