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
        ip: "192.0.2.7".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into(),
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

    // A person's sessions: listed with where they were opened, and ended all but one.
    let third = SessionRecord {
        id_hash: format!("sha256-{}", uid()),
        ..s.clone()
    };
    store.insert_session(&third).await.unwrap();
    let mine = store.sessions_of_user(&b.owner.id).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(
        mine.iter()
            .all(|m| m.ip == "192.0.2.7" && m.user_agent.contains("Firefox"))
    );
    assert_eq!(
        store
            .end_sessions_of_user(&b.owner.id, Some(&third.id_hash))
            .await
            .unwrap(),
        1
    );
    let left = store.sessions_of_user(&b.owner.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id_hash, third.id_hash);
    assert_eq!(
        store.end_sessions_of_user(&b.owner.id, None).await.unwrap(),
        1
    );
}

newledger_testkit::both_backends!(session_lifecycle);
