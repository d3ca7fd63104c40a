//! Random operation sequences through the use cases, on each backend: the ledger never becomes
//! unbalanced, posted entries never change, nothing posts on or before the lock date.

use crate::support::*;
use chrono::{Days, NaiveDate};
use newledger_domain::document::{DocumentKind, DocumentStatus, LineInput};
use newledger_domain::ids::EntryId;
use newledger_domain::journal::EntryStatus;
use newledger_domain::payment::PaymentKind;
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::books::journal::{self, JournalInput, JournalLineInput};
use newledger_service::books::payments::{self, AllocationInput, PaymentInput};
use newledger_service::{Access, company, reports};
use newledger_store::ListQuery;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::HashMap;

#[derive(Clone, Debug)]
enum Op {
    Journal {
        day: u64,
        cents: i64,
        debit: usize,
        credit: usize,
    },
    Invoice {
        day: u64,
        cents: i64,
        tax: u32,
    },
    Pay {
        pick: usize,
        percent: i64,
        day: u64,
    },
    Void {
        pick: usize,
    },
    Reverse {
        pick: usize,
        day: u64,
    },
    Lock {
        day: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..120, 1i64..5_000_000, 0usize..6, 0usize..6).prop_map(
            |(day, cents, debit, credit)| Op::Journal {
                day,
                cents,
                debit,
                credit
            }
        ),
        (0u64..120, 1i64..2_000_000, 0u32..3).prop_map(|(day, cents, tax)| Op::Invoice {
            day,
            cents,
            tax
        }),
        (0usize..50, 1i64..=100, 0u64..150).prop_map(|(pick, percent, day)| Op::Pay {
            pick,
            percent,
            day
        }),
        (0usize..50).prop_map(|pick| Op::Void { pick }),
        (0usize..50, 0u64..150).prop_map(|(pick, day)| Op::Reverse { pick, day }),
        (0u64..100).prop_map(|day| Op::Lock { day }),
    ]
}

const GENERAL: [&str; 6] = ["1000", "3000", "4000", "6200", "6400", "1500"];

async fn posted(env: &Env, a: &Access) -> HashMap<EntryId, (NaiveDate, String)> {
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let q = ListQuery {
            limit: 1000,
            after: after.clone(),
            status: Some("posted".into()),
            ..Default::default()
        };
        let rows = env.svc.store.list_entries(&a.company.id, &q).await.unwrap();
        let more = rows.len() > 1000;
        for e in rows.into_iter().take(1000) {
            after = Some(e.id.to_string());
            assert_eq!(e.status(), EntryStatus::Posted);
            out.insert(
                e.id.clone(),
                (e.date, serde_json::to_string(e.lines()).unwrap()),
            );
        }
        if !more {
            return out;
        }
    }
}

