//! REST API v1: every list and get, drafts of every kind (create, update with ETag/If-Match,
//! discard), validation errors as problem+json that change nothing, programs never approve or
//! post, drafts record the app that made them, reports, rate-limit headers.

use crate::support::*;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::DocumentId;
use newledger_service::books::{documents, payments};
use newledger_store::ActivityFilter;
use newledger_testkit::app::Options;
use newledger_web::WebConfig;
use serde_json::{Value, json};

/// The three document kinds: (path segment, id prefix, kind).
const KINDS: [(&str, &str, DocumentKind); 3] = [
    ("invoices", "inv_", DocumentKind::Invoice),
    ("bills", "bil_", DocumentKind::Bill),
    ("expenses", "exp_", DocumentKind::Expense),
];

fn body_for(kind: DocumentKind, date: &str, contact: &str, chart: &Chart, price: &str) -> Value {
    match kind {
        DocumentKind::Invoice => document_body(date, Some(contact), &chart.revenue, price, None),
        DocumentKind::Bill => document_body(date, Some(contact), &chart.expense, price, None),
        DocumentKind::Expense => {
            document_body(date, None, &chart.expense, price, Some(&chart.bank))
        }
    }
}

fn journal_body(date: &str, chart: &Chart, debit: &str, credit: &str) -> Value {
    json!({
        "date": date,
        "memo": "Owner's contribution",
        "lines": [
            {"account_id": chart.bank, "debit": debit, "description": "in"},
            {"account_id": chart.other, "credit": credit, "description": "capital"}
        ]
    })
}

