//! Reports against figures computed by hand.

use crate::support::*;
use newledger_domain::document::{DocumentKind, LineInput};
use newledger_domain::payment::PaymentKind;
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::books::journal::{self, JournalInput, JournalLineInput};
use newledger_service::books::payments::{self, AllocationInput, PaymentInput};
use newledger_service::{Error, company, reports};

fn line(
    desc: &str,
    q: &str,
    p: &str,
    account: newledger_domain::ids::AccountId,
    tax: &str,
) -> LineInput {
    LineInput {
        description: desc.into(),
        quantity: q.parse().unwrap(),
        unit_price: p.parse().unwrap(),
        account_id: account,
        tax_rate: tax.parse().unwrap(),
    }
}

fn jl(
    account: newledger_domain::ids::AccountId,
    dr: Option<&str>,
    cr: Option<&str>,
) -> JournalLineInput {
    JournalLineInput {
        account_id: account,
        description: "x".into(),
        contact_id: None,
        debit: dr.map(Into::into),
        credit: cr.map(Into::into),
    }
}

fn tb_amount(tb: &newledger_domain::report::TrialBalance, code: &str) -> (i64, i64) {
    tb.rows
        .iter()
        .find(|r| r.code == code)
        .map_or((0, 0), |r| (r.debit.minor, r.credit.minor))
}

