//! People: unique e-mail, TOTP state and replay refusal, sign-in throttling, recovery codes.

use crate::fixtures::*;
use newledger_domain::ids::UserId;
use newledger_store::*;
use std::sync::Arc;

async fn insert_and_find(store: Arc<dyn Store>) {
    let u = user(&*store).await;
    let by_email = store.user_by_email(&u.email).await.unwrap().unwrap();
    assert_eq!(by_email.id, u.id);
    assert_eq!(by_email.name, u.name);
    assert_eq!(by_email.password_hash, u.password_hash);
    assert_eq!(by_email.totp_secret, None);
    assert!(!by_email.totp_enabled);
    assert_eq!(by_email.totp_last_step, 0);
    assert_eq!(by_email.failed_logins, 0);
    assert_eq!(by_email.locked_until, None);
    assert_eq!(by_email.created_at, NOW);
    let by_id = store.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!(by_id.email, u.email);
    assert!(
        store
            .user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let unknown = UserId::from_suffix(&uid());
    assert!(store.user_by_id(&unknown).await.unwrap().is_none());
}

async fn unique_email(store: Arc<dyn Store>) {
    let u = user(&*store).await;
    let twin = UserRecord {
        email: u.email.clone(),
        ..user_record()
    };
    let r = store.insert_user(&twin).await;
    assert!(
        is_conflict(r),
        "a second user with the same e-mail must conflict"
    );
    assert!(store.user_by_id(&twin.id).await.unwrap().is_none());
    assert_eq!(
        store.user_by_email(&u.email).await.unwrap().unwrap().id,
        u.id
    );
}

async fn totp_secret_and_replay(store: Arc<dyn Store>) {
    let u = user(&*store).await;
    store
        .set_totp(&u.id, Some("JBSWY3DPEHPK3PXP"), false, NOW + 1)
        .await
        .unwrap();
    let r = store.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!(r.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(!r.totp_enabled);
    store
        .set_totp(&u.id, Some("JBSWY3DPEHPK3PXP"), true, NOW + 2)
        .await
        .unwrap();
    assert!(store.user_by_id(&u.id).await.unwrap().unwrap().totp_enabled);

    assert!(store.claim_totp_step(&u.id, 100).await.unwrap());
    assert!(!store.claim_totp_step(&u.id, 100).await.unwrap(), "replay");
    assert!(
        !store.claim_totp_step(&u.id, 99).await.unwrap(),
        "older step"
    );
    assert!(store.claim_totp_step(&u.id, 101).await.unwrap());
    assert_eq!(
        store
            .user_by_id(&u.id)
            .await
            .unwrap()
            .unwrap()
            .totp_last_step,
        101
    );
    // Another person's steps are their own.
    let other = user(&*store).await;
    assert!(store.claim_totp_step(&other.id, 100).await.unwrap());

    store.set_totp(&u.id, None, false, NOW + 3).await.unwrap();
    let r = store.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!(r.totp_secret, None);
    assert!(!r.totp_enabled);
    assert!(
        store
            .set_totp(&UserId::from_suffix(&uid()), None, false, NOW)
            .await
            .is_err()
    );
}

async fn totp_step_claimed_once_under_concurrency(store: Arc<dyn Store>) {
    let u = user(&*store).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (s, id) = (store.clone(), u.id.clone());
            tokio::spawn(async move { s.claim_totp_step(&id, 5000).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one concurrent claim of a step succeeds");
}

async fn login_failures_and_password(store: Arc<dyn Store>) {
    let u = user(&*store).await;
    store
        .set_login_failures(&u.id, 3, Some(NOW + 60_000))
        .await
        .unwrap();
    let r = store.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!((r.failed_logins, r.locked_until), (3, Some(NOW + 60_000)));
    store.set_login_failures(&u.id, 0, None).await.unwrap();
    let r = store.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!((r.failed_logins, r.locked_until), (0, None));

    store
        .set_password_hash(&u.id, "$argon2id$new", NOW + 5)
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_id(&u.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );
    assert!(
        store
            .set_password_hash(&UserId::from_suffix(&uid()), "x", NOW)
            .await
            .is_err()
    );
}

async fn recovery_codes_single_use(store: Arc<dyn Store>) {
    let u = user(&*store).await;
    let codes = vec!["hash-a".to_owned(), "hash-b".to_owned()];
    store.replace_recovery_codes(&u.id, &codes).await.unwrap();
    assert!(store.use_recovery_code(&u.id, "hash-a", NOW).await.unwrap());
    assert!(
        !store
            .use_recovery_code(&u.id, "hash-a", NOW + 1)
            .await
            .unwrap(),
        "a recovery code works once"
    );
    assert!(
        !store
            .use_recovery_code(&u.id, "unknown", NOW)
            .await
            .unwrap()
    );
    // Another person cannot use these codes.
    let other = user(&*store).await;
    assert!(
        !store
            .use_recovery_code(&other.id, "hash-b", NOW)
            .await
            .unwrap()
    );
    // New codes replace every old one, used or not.
    store
        .replace_recovery_codes(&u.id, &["hash-c".to_owned()])
        .await
        .unwrap();
    assert!(!store.use_recovery_code(&u.id, "hash-b", NOW).await.unwrap());
    assert!(store.use_recovery_code(&u.id, "hash-c", NOW).await.unwrap());
    // Reusing a code value after replacement makes it fresh again.
    store
        .replace_recovery_codes(&u.id, &["hash-a".to_owned()])
        .await
        .unwrap();
    assert!(store.use_recovery_code(&u.id, "hash-a", NOW).await.unwrap());
}

newledger_testkit::both_backends!(
    insert_and_find,
    unique_email,
    totp_secret_and_replay,
    totp_step_claimed_once_under_concurrency,
    login_failures_and_password,
    recovery_codes_single_use,
);
