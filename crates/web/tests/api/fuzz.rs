//! Property tests of the parsers that face the network, over the real server: the token form and
//! its Basic header, bearer tokens, dates and money in JSON bodies, and the JSON bodies of every
//! write. Arbitrary bytes and structured near-misses must get a well-formed 4xx in the
//! surface's language — never a server error, never a hang — and a refused write changes
//! nothing.
//!
//! Each property runs `NEWLEDGER_FUZZ_CASES` cases (default 48); `scripts/fuzz.sh` runs a longer
//! campaign. Inputs that once failed are kept in the `REGRESSIONS` lists and replayed first.

use crate::support::*;
use base64::Engine;
use newledger_testkit::app::TestApp;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::time::Duration;

fn runner() -> TestRunner {
    let cases = std::env::var("NEWLEDGER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

type Case<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// Runs an async check per generated case on the current runtime.
fn check<'a, S: Strategy>(strategy: S, regressions: Vec<S::Value>, f: impl Fn(S::Value) -> Case<'a>)
where
    S::Value: Clone + std::fmt::Debug,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        for r in regressions {
            handle.block_on(f(r));
        }
        let result = runner().run(&strategy, |v| {
            handle.block_on(f(v));
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    });
}

async fn quick(r: reqwest::RequestBuilder) -> Got {
    tokio::time::timeout(Duration::from_secs(10), send(r))
        .await
        .expect("answered within 10 s")
}

fn bytes_or_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        "[ -~]{0,300}".prop_map(String::into_bytes),
        (
            "(client_credentials|authorization_code|refresh_token|password|)",
            "[a-z_:% ]{0,40}",
            "[A-Za-z0-9_%+=&-]{0,80}"
        )
            .prop_map(|(g, s, x)| format!("grant_type={g}&scope={s}&{x}").into_bytes()),
    ]
}

/// The token endpoint: any body, any Authorization header → RFC 6749 JSON, `no-store`, 4xx.
async fn token_endpoint_parses_anything(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let url = format!("{}/oauth/token", app.base);
    let regressions = vec![
        (
            b"grant_type=client_credentials&client_id=%ZZ".to_vec(),
            0u8,
            String::new(),
        ),
        (
            b"grant_type=client_credentials&client_id=&client_secret=".to_vec(),
            1,
            "Og==".into(),
        ),
        (b"\xff\xfe".to_vec(), 2, "\u{0}".into()),
    ];
    let strategy = (bytes_or_text(), 0u8..4, "[ -~]{0,120}");
    let (app, c, url) = (&app, &c, &url);
    check(strategy, regressions, |(body, how, header)| {
        let mut r = app
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        r = match how {
            0 => r,
            1 => r.header("authorization", format!("Basic {header}")),
            2 => r.header(
                "authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:{header}", c.client_id))
                ),
            ),
            _ => r.header("authorization", format!("Bearer {header}")),
        };
        let r = r;
        Box::pin(async move {
            let g = quick(r).await;
            let status = g.status.as_u16();
            assert!((400..500).contains(&status), "{status}: {}", g.text);
            assert_eq!(g.header("cache-control"), "no-store", "{}", g.text);
            assert!(g.body["error"].is_string(), "{}", g.text);
        })
    });
}

/// Bearer tokens: anything that is not a token this server issued is a 401 `invalid_token`,
/// including a real token with one byte changed.
async fn bearer_tokens_parse_anything(app: TestApp) {
    let c = ctx(&app, &["company:read"]).await;
    let real = c.token.clone();
    let tampered = prop_oneof![
        "[ -~]{0,400}",
        (0..real.len(), any::<u8>()).prop_map({
            let real = real.clone();
            move |(i, b)| {
                let mut v = real.clone().into_bytes();
                let b = b'!' + b % 90;
                if v[i] == b {
                    v[i] = if b == b'A' { b'B' } else { b'A' };
                } else {
                    v[i] = b;
                }
                String::from_utf8_lossy(&v).into_owned()
            }
        }),
        "nlat_[A-Za-z0-9_.-]{0,300}",
    ];
    let regressions = vec![
        String::new(),
        " ".to_owned(),
        "nlat_.".to_owned(),
        "nlat_".to_owned() + &"A".repeat(3000),
        format!("{real}."),
    ];
    let (app, c) = (&app, &c);
    check(tampered, regressions, |t| {
        let r = api(app, reqwest::Method::GET, &t, &c.company, "/company");
        let blank = t.trim().is_empty();
        Box::pin(async move {
            let g = quick(r).await;
            if [400, 429].contains(&g.status.as_u16()) {
                // Not even a valid header value, or a long campaign met the rate limit.
                return;
            }
            if blank {
                // No credentials at all: 401 without an error code (RFC 6750 §3.1).
                g.expect(401);
                return;
            }
            g.invalid_token();
        })
    });
}

fn near_miss_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[ -~]{0,20}".prop_map(Value::from),
        // Dates and amounts that almost parse.
        "(\\+|-)?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}".prop_map(Value::from),
        "-?[0-9]{0,20}(\\.[0-9]{0,6})?(e[0-9]{1,3})?".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("issue_date".to_owned()),
                    Just("due_date".to_owned()),
                    Just("date".to_owned()),
                    Just("contact_id".to_owned()),
                    Just("lines".to_owned()),
                    Just("name".to_owned()),
                    Just("unit_price".to_owned()),
                    Just("quantity".to_owned()),
                    Just("debit".to_owned()),
                    Just("credit".to_owned()),
                    Just("tax_rate".to_owned()),
                    Just("account_id".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every write, with arbitrary JSON (and raw bytes): a 4xx problem, and nothing created.
async fn write_bodies_parse_anything(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let writes = [
        "/contacts",
        "/invoices",
        "/bills",
        "/expenses",
        "/journal-entries",
    ];
    let strategy = (
        prop_oneof![
            near_miss_json().prop_map(|v| v.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..300),
        ],
        0..writes.len(),
    );
    let regressions = vec![
        (
            br#"{"issue_date":"+262142-12-31","lines":[]}"#.to_vec(),
            1usize,
        ),
        (
            br#"{"date":"2026-01-01","lines":[{"debit":"1e400"}]}"#.to_vec(),
            4,
        ),
        (
            br#"{"name":"=1+2","is_customer":true,"is_supplier":"yes"}"#.to_vec(),
            0,
        ),
    ];
    let (app, c) = (&app, &c);
    check(strategy, regressions, |(body, which)| {
        let r = api(
            app,
            reqwest::Method::POST,
            &c.token,
            &c.company,
            writes[which],
        )
        .header("content-type", "application/json")
        .body(body);
        Box::pin(async move {
            let g = quick(r).await;
            let status = g.status.as_u16();
            // A random body may, rarely, be a valid contact; anything else is refused.
            if status == 201 {
                assert_eq!(which, 0, "{}", g.text);
                return;
            }
            assert!((400..500).contains(&status), "{status}: {}", g.text);
            assert_eq!(
                g.header("content-type"),
                "application/problem+json",
                "{}",
                g.text
            );
        })
    });
    for w in &writes[1..] {
        let g = get(app, &c.token, &c.company, w).await;
        g.expect(200);
        assert_eq!(g.body["data"].as_array().map(Vec::len), Some(0), "{w}");
    }
}

newledger_testkit::both_apps!(
    token_endpoint_parses_anything,
    bearer_tokens_parse_anything,
    write_bodies_parse_anything
);
