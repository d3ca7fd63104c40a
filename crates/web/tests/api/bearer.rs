//! Bearer validation (RFC 6750) and effective permissions: delegated ∩ what the owner's role
//! holds now. Delegation limits, role changes of the owner taking effect on the next call,
//! cross-company refusal, tampered and expired tokens.

use crate::support::*;
use newledger_domain::permission::{Permission, PermissionSet};
use newledger_domain::role::Role;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::{Error, company};
use serde_json::json;

fn new_app(perms: &[&str]) -> NewApp {
    NewApp {
        name: "Integration".into(),
        purpose: "sync".into(),
        permissions: perms.iter().map(|p| (*p).to_owned()).collect(),
        ..NewApp::default()
    }
}

async fn token_problems(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let url = format!("{}/api/v1/companies/{}/company", app.base, c.company);
    // No token.
    let g = send(app.http.get(&url)).await;
    g.problem(401, "invalid-token");
    let www = g.header("www-authenticate");
    // RFC 6750 §3.1: no error code when the request carried no token at all.
    assert_eq!(www, "Bearer realm=\"newledger\"");
    // A token in the query string is not looked at.
    let g = send(app.http.get(format!("{url}?access_token={}", c.token))).await;
    g.problem(401, "invalid-token");
    // Another scheme.
    let g = send(
        app.http
            .get(&url)
            .header("authorization", format!("Token {}", c.token)),
    )
    .await;
    g.problem(401, "invalid-token");
    // The scheme is case-insensitive.
    send(
        app.http
            .get(&url)
            .header("authorization", format!("bearer {}", c.token)),
    )
    .await
    .expect(200);
    // Garbage and a client secret are not tokens.
    get(&app, "nlat_garbage", &c.company, "/company")
        .await
        .invalid_token();
    get(&app, &c.secret, &c.company, "/company")
        .await
        .invalid_token();
    // A tampered token fails its MAC.
    let mut t = c.token.clone().into_bytes();
    let i = 10;
    t[i] = if t[i] == b'A' { b'B' } else { b'A' };
    let detail = get(
        &app,
        std::str::from_utf8(&t).unwrap(),
        &c.company,
        "/company",
    )
    .await
    .invalid_token();
    assert!(
        detail.contains("malformed") || detail.contains("not issued"),
        "{detail}"
    );
    // A token signed with another server key.
    let other_db = TestDb::sqlite().await;
    let other = spawn_app_with(
        &other_db.url,
        newledger_testkit::app::Options {
            key: newledger_service::crypto::SecretKey::from_bytes([7; 32]),
            ..Default::default()
        },
    )
    .await;
    let oc = ctx(&other, &["company:read"]).await;
    get(&app, &oc.token, &c.company, "/company")
        .await
        .invalid_token();
    drop(other);
    drop(other_db);
    // Tokens are short-lived: 15 minutes.
    app.clock.advance(15 * 60 * 1000 - 1000);
    get(&app, &c.token, &c.company, "/company")
        .await
        .expect(200);
    app.clock.advance(1000);
    let detail = get(&app, &c.token, &c.company, "/company")
        .await
        .invalid_token();
    assert!(detail.contains("expired"), "{detail}");
}

async fn cross_company_refused(app: TestApp) {
    let a = ctx(&app, &["company:read", "invoices:read"]).await;
    let b = ctx(&app, &["company:read", "invoices:read", "contacts:write"]).await;
    get(&app, &a.token, &a.company, "/company")
        .await
        .expect(200);
    for path in ["/company", "/invoices", "/contacts"] {
        let detail = get(&app, &a.token, &b.company, path).await.invalid_token();
        assert!(detail.contains("another"), "{detail}");
    }
    // Even when the person owns both companies, a token is bound to its app's one company.
    let access_b = app.access(&b.owner).await;
    company::add_member_by_operator(&app.svc, &access_b, &a.owner.email, Role::Owner)
        .await
        .unwrap();
    get(&app, &a.token, &b.company, "/company")
        .await
        .invalid_token();
    // A record of company B is not found through company A.
    let ctc = contact(&app, &b.token, &b.company, "B's customer").await;
    let (id, secret) = app.app(&a.owner, &["contacts:read"]).await;
    let t = app.token(&id, &secret).await;
    get(&app, &t, &a.company, &format!("/contacts/{ctc}"))
        .await
        .problem(404, "not-found");
}

