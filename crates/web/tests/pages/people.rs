//! People (issue 16) over HTTP: invitations (link shown once without mail, mailed through a
//! real SMTP sink with mail on, resend, revoke, acceptance by a new person and by someone
//! with an account), "Forgot password" by e-mail with the second factor still required, an
//! owner resetting a member's two-factor, and a person's own sessions.

use crate::support::*;
use newledger_domain::role::Role;
use newledger_service::people::{totp, users};
use newledger_testkit::app::Options;
use newledger_testkit::smtp::{SmtpSink, link_in};
use newledger_testkit::spawn_app_with;

/// The invitation link (`/invite/nlinv_…`, as a path) in a page.
fn invite_path(html: &str) -> String {
    let i = html
        .find("/invite/nlinv_")
        .expect("an invitation link on the page");
    html[i..]
        .split(|c: char| c == '<' || c == '"' || c.is_whitespace())
        .next()
        .unwrap()
        .to_owned()
}

fn path_of(link: &str) -> String {
    let u = url::Url::parse(link).unwrap();
    u.path().to_owned()
}

/// Actions logged in `p`'s company.
async fn actions(app: &TestApp, p: &Person) -> Vec<String> {
    let access = app.access(p).await;
    let q = newledger_service::views::activity::ActivityQuery::default();
    newledger_service::views::activity::list(&app.svc, &access, &q, 500)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.row.action)
        .collect()
}

/// Invites `email` from the Members page; returns the response.
async fn invite(b: &Browser, p: &Person, email: &str, role: &str) -> reqwest::Response {
    let page = url(p, "/settings/members");
    b.submit(
        &page,
        &url(p, "/settings/members/invitations"),
        &[("email", email), ("role", role)],
    )
    .await
}

/// A new person opens the link, sets a password, enrols TOTP; returns their browser and secret.
async fn accept_as_new_person(app: &TestApp, link: &str) -> (Browser, String) {
    let b = Browser::new(app);
    let (status, html) = b.page(link).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Create account and join"), "{html}");
    let r = b
        .submit(
            link,
            link,
            &[("name", "Nora New"), ("password", "a fresh long password")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "/signin/enrol");
    let (_, html) = b.page("/signin/enrol").await;
    let i = html.find("id=\"manual-key\">").unwrap() + "id=\"manual-key\">".len();
    let secret: String = html[i..html[i..].find('<').unwrap() + i].replace(' ', "");
    let code = app.next_totp(&secret);
    let r = b
        .submit("/signin/enrol", "/signin/enrol", &[("code", &code)])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("recovery-codes"));
    (b, secret)
}

