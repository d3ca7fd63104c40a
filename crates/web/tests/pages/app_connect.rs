//! Settings → App Connect end to end: create → redirect → one-time secret reveal (reload shows
//! "already shown", creates nothing) → token works → revoke with a TOTP code → token refused;
//! delete, the Deleted filter, restore with a TOTP code, rotate; failed confirmations logged.

use crate::support::*;

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"))
        + start.len();
    &html[i..i + html[i..].find(end).unwrap()]
}

async fn create_use_and_revoke(app: TestApp) {
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let (s, list) = b.page(&url(&p, "/settings/app-connect")).await;
    assert_eq!(s, 200);
    assert!(
        list.contains("API Credentials")
            && list.contains("OAuth Connections")
            && list.contains("MCP Server")
    );
    let (_, form) = b.page(&url(&p, "/settings/app-connect/new")).await;
    assert!(form.contains("value=\"invoices:draft\""));
    assert!(
        !form.contains("value=\"invoices:approve\""),
        "people-only permissions are not offered"
    );
    let r = b
        .submit(
            &url(&p, "/settings/app-connect/new"),
            &url(&p, "/settings/app-connect/apps"),
            &[
                ("name", "Nightly sync"),
                ("purpose", "Sends invoices from the shop"),
                ("owner_email", &p.email),
                ("expires_in_days", "30"),
                ("permissions", "invoices:read"),
                ("permissions", "invoices:draft"),
            ],
        )
        .await;
    // Post/redirect/get: the secret is on the page the POST redirects to, never in the URL.
    assert_eq!(r.status(), 303);
    let reveal = location(&r);
    assert!(
        reveal.ends_with("/secret") && !reveal.contains("nlcs_"),
        "{reveal}"
    );
    let r = b.get(&reveal).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("will not be shown again"));
    let client_id = between(
        &html,
        "<code id=\"client-id\" aria-labelledby=\"cid-label\">",
        "<",
    )
    .to_owned();
    let secret = between(
        &html,
        "<code id=\"client-secret\" aria-labelledby=\"cs-label\">",
        "<",
    )
    .to_owned();
    assert!(client_id.starts_with("app_") && secret.starts_with("nlcs_"));
    assert!(html.contains("data-copy=\"client-secret\""));
    // Everything for the first call: company id, API base, token URL, curl, references.
    let api_base = format!("{}/api/v1/companies/{}", app.base, p.company_id);
    assert!(html.contains(&api_base), "{html}");
    assert!(html.contains(&format!("{}/oauth/token", app.base)));
    assert!(html.contains("grant_type=client_credentials") && html.contains(&client_id));
    assert!(html.contains(&format!("{api_base}/invoices?limit=5")));
    assert!(html.contains("href=\"/api/v1/docs\"") && html.contains("href=\"/README.md\""));
    let (s, readme) = b.page("/README.md").await;
    assert!(s == 200 && readme.contains("API credentials in five lines"));
    // Reload (or Back): "already shown", no secret, and still one app.
    let (s, again) = b.page(&reveal).await;
    assert_eq!(s, 200);
    assert!(again.contains("already shown") && !again.contains(&secret));
    assert!(again.contains(&api_base), "the first-call help stays");
    assert_eq!(
        app.svc
            .store
            .list_apps(&p.company_id, false)
            .await
            .unwrap()
            .len(),
        1
    );
    // The secret is not on any later page.
    let detail = url(&p, &format!("/settings/app-connect/apps/{client_id}"));
    let (_, page) = b.page(&detail).await;
    assert!(!page.contains(&secret));
    assert!(page.contains("Draft invoices"), "scope review");
    assert!(
        page.contains(&api_base) && page.contains("curl-token"),
        "first call"
    );
    let (_, list) = b.page(&url(&p, "/settings/app-connect")).await;
    assert!(
        list.contains("Nightly sync") && list.contains("invoices:draft") && !list.contains(&secret)
    );
    assert!(
        list.contains(&format!("<code>{client_id}</code>")),
        "client id in the list"
    );
    assert!(list.contains(">Created<"));
    // The credentials work.
    let token = app.token(&client_id, &secret).await;
    assert_eq!(
        app.api_get(&token, &p.company_id, "/invoices")
            .await
            .status(),
        200
    );
    // Revoke asks for a TOTP code.
    let r = b.submit(&detail, &format!("{detail}/revoke"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("6-digit code"));
    let r = b
        .submit(&detail, &format!("{detail}/revoke"), &[("totp", "000000")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not correct"));
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit(&detail, &format!("{detail}/revoke"), &[("totp", &code)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = b.page(&detail).await;
    assert!(page.contains("is revoked"));
    assert!(page.contains("badge-revoked"));
    assert!(page.contains("app.revoked"), "this app's activity");
    // The token is refused at once, and so is a new exchange.
    assert_eq!(
        app.api_get(&token, &p.company_id, "/invoices")
            .await
            .status(),
        401
    );
    let refused = app.token_response(&client_id, &secret, None).await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    // The same code cannot confirm a second action.
    let r = b
        .submit(&detail, &format!("{detail}/delete"), &[("totp", &code)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already used"));
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit(&detail, &format!("{detail}/delete"), &[("totp", &code)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, active) = b.page(&url(&p, "/settings/app-connect")).await;
    assert!(active.contains("is deleted") && !active.contains("<strong>Nightly sync</strong>"));
    let (_, deleted) = b.page(&url(&p, "/settings/app-connect?show=deleted")).await;
    assert!(deleted.contains("<strong>Nightly sync</strong>"));
    // Restore gives API access back: it asks for a code too, and a wrong one is logged.
    let r = b.submit(&detail, &format!("{detail}/restore"), &[]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("6-digit code") && page.contains("id=\"res-totp\""));
    let r = b
        .submit(&detail, &format!("{detail}/restore"), &[("totp", "000000")])
        .await;
    assert_eq!(r.status(), 422);
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit(&detail, &format!("{detail}/restore"), &[("totp", &code)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, log) = b
        .page(&url(&p, "/activity?action=app.confirmation_failed"))
        .await;
    assert!(
        log.contains("revoke Nightly sync") && log.contains("restore Nightly sync"),
        "{log}"
    );
    let (_, active) = b.page(&url(&p, "/settings/app-connect")).await;
    assert!(active.contains("<strong>Nightly sync</strong>"));
    assert_eq!(
        app.api_get(&token, &p.company_id, "/invoices")
            .await
            .status(),
        401,
        "old tokens stay dead"
    );
    let fresh = app.token(&client_id, &secret).await;
    assert_eq!(
        app.api_get(&fresh, &p.company_id, "/invoices")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn rotate_shows_a_new_secret_once() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (client_id, old) = app.app(&p, &["invoices:read"]).await;
    let b = sign_in(&app, &p).await;
    let detail = url(&p, &format!("/settings/app-connect/apps/{client_id}"));
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit(
            &detail,
            &format!("{detail}/rotate"),
            &[("overlap", "3600"), ("totp", &code)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reveal = location(&r);
    let r = b.get(&reveal).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let new = between(
        &html,
        "<code id=\"client-secret\" aria-labelledby=\"cs-label\">",
        "<",
    )
    .to_owned();
    assert_ne!(new, old);
    assert!(html.contains("keeps working until"));
    app.token(&client_id, &new).await;
    app.token(&client_id, &old).await; // within the overlap
    let (_, page) = b.page(&detail).await;
    assert!(page.contains("still accepted until"));
    assert!(b.page(&reveal).await.1.contains("already shown"));
    // A wrong code is refused and logged.
    let r = b
        .submit(
            &detail,
            &format!("{detail}/rotate"),
            &[("overlap", "0"), ("totp", "000000")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let (_, log) = b
        .page(&url(&p, "/activity?action=app.confirmation_failed"))
        .await;
    assert!(log.contains("rotate "), "{log}");
}

/// The reveal belongs to the session that created the app: another session of the same
/// person (or anyone else) gets "already shown", and the owner's own reveal still works.
#[tokio::test]
async fn a_reveal_is_single_use_and_bound_to_its_session() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let r = b
        .submit(
            &url(&p, "/settings/app-connect/new"),
            &url(&p, "/settings/app-connect/apps"),
            &[("name", "Shop"), ("permissions", "company:read")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reveal = location(&r);
    let other = sign_in(&app, &p).await;
    let (s, html) = other.page(&reveal).await;
    assert_eq!(s, 200);
    assert!(html.contains("already shown") && !html.contains("nlcs_"));
    let (_, html) = b.page(&reveal).await;
    assert!(html.contains("nlcs_") && html.contains("will not be shown again"));
    // Nothing readable is left in the database.
    let (_, html) = b.page(&reveal).await;
    assert!(html.contains("already shown") && !html.contains("nlcs_"));
    // A reveal left unopened expires.
    let r = b
        .submit(
            &url(&p, "/settings/app-connect/new"),
            &url(&p, "/settings/app-connect/apps"),
            &[("name", "Late"), ("permissions", "company:read")],
        )
        .await;
    let late = location(&r);
    app.clock.advance(6 * 60 * 1000);
    let (_, html) = b.page(&late).await;
    assert!(html.contains("already shown") && !html.contains("nlcs_"));
}

#[tokio::test]
async fn create_form_validates_and_refuses_elevation() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let new = url(&p, "/settings/app-connect/new");
    let create = url(&p, "/settings/app-connect/apps");
    let r = b.submit(&new, &create, &[("name", "No perms")]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("choose at least one permission")
    );
    let r = b
        .submit(
            &new,
            &create,
            &[("name", "Greedy"), ("permissions", "invoices:approve")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("people only"), "{html}");
    assert!(html.contains("value=\"Greedy\""), "keeps the name");
    let r = b
        .submit(
            &new,
            &create,
            &[
                ("name", "Bad expiry"),
                ("permissions", "invoices:read"),
                ("expires_in_days", "soon"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = b
        .submit(
            &new,
            &create,
            &[("name", ""), ("permissions", "invoices:read")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        app.svc
            .store
            .list_apps(&p.company_id, false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn members_page_adds_changes_and_removes() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let other = app.owner("Elsewhere").await;
    let b = sign_in(&app, &p).await;
    let page = url(&p, "/settings/members");
    let r = b
        .submit(
            &page,
            &page,
            &[("email", "nobody@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let unknown = r.text().await.unwrap();
    assert!(unknown.contains("accepting an invitation"), "{unknown}");
    // Someone with an account elsewhere gets the same answer and is not added.
    let r = b
        .submit(
            &page,
            &page,
            &[("email", &other.email), ("role", "bookkeeper")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let existing = r.text().await.unwrap();
    assert!(existing.contains("accepting an invitation"), "{existing}");
    assert!(
        app.svc
            .store
            .membership(&p.company_id, &other.user_id)
            .await
            .unwrap()
            .is_none()
    );
    // The operator adds people who agreed.
    let access = app.access(&p).await;
    newledger_service::company::add_member_by_operator(
        &app.svc,
        &access,
        &other.email,
        newledger_domain::role::Role::Bookkeeper,
    )
    .await
    .unwrap();
    let (_, html) = b.page(&page).await;
    assert!(html.contains(&other.email) && html.contains("Unlock sign-in"));
    // Changing a role asks first; the confirmed form acts.
    let r = b
        .submit(
            &page,
            &url(&p, &format!("/settings/members/{}/role", other.user_id)),
            &[("role", "accountant")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("from bookkeeper to accountant") && html.contains(">Change role<"));
    let r = b
        .submit(
            &page,
            &url(&p, &format!("/settings/members/{}/role", other.user_id)),
            &[("role", "accountant"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let role = app
        .svc
        .store
        .membership(&p.company_id, &other.user_id)
        .await
        .unwrap();
    assert_eq!(role.map(|r| r.as_str()), Some("accountant"));
    // The last owner is offered neither Remove nor a role change; a forged request is refused.
    let (_, html) = b.page(&page).await;
    assert!(!html.contains(&format!("/settings/members/{}/remove", p.user_id)));
    assert!(!html.contains(&format!("/settings/members/{}/role", p.user_id)));
    assert!(html.contains("the only owner"));
    assert!(html.contains(&format!("/settings/members/{}/remove", other.user_id)));
    // An owner unlocks a member's sign-in (logged).
    let r = b
        .submit(
            &page,
            &url(&p, &format!("/settings/members/{}/unlock", other.user_id)),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, log) = b.page(&url(&p, "/activity?action=signin.unlocked")).await;
    assert!(log.contains(&other.email) || log.contains("signin.unlocked"));
    // The last owner cannot leave.
    let r = b
        .submit(
            &page,
            &url(&p, &format!("/settings/members/{}/remove", p.user_id)),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("at least one owner"));
    let r = b
        .submit(
            &page,
            &url(&p, &format!("/settings/members/{}/remove", other.user_id)),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200, "asks first");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("loses access to this company at once")
    );
    let r = b
        .submit(
            &page,
            &url(&p, &format!("/settings/members/{}/remove", other.user_id)),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        app.svc
            .store
            .membership(&p.company_id, &other.user_id)
            .await
            .unwrap()
            .is_none()
    );
    let (_, log) = b.page(&url(&p, "/activity?action=member.")).await;
    assert!(
        log.contains("member.added")
            && log.contains("member.role_changed")
            && log.contains("member.removed")
    );
}

newledger_testkit::both_apps!(create_use_and_revoke);
