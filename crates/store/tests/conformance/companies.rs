//! Companies, their chart, memberships and roles, number counters, the cache epoch.

use crate::fixtures::*;
use newledger_domain::account::{Account, AccountClass, AccountRole, TEMPLATE_CHART};
use newledger_domain::ids::{AccountId, CompanyId, UserId};
use newledger_domain::role::Role;
use newledger_store::*;
use std::sync::Arc;

async fn create_and_read(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    assert_eq!(store.company(b.id()).await.unwrap().unwrap(), b.company);
    assert!(
        store
            .all_companies()
            .await
            .unwrap()
            .iter()
            .any(|c| c == &b.company)
    );
    assert!(
        store
            .company(&CompanyId::from_suffix(&uid()))
            .await
            .unwrap()
            .is_none()
    );
    let accounts = store.accounts(b.id()).await.unwrap();
    assert_eq!(accounts.len(), TEMPLATE_CHART.len());
    let mut expected = b.accounts.clone();
    expected.sort_by(|x, y| x.code.cmp(&y.code));
    assert_eq!(accounts, expected, "the chart, ordered by code");
    assert_eq!(
        store.membership(b.id(), &b.owner.id).await.unwrap(),
        Some(Role::Owner)
    );
    assert_eq!(
        store.companies_of_user(&b.owner.id).await.unwrap(),
        vec![(b.company.clone(), Role::Owner)]
    );
    // Every counter starts at 1.
    for counter in ["invoice", "bill", "expense", "journal", "payment"] {
        assert_eq!(store.next_number(b.id(), counter).await.unwrap(), 1);
    }
}

async fn update_company(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let mut c = b.company.clone();
    c.name = "Renamed GmbH".into();
    c.is_live = false;
    c.lock_date = Some(d(2026, 3, 31));
    c.fiscal_year_start_month = 7;
    c.fiscal_year_start_day = 1;
    store.update_company(&c, NOW + 1).await.unwrap();
    assert_eq!(store.company(b.id()).await.unwrap().unwrap(), c);
    c.lock_date = None;
    store.update_company(&c, NOW + 2).await.unwrap();
    assert_eq!(
        store.company(b.id()).await.unwrap().unwrap().lock_date,
        None
    );
    let ghost = company_record("Ghost");
    assert!(store.update_company(&ghost, NOW).await.is_err());
}

async fn memberships_and_roles(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let u = user(&*store).await;
    assert_eq!(store.membership(b.id(), &u.id).await.unwrap(), None);
    assert!(store.companies_of_user(&u.id).await.unwrap().is_empty());

    store
        .upsert_membership(b.id(), &u.id, Role::Bookkeeper, NOW)
        .await
        .unwrap();
    assert_eq!(
        store.membership(b.id(), &u.id).await.unwrap(),
        Some(Role::Bookkeeper)
    );
    store
        .upsert_membership(b.id(), &u.id, Role::Accountant, NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        store.membership(b.id(), &u.id).await.unwrap(),
        Some(Role::Accountant)
    );
    assert_eq!(
        store.companies_of_user(&u.id).await.unwrap(),
        vec![(b.company.clone(), Role::Accountant)]
    );

    let members = store.members(b.id()).await.unwrap();
    assert_eq!(members.len(), 2);
    let m = members.iter().find(|m| m.user_id == u.id).unwrap();
    assert_eq!(
        (m.email.as_str(), m.name.as_str()),
        (u.email.as_str(), u.name.as_str())
    );
    assert_eq!(m.role, Role::Accountant);
    assert_eq!(m.created_at, NOW, "changing the role keeps the join date");
    let o = members.iter().find(|m| m.user_id == b.owner.id).unwrap();
    assert_eq!(o.role, Role::Owner);

    // A second company of the same person; listed with its own role.
    let other = company_record("Other Co");
    store
        .create_company(&other, &u.id, &chart(), NOW)
        .await
        .unwrap();
    let mut mine = store.companies_of_user(&u.id).await.unwrap();
    mine.sort_by(|x, y| x.0.id.cmp(&y.0.id));
    let mut expected = vec![
        (b.company.clone(), Role::Accountant),
        (other.clone(), Role::Owner),
    ];
    expected.sort_by(|x, y| x.0.id.cmp(&y.0.id));
    assert_eq!(mine, expected);

    store.remove_membership(b.id(), &u.id).await.unwrap();
    assert_eq!(store.membership(b.id(), &u.id).await.unwrap(), None);
    assert_eq!(store.members(b.id()).await.unwrap().len(), 1);
    assert!(is_conflict(store.remove_membership(b.id(), &u.id).await));
    assert_eq!(
        store.membership(&other.id, &u.id).await.unwrap(),
        Some(Role::Owner)
    );
    assert!(
        store
            .upsert_membership(b.id(), &UserId::from_suffix(&uid()), Role::Viewer, NOW)
            .await
            .is_err(),
        "a membership needs an existing person"
    );
}

