//! Cursor pagination (default 100, max 1000) through a large list, filters, and
//! `updated_since` with tombstones so that a sync never misses a removal.

use crate::support::*;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::DocumentId;
use newledger_service::books::contacts::{self, ContactInput};
use newledger_service::books::documents;
use std::collections::HashSet;

async fn pages_through_a_large_list(app: TestApp) {
    let c = ctx(&app, &["contacts:read"]).await;
    let access = owner_access(&app, &c).await;
    let mut created = HashSet::new();
    for i in 0..250 {
        let input = ContactInput {
            name: format!("Customer {i:03}"),
            is_customer: true,
            is_supplier: i % 2 == 0,
            ..ContactInput::default()
        };
        created.insert(
            contacts::create(&app.svc, &access, input)
                .await
                .unwrap()
                .id
                .to_string(),
        );
    }
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(k) => format!("/contacts?limit=100&cursor={k}"),
            None => "/contacts?limit=100".to_owned(),
        };
        let g = get(&app, &c.token, &c.company, &path).await;
        g.expect(200);
        let data = g.body["data"].as_array().unwrap();
        sizes.push(data.len());
        seen.extend(data.iter().map(|d| d["id"].as_str().unwrap().to_owned()));
        match g.body["next_cursor"].as_str() {
            Some(k) => cursor = Some(k.to_owned()),
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [100, 100, 50]);
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert_eq!(unique, created, "no gaps");

    // Default page size 100; up to 1000 in one page.
    let g = get(&app, &c.token, &c.company, "/contacts").await;
    assert_eq!(g.body["data"].as_array().unwrap().len(), 100);
    assert!(g.body["next_cursor"].is_string());
    let g = get(&app, &c.token, &c.company, "/contacts?limit=1000").await;
    assert_eq!(g.body["data"].as_array().unwrap().len(), 250);
    assert!(g.body["next_cursor"].is_null());
    // A filter pages the same way.
    let g = get(
        &app,
        &c.token,
        &c.company,
        "/contacts?status=supplier&limit=1000",
    )
    .await;
    assert_eq!(g.body["data"].as_array().unwrap().len(), 125);
    assert!(
        g.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["is_supplier"] == true)
    );
    let g = get(&app, &c.token, &c.company, "/contacts?search=Customer%2024").await;
    assert_eq!(g.body["data"].as_array().unwrap().len(), 10);
    // Out of range.
    for bad in ["0", "1001", "-5", "many"] {
        get(
            &app,
            &c.token,
            &c.company,
            &format!("/contacts?limit={bad}"),
        )
        .await
        .invalid("limit");
    }
}

async fn filters_and_tombstones(app: TestApp) {
    let c = ctx(
        &app,
        &[
            "contacts:read",
            "contacts:write",
            "invoices:read",
            "invoices:draft",
        ],
    )
    .await;
    let (t, co) = (&c.token, &c.company);
    let chart = chart_for_invoices(&app, &c).await;
    let a = contact(&app, t, co, "Alpha").await;
    let b = contact(&app, t, co, "Beta").await;
    let mk = |contact: &str, date: &str| document_body(date, Some(contact), &chart, "10.00", None);
    let i1 = post(&app, t, co, "/invoices", &mk(&a, "2026-01-10"))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let i2 = post(&app, t, co, "/invoices", &mk(&b, "2026-02-10"))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let i3 = post(&app, t, co, "/invoices", &mk(&a, "2026-03-10"))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let ids = |g: &Got| -> Vec<String> {
        g.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let g = get(&app, t, co, &format!("/invoices?contact_id={a}")).await;
    let mut got_ids = ids(&g);
    got_ids.sort();
    let mut want = vec![i1.clone(), i3.clone()];
    want.sort();
    assert_eq!(got_ids, want);
    let g = get(&app, t, co, "/invoices?from=2026-02-01&to=2026-02-28").await;
    assert_eq!(ids(&g), [i2.as_str()]);
    let g = get(&app, t, co, "/invoices?from=2026-01-10&to=2026-02-10").await;
    assert_eq!(ids(&g).len(), 2, "from and to are inclusive");
    get(&app, t, co, "/invoices?from=2026-13-01")
        .await
        .invalid("from");

    let access = owner_access(&app, &c).await;
    documents::approve(
        &app.svc,
        &access,
        DocumentKind::Invoice,
        &DocumentId::parse(&i3).unwrap(),
        None,
    )
    .await
    .unwrap();
    // A sync point; then a draft is discarded, another edited and an approved invoice voided.
    app.clock.advance(5_000);
    let since = chrono::DateTime::from_timestamp_millis(app.clock.now_ms())
        .unwrap()
        .to_rfc3339();
    app.clock.advance(5_000);
    documents::void(
        &app.svc,
        &access,
        DocumentKind::Invoice,
        &DocumentId::parse(&i3).unwrap(),
        None,
    )
    .await
    .unwrap();
    delete(&app, t, co, &format!("/invoices/{i1}"), None)
        .await
        .expect(204);
    put(
        &app,
        t,
        co,
        &format!("/invoices/{i2}"),
        None,
        &mk(&b, "2026-02-11"),
    )
    .await
    .expect(200);
    let g = get(
        &app,
        t,
        co,
        &format!("/invoices?updated_since={}", urlenc(&since)),
    )
    .await;
    g.expect(200);
    let data = g.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{data:#?}");
    let tomb = data
        .iter()
        .find(|d| d["id"] == i1.as_str())
        .expect("the discarded draft is returned as a tombstone");
    assert_eq!(tomb["status"], "discarded");
    let voided = data
        .iter()
        .find(|d| d["id"] == i3.as_str())
        .expect("the voided invoice is returned");
    assert_eq!(voided["status"], "voided");
    assert!(
        data.iter()
            .any(|d| d["id"] == i2.as_str() && d["issue_date"] == "2026-02-11")
    );
    // Status filters.
    let g = get(&app, t, co, "/invoices?status=draft").await;
    assert_eq!(ids(&g), [i2.as_str()]);
    let g = get(&app, t, co, "/invoices?status=voided").await;
    assert_eq!(ids(&g), [i3.as_str()]);
    let g = get(&app, t, co, "/invoices?status=discarded").await;
    assert_eq!(ids(&g), [i1.as_str()]);
    // Contacts changed since the sync point.
    put(
        &app,
        t,
        co,
        &format!("/contacts/{b}"),
        None,
        &serde_json::json!({"name": "Beta GmbH", "is_customer": true}),
    )
    .await
    .expect(200);
    let g = get(
        &app,
        t,
        co,
        &format!("/contacts?updated_since={}", urlenc(&since)),
    )
    .await;
    assert_eq!(ids(&g), [b.as_str()]);
}

fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn chart_for_invoices(app: &TestApp, c: &Ctx) -> String {
    let (id, secret) = app.app(&c.owner, &["accounts:read"]).await;
    let t = app.token(&id, &secret).await;
    chart(app, &t, &c.company).await.revenue
}

newledger_testkit::both_apps!(pages_through_a_large_list, filters_and_tombstones);
