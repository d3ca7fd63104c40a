//! Invoices, bills and expenses: draft compare-and-set, approval posting a balanced entry,
//! the lock date checked inside the store, void, discard, list filters and pages.

use crate::fixtures::*;
use newledger_domain::DomainError;
use newledger_domain::document::{Document, DocumentKind, DocumentStatus};
use newledger_store::*;
use std::sync::Arc;

async fn insert_read_update_draft(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(r.kind, DocumentKind::Invoice);
    assert_eq!(r.number, doc.number);
    assert_eq!(r.status, DocumentStatus::Draft);
    assert_eq!(r.contact_id.as_ref(), Some(&c.id));
    assert_eq!((r.issue_date, r.due_date), (d(2026, 1, 10), d(2026, 2, 9)));
    assert_eq!(r.lines, doc.lines);
    assert_eq!((r.subtotal, r.tax, r.total), (100_000, 20_000, 120_000));
    assert_eq!(r.amount_paid, 0);
    assert_eq!(r.currency.code(), "EUR");
    assert_eq!(r.created_by, b.actor());
    assert!(r.entry_id.is_none() && r.void_entry_id.is_none() && r.settled_on.is_none());
    assert!(r.approved_by.is_none() && r.approved_at.is_none());
    assert_eq!(r.version, 1);

    let mut edited = r.clone();
    edited.reference = "PO-77".into();
    edited.due_date = d(2026, 3, 1);
    edited.lines[0].input.description = "Consulting".into();
    edited.subtotal = 90_000;
    edited.tax = 18_000;
    edited.total = 108_000;
    edited.updated_at = NOW + 1;
    store.update_draft_document(&edited, 1).await.unwrap();
    let r2 = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(r2.reference, "PO-77");
    assert_eq!(r2.due_date, d(2026, 3, 1));
    assert_eq!(r2.lines[0].input.description, "Consulting");
    assert_eq!((r2.subtotal, r2.tax, r2.total), (90_000, 18_000, 108_000));
    assert_eq!((r2.version, r2.updated_at), (2, NOW + 1));

    // Stale version: the other writer's change stands.
    let mut stale = r.clone();
    stale.reference = "lost".into();
    assert!(is_conflict(store.update_draft_document(&stale, 1).await));
    assert_eq!(
        store
            .document(b.id(), &doc.id)
            .await
            .unwrap()
            .unwrap()
            .reference,
        "PO-77"
    );

    let other = books(&*store).await;
    assert!(store.document(other.id(), &doc.id).await.unwrap().is_none());
    assert!(
        store
            .document(b.id(), &document_id(DocumentKind::Invoice))
            .await
            .unwrap()
            .is_none()
    );
}

async fn approve_posts_balanced_entry(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (approved, e) = approve(&*store, &b, &doc).await;
    assert_eq!(approved.status, DocumentStatus::Approved);
    assert_eq!(approved.entry_id.as_ref(), Some(&e.id));
    assert_eq!(approved.approved_by.as_ref(), Some(&b.owner.id));
    assert_eq!(approved.approved_at, Some(NOW));
    assert_eq!(approved.settled_on, None, "an invoice is open until paid");
    assert_eq!(approved.version, 2);

    let stored = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(stored.lines, e.lines);
    assert_eq!(stored.total(), 120_000);
    assert_eq!(stored.source_id.as_deref(), Some(doc.id.as_str()));
    let (dr, cr) = stored
        .lines()
        .iter()
        .fold((0, 0), |(a, b), l| (a + l.debit, b + l.credit));
    assert_eq!((dr, cr), (120_000, 120_000));

    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(t.get(&b.acc("1100")), Some(&(120_000, 0)), "receivable");
    assert_eq!(t.get(&b.acc("4000")), Some(&(0, 100_000)), "sales");
    assert_eq!(t.get(&b.acc("2200")), Some(&(0, 20_000)), "tax");
    assert_eq!(t.len(), 3);
    assert!(
        totals(&*store, b.id(), None, d(2026, 1, 9))
            .await
            .is_empty()
    );

    // Approving again, or editing the approved document, is refused and writes nothing.
    let again = approval_entry(&*store, &b, &doc).await;
    assert!(is_conflict(
        store
            .approve_document(&approving(&b, &doc), 1, &again)
            .await
    ));
    assert!(is_conflict(
        store
            .approve_document(&approving(&b, &approved), approved.version, &again)
            .await
    ));
    assert!(store.entry(b.id(), &again.id).await.unwrap().is_none());
    let mut edit = approved.clone();
    edit.reference = "changed".into();
    assert!(
        is_conflict(store.update_draft_document(&edit, approved.version).await),
        "only drafts can be edited"
    );
    assert_eq!(totals(&*store, b.id(), None, d(2026, 12, 31)).await, t);
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
}