async fn reads_everything(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let (t, co) = (&c.token, &c.company);
    let access = owner_access(&app, &c).await;
    let chart = chart(&app, t, co).await;
    let date = today(&app);

    let g = get(&app, t, co, "/company").await;
    g.expect(200);
    assert_eq!(g.body["currency"], "EUR");
    assert_eq!(g.body["fiscal_year_start"], "01-01");
    assert_eq!(g.body["is_live"], true);

    let g = get(&app, t, co, "/accounts").await;
    let accounts = g.body["data"].as_array().unwrap();
    assert!(accounts.len() > 10);
    assert!(
        accounts
            .iter()
            .any(|a| a["code"] == "1000" && a["role"] == "bank")
    );
    assert!(g.body["next_cursor"].is_null());

    // Some books: an invoice approved and paid, a bill and an expense approved, a journal
    // entry posted — each drafted by the app and approved by the person.
    let ctc = contact(&app, t, co, "Globex").await;
    let mut ids = Vec::new();
    for (seg, prefix, kind) in KINDS {
        let g = post(
            &app,
            t,
            co,
            &format!("/{seg}"),
            &body_for(kind, &date, &ctc, &chart, "100.00"),
        )
        .await;
        g.expect(201);
        let id = g.body["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with(prefix), "{id}");
        documents::approve(
            &app.svc,
            &access,
            kind,
            &DocumentId::parse(&id).unwrap(),
            None,
        )
        .await
        .unwrap();
        ids.push(id);
    }
    let pay: payments::PaymentInput = serde_json::from_value(json!({
        "kind": "received", "contact_id": ctc, "bank_account_id": chart.bank, "date": date,
        "amount": "240.00", "reference": "wire", "allocations": [{"document_id": ids[0], "amount": "240.00"}]
    }))
    .unwrap();
    let payment = payments::record(&app.svc, &access, pay).await.unwrap();

    // Lists and gets of every kind.
    let g = get(&app, t, co, "/contacts").await;
    assert_eq!(g.body["data"].as_array().unwrap().len(), 1);
    let g = get(&app, t, co, &format!("/contacts/{ctc}")).await;
    g.expect(200);
    assert_eq!(g.body["name"], "Globex");
    assert_eq!(g.header("etag"), "\"v1\"");
    assert_eq!(
        g.body["created_by"],
        json!({"type": "app", "id": c.client_id})
    );

    for (i, (seg, _, kind)) in KINDS.iter().enumerate() {
        let g = get(&app, t, co, &format!("/{seg}")).await;
        g.expect(200);
        let data = g.body["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{seg}");
        assert_eq!(data[0]["id"], ids[i]);
        let g = get(&app, t, co, &format!("/{seg}/{}", ids[i])).await;
        g.expect(200);
        let d = &g.body;
        assert_eq!(d["type"], kind.as_str());
        assert_eq!(d["currency"], "EUR");
        // Money is a decimal string; tax per line.
        assert_eq!(d["subtotal"], "200.00");
        assert_eq!(d["tax"], "40.00");
        assert_eq!(d["total"], "240.00");
        assert_eq!(d["lines"][0]["net"], "200.00");
        assert_eq!(d["lines"][0]["tax"], "40.00");
        assert_eq!(d["created_by"], json!({"type": "app", "id": c.client_id}));
        assert_eq!(d["approved_by"], c.owner.user_id.to_string());
        assert!(d["journal_entry_id"].as_str().unwrap().starts_with("jnl_"));
        assert!(d["review_url"].as_str().unwrap().starts_with(&app.base));
        assert_eq!(g.header("etag"), format!("\"v{}\"", d["version"]));
        // Another kind's route does not serve it.
        let other = KINDS[(i + 1) % 3].0;
        get(&app, t, co, &format!("/{other}/{}", ids[i]))
            .await
            .problem(404, "not-found");
    }
    let inv = get(&app, t, co, &format!("/invoices/{}", ids[0])).await;
    assert_eq!(inv.body["status"], "paid");
    assert_eq!(inv.body["amount_paid"], "240.00");
    assert_eq!(inv.body["amount_due"], "0.00");
    // Still due: the approved bill in full; nothing on the expense, paid when it was spent
    // (the domain's `Document::outstanding`, as the web app shows it).
    let bill = get(&app, t, co, &format!("/bills/{}", ids[1])).await;
    assert_eq!(bill.body["status"], "approved");
    assert_eq!(bill.body["amount_due"], "240.00");
    let exp = get(&app, t, co, &format!("/expenses/{}", ids[2])).await;
    assert_eq!(exp.body["status"], "approved");
    assert_eq!(exp.body["amount_due"], "0.00");

    let g = get(&app, t, co, "/journal-entries").await;
    let entries = g.body["data"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        4,
        "invoice, bill, expense, payment: {entries:#?}"
    );
    assert!(entries.iter().all(|e| e["status"] == "posted"));
    let eid = entries[0]["id"].as_str().unwrap();
    let g = get(&app, t, co, &format!("/journal-entries/{eid}")).await;
    g.expect(200);
    let lines = g.body["lines"].as_array().unwrap();
    assert!(lines.len() >= 2);
    // Journal entries carry their review URL too, like documents.
    assert_eq!(
        g.body["review_url"],
        format!("{}/app/{co}/journal/{eid}", app.base)
    );
    assert!(entries.iter().all(|e| {
        e["review_url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&app.base))
    }));

    let g = get(&app, t, co, "/payments").await;
    assert_eq!(g.body["data"].as_array().unwrap().len(), 1);
    let g = get(&app, t, co, &format!("/payments/{}", payment.id)).await;
    g.expect(200);
    assert_eq!(g.body["amount"], "240.00");
    assert_eq!(g.body["kind"], "received");
    assert_eq!(g.body["allocations"][0]["document_id"], ids[0]);

    let g = get(&app, t, co, "/bank-accounts").await;
    let bank = g.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == chart.bank.as_str())
        .unwrap()
        .clone();
    // +240 received, −240 paid out for the expense.
    assert_eq!(bank["balance"], "0.00");
    assert_eq!(bank["currency"], "EUR");

    // Unknown ids and malformed ids are 404 problems.
    for path in [
        "/contacts/ctc_nope",
        "/invoices/inv_nope",
        "/journal-entries/nope",
        "/payments/pay_nope",
        "/contacts/x",
    ] {
        get(&app, t, co, path).await.problem(404, "not-found");
    }

    // Reports.
    let g = get(&app, t, co, "/reports/trial-balance").await;
    g.expect(200);
    assert_eq!(g.body["total_debit"], g.body["total_credit"]);
    assert_ne!(g.body["total_debit"], "0.00");
    let rows = g.body["rows"].as_array().unwrap();
    let sum = |side: &str| -> f64 {
        rows.iter()
            .map(|r| r[side].as_str().unwrap().parse::<f64>().unwrap())
            .sum()
    };
    assert!((sum("debit") - sum("credit")).abs() < 1e-9);
    let g = get(&app, t, co, "/reports/profit-and-loss").await;
    g.expect(200);
    // Revenue 200 − bill 200 − expense 200.
    assert_eq!(g.body["net_profit"], "-200.00");
    for name in [
        "balance-sheet",
        "cash-summary",
        "ar-aging",
        "ap-aging",
        "expenses",
    ] {
        let g = get(&app, t, co, &format!("/reports/{name}")).await;
        g.expect(200);
        assert!(g.body.is_object(), "{name}");
    }
    let g = get(&app, t, co, &format!("/reports/trial-balance?as_of={date}")).await;
    g.expect(200);
    get(&app, t, co, "/reports/balance-sheet?as_of=2020-01-01")
        .await
        .expect(200);
    get(&app, t, co, "/reports/trial-balance?as_of=yesterday")
        .await
        .invalid("as_of");
    get(&app, t, co, "/reports/cash-flow-forecast")
        .await
        .problem(404, "not-found");
    // Each read needs its permission.
    let (id, secret) = app.app(&c.owner, &["invoices:read"]).await;
    let narrow = app.token(&id, &secret).await;
    get(&app, &narrow, co, "/reports/trial-balance")
        .await
        .insufficient_scope("reports:read");
    get(&app, &narrow, co, "/payments")
        .await
        .insufficient_scope("bank:read");
    get(&app, &narrow, co, "/bank-accounts")
        .await
        .insufficient_scope("bank:read");
    get(&app, &narrow, co, "/journal-entries")
        .await
        .insufficient_scope("journal:read");
    get(&app, &narrow, co, "/bills")
        .await
        .insufficient_scope("bills:read");
    get(&app, &narrow, co, "/accounts")
        .await
        .insufficient_scope("accounts:read");
    get(&app, &narrow, co, "/invoices").await.expect(200);
}

async fn drafts_of_every_kind(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let (t, co) = (&c.token, &c.company);
    let chart = chart(&app, t, co).await;
    let date = today(&app);
    let ctc = contact(&app, t, co, "Initech").await;

    for (seg, _, kind) in KINDS {
        let g = post(
            &app,
            t,
            co,
            &format!("/{seg}"),
            &body_for(kind, &date, &ctc, &chart, "10.00"),
        )
        .await;
        g.expect(201);
        assert_eq!(g.header("etag"), "\"v1\"");
        assert_eq!(g.body["status"], "draft");
        assert_eq!(g.body["total"], "24.00");
        assert!(
            g.body["journal_entry_id"].is_null(),
            "a draft posts nothing"
        );
        assert_eq!(
            g.body["created_by"],
            json!({"type": "app", "id": c.client_id})
        );
        let id = g.body["id"].as_str().unwrap().to_owned();
        let item = format!("/{seg}/{id}");

        // Update with the current version.
        let g = put(
            &app,
            t,
            co,
            &item,
            Some("\"v1\""),
            &body_for(kind, &date, &ctc, &chart, "12.50"),
        )
        .await;
        g.expect(200);
        assert_eq!(g.header("etag"), "\"v2\"");
        assert_eq!(g.body["total"], "30.00");
        // A stale version is refused and changes nothing.
        let g = put(
            &app,
            t,
            co,
            &item,
            Some("\"v1\""),
            &body_for(kind, &date, &ctc, &chart, "99.00"),
        )
        .await;
        g.problem(412, "stale-version");
        let g = get(&app, t, co, &item).await;
        assert_eq!(g.body["total"], "30.00");
        assert_eq!(g.body["version"], 2);
        // Weak ETags are understood; a malformed If-Match is a validation error.
        put(
            &app,
            t,
            co,
            &item,
            Some("W/\"v2\""),
            &body_for(kind, &date, &ctc, &chart, "12.50"),
        )
        .await
        .expect(200);
        put(
            &app,
            t,
            co,
            &item,
            Some("yesterday"),
            &body_for(kind, &date, &ctc, &chart, "12.50"),
        )
        .await
        .invalid("If-Match");
        // Without If-Match the write applies to the current version.
        put(
            &app,
            t,
            co,
            &item,
            None,
            &body_for(kind, &date, &ctc, &chart, "12.50"),
        )
        .await
        .expect(200);
        // Discard: stale refused, current accepted; the draft stays as a tombstone.
        delete(&app, t, co, &item, Some("\"v1\""))
            .await
            .problem(412, "stale-version");
        let g = delete(&app, t, co, &item, Some("\"v4\"")).await;
        g.expect(204);
        assert!(g.text.is_empty());
        let g = get(&app, t, co, &item).await;
        assert_eq!(g.body["status"], "discarded");
        // A discarded draft can no longer change.
        put(
            &app,
            t,
            co,
            &item,
            None,
            &body_for(kind, &date, &ctc, &chart, "1.00"),
        )
        .await
        .problem(409, "conflict");
        delete(&app, t, co, &item, None)
            .await
            .problem(409, "conflict");
    }

    // Journal entries.
    let g = post(
        &app,
        t,
        co,
        "/journal-entries",
        &journal_body(&date, &chart, "500.00", "500.00"),
    )
    .await;
    g.expect(201);
    assert_eq!(g.body["status"], "draft");
    assert_eq!(g.body["total"], "500.00");
    assert_eq!(
        g.body["created_by"],
        json!({"type": "app", "id": c.client_id})
    );
    let item = format!("/journal-entries/{}", g.body["id"].as_str().unwrap());
    let g = put(
        &app,
        t,
        co,
        &item,
        Some("\"v1\""),
        &journal_body(&date, &chart, "750.00", "750.00"),
    )
    .await;
    g.expect(200);
    assert_eq!(g.body["total"], "750.00");
    assert_eq!(g.header("etag"), "\"v2\"");
    put(
        &app,
        t,
        co,
        &item,
        Some("\"v1\""),
        &journal_body(&date, &chart, "1.00", "1.00"),
    )
    .await
    .problem(412, "stale-version");
    delete(&app, t, co, &item, Some("\"v2\"")).await.expect(204);
    assert_eq!(get(&app, t, co, &item).await.body["status"], "discarded");

    // Contacts: create, update with If-Match, stale refused.
    let item = format!("/contacts/{ctc}");
    let g = put(
        &app,
        t,
        co,
        &item,
        Some("\"v1\""),
        &json!({"name": "Initech Corp", "is_customer": true, "email": "AP@Initech.example"}),
    )
    .await;
    g.expect(200);
    assert_eq!(g.body["name"], "Initech Corp");
    assert_eq!(g.body["email"], "ap@initech.example");
    assert_eq!(g.body["is_supplier"], false);
    assert_eq!(g.header("etag"), "\"v2\"");
    put(
        &app,
        t,
        co,
        &item,
        Some("\"v1\""),
        &json!({"name": "Stale", "is_customer": true}),
    )
    .await
    .problem(412, "stale-version");
    assert_eq!(get(&app, t, co, &item).await.body["name"], "Initech Corp");

    // The activity log records every call with the app as actor.
    let rows = app
        .svc
        .store
        .list_activity(
            co,
            &ActivityFilter {
                actor_id: Some(c.client_id.clone()),
                limit: 1000,
                ..ActivityFilter::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.row.action.as_str()).collect();
    for a in [
        "contact.created",
        "contact.updated",
        "invoice.drafted",
        "invoice.updated",
        "invoice.discarded",
        "bill.drafted",
        "expense.discarded",
        "journal.drafted",
        "journal.updated",
        "journal.discarded",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(
        rows.iter()
            .all(|r| r.row.actor_kind == "app" && r.row.ip == "127.0.0.1")
    );
}

async fn validation_errors_change_nothing(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let (t, co) = (&c.token, &c.company);
    let chart = chart(&app, t, co).await;
    let date = today(&app);
    let ctc = contact(&app, t, co, "Hooli").await;
    let activity_before = app.activity(co).await.len();

    let mut no_contact = body_for(DocumentKind::Invoice, &date, &ctc, &chart, "1.00");
    no_contact.as_object_mut().unwrap().remove("contact_id");
    let mut bad_account = body_for(DocumentKind::Invoice, &date, &ctc, &chart, "1.00");
    bad_account["lines"][0]["account_id"] = "acc_nope".into();
    let mut bank_line = body_for(DocumentKind::Bill, &date, &ctc, &chart, "1.00");
    bank_line["lines"][0]["account_id"] = chart.bank.clone().into();
    let mut early_due = body_for(DocumentKind::Invoice, &date, &ctc, &chart, "1.00");
    early_due["due_date"] = "2000-01-01".into();
    let mut no_payment_account = body_for(DocumentKind::Expense, &date, &ctc, &chart, "1.00");
    no_payment_account
        .as_object_mut()
        .unwrap()
        .remove("payment_account_id");
    let mut bad_date = body_for(DocumentKind::Invoice, &date, &ctc, &chart, "1.00");
    bad_date["issue_date"] = "31/01/2026".into();
    let mut long_ref = body_for(DocumentKind::Invoice, &date, &ctc, &chart, "1.00");
    long_ref["reference"] = "x".repeat(201).into();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/invoices", no_contact, "contact_id"),
        ("/invoices", bad_account, "lines[0].account_id"),
        ("/bills", bank_line, "lines[0].account_id"),
        ("/invoices", early_due, "due_date"),
        ("/expenses", no_payment_account, "payment_account_id"),
        ("/invoices", bad_date, "issue_date"),
        ("/invoices", long_ref, "reference"),
        (
            "/invoices",
            json!({"issue_date": date, "contact_id": ctc}),
            "lines",
        ),
        (
            "/invoices",
            json!({"issue_date": date, "contact_id": ctc, "lines": "none"}),
            "lines",
        ),
        (
            "/invoices",
            json!({"issue_date": date, "contact_id": ctc, "lines": [{"description": "x", "quantity": "1", "unit_price": "1", "tax_rate": "0"}]}),
            "lines[0].account_id",
        ),
        (
            "/invoices",
            json!({"issue_date": date, "contact_id": ctc, "lines": [{"description": "x", "quantity": "lots", "unit_price": "1", "tax_rate": "0", "account_id": chart.revenue}]}),
            "lines[0].quantity",
        ),
        (
            "/invoices",
            json!({"issue_date": date, "contact_id": 42, "lines": []}),
            "contact_id",
        ),
        (
            "/journal-entries",
            journal_body(&date, &chart, "100.00", "99.99"),
            "lines",
        ),
        (
            "/journal-entries",
            journal_body(&date, &chart, "1.001", "1.001"),
            "lines[0].debit",
        ),
        (
            "/contacts",
            json!({"name": "", "is_customer": true}),
            "name",
        ),
        ("/contacts", json!({"name": "Neither"}), "is_customer"),
        (
            "/contacts",
            json!({"name": "Bad mail", "is_customer": true, "email": "not-an-address"}),
            "email",
        ),
    ];
    for (path, body, field) in &cases {
        let g = post(&app, t, co, path, body).await;
        let b = g.invalid(field);
        assert!(
            b["detail"].as_str().unwrap().starts_with(field),
            "{}",
            g.text
        );
    }
    // Not JSON at all.
    let g = send(
        api(&app, reqwest::Method::POST, t, co, "/invoices")
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    g.problem(422, "validation");
    // Nothing was created or logged.
    for seg in ["invoices", "bills", "expenses", "journal-entries"] {
        assert_eq!(
            get(&app, t, co, &format!("/{seg}")).await.body["data"]
                .as_array()
                .unwrap()
                .len(),
            0,
            "{seg}"
        );
    }
    assert_eq!(
        get(&app, t, co, "/contacts").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let activity_after = app.activity(co).await.len();
    assert_eq!(activity_before, activity_after);
    // Invalid list parameters.
    get(&app, t, co, "/invoices?updated_since=yesterday")
        .await
        .invalid("updated_since");
}

async fn programs_never_approve_or_post(app: TestApp) {
    let c = ctx(&app, ALL_DELEGABLE).await;
    let (t, co) = (&c.token, &c.company);
    let chart = chart(&app, t, co).await;
    let date = today(&app);
    let ctc = contact(&app, t, co, "Umbrella").await;
    let g = post(
        &app,
        t,
        co,
        "/invoices",
        &body_for(DocumentKind::Invoice, &date, &ctc, &chart, "5.00"),
    )
    .await;
    let id = g.body["id"].as_str().unwrap().to_owned();
    // No route approves, posts or voids.
    for path in [
        format!("/invoices/{id}/approve"),
        format!("/invoices/{id}/post"),
        format!("/invoices/{id}/void"),
        "/payments".to_owned(),
    ] {
        let r = api(&app, reqwest::Method::POST, t, co, &path)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 404 || r.status() == 405,
            "{path}: {}",
            r.status()
        );
    }
    // A status in the body is ignored: the document stays a draft.
    let mut body = body_for(DocumentKind::Invoice, &date, &ctc, &chart, "5.00");
    body["status"] = "approved".into();
    let g = put(&app, t, co, &format!("/invoices/{id}"), None, &body).await;
    g.expect(200);
    assert_eq!(g.body["status"], "draft");
    let mut entry = journal_body(&date, &chart, "1.00", "1.00");
    entry["status"] = "posted".into();
    let g = post(&app, t, co, "/journal-entries", &entry).await;
    assert_eq!(g.body["status"], "draft");
    // Once a person approves it, the program can no longer edit or discard it.
    let access = owner_access(&app, &c).await;
    documents::approve(
        &app.svc,
        &access,
        DocumentKind::Invoice,
        &DocumentId::parse(&id).unwrap(),
        None,
    )
    .await
    .unwrap();
    put(&app, t, co, &format!("/invoices/{id}"), None, &body)
        .await
        .problem(409, "conflict");
    delete(&app, t, co, &format!("/invoices/{id}"), None)
        .await
        .problem(409, "conflict");
    // The approval is the person's, in the log next to the app's draft.
    let rows = app
        .svc
        .store
        .list_activity(
            co,
            &ActivityFilter {
                target_id: Some(id.clone()),
                limit: 100,
                ..ActivityFilter::default()
            },
        )
        .await
        .unwrap();
    let who: Vec<(&str, &str)> = rows
        .iter()
        .rev()
        .map(|r| (r.row.action.as_str(), r.row.actor_kind.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            ("invoice.drafted", "app"),
            ("invoice.updated", "app"),
            ("invoice.approved", "user")
        ]
    );
}

async fn rate_limit_headers(url: String, _backend: &'static str) {
    let mut web = WebConfig::new("http://unused");
    web.api_rate_per_app = 5;
    let app = spawn_app_with(
        &url,
        Options {
            web: Some(web),
            ..Options::default()
        },
    )
    .await;
    let c = ctx(&app, &["company:read"]).await;
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let g = get(&app, &c.token, &c.company, "/company").await;
        g.expect(200);
        assert_eq!(g.header("ratelimit-limit"), "5");
        assert!(g.header("ratelimit-reset").parse::<u64>().unwrap() <= 60);
        remaining.push(g.header("ratelimit-remaining").parse::<u32>().unwrap());
    }
    assert_eq!(remaining, [4, 3, 2, 1, 0]);
    let g = get(&app, &c.token, &c.company, "/company").await;
    g.problem(429, "rate-limited");
    assert_eq!(g.header("ratelimit-remaining"), "0");
    let retry: u64 = g.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The limit is per app: another app of the same company is not held back.
    let (id, secret) = app.app(&c.owner, &["company:read"]).await;
    let t2 = app.token(&id, &secret).await;
    get(&app, &t2, &c.company, "/company").await.expect(200);
}

newledger_testkit::both_apps!(
    reads_everything,
    drafts_of_every_kind,
    validation_errors_change_nothing,
    programs_never_approve_or_post
);
newledger_testkit::both_urls!(rate_limit_headers);

/// A REST API path asked with a method it does not take: 405 problem+json with `Allow`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_not_allowed_is_problem_json() {
    let db = newledger_testkit::db::TestDb::sqlite().await;
    let app = newledger_testkit::spawn_app(&db.url).await;
    let p = app.owner("Acme").await;
    let (id, secret) = app.app(&p, &["invoices:read"]).await;
    let token = app.token(&id, &secret).await;
    let r = app
        .http
        .patch(format!(
            "{}/api/v1/companies/{}/invoices",
            app.base, p.company_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let allow = r.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["type"], "urn:newledger:problem:method-not-allowed");
    assert_eq!(body["status"], 405);
}
