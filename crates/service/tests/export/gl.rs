//! The general ledger report through the REST API: pages carry the running balance, openings
//! and closings agree with the trial balance, the account filter and the permissions hold.

use crate::demo::demo_on;
use chrono::{Days, Months};
use newledger_domain::ids::AccountId;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::clock::Clock;
use newledger_service::general_ledger::{self, GeneralLedgerQuery};
use newledger_service::ledger_export::Sink;
use newledger_service::{Error, reports};
use newledger_testkit::db::TestDb;
use serde_json::Value;
use std::collections::BTreeMap;

fn minor(v: &Value) -> i64 {
    crate::tools::minor(v.as_str().unwrap(), 2)
}

struct VecSink(Vec<u8>);

impl Sink for VecSink {
    async fn write(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0.extend(chunk);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn general_ledger_pages_carry_the_running_balance() {
    let d = demo_on(TestDb::sqlite().await).await;
    let c = d.access.company.clone();
    let today = d.app.clock.today();
    let from = c.fiscal_year_start(today - Days::new(365)) + Months::new(5) + Days::new(14);
    let to = today - Days::new(20);
    let tb = reports::trial_balance(&d.app.svc, &d.access, to)
        .await
        .unwrap();
    let tb_net: BTreeMap<String, i64> = tb
        .rows
        .iter()
        .map(|r| (r.account_id.to_string(), r.debit.minor - r.credit.minor))
        .collect();

    let mut cursor: Option<String> = None;
    let mut accounts: Vec<Value> = Vec::new();
    let mut lines: Vec<Value> = Vec::new();
    let mut pages = 0;
    loop {
        let mut path = format!("/reports/general-ledger?from={from}&to={to}&limit=37");
        if let Some(cur) = &cursor {
            path.push_str(&format!("&cursor={cur}"));
        }
        let r = d.app.api_get(&d.token, &c.id, &path).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        pages += 1;
        let data = p["data"].as_array().unwrap();
        for a in p["accounts"].as_array().unwrap() {
            if accounts
                .last()
                .is_none_or(|l| l["account_id"] != a["account_id"])
            {
                accounts.push(a.clone());
            }
        }
        lines.extend(data.iter().cloned());
        match p["next_cursor"].as_str() {
            Some(n) => {
                assert_eq!(data.len(), 37, "every page but the last is full");
                cursor = Some(n.to_owned());
            }
            None => break,
        }
    }
    assert!(
        pages > 5 && lines.len() > 200,
        "{pages} pages, {} lines",
        lines.len()
    );
    let mut codes: Vec<&str> = accounts
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    let sorted = {
        let mut s = codes.clone();
        s.sort();
        s
    };
    assert_eq!(codes, sorted, "accounts in code order");
    codes.dedup();
    assert_eq!(
        codes.len(),
        accounts.len(),
        "each account's section is contiguous"
    );
    for a in &accounts {
        let id = a["account_id"].as_str().unwrap();
        let mine: Vec<&Value> = lines.iter().filter(|l| l["account_id"] == id).collect();
        let mut balance = minor(&a["opening"]);
        let (mut dr, mut cr) = (0, 0);
        for l in &mine {
            balance += minor(&l["debit"]) - minor(&l["credit"]);
            dr += minor(&l["debit"]);
            cr += minor(&l["credit"]);
            assert_eq!(
                minor(&l["running_balance"]),
                balance,
                "running balance of {id}"
            );
            let date = l["date"].as_str().unwrap();
            assert!(date >= from.to_string().as_str() && date <= to.to_string().as_str());
        }
        assert_eq!(
            (dr, cr),
            (minor(&a["debit"]), minor(&a["credit"])),
            "range totals of {id}"
        );
        assert_eq!(balance, minor(&a["closing"]), "closing of {id}");
        assert_eq!(
            minor(&a["closing"]),
            tb_net.get(id).copied().unwrap_or(0),
            "closing = trial balance of {id}"
        );
    }

    // One account alone gives the same lines and balances.
    let bank = accounts.iter().find(|a| a["code"] == "1000").unwrap();
    let bank_id = bank["account_id"].as_str().unwrap();
    let r = d
        .app
        .api_get(
            &d.token,
            &c.id,
            &format!("/reports/general-ledger?from={from}&to={to}&account_id={bank_id}&limit=1000"),
        )
        .await;
    let p: Value = r.json().await.unwrap();
    let alone: Vec<&Value> = p["data"].as_array().unwrap().iter().collect();
    let within: Vec<&Value> = lines
        .iter()
        .filter(|l| l["account_id"] == bank_id)
        .collect();
    assert_eq!(alone, within);
    assert_eq!(p["accounts"][0]["closing"], bank["closing"]);

    // Lines = the exported lines of the range (CSV: one row per posted line).
    let csv = d
        .app
        .api_get(
            &d.token,
            &c.id,
            &format!("/exports/ledger?format=csv&from={from}&to={to}"),
        )
        .await
        .text()
        .await
        .unwrap();
    let rows = crate::tools::csv_rows(&csv);
    assert_eq!(
        rows.iter().skip(1).filter(|r| r[1] != "OPENING").count(),
        lines.len()
    );

    // The CSV download of the web page: an opening row, the lines, a closing row per account.
    let mut sink = VecSink(Vec::new());
    let q = GeneralLedgerQuery {
        from,
        to,
        account_id: None,
        limit: None,
        cursor: None,
    };
    general_ledger::check(&d.app.svc, &d.access, &q)
        .await
        .unwrap();
    let nowhere = GeneralLedgerQuery {
        account_id: Some(AccountId::from_suffix("01nosuchaccount")),
        ..q.clone()
    };
    assert!(matches!(
        general_ledger::check(&d.app.svc, &d.access, &nowhere).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        general_ledger::csv_file_name(&q),
        format!("general-ledger-{from}-{to}.csv")
    );
    general_ledger::write_csv(&d.app.svc, &d.access, &q, &mut sink)
        .await
        .unwrap();
    let gl_rows = crate::tools::csv_rows(std::str::from_utf8(&sink.0).unwrap());
    assert_eq!(
        gl_rows[0],
        general_ledger::CSV_HEADER.map(str::to_owned).to_vec()
    );
    let kinds = |k: &str| gl_rows.iter().filter(|r| r[0] == k).count();
    assert_eq!(kinds("line"), lines.len());
    assert_eq!(kinds("opening"), accounts.len());
    assert_eq!(kinds("closing"), accounts.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_and_bad_input_are_refused() {
    let d = demo_on(TestDb::sqlite().await).await;
    let cid = d.access.company.id.clone();
    let token_with = |perm: &'static str| {
        let d = &d;
        async move {
            let a = apps::create(
                &d.app.svc,
                &d.access,
                NewApp {
                    name: format!("only {perm}"),
                    purpose: "tests".into(),
                    owner_email: None,
                    expires_in_days: None,
                    permissions: vec![perm.into()],
                },
            )
            .await
            .unwrap();
            d.app.token(a.app.id.as_str(), &a.client_secret).await
        }
    };
    let journal_only = token_with("journal:read").await;
    let reports_only = token_with("reports:read").await;
    let get = |t: String, p: &'static str| {
        let d = &d;
        let cid = cid.clone();
        async move { d.app.api_get(&t, &cid, p).await.status().as_u16() }
    };
    assert_eq!(
        get(journal_only.clone(), "/reports/general-ledger").await,
        403
    );
    assert_eq!(
        get(journal_only.clone(), "/exports/ledger?format=csv").await,
        200
    );
    assert_eq!(
        get(reports_only.clone(), "/exports/ledger?format=csv").await,
        403
    );
    assert_eq!(
        get(reports_only.clone(), "/reports/general-ledger").await,
        200
    );
    assert_eq!(
        get(d.token.clone(), "/exports/ledger?format=xml").await,
        422
    );
    assert_eq!(get(d.token.clone(), "/exports/ledger").await, 422);
    assert_eq!(
        get(
            d.token.clone(),
            "/exports/ledger?format=csv&from=2025-02-01&to=2025-01-01"
        )
        .await,
        422
    );
    assert_eq!(
        get(d.token.clone(), "/exports/ledger?format=csv&from=yesterday").await,
        422
    );
    assert_eq!(
        get(d.token.clone(), "/reports/general-ledger?cursor=bm9wZQ").await,
        422
    );
    assert_eq!(
        get(d.token.clone(), "/reports/general-ledger?limit=0").await,
        422
    );
    assert_eq!(
        get(
            d.token.clone(),
            "/reports/general-ledger?account_id=acc_01nosuchaccount"
        )
        .await,
        404
    );
    let other = d.app.owner("Other Ltd").await;
    let r = d
        .app
        .api_get(&d.token, &other.company_id, "/exports/ledger?format=csv")
        .await;
    assert_eq!(r.status(), 401, "a token of another company");
}
