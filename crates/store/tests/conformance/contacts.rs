//! Contacts: compare-and-set updates, company scoping, list filters and cursor pagination.

use crate::fixtures::*;
use newledger_domain::actor::Actor;
use newledger_domain::contact::Contact;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::{AppId, ContactId};
use newledger_store::*;
use std::sync::Arc;

async fn insert_read_update(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = contact(&*store, &b, "Acme Ltd", true).await;
    let r = store.contact(b.id(), &c.id).await.unwrap().unwrap();
    assert_eq!(r.name, "Acme Ltd");
    assert_eq!(r.email, c.email);
    assert!(r.is_customer && !r.is_supplier);
    assert_eq!(r.tax_number, c.tax_number);
    assert_eq!(r.address, None);
    assert_eq!(r.created_by, b.actor());
    assert_eq!((r.created_at, r.updated_at, r.version), (NOW, NOW, 1));

    let changed = Contact {
        name: "Acme Holdings Ltd".into(),
        email: None,
        is_supplier: true,
        address: Some("1 High Street".into()),
        updated_at: NOW + 10,
        ..r.clone()
    };
    store.update_contact(&changed, 1).await.unwrap();
    let r2 = store.contact(b.id(), &c.id).await.unwrap().unwrap();
    assert_eq!(r2.name, "Acme Holdings Ltd");
    assert_eq!(r2.email, None);
    assert!(r2.is_customer && r2.is_supplier);
    assert_eq!(r2.address.as_deref(), Some("1 High Street"));
    assert_eq!(
        (r2.created_at, r2.updated_at, r2.version),
        (NOW, NOW + 10, 2)
    );

    // A stale version (another writer got there first) changes nothing.
    let stale = Contact {
        name: "Lost update".into(),
        ..r.clone()
    };
    assert!(is_conflict(store.update_contact(&stale, 1).await));
    assert_eq!(
        store.contact(b.id(), &c.id).await.unwrap().unwrap().name,
        "Acme Holdings Ltd"
    );

    // Another company can neither read nor change it.
    let other = books(&*store).await;
    assert!(store.contact(other.id(), &c.id).await.unwrap().is_none());
    let foreign = Contact {
        company_id: other.id().clone(),
        ..r2.clone()
    };
    assert!(is_conflict(store.update_contact(&foreign, 2).await));
    assert!(
        store
            .contact(b.id(), &ContactId::from_suffix(&uid()))
            .await
            .unwrap()
            .is_none()
    );
}

async fn list_filters_and_pages(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let names = [
        ("Alpha Trading", true),
        ("beta gmbh", true),
        ("Gamma 100% Ltd", true),
        ("Delta Supplies", false),
        ("Epsilon Parts", false),
    ];
    let mut ids = Vec::new();
    for (n, customer) in names {
        ids.push(contact(&*store, &b, n, customer).await.id.to_string());
    }
    let mut app_made = contact_record(&b, "Zeta via API", true);
    let app = AppId::from_suffix(&uid());
    app_made.created_by = Actor::App(app.clone());
    store.insert_contact(&app_made).await.unwrap();
    ids.push(app_made.id.to_string());
    ids.sort();
    // Another company's contacts never show.
    let other = books(&*store).await;
    contact(&*store, &other, "Alpha Foreign", true).await;

    let q = |f: fn(&mut ListQuery)| {
        let mut q = ListQuery {
            limit: 50,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let all = store.list_contacts(b.id(), &q(|_| {})).await.unwrap();
    let listed: Vec<String> = all.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(listed, ids, "every contact, ordered by id");

    let customers = store
        .list_contacts(b.id(), &q(|q| q.status = Some("customer".into())))
        .await
        .unwrap();
    assert_eq!(customers.len(), 4);
    assert!(customers.iter().all(|c| c.is_customer));
    let suppliers = store
        .list_contacts(b.id(), &q(|q| q.status = Some("supplier".into())))
        .await
        .unwrap();
    assert_eq!(suppliers.len(), 2);
    assert!(suppliers.iter().all(|c| c.is_supplier));

    let found = store
        .list_contacts(b.id(), &q(|q| q.search = Some("ALPHA".into())))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "Alpha Trading");
    let found = store
        .list_contacts(b.id(), &q(|q| q.search = Some("gmbh".into())))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "beta gmbh");

    let by_app = store
        .list_contacts(
            b.id(),
            &ListQuery {
                limit: 50,
                created_by: Some(app.to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_app.len(), 1);
    assert_eq!(by_app[0].id, app_made.id);

    // limit + 1 rows tell the caller there is a next page; the cursor continues after it.
    let page = store
        .list_contacts(
            b.id(),
            &ListQuery {
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 3);
    let next = store
        .list_contacts(
            b.id(),
            &ListQuery {
                limit: 2,
                after: Some(page[1].id.to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next[0].id, page[2].id);
    let paged = page_all(
        4,
        |c: &Contact| c.id.to_string(),
        async |q: ListQuery| store.list_contacts(b.id(), &q).await,
    )
    .await;
    assert_eq!(paged, ids);
    let last = store
        .list_contacts(
            b.id(),
            &ListQuery {
                limit: 2,
                after: Some(ids[4].clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(last.len(), 1, "the last page has no extra row");

    // updated_since: only what changed at or after the instant.
    let mut changed = store
        .contact(b.id(), &ContactId::parse(&ids[2]).unwrap())
        .await
        .unwrap()
        .unwrap();
    changed.updated_at = NOW + 5_000;
    store.update_contact(&changed, 1).await.unwrap();
    let since = store
        .list_contacts(
            b.id(),
            &ListQuery {
                limit: 50,
                updated_since: Some(NOW + 5_000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].id, changed.id);
}

/// A contact is deleted only while nothing refers to it, checked in the DELETE itself; its
/// usage counts documents (drafts included) and stays within the company.
async fn delete_only_unused(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let used = contact(&*store, &b, "Used Ltd", true).await;
    let spare = contact(&*store, &b, "Spare Ltd", true).await;
    draft(
        &*store,
        &b,
        DocumentKind::Invoice,
        Some(&used.id),
        10_000,
        d(2026, 3, 1),
    )
    .await;
    let u = store.contact_usage(b.id(), &used.id).await.unwrap();
    assert_eq!((u.documents, u.payments, u.entries), (1, 0, 0));
    assert!(!u.is_unused());
    assert!(is_conflict(store.delete_contact(b.id(), &used.id).await));
    assert!(store.contact(b.id(), &used.id).await.unwrap().is_some());

    assert!(
        store
            .contact_usage(b.id(), &spare.id)
            .await
            .unwrap()
            .is_unused()
    );
    let other = books(&*store).await;
    assert!(
        is_conflict(store.delete_contact(other.id(), &spare.id).await),
        "another company's"
    );
    store.delete_contact(b.id(), &spare.id).await.unwrap();
    assert!(store.contact(b.id(), &spare.id).await.unwrap().is_none());
    assert!(
        is_conflict(store.delete_contact(b.id(), &spare.id).await),
        "gone"
    );
}

newledger_testkit::both_backends!(
    insert_read_update,
    list_filters_and_pages,
    delete_only_unused
);
