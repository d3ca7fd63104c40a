//! Connections after consent: a deleted connection and a downgraded person, the OAuth
//! Connections tab, and drafts that name the connection they came through.

use crate::oauth_support::*;
use crate::support::*;
use newledger_domain::role::Role;

async fn deleted_connection_and_downgraded_person(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let bk = app.member(&p.company_id, Role::Bookkeeper).await;
    let (client_id, at, rt) = connected(&app, &bk, &["invoices:read", "invoices:draft"]).await;
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    // The approving person is downgraded to viewer: drafting stops, reading goes on.
    let owner = app.access(&p).await;
    newledger_service::company::set_member(&app.svc, &owner, &bk.email, Role::Viewer)
        .await
        .unwrap();
    post(
        &app,
        &at,
        &p.company_id,
        "/invoices",
        &serde_json::json!({}),
    )
    .await
    .insufficient_scope("invoices:draft");
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    // The owner deletes the connection (with a fresh TOTP code): everything stops at once.
    let conns = newledger_service::oauth::connections::list(&app.svc, &owner)
        .await
        .unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].approved_by, bk.email);
    let code = app.next_totp(&p.totp_secret);
    newledger_service::oauth::connections::delete(
        &app.svc,
        &owner,
        conns[0].connection.id.as_str(),
        &code,
    )
    .await
    .unwrap();
    get(&app, &at, &p.company_id, "/invoices")
        .await
        .invalid_token();
    let d = refresh(&app, &client_id, &rt)
        .await
        .oauth_error(400, "invalid_grant");
    assert!(d.contains("revoked") || d.contains("deleted"), "{d}");
}

async fn connections_tab_lists_and_deletes(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, at, rt) = connected(&app, &p, &["invoices:read"]).await;
    let b = signed_in_browser(&app, &p).await;
    let tab = format!(
        "{}/app/{}/settings/app-connect/oauth",
        app.base, p.company_id
    );
    let html = b.get(&tab).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Ledger Helper"), "{html}");
    assert!(html.contains(&p.email));
    assert!(html.contains("invoices:read"));
    assert!(html.contains("not verified"));
    assert!(html.contains(&format!("/mcp/{}", p.company_id)));
    let conn = app
        .svc
        .store
        .list_connections(&p.company_id)
        .await
        .unwrap()
        .remove(0);
    let action = format!(
        "{}/app/{}/settings/app-connect/oauth/{}/delete",
        app.base, p.company_id, conn.id
    );
    // Without CSRF: refused. With a wrong code: not deleted.
    let r = b
        .post(&action)
        .form(&[("totp", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let csrf = csrf_of(&html);
    b.post(&action)
        .form(&[("csrf", csrf.as_str()), ("totp", "000000")])
        .send()
        .await
        .unwrap();
    get(&app, &at, &p.company_id, "/invoices").await.expect(200);
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .post(&action)
        .form(&[("csrf", csrf.as_str()), ("totp", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    get(&app, &at, &p.company_id, "/invoices")
        .await
        .invalid_token();
    refresh(&app, &client_id, &rt)
        .await
        .oauth_error(400, "invalid_grant");
    let html = b.get(&tab).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("No app is connected"), "{html}");
    let acts = app.activity(&p.company_id).await;
    assert!(
        acts.iter()
            .any(|x| x.row.action == "oauth.connection_deleted")
    );
}

async fn drafts_through_a_connection_show_the_connection(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let keep = [
        "accounts:read",
        "contacts:read",
        "contacts:write",
        "invoices:read",
        "invoices:draft",
    ];
    let (client_id, _) = register(&app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let a = Authz {
        scope: Some(keep.join(" ")),
        ..Authz::new(&client_id, &challenge)
    };
    let code = approve(&app, &p, &a, &keep).await;
    let t = exchange(&app, &client_id, &code, &verifier).await;
    let at = t.body["access_token"].as_str().unwrap().to_owned();
    let chart = chart(&app, &at, &p.company_id).await;
    let ctc = contact(&app, &at, &p.company_id, "Blue Harbor Cafe").await;
    let date = app.svc.clock.today().to_string();
    post(
        &app,
        &at,
        &p.company_id,
        "/invoices",
        &document_body(&date, Some(&ctc), &chart.revenue, "49.00", None),
    )
    .await
    .expect(201);
    let b = signed_in_browser(&app, &p).await;
    let html = b
        .get(format!("{}/app/{}/drafts", app.base, p.company_id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Ledger Helper (connected by Olivia Owner)"),
        "{html}"
    );
}

newledger_testkit::both_apps!(
    deleted_connection_and_downgraded_person,
    connections_tab_lists_and_deletes,
    drafts_through_a_connection_show_the_connection,
);