async fn delegation_limits(app: TestApp) {
    let owner = app.owner("Delegating Ltd").await;
    let access = app.access(&owner).await;
    // A bookkeeper (or an accountant) lacks app_connect:manage: creating an app is refused.
    for role in [Role::Bookkeeper, Role::Accountant, Role::Viewer] {
        let m = app.member(&owner.company_id, role).await;
        match apps::create(&app.svc, &app.access(&m).await, new_app(&["invoices:read"])).await {
            Err(Error::Forbidden { permission, .. }) => {
                assert_eq!(permission, Some(Permission::AppConnectManage))
            }
            other => panic!("{role:?} created an app: {other:?}"),
        }
    }
    // People-only permissions are never delegated, even by an owner.
    for p in [
        "invoices:approve",
        "journal:post",
        "payments:record",
        "app_connect:manage",
        "members:manage",
    ] {
        match apps::create(&app.svc, &access, new_app(&["invoices:read", p])).await {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "permissions");
                assert!(reason.contains(p), "{reason}");
            }
            other => panic!("{p} delegated: {other:?}"),
        }
    }
    // Delegated, not elevated: nobody delegates what they do not hold.
    let mut reduced = access.clone();
    reduced.permissions = reduced.permissions.difference(
        [Permission::JournalDraft]
            .into_iter()
            .collect::<PermissionSet>(),
    );
    match apps::create(
        &app.svc,
        &reduced,
        new_app(&["journal:read", "journal:draft"]),
    )
    .await
    {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "permissions");
            assert!(
                reason.contains("journal:draft") && reason.contains("not elevated"),
                "{reason}"
            );
        }
        other => panic!("elevated: {other:?}"),
    }
    // Unknown permissions and empty sets.
    match apps::create(&app.svc, &access, new_app(&["invoices:fly"])).await {
        Err(Error::Invalid { reason, .. }) => assert!(reason.contains("invoices:fly"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        apps::create(&app.svc, &access, new_app(&[])).await,
        Err(Error::Invalid { .. })
    ));
    // The owner must be a member.
    let stranger = app.owner("Elsewhere Ltd").await;
    let mut input = new_app(&["invoices:read"]);
    input.owner_email = Some(stranger.email.clone());
    match apps::create(&app.svc, &access, input).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "owner_email"),
        other => panic!("{other:?}"),
    }
    // An app owned by a bookkeeper: what it may do is capped by the bookkeeper's role, even
    // though an owner created it with more.
    let bk = app.member(&owner.company_id, Role::Bookkeeper).await;
    let mut input = new_app(&["company:read", "invoices:read", "invoices:draft"]);
    input.owner_email = Some(bk.email.clone());
    let created = apps::create(&app.svc, &access, input).await.unwrap();
    assert_eq!(created.app.owner_user_id, bk.user_id);
    assert_eq!(created.app.created_by, owner.user_id);
    let g = got(app
        .token_response(created.app.id.as_str(), &created.client_secret, None)
        .await)
    .await;
    g.expect(200);
    assert_eq!(g.body["scope"], "company:read invoices:read invoices:draft");
}

async fn role_change_of_the_owner_takes_effect(app: TestApp) {
    let c = ctx(&app, &["company:read", "contacts:read", "contacts:write"]).await;
    let co_owner = app.member(&c.company, Role::Owner).await;
    let co_access = app.access(&co_owner).await;
    let body = json!({"name": "Before", "is_customer": true});
    post(&app, &c.token, &c.company, "/contacts", &body)
        .await
        .expect(201);

    // Owner → viewer: the same token loses its write on the very next call; reads still work.
    company::set_member(&app.svc, &co_access, &c.owner.email, Role::Viewer)
        .await
        .unwrap();
    post(
        &app,
        &c.token,
        &c.company,
        "/contacts",
        &json!({"name": "After", "is_customer": true}),
    )
    .await
    .insufficient_scope("contacts:write");
    get(&app, &c.token, &c.company, "/contacts")
        .await
        .expect(200);
    // A new token carries only what is left.
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    g.expect(200);
    assert_eq!(g.body["scope"], "company:read contacts:read");
    let g = got(app
        .token_response(&c.client_id, &c.secret, Some("contacts:write"))
        .await)
    .await;
    let d = g.oauth_error(400, "invalid_scope");
    assert!(d.contains("contacts:write"), "{d}");
    // Nothing was written by the refused call.
    let list = get(&app, &c.token, &c.company, "/contacts").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);

    // Back to owner: the write works again with the same token.
    company::set_member(&app.svc, &co_access, &c.owner.email, Role::Owner)
        .await
        .unwrap();
    post(
        &app,
        &c.token,
        &c.company,
        "/contacts",
        &json!({"name": "Again", "is_customer": true}),
    )
    .await
    .expect(201);

    // Removed from the company: the app's tokens stop (401) and the exchange is refused.
    company::remove_member(&app.svc, &co_access, &c.owner.user_id)
        .await
        .unwrap();
    let detail = get(&app, &c.token, &c.company, "/company")
        .await
        .invalid_token();
    assert!(detail.contains("no longer a member"), "{detail}");
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    let d = g.oauth_error(400, "unauthorized_client");
    assert!(d.contains("no longer a member"), "{d}");

    // The same through the store directly (what another node or the CLI would do), once the
    // cache is told.
    let d2 = ctx(&app, &["company:read", "contacts:write"]).await;
    post(
        &app,
        &d2.token,
        &d2.company,
        "/contacts",
        &json!({"name": "X", "is_customer": true}),
    )
    .await
    .expect(201);
    app.svc
        .store
        .upsert_membership(
            &d2.company,
            &d2.owner.user_id,
            Role::Viewer,
            app.clock.now_ms(),
        )
        .await
        .unwrap();
    app.svc.auth_cache.invalidate(&app.svc).await.unwrap();
    post(
        &app,
        &d2.token,
        &d2.company,
        "/contacts",
        &json!({"name": "Y", "is_customer": true}),
    )
    .await
    .insufficient_scope("contacts:write");
}

newledger_testkit::both_apps!(
    token_problems,
    cross_company_refused,
    delegation_limits,
    role_change_of_the_owner_takes_effect
);
