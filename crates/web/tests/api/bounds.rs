//! Bounded work per request: dates outside 1900-01-01 … 2199-12-31 and monthly reports over
//! 120 months are refused with a 422 naming the field; arbitrary dates thrown at every report
//! and list endpoint get a quick answer; oversized bodies get 413 in their surface's language;
//! (the time limit is tested beside its layer, in `limits.rs`).

use crate::support::*;
use newledger_testkit::app::{Options, TestApp, spawn_app_with};
use newledger_web::WebConfig;
use proptest::prelude::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// Every answer must come well within this, whatever the input.
const QUICK: Duration = Duration::from_secs(5);

async fn timed_get(app: &TestApp, c: &Ctx, path: &str) -> Got {
    let started = Instant::now();
    let g = tokio::time::timeout(QUICK, get(app, &c.token, &c.company, path))
        .await
        .unwrap_or_else(|_| panic!("{path} did not answer within {QUICK:?}"));
    assert!(
        started.elapsed() < QUICK,
        "{path} took {:?}",
        started.elapsed()
    );
    g
}

const REPORTS: [&str; 8] = [
    "trial-balance",
    "profit-and-loss",
    "balance-sheet",
    "cash-summary",
    "ar-aging",
    "ap-aging",
    "expenses",
    "general-ledger",
];

const LISTS: [&str; 6] = [
    "invoices",
    "bills",
    "expenses",
    "journal-entries",
    "payments",
    "contacts",
];

async fn dates_out_of_range_are_refused(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    // The reported attack: the month loop never ended and memory grew until the process died.
    let far = "from=%2B262142-12-01&to=%2B262142-12-31";
    for r in [
        "expenses",
        "cash-summary",
        "profit-and-loss",
        "general-ledger",
    ] {
        timed_get(&app, &c, &format!("/reports/{r}?{far}"))
            .await
            .invalid("from");
    }
    timed_get(&app, &c, "/exports/ledger?format=csv&from=%2B262142-12-01")
        .await
        .invalid("from");
    for r in ["trial-balance", "balance-sheet", "ar-aging", "ap-aging"] {
        timed_get(&app, &c, &format!("/reports/{r}?as_of=2200-01-01"))
            .await
            .invalid("as_of");
        timed_get(&app, &c, &format!("/reports/{r}?as_of=1899-12-31"))
            .await
            .invalid("as_of");
    }
    for l in LISTS {
        timed_get(&app, &c, &format!("/{l}?to=-0001-01-01"))
            .await
            .invalid("to");
    }
    // The edges themselves are accepted.
    timed_get(&app, &c, "/reports/trial-balance?as_of=2199-12-31")
        .await
        .expect(200);
    timed_get(
        &app,
        &c,
        "/reports/profit-and-loss?from=1900-01-01&to=2199-12-31",
    )
    .await
    .expect(200);
    // Monthly reports: 120 months at most, said in the error.
    timed_get(&app, &c, "/reports/expenses?from=2020-01-01&to=2029-12-31")
        .await
        .expect(200);
    let b = timed_get(
        &app,
        &c,
        "/reports/cash-summary?from=2020-01-01&to=2030-01-01",
    )
    .await;
    assert!(
        b.invalid("to")["detail"]
            .as_str()
            .unwrap()
            .contains("120 months")
    );
    // Written dates: refused, and nothing is created.
    let chart = chart(&app, &c.token, &c.company).await;
    let customer = contact(&app, &c.token, &c.company, "Far Future Ltd").await;
    let body = document_body("2200-01-01", Some(&customer), &chart.revenue, "10.00", None);
    post(&app, &c.token, &c.company, "/invoices", &body)
        .await
        .invalid("issue_date");
    let mut body = document_body("2026-01-01", Some(&customer), &chart.revenue, "10.00", None);
    body["due_date"] = json!("+10000-01-01");
    post(&app, &c.token, &c.company, "/invoices", &body)
        .await
        .invalid("due_date");
    let journal = json!({
        "date": "1850-06-30",
        "memo": "Too early",
        "lines": [
            {"account_id": chart.bank, "debit": "1.00"},
            {"account_id": chart.other, "credit": "1.00"}
        ]
    });
    post(&app, &c.token, &c.company, "/journal-entries", &journal)
        .await
        .invalid("date");
    for l in ["invoices", "journal-entries"] {
        let g = timed_get(&app, &c, &format!("/{l}")).await;
        g.expect(200);
        assert_eq!(g.body["data"].as_array().unwrap().len(), 0, "{}", g.text);
    }
}

