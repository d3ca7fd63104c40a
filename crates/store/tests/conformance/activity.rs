//! The activity log: append, newest first, filters and `before_id` paging, company scoping.

use crate::fixtures::*;
use newledger_domain::ids::CompanyId;
use newledger_store::*;
use std::sync::Arc;

fn row(
    company: Option<&CompanyId>,
    at: i64,
    actor: (&str, &str),
    action: &str,
    target: &str,
) -> NewActivity {
    NewActivity {
        company_id: company.cloned(),
        at,
        actor_kind: actor.0.into(),
        actor_id: actor.1.into(),
        actor_label: format!("{} {}", actor.0, actor.1),
        action: action.into(),
        target_kind: "app".into(),
        target_id: target.into(),
        outcome: "success".into(),
        reason: String::new(),
        ip: "192.0.2.1".into(),
        details: r#"{"from":"a","to":"b"}"#.into(),
        count: 1,
    }
}

async fn append_and_filter(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let c = Some(b.id());
    let person = ("user", b.owner.id.as_str());
    let app = ("app", "app_one");
    let rows = vec![
        row(c, NOW, person, "app.created", "app_one"),
        row(c, NOW + 1_000, app, "token.issued", "app_one"),
        NewActivity {
            outcome: "failure".into(),
            reason: "revoked".into(),
            count: 7,
            ..row(c, NOW + 2_000, app, "token.failed", "app_one")
        },
        row(c, NOW + 3_000, person, "app.revoked", "app_one"),
        row(c, NOW + 4_000, person, "invoice.approved", "inv_x"),
        NewActivity {
            count: 0,
            ..row(c, NOW + 5_000, person, "apps.other", "app_two")
        },
    ];
    store.append_activity(&rows).await.unwrap();
    store.append_activity(&[]).await.unwrap();
    let other = books(&*store).await;
    store
        .append_activity(&[
            row(Some(other.id()), NOW, person, "app.created", "app_one"),
            row(None, NOW, ("anonymous", ""), "signin.failed", ""),
        ])
        .await
        .unwrap();

    let list = async |f: &dyn Fn(&mut ActivityFilter)| -> Vec<ActivityRecord> {
        let mut q = ActivityFilter {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        store.list_activity(b.id(), &q).await.unwrap()
    };
    let actions = |v: &[ActivityRecord]| v.iter().map(|r| r.row.action.clone()).collect::<Vec<_>>();

    let all = list(&|_| {}).await;
    assert_eq!(
        actions(&all),
        [
            "apps.other",
            "invoice.approved",
            "app.revoked",
            "token.failed",
            "token.issued",
            "app.created"
        ],
        "newest first, this company only"
    );
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    let failed = &all[3];
    assert_eq!(failed.row.company_id.as_ref(), Some(b.id()));
    assert_eq!(failed.row.at, NOW + 2_000);
    assert_eq!(
        (failed.row.actor_kind.as_str(), failed.row.actor_id.as_str()),
        app
    );
    assert_eq!(failed.row.actor_label, "app app_one");
    assert_eq!(
        (
            failed.row.target_kind.as_str(),
            failed.row.target_id.as_str()
        ),
        ("app", "app_one")
    );
    assert_eq!(
        (failed.row.outcome.as_str(), failed.row.reason.as_str()),
        ("failure", "revoked")
    );
    assert_eq!(failed.row.ip, "192.0.2.1");
    assert_eq!(failed.row.details, r#"{"from":"a","to":"b"}"#);
    assert_eq!(failed.row.count, 7, "folded rows keep their count");
    assert_eq!(all[0].row.count, 1, "a count below one is stored as one");

    assert_eq!(
        actions(&list(&|q| q.actor_kind = Some("app".into())).await),
        ["token.failed", "token.issued"]
    );
    assert_eq!(
        actions(&list(&|q| q.actor_id = Some(b.owner.id.to_string())).await),
        [
            "apps.other",
            "invoice.approved",
            "app.revoked",
            "app.created"
        ]
    );
    assert_eq!(
        actions(&list(&|q| q.action_prefix = Some("app.".into())).await),
        ["app.revoked", "app.created"],
        "a prefix with its dot does not match `apps.`"
    );
    assert_eq!(
        actions(&list(&|q| q.target_id = Some("inv_x".into())).await),
        ["invoice.approved"]
    );
    assert_eq!(
        actions(
            &list(&|q| {
                q.from = Some(NOW + 1_000);
                q.to = Some(NOW + 3_000);
            })
            .await
        ),
        ["token.failed", "token.issued"],
        "from inclusive, to exclusive"
    );
    assert_eq!(
        actions(
            &list(&|q| {
                q.actor_kind = Some("user".into());
                q.action_prefix = Some("app".into());
            })
            .await
        ),
        ["apps.other", "app.revoked", "app.created"]
    );

    // Paging: `limit` rows, then continue before the last id.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = list(&|q| {
            q.limit = 4;
            q.before_id = before;
        })
        .await;
        assert!(page.len() <= 4);
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        seen.extend(page.iter().map(|r| r.id));
    }
    assert_eq!(seen, all.iter().map(|r| r.id).collect::<Vec<_>>());
}

/// The actors seen in a company's log, once each, with a label other than the bare id when
/// one was logged; system rows, anonymous rows and other companies are left out.
async fn actors_seen(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let other = books(&*store).await;
    let c = Some(b.id());
    let person = ("user", b.owner.id.as_str());
    store
        .append_activity(&[
            row(c, NOW, person, "app.created", "app_one"),
            row(c, NOW + 1, person, "app.revoked", "app_one"),
            // A failed token request logs the client id as its label.
            NewActivity {
                actor_label: "app_one".into(),
                ..row(c, NOW + 2, ("app", "app_one"), "token.failed", "app_one")
            },
            row(c, NOW + 3, ("app", "app_one"), "invoice.drafted", "inv_x"),
            row(c, NOW + 4, ("system", ""), "demo.made", ""),
            row(c, NOW + 5, ("anonymous", ""), "signin.failed", ""),
            row(
                Some(other.id()),
                NOW,
                ("app", "app_two"),
                "app.created",
                "app_two",
            ),
        ])
        .await
        .unwrap();
    let seen = store.activity_actors(b.id()).await.unwrap();
    let got: Vec<(&str, &str, &str)> = seen
        .iter()
        .map(|a| (a.kind.as_str(), a.id.as_str(), a.label.as_str()))
        .collect();
    let person_label = format!("user {}", b.owner.id);
    assert_eq!(
        got,
        vec![
            ("app", "app_one", "app app_one"),
            ("user", b.owner.id.as_str(), person_label.as_str()),
        ]
    );
}

newledger_testkit::both_backends!(append_and_filter, actors_seen);
