//! The whole life of an API credential app over real HTTP: create → exchange → call → rotate
//! (with and without overlap) → revoke (TOTP-confirmed) → restore → delete → restore →
//! expiry; plus the activity log, batched last-used times and folded failures.

use crate::support::*;
use newledger_domain::app::AppStatus;
use newledger_service::Error;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_store::ActivityFilter;

/// Activity rows of an app (newest first).
async fn activity(app: &TestApp, c: &Ctx, prefix: &str) -> Vec<newledger_store::ActivityRecord> {
    app.svc
        .store
        .list_activity(
            &c.company,
            &ActivityFilter {
                action_prefix: Some(prefix.to_owned()),
                target_id: Some(c.client_id.clone()),
                limit: 1000,
                ..ActivityFilter::default()
            },
        )
        .await
        .unwrap()
}

/// A code that is certainly not the current one (nor a neighbour the verifier may accept).
fn wrong_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 500_000) % 1_000_000)
}

async fn whole_lifecycle(app: TestApp) {
    let c = ctx(&app, &["company:read", "invoices:read", "invoices:draft"]).await;
    let id = c.app_id();
    let access = owner_access(&app, &c).await;
    let svc = &app.svc;

    // Created: the secret is shown once, stored only as a keyed hash.
    assert!(c.secret.starts_with("nlcs_"), "{}", c.secret);
    let rec = svc.store.app(&id).await.unwrap().unwrap();
    assert!(!rec.secret_hash.contains(&c.secret[5..]));
    assert_eq!(rec.status, AppStatus::Active);

    // Exchange → call.
    assert!(c.token.starts_with("nlat_"));
    let g = get(&app, &c.token, &c.company, "/company").await;
    g.expect(200);
    assert_eq!(g.body["id"], c.company.to_string());
    assert_eq!(g.body["name"], "Acme Ltd");

    // Rotate without overlap: the old secret stops at once, and so do its tokens.
    let code = app.next_totp(&c.owner.totp_secret);
    let r1 = apps::rotate(svc, &access, &id, 0, Some(&code))
        .await
        .unwrap();
    assert!(r1.client_secret.starts_with("nlcs_"));
    assert_ne!(r1.client_secret, c.secret);
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(d.contains("unknown client or wrong secret"), "{d}");
    get(&app, &c.token, &c.company, "/company")
        .await
        .invalid_token();
    let t2 = app.token(&c.client_id, &r1.client_secret).await;
    get(&app, &t2, &c.company, "/company").await.expect(200);

    // Rotate with a 10-minute overlap: both secrets work until it ends; tokens survive.
    let code = app.next_totp(&c.owner.totp_secret);
    let r2 = apps::rotate(svc, &access, &id, 600, Some(&code))
        .await
        .unwrap();
    let _ = app.token(&c.client_id, &r1.client_secret).await;
    let t3 = app.token(&c.client_id, &r2.client_secret).await;
    get(&app, &t2, &c.company, "/company").await.expect(200);
    app.clock.advance(599_000);
    let _ = app.token(&c.client_id, &r1.client_secret).await;
    app.clock.advance(2_000);
    let g = got(app
        .token_response(&c.client_id, &r1.client_secret, None)
        .await)
    .await;
    g.oauth_error(401, "invalid_client");
    get(&app, &t3, &c.company, "/company").await.expect(200);
    // Overlaps are capped at 24 h (checked before the code is used).
    let code = app.next_totp(&c.owner.totp_secret);
    match apps::rotate(svc, &access, &id, 24 * 3600 + 1, Some(&code)).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "overlap"),
        other => panic!("overlap over 24 h accepted: {other:?}"),
    }

    // Revoke asks for a fresh TOTP code: missing, wrong and replayed codes are refused.
    let t4 = app.token(&c.client_id, &r2.client_secret).await;
    match apps::revoke(svc, &access, &id, None).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "totp"),
        other => panic!("revoke without a code: {other:?}"),
    }
    match apps::revoke(svc, &access, &id, Some(&wrong_code(&code))).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "totp"),
        other => panic!("revoke with a wrong code: {other:?}"),
    }
    assert_eq!(
        svc.store.app(&id).await.unwrap().unwrap().status,
        AppStatus::Active
    );
    let revoked = apps::revoke(svc, &access, &id, Some(&code)).await.unwrap();
    assert_eq!(revoked.status, AppStatus::Revoked);
    // The same code again (for delete) is a replay.
    match apps::delete(svc, &access, &id, Some(&code)).await {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "totp");
            assert!(reason.contains("already used"), "{reason}");
        }
        other => panic!("replayed code accepted: {other:?}"),
    }

    // The very next call with an outstanding token is refused, per RFC 6750.
    let detail = get(&app, &t4, &c.company, "/company").await.invalid_token();
    assert!(detail.contains("revoked"), "{detail}");
    // The exchange is refused too, and (the client authenticated) says why.
    let g = got(app
        .token_response(&c.client_id, &r2.client_secret, None)
        .await)
    .await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(d.contains("revoked"), "{d}");

    // Without the right secret the answer stays generic: the app's state is not revealed.
    let g = got(app.token_response(&c.client_id, "nlcs_guess", None).await).await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(!d.contains("revoked"), "{d}");

    // Restore: the current secret works again; tokens from before the revoke stay dead.
    let code = app.next_totp(&c.owner.totp_secret);
    let restored = apps::restore(svc, &access, &id, Some(&code)).await.unwrap();
    assert_eq!(restored.status, AppStatus::Active);
    let t5 = app.token(&c.client_id, &r2.client_secret).await;
    get(&app, &t5, &c.company, "/company").await.expect(200);
    get(&app, &t4, &c.company, "/company").await.invalid_token();

    // Delete: hidden from the list, its tokens and exchange refused saying "deleted".
    let code = app.next_totp(&c.owner.totp_secret);
    apps::delete(svc, &access, &id, Some(&code)).await.unwrap();
    let detail = get(&app, &t5, &c.company, "/company").await.invalid_token();
    assert!(detail.contains("deleted"), "{detail}");
    let g = got(app
        .token_response(&c.client_id, &r2.client_secret, None)
        .await)
    .await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(d.contains("deleted"), "{d}");
    let listed = apps::list(svc, &access, false).await.unwrap();
    assert!(listed.iter().all(|a| a.id != id));
    let deleted = apps::list(svc, &access, true).await.unwrap();
    assert!(deleted.iter().any(|a| a.id == id));

    // Restore from deleted.
    let code = app.next_totp(&c.owner.totp_secret);
    apps::restore(svc, &access, &id, Some(&code)).await.unwrap();
    let t6 = app.token(&c.client_id, &r2.client_secret).await;
    get(&app, &t6, &c.company, "/company").await.expect(200);
    get(&app, &t5, &c.company, "/company").await.invalid_token();

    // Every lifecycle event is in the activity log, with the person as actor.
    // The two refused confirmations (a wrong code for revoke, a used one for delete) too.
    let refused = activity(&app, &c, "app.confirmation_failed").await;
    let reasons: Vec<&str> = refused
        .iter()
        .rev()
        .map(|r| r.row.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].starts_with("revoke ") && reasons[0].contains("not correct"));
    assert!(reasons[1].starts_with("delete ") && reasons[1].contains("already used"));
    assert!(refused.iter().all(|r| r.row.outcome == "failure"));
    let rows: Vec<_> = activity(&app, &c, "app.")
        .await
        .into_iter()
        .filter(|r| r.row.action != "app.confirmation_failed")
        .collect();
    let actions: Vec<&str> = rows.iter().rev().map(|r| r.row.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "app.created",
            "app.secret_rotated",
            "app.secret_rotated",
            "app.revoked",
            "app.restored",
            "app.deleted",
            "app.restored"
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.row.actor_kind == "user" && r.row.actor_id == c.owner.user_id.as_str())
    );
    assert!(
        rows.iter()
            .all(|r| r.row.outcome == "success" && r.row.ip == "127.0.0.1")
    );
    // Changes carry old → new values.
    let revoked_row = rows.iter().find(|r| r.row.action == "app.revoked").unwrap();
    let details: serde_json::Value = serde_json::from_str(&revoked_row.row.details).unwrap();
    assert_eq!(details["old_status"], "active");
    assert_eq!(details["new_status"], "revoked");
}

