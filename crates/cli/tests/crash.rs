//! Crash safety as a client sees it: `kill -9` the server while clients draft invoices with
//! `Idempotency-Key`s, restart it on the same database, retry what was not answered. Nothing
//! acknowledged is lost, nothing is created twice, every acknowledged key replays its first
//! answer — on SQLite and (with `NEWLEDGER_TEST_DATABASE_URL`) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Dir, Server, newledger, ok, serve, tmp};

/// Crashes per backend.
const CRASHES: usize = 5;
/// Concurrent writers.
const WRITERS: usize = 4;
const KEY: &str = "4f1c2ad0c0b9d6e1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9";

struct Books {
    dir: Dir,
    url: String,
    company: String,
    client_id: String,
    secret: String,
}

impl Books {
    fn cmd(&self, args: &[&str]) -> String {
        let mut c = newledger(&self.dir, args);
        c.env("NEWLEDGER_DATABASE_URL", &self.url)
            .env("NEWLEDGER_SECRET_KEY", KEY);
        ok(&c.output().unwrap())
    }

    fn start(&self) -> Server {
        let mut c = newledger(&self.dir, Vec::<&str>::new());
        c.env("NEWLEDGER_DATABASE_URL", &self.url)
            .env("NEWLEDGER_SECRET_KEY", KEY);
        serve(
            &mut c,
            &[
                // A claim left by the killed process is taken over after one second, not 60.
                "--idempotency-lease-secs",
                "1",
                "--token-rate-per-client",
                "1000000",
                "--token-rate-per-ip",
                "1000000",
                "--api-rate-per-app",
                "1000000",
            ],
        )
    }
}

/// A person, a company and an API credential app, made with the CLI as an operator would.
fn books(url: &str) -> Books {
    let dir = tmp();
    let mut b = Books {
        dir,
        url: url.to_owned(),
        company: String::new(),
        client_id: String::new(),
        secret: String::new(),
    };
    b.cmd(&[
        "user",
        "create",
        "--email",
        "crash@example.com",
        "--name",
        "Crash",
        "--password",
        "a long enough password",
    ]);
    let c: Value = serde_json::from_str(&b.cmd(&[
        "company",
        "create",
        "--name",
        "Crash Ltd",
        "--owner",
        "crash@example.com",
        "--json",
    ]))
    .unwrap();
    b.company = c["company_id"].as_str().unwrap().to_owned();
    let company = b.company.clone();
    let a: Value = serde_json::from_str(&b.cmd(&[
        "app",
        "create",
        "--company",
        &company,
        "--name",
        "Crash writer",
        "--permission",
        "invoices:read",
        "--permission",
        "invoices:draft",
        "--permission",
        "contacts:write",
        "--permission",
        "accounts:read",
        "--json",
    ]))
    .unwrap();
    b.client_id = a["client_id"].as_str().unwrap().to_owned();
    b.secret = a["client_secret"].as_str().unwrap().to_owned();
    b
}

/// What the clients know: keys answered (with the invoice id) and keys still to send.
#[derive(Default)]
struct Ledger {
    acked: BTreeMap<String, String>,
    pending: Vec<String>,
    next: usize,
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    api: String,
    token: String,
    contact: String,
    revenue: String,
}

impl Client {
    fn body(&self, key: &str) -> Value {
        json!({
            "contact_id": self.contact,
            "issue_date": "2026-03-31",
            "reference": key,
            "lines": [{"description": "Crash test", "quantity": "1", "unit_price": "10.00",
                       "account_id": self.revenue, "tax_rate": "20"}]
        })
    }

    /// One attempt: `Some((id, replayed))` when answered 201, `None` when the server is gone or
    /// the key's earlier claim is still leased.
    async fn draft(&self, key: &str) -> Option<(String, bool)> {
        let r = self
            .http
            .post(format!("{}{}/invoices", self.base, self.api))
            .bearer_auth(&self.token)
            .header("idempotency-key", key)
            .json(&self.body(key))
            .send()
            .await
            .ok()?;
        let status = r.status().as_u16();
        let replayed = r
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let Ok(body) = r.json::<Value>().await else {
            return None; // cut mid-answer by the kill
        };
        match status {
            201 => Some((body["id"].as_str().unwrap().to_owned(), replayed)),
            409 => None,
            s => panic!("key {key}: unexpected {s} {body}"),
        }
    }
}

