//! Journal entries: posted inserts, the draft lifecycle (update, post, discard), reversal
//! (once only), the lock date inside the store, bulk posting, list filters and pages.

use crate::fixtures::*;
use newledger_domain::DomainError;
use newledger_domain::actor::Actor;
use newledger_domain::ids::{AppId, EntryId};
use newledger_domain::journal::{BalancedLines, Entry, EntryLines, EntrySource, EntryStatus};
use newledger_store::*;
use sqlx::Connection;
use std::sync::Arc;

fn locked<T: std::fmt::Debug>(r: &StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::Rule(DomainError::PeriodLocked { .. })))
}

async fn posted_entry_enters_ledger(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    let e = manual(
        &*store,
        &b,
        d(2026, 1, 15),
        &rent,
        &bank,
        50_000,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&e).await.unwrap();
    let r = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(r.number, e.number);
    assert_eq!(r.date, d(2026, 1, 15));
    assert_eq!(r.memo, e.memo);
    assert_eq!(r.status(), EntryStatus::Posted);
    assert_eq!(r.source, EntrySource::Manual);
    assert_eq!(r.lines, e.lines);
    assert_eq!(r.total(), 50_000);
    assert_eq!(r.created_by, b.actor());
    assert_eq!(r.posted_by, Some(b.actor()));
    assert_eq!(r.posted_at, Some(NOW));
    assert_eq!(r.version, 1);
    let t = totals(&*store, b.id(), None, d(2026, 1, 15)).await;
    assert_eq!(t.get(&rent), Some(&(50_000, 0)));
    assert_eq!(t.get(&bank), Some(&(0, 50_000)));
    assert_eq!(
        store
            .ledger_lines(b.id(), None, None, None, None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    // Entry numbers are unique per company.
    let twin = Entry {
        id: EntryId::from_suffix(&uid()),
        ..e.clone()
    };
    assert!(is_conflict(store.insert_entry(&twin).await));
    assert_eq!(totals(&*store, b.id(), None, d(2026, 1, 15)).await, t);
    let other = books(&*store).await;
    assert!(store.entry(other.id(), &e.id).await.unwrap().is_none());
}

async fn draft_update_post_discard(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    let mut e = manual(
        &*store,
        &b,
        d(2026, 1, 15),
        &rent,
        &bank,
        10_000,
        EntryStatus::Draft,
    )
    .await;
    e.created_by = Actor::App(AppId::from_suffix(&uid()));
    store.insert_entry(&e).await.unwrap();
    assert!(
        totals(&*store, b.id(), None, d(2026, 12, 31))
            .await
            .is_empty(),
        "a draft is not in the ledger"
    );
    let r = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status(), r.posted_by.clone(), r.posted_at),
        (EntryStatus::Draft, None, None)
    );
    assert_eq!(r.created_by, e.created_by);

    let mut edited = r.clone();
    edited.date = d(2026, 1, 20);
    edited.memo = "January rent".into();
    edited.lines = EntryLines::Draft(vec![line(&rent, 12_000, 0), line(&bank, 0, 12_000)]);
    edited.updated_at = NOW + 1;
    store.update_draft_entry(&edited, 1).await.unwrap();
    assert!(
        is_conflict(store.update_draft_entry(&edited, 1).await),
        "stale version"
    );
    let r = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(
        (r.date, r.memo.as_str(), r.total(), r.version),
        (d(2026, 1, 20), "January rent", 12_000, 2)
    );
    assert_eq!(r.lines, edited.lines);

    let posting = r.clone().post(b.actor(), NOW + 2).unwrap();
    assert!(is_conflict(store.post_draft_entry(&posting, 1).await));
    store.post_draft_entry(&posting, 2).await.unwrap();
    let r = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(r.status(), EntryStatus::Posted);
    assert_eq!(
        r.posted_by,
        Some(b.actor()),
        "a person posts what a program drafted"
    );
    assert_eq!(
        (r.posted_at, r.updated_at, r.version),
        (Some(NOW + 2), NOW + 2, 3)
    );
    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(t.get(&rent), Some(&(12_000, 0)));
    assert_eq!(t.get(&bank), Some(&(0, 12_000)));
    let lines = store
        .ledger_lines(b.id(), None, None, None, None, 10)
        .await
        .unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l.date == d(2026, 1, 20)));

    // Posted entries are never edited, posted twice or discarded.
    assert!(is_conflict(store.post_draft_entry(&posting, 3).await));
    assert!(is_conflict(store.update_draft_entry(&edited, 3).await));
    assert!(is_conflict(
        store.discard_entry(b.id(), &e.id, 3, NOW + 3).await
    ));
    assert_eq!(totals(&*store, b.id(), None, d(2026, 12, 31)).await, t);

    // A discarded draft is a tombstone that can no longer change.
    let gone = manual(
        &*store,
        &b,
        d(2026, 1, 16),
        &rent,
        &bank,
        1,
        EntryStatus::Draft,
    )
    .await;
    store.insert_entry(&gone).await.unwrap();
    assert!(is_conflict(
        store.discard_entry(b.id(), &gone.id, 2, NOW + 4).await
    ));
    store
        .discard_entry(b.id(), &gone.id, 1, NOW + 4)
        .await
        .unwrap();
    let r = store.entry(b.id(), &gone.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status(), r.version, r.updated_at),
        (EntryStatus::Discarded, 2, NOW + 4)
    );
    // Built by hand: the domain would not post a tombstone, and the store must refuse it too.
    let p = Entry {
        lines: EntryLines::Posted(BalancedLines::new(r.lines().to_vec()).unwrap()),
        posted_by: Some(b.actor()),
        posted_at: Some(NOW + 5),
        ..r.clone()
    };
    assert!(is_conflict(store.post_draft_entry(&p, 2).await));
    assert!(is_conflict(store.update_draft_entry(&r, 2).await));
    assert_eq!(totals(&*store, b.id(), None, d(2026, 12, 31)).await, t);
}

