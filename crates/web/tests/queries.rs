//! Queries per request: no list, report or page issues one query per row, and a read model
//! asked again before the books change is answered from memory. SQL statements are counted
//! through sqlx's own statement log (`sqlx::query` tracing events), in a test binary of its
//! own with a single test, so that nothing else runs in the process while it counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use newledger_testkit::{TestApp, spawn_app};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Statements seen while counting (background pollers of the cache epochs excluded).
#[derive(Clone, Default)]
struct Statements {
    on: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
}

struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, _: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{value:?} "));
    }
    fn record_str(&mut self, _: &Field, value: &str) {
        self.0.push_str(value);
        self.0.push(' ');
    }
}

impl<S: Subscriber> Layer<S> for Statements {
    fn enabled(&self, m: &Metadata<'_>, _: Context<'_, S>) -> bool {
        m.target() == "sqlx::query"
    }

    fn on_event(&self, e: &Event<'_>, _: Context<'_, S>) {
        if e.metadata().target() != "sqlx::query" || !self.on.load(Ordering::SeqCst) {
            return;
        }
        let mut t = Text(String::new());
        e.record(&mut t);
        // The node's own pollers (epochs every 250 ms, usage flushes in a transaction) are not
        // the request's; reads never open a transaction, so its control statements are theirs.
        // A pool opening a fresh SQLite connection runs its PRAGMAs: set-up, not a query.
        let text = t.0.trim_start();
        let control = ["BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"]
            .iter()
            .any(|c| text.starts_with(c));
        if control || text.contains("cache_epoch") || text.contains("use_count") {
            return;
        }
        self.seen.lock().unwrap().push(t.0);
    }
}

impl Statements {
    /// The statements a GET issues (status 200 asserted).
    async fn of_get(&self, app: &TestApp, url: &str, token: Option<&str>) -> Vec<String> {
        self.with_body(app, url, token).await.0
    }

    /// The statements a GET issues, and the body it answered.
    async fn with_body(
        &self,
        app: &TestApp,
        url: &str,
        token: Option<&str>,
    ) -> (Vec<String>, String) {
        self.seen.lock().unwrap().clear();
        self.on.store(true, Ordering::SeqCst);
        let mut r = app.http.get(format!("{}{url}", app.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        self.on.store(false, Ordering::SeqCst);
        assert_eq!(status, 200, "GET {url}: {body}");
        (std::mem::take(&mut *self.seen.lock().unwrap()), body)
    }

    async fn count(&self, app: &TestApp, url: &str, token: Option<&str>) -> usize {
        self.of_get(app, url, token).await.len()
    }
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Signs the person in on the app's own client (its cookie jar keeps the session).
async fn sign_in(app: &TestApp, p: &newledger_testkit::Person) {
    let form = |path: &'static str| async move {
        let html = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf_of(&html)
    };
    let csrf = form("/signin").await;
    let r = app
        .http
        .post(format!("{}/signin", app.base))
        .form(&[
            ("email", p.email.as_str()),
            ("password", &p.password),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "password step");
    let csrf = form("/signin/code").await;
    let code = app.next_totp(&p.totp_secret);
    let r = app
        .http
        .post(format!("{}/signin/code", app.base))
        .form(&[("code", code.as_str()), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "code step");
}

async fn check(stmts: &Statements, url: &str, backend: &str) {
    let app = spawn_app(url).await;
    let demo = app.demo().await;
    let t = Some(demo.token.as_str());
    let api = format!("/api/v1/companies/{}", demo.info.company_id);

    // The token's app, owner and company enter the node's credential cache on first use.
    stmts.count(&app, &format!("{api}/company"), t).await;
    // Lists: a page of 5 and a page of 50 cost the same number of queries.
    for list in [
        "invoices",
        "bills",
        "expenses",
        "contacts",
        "journal-entries",
        "payments",
    ] {
        let few = stmts.count(&app, &format!("{api}/{list}?limit=5"), t).await;
        let many = stmts
            .count(&app, &format!("{api}/{list}?limit=50"), t)
            .await;
        assert!(
            few >= 1,
            "{backend}: {list}: no statement seen (is sqlx's log hooked?)"
        );
        assert!(many <= 2, "{backend}: {list}?limit=50 took {many} queries");
        assert_eq!(
            few, many,
            "{backend}: {list}: queries grow with the page size"
        );
    }
    // A page of documents asked again before the books change is answered from memory.
    let again = stmts
        .of_get(&app, &format!("{api}/invoices?limit=50"), t)
        .await;
    assert!(again.is_empty(), "{backend}: cached page read {again:?}");

    // Reports: a handful of queries each, none at all the second time.
    for r in [
        "trial-balance",
        "profit-and-loss",
        "balance-sheet",
        "cash-summary",
        "ar-aging",
        "ap-aging",
        "expenses",
    ] {
        let seen = stmts.of_get(&app, &format!("{api}/reports/{r}"), t).await;
        let first = seen.len();
        assert!(
            (1..=5).contains(&first),
            "{backend}: report {r} took {first} queries: {seen:#?}"
        );
        let again = stmts.of_get(&app, &format!("{api}/reports/{r}"), t).await;
        assert!(
            again.is_empty(),
            "{backend}: cached report {r} read {again:?}"
        );
    }
    // The general ledger reads each account section of the page in one query (lines are
    // cut per account, with a running balance), plus the chart, the totals and the names.
    for limit in [50, 500] {
        let url = format!("{api}/reports/general-ledger?limit={limit}");
        let (seen, body) = stmts.with_body(&app, &url, t).await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let sections = v["accounts"].as_array().unwrap().len();
        assert!(
            seen.len() <= 4 + sections,
            "{backend}: general ledger of {limit} lines in {sections} accounts took {} queries",
            seen.len()
        );
        assert!(
            stmts.of_get(&app, &url, t).await.is_empty(),
            "{backend}: cached"
        );
    }
    for other in ["accounts", "bank-accounts", "company"] {
        let n = stmts.count(&app, &format!("{api}/{other}"), t).await;
        assert!(n <= 2, "{backend}: {other} took {n} queries");
    }

    // The web pages people read most: bounded, whatever the number of rows.
    sign_in(&app, &demo.person).await;
    let web = format!("/app/{}", demo.info.company_id);
    for page in [
        "",
        "/invoices",
        "/bills",
        "/expenses",
        "/drafts",
        "/activity",
        "/settings/app-connect",
    ] {
        let n = stmts.count(&app, &format!("{web}{page}"), None).await;
        assert!(n <= 16, "{backend}: page {page:?} took {n} queries");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_list_or_report_issues_a_query_per_row() {
    let stmts = Statements::default();
    let subscriber = tracing_subscriber::registry().with(stmts.clone());
    tracing::subscriber::set_global_default(subscriber).unwrap();
    newledger_testkit::db::on_both_urls(|url, backend| {
        let stmts = stmts.clone();
        async move { check(&stmts, &url, backend).await }
    })
    .await;
}
