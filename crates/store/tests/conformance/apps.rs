//! API credential apps: insert, lifecycle updates, the deleted filter, batched usage, purge.

use crate::fixtures::*;
use newledger_domain::app::{App, AppStatus};
use newledger_domain::ids::AppId;
use newledger_domain::permission::PermissionSet;
use newledger_store::*;
use std::sync::Arc;

fn app_record(b: &Books, name: &str) -> App {
    App {
        id: AppId::from_suffix(&uid()),
        company_id: b.id().clone(),
        name: name.into(),
        purpose: "Sync invoices from the shop".into(),
        owner_user_id: b.owner.id.clone(),
        created_by: b.owner.id.clone(),
        permissions: PermissionSet::parse("invoices:read invoices:draft contacts:read").unwrap(),
        status: AppStatus::Active,
        expires_at: Some(NOW + 86_400_000),
        secret_hash: format!("hash-{}", uid()),
        secret_hint: "a1b2".into(),
        prev_secret_hash: None,
        prev_secret_valid_until: None,
        credential_version: 1,
        revoked_at: None,
        deleted_at: None,
        last_used_at: None,
        use_count: 0,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn assert_same(a: &App, b: &App) {
    assert_eq!(a.id, b.id);
    assert_eq!(a.company_id, b.company_id);
    assert_eq!(
        (a.name.as_str(), a.purpose.as_str()),
        (b.name.as_str(), b.purpose.as_str())
    );
    assert_eq!(
        (&a.owner_user_id, &a.created_by),
        (&b.owner_user_id, &b.created_by)
    );
    assert_eq!(a.permissions, b.permissions);
    assert_eq!(a.status, b.status);
    assert_eq!(a.expires_at, b.expires_at);
    assert_eq!(
        (&a.secret_hash, &a.secret_hint),
        (&b.secret_hash, &b.secret_hint)
    );
    assert_eq!(
        (&a.prev_secret_hash, a.prev_secret_valid_until),
        (&b.prev_secret_hash, b.prev_secret_valid_until)
    );
    assert_eq!(a.credential_version, b.credential_version);
    assert_eq!((a.revoked_at, a.deleted_at), (b.revoked_at, b.deleted_at));
    assert_eq!((a.last_used_at, a.use_count), (b.last_used_at, b.use_count));
    assert_eq!((a.created_at, a.updated_at), (b.created_at, b.updated_at));
}

async fn insert_update_list(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let a = app_record(&b, "Shop");
    store.insert_app(&a).await.unwrap();
    assert_same(&store.app(&a.id).await.unwrap().unwrap(), &a);
    assert!(
        store
            .app(&AppId::from_suffix(&uid()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(is_conflict(store.insert_app(&a).await), "ids are unique");

    // Rotate (previous secret valid for a while), then revoke: the version bumps.
    let second = user(&*store).await;
    let mut rotated = a.clone();
    rotated.prev_secret_hash = Some(a.secret_hash.clone());
    rotated.prev_secret_valid_until = Some(NOW + 3_600_000);
    rotated.secret_hash = "hash-new".into();
    rotated.secret_hint = "z9y8".into();
    rotated.credential_version = 2;
    rotated.name = "Shop (renamed)".into();
    rotated.purpose = "New purpose".into();
    rotated.permissions = PermissionSet::parse("invoices:read").unwrap();
    rotated.owner_user_id = second.id.clone();
    rotated.expires_at = None;
    rotated.updated_at = NOW + 1;
    store.update_app(&rotated).await.unwrap();
    assert_same(&store.app(&a.id).await.unwrap().unwrap(), &rotated);

    let mut revoked = rotated.clone();
    revoked.status = AppStatus::Revoked;
    revoked.revoked_at = Some(NOW + 2);
    revoked.credential_version = 3;
    revoked.updated_at = NOW + 2;
    store.update_app(&revoked).await.unwrap();
    assert_same(&store.app(&a.id).await.unwrap().unwrap(), &revoked);
    let ghost = app_record(&b, "Ghost");
    assert!(store.update_app(&ghost).await.is_err());

    // The list hides deleted apps unless asked for them.
    let b2 = app_record(&b, "Second");
    store.insert_app(&b2).await.unwrap();
    let mut deleted = app_record(&b, "Gone");
    store.insert_app(&deleted).await.unwrap();
    deleted.status = AppStatus::Deleted;
    deleted.deleted_at = Some(NOW + 3);
    store.update_app(&deleted).await.unwrap();
    let other = books(&*store).await;
    store
        .insert_app(&app_record(&other, "Theirs"))
        .await
        .unwrap();

    let ids = |v: Vec<App>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let mut live = vec![a.id.clone(), b2.id.clone()];
    live.sort();
    assert_eq!(ids(store.list_apps(b.id(), false).await.unwrap()), live);
    assert_eq!(
        ids(store.list_apps(b.id(), true).await.unwrap()),
        vec![deleted.id.clone()]
    );

    // Restore from deleted.
    deleted.status = AppStatus::Active;
    deleted.deleted_at = None;
    store.update_app(&deleted).await.unwrap();
    assert!(store.list_apps(b.id(), true).await.unwrap().is_empty());
    assert_eq!(store.list_apps(b.id(), false).await.unwrap().len(), 3);
}

async fn usage_is_added_in_batches(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let a = app_record(&b, "A");
    let c = app_record(&b, "C");
    store.insert_app(&a).await.unwrap();
    store.insert_app(&c).await.unwrap();
    store.flush_app_usage(&[]).await.unwrap();
    store
        .flush_app_usage(&[(a.id.clone(), NOW + 500, 3), (c.id.clone(), NOW + 100, 1)])
        .await
        .unwrap();
    // A later batch from another node with an older last-use keeps the newest instant.
    store
        .flush_app_usage(&[(a.id.clone(), NOW + 200, 2)])
        .await
        .unwrap();
    let ra = store.app(&a.id).await.unwrap().unwrap();
    assert_eq!((ra.use_count, ra.last_used_at), (5, Some(NOW + 500)));
    let rc = store.app(&c.id).await.unwrap().unwrap();
    assert_eq!((rc.use_count, rc.last_used_at), (1, Some(NOW + 100)));
    store
        .flush_app_usage(&[(c.id.clone(), NOW + 900, 4)])
        .await
        .unwrap();
    let rc = store.app(&c.id).await.unwrap().unwrap();
    assert_eq!((rc.use_count, rc.last_used_at), (5, Some(NOW + 900)));
    // Usage of an app purged meanwhile is dropped without failing the batch.
    store
        .flush_app_usage(&[(AppId::from_suffix(&uid()), NOW, 1), (a.id.clone(), NOW, 1)])
        .await
        .unwrap();
    assert_eq!(store.app(&a.id).await.unwrap().unwrap().use_count, 6);
    // A lifecycle write does not reset the counters.
    let mut renamed = ra.clone();
    renamed.name = "A2".into();
    store.update_app(&renamed).await.unwrap();
    assert_eq!(store.app(&a.id).await.unwrap().unwrap().use_count, 6);
}

async fn purge_deleted(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let mut old = app_record(&b, "Old");
    let mut recent = app_record(&b, "Recent");
    let revoked = App {
        status: AppStatus::Revoked,
        revoked_at: Some(NOW),
        ..app_record(&b, "Revoked")
    };
    let active = app_record(&b, "Active");
    for a in [&old, &recent, &revoked, &active] {
        store.insert_app(a).await.unwrap();
    }
    old.status = AppStatus::Deleted;
    old.deleted_at = Some(NOW - 31 * 86_400_000);
    store.update_app(&old).await.unwrap();
    recent.status = AppStatus::Deleted;
    recent.deleted_at = Some(NOW - 86_400_000);
    store.update_app(&recent).await.unwrap();

    let cutoff = NOW - 30 * 86_400_000;
    assert_eq!(store.purge_deleted_apps(cutoff).await.unwrap(), 1);
    assert!(store.app(&old.id).await.unwrap().is_none());
    assert!(store.app(&recent.id).await.unwrap().is_some());
    assert!(store.app(&revoked.id).await.unwrap().is_some());
    assert!(store.app(&active.id).await.unwrap().is_some());
    assert_eq!(store.purge_deleted_apps(cutoff).await.unwrap(), 0);
    assert_eq!(store.purge_deleted_apps(NOW).await.unwrap(), 1);
    assert!(store.app(&recent.id).await.unwrap().is_none());
    assert_eq!(store.list_apps(b.id(), false).await.unwrap().len(), 2);
}

newledger_testkit::both_backends!(insert_update_list, usage_is_added_in_batches, purge_deleted);