#[tokio::test]
async fn reports_match_hand_computed_figures() {
    for env in backends().await {
        let svc = &env.svc;
        let a = company_access(svc).await;
        let ch = accounts(svc, &a.company.id).await;
        let customer = contact(svc, &a, "Ann's Bakery", true).await;
        let supplier = contact(svc, &a, "Landlord", false).await;
        // Capital 10,000.00 on 1 January.
        let cap = journal::create_draft(
            svc,
            &a,
            JournalInput {
                date: d(2026, 1, 1),
                memo: "Capital".into(),
                lines: vec![
                    jl(acc(&ch, "1000"), Some("10000.00"), None),
                    jl(acc(&ch, "3000"), None, Some("10000.00")),
                ],
            },
        )
        .await
        .unwrap();
        journal::post(svc, &a, &cap.id, None).await.unwrap();
        // Invoice: 2 × 500.00 at 20 % = 1,000.00 + 200.00 = 1,200.00, due 9 February.
        let inv = documents::create_draft(
            svc,
            &a,
            DocumentKind::Invoice,
            DocumentInput {
                contact_id: Some(customer.clone()),
                issue_date: d(2026, 1, 10),
                due_date: None,
                reference: String::new(),
                payment_account_id: None,
                lines: vec![line("Cakes", "2", "500.00", acc(&ch, "4000"), "20")],
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (inv.subtotal, inv.tax, inv.total, inv.due_date),
            (100_000, 20_000, 120_000, d(2026, 2, 9))
        );
        documents::approve(svc, &a, DocumentKind::Invoice, &inv.id, None)
            .await
            .unwrap();
        // Bill: rent 300.00 at 10 % = 330.00, due 29 January.
        let bill = documents::create_draft(
            svc,
            &a,
            DocumentKind::Bill,
            DocumentInput {
                contact_id: Some(supplier.clone()),
                issue_date: d(2026, 1, 15),
                due_date: Some(d(2026, 1, 29)),
                reference: String::new(),
                payment_account_id: None,
                lines: vec![line("Rent", "1", "300.00", acc(&ch, "6200"), "10")],
            },
        )
        .await
        .unwrap();
        documents::approve(svc, &a, DocumentKind::Bill, &bill.id, None)
            .await
            .unwrap();
        // Expense: bank fees 50.00, no tax.
        let exp = documents::create_draft(
            svc,
            &a,
            DocumentKind::Expense,
            DocumentInput {
                contact_id: None,
                issue_date: d(2026, 2, 1),
                due_date: None,
                reference: String::new(),
                payment_account_id: Some(acc(&ch, "1000")),
                lines: vec![line("Fees", "1", "50.00", acc(&ch, "6100"), "0")],
            },
        )
        .await
        .unwrap();
        documents::approve(svc, &a, DocumentKind::Expense, &exp.id, None)
            .await
            .unwrap();
        // Payments: bill paid in full on 5 February, invoice 700.00 on 20 February.
        payments::record(
            svc,
            &a,
            PaymentInput {
                kind: PaymentKind::Made,
                contact_id: supplier.clone(),
                bank_account_id: acc(&ch, "1000"),
                date: d(2026, 2, 5),
                amount: "330.00".into(),
                reference: String::new(),
                allocations: vec![AllocationInput {
                    document_id: bill.id.clone(),
                    amount: "330.00".into(),
                }],
            },
        )
        .await
        .unwrap();
        payments::record(
            svc,
            &a,
            PaymentInput {
                kind: PaymentKind::Received,
                contact_id: customer.clone(),
                bank_account_id: acc(&ch, "1000"),
                date: d(2026, 2, 20),
                amount: "700.00".into(),
                reference: String::new(),
                allocations: vec![AllocationInput {
                    document_id: inv.id.clone(),
                    amount: "700.00".into(),
                }],
            },
        )
        .await
        .unwrap();
        // Depreciation 100.00 on 1 March.
        let dep = journal::create_draft(
            svc,
            &a,
            JournalInput {
                date: d(2026, 3, 1),
                memo: "Depreciation".into(),
                lines: vec![
                    jl(acc(&ch, "7000"), Some("100.00"), None),
                    jl(acc(&ch, "1510"), None, Some("100.00")),
                ],
            },
        )
        .await
        .unwrap();
        journal::post(svc, &a, &dep.id, None).await.unwrap();

        let tb = reports::trial_balance(svc, &a, d(2026, 3, 31))
            .await
            .unwrap();
        assert_eq!(tb_amount(&tb, "1000"), (1_032_000, 0), "{}", env.name);
        assert_eq!(tb_amount(&tb, "1100"), (50_000, 0));
        assert_eq!(tb_amount(&tb, "1510"), (0, 10_000));
        assert_eq!(tb_amount(&tb, "2000"), (0, 0));
        assert_eq!(tb_amount(&tb, "2200"), (0, 17_000));
        assert_eq!(tb_amount(&tb, "3000"), (0, 1_000_000));
        assert_eq!(tb_amount(&tb, "4000"), (0, 100_000));
        assert_eq!(tb_amount(&tb, "6200"), (30_000, 0));
        assert_eq!(tb_amount(&tb, "6100"), (5_000, 0));
        assert_eq!(tb_amount(&tb, "7000"), (10_000, 0));
        assert_eq!(
            (tb.total_debit.minor, tb.total_credit.minor),
            (1_127_000, 1_127_000)
        );

        let pl = reports::profit_and_loss(svc, &a, d(2026, 1, 1), d(2026, 3, 31))
            .await
            .unwrap();
        assert_eq!(
            (
                pl.revenue.total.minor,
                pl.expenses.total.minor,
                pl.net_profit.minor
            ),
            (100_000, 45_000, 55_000)
        );
        let feb = reports::profit_and_loss(svc, &a, d(2026, 2, 1), d(2026, 2, 28))
            .await
            .unwrap();
        assert_eq!(feb.net_profit.minor, -5_000);

        let bs = reports::balance_sheet(svc, &a, d(2026, 3, 31))
            .await
            .unwrap();
        assert_eq!(bs.assets.total.minor, 1_072_000);
        assert_eq!(bs.liabilities.total.minor, 17_000);
        assert_eq!(bs.equity.total.minor, 1_055_000);
        assert_eq!(bs.current_year_earnings.minor, 55_000);
        assert_eq!(bs.total_liabilities_and_equity, bs.assets.total);

        let ar = |as_of| reports::aging(svc, &a, DocumentKind::Invoice, as_of);
        let r = ar(d(2026, 3, 31)).await.unwrap();
        assert_eq!(
            (r.total.days_31_60.minor, r.total.total.minor),
            (50_000, 50_000)
        );
        let r = ar(d(2026, 2, 15)).await.unwrap();
        assert_eq!(
            (r.total.days_1_30.minor, r.total.total.minor),
            (120_000, 120_000)
        );
        let r = ar(d(2026, 1, 31)).await.unwrap();
        assert_eq!((r.total.current.minor, r.rows.len()), (120_000, 1));
        assert!(
            ar(d(2026, 1, 9)).await.unwrap().rows.is_empty(),
            "not issued yet"
        );
        let ap = |as_of| reports::aging(svc, &a, DocumentKind::Bill, as_of);
        assert_eq!(
            ap(d(2026, 2, 1)).await.unwrap().total.days_1_30.minor,
            33_000
        );
        assert!(
            ap(d(2026, 2, 5)).await.unwrap().rows.is_empty(),
            "paid on the 5th"
        );

        let cash = reports::cash_summary(svc, &a, d(2026, 1, 1), d(2026, 3, 31))
            .await
            .unwrap();
        let bank = cash.accounts.iter().find(|c| c.code == "1000").unwrap();
        assert_eq!(
            (
                bank.opening.minor,
                bank.money_in.minor,
                bank.money_out.minor,
                bank.closing.minor
            ),
            (0, 1_070_000, 38_000, 1_032_000)
        );
        let months: Vec<(String, i64, i64)> = cash
            .months
            .iter()
            .map(|m| (m.month.clone(), m.money_in.minor, m.money_out.minor))
            .collect();
        assert_eq!(
            months,
            vec![
                ("2026-01".to_owned(), 1_000_000, 0),
                ("2026-02".to_owned(), 70_000, 38_000)
            ]
        );
        let cash_feb = reports::cash_summary(svc, &a, d(2026, 2, 1), d(2026, 2, 28))
            .await
            .unwrap();
        assert_eq!(cash_feb.total_opening.minor, 1_000_000);

        let ex = reports::expenses(svc, &a, d(2026, 1, 1), d(2026, 3, 31))
            .await
            .unwrap();
        assert_eq!(ex.total.minor, 45_000);
        assert_eq!(ex.months, vec!["2026-01", "2026-02", "2026-03"]);
        assert_eq!(ex.month_totals["2026-01"].minor, 30_000);
        assert_eq!(ex.month_totals["2026-03"].minor, 10_000);

        // Lock date: nothing posts on or before it, drafts still allowed.
        let a = company::update_settings(svc, &a, None, Some(Some(d(2026, 1, 31))), None)
            .await
            .map(|c| newledger_service::Access {
                company: c,
                ..a.clone()
            })
            .unwrap();
        let late = journal::create_draft(
            svc,
            &a,
            JournalInput {
                date: d(2026, 1, 20),
                memo: "late".into(),
                lines: vec![
                    jl(acc(&ch, "6100"), Some("1.00"), None),
                    jl(acc(&ch, "1000"), None, Some("1.00")),
                ],
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            journal::post(svc, &a, &late.id, None).await,
            Err(Error::PeriodLocked { .. })
        ));
        let before = reports::trial_balance(svc, &a, d(2026, 3, 31))
            .await
            .unwrap();
        assert_eq!(
            before.total_debit.minor, 1_127_000,
            "a refused posting changes nothing"
        );
        // Voiding posts a reversal dated today (30 June), outside the locked period.
        let inv2 = documents::create_draft(
            svc,
            &a,
            DocumentKind::Invoice,
            DocumentInput {
                contact_id: Some(customer),
                issue_date: d(2026, 3, 2),
                due_date: None,
                reference: String::new(),
                payment_account_id: None,
                lines: vec![line("Tart", "1", "10.00", acc(&ch, "4000"), "0")],
            },
        )
        .await
        .unwrap();
        documents::approve(svc, &a, DocumentKind::Invoice, &inv2.id, None)
            .await
            .unwrap();
        documents::void(svc, &a, DocumentKind::Invoice, &inv2.id, None)
            .await
            .unwrap();
        let tb = reports::trial_balance(svc, &a, d(2026, 6, 30))
            .await
            .unwrap();
        assert_eq!(tb_amount(&tb, "4000"), (0, 100_000), "void nets to zero");
        assert_eq!(tb.total_debit, tb.total_credit);
        let tb_march = reports::trial_balance(svc, &a, d(2026, 3, 31))
            .await
            .unwrap();
        assert_eq!(
            tb_amount(&tb_march, "4000"),
            (0, 101_000),
            "the original stays in March"
        );
    }
}

#[tokio::test]
async fn control_accounts_refuse_manual_journal_lines_and_programs_cannot_post() {
    for env in backends().await {
        let svc = &env.svc;
        let a = company_access(svc).await;
        let ch = accounts(svc, &a.company.id).await;
        let r = journal::create_draft(
            svc,
            &a,
            JournalInput {
                date: d(2026, 1, 1),
                memo: String::new(),
                lines: vec![
                    jl(acc(&ch, "1100"), Some("1.00"), None),
                    jl(acc(&ch, "1000"), None, Some("1.00")),
                ],
            },
        )
        .await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{}", env.name);
        let unbalanced = journal::create_draft(
            svc,
            &a,
            JournalInput {
                date: d(2026, 1, 1),
                memo: String::new(),
                lines: vec![
                    jl(acc(&ch, "6100"), Some("2.00"), None),
                    jl(acc(&ch, "1000"), None, Some("1.00")),
                ],
            },
        )
        .await;
        assert!(matches!(unbalanced, Err(Error::Invalid { .. })));
        // A program holding every delegable permission still cannot post.
        let app = newledger_service::Access {
            actor: newledger_domain::actor::Actor::App(newledger_domain::ids::AppId::from_suffix(
                "x",
            )),
            permissions: newledger_domain::permission::PermissionSet::delegable(),
            ..a.clone()
        };
        let draft = journal::create_draft(
            svc,
            &app,
            JournalInput {
                date: d(2026, 1, 1),
                memo: String::new(),
                lines: vec![
                    jl(acc(&ch, "6100"), Some("1.00"), None),
                    jl(acc(&ch, "1000"), None, Some("1.00")),
                ],
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            journal::post(svc, &app, &draft.id, None).await,
            Err(Error::Forbidden { .. })
        ));
        assert_eq!(draft.created_by, app.actor, "the draft records the app");
        let posted = journal::post(svc, &a, &draft.id, None).await.unwrap();
        assert!(
            matches!(
                journal::update_draft(
                    svc,
                    &a,
                    &posted.id,
                    None,
                    JournalInput {
                        date: d(2026, 1, 2),
                        memo: String::new(),
                        lines: vec![]
                    }
                )
                .await,
                Err(Error::Conflict(_))
            ),
            "posted entries are immutable"
        );
        let rev = journal::reverse(svc, &a, &posted.id, Some(d(2026, 1, 5)))
            .await
            .unwrap();
        assert_eq!(rev.reverses_id.as_ref(), Some(&posted.id));
        assert!(
            journal::reverse(svc, &a, &posted.id, None).await.is_err(),
            "only once"
        );
    }
}
