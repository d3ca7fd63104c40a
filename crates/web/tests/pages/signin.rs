//! Sign-in, second factor, enrolment, sign-out, sessions and security headers.

use crate::support::*;
use newledger_domain::role::Role;
use newledger_service::people::{totp, users};

async fn wrong_password_then_lockout(app: TestApp) {
    let p = app.owner("Acme").await;
    let b = Browser::new(&app);
    let r = password_step(&b, &p.email, "not the password").await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("Wrong e-mail or password."), "{html}");
    assert!(html.contains("autocomplete=\"current-password\""));
    assert!(html.contains("autocomplete=\"email\""));
    for _ in 0..4 {
        assert_eq!(
            password_step(&b, &p.email, "still wrong").await.status(),
            401
        );
    }
    // This address waits now: even the right password is refused, with a human message that
    // an unknown e-mail gets too (nothing says whether an account exists).
    let r = password_step(&b, &p.email, &p.password).await;
    assert_eq!(r.status(), 429);
    let known = r.text().await.unwrap().replace(&p.email, "EMAIL");
    assert!(known.contains("Too many failed attempts for this e-mail from your network"));
    for _ in 0..5 {
        assert_eq!(
            password_step(&b, "nobody@example.com", "wrong")
                .await
                .status(),
            401
        );
    }
    let r = password_step(&b, "nobody@example.com", "wrong").await;
    assert_eq!(r.status(), 429);
    let unknown = r
        .text()
        .await
        .unwrap()
        .replace("nobody@example.com", "EMAIL");
    let message = |html: &str| {
        html.split("Too many failed attempts")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .map(str::to_owned)
    };
    assert_eq!(message(&known), message(&unknown));
}

async fn totp_code_is_single_use(app: TestApp) {
    let p = app.owner("Acme").await;
    let b = Browser::new(&app);
    assert_eq!(password_step(&b, &p.email, &p.password).await.status(), 303);
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit("/signin/code", "/signin/code", &[("code", &code)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/app/{}", p.company_id));
    // A second browser replays the same code within its 30 s step.
    let b2 = Browser::new(&app);
    assert_eq!(
        password_step(&b2, &p.email, &p.password).await.status(),
        303
    );
    let r = b2
        .submit("/signin/code", "/signin/code", &[("code", &code)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already used"));
    // A wrong code says so.
    let r = b2
        .submit("/signin/code", "/signin/code", &[("code", "000000")])
        .await;
    assert!(r.text().await.unwrap().contains("not correct"));
}

#[tokio::test]
async fn recovery_code_signs_in_once() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let user = users::user(&app.svc, &p.user_id).await.unwrap();
    let codes = totp::regenerate_recovery_codes(&app.svc, &user)
        .await
        .unwrap();
    let b = Browser::new(&app);
    password_step(&b, &p.email, &p.password).await;
    let r = b
        .submit("/signin/code", "/signin/code", &[("recovery", &codes[0])])
        .await;
    assert_eq!(r.status(), 303);
    let (s, _) = b.page(&url(&p, "")).await;
    assert_eq!(s, 200);
    let b2 = Browser::new(&app);
    password_step(&b2, &p.email, &p.password).await;
    let r = b2
        .submit("/signin/code", "/signin/code", &[("recovery", &codes[0])])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("already used recovery code")
    );
}

async fn new_user_enrols_totp(app: TestApp) {
    let owner = app.owner("Acme").await;
    let u = users::create_user(
        &app.svc,
        "newbie@example.com",
        "New Person",
        "a long password 123",
    )
    .await
    .unwrap();
    app.svc
        .store
        .upsert_membership(
            &owner.company_id,
            &u.id,
            Role::Bookkeeper,
            app.clock.now_ms(),
        )
        .await
        .unwrap();
    app.svc.auth_cache.invalidate(&app.svc).await.unwrap();
    let b = Browser::new(&app);
    let r = password_step(&b, "newbie@example.com", "a long password 123").await;
    assert_eq!(location(&r), "/signin/enrol");
    // The books stay closed until the second factor is set up.
    let r = b.get(&url(&owner, "")).await;
    assert_eq!(location(&r), "/signin/enrol");
    let r = b.get("/signin/enrol").await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("src=\"data:image/svg+xml;base64,"),
        "QR code image"
    );
    assert!(html.contains("autocomplete=\"one-time-code\""));
    let pending = users::user(&app.svc, &u.id).await.unwrap();
    let secret = totp::pending_secret(&app.svc, &pending).unwrap().unwrap();
    assert!(
        !pending.totp_secret.unwrap().contains(&secret),
        "stored sealed"
    );
    assert!(html.contains(&secret[..4]), "manual key shown");
    // A reload keeps the same secret (the person may have scanned it already).
    let (_, again) = b.page("/signin/enrol").await;
    assert!(again.contains(&secret[..4]));
    let r = b
        .submit("/signin/enrol", "/signin/enrol", &[("code", "123456")])
        .await;
    assert_eq!(r.status(), 422);
    let code = app.next_totp(&secret);
    let r = b
        .submit("/signin/enrol", "/signin/enrol", &[("code", &code)])
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("will not be shown again"));
    assert_eq!(html.matches("<li><code>").count(), 10, "ten recovery codes");
    let (s, html) = b.page(&url(&owner, "")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Dashboard"));
    assert!(users::user(&app.svc, &u.id).await.unwrap().totp_enabled);
}

#[tokio::test]
async fn cookies_headers_and_sign_out() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    // Not signed in: pages send people to the sign-in page.
    let anon = Browser::new(&app);
    assert_eq!(location(&anon.get(&url(&p, "")).await), "/signin");
    assert_eq!(location(&anon.get("/").await), "/signin");
    let b = Browser::new(&app);
    let r = password_step(&b, &p.email, &p.password).await;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("nl_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http test server");
    let code = app.next_totp(&p.totp_secret);
    b.submit("/signin/code", "/signin/code", &[("code", &code)])
        .await;
    assert_eq!(
        location(&b.get("/").await),
        format!("/app/{}", p.company_id)
    );
    let r = b.get(&url(&p, "")).await;
    let h = r.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(html.contains("Acme"), "current company in the header");
    // Assets come from the app itself.
    let css = b.get("/assets/app.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    // Sign out ends the session on the server.
    let r = b.submit(&url(&p, ""), "/signout", &[]).await;
    assert_eq!(location(&r), "/signin?signed_out=1");
    assert_eq!(location(&b.get(&url(&p, "")).await), "/signin");
    let (_, html) = b.page("/signin?signed_out=1").await;
    assert!(html.contains("You are signed out."));
}

#[tokio::test]
async fn idle_session_expires() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    assert_eq!(b.get(&url(&p, "")).await.status(), 200);
    app.clock.advance(31 * 60 * 1000);
    assert_eq!(location(&b.get(&url(&p, "")).await), "/signin");
}

