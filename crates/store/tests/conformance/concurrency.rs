//! Races the store must win on both backends: concurrent payments never overpay, concurrent
//! counters never repeat, and a draft is approved once.

use crate::fixtures::*;
use newledger_domain::document::DocumentStatus;
use newledger_store::*;
use std::sync::Arc;
use tokio::sync::Barrier;

/// Twenty payments of a tenth each (twice the invoice) and three of the whole amount race:
/// whichever win, the invoice ends exactly paid and the refused ones leave no trace.
async fn concurrent_payments_never_overpay(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (doc, _) = approve(&*store, &b, &doc).await;
    let total = doc.total;
    assert_eq!(total % 10, 0);

    let mut attempts = Vec::new();
    for n in 0..23 {
        let amount = if n < 20 { total / 10 } else { total };
        attempts.push(payment(&*store, &b, &doc, amount, d(2026, 2, 1)).await);
    }
    let barrier = Arc::new(Barrier::new(attempts.len()));
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|(p, e)| {
            let (s, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let r = s.record_payment(&p, &e).await;
                (p, e, r)
            })
        })
        .collect();
    let mut paid = 0;
    let mut won = Vec::new();
    let mut lost = Vec::new();
    for t in tasks {
        let (p, e, r) = t.await.unwrap();
        match r {
            Ok(()) => {
                paid += p.amount;
                won.push(p.id);
            }
            Err(StoreError::Conflict { .. }) => lost.push((p.id, e.id)),
            Err(other) => panic!("a payment failed with {other:?}"),
        }
    }
    assert_eq!(paid, total, "the winners pay exactly the total");

    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(r.amount_paid, total);
    assert_eq!(r.status, DocumentStatus::Paid);
    assert_eq!(r.settled_on, Some(d(2026, 2, 1)));
    let recorded = store.payments_of_document(&doc.id).await.unwrap();
    assert_eq!(recorded.len(), won.len());
    assert_eq!(recorded.iter().map(|p| p.amount).sum::<i64>(), total);
    for (p, e) in &lost {
        assert!(store.payment(b.id(), p).await.unwrap().is_none());
        assert!(store.entry(b.id(), e).await.unwrap().is_none());
    }
    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(net(&t, &b.acc("1000")), total);
    assert_eq!(net(&t, &b.acc("1100")), 0);
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
    let entries = store
        .list_entries(
            b.id(),
            &ListQuery {
                limit: 100,
                search: Some("payment".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(entries.len(), won.len());
}

async fn concurrent_numbers_are_distinct(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let barrier = Arc::new(Barrier::new(40));
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (s, id, barrier) = (store.clone(), b.id().clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                s.next_number(&id, "invoice").await.unwrap()
            })
        })
        .collect();
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=40).collect::<Vec<i64>>());
    assert_eq!(store.next_number(b.id(), "invoice").await.unwrap(), 41);
}

async fn concurrent_approvals_post_once(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let mut entries = Vec::new();
    for _ in 0..6 {
        entries.push(approval_entry(&*store, &b, &doc).await);
    }
    let barrier = Arc::new(Barrier::new(entries.len()));
    let tasks: Vec<_> = entries
        .into_iter()
        .map(|e| {
            let (s, barrier, d) = (store.clone(), barrier.clone(), approving(&b, &doc));
            tokio::spawn(async move {
                barrier.wait().await;
                s.approve_document(&d, 1, &e).await.map(|()| e.id)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(id) => winners.push(id),
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => panic!("an approval failed with {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one approval wins");
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(r.entry_id.as_ref(), Some(&winners[0]));
    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(t.get(&b.acc("1100")), Some(&(doc.total, 0)), "posted once");
}

/// Two halves paid at once, dated differently: the invoice is settled on the later date,
/// whichever transaction commits last (aging relies on it).
async fn concurrent_final_payments_settle_on_latest_date(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    for _ in 0..8 {
        let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
        let (doc, _) = approve(&*store, &b, &doc).await;
        let late = payment(&*store, &b, &doc, doc.total / 2, d(2026, 3, 1)).await;
        let early = payment(&*store, &b, &doc, doc.total / 2, d(2026, 2, 1)).await;
        let barrier = Arc::new(Barrier::new(2));
        let tasks: Vec<_> = [late, early]
            .into_iter()
            .map(|(p, e)| {
                let (s, barrier) = (store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    s.record_payment(&p, &e).await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
        assert_eq!(r.status, DocumentStatus::Paid);
        assert_eq!(
            r.settled_on,
            Some(d(2026, 3, 1)),
            "settled when the last money arrived"
        );
    }
}

newledger_testkit::both_backends!(
    concurrent_payments_never_overpay,
    concurrent_final_payments_settle_on_latest_date,
    concurrent_numbers_are_distinct,
    concurrent_approvals_post_once,
);
