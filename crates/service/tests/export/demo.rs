//! The demo company (a year of invoices, bills, expenses, payments, voids, journals, drafts),
//! exported whole and for several ranges, one of them starting mid-year.

use crate::check::{self, Engines, Expected};
use chrono::{Days, Months, NaiveDate};
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::clock::Clock;
use newledger_service::{Access, company, demo};
use newledger_testkit::db::TestDb;
use newledger_testkit::{TestApp, spawn_app};

/// A running app with the demo company, its owner's access and an API token allowed to read
/// the journal and the reports.
pub struct Demo {
    pub app: TestApp,
    pub access: Access,
    pub token: String,
    _db: TestDb,
}

pub async fn demo_on(db: TestDb) -> Demo {
    let app = spawn_app(&db.url).await;
    let info = demo::create(&app.svc).await.unwrap();
    let user = app
        .svc
        .store
        .user_by_email(demo::DEMO_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let access = company::access_for_user(
        &app.svc,
        &user.id,
        demo::DEMO_EMAIL,
        &info.company_id,
        "test",
    )
    .await
    .unwrap();
    let created = apps::create(
        &app.svc,
        &access,
        NewApp {
            name: "Auditor export".into(),
            purpose: "tests".into(),
            owner_email: None,
            expires_in_days: None,
            permissions: vec!["journal:read".into(), "reports:read".into()],
        },
    )
    .await
    .unwrap();
    let token = app
        .token(created.app.id.as_str(), &created.client_secret)
        .await;
    Demo {
        app,
        access,
        token,
        _db: db,
    }
}

/// (from, to) ranges over the demo year: whole ledger, fiscal year to date, the previous
/// fiscal year, a range starting mid-year and one with only an end.
pub fn ranges(
    today: NaiveDate,
    fy_start: impl Fn(NaiveDate) -> NaiveDate,
) -> Vec<(Option<NaiveDate>, Option<NaiveDate>)> {
    let this_fy = fy_start(today);
    let last_fy = fy_start(today - Days::new(365));
    let mid = last_fy + Months::new(5) + Days::new(14);
    vec![
        (None, None),
        (Some(this_fy), Some(today)),
        (Some(last_fy), Some(this_fy - Days::new(1))),
        (Some(mid), Some(today - Days::new(20))),
        (None, Some(today - Days::new(100))),
    ]
}

async fn demo_matches_engines(db: TestDb) {
    let d = demo_on(db).await;
    let engines = Engines::find();
    let today = d.app.clock.today();
    let c = d.access.company.clone();
    let cid = c.id.clone();
    let (full_hl, full_hl_text) = check::fetch(&d.app, &d.token, &cid, "hledger", None, None).await;
    let (full_bc, full_bc_text) =
        check::fetch(&d.app, &d.token, &cid, "beancount", None, None).await;
    for (from, to) in ranges(today, |x| c.fiscal_year_start(x)) {
        let what = format!("demo {from:?}..{to:?}");
        let end = to.unwrap_or(today);
        let e = Expected::compute(&d.app, &d.access, from, end, true).await;
        let (hl, hl_text) = check::fetch(&d.app, &d.token, &cid, "hledger", from, to).await;
        let (bc, bc_text) = check::fetch(&d.app, &d.token, &cid, "beancount", from, to).await;
        let (csv, csv_text) = check::fetch(&d.app, &d.token, &cid, "csv", from, to).await;
        let lines = check::check_csv(&csv_text, &e, &what);
        // The previous fiscal year holds only the demo's first five weeks (about 90 lines).
        assert!(lines > 50, "{what}: only {lines} lines");
        if let Some(h) = &engines.hledger {
            check::check_hledger(h, &hl, &hl_text, &e, None, &what);
            // The whole ledger, cut by hledger itself at the same dates.
            let cut = Expected::compute(&d.app, &d.access, from, end, false).await;
            check::check_hledger(
                h,
                &full_hl,
                &full_hl_text,
                &cut,
                Some((from.unwrap_or_else(check::epoch), end)),
                &format!("{what} (hledger dates)"),
            );
        }
        if let (Some(bc_check), Some(q)) = (&engines.bean_check, &engines.bean_query) {
            check::check_beancount(bc_check, q, &bc, &bc_text, &e, None, &what);
            let cut = Expected::compute(&d.app, &d.access, from, end, false).await;
            check::check_beancount(
                bc_check,
                q,
                &full_bc,
                &full_bc_text,
                &cut,
                Some((from.unwrap_or_else(check::epoch), end)),
                &format!("{what} (bean-query dates)"),
            );
        }
        if let Some(l) = &engines.ledger {
            check::check_ledger_cli(l, &hl, &what);
        }
        for f in [hl, bc, csv] {
            let _ = std::fs::remove_file(f);
        }
    }
    let _ = std::fs::remove_file(full_hl);
    let _ = std::fs::remove_file(full_bc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_company_matches_hledger_and_beancount_on_sqlite() {
    demo_matches_engines(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_company_matches_hledger_and_beancount_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        demo_matches_engines(db).await;
    }
}
