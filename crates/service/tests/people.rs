//! Sign-in: wrong second-factor codes count towards the lockout, and sign-in events reach the
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! activity log of the person's companies.

use newledger_service::clock::{Clock, ManualClock};
use newledger_service::crypto::SecretKey;
use newledger_service::people::{signin, totp, users};
use newledger_service::{Error, Services, Settings, company};
use newledger_store::{ActivityFilter, SqlStore};
use newledger_testkit::db::TestDb;
use std::sync::Arc;

#[tokio::test]
async fn code_guessing_after_a_stolen_password_locks_the_account() {
    let db = TestDb::sqlite().await;
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(1_782_820_800_000));
    let svc = Services::new(
        Arc::new(store),
        clock.clone(),
        SecretKey::from_bytes([3; 32]),
        Settings::default(),
    );
    let u = users::create_user(&svc, "pat@example.com", "Pat", "correct horse battery")
        .await
        .unwrap();
    let secret = totp::generate_secret();
    svc.store
        .set_totp(&u.id, Some(&secret), true, clock.now_ms())
        .await
        .unwrap();
    let c = company::create_company(&svc, &u.id, "Pat Ltd", "EUR", true)
        .await
        .unwrap();
    for _ in 0..signin::MAX_FAILURES {
        let user =
            signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.0.0.9")
                .await
                .unwrap();
        assert!(
            signin::check_second_factor(&svc, &user, "000000", "10.0.0.9")
                .await
                .is_err()
        );
    }
    // Locked now: even the right password and a right code are refused.
    assert!(matches!(
        signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.0.0.9").await,
        Err(Error::RateLimited { .. })
    ));
    // After the lock expires, a full sign-in works and resets the counter.
    clock.advance(16 * 60_000);
    let user = signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.0.0.9")
        .await
        .unwrap();
    let code = totp::code_at(&secret, u64::try_from(clock.now_ms() / 1000).unwrap()).unwrap();
    signin::check_second_factor(&svc, &user, &code, "10.0.0.9")
        .await
        .unwrap();
    assert_eq!(
        svc.store
            .user_by_id(&u.id)
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        0
    );
    let log = svc
        .store
        .list_activity(
            &c.id,
            &ActivityFilter {
                action_prefix: Some("signin.".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.row.action.as_str()).collect();
    assert!(actions.contains(&"signin.locked"), "{actions:?}");
    assert!(actions.contains(&"signin.succeeded"), "{actions:?}");
    assert!(log.iter().all(|r| r.row.ip == "10.0.0.9"));
}