async fn next_number_sequence(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let other = books(&*store).await;
    for expected in 1..=3 {
        assert_eq!(
            store.next_number(b.id(), "invoice").await.unwrap(),
            expected
        );
    }
    assert_eq!(store.next_number(b.id(), "bill").await.unwrap(), 1);
    assert_eq!(store.next_number(other.id(), "invoice").await.unwrap(), 1);
    assert_eq!(store.next_number(b.id(), "invoice").await.unwrap(), 4);
    assert!(matches!(
        store.next_number(b.id(), "no-such-counter").await,
        Err(StoreError::NotFound)
    ));
}

async fn cache_epoch_bump(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let e0 = store.cache_epoch().await.unwrap();
    assert_eq!(store.bump_cache_epoch().await.unwrap(), e0 + 1);
    assert_eq!(store.cache_epoch().await.unwrap(), e0 + 1);
    assert_eq!(store.bump_cache_epoch().await.unwrap(), e0 + 2);
    assert_eq!(store.cache_epoch().await.unwrap(), e0 + 2);
    // The documents epoch moves on its own.
    let d0 = store.documents_epoch().await.unwrap();
    assert_eq!(store.bump_documents_epoch().await.unwrap(), d0 + 1);
    assert_eq!(store.documents_epoch().await.unwrap(), d0 + 1);
    assert_eq!(store.cache_epoch().await.unwrap(), e0 + 2);
}

async fn insert_account(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let a = Account {
        id: AccountId::from_suffix(&uid()),
        code: "4200".into(),
        name: "Licensing Revenue".into(),
        class: AccountClass::Revenue,
        role: AccountRole::General,
        archived: false,
    };
    store.insert_account(b.id(), &a, NOW).await.unwrap();
    let accounts = store.accounts(b.id()).await.unwrap();
    assert_eq!(accounts.iter().find(|x| x.code == "4200"), Some(&a));
    assert_eq!(accounts.len(), TEMPLATE_CHART.len() + 1);

    let twin = Account {
        id: AccountId::from_suffix(&uid()),
        ..a.clone()
    };
    assert!(is_conflict(store.insert_account(b.id(), &twin, NOW).await));
    // The same code in another company is fine.
    let other = books(&*store).await;
    store.insert_account(other.id(), &twin, NOW).await.unwrap();
    let archived = Account {
        id: AccountId::from_suffix(&uid()),
        code: "4300".into(),
        archived: true,
        ..a
    };
    store.insert_account(b.id(), &archived, NOW).await.unwrap();
    assert!(
        store
            .accounts(b.id())
            .await
            .unwrap()
            .iter()
            .any(|x| x.code == "4300" && x.archived)
    );
}

newledger_testkit::both_backends!(
    create_and_read,
    update_company,
    memberships_and_roles,
    next_number_sequence,
    cache_epoch_bump,
    insert_account,
);

/// On PostgreSQL a bump is announced on the `newledger_cache` channel (other nodes' caches).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_announces_cache_epoch() {
    use std::time::Duration;
    let Some(db) = newledger_testkit::db::TestDb::postgres().await else {
        return;
    };
    let store = db.store().await;
    let mut rx = newledger_store::postgres::listen(db.url.clone());
    // The listener reports Some(-1) once it is listening.
    tokio::time::timeout(Duration::from_secs(10), async {
        while *rx.borrow_and_update() != Some(-1) {
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("the listener starts");
    let epoch = store.bump_cache_epoch().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            rx.changed().await.unwrap();
            if *rx.borrow_and_update() == Some(epoch) {
                break;
            }
        }
    })
    .await
    .expect("the bump is announced");
    store.close().await;
}
