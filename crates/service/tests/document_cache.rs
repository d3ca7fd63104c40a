//! The per-node document cache (`books::cache`): reads are served from memory, yet a change on
//! this node is visible at the very next read, a change on another node once the cache epoch
//! is seen (the background poll, at most 250 ms later), and a cached document never leaks to
//! another company. Runs on SQLite and, with `NEWLEDGER_TEST_DATABASE_URL`, on PostgreSQL,
//! with two `Services` ("nodes") on one database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use newledger_domain::actor::Actor;
use newledger_domain::document::Document;
use newledger_domain::document::DocumentKind;
use newledger_domain::payment::PaymentKind;
use newledger_domain::permission::PermissionSet;
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::books::payments::{self, AllocationInput, PaymentInput};
use newledger_service::clock::{Clock, ManualClock, SystemClock};
use newledger_service::crypto::SecretKey;
use newledger_service::{Access, Error, Services, Settings, company, demo};
use newledger_store::{ListQuery, SqlStore};
use newledger_testkit::db::TestDb;
use std::sync::Arc;

async fn node(url: &str, clock: Arc<ManualClock>) -> Services {
    let store = SqlStore::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    Services::new(
        Arc::new(store),
        clock,
        SecretKey::from_bytes([9; 32]),
        Settings::default(),
    )
}

fn input(d: &Document, reference: &str) -> DocumentInput {
    DocumentInput {
        contact_id: d.contact_id.clone(),
        issue_date: d.issue_date,
        due_date: Some(d.due_date),
        reference: reference.into(),
        payment_account_id: d.payment_account_id.clone(),
        lines: d.lines.iter().map(|l| l.input.clone()).collect(),
    }
}

async fn first(svc: &Services, access: &Access, status: &str) -> Document {
    let q = ListQuery {
        limit: 100,
        status: Some(status.into()),
        ..ListQuery::default()
    };
    documents::list(svc, access, DocumentKind::Invoice, q)
        .await
        .unwrap()
        .data
        .into_iter()
        .find(|d| status != "approved" || d.amount_paid == 0)
        .unwrap_or_else(|| panic!("no {status} invoice in the demo data"))
}

