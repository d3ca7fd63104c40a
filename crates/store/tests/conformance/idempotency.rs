//! Idempotency keys: claim, in flight, completed, released, scoped, purged.

use crate::fixtures::*;
use newledger_store::*;
use std::sync::Arc;

fn key(principal: &str, method_path: &str, k: &str) -> IdempotencyKey {
    IdempotencyKey {
        principal_id: principal.into(),
        company_id: "cmp_test".into(),
        method_path: method_path.into(),
        key: k.into(),
    }
}

fn existing(c: IdempotencyClaim) -> (String, Option<(u16, String)>) {
    match c {
        IdempotencyClaim::Existing {
            request_hash,
            response,
        } => (request_hash, response),
        IdempotencyClaim::Claimed => panic!("expected an existing claim"),
    }
}

async fn claim_complete_release(store: Arc<dyn Store>) {
    let k = key("app_a", "POST /api/v1/companies/cmp_test/invoices", &uid());
    assert!(matches!(
        store.claim_idempotency(&k, "h1", NOW).await.unwrap(),
        IdempotencyClaim::Claimed
    ));
    // While the first request is in flight.
    assert_eq!(
        existing(store.claim_idempotency(&k, "h1", NOW + 1).await.unwrap()),
        ("h1".into(), None)
    );
    // A different body under the same key: the caller sees the first hash and refuses.
    assert_eq!(
        existing(store.claim_idempotency(&k, "h2", NOW + 1).await.unwrap()).0,
        "h1"
    );
    store
        .complete_idempotency(&k, 201, r#"{"id":"inv_1"}"#)
        .await
        .unwrap();
    assert_eq!(
        existing(store.claim_idempotency(&k, "h1", NOW + 2).await.unwrap()),
        ("h1".into(), Some((201, r#"{"id":"inv_1"}"#.into())))
    );

    // The same key is independent per principal and per method + path.
    for other in [
        key("app_b", &k.method_path, &k.key),
        key("app_a", "POST /api/v1/companies/cmp_test/bills", &k.key),
        IdempotencyKey {
            company_id: "cmp_other".into(),
            ..k.clone()
        },
    ] {
        assert!(matches!(
            store.claim_idempotency(&other, "h9", NOW).await.unwrap(),
            IdempotencyClaim::Claimed
        ));
    }

    // A request that failed before doing anything releases its claim: a retry may go ahead.
    let r = key("app_a", "POST /x", &uid());
    store.claim_idempotency(&r, "h1", NOW).await.unwrap();
    store.release_idempotency(&r).await.unwrap();
    assert!(matches!(
        store.claim_idempotency(&r, "h1", NOW + 5).await.unwrap(),
        IdempotencyClaim::Claimed
    ));
}

async fn abandoned_claims_are_taken_over_once(store: Arc<dyn Store>) {
    let k = key("app_a", "POST /crash", &uid());
    store.claim_idempotency(&k, "h", NOW).await.unwrap();
    assert!(
        !store.reclaim_idempotency(&k, NOW + 10, NOW).await.unwrap(),
        "a claim made at the cut-off is still running"
    );
    assert!(
        store
            .reclaim_idempotency(&k, NOW + 10, NOW + 1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .reclaim_idempotency(&k, NOW + 11, NOW + 1)
            .await
            .unwrap(),
        "re-dated by the takeover: a second retry does not take it too"
    );
    store.complete_idempotency(&k, 201, "{}").await.unwrap();
    assert!(
        !store
            .reclaim_idempotency(&k, NOW + 99, NOW + 50)
            .await
            .unwrap(),
        "a completed key keeps its response"
    );
    assert_eq!(
        existing(store.claim_idempotency(&k, "h", NOW + 99).await.unwrap()).1,
        Some((201, "{}".to_owned()))
    );
}

async fn claimed_once_under_concurrency(store: Arc<dyn Store>) {
    let k = key("app_a", "POST /race", &uid());
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (s, k) = (store.clone(), k.clone());
            tokio::spawn(async move { s.claim_idempotency(&k, "h", NOW).await.unwrap() })
        })
        .collect();
    let mut claimed = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), IdempotencyClaim::Claimed) {
            claimed += 1;
        }
    }
    assert_eq!(claimed, 1);
}

async fn purge_old_keys(store: Arc<dyn Store>) {
    let p = format!("app_{}", uid());
    let old = key(&p, "POST /a", "old");
    let new = key(&p, "POST /a", "new");
    store
        .claim_idempotency(&old, "h", NOW - 90_000_000)
        .await
        .unwrap();
    store.claim_idempotency(&new, "h", NOW).await.unwrap();
    store.complete_idempotency(&new, 200, "{}").await.unwrap();
    assert_eq!(store.purge_idempotency(NOW - 86_400_000).await.unwrap(), 1);
    assert!(matches!(
        store.claim_idempotency(&old, "h", NOW).await.unwrap(),
        IdempotencyClaim::Claimed
    ));
    assert_eq!(
        existing(store.claim_idempotency(&new, "h", NOW).await.unwrap()).1,
        Some((200, "{}".into()))
    );
}

newledger_testkit::both_backends!(
    abandoned_claims_are_taken_over_once,
    claim_complete_release,
    claimed_once_under_concurrency,
    purge_old_keys
);