#[tokio::test]
async fn unknown_pages_and_errors_are_human() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let (s, html) = b.page("/no/such/page").await;
    assert_eq!(s, 404);
    assert!(html.contains("Page not found") && html.contains("<html"));
    let (s, html) = b.page(&url(&p, "/invoices/inv_nonexistent")).await;
    assert_eq!(s, 404);
    assert!(html.contains("does not exist"));
    let (s, _) = b.page(&url(&p, "/invoices/garbage")).await;
    assert_eq!(s, 404);
    // The REST API keeps its problem+json for unknown paths.
    let r = b.get("/api/v1/nothing").await;
    assert_eq!(r.status(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("problem+json")
    );
}

newledger_testkit::both_apps!(
    wrong_password_then_lockout,
    totp_code_is_single_use,
    new_user_enrols_totp
);

/// Behind an https public URL: HSTS on every answer and every cookie `Secure`, the one-line
/// notice after a form included; on plain http neither (browsers would drop Secure cookies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_base_url_sends_hsts_and_secure_cookies() {
    use newledger_service::people::sessions;
    let db = newledger_testkit::db::TestDb::sqlite().await;
    let app = newledger_testkit::app::spawn_app_with(
        &db.url,
        newledger_testkit::app::Options {
            web: Some(newledger_web::WebConfig::new("https://books.example")),
            ..Default::default()
        },
    )
    .await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = raw
        .get(format!("{}/signin", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let secure = |r: &reqwest::Response| {
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().to_owned())
            .collect();
        assert!(!cookies.is_empty());
        for c in &cookies {
            assert!(c.contains("; Secure"), "{c}");
        }
    };
    secure(&r);
    // A form that answers with a notice cookie (an owner changes a member's role).
    let p = app.owner("Acme").await;
    let m = app.member(&p.company_id, Role::Viewer).await;
    let (value, sess) = sessions::create(
        &app.svc,
        &p.user_id,
        sessions::STAGE_FULL,
        Some(p.company_id.clone()),
        &sessions::Client::default(),
    )
    .await
    .unwrap();
    let r = raw
        .post(format!(
            "{}/app/{}/settings/members/{}/role",
            app.base, p.company_id, m.user_id
        ))
        .header("cookie", format!("nl_session={value}"))
        .header("origin", &app.base)
        .form(&[
            ("csrf", sess.csrf_token.as_str()),
            ("role", "bookkeeper"),
            ("confirmed", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    secure(&r);

    // Plain http: no HSTS.
    let (plain, _db2) = sqlite_app().await;
    let r = raw
        .get(format!("{}/signin", plain.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}
