//! Every state-changing form refuses a request without the session's CSRF token.

use crate::support::*;

#[tokio::test]
async fn every_form_refuses_a_missing_or_wrong_token() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let (client_id, _) = app.app(&p, &["invoices:read"]).await;
    let contact = draft.contact_id.clone().unwrap();
    let b = sign_in(&app, &p).await;
    let inv = format!("/invoices/{}", draft.id);
    let app_page = format!("/settings/app-connect/apps/{client_id}");
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("{inv}/approve"), vec![]),
        (format!("{inv}/discard"), vec![]),
        (format!("{inv}/void"), vec![]),
        (format!("{inv}/edit"), vec![("line_count", "0")]),
        (
            "/journal/jnl_01aaaaaaaaaaaaaaaaaaaaaaaa/post".into(),
            vec![],
        ),
        (
            "/journal/jnl_01aaaaaaaaaaaaaaaaaaaaaaaa/discard".into(),
            vec![],
        ),
        (
            "/journal/jnl_01aaaaaaaaaaaaaaaaaaaaaaaa/reverse".into(),
            vec![],
        ),
        (
            "/journal/jnl_01aaaaaaaaaaaaaaaaaaaaaaaa/edit".into(),
            vec![("line_count", "0")],
        ),
        (
            "/journal".into(),
            vec![("date", "2026-03-01"), ("line_count", "0")],
        ),
        (
            "/contacts".into(),
            vec![("name", "Forged"), ("is_customer", "on")],
        ),
        (
            format!("/contacts/{contact}/edit"),
            vec![("name", "Forged"), ("is_customer", "on")],
        ),
        (
            "/settings/app-connect/apps".into(),
            vec![("name", "Forged app"), ("permissions", "invoices:read")],
        ),
        (format!("{app_page}/rotate"), vec![("totp", "123456")]),
        (format!("{app_page}/revoke"), vec![("totp", "123456")]),
        (format!("{app_page}/delete"), vec![("totp", "123456")]),
        (format!("{app_page}/restore"), vec![]),
        (
            "/settings/members".into(),
            vec![("email", "x@example.com"), ("role", "viewer")],
        ),
        (
            format!("/settings/members/{}/role", p.user_id),
            vec![("role", "viewer")],
        ),
        (format!("/settings/members/{}/remove", p.user_id), vec![]),
        (
            format!("/settings/members/{}/reset-2fa", p.user_id),
            vec![("totp", "123456")],
        ),
        (
            "/settings/members/invitations".into(),
            vec![("email", "x@example.com"), ("role", "viewer")],
        ),
        (
            "/settings/members/invitations/ivt_01aaaaaaaaaaaaaaaaaaaaaaaa/revoke".into(),
            vec![],
        ),
        ("/account/sessions".into(), vec![("all", "yes")]),
        (
            "/account/password".into(),
            vec![("current_password", "x"), ("new_password", "y")],
        ),
    ];
    for (path, fields) in &forms {
        for token in [None, Some("forged-token")] {
            let mut f = fields.clone();
            if let Some(t) = token {
                f.push(("csrf", t));
            }
            let r = b.post(&url(&p, path), &f).await;
            assert_eq!(r.status(), 403, "{path} with token {token:?}");
            let html = r.text().await.unwrap();
            assert!(html.contains("reload the page"), "{path}: {html}");
        }
    }
    // Sign-out and the sign-in steps too.
    assert_eq!(b.post("/signout", &[]).await.status(), 403);
    assert_eq!(b.get(&url(&p, "")).await.status(), 200, "still signed in");
    let fresh = Browser::new(&app);
    let r = fresh
        .post(
            "/signin",
            &[
                ("email", p.email.as_str()),
                ("password", p.password.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "sign-in without its form token");
    assert!(r.text().await.unwrap().contains("form expired"));
    assert_eq!(
        password_step(&fresh, &p.email, &p.password).await.status(),
        303
    );
    let code = app.next_totp(&p.totp_secret);
    let r = fresh.post("/signin/code", &[("code", code.as_str())]).await;
    assert_eq!(r.status(), 403, "second factor without token");
    // The forms shown before a session exists carry their own double-submit token.
    let r = Browser::new(&app)
        .post("/signin/forgot", &[("email", p.email.as_str())])
        .await;
    assert_eq!(r.status(), 403, "forgot password without its form token");
    assert!(
        app.svc
            .store
            .count_password_resets(&p.user_id, 0)
            .await
            .unwrap()
            == 0
    );
    assert!(
        app.svc
            .store
            .pending_invitations(&p.company_id)
            .await
            .unwrap()
            .is_empty()
    );
    // Nothing changed.
    let d = app
        .svc
        .store
        .document(&p.company_id, &draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status.as_str(), "draft");
    assert_eq!(
        app.svc
            .store
            .list_apps(&p.company_id, false)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.svc.store.list_apps(&p.company_id, false).await.unwrap()[0]
            .status
            .as_str(),
        "active"
    );
    assert_eq!(app.svc.store.members(&p.company_id).await.unwrap().len(), 1);
}