async fn expiry(app: TestApp) {
    let owner = app.owner("Expiring Ltd").await;
    let access = app.access(&owner).await;
    let created = apps::create(
        &app.svc,
        &access,
        NewApp {
            name: "Nightly sync".into(),
            purpose: "tests".into(),
            owner_email: None,
            expires_in_days: Some(1),
            permissions: vec!["company:read".into()],
        },
    )
    .await
    .unwrap();
    let (id, secret) = (created.app.id.clone(), created.client_secret.clone());
    let token = app.token(id.as_str(), &secret).await;
    get(&app, &token, &owner.company_id, "/company")
        .await
        .expect(200);

    // Expiry is enforced at every API call, not only at the exchange: bring it to one minute
    // from now (well within the token's own lifetime) and step past it.
    let mut rec = app.svc.store.app(&id).await.unwrap().unwrap();
    rec.expires_at = Some(app.clock.now_ms() + 60_000);
    app.svc.store.update_app(&rec).await.unwrap();
    app.svc.auth_cache.invalidate(&app.svc).await.unwrap();
    get(&app, &token, &owner.company_id, "/company")
        .await
        .expect(200);
    app.clock.advance(61_000);
    let detail = get(&app, &token, &owner.company_id, "/company")
        .await
        .invalid_token();
    assert!(detail.contains("expired"), "{detail}");
    let g = got(app.token_response(id.as_str(), &secret, None).await).await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(d.contains("expired"), "{d}");

    // The day-based expiry at create: a fresh app expires after its days.
    let created = apps::create(
        &app.svc,
        &access,
        NewApp {
            name: "Short-lived".into(),
            expires_in_days: Some(1),
            permissions: vec!["company:read".into()],
            ..NewApp::default()
        },
    )
    .await
    .unwrap();
    let id2 = created.app.id.to_string();
    assert_eq!(
        created.app.expires_at,
        Some(app.clock.now_ms() + 86_400_000)
    );
    let _ = app.token(&id2, &created.client_secret).await;
    app.clock.advance(86_400_000);
    let g = got(app.token_response(&id2, &created.client_secret, None).await).await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(d.contains("expired"), "{d}");
    // Out-of-range expiries are refused.
    for days in [0, 3651] {
        match apps::create(
            &app.svc,
            &access,
            NewApp {
                name: "x".into(),
                expires_in_days: Some(days),
                permissions: vec!["company:read".into()],
                ..NewApp::default()
            },
        )
        .await
        {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "expires_in_days"),
            other => panic!("expires_in_days {days}: {other:?}"),
        }
    }
}

