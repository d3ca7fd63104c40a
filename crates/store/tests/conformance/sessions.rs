//! Web sessions: insert, read by hash, update, delete.

use crate::fixtures::*;
use newledger_store::*;
use std::sync::Arc;

async fn session_lifecycle(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let s = SessionRecord {
        id_hash: format!("sha256-{}", uid()),
        user_id: b.owner.id.clone(),
        company_id: None,
        csrf_token: "csrf-1".into(),
        stage: "password".into(),
        created_at: NOW,
        last_seen_at: NOW,
        expires_at: NOW + 3_600_000,
    };
    store.insert_session(&s).await.unwrap();
    let r = store.session(&s.id_hash).await.unwrap().unwrap();
    assert_eq!(r.user_id, s.user_id);
    assert_eq!(r.company_id, None);
    assert_eq!(
        (r.csrf_token.as_str(), r.stage.as_str()),
        ("csrf-1", "password")
    );
    assert_eq!(
        (r.created_at, r.last_seen_at, r.expires_at),
        (NOW, NOW, NOW + 3_600_000)
    );
    assert!(is_conflict(store.insert_session(&s).await));
    assert!(store.session("sha256-unknown").await.unwrap().is_none());

    let full = SessionRecord {
        company_id: Some(b.id().clone()),
        stage: "full".into(),
        last_seen_at: NOW + 60_000,
        expires_at: NOW + 7_200_000,
        ..s.clone()
    };
    store.update_session(&full).await.unwrap();
    let r = store.session(&s.id_hash).await.unwrap().unwrap();
    assert_eq!(r.company_id.as_ref(), Some(b.id()));
    assert_eq!(r.stage, "full");
    assert_eq!(
        (r.created_at, r.last_seen_at, r.expires_at),
        (NOW, NOW + 60_000, NOW + 7_200_000)
    );
    assert_eq!(r.csrf_token, "csrf-1");

    let second = SessionRecord {
        id_hash: format!("sha256-{}", uid()),
        ..s.clone()
    };
    store.insert_session(&second).await.unwrap();
    store.delete_session(&s.id_hash).await.unwrap();
    assert!(store.session(&s.id_hash).await.unwrap().is_none());
    assert!(
        store.session(&second.id_hash).await.unwrap().is_some(),
        "only that session ends"
    );
    store.delete_session(&s.id_hash).await.unwrap();
}

newledger_testkit::both_backends!(session_lifecycle);