async fn bill_and_expense_approval(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let s = contact(&*store, &b, "Supplier", false).await;
    let bill = draft(
        &*store,
        &b,
        DocumentKind::Bill,
        Some(&s.id),
        50_000,
        d(2026, 2, 1),
    )
    .await;
    let (bill, _) = approve(&*store, &b, &bill).await;
    assert_eq!(bill.status, DocumentStatus::Approved);
    assert_eq!(bill.settled_on, None);
    let t = totals(&*store, b.id(), None, d(2026, 2, 1)).await;
    assert_eq!(t.get(&b.acc("2000")), Some(&(0, 60_000)), "payable");
    assert_eq!(t.get(&b.acc("6400")), Some(&(50_000, 0)));
    assert_eq!(t.get(&b.acc("2200")), Some(&(10_000, 0)), "input tax");

    // An expense is paid when it is approved.
    let exp = draft(
        &*store,
        &b,
        DocumentKind::Expense,
        None,
        1_000,
        d(2026, 2, 3),
    )
    .await;
    assert!(exp.id.as_str().starts_with("exp_"));
    let (exp, _) = approve(&*store, &b, &exp).await;
    assert_eq!(exp.settled_on, Some(d(2026, 2, 3)));
    assert_eq!(exp.payment_account_id, Some(b.acc("2100")));
    let t = totals(&*store, b.id(), Some(d(2026, 2, 3)), d(2026, 2, 3)).await;
    assert_eq!(t.get(&b.acc("2100")), Some(&(0, 1_200)), "card");
    assert_eq!(t.get(&b.acc("6500")), Some(&(1_000, 0)));
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
}

