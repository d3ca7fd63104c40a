//! Report reads: account totals and monthly totals from the balances kept at posting time,
//! open items as of a date (aging), and ledger lines in order with a cursor.

use crate::fixtures::*;
use newledger_domain::document::DocumentKind;
use newledger_domain::journal::EntryStatus;
use newledger_store::*;
use std::collections::BTreeMap;
use std::sync::Arc;

async fn account_totals_over_ranges(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank, fees) = (b.acc("6200"), b.acc("1000"), b.acc("6100"));
    for (day, acc, amount) in [
        (d(2026, 1, 10), &rent, 1_000),
        (d(2026, 2, 5), &rent, 2_000),
        (d(2026, 2, 5), &rent, 30), // same account and day: added to the same balance
        (d(2026, 2, 20), &fees, 400),
        (d(2026, 3, 1), &rent, 5_000),
    ] {
        let e = manual(&*store, &b, day, acc, &bank, amount, EntryStatus::Posted).await;
        store.insert_entry(&e).await.unwrap();
    }
    let t = totals(&*store, b.id(), None, d(2026, 1, 31)).await;
    assert_eq!(
        t,
        BTreeMap::from([(rent.clone(), (1_000, 0)), (bank.clone(), (0, 1_000))])
    );
    let t = totals(&*store, b.id(), Some(d(2026, 2, 1)), d(2026, 2, 28)).await;
    assert_eq!(
        t,
        BTreeMap::from([
            (rent.clone(), (2_030, 0)),
            (fees.clone(), (400, 0)),
            (bank.clone(), (0, 2_430)),
        ])
    );
    let t = totals(&*store, b.id(), Some(d(2026, 2, 5)), d(2026, 2, 5)).await;
    assert_eq!(
        t.get(&rent),
        Some(&(2_030, 0)),
        "one-day range, bounds inclusive"
    );
    let t = totals(&*store, b.id(), None, d(2026, 12, 31)).await;
    assert_eq!(t.get(&rent), Some(&(8_030, 0)));
    assert_eq!(t.get(&bank), Some(&(0, 8_430)));
    assert!(
        totals(&*store, b.id(), Some(d(2026, 4, 1)), d(2026, 12, 31))
            .await
            .is_empty()
    );
    // Drafts and other companies are not counted.
    let dr = manual(
        &*store,
        &b,
        d(2026, 1, 10),
        &rent,
        &bank,
        99,
        EntryStatus::Draft,
    )
    .await;
    store.insert_entry(&dr).await.unwrap();
    let other = books(&*store).await;
    let oe = manual(
        &*store,
        &other,
        d(2026, 1, 10),
        &other.acc("6200"),
        &other.acc("1000"),
        77,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&oe).await.unwrap();
    assert_eq!(totals(&*store, b.id(), None, d(2026, 12, 31)).await, t);
}

async fn monthly_totals(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank) = (b.acc("6200"), b.acc("1000"));
    for (day, amount) in [
        (d(2025, 12, 31), 1),
        (d(2026, 1, 1), 10),
        (d(2026, 1, 31), 20),
        (d(2026, 2, 1), 300),
        (d(2026, 2, 28), 400),
        (d(2026, 3, 1), 5_000),
    ] {
        let e = manual(&*store, &b, day, &rent, &bank, amount, EntryStatus::Posted).await;
        store.insert_entry(&e).await.unwrap();
    }
    let rows = store
        .monthly_totals(b.id(), d(2026, 1, 1), d(2026, 2, 28))
        .await
        .unwrap();
    let got: BTreeMap<(String, String), (i64, i64)> = rows
        .into_iter()
        .map(|(a, m, dr, cr)| ((a.to_string(), m), (dr, cr)))
        .collect();
    let key = |a: &newledger_domain::ids::AccountId, m: &str| (a.to_string(), m.to_owned());
    assert_eq!(
        got,
        BTreeMap::from([
            (key(&rent, "2026-01"), (30, 0)),
            (key(&bank, "2026-01"), (0, 30)),
            (key(&rent, "2026-02"), (700, 0)),
            (key(&bank, "2026-02"), (0, 700)),
        ])
    );
    let rows = store
        .monthly_totals(b.id(), d(2026, 2, 15), d(2026, 3, 31))
        .await
        .unwrap();
    let months: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert!(
        months.windows(2).all(|w| w[0] <= w[1]),
        "ordered by month: {months:?}"
    );
    let rent_rows: Vec<(String, i64)> = rows
        .iter()
        .filter(|r| r.0 == rent)
        .map(|r| (r.1.clone(), r.2))
        .collect();
    assert_eq!(
        rent_rows,
        vec![("2026-02".into(), 400), ("2026-03".into(), 5_000)]
    );
}

