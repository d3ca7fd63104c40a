//! Spreadsheet formulas in CSV files: a contact named `=HYPERLINK(…)` and lines like `=1+2`
//! reach people's spreadsheets as text (API `format=csv`, the web app's general ledger CSV),
//! while `format=csv-raw` gives programs the values exactly as stored.

use chrono::{Days, NaiveDate};
use newledger_domain::account::AccountClass;
use newledger_service::books::contacts::{self, ContactInput};
use newledger_service::books::journal::{self, JournalInput, JournalLineInput};
use newledger_service::clock::Clock;
use newledger_service::general_ledger::{self, GeneralLedgerQuery};
use newledger_service::ledger_export::Sink;
use newledger_testkit::TestApp;

const CONTACT: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";
const LINE: &str = "=1+2";
const MEMO: &str = "@SUM(1+1)*cmd|' /C calc'!A0";

struct VecSink(Vec<u8>);

impl Sink for VecSink {
    async fn write(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0.extend(chunk);
        Ok(())
    }
}

/// Posts one entry whose texts are formulas; returns its date.
async fn post_formulas(app: &TestApp, p: &newledger_testkit::Person) -> NaiveDate {
    let a = app.access(p).await;
    let contact = contacts::create(
        &app.svc,
        &a,
        ContactInput {
            name: CONTACT.into(),
            is_customer: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let accounts = app.svc.store.accounts(&a.company.id).await.unwrap();
    let pick = |class: AccountClass| {
        accounts
            .iter()
            .find(|x| x.class == class && !x.role.is_control())
            .unwrap()
            .id
            .clone()
    };
    let date = app.clock.today() - Days::new(1);
    let draft = journal::create_draft(
        &app.svc,
        &a,
        JournalInput {
            date,
            memo: MEMO.into(),
            lines: vec![
                JournalLineInput {
                    account_id: pick(AccountClass::Asset),
                    description: LINE.into(),
                    contact_id: Some(contact.id),
                    debit: Some("10.00".into()),
                    credit: None,
                },
                JournalLineInput {
                    account_id: pick(AccountClass::Revenue),
                    description: "-2+3".into(),
                    contact_id: None,
                    debit: None,
                    credit: Some("10.00".into()),
                },
            ],
        },
    )
    .await
    .unwrap();
    journal::post(&app.svc, &a, &draft.id, None).await.unwrap();
    date
}

fn cells(body: &str) -> Vec<String> {
    crate::tools::csv_rows(body).into_iter().flatten().collect()
}

/// No cell of `body` starts a formula; each formula text is there, behind an apostrophe.
fn assert_guarded(body: &str, what: &str) {
    let cells = cells(body);
    for c in &cells {
        let formula = c.starts_with(['=', '+', '@', '\t', '\r'])
            || (c.starts_with('-') && c.parse::<f64>().is_err());
        assert!(!formula, "{what}: unguarded cell {c:?}");
    }
    for text in [CONTACT, LINE, MEMO, "-2+3"] {
        assert!(
            cells.contains(&format!("'{text}")),
            "{what}: {text} missing"
        );
    }
}

async fn ledger_csvs_guard_formulas_and_raw_round_trips(app: TestApp) {
    let p = app.owner("Formula Ltd").await;
    let date = post_formulas(&app, &p).await;
    let (client, secret) = app.app(&p, &["journal:read", "reports:read"]).await;
    let token = app.token(&client, &secret).await;
    let get = |format: &'static str| {
        let (app, token, cid) = (&app, &token, &p.company_id);
        async move {
            let r = app
                .api_get(token, cid, &format!("/exports/ledger?format={format}"))
                .await;
            assert_eq!(r.status(), 200, "{format}");
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            r.text().await.unwrap()
        }
    };

    // The default CSV is for people: guarded.
    assert_guarded(&get("csv").await, "format=csv");

    // csv-raw is for programs: every value exactly as stored.
    let raw = cells(&get("csv-raw").await);
    for text in [CONTACT, LINE, MEMO, "-2+3"] {
        assert!(raw.iter().any(|c| c == text), "csv-raw: {text} not exact");
    }
    assert!(!raw.iter().any(|c| c.starts_with('\'')), "csv-raw altered");

    // The web app's general ledger download.
    let a = app.access(&p).await;
    let q = GeneralLedgerQuery {
        from: date,
        to: date,
        account_id: None,
        limit: None,
        cursor: None,
    };
    let mut sink = VecSink(Vec::new());
    general_ledger::write_csv(&app.svc, &a, &q, &mut sink)
        .await
        .unwrap();
    assert_guarded(&String::from_utf8(sink.0).unwrap(), "general ledger CSV");
}

newledger_testkit::both_apps!(ledger_csvs_guard_formulas_and_raw_round_trips);
