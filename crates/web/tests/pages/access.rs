//! Every page checks the person's permission in the company on the server.

use crate::support::*;
use newledger_domain::role::Role;

#[tokio::test]
async fn viewer_cannot_manage_or_approve() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &owner).await;
    let viewer = app.member(&owner.company_id, Role::Viewer).await;
    let b = sign_in(&app, &viewer).await;
    // Readable pages.
    for path in [
        "",
        "/drafts",
        "/invoices",
        "/bills",
        "/expenses",
        "/journal",
        "/contacts",
        "/accounts",
        "/reports",
        "/reports/trial-balance",
        "/settings/members",
    ] {
        let (s, html) = b.page(&url(&viewer, path)).await;
        assert_eq!(s, 200, "{path}: {html}");
    }
    // The navigation does not offer what the role cannot do…
    let (_, html) = b.page(&url(&viewer, "")).await;
    assert!(!html.contains("/settings/app-connect\""));
    let (_, drafts) = b.page(&url(&viewer, "/drafts")).await;
    assert!(drafts.contains(&draft.number));
    assert!(
        !drafts.contains("/approve\""),
        "no approve button for a viewer"
    );
    // …and the server refuses it anyway.
    for path in [
        "/settings/app-connect",
        "/settings/app-connect/new",
        "/settings/app-connect/oauth",
        "/settings/app-connect/mcp",
        "/activity",
        "/activity.csv",
        "/contacts/new",
        &format!("/invoices/{}/edit", draft.id),
    ] {
        let (s, html) = b.page(&url(&viewer, path)).await;
        assert_eq!(s, 403, "{path}");
        assert!(
            html.contains("You do not have access to this"),
            "{path}: {html}"
        );
    }
    let token = csrf_of(&drafts);
    let approve = url(&viewer, &format!("/invoices/{}/approve", draft.id));
    let r = b.post(&approve, &[("csrf", &token)]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("invoices:approve"));
    let r = b
        .post(
            &url(&viewer, "/settings/app-connect/apps"),
            &[
                ("csrf", &token),
                ("name", "x"),
                ("permissions", "invoices:read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = b
        .post(
            &url(&viewer, "/settings/members"),
            &[
                ("csrf", &token),
                ("email", &owner.email),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = b
        .post(
            &url(&viewer, "/contacts"),
            &[("csrf", &token), ("name", "Sneaky"), ("is_customer", "on")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Nothing changed.
    let still = app
        .svc
        .store
        .document(&owner.company_id, &draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status.as_str(), "draft");
    assert!(
        app.svc
            .store
            .list_apps(&owner.company_id, false)
            .await
            .unwrap()
            .len()
            == 1
    );
}

#[tokio::test]
async fn bookkeeper_drafts_but_does_not_approve() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &owner).await;
    let bk = app.member(&owner.company_id, Role::Bookkeeper).await;
    let b = sign_in(&app, &bk).await;
    let (_, html) = b.page(&url(&bk, &format!("/invoices/{}", draft.id))).await;
    assert!(!html.contains("Approve and post"));
    assert!(html.contains("Discard draft"));
    let r = b
        .submit(
            &url(&bk, "/drafts"),
            &url(&bk, &format!("/invoices/{}/approve", draft.id)),
            &[],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn other_companies_are_invisible() {
    let (app, _db) = sqlite_app().await;
    let a = app.owner("Acme").await;
    let other = app.owner("Other Ltd").await;
    let b = sign_in(&app, &a).await;
    for path in ["", "/invoices", "/settings/app-connect", "/activity"] {
        let (s, html) = b.page(&format!("/app/{}{path}", other.company_id)).await;
        assert_eq!(s, 404, "{path}");
        assert!(!html.contains("Other Ltd"));
    }
}

#[tokio::test]
async fn company_switcher_lists_every_company() {
    let (app, _db) = sqlite_app().await;
    let a = app.owner("Acme").await;
    let second = app.owner("Second Books").await;
    app.svc
        .store
        .upsert_membership(
            &second.company_id,
            &a.user_id,
            Role::Accountant,
            app.clock.now_ms(),
        )
        .await
        .unwrap();
    app.svc.auth_cache.invalidate(&app.svc).await.unwrap();
    let b = sign_in(&app, &a).await;
    let (_, html) = b.page(&url(&a, "")).await;
    assert!(html.contains(&format!("href=\"/app/{}\"", second.company_id)));
    let (s, html) = b.page(&format!("/app/{}", second.company_id)).await;
    assert_eq!(s, 200);
    assert!(html.contains("<strong class=\"company-name\">Second Books</strong>"));
    // The accountant role there has no App Connect.
    let (s, _) = b
        .page(&format!("/app/{}/settings/app-connect", second.company_id))
        .await;
    assert_eq!(s, 403);
    // `/` now comes back to the company last opened.
    assert_eq!(
        location(&b.get("/").await),
        format!("/app/{}", second.company_id)
    );
}