async fn connect(b: &Books, server: &Server, setup: Option<(&str, &str)>) -> Client {
    let http = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let t: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(&b.client_id, Some(&b.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = t["access_token"].as_str().unwrap().to_owned();
    let api = format!("/api/v1/companies/{}", b.company);
    let (contact, revenue) = match setup {
        Some((c, r)) => (c.to_owned(), r.to_owned()),
        None => {
            let c: Value = http
                .post(format!("{base}{api}/contacts"))
                .bearer_auth(&token)
                .json(&json!({"name": "Crash customer", "is_customer": true}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let accounts: Value = http
                .get(format!("{base}{api}/accounts"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let revenue = accounts["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["class"] == "revenue" || a["type"] == "revenue")
                .expect("a revenue account")["id"]
                .as_str()
                .unwrap()
                .to_owned();
            (c["id"].as_str().unwrap().to_owned(), revenue)
        }
    };
    Client {
        http,
        base,
        api,
        token,
        contact,
        revenue,
    }
}

/// Writes until the server dies: retries pending keys first, then new ones.
async fn writer(c: Client, ledger: Arc<Mutex<Ledger>>, tag: &'static str) {
    loop {
        let key = {
            let mut l = ledger.lock().unwrap();
            match l.pending.pop() {
                Some(k) => k,
                None => {
                    l.next += 1;
                    format!("crash-{tag}-{}", l.next)
                }
            }
        };
        match c.draft(&key).await {
            Some((id, _)) => {
                let mut l = ledger.lock().unwrap();
                if let Some(first) = l.acked.insert(key.clone(), id.clone()) {
                    assert_eq!(first, id, "key {key} answered with two invoices");
                }
            }
            None => {
                ledger.lock().unwrap().pending.push(key);
                // Gone (or leased): stop when the server no longer answers at all.
                if c.http
                    .get(format!("{}/healthz", c.base))
                    .send()
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn crash_while_writing(url: String, backend: &'static str) {
    let b = books(&url);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut setup: Option<(String, String)> = None;
    for round in 0..CRASHES {
        let mut server = b.start();
        let c = connect(
            &b,
            &server,
            setup.as_ref().map(|(c, r)| (c.as_str(), r.as_str())),
        )
        .await;
        setup = Some((c.contact.clone(), c.revenue.clone()));
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| tokio::spawn(writer(c.clone(), ledger.clone(), backend)))
            .collect();
        // Let the writes run for a while, then pull the plug mid-traffic.
        tokio::time::sleep(Duration::from_millis(400 + 150 * round as u64)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let l = ledger.lock().unwrap();
        eprintln!(
            "{backend}: crash {}: {} acknowledged, {} unanswered",
            round + 1,
            l.acked.len(),
            l.pending.len()
        );
    }

    // Restart for good, let the dead process's claims lapse, retry everything unanswered.
    let server = b.start();
    let c = connect(
        &b,
        &server,
        setup.as_ref().map(|(c, r)| (c.as_str(), r.as_str())),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let pending = std::mem::take(&mut ledger.lock().unwrap().pending);
    for key in pending {
        let (id, _) = c
            .draft(&key)
            .await
            .unwrap_or_else(|| panic!("{key} still unanswered after the restart"));
        ledger.lock().unwrap().acked.entry(key).or_insert(id);
    }
    let acked = std::mem::take(&mut ledger.lock().unwrap().acked);
    assert!(
        acked.len() >= 20,
        "too few writes to prove anything: {}",
        acked.len()
    );

    // Every acknowledged key replays its first answer.
    for (key, id) in &acked {
        let (again, replayed) = c.draft(key).await.unwrap();
        assert_eq!(
            &again, id,
            "{key} answered with another invoice after the crashes"
        );
        assert!(replayed, "{key} ran again instead of replaying");
    }

    // The books hold exactly one invoice per key: none lost, none twice.
    let stored = invoices(&c).await;
    let expected: BTreeSet<&String> = acked.values().collect();
    let found: BTreeSet<&String> = stored.keys().collect();
    assert_eq!(
        found, expected,
        "{backend}: invoices differ from the acknowledged writes"
    );
    for (id, reference) in &stored {
        assert_eq!(acked.get(reference), Some(id), "{id} carries {reference}");
    }
    eprintln!(
        "{backend}: {CRASHES} kill -9 crashes, {} writes acknowledged, none lost or doubled",
        acked.len()
    );
    drop(server);
}

/// Every invoice of the company: id → reference.
async fn invoices(c: &Client) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}{}/invoices?limit=1000", c.base, c.api);
        if let Some(cur) = &cursor {
            url.push_str(&format!("&cursor={cur}"));
        }
        let page: Value = c
            .http
            .get(url)
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for d in page["data"].as_array().unwrap() {
            let id = d["id"].as_str().unwrap().to_owned();
            let reference = d["reference"].as_str().unwrap().to_owned();
            assert!(out.insert(id, reference).is_none());
        }
        match page["next_cursor"].as_str() {
            Some(n) if !n.is_empty() => cursor = Some(n.to_owned()),
            _ => return out,
        }
    }
}

newledger_testkit::both_urls!(crash_while_writing);
