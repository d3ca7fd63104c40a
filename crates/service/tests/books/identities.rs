//! Accounting identities on the demo company (a year of every kind of activity).

use crate::support::*;
use chrono::Days;
use newledger_service::{company, demo, reports};

#[tokio::test]
async fn demo_books_satisfy_the_identities() {
    for env in backends().await {
        let svc = &env.svc;
        let info = demo::create(svc).await.unwrap();
        let user = svc.store.user_by_email(&info.email).await.unwrap().unwrap();
        let a = company::access_for_user(svc, &user.id, &info.email, &info.company_id, "t")
            .await
            .unwrap();
        let today = svc.clock.today();
        for as_of in [
            today,
            today.checked_sub_days(Days::new(100)).unwrap(),
            today.checked_sub_days(Days::new(250)).unwrap(),
        ] {
            let tb = reports::trial_balance(svc, &a, as_of).await.unwrap();
            assert_eq!(
                tb.total_debit, tb.total_credit,
                "{} trial balance {as_of}",
                env.name
            );
            let bs = reports::balance_sheet(svc, &a, as_of).await.unwrap();
            assert_eq!(
                bs.assets.total, bs.total_liabilities_and_equity,
                "balance sheet balances on {as_of}"
            );
            let fy = a.company.fiscal_year_start(as_of);
            let pl = reports::profit_and_loss(svc, &a, fy, as_of).await.unwrap();
            assert_eq!(
                pl.net_profit, bs.current_year_earnings,
                "P&L net = current year earnings"
            );
        }
        // Change in equity over a range = P&L net + direct equity postings.
        let (from, to) = (today.checked_sub_days(Days::new(200)).unwrap(), today);
        let day_before = from.checked_sub_days(Days::new(1)).unwrap();
        let eq = |bs: &newledger_domain::report::BalanceSheet| bs.equity.total.minor;
        let open = reports::balance_sheet(svc, &a, day_before).await.unwrap();
        let close = reports::balance_sheet(svc, &a, to).await.unwrap();
        let pl = reports::profit_and_loss(svc, &a, from, to).await.unwrap();
        let totals = svc
            .store
            .account_totals(&a.company.id, Some(from), to)
            .await
            .unwrap();
        let accounts = svc.store.accounts(&a.company.id).await.unwrap();
        let direct: i64 = totals
            .iter()
            .filter(|(id, _, _)| {
                accounts.iter().any(|acc| {
                    &acc.id == id && acc.class == newledger_domain::account::AccountClass::Equity
                })
            })
            .map(|(_, d, c)| c - d)
            .sum();
        assert_eq!(
            eq(&close) - eq(&open),
            pl.net_profit.minor + direct,
            "{}",
            env.name
        );
        // AR aging total = receivable balance.
        let ar = reports::aging(
            svc,
            &a,
            newledger_domain::document::DocumentKind::Invoice,
            today,
        )
        .await
        .unwrap();
        let tb = reports::trial_balance(svc, &a, today).await.unwrap();
        let recv = tb
            .rows
            .iter()
            .find(|r| r.code == "1100")
            .map_or(0, |r| r.debit.minor - r.credit.minor);
        assert_eq!(ar.total.total.minor, recv, "AR aging = accounts receivable");
        let ap = reports::aging(
            svc,
            &a,
            newledger_domain::document::DocumentKind::Bill,
            today,
        )
        .await
        .unwrap();
        let pay = tb
            .rows
            .iter()
            .find(|r| r.code == "2000")
            .map_or(0, |r| r.credit.minor - r.debit.minor);
        assert_eq!(ap.total.total.minor, pay, "AP aging = accounts payable");
    }
}

/// The demo reads like a real company: the app that drafted invoices shows when it was last
/// used, every expense names its payee, and the drafts waiting for review are not all of today.
#[tokio::test]
async fn demo_company_is_coherent() {
    for env in backends().await {
        let svc = &env.svc;
        let info = demo::create(svc).await.unwrap();
        let app_id = newledger_domain::ids::AppId::parse(&info.demo_app_client_id).unwrap();
        let app = svc.store.app(&app_id).await.unwrap().unwrap();
        assert!(
            app.last_used_at.is_some() && app.use_count > 0,
            "{}",
            env.name
        );
        let q = newledger_store::ListQuery {
            limit: 1000,
            ..Default::default()
        };
        let expenses = svc
            .store
            .list_documents(
                &info.company_id,
                newledger_domain::document::DocumentKind::Expense,
                &q,
            )
            .await
            .unwrap();
        assert!(!expenses.is_empty());
        assert!(
            expenses.iter().all(|e| e.contact_id.is_some()),
            "{}: every expense has a payee",
            env.name
        );
        let q = newledger_store::ListQuery {
            limit: 1000,
            status: Some("draft".into()),
            ..Default::default()
        };
        let drafts = svc
            .store
            .list_documents(
                &info.company_id,
                newledger_domain::document::DocumentKind::Invoice,
                &q,
            )
            .await
            .unwrap();
        let days: std::collections::BTreeSet<_> = drafts.iter().map(|d| d.issue_date).collect();
        assert!(days.len() >= 3, "{}: drafts on {days:?}", env.name);
        // Voids, discarded drafts and the log spread over the year, not all on the day the
        // demo was made: each was recorded on its own day.
        let day_of = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .date_naive()
        };
        let log = |prefix: &str| {
            let f = newledger_store::ActivityFilter {
                action_prefix: Some(prefix.into()),
                limit: 10_000,
                ..Default::default()
            };
            let store = svc.store.clone();
            let company = info.company_id.clone();
            async move { store.list_activity(&company, &f).await.unwrap() }
        };
        for action in ["invoice.voided", "invoice.discarded", "invoice.approved"] {
            let rows = log(action).await;
            let days: std::collections::BTreeSet<_> =
                rows.iter().map(|r| day_of(r.row.at)).collect();
            assert!(days.len() >= 3, "{}: {action} on {days:?}", env.name);
        }
        let all = log("").await;
        let first = all.iter().map(|r| r.row.at).min().unwrap();
        let last = all.iter().map(|r| r.row.at).max().unwrap();
        assert!(
            last - first > 300 * 86_400_000,
            "{}: the log spans the year",
            env.name
        );
        let voided = svc
            .store
            .list_documents(
                &info.company_id,
                newledger_domain::document::DocumentKind::Invoice,
                &newledger_store::ListQuery {
                    limit: 1000,
                    status: Some("voided".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(voided.len() >= 3, "{}", env.name);
    }
}