async fn invite_without_mail_shows_the_link_once_and_the_invitee_joins(app: TestApp) {
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let r = invite(&b, &p, "Nora@Example.com", "bookkeeper").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Pass this invitation on to nora@example.com"),
        "{html}"
    );
    assert!(html.contains("This server does not send e-mail"), "{html}");
    let link = invite_path(&html);
    // The list shows it pending, without the link.
    let (_, list) = b.page(&url(&p, "/settings/members")).await;
    assert!(list.contains("Pending invitations") && list.contains("nora@example.com"));
    assert!(!list.contains(&link), "the link is shown once");
    // Only the keyed hash is stored.
    let token = link.trim_start_matches("/invite/");
    let stored = app
        .svc
        .store
        .pending_invitations(&p.company_id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    assert!(!stored[0].token_hash.contains(token));

    let (nb, _) = accept_as_new_person(&app, &link).await;
    let r = nb.get("/app").await;
    assert_eq!(location(&r), format!("/app/{}", p.company_id));
    let (status, dash) = nb.page(&location(&r)).await;
    assert_eq!(status, 200);
    assert!(
        dash.contains("bookkeeper"),
        "lands in the company with the role"
    );
    let nora = app
        .svc
        .store
        .user_by_email("nora@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(nora.totp_enabled);
    assert_eq!(
        app.svc
            .store
            .membership(&p.company_id, &nora.id)
            .await
            .unwrap(),
        Some(Role::Bookkeeper)
    );
    // Single use.
    let (status, again) = Browser::new(&app).page(&link).await;
    assert_eq!(status, 404);
    assert!(again.contains("no longer works"));
    let log = actions(&app, &p).await;
    for a in [
        "invite.created",
        "invite.accepted",
        "member.added",
        "totp.enrolled",
    ] {
        assert!(log.iter().any(|x| x == a), "{a} in {log:?}");
    }
}

async fn an_account_holder_signs_in_to_accept_and_the_inviter_learns_nothing(app: TestApp) {
    let p = app.owner("Acme").await;
    let other = app.owner("Elsewhere").await;
    let b = sign_in(&app, &p).await;
    let r1 = invite(&b, &p, &other.email, "accountant").await;
    let r2 = invite(&b, &p, "nobody-here@example.com", "accountant").await;
    assert_eq!((r1.status().as_u16(), r2.status().as_u16()), (200, 200));
    let (h1, h2) = (r1.text().await.unwrap(), r2.text().await.unwrap());
    let link = invite_path(&h1);
    // Apart from the address and the link, the two answers are the same page.
    let norm = |h: &str, email: &str| {
        let l = invite_path(h);
        h.replace(email, "E").replace(&l, "L")
    };
    let strip = |h: String| {
        let i = h.find("Pending invitations").unwrap_or(h.len());
        h[..i].to_owned()
    };
    assert_eq!(
        strip(norm(&h1, &other.email)),
        strip(norm(&h2, "nobody-here@example.com"))
    );
    assert!(
        app.svc
            .store
            .membership(&p.company_id, &other.user_id)
            .await
            .unwrap()
            .is_none()
    );

    // The invitee opens the link, is sent to sign in, and comes back to accept.
    let ob = Browser::new(&app);
    let (_, html) = ob.page(&link).await;
    assert!(html.contains("Sign in to accept"), "{html}");
    let r = password_step(&ob, &other.email, &other.password).await;
    assert_eq!(location(&r), "/signin/code");
    let code = app.next_totp(&other.totp_secret);
    let r = ob
        .submit("/signin/code", "/signin/code", &[("code", &code)])
        .await;
    assert_eq!(location(&r), link, "back to the invitation");
    let r = ob.submit(&link, &link, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/app/{}", p.company_id));
    assert_eq!(
        app.svc
            .store
            .membership(&p.company_id, &other.user_id)
            .await
            .unwrap(),
        Some(Role::Accountant)
    );
}

async fn resend_gives_a_new_link_and_revoke_ends_it(app: TestApp) {
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let first = invite_path(
        &invite(&b, &p, "ray@example.com", "viewer")
            .await
            .text()
            .await
            .unwrap(),
    );
    let id = app
        .svc
        .store
        .pending_invitations(&p.company_id)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let members = url(&p, "/settings/members");
    let r = b
        .submit(
            &members,
            &url(&p, &format!("/settings/members/invitations/{id}/resend")),
            &[],
        )
        .await;
    let second = invite_path(&r.text().await.unwrap());
    assert_ne!(first, second);
    assert_eq!(
        Browser::new(&app).page(&first).await.0,
        404,
        "the old link died"
    );
    assert_eq!(Browser::new(&app).page(&second).await.0, 200);
    // Seven days later the link no longer works; the list says it expired.
    app.clock.advance(7 * 24 * 3_600_000 + 1);
    assert_eq!(Browser::new(&app).page(&second).await.0, 404);
    let b = sign_in(&app, &p).await;
    let (_, list) = b.page(&members).await;
    assert!(list.contains("expired"), "{list}");
    let r = b
        .submit(
            &members,
            &url(&p, &format!("/settings/members/invitations/{id}/revoke")),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        app.svc
            .store
            .pending_invitations(&p.company_id)
            .await
            .unwrap()
            .is_empty()
    );
    let log = actions(&app, &p).await;
    assert!(log.iter().any(|a| a == "invite.resent") && log.iter().any(|a| a == "invite.revoked"));
}

async fn an_owner_resets_a_members_two_factor(app: TestApp) {
    let p = app.owner("Acme").await;
    let m = app.member(&p.company_id, Role::Bookkeeper).await;
    let admin = app.member(&p.company_id, Role::Admin).await;
    let mb = sign_in(&app, &m).await;
    let b = sign_in(&app, &p).await;
    let members = url(&p, "/settings/members");
    let action = url(&p, &format!("/settings/members/{}/reset-2fa", m.user_id));
    let r = b.submit(&members, &action, &[("totp", "000000")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Authenticator code"));
    assert!(
        actions(&app, &p)
            .await
            .iter()
            .any(|a| a == "totp.reset_confirmation_failed")
    );
    // An admin who is not an owner may not.
    let ab = sign_in(&app, &admin).await;
    let code = app.next_totp(&admin.totp_secret);
    let r = ab.submit(&members, &action, &[("totp", &code)]).await;
    assert_eq!(r.status(), 403);
    let code = app.next_totp(&p.totp_secret);
    let r = b.submit(&members, &action, &[("totp", &code)]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // The member is signed out and enrols again at the next sign-in.
    assert_eq!(location(&mb.get(&url(&m, "")).await), "/signin");
    let r = password_step(&Browser::new(&app), &m.email, &m.password).await;
    assert_eq!(location(&r), "/signin/enrol");
    let u = users::user(&app.svc, &m.user_id).await.unwrap();
    assert!(!u.totp_enabled && totp::pending_secret(&app.svc, &u).unwrap().is_none());
    assert!(actions(&app, &p).await.iter().any(|a| a == "totp.reset"));
}

async fn a_person_sees_their_sessions_and_signs_out_others(app: TestApp) {
    let p = app.owner("Acme").await;
    let b1 = sign_in(&app, &p).await;
    let b2 = sign_in(&app, &p).await;
    let b3 = sign_in(&app, &p).await;
    let page = url(&p, "/account/sessions");
    let (status, html) = b1.page(&page).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("name=\"session\"").count(), 2, "two others");
    assert!(html.contains("this session") && html.contains("127.0.0.1"));
    let i = html.find("name=\"session\" value=\"").unwrap() + "name=\"session\" value=\"".len();
    let handle = html[i..i + html[i..].find('"').unwrap()].to_owned();
    let r = b1.submit(&page, &page, &[("session", &handle)]).await;
    assert_eq!(r.status(), 303);
    let alive = |b: &Browser| {
        let b = b.http.clone();
        let u = format!("{}{}", app.base, url(&p, ""));
        async move { b.get(u).send().await.unwrap().status() == 200 }
    };
    assert_eq!(
        (alive(&b2).await as u8) + (alive(&b3).await as u8),
        1,
        "one other signed out"
    );
    let r = b1.submit(&page, &page, &[("all", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert!(!alive(&b2).await && !alive(&b3).await && alive(&b1).await);
    assert!(
        actions(&app, &p)
            .await
            .iter()
            .any(|a| a == "session.signed_out")
    );

    // Changing the password: the current one and a code; other sessions end, this one stays.
    let b4 = sign_in(&app, &p).await;
    let pw = url(&p, "/account/password");
    let code = app.next_totp(&p.totp_secret);
    let wrong = [
        ("current_password", "not it at all"),
        ("new_password", "a newer password"),
        ("code", code.as_str()),
    ];
    let r = b1.submit(&page, &pw, &wrong).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not your current password")
    );
    let code = app.next_totp(&p.totp_secret);
    let right = [
        ("current_password", p.password.as_str()),
        ("new_password", "a newer password"),
        ("code", code.as_str()),
    ];
    let r = b1.submit(&page, &pw, &right).await;
    assert_eq!(r.status(), 303);
    assert!(alive(&b1).await && !alive(&b4).await);
    let r = password_step(&Browser::new(&app), &p.email, "a newer password").await;
    assert_eq!(location(&r), "/signin/code");
}

newledger_testkit::both_apps!(
    invite_without_mail_shows_the_link_once_and_the_invitee_joins,
    an_account_holder_signs_in_to_accept_and_the_inviter_learns_nothing,
    resend_gives_a_new_link_and_revoke_ends_it,
    an_owner_resets_a_members_two_factor,
    a_person_sees_their_sessions_and_signs_out_others,
);

/// A server on SQLite sending mail to `smtp_url`.
async fn mail_app(smtp_url: String) -> (TestApp, TestDb) {
    let db = TestDb::sqlite().await;
    let opts = Options {
        smtp_url: Some(smtp_url),
        ..Options::default()
    };
    (spawn_app_with(&db.url, opts).await, db)
}

#[tokio::test]
async fn an_invitation_is_mailed_through_smtp_and_accepted() {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let (app, _db) = mail_app(sink.url()).await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let r = invite(&b, &p, "mia@example.com", "accountant").await;
    assert_eq!(r.status(), 303, "mailed: a notice, no link on the page");
    let mail = sink.wait_for("mia@example.com").await;
    assert!(mail["subject"].as_str().unwrap().contains("Acme"), "{mail}");
    assert!(
        mail["header_from"]
            .as_str()
            .unwrap()
            .contains("no-reply@example.com")
    );
    let link = path_of(&link_in(&mail, &format!("{}/invite/", app.base)));
    accept_as_new_person(&app, &link).await;
    let mia = app
        .svc
        .store
        .user_by_email("mia@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.svc
            .store
            .membership(&p.company_id, &mia.id)
            .await
            .unwrap(),
        Some(Role::Accountant)
    );
}

#[tokio::test]
async fn when_the_mail_server_fails_the_inviter_gets_the_link() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (app, _db) = mail_app(format!("smtp://127.0.0.1:{port}")).await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let r = invite(&b, &p, "lee@example.com", "viewer").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The mail server did not accept the message"),
        "{html}"
    );
    assert_eq!(Browser::new(&app).page(&invite_path(&html)).await.0, 200);
    assert!(
        actions(&app, &p)
            .await
            .iter()
            .any(|a| a == "invite.mail_failed")
    );
}

#[tokio::test]
async fn forgot_password_answers_the_same_and_the_reset_still_needs_the_code() {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let (app, _db) = mail_app(sink.url()).await;
    let p = app.owner("Acme").await;
    let old = sign_in(&app, &p).await;
    let ask = |email: String| {
        let b = Browser::new(&app);
        async move {
            let r = b
                .submit("/signin/forgot", "/signin/forgot", &[("email", &email)])
                .await;
            (r.status(), r.text().await.unwrap().replace(&email, "E"))
        }
    };
    let known = ask(p.email.clone()).await;
    let unknown = ask("nobody@example.com".into()).await;
    assert_eq!(known.0, 200);
    assert_eq!(known, unknown, "the same answer either way");
    let mail = sink.wait_for(&p.email).await;
    let link = path_of(&link_in(&mail, &format!("{}/signin/reset/", app.base)));
    assert!(
        sink.messages().len() == 1,
        "nothing mailed to an unknown address"
    );

    let b = Browser::new(&app);
    let (status, form) = b.page(&link).await;
    assert_eq!(status, 200);
    assert!(form.contains("autocomplete=\"new-password\"") && form.contains("one-time-code"));
    let r = b
        .submit(&link, &link, &[("password", "a brand new password")])
        .await;
    assert_eq!(r.status(), 422, "the link alone does not sign in");
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit(
            &link,
            &link,
            &[("password", "a brand new password"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/app/{}", p.company_id));
    // Every earlier session is signed out; the link is used; the new password works.
    assert_eq!(location(&old.get(&url(&p, "")).await), "/signin");
    assert_eq!(Browser::new(&app).page(&link).await.0, 404);
    let r = password_step(&Browser::new(&app), &p.email, &p.password).await;
    assert_eq!(r.status(), 401);
    let r = password_step(&Browser::new(&app), &p.email, "a brand new password").await;
    assert_eq!(location(&r), "/signin/code");
    let log = actions(&app, &p).await;
    assert!(log.iter().any(|a| a == "password.reset_requested"));
    assert!(log.iter().any(|a| a == "password.changed"));
}

#[tokio::test]
async fn reset_links_are_limited_per_account_and_expire_after_an_hour() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    for _ in 0..5 {
        newledger_service::people::recovery::request(&app.svc, &p.email, "10.0.0.1")
            .await
            .unwrap();
    }
    let since = app.clock.now_ms() - 1;
    let n = app
        .svc
        .store
        .count_password_resets(&p.user_id, since)
        .await
        .unwrap();
    assert_eq!(n, 3, "three links an hour");
    let b = Browser::new(&app);
    for _ in 0..5 {
        b.submit(
            "/signin/forgot",
            "/signin/forgot",
            &[("email", "x@example.com")],
        )
        .await;
    }
    let r = b
        .submit(
            "/signin/forgot",
            "/signin/forgot",
            &[("email", "x@example.com")],
        )
        .await;
    assert_eq!(r.status(), 429, "per network address");

    // A link works for an hour.
    let token = "nlpr_a-link-made-by-the-test";
    let now = app.clock.now_ms();
    let link = newledger_store::PasswordResetRecord {
        token_hash: app.svc.key.hash_secret(token),
        user_id: p.user_id.clone(),
        created_at: now,
        expires_at: now + newledger_service::people::recovery::RESET_TTL_MS,
        used_at: None,
    };
    app.svc.store.insert_password_reset(&link).await.unwrap();
    let path = format!("/signin/reset/{token}");
    assert_eq!(b.page(&path).await.0, 200);
    app.clock
        .advance(newledger_service::people::recovery::RESET_TTL_MS);
    assert_eq!(b.page(&path).await.0, 404);
}