/// Arbitrary date strings — real dates over chrono's whole range, signed years, garbage — at
/// every report and list endpoint: always a quick 200, 400 or 422, never a server error.
async fn arbitrary_dates_get_a_bounded_answer(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let date = prop_oneof![
        (-262_000i32..262_000, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y:+}-{m:02}-{d:02}")),
        (1850i32..2250, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        "[0-9+-]{0,14}",
        Just("%2B262142-12-31".to_owned()),
    ];
    let cases = (date.clone(), date, 0usize..REPORTS.len() + LISTS.len());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&cases, |(a, b, which)| {
            let path = if which < REPORTS.len() {
                let r = REPORTS[which];
                format!("/reports/{r}?from={a}&to={b}&as_of={a}")
            } else {
                format!("/{}?from={a}&to={b}", LISTS[which - REPORTS.len()])
            };
            let g = handle.block_on(timed_get(&app, &c, &path));
            prop_assert!(
                [200, 400, 422].contains(&g.status.as_u16()),
                "{path}: {} {}",
                g.status,
                g.text
            );
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn oversized_bodies_are_refused_in_each_surface(url: String, _backend: &'static str) {
    let mut web = WebConfig::new("http://unused");
    web.body_limit = 64 * 1024;
    let app = spawn_app_with(
        &url,
        Options {
            web: Some(web),
            ..Options::default()
        },
    )
    .await;
    let c = ctx(&app, ALL_DELEGABLE).await;
    // A declared length over the limit is answered at once, before any byte of the body is
    // sent (as a client using `Expect: 100-continue` would see it), in each surface's language.
    let declared = |path: &str, ct: &str, auth: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {ct}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            65 * 1024
        )
    };
    let bearer = format!("Authorization: Bearer {}\r\n", c.token);
    let api_path = format!("/api/v1/companies/{}/contacts", c.company);
    let answer = raw_exchange(&app, declared(&api_path, "application/json", &bearer), None).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(
        answer.contains("urn:newledger:problem:payload-too-large"),
        "{answer}"
    );
    let form = "application/x-www-form-urlencoded";
    let answer = raw_exchange(&app, declared("/oauth/token", form, ""), None).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("cache-control: no-store"), "{answer}");
    assert!(answer.contains("\"error\":\"invalid_request\""), "{answer}");
    let answer = raw_exchange(&app, declared("/signin", form, ""), None).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("content-type: text/html"), "{answer}");
    // A body of unknown length (chunked) is cut while it is read.
    let head = format!(
        "POST /api/v1/companies/{}/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        c.company, c.token
    );
    let answer = raw_exchange(
        &app,
        head,
        Some((0..80).map(|_| vec![b' '; 1024]).collect()),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Under the limit, all is as before.
    post(
        &app,
        &c.token,
        &c.company,
        "/contacts",
        &json!({"name": "Small Ltd", "is_customer": true}),
    )
    .await
    .expect(201);
}

/// Sends `head`, then `chunks` (if any) in chunked encoding, and reads the answer (the server
/// may stop reading early; writes after that are ignored).
async fn raw_exchange(app: &TestApp, head: String, chunks: Option<Vec<Vec<u8>>>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let Some(chunks) = chunks else {
        let mut out = Vec::new();
        let _ = tokio::time::timeout(QUICK, s.read_to_end(&mut out)).await;
        return String::from_utf8_lossy(&out).into_owned();
    };
    for c in chunks {
        let mut frame = format!("{:x}\r\n", c.len()).into_bytes();
        frame.extend_from_slice(&c);
        frame.extend_from_slice(b"\r\n");
        if s.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(QUICK, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

newledger_testkit::both_apps!(
    dates_out_of_range_are_refused,
    arbitrary_dates_get_a_bounded_answer
);
newledger_testkit::both_urls!(oversized_bodies_are_refused_in_each_surface);
