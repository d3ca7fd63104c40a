//! Revocation across nodes: two servers on one database (PostgreSQL: LISTEN/NOTIFY; SQLite:
//! the 250 ms epoch poll), and the CLI as another process. A revoke on one node must be
//! honoured by the other within one second.

use crate::support::*;
use newledger_domain::ids::CompanyId;
use newledger_service::app_connect::apps;
use newledger_store::ListQuery;
use newledger_testkit::app::Options;
use std::time::Duration;

/// Polls `node` with `token` until it is refused; returns how long that took (≤ `ms`).
async fn refused_within(node: &TestApp, token: &str, c: &Ctx, ms: u64) -> Option<Duration> {
    eventually(ms, || async {
        let g = get(node, token, &c.company, "/company").await;
        match g.status.as_u16() {
            200 => false,
            401 => {
                g.invalid_token();
                true
            }
            s => panic!("unexpected {s}: {}", g.text),
        }
    })
    .await
}

async fn revoke_on_one_node_is_honoured_by_the_other(url: String, backend: &'static str) {
    let a = spawn_app_with(&url, Options::default()).await;
    let b = spawn_app_with(&url, Options::default()).await;
    // Let both nodes' watchers start (PostgreSQL: the listener connects).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = ctx(&a, &["company:read"]).await;
    let id = c.app_id();
    for _ in 0..3 {
        // Warm node A's cache: from here it validates from memory.
        get(&a, &c.token, &c.company, "/company").await.expect(200);
    }
    // A token issued by one node is valid on the other (shared key).
    get(&b, &c.token, &c.company, "/company").await.expect(200);

    let access_b = b.access(&c.owner).await;
    let code = b.next_totp(&c.owner.totp_secret);
    apps::revoke(&b.svc, &access_b, &id, Some(&code))
        .await
        .unwrap();
    // The node that handled it refuses at once.
    get(&b, &c.token, &c.company, "/company")
        .await
        .invalid_token();
    let took = refused_within(&a, &c.token, &c, 1_000).await;
    eprintln!("{backend}: node A refused the revoked token after {took:?}");
    assert!(
        took.is_some(),
        "{backend}: node A still accepted the token 1 s after the revoke"
    );
    // And refuses the exchange.
    let g = got(a.token_response(&c.client_id, &c.secret, None).await).await;
    assert!(g.oauth_error(401, "invalid_client").contains("revoked"));

    // Restore on B: A issues new tokens again, and those work on both.
    let code = b.next_totp(&c.owner.totp_secret);
    apps::restore(&b.svc, &access_b, &id, Some(&code))
        .await
        .unwrap();
    let ok = eventually(1_000, || async {
        a.token_response(&c.client_id, &c.secret, None)
            .await
            .status()
            == 200
    })
    .await;
    assert!(
        ok.is_some(),
        "{backend}: node A did not see the restore within 1 s"
    );
    let t = a.token(&c.client_id, &c.secret).await;
    get(&b, &t, &c.company, "/company").await.expect(200);
    // The pre-revoke token stays dead on both.
    get(&a, &c.token, &c.company, "/company")
        .await
        .invalid_token();
}

/// The CLI binary next to this test binary (`target/debug/newledger`), if built.
fn cli() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("newledger");
    p.exists().then_some(p)
}