async fn open_items_as_of(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme", true).await;
    let s = contact(&*store, &b, "Supplier", false).await;
    // 1 200.00 issued 10 Jan, due 9 Feb; 500.00 paid 15 Feb; the rest 10 Mar.
    let doc = invoice(&*store, &b, &c.id, 100_000, d(2026, 1, 10)).await;
    let (doc, _) = approve(&*store, &b, &doc).await;
    pay(&*store, &b, &doc, 50_000, d(2026, 2, 15))
        .await
        .unwrap();
    pay(&*store, &b, &doc, 70_000, d(2026, 3, 10))
        .await
        .unwrap();
    // A draft is never open; a voided invoice is open until its void date.
    invoice(&*store, &b, &c.id, 1_000, d(2026, 1, 10)).await;
    let v = invoice(&*store, &b, &c.id, 2_000, d(2026, 1, 20)).await;
    let (v, ve) = approve(&*store, &b, &v).await;
    let rev = reversal(&*store, &b, &ve, d(2026, 2, 10)).await;
    store.void_document(&v, v.version, &rev).await.unwrap();
    // A bill is on the payables side only.
    let bill = draft(
        &*store,
        &b,
        DocumentKind::Bill,
        Some(&s.id),
        10_000,
        d(2026, 1, 5),
    )
    .await;
    approve(&*store, &b, &bill).await;

    let open = async |kind: DocumentKind, as_of| {
        let mut items: Vec<(String, i64)> = store
            .open_items(b.id(), kind, as_of)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.due_date.to_string(), i.outstanding))
            .collect();
        items.sort();
        items
    };
    assert!(
        open(DocumentKind::Invoice, d(2026, 1, 9)).await.is_empty(),
        "before issue"
    );
    assert_eq!(
        open(DocumentKind::Invoice, d(2026, 1, 31)).await,
        vec![("2026-02-09".into(), 120_000), ("2026-02-19".into(), 2_400)]
    );
    assert_eq!(
        open(DocumentKind::Invoice, d(2026, 2, 10)).await,
        vec![("2026-02-09".into(), 120_000)],
        "voided on 10 Feb"
    );
    assert_eq!(
        open(DocumentKind::Invoice, d(2026, 2, 15)).await,
        vec![("2026-02-09".into(), 70_000)],
        "a payment counts on its own date"
    );
    assert_eq!(
        open(DocumentKind::Invoice, d(2026, 3, 9)).await,
        vec![("2026-02-09".into(), 70_000)]
    );
    assert!(
        open(DocumentKind::Invoice, d(2026, 3, 10)).await.is_empty(),
        "paid"
    );
    assert_eq!(
        open(DocumentKind::Bill, d(2026, 3, 10)).await,
        vec![("2026-02-04".into(), 12_000)]
    );
    let items = store
        .open_items(b.id(), DocumentKind::Invoice, d(2026, 2, 15))
        .await
        .unwrap();
    assert_eq!(
        (&items[0].contact_id, items[0].contact_name.as_str()),
        (&c.id, "Acme")
    );
}

async fn ledger_lines_in_order(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let (rent, bank, fees) = (b.acc("6200"), b.acc("1000"), b.acc("6100"));
    let mut entries = Vec::new();
    for (day, acc) in [
        (d(2026, 1, 20), &rent),
        (d(2026, 1, 5), &fees),
        (d(2026, 1, 20), &fees),
        (d(2026, 2, 1), &rent),
        (d(2026, 1, 5), &rent),
    ] {
        let e = manual(&*store, &b, day, acc, &bank, 100, EntryStatus::Posted).await;
        store.insert_entry(&e).await.unwrap();
        entries.push(e);
    }
    let dr = manual(
        &*store,
        &b,
        d(2026, 1, 6),
        &rent,
        &bank,
        1,
        EntryStatus::Draft,
    )
    .await;
    store.insert_entry(&dr).await.unwrap();
    let other = books(&*store).await;
    let oe = manual(
        &*store,
        &other,
        d(2026, 1, 5),
        &other.acc("6200"),
        &other.acc("1000"),
        1,
        EntryStatus::Posted,
    )
    .await;
    store.insert_entry(&oe).await.unwrap();

    let mut expected: Vec<(chrono::NaiveDate, String, i64)> = entries
        .iter()
        .flat_map(|e| (0..2).map(move |n| (e.date, e.id.to_string(), n)))
        .collect();
    expected.sort();
    let all = store
        .ledger_lines(b.id(), None, None, None, None, 100)
        .await
        .unwrap();
    let keys: Vec<_> = all
        .iter()
        .map(|l| (l.date, l.entry_id.to_string(), l.line_no))
        .collect();
    assert_eq!(
        keys, expected,
        "ordered by date, entry, line; drafts excluded"
    );
    let first = &all[0];
    let e = entries.iter().find(|e| e.id == first.entry_id).unwrap();
    assert_eq!(first.entry_number, e.number);
    assert_eq!(first.memo, e.memo);
    assert_eq!(first.description, e.lines()[0].description);
    assert_eq!(first.account_id, e.lines()[0].account_id);
    assert_eq!((first.debit, first.credit), (100, 0));
    assert_eq!(first.contact_id, None);

    // Paging with the cursor of the last row visits every line once.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .ledger_lines(b.id(), None, None, None, after.clone(), 3)
            .await
            .unwrap();
        assert!(page.len() <= 3);
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some((last.date, last.entry_id.to_string(), last.line_no));
        paged.extend(
            page.iter()
                .map(|l| (l.date, l.entry_id.to_string(), l.line_no)),
        );
    }
    assert_eq!(paged, expected);

    // One account, within dates.
    let rent_jan = store
        .ledger_lines(
            b.id(),
            Some(&rent),
            Some(d(2026, 1, 5)),
            Some(d(2026, 1, 20)),
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(rent_jan.len(), 2);
    assert!(
        rent_jan
            .iter()
            .all(|l| l.account_id == rent && l.debit == 100)
    );
    assert_eq!(
        rent_jan.iter().map(|l| l.date).collect::<Vec<_>>(),
        vec![d(2026, 1, 5), d(2026, 1, 20)]
    );
    let feb = store
        .ledger_lines(b.id(), None, Some(d(2026, 2, 1)), None, None, 100)
        .await
        .unwrap();
    assert_eq!(feb.len(), 2);
    let upto = store
        .ledger_lines(b.id(), Some(&bank), None, Some(d(2026, 1, 5)), None, 100)
        .await
        .unwrap();
    assert_eq!(upto.len(), 2);
    assert!(upto.iter().all(|l| l.credit == 100));
}

newledger_testkit::both_backends!(
    account_totals_over_ranges,
    monthly_totals,
    open_items_as_of,
    ledger_lines_in_order,
);