async fn lock_date_guards_postings(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    lock(&*store, &b, d(2026, 3, 31)).await;

    let posted = manual(
        &*store,
        &b,
        d(2026, 3, 31),
        &rent,
        &bank,
        100,
        EntryStatus::Posted,
    )
    .await;
    let r = store.insert_entry(&posted).await;
    assert!(locked(&r), "got {r:?}");
    assert!(store.entry(b.id(), &posted.id).await.unwrap().is_none());

    // A draft may be dated anywhere; posting it inside the locked period is refused.
    let dr = manual(
        &*store,
        &b,
        d(2026, 3, 1),
        &rent,
        &bank,
        100,
        EntryStatus::Draft,
    )
    .await;
    store.insert_entry(&dr).await.unwrap();
    let p = dr.clone().post(b.actor(), NOW).unwrap();
    let r = store.post_draft_entry(&p, 1).await;
    assert!(locked(&r), "got {r:?}");
    let still = store.entry(b.id(), &dr.id).await.unwrap().unwrap();
    assert_eq!((still.status(), still.version), (EntryStatus::Draft, 1));

    // Bulk posting is all or nothing.
    let ok1 = manual(
        &*store,
        &b,
        d(2026, 4, 1),
        &rent,
        &bank,
        100,
        EntryStatus::Posted,
    )
    .await;
    let bad = manual(
        &*store,
        &b,
        d(2026, 2, 1),
        &rent,
        &bank,
        100,
        EntryStatus::Posted,
    )
    .await;
    let r = store.bulk_post_entries(&[ok1.clone(), bad.clone()]).await;
    assert!(locked(&r), "got {r:?}");
    assert!(store.entry(b.id(), &ok1.id).await.unwrap().is_none());
    assert!(
        totals(&*store, b.id(), None, d(2026, 12, 31))
            .await
            .is_empty()
    );
    assert!(
        store
            .ledger_lines(b.id(), None, None, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn reversal_once(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    let e = manual(
        &*store,
        &b,
        d(2026, 1, 15),
        &rent,
        &bank,
        7_000,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&e).await.unwrap();
    let rev = reversal(&*store, &b, &e, d(2026, 1, 20)).await;
    store.reverse_entry(&e.id, &rev).await.unwrap();
    let original = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(original.reversed_by_id.as_ref(), Some(&rev.id));
    assert_eq!(original.status(), EntryStatus::Posted);
    let stored = store.entry(b.id(), &rev.id).await.unwrap().unwrap();
    assert_eq!(stored.reverses_id.as_ref(), Some(&e.id));
    assert_eq!(stored.source, EntrySource::Reversal);
    let t = totals(&*store, b.id(), None, d(2026, 1, 20)).await;
    assert_eq!(t.get(&rent), Some(&(7_000, 7_000)));
    assert_eq!(t.get(&bank), Some(&(7_000, 7_000)));

    // A second reversal is refused and writes nothing.
    let rev2 = reversal(&*store, &b, &e, d(2026, 1, 21)).await;
    assert!(is_conflict(store.reverse_entry(&e.id, &rev2).await));
    assert!(store.entry(b.id(), &rev2.id).await.unwrap().is_none());
    assert_eq!(totals(&*store, b.id(), None, d(2026, 12, 31)).await, t);

    // Drafts and unknown entries cannot be reversed.
    let dr = manual(
        &*store,
        &b,
        d(2026, 1, 15),
        &rent,
        &bank,
        1,
        EntryStatus::Draft,
    )
    .await;
    store.insert_entry(&dr).await.unwrap();
    let rev3 = reversal(&*store, &b, &dr, d(2026, 1, 21)).await;
    assert!(is_conflict(store.reverse_entry(&dr.id, &rev3).await));
    let rev4 = reversal(&*store, &b, &dr, d(2026, 1, 21)).await;
    assert!(is_conflict(
        store
            .reverse_entry(&EntryId::from_suffix(&uid()), &rev4)
            .await
    ));
    assert!(store.entry(b.id(), &rev3.id).await.unwrap().is_none());
    assert!(store.entry(b.id(), &rev4.id).await.unwrap().is_none());

    // A reversal inside the locked period leaves the original unreversed.
    let e2 = manual(
        &*store,
        &b,
        d(2026, 2, 1),
        &rent,
        &bank,
        500,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&e2).await.unwrap();
    lock(&*store, &b, d(2026, 2, 28)).await;
    let rev5 = reversal(&*store, &b, &e2, d(2026, 2, 28)).await;
    let r = store.reverse_entry(&e2.id, &rev5).await;
    assert!(locked(&r), "got {r:?}");
    assert!(
        store
            .entry(b.id(), &e2.id)
            .await
            .unwrap()
            .unwrap()
            .reversed_by_id
            .is_none()
    );
    assert!(store.entry(b.id(), &rev5.id).await.unwrap().is_none());
    let rev6 = reversal(&*store, &b, &e2, d(2026, 3, 1)).await;
    store.reverse_entry(&e2.id, &rev6).await.unwrap();
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
}

async fn bulk_post(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    let mut batch = Vec::new();
    for day in 1..=5 {
        batch.push(
            manual(
                &*store,
                &b,
                d(2026, 1, day),
                &rent,
                &bank,
                100 * i64::from(day),
                EntryStatus::Posted,
            )
            .await,
        );
    }
    store.bulk_post_entries(&batch).await.unwrap();
    store.bulk_post_entries(&[]).await.unwrap();
    for e in &batch {
        assert_eq!(
            store.entry(b.id(), &e.id).await.unwrap().unwrap().status(),
            EntryStatus::Posted
        );
    }
    let t = totals(&*store, b.id(), None, d(2026, 1, 31)).await;
    assert_eq!(t.get(&rent), Some(&(1_500, 0)));
    assert_eq!(
        store
            .ledger_lines(b.id(), None, None, None, None, 100)
            .await
            .unwrap()
            .len(),
        10
    );
}

async fn list_filters_and_pages(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    let mut posted = Vec::new();
    for day in [3, 10, 17, 24] {
        let e = manual(
            &*store,
            &b,
            d(2026, 1, day),
            &rent,
            &bank,
            100,
            EntryStatus::Posted,
        )
        .await;
        store.insert_entry(&e).await.unwrap();
        posted.push(e.id.to_string());
    }
    let dr = manual(
        &*store,
        &b,
        d(2026, 2, 1),
        &rent,
        &bank,
        100,
        EntryStatus::Draft,
    )
    .await;
    store.insert_entry(&dr).await.unwrap();
    let c = contact(&*store, &b, "Acme", true).await;
    let inv = invoice(&*store, &b, &c.id, 1_000, d(2026, 1, 12)).await;
    let (_, inv_entry) = approve(&*store, &b, &inv).await;
    let other = books(&*store).await;
    let oe = manual(
        &*store,
        &other,
        d(2026, 1, 3),
        &other.acc("6200"),
        &other.acc("1000"),
        1,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&oe).await.unwrap();

    let list = async |f: &dyn Fn(&mut ListQuery)| -> Vec<String> {
        let mut q = ListQuery {
            limit: 50,
            ..Default::default()
        };
        f(&mut q);
        store
            .list_entries(b.id(), &q)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.to_string())
            .collect()
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut all = posted.clone();
    all.push(dr.id.to_string());
    all.push(inv_entry.id.to_string());
    assert_eq!(list(&|_| {}).await, sorted(all.clone()));
    assert_eq!(
        list(&|q| q.status = Some("draft".into())).await,
        vec![dr.id.to_string()]
    );
    assert_eq!(list(&|q| q.status = Some("posted".into())).await.len(), 5);
    assert_eq!(
        list(&|q| q.search = Some("invoice".into())).await,
        vec![inv_entry.id.to_string()],
        "search filters by source"
    );
    assert_eq!(
        list(&|q| {
            q.from = Some(d(2026, 1, 10));
            q.to = Some(d(2026, 1, 17));
        })
        .await,
        sorted(vec![
            posted[1].clone(),
            posted[2].clone(),
            inv_entry.id.to_string()
        ])
    );
    store
        .discard_entry(b.id(), &dr.id, 1, NOW + 7_000)
        .await
        .unwrap();
    assert_eq!(
        list(&|q| q.updated_since = Some(NOW + 7_000)).await,
        vec![dr.id.to_string()],
        "the discarded draft is a tombstone for sync"
    );
    let page = store
        .list_entries(
            b.id(),
            &ListQuery {
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 6);
    let paged = page_all(
        2,
        |e: &Entry| e.id.to_string(),
        async |q: ListQuery| store.list_entries(b.id(), &q).await,
    )
    .await;
    assert_eq!(paged, sorted(all));
}

/// A posted entry whose stored lines do not balance (written behind the store's back) is
/// reported as corrupt, never served and never a panic.
async fn unbalanced_posted_entry_is_a_store_error(url: String, backend: &'static str) {
    let store = SqlStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let b = books(&store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    let e = manual(
        &store,
        &b,
        d(2026, 1, 15),
        &rent,
        &bank,
        500,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&e).await.unwrap();
    let lopsided = vec![line(&rent, 500, 0), line(&bank, 0, 400)];
    let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE journal_entries SET lines = $1 WHERE id = $2")
        .bind(serde_json::to_string(&lopsided).unwrap())
        .bind(e.id.as_str())
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let r = store.entry(b.id(), &e.id).await;
    match r {
        Err(StoreError::Other(err)) => {
            let msg = err.to_string();
            assert!(
                msg.contains("corrupt") && msg.contains(&e.number),
                "{backend}: {msg}"
            );
        }
        r => panic!("{backend}: expected a corrupt-row error, got {r:?}"),
    }
    let q = ListQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(
        matches!(
            store.list_entries(b.id(), &q).await,
            Err(StoreError::Other(_))
        ),
        "{backend}"
    );
    store.close().await;
}

newledger_testkit::both_urls!(unbalanced_posted_entry_is_a_store_error);

newledger_testkit::both_backends!(
    posted_entry_enters_ledger,
    draft_update_post_discard,
    lock_date_guards_postings,
    reversal_once,
    bulk_post,
    list_filters_and_pages,
);