async fn run(env: &Env, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let svc = &env.svc;
    let mut a = company_access(svc).await;
    let ch = accounts(svc, &a.company.id).await;
    let customer = contact(svc, &a, "Random Customer", true).await;
    let start = d(2026, 1, 1);
    let day = |n: u64| start.checked_add_days(Days::new(n)).unwrap();
    let mut before = posted(env, &a).await;
    let mut invoices = Vec::new();
    for op in ops {
        let lock = a.company.lock_date;
        match op {
            Op::Journal {
                day: n,
                cents,
                debit,
                credit,
            } if debit != credit => {
                let amount = a.company.currency.format(cents);
                let input = JournalInput {
                    date: day(n),
                    memo: "random".into(),
                    lines: vec![
                        JournalLineInput {
                            account_id: acc(&ch, GENERAL[debit]),
                            description: String::new(),
                            contact_id: None,
                            debit: Some(amount.clone()),
                            credit: None,
                        },
                        JournalLineInput {
                            account_id: acc(&ch, GENERAL[credit]),
                            description: String::new(),
                            contact_id: None,
                            debit: None,
                            credit: Some(amount),
                        },
                    ],
                };
                if let Ok(e) = journal::create_draft(svc, &a, input).await {
                    let _ = journal::post(svc, &a, &e.id, None).await;
                }
            }
            Op::Journal { .. } => {}
            Op::Invoice { day: n, cents, tax } => {
                let input = DocumentInput {
                    contact_id: Some(customer.clone()),
                    issue_date: day(n),
                    due_date: None,
                    reference: String::new(),
                    payment_account_id: None,
                    lines: vec![LineInput {
                        description: "x".into(),
                        quantity: "1".parse().unwrap(),
                        unit_price: rust_decimal::Decimal::new(cents, 2),
                        account_id: acc(&ch, "4000"),
                        tax_rate: rust_decimal::Decimal::from([0, 10, 20][tax as usize]),
                    }],
                };
                let doc = documents::create_draft(svc, &a, DocumentKind::Invoice, input)
                    .await
                    .unwrap();
                if documents::approve(svc, &a, DocumentKind::Invoice, &doc.id, None)
                    .await
                    .is_ok()
                {
                    invoices.push(doc.id);
                }
            }
            Op::Pay {
                pick,
                percent,
                day: n,
            } if !invoices.is_empty() => {
                let id = &invoices[pick % invoices.len()];
                let doc = svc
                    .store
                    .document(&a.company.id, id)
                    .await
                    .unwrap()
                    .unwrap();
                let due = doc.total - doc.amount_paid;
                if doc.status == DocumentStatus::Approved && due > 0 {
                    let amount = a.company.currency.format((due * percent / 100).max(1));
                    let _ = payments::record(
                        svc,
                        &a,
                        PaymentInput {
                            kind: PaymentKind::Received,
                            contact_id: customer.clone(),
                            bank_account_id: acc(&ch, "1000"),
                            date: day(n),
                            amount: amount.clone(),
                            reference: String::new(),
                            allocations: vec![AllocationInput {
                                document_id: id.clone(),
                                amount,
                            }],
                        },
                    )
                    .await;
                }
            }
            Op::Void { pick } if !invoices.is_empty() => {
                let _ = documents::void(
                    svc,
                    &a,
                    DocumentKind::Invoice,
                    &invoices[pick % invoices.len()],
                    None,
                )
                .await;
            }
            Op::Reverse { pick, day: n } => {
                let manual: Vec<EntryId> = svc
                    .store
                    .list_entries(
                        &a.company.id,
                        &ListQuery {
                            limit: 1000,
                            status: Some("posted".into()),
                            search: Some("manual".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                if !manual.is_empty() {
                    let _ =
                        journal::reverse(svc, &a, &manual[pick % manual.len()], Some(day(n))).await;
                }
            }
            Op::Lock { day: n } => {
                let c = company::update_settings(svc, &a, None, Some(Some(day(n))), None)
                    .await
                    .unwrap();
                a.company = c;
            }
            Op::Pay { .. } | Op::Void { .. } => {}
        }
        // Invariants after every operation.
        let after = posted(env, &a).await;
        for (id, was) in &before {
            prop_assert_eq!(
                after.get(id),
                Some(was),
                "a posted entry changed or vanished"
            );
        }
        for (id, (date, _)) in &after {
            if !before.contains_key(id)
                && let Some(l) = lock
            {
                prop_assert!(
                    *date > l,
                    "entry dated {} posted on or before the lock date {}",
                    date,
                    l
                );
            }
        }
        let tb = reports::trial_balance(svc, &a, day(400)).await.unwrap();
        prop_assert_eq!(tb.total_debit, tb.total_credit);
        let bs = reports::balance_sheet(svc, &a, day(400)).await.unwrap();
        prop_assert_eq!(bs.assets.total, bs.total_liabilities_and_equity);
        before = after;
    }
    Ok(())
}

#[test]
fn random_operation_sequences_keep_the_books_sound() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let envs = rt.block_on(backends());
    for env in &envs {
        let cases = if env.name == "postgres" { 6 } else { 20 };
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&proptest::collection::vec(op(), 1..25), |ops| {
            rt.block_on(run(env, ops))
        });
        if let Err(e) = result {
            panic!("{}: {e}", env.name);
        }
    }
}
