//! The activity log page: filters are applied in the query, so a filtered page is full.

use crate::support::*;
use newledger_store::NewActivity;

fn row(p: &Person, at: i64, outcome: &str) -> NewActivity {
    NewActivity {
        company_id: Some(p.company_id.clone()),
        at,
        actor_kind: "app".into(),
        actor_id: "app_test".into(),
        actor_label: "Test app".into(),
        action: "test.sync".into(),
        outcome: outcome.into(),
        details: "{}".into(),
        count: 1,
        ..Default::default()
    }
}

/// 120 failures followed by 150 newer successes: the first page of failures holds 100 rows
/// and links to the next, which holds the other 20 (filtering after the limit showed none).
#[tokio::test]
async fn the_outcome_filter_fills_every_page() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let now = app.clock.now_ms();
    let mut rows: Vec<NewActivity> = (0..120).map(|i| row(&p, now + i, "failure")).collect();
    rows.extend((0..150).map(|i| row(&p, now + 200 + i, "success")));
    app.svc.store.append_activity(&rows).await.unwrap();
    let b = sign_in(&app, &p).await;

    let (status, first) = b
        .page(&url(&p, "/activity?action=test.&outcome=failure"))
        .await;
    assert_eq!(status, 200);
    assert!(first.contains("100 events shown"), "a full first page");
    assert!(!first.contains("badge-success"));
    let next = first
        .split("href=\"")
        .find(|s| s.contains("before="))
        .and_then(|s| s.split('"').next())
        .expect("a link to older events")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(
        next.contains("outcome=failure"),
        "the filter travels: {next}"
    );
    let (_, second) = b.page(&next).await;
    assert!(
        second.contains("20 events shown"),
        "the rest on the second page: {next} {}",
        &second[second.find("shown").unwrap_or(0).saturating_sub(40)..]
    );
    assert!(!second.contains("badge-success") && !second.contains("Older events"));

    let (_, csv) = b
        .page(&url(&p, "/activity.csv?action=test.&outcome=success"))
        .await;
    assert_eq!(csv.lines().count(), 1 + 150, "header and every success");
}
