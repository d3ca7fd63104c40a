//! Read models (`views`): what lists and pages show is decided here, once for every surface.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use newledger_domain::document::DocumentKind;
use newledger_domain::permission::{Permission, PermissionSet};
use newledger_domain::role::Role;
use newledger_service::activity::Event;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::views::{self, ListQuery, activity};
use newledger_service::{Error, company};
use newledger_testkit::{TestApp, spawn_app};

fn without(set: PermissionSet, p: Permission) -> PermissionSet {
    set.difference([p].into_iter().collect())
}

async fn on_both(test: impl AsyncFn(TestApp)) {
    newledger_testkit::db::on_both_urls(|url, _| {
        let test = &test;
        async move { test(spawn_app(&url).await).await }
    })
    .await;
}

/// An app's effective permissions are its delegated ones capped by its owner's role today; the
/// ones the owner lost are named, and an active app past its expiry shows as expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_show_what_their_owner_still_allows() {
    on_both(async |app: TestApp| {
        let p = app.owner("Acme").await;
        let bookkeeper = app.member(&p.company_id, Role::Bookkeeper).await;
        let owner = app.access(&p).await;
        let made = apps::create(
            &app.svc,
            &owner,
            NewApp {
                name: "Sync".into(),
                purpose: "tests".into(),
                owner_email: Some(bookkeeper.email.clone()),
                expires_in_days: Some(1),
                permissions: vec!["invoices:read".into(), "invoices:draft".into()],
            },
        )
        .await
        .unwrap();
        let id = made.app.id.clone();
        let v = views::apps::detail(&app.svc, &owner, &id).await.unwrap();
        assert!(v.view.lost().is_empty());
        assert!(v.view.effective.contains(Permission::InvoicesDraft));
        assert!(v.view.owner.contains(&bookkeeper.email));
        assert_eq!(v.view.status, "active");
        assert!(
            v.activity.iter().any(|r| r.row.action == "app.created"),
            "its activity"
        );

        company::set_member(&app.svc, &owner, &bookkeeper.email, Role::Viewer)
            .await
            .unwrap();
        let v = views::apps::detail(&app.svc, &owner, &id).await.unwrap();
        assert_eq!(v.view.lost(), vec![Permission::InvoicesDraft]);
        assert!(v.view.effective.contains(Permission::InvoicesRead));

        app.clock.advance(2 * 24 * 3600 * 1000);
        let list = views::apps::list(&app.svc, &owner, false).await.unwrap();
        assert_eq!(list[0].status, "expired");

        // Only people who manage App Connect read apps.
        let viewer = app.access(&bookkeeper).await;
        let refused = views::apps::list(&app.svc, &viewer, false).await;
        assert!(matches!(refused, Err(Error::Forbidden { .. })));
    })
    .await;
}

/// The activity log is for people who manage the company; others are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activity_log_is_for_managers() {
    on_both(async |app: TestApp| {
        let p = app.owner("Acme").await;
        let accountant = app.member(&p.company_id, Role::Accountant).await;
        let owner = app.access(&p).await;
        let event = Event::ok("test.done", "company", p.company_id.to_string());
        app.svc.activity.log(&owner, event).await.unwrap();
        let q = activity::ActivityQuery::default();
        let page = activity::list(&app.svc, &owner, &q, 10).await.unwrap();
        assert!(!page.rows.is_empty());
        let a = app.access(&accountant).await;
        assert!(!activity::may_read(&a));
        let refused = activity::list(&app.svc, &a, &q, 10).await;
        assert!(matches!(refused, Err(Error::Forbidden { .. })));
    })
    .await;
}

/// A document list carries contact names and authors, hides names from people who may not
/// read contacts, and is refused without the kind's read permission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_lists_carry_names_for_those_who_may_read_them() {
    on_both(async |app: TestApp| {
        let demo = app.demo().await;
        let owner = app.access(&demo.person).await;
        let q = || ListQuery {
            limit: 50,
            ..Default::default()
        };
        let page = views::documents::list(&app.svc, &owner, DocumentKind::Invoice, q())
            .await
            .unwrap();
        assert_eq!(page.data.len(), 50);
        assert!(page.data.iter().all(|v| v.contact_name.is_some()));
        assert!(page.data.iter().all(|v| !v.created_by_label.is_empty()));

        let mut blind = owner.clone();
        blind.permissions = without(blind.permissions, Permission::ContactsRead);
        let page = views::documents::list(&app.svc, &blind, DocumentKind::Invoice, q())
            .await
            .unwrap();
        assert!(page.data.iter().all(|v| v.contact_name.is_none()));

        let mut none = owner.clone();
        none.permissions = without(none.permissions, Permission::InvoicesRead);
        let refused = views::documents::list(&app.svc, &none, DocumentKind::Invoice, q()).await;
        assert!(matches!(refused, Err(Error::Forbidden { .. })));
    })
    .await;
}
