//! `Idempotency-Key` on API writes: a retry with the same key and body replays the first
//! response and creates nothing; another body is refused (422); concurrent retries create one
//! record; keys are scoped per app, company and method + path, and kept 24 h.

use crate::support::*;
use newledger_service::idempotency;
use newledger_testkit::faults::Fault;
use reqwest::Method;
use serde_json::{Value, json};

async fn with_key(
    app: &TestApp,
    token: &str,
    c: &Ctx,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
) -> Got {
    send(
        api(app, method, token, &c.company, path)
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

async fn count(app: &TestApp, c: &Ctx, path: &str) -> usize {
    get(app, &c.token, &c.company, path).await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

async fn retries_replay(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let body = json!({"name": "Soylent", "is_customer": true});
    let first = with_key(
        &app,
        &c.token,
        &c,
        Method::POST,
        "/contacts",
        "key-1",
        &body,
    )
    .await;
    first.expect(201);
    assert_eq!(first.header("idempotent-replayed"), "");
    for _ in 0..3 {
        let again = with_key(
            &app,
            &c.token,
            &c,
            Method::POST,
            "/contacts",
            "key-1",
            &body,
        )
        .await;
        again.expect(201);
        assert_eq!(again.header("idempotent-replayed"), "true");
        assert_eq!(
            again.body, first.body,
            "the original response, byte for byte in JSON"
        );
        assert_eq!(again.header("etag"), first.header("etag"));
        assert!(again.header("content-type").starts_with("application/json"));
    }
    assert_eq!(count(&app, &c, "/contacts").await, 1);

    // The same key with another body is refused and changes nothing.
    let other = json!({"name": "Soylent Corp", "is_customer": true});
    let g = with_key(
        &app,
        &c.token,
        &c,
        Method::POST,
        "/contacts",
        "key-1",
        &other,
    )
    .await;
    let b = g.invalid("Idempotency-Key");
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("different request body"),
        "{}",
        g.text
    );
    assert_eq!(count(&app, &c, "/contacts").await, 1);

    // Keys are scoped to method + path: the same key on another route is another request.
    let id = first.body["id"].as_str().unwrap();
    let g = with_key(
        &app,
        &c.token,
        &c,
        Method::PUT,
        &format!("/contacts/{id}"),
        "key-1",
        &other,
    )
    .await;
    g.expect(200);
    assert_eq!(g.body["version"], 2);
    // A PUT retried does not apply twice.
    let g = with_key(
        &app,
        &c.token,
        &c,
        Method::PUT,
        &format!("/contacts/{id}"),
        "key-1",
        &other,
    )
    .await;
    g.expect(200);
    assert_eq!(g.header("idempotent-replayed"), "true");
    assert_eq!(
        get(&app, &c.token, &c.company, &format!("/contacts/{id}"))
            .await
            .body["version"],
        2
    );

    // Scoped to the app: another app of the company using the same key is independent.
    let (id2, secret2) = app
        .app(&c.owner, &["contacts:write", "contacts:read"])
        .await;
    let t2 = app.token(&id2, &secret2).await;
    let g = with_key(&app, &t2, &c, Method::POST, "/contacts", "key-1", &body).await;
    g.expect(201);
    assert_eq!(g.header("idempotent-replayed"), "");
    assert_eq!(count(&app, &c, "/contacts").await, 2);
    // … and a new token of the same app is the same principal.
    let t3 = app.token(&c.client_id, &c.secret).await;
    let g = with_key(&app, &t3, &c, Method::POST, "/contacts", "key-1", &body).await;
    assert_eq!(g.header("idempotent-replayed"), "true");

    // A failed request keeps no key: the corrected retry runs.
    let bad = json!({"name": "", "is_customer": true});
    with_key(&app, &c.token, &c, Method::POST, "/contacts", "key-2", &bad)
        .await
        .invalid("name");
    let good = json!({"name": "Fixed", "is_customer": true});
    let g = with_key(
        &app,
        &c.token,
        &c,
        Method::POST,
        "/contacts",
        "key-2",
        &good,
    )
    .await;
    g.expect(201);
    assert_eq!(g.header("idempotent-replayed"), "");
    assert_eq!(count(&app, &c, "/contacts").await, 3);

    // Malformed keys.
    for key in ["", &"k".repeat(256), "with space"] {
        with_key(&app, &c.token, &c, Method::POST, "/contacts", key, &good)
            .await
            .invalid("Idempotency-Key");
    }
    assert_eq!(count(&app, &c, "/contacts").await, 3);

    // Kept 24 h: after that (and the hourly purge) the key is free again.
    app.clock.advance(24 * 3600 * 1000 + 1000);
    idempotency::purge(&app.svc).await.unwrap();
    let t4 = app.token(&c.client_id, &c.secret).await;
    let g = with_key(&app, &t4, &c, Method::POST, "/contacts", "key-1", &body).await;
    g.expect(201);
    assert_eq!(g.header("idempotent-replayed"), "");
}

async fn drafts_are_created_once(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let chart = chart(&app, &c.token, &c.company).await;
    let ctc = contact(&app, &c.token, &c.company, "Acme Customer").await;
    let date = today(&app);
    let body = document_body(&date, Some(&ctc), &chart.revenue, "80.00", None);
    let first = with_key(
        &app,
        &c.token,
        &c,
        Method::POST,
        "/invoices",
        "inv-2026-001",
        &body,
    )
    .await;
    first.expect(201);
    let again = with_key(
        &app,
        &c.token,
        &c,
        Method::POST,
        "/invoices",
        "inv-2026-001",
        &body,
    )
    .await;
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.body["number"], first.body["number"]);
    assert_eq!(count(&app, &c, "/invoices").await, 1);

    // Concurrent retries of one request: one runs, the others replay it or are told it is in
    // flight (409); exactly one draft exists.
    let body = json!({"date": date, "memo": "accrual", "lines": [
        {"account_id": chart.bank, "debit": "10.00"}, {"account_id": chart.other, "credit": "10.00"}]});
    let mut handles = Vec::new();
    for _ in 0..8 {
        let r = api(&app, Method::POST, &c.token, &c.company, "/journal-entries")
            .header("idempotency-key", "race-1")
            .json(&body);
        handles.push(tokio::spawn(
            async move { got(r.send().await.unwrap()).await },
        ));
    }
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for h in handles {
        let g = h.await.unwrap();
        match g.status.as_u16() {
            201 => {
                if g.header("idempotent-replayed").is_empty() {
                    created += 1;
                }
                ids.insert(g.body["id"].as_str().unwrap().to_owned());
            }
            409 => {
                g.problem(409, "conflict");
            }
            s => panic!("unexpected {s}: {}", g.text),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(count(&app, &c, "/journal-entries").await, 1);
}

/// A process that died between claiming a key and answering leaves the claim without a
/// response: retries get 409 while it could still be running, then the first retry after the
/// lease takes it over and runs, once.
async fn abandoned_claims_are_taken_over(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let body = json!({"name": "Initech", "is_customer": true});
    let raw = serde_json::to_vec(&body).unwrap();
    // What a crashed server left behind: the claim, and nothing else.
    let key = newledger_store::IdempotencyKey {
        principal_id: c.client_id.clone(),
        company_id: c.company.to_string(),
        method_path: format!("POST /api/v1/companies/{}/contacts", c.company),
        key: "crash-1".into(),
    };
    let hash = newledger_service::crypto::sha256_hex(&raw);
    app.svc
        .store
        .claim_idempotency(&key, &hash, app.svc.clock.now_ms())
        .await
        .unwrap();
    let retry = || async {
        send(
            api(&app, Method::POST, &c.token, &c.company, "/contacts")
                .header("idempotency-key", "crash-1")
                .header("content-type", "application/json")
                .body(raw.clone()),
        )
        .await
    };
    retry().await.problem(409, "conflict");
    app.clock
        .advance(app.svc.settings.idempotency_lease.as_millis() as i64 + 1);
    let taken = retry().await;
    taken.expect(201);
    assert_eq!(taken.header("idempotent-replayed"), "");
    let replay = retry().await;
    replay.expect(201);
    assert_eq!(replay.header("idempotent-replayed"), "true");
    assert_eq!(replay.body["id"], taken.body["id"]);
    assert_eq!(count(&app, &c, "/contacts").await, 1);
}

/// A client that hangs up mid-write does not cancel it: the key records the outcome and the
/// retry replays it.
async fn a_hang_up_does_not_strand_the_key(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let body = json!({"name": "Hooli", "is_customer": true});
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(1))
        .build()
        .unwrap();
    let _ = impatient
        .post(format!(
            "{}/api/v1/companies/{}/contacts",
            app.base, c.company
        ))
        .bearer_auth(&c.token)
        .header("idempotency-key", "hang-up-1")
        .json(&body)
        .send()
        .await;
    // The write finishes on its own; a retry soon sees its outcome, never a stuck claim.
    let mut last = None;
    for _ in 0..100 {
        let g = with_key(
            &app,
            &c.token,
            &c,
            Method::POST,
            "/contacts",
            "hang-up-1",
            &body,
        )
        .await;
        if g.status.as_u16() != 409 {
            last = Some(g);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let g = last.expect("the key was released or completed within 2 s");
    g.expect(201);
    assert_eq!(count(&app, &c, "/contacts").await, 1);
}

/// Drafts the invoice `body` under `key`.
async fn draft(app: &TestApp, c: &Ctx, key: &str, body: &Value) -> Got {
    with_key(app, &c.token, c, Method::POST, "/invoices", key, body).await
}

/// Invoices drafted in the company, with how many `invoice.drafted` rows the log holds.
async fn drafts_and_log_rows(app: &TestApp, c: &Ctx) -> (usize, usize) {
    let logged = app
        .svc
        .store
        .list_activity(
            &c.company,
            &newledger_store::ActivityFilter {
                action_prefix: Some("invoice.drafted".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    (count(app, c, "/invoices").await, logged)
}

/// The unit of work: the activity write fails after the draft was inserted, so the insert is
/// rolled back with it, the key is released, and the retry with the same key makes exactly one
/// draft (before, the draft stayed, the key was released as if nothing had changed, and the
/// retry made a second).
async fn a_failed_activity_write_leaves_no_draft(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let chart = chart(&app, &c.token, &c.company).await;
    let ctc = contact(&app, &c.token, &c.company, "Acme Customer").await;
    let body = document_body(&today(&app), Some(&ctc), &chart.revenue, "80.00", None);
    let fault = Fault::activity_insert("invoice.drafted");
    app.inject_fault(&fault).await;
    let failed = draft(&app, &c, "fault-1", &body).await;
    failed.problem(500, "internal");
    assert_eq!(drafts_and_log_rows(&app, &c).await, (0, 0));

    app.clear_fault(&fault).await;
    let retry = draft(&app, &c, "fault-1", &body).await;
    retry.expect(201);
    assert_eq!(retry.header("idempotent-replayed"), "");
    let again = draft(&app, &c, "fault-1", &body).await;
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.body["id"], retry.body["id"]);
    assert_eq!(drafts_and_log_rows(&app, &c).await, (1, 1));

    // Without a key too: a failed write leaves nothing.
    app.inject_fault(&fault).await;
    send(api(&app, Method::POST, &c.token, &c.company, "/invoices").json(&body))
        .await
        .problem(500, "internal");
    app.clear_fault(&fault).await;
    assert_eq!(drafts_and_log_rows(&app, &c).await, (1, 1));
}

/// Issue 12's crash window: a crash after the draft committed but before its idempotency record
/// was stored left a claim without a response, and the first retry after the 60 s lease made a
/// second draft. Now the draft and the record commit together. Here the record cannot be stored
/// and the claim cannot be released (what a crash leaves): the draft is not kept either, so the
/// retry after the lease makes the one and only draft.
async fn no_draft_commits_without_its_idempotency_record(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let chart = chart(&app, &c.token, &c.company).await;
    let ctc = contact(&app, &c.token, &c.company, "Acme Customer").await;
    let body = document_body(&today(&app), Some(&ctc), &chart.revenue, "80.00", None);
    let faults = [Fault::idempotency_response(), Fault::idempotency_release()];
    for f in &faults {
        app.inject_fault(f).await;
    }
    let failed = draft(&app, &c, "window-1", &body).await;
    failed.problem(500, "internal");
    for f in &faults {
        app.clear_fault(f).await;
    }
    assert_eq!(drafts_and_log_rows(&app, &c).await, (0, 0));

    // The claim is still there, as after a crash: in flight until the lease runs out.
    draft(&app, &c, "window-1", &body)
        .await
        .problem(409, "conflict");
    app.clock
        .advance(app.svc.settings.idempotency_lease.as_millis() as i64 + 1);
    let taken = draft(&app, &c, "window-1", &body).await;
    taken.expect(201);
    assert_eq!(taken.header("idempotent-replayed"), "");
    let replay = draft(&app, &c, "window-1", &body).await;
    assert_eq!(replay.header("idempotent-replayed"), "true");
    assert_eq!(replay.body["id"], taken.body["id"]);
    assert_eq!(drafts_and_log_rows(&app, &c).await, (1, 1));
}

newledger_testkit::both_apps!(
    retries_replay,
    drafts_are_created_once,
    abandoned_claims_are_taken_over,
    a_hang_up_does_not_strand_the_key,
    a_failed_activity_write_leaves_no_draft,
    no_draft_commits_without_its_idempotency_record
);