async fn approval_refused_in_locked_period(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 3, 31)).await;
    lock(&*store, &b, d(2026, 3, 31)).await;
    let e = approval_entry(&*store, &b, &doc).await;
    let r = store.approve_document(&approving(&b, &doc), 1, &e).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Rule(DomainError::PeriodLocked { date, lock_date }))
                if date == d(2026, 3, 31) && lock_date == d(2026, 3, 31)
        ),
        "got {r:?}"
    );
    // Nothing was written: the document is still an untouched draft and the ledger is empty.
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(r.status, DocumentStatus::Draft);
    assert_eq!(r.version, 1);
    assert!(r.entry_id.is_none() && r.approved_by.is_none());
    assert!(store.entry(b.id(), &e.id).await.unwrap().is_none());
    assert!(
        totals(&*store, b.id(), None, d(2026, 12, 31))
            .await
            .is_empty()
    );
    assert!(
        store
            .ledger_lines(b.id(), None, None, None, None, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // The day after the lock date is open.
    let open = invoice(&*store, &b, &c.id, 100_000, d(2026, 4, 1)).await;
    let (open, _) = approve(&*store, &b, &open).await;
    assert_eq!(open.status, DocumentStatus::Approved);
}

async fn void_reverses_to_zero(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (approved, e) = approve(&*store, &b, &doc).await;
    let rev = reversal(&*store, &b, &e, d(2026, 2, 1)).await;
    store
        .void_document(&approved, approved.version, &rev)
        .await
        .unwrap();

    let voided = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(voided.status, DocumentStatus::Voided);
    assert_eq!(voided.void_entry_id.as_ref(), Some(&rev.id));
    assert_eq!(voided.entry_id.as_ref(), Some(&e.id));
    assert_eq!(voided.settled_on, Some(d(2026, 2, 1)));
    assert_eq!(voided.version, 3);
    let original = store.entry(b.id(), &e.id).await.unwrap().unwrap();
    assert_eq!(original.reversed_by_id.as_ref(), Some(&rev.id));
    let stored_rev = store.entry(b.id(), &rev.id).await.unwrap().unwrap();
    assert_eq!(stored_rev.reverses_id.as_ref(), Some(&e.id));

    // Before the void the invoice is on the books; from the void date on, everything nets out.
    let before = totals(&*store, b.id(), None, d(2026, 1, 31)).await;
    assert_eq!(net(&before, &b.acc("1100")), 120_000);
    let after = totals(&*store, b.id(), None, d(2026, 2, 1)).await;
    assert_eq!(after.len(), 3);
    for (account, (dr, cr)) in &after {
        assert_eq!(dr, cr, "{account} must net to zero after the void");
    }
    assert_eq!(after.get(&b.acc("1100")), Some(&(120_000, 120_000)));

    // A voided document cannot be voided again.
    let rev2 = reversal(&*store, &b, &e, d(2026, 2, 2)).await;
    assert!(is_conflict(
        store.void_document(&voided, voided.version, &rev2).await
    ));
    assert!(store.entry(b.id(), &rev2.id).await.unwrap().is_none());
}

async fn void_refusals(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;

    // A draft has no entry to reverse.
    let draft_doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let fake = manual(
        &*store,
        &b,
        d(2026, 1, 11),
        &b.acc("1100"),
        &b.acc("4000"),
        1,
        newledger_domain::journal::EntryStatus::Posted,
    )
    .await;
    assert!(is_conflict(store.void_document(&draft_doc, 1, &fake).await));

    // A stale version.
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (approved, e) = approve(&*store, &b, &doc).await;
    let rev = reversal(&*store, &b, &e, d(2026, 2, 1)).await;
    assert!(is_conflict(store.void_document(&approved, 1, &rev).await));
    assert!(store.entry(b.id(), &rev.id).await.unwrap().is_none());
    assert!(
        store
            .entry(b.id(), &e.id)
            .await
            .unwrap()
            .unwrap()
            .reversed_by_id
            .is_none()
    );

    // A document with payments allocated.
    pay(&*store, &b, &approved, 1_000, d(2026, 1, 20))
        .await
        .unwrap();
    let paid_some = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert!(is_conflict(
        store
            .void_document(&paid_some, paid_some.version, &rev)
            .await
    ));
    assert_eq!(
        store
            .document(b.id(), &doc.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        DocumentStatus::Approved
    );

    // A reversal inside the locked period: refused, and the document stays approved.
    let doc2 = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (approved2, e2) = approve(&*store, &b, &doc2).await;
    lock(&*store, &b, d(2026, 1, 31)).await;
    let rev2 = reversal(&*store, &b, &e2, d(2026, 1, 31)).await;
    let r = store
        .void_document(&approved2, approved2.version, &rev2)
        .await;
    assert!(
        matches!(r, Err(StoreError::Rule(DomainError::PeriodLocked { .. }))),
        "got {r:?}"
    );
    let still = store.document(b.id(), &doc2.id).await.unwrap().unwrap();
    assert_eq!(
        (still.status, still.version, still.void_entry_id),
        (DocumentStatus::Approved, approved2.version, None)
    );
    assert!(
        store
            .entry(b.id(), &e2.id)
            .await
            .unwrap()
            .unwrap()
            .reversed_by_id
            .is_none()
    );
    assert!(store.entry(b.id(), &rev2.id).await.unwrap().is_none());
    assert_ledger_balances(&*store, b.id(), d(2026, 12, 31)).await;
}

async fn discard_leaves_tombstone(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    assert!(is_conflict(
        store.discard_document(b.id(), &doc.id, 7, NOW + 1).await
    ));
    store
        .discard_document(b.id(), &doc.id, 1, NOW + 1)
        .await
        .unwrap();
    let r = store.document(b.id(), &doc.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.version, r.updated_at),
        (DocumentStatus::Discarded, 2, NOW + 1)
    );
    assert!(is_conflict(
        store.discard_document(b.id(), &doc.id, 2, NOW + 2).await
    ));
    let e = approval_entry(&*store, &b, &r).await;
    assert!(is_conflict(
        store.approve_document(&approving(&b, &r), 2, &e).await
    ));

    let approved = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (approved, _) = approve(&*store, &b, &approved).await;
    assert!(is_conflict(
        store
            .discard_document(b.id(), &approved.id, approved.version, NOW + 3)
            .await
    ));
    let other = books(&*store).await;
    let doc3 = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    assert!(is_conflict(
        store.discard_document(other.id(), &doc3.id, 1, NOW).await
    ));
}

async fn list_filters_and_pages(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let a = contact(&*store, &b, "A", true).await;
    let bb = contact(&*store, &b, "B", true).await;
    let s = contact(&*store, &b, "S", false).await;
    let i1 = invoice(&*store, &b, &a.id, 10_000, d(2026, 1, 5)).await;
    let i2 = invoice(&*store, &b, &a.id, 20_000, d(2026, 2, 10)).await;
    let (i2, _) = approve(&*store, &b, &i2).await; // due 2026-03-12
    let i3 = invoice(&*store, &b, &bb.id, 30_000, d(2026, 3, 1)).await;
    let (i3, _) = approve(&*store, &b, &i3).await; // due 2026-03-31
    let i4 = invoice(&*store, &b, &bb.id, 40_000, d(2026, 3, 20)).await;
    store
        .discard_document(b.id(), &i4.id, 1, NOW + 9_000)
        .await
        .unwrap();
    let bill = draft(
        &*store,
        &b,
        DocumentKind::Bill,
        Some(&s.id),
        5_000,
        d(2026, 2, 1),
    )
    .await;
    let other = books(&*store).await;
    let oc = contact(&*store, &other, "O", true).await;
    invoice(&*store, &other, &oc.id, 1_000, d(2026, 1, 5)).await;

    let ids = |docs: &[&Document]| {
        let mut v: Vec<String> = docs.iter().map(|x| x.id.to_string()).collect();
        v.sort();
        v
    };
    let list = async |f: &dyn Fn(&mut ListQuery)| -> Vec<String> {
        let mut q = ListQuery {
            limit: 50,
            ..Default::default()
        };
        f(&mut q);
        store
            .list_documents(b.id(), DocumentKind::Invoice, &q)
            .await
            .unwrap()
            .iter()
            .map(|x| x.id.to_string())
            .collect()
    };

    assert_eq!(list(&|_| {}).await, ids(&[&i1, &i2, &i3, &i4]));
    assert_eq!(
        list(&|q| q.status = Some("approved".into())).await,
        ids(&[&i2, &i3])
    );
    assert_eq!(
        list(&|q| q.status = Some("draft".into())).await,
        ids(&[&i1])
    );
    assert_eq!(
        list(&|q| q.contact_id = Some(a.id.to_string())).await,
        ids(&[&i1, &i2])
    );
    assert_eq!(
        list(&|q| {
            q.from = Some(d(2026, 2, 10));
            q.to = Some(d(2026, 3, 1));
        })
        .await,
        ids(&[&i2, &i3]),
        "from and to are inclusive"
    );
    assert_eq!(
        list(&|q| q.overdue_as_of = Some(d(2026, 3, 20))).await,
        ids(&[&i2])
    );
    assert!(
        list(&|q| q.overdue_as_of = Some(d(2026, 3, 12)))
            .await
            .is_empty()
    );
    assert_eq!(
        list(&|q| q.created_by = Some(b.owner.id.to_string()))
            .await
            .len(),
        4
    );
    assert!(
        list(&|q| q.created_by = Some("usr_nobody".into()))
            .await
            .is_empty()
    );
    // Tombstones: a sync asking for changes since the discard sees the discarded draft.
    let since = store
        .list_documents(
            b.id(),
            DocumentKind::Invoice,
            &ListQuery {
                limit: 50,
                updated_since: Some(NOW + 9_000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(
        (&since[0].id, since[0].status),
        (&i4.id, DocumentStatus::Discarded)
    );

    let bills = store
        .list_documents(
            b.id(),
            DocumentKind::Bill,
            &ListQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(bills.len(), 1);
    assert_eq!(bills[0].id, bill.id);

    let page = store
        .list_documents(
            b.id(),
            DocumentKind::Invoice,
            &ListQuery {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 4, "limit + 1 rows when there is more");
    let paged = page_all(
        1,
        |x: &Document| x.id.to_string(),
        async |q: ListQuery| {
            store
                .list_documents(b.id(), DocumentKind::Invoice, &q)
                .await
        },
    )
    .await;
    assert_eq!(paged, ids(&[&i1, &i2, &i3, &i4]));
}

newledger_testkit::both_backends!(
    insert_read_update_draft,
    approve_posts_balanced_entry,
    bill_and_expense_approval,
    approval_refused_in_locked_period,
    void_reverses_to_zero,
    void_refusals,
    discard_leaves_tombstone,
    list_filters_and_pages,
);
