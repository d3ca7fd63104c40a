//! Services over a fresh database of each available backend.

use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::ids::{AccountId, CompanyId, ContactId};
use newledger_service::books::contacts::{self, ContactInput};
use newledger_service::clock::ManualClock;
use newledger_service::crypto::SecretKey;
use newledger_service::{Access, Services, Settings, company, people};
use newledger_store::SqlStore;
use newledger_testkit::db::TestDb;
use std::sync::Arc;

/// One backend's services, with the database kept alive.
pub struct Env {
    pub svc: Services,
    #[allow(dead_code)]
    pub clock: Arc<ManualClock>,
    pub name: &'static str,
    _db: TestDb,
}

/// Services on SQLite, and on PostgreSQL when configured.
pub async fn backends() -> Vec<Env> {
    let mut out = Vec::new();
    let mut dbs = vec![("sqlite", TestDb::sqlite().await)];
    if let Some(pg) = TestDb::postgres().await {
        dbs.push(("postgres", pg));
    }
    for (name, db) in dbs {
        let store = SqlStore::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        // 2026-06-30T12:00:00Z
        let clock = Arc::new(ManualClock::new(1_782_820_800_000));
        let svc = Services::new(
            Arc::new(store),
            clock.clone(),
            SecretKey::from_bytes([1; 32]),
            Settings::default(),
        );
        out.push(Env {
            svc,
            clock,
            name,
            _db: db,
        });
    }
    out
}

/// A fresh company owned by a fresh person, and the owner's access.
pub async fn company_access(svc: &Services) -> Access {
    let n: String = svc.new_id("");
    let u = people::users::create_user(
        svc,
        &format!("o-{n}@example.com"),
        "Owner",
        "correct horse battery",
    )
    .await
    .unwrap();
    let c = company::create_company(svc, &u.id, "Fixture Ltd", "EUR", true)
        .await
        .unwrap();
    company::access_for_user(svc, &u.id, &u.email, &c.id, "test")
        .await
        .unwrap()
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub async fn accounts(svc: &Services, company: &CompanyId) -> Vec<Account> {
    svc.store.accounts(company).await.unwrap()
}

pub fn acc(accounts: &[Account], code: &str) -> AccountId {
    accounts.iter().find(|a| a.code == code).unwrap().id.clone()
}

pub async fn contact(svc: &Services, a: &Access, name: &str, customer: bool) -> ContactId {
    contacts::create(
        svc,
        a,
        ContactInput {
            name: name.into(),
            is_customer: customer,
            is_supplier: !customer,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}
