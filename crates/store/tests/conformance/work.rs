//! Units of work (`Store::begin`): every role on one transaction, seen by the unit at once and
//! by everyone else at commit, or never after a rollback; the store's own multi-statement calls
//! nest inside a unit as savepoints.

use crate::fixtures::*;
use crate::oauth::{client_record, connection_record, refresh_record};
use newledger_domain::document::DocumentStatus;
use newledger_store::*;
use std::sync::Arc;

fn row(b: &Books, action: &str) -> NewActivity {
    NewActivity {
        company_id: Some(b.id().clone()),
        at: NOW,
        actor_kind: "user".into(),
        actor_id: b.owner.id.to_string(),
        actor_label: "Owner".into(),
        action: action.into(),
        target_kind: "contact".into(),
        target_id: uid(),
        outcome: "success".into(),
        reason: String::new(),
        ip: String::new(),
        details: "{}".into(),
        count: 1,
    }
}

async fn logged(store: &dyn Store, b: &Books, action: &str) -> usize {
    store
        .list_activity(
            b.id(),
            &ActivityFilter {
                action_prefix: Some(action.into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len()
}

async fn commit_shows_every_write_at_once(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact_record(&b, "Acme", true);
    let tx = store.begin().await.unwrap();
    tx.insert_contact(&c).await.unwrap();
    tx.append_activity(&[row(&b, "contact.created")])
        .await
        .unwrap();
    let n = tx.next_number(b.id(), "invoice").await.unwrap();
    // The unit reads its own writes; nobody else sees them yet.
    assert_eq!(
        tx.contact(b.id(), &c.id).await.unwrap().unwrap().name,
        "Acme"
    );
    assert!(store.contact(b.id(), &c.id).await.unwrap().is_none());
    assert_eq!(logged(&*store, &b, "contact.created").await, 0);
    tx.commit().await.unwrap();
    assert!(store.contact(b.id(), &c.id).await.unwrap().is_some());
    assert_eq!(logged(&*store, &b, "contact.created").await, 1);
    assert_eq!(store.next_number(b.id(), "invoice").await.unwrap(), n + 1);
}

async fn rollback_and_drop_leave_nothing(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let n = store.next_number(b.id(), "invoice").await.unwrap();

    let c1 = contact_record(&b, "Rolled back", true);
    let tx = store.begin().await.unwrap();
    tx.insert_contact(&c1).await.unwrap();
    tx.append_activity(&[row(&b, "contact.created")])
        .await
        .unwrap();
    tx.next_number(b.id(), "invoice").await.unwrap();
    tx.rollback().await.unwrap();

    // A unit dropped without a commit (a cancelled request, a panic) rolls back too.
    let c2 = contact_record(&b, "Dropped", true);
    let tx = store.begin().await.unwrap();
    tx.insert_contact(&c2).await.unwrap();
    drop(tx);

    assert!(store.contact(b.id(), &c1.id).await.unwrap().is_none());
    assert!(store.contact(b.id(), &c2.id).await.unwrap().is_none());
    assert_eq!(logged(&*store, &b, "contact.created").await, 0);
    assert_eq!(store.next_number(b.id(), "invoice").await.unwrap(), n + 1);
    // The connection is usable again afterwards (SQLite: the single writer was given back).
    contact(&*store, &b, "After", true).await;
}

/// The store's own atomic groups (approve = status + entry + ledger lines + balances) run inside
/// a unit as savepoints: committed with it, or undone with it.
async fn store_groups_nest_in_a_unit(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;

    for keep in [false, true] {
        let e = approval_entry(&*store, &b, &doc).await;
        let tx = store.begin().await.unwrap();
        tx.approve_document(&approving(&b, &doc), doc.version, &e)
            .await
            .unwrap();
        tx.append_activity(&[row(&b, "invoice.approved")])
            .await
            .unwrap();
        assert_eq!(
            tx.document(b.id(), &doc.id).await.unwrap().unwrap().status,
            DocumentStatus::Approved
        );
        if keep {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        let now = store.document(b.id(), &doc.id).await.unwrap().unwrap();
        let posted = store.entry(b.id(), &e.id).await.unwrap();
        let totals = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
        if keep {
            assert_eq!(now.status, DocumentStatus::Approved);
            assert!(posted.is_some());
            assert_eq!(net(&totals, &b.acc("1100")), 120_000);
        } else {
            assert_eq!(now.status, DocumentStatus::Draft);
            assert!(posted.is_none());
            assert_eq!(net(&totals, &b.acc("1100")), 0);
        }
        assert_eq!(
            logged(&*store, &b, "invoice.approved").await,
            usize::from(keep)
        );
    }
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
}

/// A write refused inside a unit (rotating a refresh token that is no longer live) changes
/// nothing and the rest of the unit goes on and commits.
async fn a_group_rolled_back_leaves_the_unit(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let cl = client_record(None, OAuthClientKind::Dynamic);
    store.insert_oauth_client(&cl).await.unwrap();
    let conn = connection_record(&b, &cl.id);
    store.insert_connection(&conn).await.unwrap();
    let dead = refresh_record(&conn, "fam-dead");
    store.insert_refresh_token(&dead).await.unwrap();
    store.revoke_refresh_family("fam-dead", NOW).await.unwrap();

    let (c1, c2) = (
        contact_record(&b, "Before", true),
        contact_record(&b, "After", true),
    );
    let successor = refresh_record(&conn, "fam-dead");
    let tx = store.begin().await.unwrap();
    tx.insert_contact(&c1).await.unwrap();
    let rotated = tx
        .rotate_refresh_token(&dead.token_hash, &successor)
        .await
        .unwrap();
    assert!(!rotated, "a revoked token does not rotate");
    tx.insert_contact(&c2).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.contact(b.id(), &c1.id).await.unwrap().is_some());
    assert!(store.contact(b.id(), &c2.id).await.unwrap().is_some());
    assert!(
        store
            .refresh_token(&successor.token_hash)
            .await
            .unwrap()
            .is_none()
    );
}

newledger_testkit::both_backends!(
    commit_shows_every_write_at_once,
    rollback_and_drop_leave_nothing,
    store_groups_nest_in_a_unit,
    a_group_rolled_back_leaves_the_unit,
);