async fn scenario(url: String) {
    let clock = Arc::new(ManualClock::new(SystemClock.now_ms()));
    let a = node(&url, clock.clone()).await;
    let b = node(&url, clock.clone()).await;
    let info = demo::create(&a).await.unwrap();
    let user = a.store.user_by_email(&info.email).await.unwrap().unwrap();
    let person = |svc: &Services, company| {
        let svc = svc.clone();
        let (uid, email) = (user.id.clone(), info.email.clone());
        async move {
            company::access_for_user(&svc, &uid, &email, &company, "127.0.0.1")
                .await
                .unwrap()
        }
    };
    let on_a = person(&a, info.company_id.clone()).await;
    let on_b = person(&b, info.company_id.clone()).await;

    // Served from memory after the first read.
    let draft = first(&a, &on_a, "draft").await;
    a.documents.put(0, 1, Arc::new(draft.clone())); // a mismatched fill is ignored
    assert!(a.documents.is_empty());
    let r1 = documents::get(&a, &on_a, DocumentKind::Invoice, &draft.id)
        .await
        .unwrap();
    assert_eq!(a.documents.len(), 1);
    let r2 = documents::get(&a, &on_a, DocumentKind::Invoice, &draft.id)
        .await
        .unwrap();
    assert_eq!((r1.version, r2.version), (draft.version, draft.version));

    // Never to another company, nor as another kind.
    let other = Access {
        actor: Actor::System,
        label: "test".into(),
        company: a
            .store
            .company(&info.test_company_id)
            .await
            .unwrap()
            .unwrap(),
        permissions: PermissionSet::all(),
        ip: "test".into(),
    };
    assert!(matches!(
        documents::get(&a, &other, DocumentKind::Invoice, &draft.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        documents::get(&a, &on_a, DocumentKind::Bill, &draft.id).await,
        Err(Error::NotFound(_))
    ));

    // A change on this node: visible at the very next read.
    let v2 = documents::update_draft(
        &a,
        &on_a,
        DocumentKind::Invoice,
        &draft.id,
        Some(draft.version),
        input(&draft, "changed on a"),
    )
    .await
    .unwrap();
    let r = documents::get(&a, &on_a, DocumentKind::Invoice, &draft.id)
        .await
        .unwrap();
    assert_eq!(
        (r.version, r.reference.as_str()),
        (v2.version, "changed on a")
    );

    // A change on another node: node b writes from the current row (not a's cache), and node a
    // sees it once it has seen the epoch move (what its background poll does every 250 ms) —
    // without dropping its cached credentials, which did not change.
    a.auth_cache.sync_epoch(&a).await.unwrap();
    let credentials = a.auth_cache.generation();
    let v3 = documents::update_draft(
        &b,
        &on_b,
        DocumentKind::Invoice,
        &draft.id,
        Some(v2.version),
        input(&draft, "changed on b"),
    )
    .await
    .unwrap();
    a.auth_cache.sync_epoch(&a).await.unwrap();
    let r = documents::get(&a, &on_a, DocumentKind::Invoice, &draft.id)
        .await
        .unwrap();
    assert_eq!(
        (r.version, r.reference.as_str()),
        (v3.version, "changed on b")
    );
    assert_eq!(
        a.auth_cache.generation(),
        credentials,
        "a document change leaves the credentials cache alone"
    );

    // Writers never act on a cached copy: a stale cached version on a does not make a's own
    // update refuse the current If-Match.
    documents::get(&a, &on_a, DocumentKind::Invoice, &draft.id)
        .await
        .unwrap();
    let v4 = documents::update_draft(
        &b,
        &on_b,
        DocumentKind::Invoice,
        &draft.id,
        None,
        input(&draft, "again on b"),
    )
    .await
    .unwrap();
    let v5 = documents::update_draft(
        &a,
        &on_a,
        DocumentKind::Invoice,
        &draft.id,
        Some(v4.version),
        input(&draft, "then on a"),
    )
    .await
    .unwrap();
    assert_eq!(v5.version, v4.version + 1);

    // Discarding, approving and payments change documents too.
    documents::discard(&a, &on_a, DocumentKind::Invoice, &draft.id, None)
        .await
        .unwrap();
    let r = documents::get(&a, &on_a, DocumentKind::Invoice, &draft.id)
        .await
        .unwrap();
    assert_eq!(r.status.as_str(), "discarded");

    let open = first(&a, &on_a, "approved").await;
    documents::get(&a, &on_a, DocumentKind::Invoice, &open.id)
        .await
        .unwrap();
    let bank = a
        .store
        .accounts(&info.company_id)
        .await
        .unwrap()
        .into_iter()
        .find(|acc| acc.code == "1000")
        .unwrap();
    let amount = open.currency.format(open.total);
    payments::record(
        &a,
        &on_a,
        PaymentInput {
            kind: PaymentKind::Received,
            contact_id: open.contact_id.clone().unwrap(),
            bank_account_id: bank.id,
            date: a.clock.today(),
            amount: amount.clone(),
            reference: "cache test".into(),
            allocations: vec![AllocationInput {
                document_id: open.id.clone(),
                amount,
            }],
        },
    )
    .await
    .unwrap();
    let r = documents::get(&a, &on_a, DocumentKind::Invoice, &open.id)
        .await
        .unwrap();
    assert_eq!((r.amount_paid, r.status.as_str()), (open.total, "paid"));

    // While the change listener is down, reads go to the store.
    a.auth_cache.set_bypass(true);
    documents::get(&a, &on_a, DocumentKind::Invoice, &open.id)
        .await
        .unwrap();
    assert!(
        a.documents
            .get(a.auth_cache.documents_generation(), &open.id)
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_cache_on_sqlite() {
    let db = TestDb::sqlite().await;
    scenario(db.url.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_cache_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    scenario(db.url.clone()).await;
}
