//! Payments: partial and full settlement, refusals that write nothing (overpayment, wrong
//! contact, unapproved documents, locked period), bills, lookups and lists.

use crate::fixtures::*;
use newledger_domain::DomainError;
use newledger_domain::document::{DocumentKind, DocumentStatus};
use newledger_domain::ids::PaymentId;
use newledger_domain::journal::{BalancedLines, EntryLines};
use newledger_domain::payment::{Payment, PaymentKind};
use newledger_store::*;
use std::sync::Arc;

async fn partial_then_full(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (doc, _) = approve(&*store, &b, &doc).await;

    let (p1, e1) = payment(&*store, &b, &doc, 50_000, d(2026, 2, 1)).await;
    store.record_payment(&p1, &e1).await.unwrap();
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(
        (r.amount_paid, r.status, r.settled_on),
        (50_000, DocumentStatus::Approved, None)
    );
    assert_eq!(r.version, doc.version + 1);
    let stored = store.payment(b.id(), &p1.id).await.unwrap().unwrap();
    assert_eq!(stored.kind, PaymentKind::Received);
    assert_eq!(stored.number, p1.number);
    assert_eq!(stored.contact_id, c.id);
    assert_eq!(stored.bank_account_id, b.acc("1000"));
    assert_eq!((stored.date, stored.amount), (d(2026, 2, 1), 50_000));
    assert_eq!(stored.currency.code(), "EUR");
    assert_eq!(stored.entry_id, e1.id);
    assert_eq!(stored.allocations, vec![(doc.id.clone(), 50_000)]);
    assert_eq!(stored.created_by, b.actor());
    assert_eq!(
        store.entry(b.id(), &e1.id).await.unwrap().unwrap().lines,
        e1.lines
    );
    let t = totals(&*store, b.id(), None, d(2026, 2, 1)).await;
    assert_eq!(net(&t, &b.acc("1000")), 50_000);
    assert_eq!(net(&t, &b.acc("1100")), 70_000);

    let p2 = pay(&*store, &b, &doc, 70_000, d(2026, 3, 5)).await.unwrap();
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(r.amount_paid, 120_000);
    assert_eq!(r.status, DocumentStatus::Paid);
    assert_eq!(
        r.settled_on,
        Some(d(2026, 3, 5)),
        "settled on the last payment's date"
    );
    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(net(&t, &b.acc("1000")), 120_000);
    assert_eq!(net(&t, &b.acc("1100")), 0);
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;

    let of_doc: Vec<PaymentId> = store
        .payments_of_document(&doc.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(
        of_doc,
        vec![p1.id.clone(), p2.id.clone()],
        "ordered by date"
    );
    assert!(
        store
            .payment(b.id(), &PaymentId::from_suffix(&uid()))
            .await
            .unwrap()
            .is_none()
    );
    let other = books(&*store).await;
    assert!(store.payment(other.id(), &p1.id).await.unwrap().is_none());
}

async fn overpayment_refused_and_nothing_written(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (doc, _) = approve(&*store, &b, &doc).await;
    pay(&*store, &b, &doc, 50_000, d(2026, 2, 1)).await.unwrap();
    let before_doc = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    let before = totals(&*store, b.id(), None, d(2026, 12, 31)).await;

    let (p, e) = payment(&*store, &b, &doc, 70_001, d(2026, 2, 2)).await;
    assert!(
        is_conflict(store.record_payment(&p, &e).await),
        "overpayment"
    );
    assert!(store.payment(b.id(), &p.id).await.unwrap().is_none());
    assert!(store.entry(b.id(), &e.id).await.unwrap().is_none());
    let after_doc = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(
        (after_doc.amount_paid, after_doc.version, after_doc.status),
        (
            before_doc.amount_paid,
            before_doc.version,
            before_doc.status
        )
    );
    assert_eq!(totals(&*store, b.id(), None, d(2026, 12, 31)).await, before);
    assert_eq!(store.payments_of_document(&doc.id).await.unwrap().len(), 1);

    // The exact rest settles it; after that even one cent is refused.
    pay(&*store, &b, &doc, 70_000, d(2026, 2, 2)).await.unwrap();
    let (p, e) = payment(&*store, &b, &doc, 1, d(2026, 2, 3)).await;
    assert!(is_conflict(store.record_payment(&p, &e).await));
    assert!(store.entry(b.id(), &e.id).await.unwrap().is_none());
    assert_eq!(
        store
            .document(b.id(), &doc.id)
            .await
            .unwrap()
            .unwrap()
            .amount_paid,
        120_000
    );
}

async fn payment_refusals(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let someone_else = contact(&*store, &b, "Someone else", true).await;

    // A draft cannot be paid.
    let dr = invoice(&*store, &b, &c.id, 1_000, d(2026, 1, 10)).await;
    let (p, e) = payment(&*store, &b, &dr, 100, d(2026, 1, 11)).await;
    assert!(is_conflict(store.record_payment(&p, &e).await));
    assert!(store.payment(b.id(), &p.id).await.unwrap().is_none());

    // Another contact's payment cannot settle this invoice.
    let doc = invoice(&*store, &b, &c.id, 1_000, d(2026, 1, 10)).await;
    let (doc, _) = approve(&*store, &b, &doc).await;
    let (mut p, mut e) = payment(&*store, &b, &doc, 100, d(2026, 1, 11)).await;
    p.contact_id = someone_else.id.clone();
    let mut lines = e.lines().to_vec();
    for l in &mut lines {
        l.contact_id = Some(someone_else.id.clone());
    }
    e.lines = EntryLines::Posted(BalancedLines::new(lines).unwrap());
    assert!(is_conflict(store.record_payment(&p, &e).await));
    assert!(store.payment(b.id(), &p.id).await.unwrap().is_none());

    // A payment received cannot settle a bill.
    let s = contact(&*store, &b, "Supplier", false).await;
    let bill = draft(
        &*store,
        &b,
        DocumentKind::Bill,
        Some(&s.id),
        1_000,
        d(2026, 1, 10),
    )
    .await;
    let (bill, _) = approve(&*store, &b, &bill).await;
    let (mut p, e) = payment(&*store, &b, &bill, 100, d(2026, 1, 11)).await;
    p.kind = PaymentKind::Received;
    assert!(is_conflict(store.record_payment(&p, &e).await));

    // Inside the locked period: refused, nothing written.
    lock(&*store, &b, d(2026, 1, 31)).await;
    let (p, e) = payment(&*store, &b, &doc, 100, d(2026, 1, 31)).await;
    let r = store.record_payment(&p, &e).await;
    assert!(
        matches!(r, Err(StoreError::Rule(DomainError::PeriodLocked { .. }))),
        "got {r:?}"
    );
    assert!(store.payment(b.id(), &p.id).await.unwrap().is_none());
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!((r.amount_paid, r.version), (0, doc.version));
    assert!(
        store
            .payments_of_document(&doc.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_payments(
                b.id(),
                &ListQuery {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
}

async fn bill_paid(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let s = contact(&*store, &b, "Supplier", false).await;
    let bill = draft(
        &*store,
        &b,
        DocumentKind::Bill,
        Some(&s.id),
        50_000,
        d(2026, 1, 10),
    )
    .await;
    let (bill, _) = approve(&*store, &b, &bill).await;
    let p = pay(&*store, &b, &bill, 60_000, d(2026, 1, 25))
        .await
        .unwrap();
    assert_eq!(p.kind, PaymentKind::Made);
    let r = store.document(b.id(), &bill.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.settled_on),
        (DocumentStatus::Paid, Some(d(2026, 1, 25)))
    );
    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(net(&t, &b.acc("2000")), 0, "payable cleared");
    assert_eq!(net(&t, &b.acc("1000")), -60_000, "money left the bank");
}

async fn list_filters_and_pages(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let a = contact(&*store, &b, "A", true).await;
    let c2 = contact(&*store, &b, "C", true).await;
    let s = contact(&*store, &b, "S", false).await;
    let inv_a = invoice(&*store, &b, &a.id, 100_000, d(2026, 1, 1)).await;
    let (inv_a, _) = approve(&*store, &b, &inv_a).await;
    let inv_c = invoice(&*store, &b, &c2.id, 100_000, d(2026, 1, 1)).await;
    let (inv_c, _) = approve(&*store, &b, &inv_c).await;
    let bill = draft(
        &*store,
        &b,
        DocumentKind::Bill,
        Some(&s.id),
        100_000,
        d(2026, 1, 1),
    )
    .await;
    let (bill, _) = approve(&*store, &b, &bill).await;

    let mut ids = Vec::new();
    for (doc, day) in [
        (&inv_a, 5),
        (&inv_a, 6),
        (&inv_c, 7),
        (&bill, 8),
        (&inv_c, 9),
    ] {
        ids.push(
            pay(&*store, &b, doc, 1_000, d(2026, 2, day))
                .await
                .unwrap()
                .id
                .to_string(),
        );
    }
    let list = async |f: &dyn Fn(&mut ListQuery)| -> Vec<String> {
        let mut q = ListQuery {
            limit: 50,
            ..Default::default()
        };
        f(&mut q);
        store
            .list_payments(b.id(), &q)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id.to_string())
            .collect()
    };
    let sorted = |idx: &[usize]| {
        let mut v: Vec<String> = idx.iter().map(|i| ids[*i].clone()).collect();
        v.sort();
        v
    };
    assert_eq!(list(&|_| {}).await, sorted(&[0, 1, 2, 3, 4]));
    assert_eq!(
        list(&|q| q.status = Some("made".into())).await,
        sorted(&[3])
    );
    assert_eq!(
        list(&|q| q.status = Some("received".into())).await,
        sorted(&[0, 1, 2, 4])
    );
    assert_eq!(
        list(&|q| q.contact_id = Some(c2.id.to_string())).await,
        sorted(&[2, 4])
    );
    assert_eq!(
        list(&|q| {
            q.from = Some(d(2026, 2, 6));
            q.to = Some(d(2026, 2, 8));
        })
        .await,
        sorted(&[1, 2, 3])
    );
    let listed = store
        .list_payments(
            b.id(),
            &ListQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        listed
            .iter()
            .all(|p| p.allocations.len() == 1 && p.allocations[0].1 == 1_000)
    );
    let page = store
        .list_payments(
            b.id(),
            &ListQuery {
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 3);
    let paged = page_all(
        2,
        |p: &Payment| p.id.to_string(),
        async |q: ListQuery| store.list_payments(b.id(), &q).await,
    )
    .await;
    assert_eq!(paged, sorted(&[0, 1, 2, 3, 4]));
    assert_eq!(
        store.payments_of_document(&inv_c.id).await.unwrap().len(),
        2
    );
}

newledger_testkit::both_backends!(
    partial_then_full,
    overpayment_refused_and_nothing_written,
    payment_refusals,
    bill_paid,
    list_filters_and_pages,
);
