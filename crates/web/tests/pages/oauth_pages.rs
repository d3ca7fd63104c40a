//! The detail pages of App Connect → OAuth Connections: a connection (client metadata, approver,
//! scopes, resources, activity, delete) and an OAuth app registered by the company.

use crate::support::*;
use newledger_service::oauth::{clients, connections};
use newledger_testkit::TestApp;

async fn connection_page_shows_the_client_its_grant_and_its_activity(app: TestApp) {
    let owner = app.owner("Acme").await;
    let mcp_url = format!("{}/mcp/{}", app.base, owner.company_id);
    let (client_id, _, _) = newledger_testkit::oauth::connected_to(
        &app,
        &owner,
        "reports:read invoices:draft",
        std::slice::from_ref(&mcp_url),
        &["reports:read", "invoices:draft"],
    )
    .await;
    let access = app.access(&owner).await;
    let conn = connections::list(&app.svc, &access).await.unwrap()[0]
        .connection
        .id
        .to_string();
    let b = sign_in(&app, &owner).await;
    let detail = url(&owner, &format!("/settings/app-connect/oauth/{conn}"));
    // The list links to it.
    let (_, list) = b.page(&url(&owner, "/settings/app-connect/oauth")).await;
    assert!(list.contains(&format!("{detail}\"")), "{list}");
    let (s, html) = b.page(&detail).await;
    assert_eq!(s, 200, "{html}");
    for fact in [
        "Ledger Helper",
        "client.example.com",
        client_id.as_str(),
        "Dynamic registration",
        "Not verified by NewLedger",
        newledger_testkit::oauth::REDIRECT,
        owner.email.as_str(),
        "reports:read",
        "invoices:draft",
        mcp_url.as_str(),
        "oauth.consent_granted",
        "oauth.tokens_issued",
    ] {
        assert!(html.contains(fact), "{fact} missing: {html}");
    }
    assert!(!html.contains("bills:draft"));
    assert!(html.contains(&format!("/settings/app-connect/oauth/{conn}/delete\"")));

    // Another company's person cannot open it, even by changing the company in the URL.
    let other = app.owner("Other").await;
    let o = sign_in(&app, &other).await;
    let (s, _) = o
        .page(&url(&other, &format!("/settings/app-connect/oauth/{conn}")))
        .await;
    assert_eq!(s, 404);

    // Deleting from the page (second factor) ends it: its page is gone.
    let code = app.next_totp(&owner.totp_secret);
    let r = b
        .submit(
            &detail,
            &format!(
                "/app/{}/settings/app-connect/oauth/{conn}/delete",
                owner.company_id
            ),
            &[("totp", &code)],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let (s, _) = b.page(&detail).await;
    assert_eq!(s, 404);
}

async fn registered_app_page_shows_its_metadata_and_connections(app: TestApp) {
    let owner = app.owner("Acme").await;
    let access = app.access(&owner).await;
    let reg = clients::register(
        &app.svc,
        &access,
        clients::NewOAuthClient {
            name: "Partner Sync".into(),
            redirect_uris: vec!["https://partner.example/cb".into()],
            logo_uri: Some("https://partner.example/logo.png".into()),
            client_uri: Some("https://partner.example".into()),
            confidential: true,
        },
    )
    .await
    .unwrap();
    let id = reg.client.id.to_string();
    let b = sign_in(&app, &owner).await;
    let (_, list) = b.page(&url(&owner, "/settings/app-connect/oauth")).await;
    let page = url(&owner, &format!("/settings/app-connect/oauth/apps/{id}"));
    assert!(list.contains(&format!("{page}\"")), "{list}");
    let (s, html) = b.page(&page).await;
    assert_eq!(s, 200, "{html}");
    for fact in [
        "Partner Sync",
        id.as_str(),
        "https://partner.example/cb",
        "https://partner.example/logo.png",
        "Confidential",
        owner.email.as_str(),
        "Nobody has connected it yet",
        "/rotate\"",
    ] {
        assert!(html.contains(fact), "{fact} missing: {html}");
    }
    // Rotating shows up in its activity.
    clients::rotate_secret(&app.svc, &access, &id)
        .await
        .unwrap();
    let (_, html) = b.page(&page).await;
    assert!(html.contains("oauth.client_secret_rotated"), "{html}");
    // Unknown or another company's app: 404.
    let (s, _) = b
        .page(&url(
            &owner,
            "/settings/app-connect/oauth/apps/oac_01hzzzzzzzzzzzzzzzzzzzzzzz",
        ))
        .await;
    assert_eq!(s, 404);
}

/// With several companies the picker starts on "Choose a company…" (nobody connects the first
/// of a list by not looking) and the form needs a choice; with one company it is chosen.
async fn consent_picker_makes_the_person_choose_among_several(app: TestApp) {
    use newledger_testkit::oauth::{Authz, REDIRECT, pkce, register, sign_in_to_consent};
    let p = app.owner("Acme").await;
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (_, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    let (_, html) = sign_in_to_consent(&app, &p, &a).await;
    assert!(
        html.contains("<select id=\"company\" name=\"company\" required>"),
        "{html}"
    );
    assert!(
        !html.contains("Choose a company…"),
        "one company: nothing to choose"
    );
    assert!(
        html.contains(&format!("<option value=\"{}\" selected>", p.company_id)),
        "{html}"
    );

    newledger_service::company::create_company(&app.svc, &p.user_id, "Beta", "EUR", true)
        .await
        .unwrap();
    let (_, html) = sign_in_to_consent(&app, &p, &a).await;
    assert!(
        html.contains("<option value=\"\" selected disabled>Choose a company…</option>"),
        "{html}"
    );
    assert!(
        !html.contains("\" selected>"),
        "no company chosen for the person: {html}"
    );
    assert!(html.contains("Acme") && html.contains("Beta"));
}

/// Rotate and Delete on the OAuth Connections tab are one named route each.
async fn registered_apps_are_rotated_and_deleted_from_the_tab(app: TestApp) {
    let owner = app.owner("Acme").await;
    let access = app.access(&owner).await;
    let register = |name: &str, confidential| clients::NewOAuthClient {
        name: name.into(),
        redirect_uris: vec!["https://partner.example/cb".into()],
        logo_uri: None,
        client_uri: None,
        confidential,
    };
    let confidential = clients::register(&app.svc, &access, register("Partner Sync", true))
        .await
        .unwrap()
        .client
        .id
        .to_string();
    let public = clients::register(&app.svc, &access, register("Public Tool", false))
        .await
        .unwrap()
        .client
        .id
        .to_string();
    let b = sign_in(&app, &owner).await;
    let tab = url(&owner, "/settings/app-connect/oauth");
    let action = |id: &str, what: &str| {
        url(
            &owner,
            &format!("/settings/app-connect/oauth/apps/{id}/{what}"),
        )
    };
    // A confidential app's new secret is shown once, on a page that is not stored.
    let r = b.submit(&tab, &action(&confidential, "rotate"), &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains(clients::OAUTH_CLIENT_SECRET_PREFIX), "{html}");
    assert!(html.contains(&confidential), "{html}");
    // A public app has none: back to the tab, saying so.
    let r = b.submit(&tab, &action(&public, "rotate"), &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = b.page(&location(&r)).await;
    assert!(
        html.contains("A public app has no secret to rotate."),
        "{html}"
    );
    // Delete: the app leaves the tab.
    let r = b.submit(&tab, &action(&public, "delete"), &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = b.page(&location(&r)).await;
    assert!(html.contains("The OAuth app is deleted"), "{html}");
    assert!(!html.contains("Public Tool"), "{html}");
    // Without the form's CSRF token, or for an action that has no route, nothing happens.
    let r = b.post(&action(&confidential, "delete"), &[]).await;
    assert_eq!(r.status(), 403);
    let r = b
        .submit(&tab, &action(&confidential, "frobnicate"), &[])
        .await;
    assert_eq!(r.status(), 404);
    let (_, html) = b.page(&tab).await;
    assert!(html.contains("Partner Sync"), "{html}");
}

newledger_testkit::both_apps!(
    consent_picker_makes_the_person_choose_among_several,
    connection_page_shows_the_client_its_grant_and_its_activity,
    registered_app_page_shows_its_metadata_and_connections,
    registered_apps_are_rotated_and_deleted_from_the_tab
);