async fn last_used_is_flushed_in_batches(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let id = c.app_id();
    get(&app, &c.token, &c.company, "/company")
        .await
        .expect(200);
    // The background flush runs every 2 s; the issue allows ≤ 5 s.
    let took = eventually(5_000, || async {
        app.svc
            .store
            .app(&id)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
            .is_some()
    })
    .await;
    assert!(took.is_some(), "last_used_at not flushed within 5 s");
    let rec = app.svc.store.app(&id).await.unwrap().unwrap();
    assert!(
        rec.use_count >= 2,
        "exchange + call counted: {}",
        rec.use_count
    );
    assert!(rec.last_used_at.unwrap() <= app.clock.now_ms());
}

async fn failed_exchanges_are_folded(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    for _ in 0..50 {
        let g = got(app.token_response(&c.client_id, "nlcs_wrong", None).await).await;
        g.oauth_error(401, "invalid_client");
    }
    let rows = activity(&app, &c, "token.").await;
    assert_eq!(
        rows.len(),
        1,
        "the first failure is logged at once, repeats are folded"
    );
    assert_eq!(rows[0].row.outcome, "failure");
    assert_eq!(rows[0].row.reason, "wrong secret");
    assert_eq!(rows[0].row.ip, "127.0.0.1");
    app.svc.activity.flush_folded(true).await.unwrap();
    let rows = activity(&app, &c, "token.").await;
    assert!(rows.len() <= 2, "50 failures wrote {} rows", rows.len());
    assert_eq!(rows.len(), 2);
    let total: i64 = rows.iter().map(|r| r.row.count).sum();
    assert_eq!(total, 50, "the folded row counts the repeats");
}

async fn deleted_apps_are_purged_after_30_days(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let id = c.app_id();
    let access = owner_access(&app, &c).await;
    let code = app.next_totp(&c.owner.totp_secret);
    apps::delete(&app.svc, &access, &id, Some(&code))
        .await
        .unwrap();
    // Within the window it can come back.
    app.clock.advance(apps::RESTORE_WINDOW_MS - 60_000);
    assert_eq!(apps::purge(&app.svc).await.unwrap(), 0);
    let code = app.next_totp(&c.owner.totp_secret);
    apps::restore(&app.svc, &access, &id, Some(&code))
        .await
        .unwrap();
    let code = app.next_totp(&c.owner.totp_secret);
    apps::delete(&app.svc, &access, &id, Some(&code))
        .await
        .unwrap();
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    assert!(g.oauth_error(401, "invalid_client").contains("deleted"));
    // After it, the hourly purge removes it for good.
    app.clock.advance(apps::RESTORE_WINDOW_MS + 1);
    assert_eq!(apps::purge(&app.svc).await.unwrap(), 1);
    assert!(app.svc.store.app(&id).await.unwrap().is_none());
    assert!(matches!(
        apps::restore(&app.svc, &access, &id, None).await,
        Err(Error::NotFound(_))
    ));
    // The purge cleared the caches: the client is now unknown.
    let g = got(app.token_response(&c.client_id, &c.secret, None).await).await;
    let d = g.oauth_error(401, "invalid_client");
    assert!(d.contains("unknown client or wrong secret"), "{d}");
}

async fn failures_of_unknown_clients_are_folded_per_address(url: String, _backend: &'static str) {
    let app = spawn_app(&url).await;
    // 50 made-up client ids from one address: one row now, one folded row at the flush.
    for _ in 0..50 {
        let id: String = app.svc.new_id("app_");
        let g = got(app.token_response(&id, "nlcs_guess", None).await).await;
        g.oauth_error(401, "invalid_client");
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let rows = || async {
        let r: (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM activity \
             WHERE company_id IS NULL AND action = 'token.failed'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        r
    };
    assert_eq!(rows().await, (1, 1));
    app.svc.activity.flush_folded(true).await.unwrap();
    assert_eq!(rows().await, (2, 50));
    pool.close().await;
}

newledger_testkit::both_urls!(failures_of_unknown_clients_are_folded_per_address);

newledger_testkit::both_apps!(
    deleted_apps_are_purged_after_30_days,
    whole_lifecycle,
    expiry,
    last_used_is_flushed_in_batches,
    failed_exchanges_are_folded
);
