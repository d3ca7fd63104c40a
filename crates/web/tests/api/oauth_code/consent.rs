//! The consent form: permissions that are never delegated, CSRF and framing, and not asking
//! again for what was already approved.

use crate::oauth_support::*;
use crate::support::*;

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

newledger_testkit::both_apps!(
    non_delegable_permissions_are_named_and_refused,
    consent_form_refuses_csrf_and_framing,
    same_or_less_is_not_asked_again,
);
