//! Refresh: concurrent refreshes of one token get one successor pair (rotation and reuse
//! detection are walked through in `flow`).

use crate::oauth_support::*;
use crate::support::*;

async fn concurrent_refreshes_get_one_pair(app: TestApp) {
    let p = app.owner("Acme Ltd").await;
    let (client_id, _, rt) = connected(&app, &p, &["invoices:read"]).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (http, base, id, rt) = (
            app.http.clone(),
            app.base.clone(),
            client_id.clone(),
            rt.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/oauth/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", id.as_str()),
                    ("refresh_token", rt.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "a concurrent retry is not a reuse");
            r.json::<serde_json::Value>().await.unwrap()
        }));
    }
    let mut pairs = std::collections::HashSet::new();
    for t in tasks {
        let v = t.await.unwrap();
        pairs.insert((
            v["access_token"].to_string(),
            v["refresh_token"].to_string(),
        ));
    }
    assert_eq!(
        pairs.len(),
        1,
        "every concurrent refresh got the same successor pair"
    );
    let (at, next) = pairs.into_iter().next().unwrap();
    get(&app, at.trim_matches('"'), &p.company_id, "/invoices")
        .await
        .expect(200);
    refresh(&app, &client_id, next.trim_matches('"'))
        .await
        .expect(200);
}

newledger_testkit::both_apps!(concurrent_refreshes_get_one_pair,);
