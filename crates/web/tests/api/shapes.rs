//! The shape of every REST resource and report on the demo company, as JSON snapshots
//! (`insta`): a change of shape shows in review. The clock is fixed, so dates and amounts are
//! the same on every run; ids, instants and the server's address are redacted. Lists are
//! snapshotted as their size and first three records by number (ids, and so the list order,
//! differ between runs).

use crate::support::*;
use serde_json::Value;

/// 2026-11-23T12:00:00Z: the demo's year of activity ends here.
const FIXED_NOW_MS: i64 = 1_795_435_200_000;

/// `xxx_` + 26 lowercase base32 characters: a public id.
fn id_at(s: &[u8], i: usize) -> bool {
    s.len() >= i + 30
        && s[i..i + 3].iter().all(u8::is_ascii_lowercase)
        && s[i + 3] == b'_'
        && s[i + 4..i + 30]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        && (i == 0 || !s[i - 1].is_ascii_alphanumeric())
}

fn redact_str(s: &str, base: &str) -> String {
    if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
        return "[instant]".into();
    }
    let s = s.replace(base, "[base]");
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if id_at(b, i) {
            out.push_str(&s[i..i + 4]);
            out.push_str("[id]");
            i += 30;
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn redact(v: Value, base: &str) -> Value {
    match v {
        Value::String(s) => Value::String(redact_str(&s, base)),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| redact(v, base)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| {
                    // Cursors are opaque and carry ids.
                    let v = if k.ends_with("cursor") && v.is_string() {
                        Value::String("[cursor]".into())
                    } else {
                        redact(v, base)
                    };
                    (k, v)
                })
                .collect(),
        ),
        v => v,
    }
}

/// A list as its size and its first three records by `key`.
fn head_of(list: &Value, key: &str) -> (usize, Vec<Value>) {
    let mut data = list["data"].as_array().cloned().unwrap_or_default();
    data.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    let n = data.len();
    data.truncate(3);
    (n, data)
}

async fn resources(app: TestApp) {
    let demo = app.demo().await;
    let (t, c) = (&demo.token, &demo.info.company_id);
    let base = app.base.clone();
    let snap = |name: &str, v: Value| {
        insta::assert_json_snapshot!(name, redact(v, &base));
    };
    for one in ["company", "accounts", "bank-accounts"] {
        snap(
            one,
            get(&app, t, c, &format!("/{one}"))
                .await
                .expect(200)
                .body
                .clone(),
        );
    }
    for (list, key) in [
        ("contacts", "name"),
        ("invoices", "number"),
        ("bills", "number"),
        ("expenses", "number"),
        ("journal-entries", "number"),
        ("payments", "number"),
    ] {
        let all = get(&app, t, c, &format!("/{list}?limit=1000")).await;
        let (n, head) = head_of(&all.expect(200).body, key);
        snap(list, serde_json::json!({"count": n, "first": head}));
        let id = head[0]["id"].as_str().unwrap();
        let one = get(&app, t, c, &format!("/{list}/{id}")).await;
        snap(&format!("{list}-one"), one.expect(200).body.clone());
    }
    for r in [
        "trial-balance",
        "profit-and-loss",
        "balance-sheet",
        "cash-summary",
        "ar-aging",
        "ap-aging",
        "expenses",
        "general-ledger?limit=5",
    ] {
        let got = get(&app, t, c, &format!("/reports/{r}")).await;
        let name = format!("report-{}", r.split('?').next().unwrap_or(r));
        snap(&name, got.expect(200).body.clone());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_and_report_keeps_its_shape() {
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let app = spawn_app(&url).await;
        app.clock.set(FIXED_NOW_MS);
        resources(app).await;
    })
    .await;
}