async fn revoke_from_the_cli(url: String, backend: &'static str) {
    let Some(bin) = cli() else {
        if newledger_testkit::db::require_all() {
            panic!("the CLI binary is missing; run `cargo build -p newledger` first");
        }
        eprintln!("skipped: the CLI binary is not built (cargo build -p newledger)");
        return;
    };
    let a = spawn_app_with(&url, Options::default()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = ctx(&a, &["company:read"]).await;
    get(&a, &c.token, &c.company, "/company").await.expect(200);
    let run = |cmd: &'static str| {
        let out = std::process::Command::new(&bin)
            .args([
                "app",
                cmd,
                "--company",
                c.company.as_str(),
                "--app",
                &c.client_id,
            ])
            .env("NEWLEDGER_DATABASE_URL", &url)
            .env("NEWLEDGER_SECRET_KEY", "2a".repeat(32))
            .env_remove("NEWLEDGER_CONFIG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "newledger app {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("revoke");
    let took = refused_within(&a, &c.token, &c, 1_000).await;
    eprintln!("{backend}: the server refused the token revoked by the CLI after {took:?}");
    assert!(
        took.is_some(),
        "{backend}: the server still accepted the token 1 s after `newledger app revoke`"
    );
    run("restore");
    let ok = eventually(1_000, || async {
        a.token_response(&c.client_id, &c.secret, None)
            .await
            .status()
            == 200
    })
    .await;
    assert!(
        ok.is_some(),
        "{backend}: the server did not see `newledger app restore` within 1 s"
    );
    // Both changes were logged with the operator as actor.
    let rows = a
        .svc
        .store
        .list_activity(
            &c.company,
            &newledger_store::ActivityFilter {
                target_id: Some(c.client_id.clone()),
                action_prefix: Some("app.".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .rev()
        .map(|r| (r.row.action.as_str(), r.row.actor_kind.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("app.created", "user"),
            ("app.revoked", "system"),
            ("app.restored", "system")
        ]
    );
}

async fn invoice_count(node: &TestApp, token: &str, c: &CompanyId) -> usize {
    let g = get(node, token, c, "/invoices?limit=1000").await;
    g.expect(200).body["data"].as_array().map_or(0, Vec::len)
}

async fn trial_balance(node: &TestApp, token: &str, c: &CompanyId) -> serde_json::Value {
    get(node, token, c, "/reports/trial-balance")
        .await
        .expect(200)
        .body
        .clone()
}

/// Lists and reports are cached per node; an invoice drafted and approved on one node shows in
/// the other's list and trial balance within a second, and at once on the node that wrote it.
async fn books_changed_on_one_node_show_on_the_other(url: String, backend: &'static str) {
    use newledger_domain::document::{DocumentKind, LineInput};
    use newledger_service::books::{accounts, contacts, documents};
    let a = spawn_app_with(&url, Options::default()).await;
    let b = spawn_app_with(&url, Options::default()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let demo = a.demo().await;
    let (t, c) = (demo.token.as_str(), &demo.info.company_id);
    let n = invoice_count(&a, t, c).await;
    let tb = trial_balance(&a, t, c).await;
    assert_eq!(invoice_count(&b, t, c).await, n);
    assert_eq!(trial_balance(&b, t, c).await, tb);

    let access = b.access(&demo.person).await;
    let customer = contacts::list(
        &b.svc,
        &access,
        ListQuery {
            limit: 1,
            status: Some("customer".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .data
    .remove(0);
    let revenue = accounts::list(&b.svc, &access)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.code == "4000")
        .unwrap();
    let input = documents::DocumentInput {
        contact_id: Some(customer.id),
        issue_date: b.svc.clock.today(),
        due_date: None,
        reference: "two nodes".into(),
        payment_account_id: None,
        lines: vec![LineInput {
            description: "Consulting".into(),
            quantity: "3".parse().unwrap(),
            unit_price: "100.00".parse().unwrap(),
            account_id: revenue.id,
            tax_rate: "20".parse().unwrap(),
        }],
    };
    let d = documents::create_draft(&b.svc, &access, DocumentKind::Invoice, input)
        .await
        .unwrap();
    assert_eq!(
        invoice_count(&b, t, c).await,
        n + 1,
        "{backend}: at once on B"
    );
    documents::approve(&b.svc, &access, DocumentKind::Invoice, &d.id, None)
        .await
        .unwrap();
    assert_ne!(trial_balance(&b, t, c).await, tb, "{backend}: at once on B");
    let took = eventually(1_000, || async {
        invoice_count(&a, t, c).await == n + 1 && trial_balance(&a, t, c).await != tb
    })
    .await;
    eprintln!("{backend}: node A showed the new invoice after {took:?}");
    assert!(
        took.is_some(),
        "{backend}: node A still showed the old books after 1 s"
    );
}

newledger_testkit::both_urls!(
    revoke_on_one_node_is_honoured_by_the_other,
    revoke_from_the_cli,
    books_changed_on_one_node_show_on_the_other
);
