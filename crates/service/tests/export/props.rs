//! Random ledgers: accounts, contacts, memos and descriptions with awkward text (`;`, quotes,
//! line breaks followed by dates, `date:` tags, brackets, control characters, unicode), posted
//! and draft entries, reversals, a lock date part-way, a voided invoice and a random fiscal
//! year. Each is exported whole and for a random range, read by the engines, and its numbers
//! and texts compared. Few cases (`NEWLEDGER_EXPORT_CASES`, default 8): each runs the tools.

use crate::check::{self, Engines, Expected};
use crate::tools::{self, Tool};
use chrono::{Days, NaiveDate};
use newledger_domain::account::{AccountClass, AccountRole};
use newledger_domain::document::{DocumentKind, LineInput};
use newledger_domain::ids::{AccountId, ContactId, EntryId};
use newledger_service::books::accounts;
use newledger_service::books::contacts::{self, ContactInput};
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::books::journal::{self, JournalInput, JournalLineInput};
use newledger_service::clock::Clock;
use newledger_service::ledger_export::escape::{self, HledgerSpot};
use newledger_service::{Access, Error, company, people};
use newledger_testkit::db::TestDb;
use newledger_testkit::{TestApp, spawn_app};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeMap;
use std::path::Path;

fn awkward() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "Coffee; beans",
            "He said \"hi\" 'there'",
            "line one\nline two",
            "2024-01-01 * fake transaction",
            "x\n2023-12-31 open Assets:Evil EUR",
            "note\n    Assets:Evil  100 EUR",
            "date:2020-01-01 [2020-02-02] date2:2020-03-03",
            "tab\there",
            "back\\slash\\",
            "  padded  ",
            "Café ☕ 日本語 — ü",
            "a, b: c, contact: nobody",
            "(draft) [x] {y} @ * ! = 1",
            "; comment",
            "\"\"\"",
            "\u{2028}sep\u{85}",
            "",
            "=SUM(A1)",
            "|pipe|",
            "\\x3b \\n \\u{41}",
            "\r\n",
        ])
        .prop_map(String::from),
        1 => "\\PC{0,24}",
        1 => proptest::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..12)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

#[derive(Clone, Debug)]
struct NewAccount {
    code: &'static str,
    name: String,
    class: AccountClass,
}

#[derive(Clone, Debug)]
enum Then {
    Post,
    LeaveDraft,
    Reverse(u64),
}

#[derive(Clone, Debug)]
struct Op {
    day: u64,
    memo: String,
    /// (account index, amount, description, contact index); the last line balances the rest.
    lines: Vec<(usize, i64, String, Option<usize>)>,
    debit_side: bool,
    then: Then,
}

#[derive(Clone, Debug)]
struct Plan {
    currency: &'static str,
    fy_month: u32,
    accounts: Vec<NewAccount>,
    contacts: Vec<String>,
    ops: Vec<Op>,
    lock_after: usize,
    lock_day: u64,
    invoice: (u64, String, usize),
    range: (u64, u64),
}

const CODES: &[&str] = &[
    "1.5", "1-5", "A1", "a1", "9-9.9", "X", "x.y", "8000", "8000.1",
];
const CLASSES: &[AccountClass] = &[
    AccountClass::Asset,
    AccountClass::Liability,
    AccountClass::Equity,
    AccountClass::Revenue,
    AccountClass::Expense,
];

fn plan() -> impl Strategy<Value = Plan> {
    let accounts = prop::sample::subsequence(CODES.to_vec(), 3..6).prop_flat_map(|codes| {
        let n = codes.len();
        (
            Just(codes),
            proptest::collection::vec((awkward(), 0..CLASSES.len()), n),
        )
            .prop_map(|(codes, v)| {
                codes
                    .into_iter()
                    .zip(v)
                    .map(|(code, (name, c))| NewAccount {
                        code,
                        name,
                        class: CLASSES[c],
                    })
                    .collect::<Vec<_>>()
            })
    });
    let line = (
        0usize..40,
        1i64..5_000_000,
        awkward(),
        proptest::option::of(0usize..4),
    );
    let then = prop_oneof![6 => Just(Then::Post), 1 => Just(Then::LeaveDraft), 2 => (0u64..200).prop_map(Then::Reverse)];
    let op = (
        0u64..780,
        awkward(),
        proptest::collection::vec(line, 2..5),
        any::<bool>(),
        then,
    )
        .prop_map(|(day, memo, lines, debit_side, then)| Op {
            day,
            memo,
            lines,
            debit_side,
            then,
        });
    (
        (prop::sample::select(vec!["EUR", "JPY", "KWD"]), 1u32..=12),
        accounts,
        proptest::collection::vec(awkward(), 4),
        proptest::collection::vec(op, 8..30),
        0usize..30,
        100u64..700,
        (0u64..780, awkward(), 0usize..4),
        (0u64..780, 0u64..400),
    )
        .prop_map(
            |(
                (currency, fy_month),
                accounts,
                contacts,
                ops,
                lock_after,
                lock_day,
                invoice,
                (a, len),
            )| Plan {
                currency,
                fy_month,
                accounts,
                contacts,
                ops,
                lock_after,
                lock_day,
                invoice,
                range: (a, (a + len).min(800)),
            },
        )
}

fn name_or(s: &str, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_owned()
    } else {
        s.chars().take(200).collect()
    }
}

fn locked(r: &Result<impl Sized, Error>) -> bool {
    matches!(r, Err(Error::PeriodLocked { .. }))
}

/// Builds the plan's ledger in a fresh company; returns the owner's access.
async fn build(
    app: &TestApp,
    plan: &Plan,
    start: NaiveDate,
) -> (Access, newledger_testkit::Person, Vec<String>, Vec<String>) {
    // Entries of the voided invoice (original, reversal) and drafts left unposted.
    let mut voided = Vec::new();
    let mut drafts = Vec::new();
    // A company in the plan's currency (no minor unit, two, three digits) with an awkward
    // name, owned by a fresh person.
    let n: String = app.svc.new_id("");
    let email = format!("owner-{n}@example.com");
    let user =
        people::users::create_user(&app.svc, &email, "Olivia Owner", "correct horse battery")
            .await
            .unwrap();
    let c = company::create_company(
        &app.svc,
        &user.id,
        "Awkward; \"Books\"\n2024-01-01 Ltd",
        plan.currency,
        true,
    )
    .await
    .unwrap();
    let person = newledger_testkit::Person {
        email,
        password: "correct horse battery".into(),
        totp_secret: String::new(),
        user_id: user.id,
        company_id: c.id,
    };
    let mut a = app.access(&person).await;
    company::update_settings(&app.svc, &a, None, None, Some((plan.fy_month, 1)))
        .await
        .unwrap();
    a = app.access(&person).await;
    for na in &plan.accounts {
        accounts::create(
            &app.svc,
            &a,
            na.code,
            &name_or(&na.name, "Awkward"),
            na.class,
            AccountRole::General,
        )
        .await
        .unwrap();
    }
    let chart: Vec<AccountId> = app
        .svc
        .store
        .accounts(&a.company.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| !x.role.is_control())
        .map(|x| x.id)
        .collect();
    let mut contact_ids: Vec<ContactId> = Vec::new();
    for (i, n) in plan.contacts.iter().enumerate() {
        let c = contacts::create(
            &app.svc,
            &a,
            ContactInput {
                name: name_or(n, &format!("Contact {i}")),
                is_customer: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        contact_ids.push(c.id);
    }
    let cur = a.company.currency;
    for (i, op) in plan.ops.iter().enumerate() {
        if i == plan.lock_after {
            company::update_settings(
                &app.svc,
                &a,
                None,
                Some(Some(start + Days::new(plan.lock_day))),
                None,
            )
            .await
            .unwrap();
            a = app.access(&person).await;
        }
        let date = start + Days::new(op.day);
        let total: i64 = op.lines[..op.lines.len() - 1].iter().map(|l| l.1).sum();
        let lines: Vec<JournalLineInput> = op
            .lines
            .iter()
            .enumerate()
            .map(|(j, (acc, amount, desc, contact))| {
                let last = j + 1 == op.lines.len();
                let amount = cur.format(if last { total } else { *amount });
                let on_debit = op.debit_side != last;
                JournalLineInput {
                    account_id: chart[acc % chart.len()].clone(),
                    description: desc.clone(),
                    contact_id: contact.map(|c| contact_ids[c % contact_ids.len()].clone()),
                    debit: on_debit.then(|| amount.clone()),
                    credit: (!on_debit).then_some(amount),
                }
            })
            .collect();
        let draft = journal::create_draft(
            &app.svc,
            &a,
            JournalInput {
                date,
                memo: op.memo.chars().take(500).collect(),
                lines,
            },
        )
        .await
        .unwrap();
        if matches!(op.then, Then::LeaveDraft) {
            drafts.push(draft.id.to_string());
            continue;
        }
        let posted = journal::post(&app.svc, &a, &draft.id, None).await;
        if locked(&posted) {
            continue;
        }
        posted.unwrap();
        if let Then::Reverse(extra) = op.then {
            let r = journal::reverse(&app.svc, &a, &draft.id, Some(date + Days::new(extra))).await;
            assert!(r.is_ok() || locked(&r), "{r:?}");
        }
    }
    // A voided invoice: its entry and the reversal, dated today.
    let (day, desc, c) = &plan.invoice;
    let sales = app
        .svc
        .store
        .accounts(&a.company.id)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code == "4000")
        .unwrap()
        .id;
    let inv = documents::create_draft(
        &app.svc,
        &a,
        DocumentKind::Invoice,
        DocumentInput {
            contact_id: Some(contact_ids[c % contact_ids.len()].clone()),
            issue_date: start + Days::new(*day),
            due_date: None,
            reference: desc.chars().take(100).collect(),
            payment_account_id: None,
            lines: vec![LineInput {
                description: name_or(desc, "Item"),
                quantity: 3.into(),
                unit_price: "19".parse().unwrap(),
                account_id: sales,
                tax_rate: 20.into(),
            }],
        },
    )
    .await
    .unwrap();
    match documents::approve(&app.svc, &a, DocumentKind::Invoice, &inv.id, None).await {
        Ok(_) => {
            let v = documents::void(&app.svc, &a, DocumentKind::Invoice, &inv.id, None)
                .await
                .unwrap();
            voided.extend(
                v.entry_id
                    .iter()
                    .chain(&v.void_entry_id)
                    .map(|e| e.to_string()),
            );
            assert_eq!(
                voided.len(),
                2,
                "a voided invoice has its entry and its reversal"
            );
        }
        Err(Error::PeriodLocked { .. }) => {}
        Err(e) => panic!("{e:?}"),
    }
    (a, person, voided, drafts)
}

/// What the store says each posted entry holds: (date, number, memo, lines (description,
/// contact name, contact id)).
type Truth = BTreeMap<
    String,
    (
        NaiveDate,
        String,
        String,
        Vec<(String, Option<(String, String)>)>,
    ),
>;

async fn truth(app: &TestApp, a: &Access, ids: impl Iterator<Item = String>) -> Truth {
    let mut out = Truth::new();
    for id in ids {
        let e = app
            .svc
            .store
            .entry(&a.company.id, &EntryId::parse(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let mut lines = Vec::new();
        for l in e.lines() {
            let contact = match &l.contact_id {
                Some(c) => Some((
                    app.svc
                        .store
                        .contact(&a.company.id, c)
                        .await
                        .unwrap()
                        .unwrap()
                        .name,
                    c.to_string(),
                )),
                None => None,
            };
            lines.push((l.description.clone(), contact));
        }
        out.insert(id, (e.date, e.number, e.memo, lines));
    }
    out
}

/// hledger reads back every date, code, description and posting comment exactly.
async fn check_hledger_texts(h: &Tool, app: &TestApp, a: &Access, file: &Path) {
    let rows = tools::csv_rows(&h.run(&["-f", file.to_str().unwrap(), "print", "-O", "csv"]));
    let header = &rows[0];
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (txn, date, code, desc, comment, pcomment) = (
        col("txnidx"),
        col("date"),
        col("code"),
        col("description"),
        col("comment"),
        col("posting-comment"),
    );
    let ids: std::collections::BTreeSet<String> = rows[1..]
        .iter()
        .filter_map(|r| r[comment].strip_prefix("entry_id:").map(str::to_owned))
        .collect();
    let t = truth(app, a, ids.into_iter()).await;
    let mut posting_no: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows[1..] {
        let Some(id) = r[comment].strip_prefix("entry_id:") else {
            assert_eq!(r[code], "OPENING");
            continue;
        };
        let (d, number, memo, lines) = &t[id];
        assert_eq!(r[date], d.to_string(), "date of {id}");
        assert_eq!(r[code], *number);
        assert_eq!(
            escape::unescape_hledger(&r[desc]),
            *memo,
            "description of {id}: {:?}",
            r[desc]
        );
        let n = posting_no.entry(r[txn].clone()).or_insert(0);
        let (ldesc, contact) = &lines[*n];
        *n += 1;
        let mut want = escape::hledger_text(ldesc, HledgerSpot::Comment);
        if let Some((name, cid)) = contact {
            if !want.is_empty() {
                want.push('\n');
            }
            want.push_str(&format!(
                "contact: {}, contact_id: {cid}",
                escape::hledger_text(name, HledgerSpot::TagValue)
            ));
        }
        assert_eq!(r[pcomment], want, "posting comment of {id}");
        let first = r[pcomment].lines().next().unwrap_or("");
        if !ldesc.is_empty() {
            assert_eq!(escape::unescape_hledger(first), *ldesc);
        }
    }
}

/// bean-query reads back every narration, description and contact exactly.
async fn check_beancount_texts(q: &Tool, app: &TestApp, a: &Access, file: &Path) {
    let out = q.run(&["-f", "csv", file.to_str().unwrap(), "SELECT entry_meta('entry_id') AS e, narration, meta('description') AS d, meta('contact') AS c, date"]);
    let rows = tools::csv_rows(&out);
    let ids: std::collections::BTreeSet<String> = rows[1..]
        .iter()
        .map(|r| r[0].clone())
        .filter(|e| !e.is_empty())
        .collect();
    let t = truth(app, a, ids.into_iter()).await;
    let mut got: Vec<(String, String, String, String, String)> = rows[1..]
        .iter()
        .filter(|r| !r[0].is_empty())
        .map(|r| {
            (
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
            )
        })
        .collect();
    let mut want = Vec::new();
    for (id, (d, _, memo, lines)) in &t {
        for (desc, contact) in lines {
            want.push((
                id.clone(),
                memo.clone(),
                desc.clone(),
                contact.as_ref().map(|c| c.0.clone()).unwrap_or_default(),
                d.to_string(),
            ));
        }
    }
    got.sort();
    want.sort();
    assert_eq!(got, want, "beancount texts");
}

async fn run_case(app: &TestApp, engines: &Engines, plan: Plan) {
    let today = app.clock.today();
    let start = today - Days::new(800);
    let (a, person, voided, drafts) = build(app, &plan, start).await;
    let (client, secret) = app.app(&person, &["journal:read", "reports:read"]).await;
    let token = app.token(&client, &secret).await;
    let cid = a.company.id.clone();
    let (rf, rt) = (
        start + Days::new(plan.range.0),
        start + Days::new(plan.range.1),
    );
    for (from, to) in [(None, None), (Some(rf), Some(rt))] {
        let what = format!("random ledger {from:?}..{to:?}");
        // Reversals may be dated after today: the whole ledger runs to the last of them.
        let end = to.unwrap_or(today + Days::new(400));
        let e = Expected::compute(app, &a, from, end, true).await;
        let (hl, hl_text) = check::fetch(app, &token, &cid, "hledger", from, to).await;
        let (bc, bc_text) = check::fetch(app, &token, &cid, "beancount", from, to).await;
        let (csv, csv_text) = check::fetch(app, &token, &cid, "csv", from, to).await;
        check::check_csv(&csv_text, &e, &what);
        if from.is_none() {
            for id in &voided {
                assert!(
                    hl_text.contains(&format!("entry_id:{id}")),
                    "voided entry {id}"
                );
                assert!(
                    bc_text.contains(&format!("entry_id: \"{id}\"")),
                    "voided entry {id}"
                );
                assert!(csv_text.contains(id.as_str()), "voided entry {id}");
            }
        }
        for id in &drafts {
            for text in [&hl_text, &bc_text, &csv_text] {
                assert!(!text.contains(id.as_str()), "draft {id} exported");
            }
        }
        if let Some(h) = &engines.hledger {
            check::check_hledger(h, &hl, &hl_text, &e, None, &what);
            check_hledger_texts(h, app, &a, &hl).await;
        }
        if let (Some(c), Some(q)) = (&engines.bean_check, &engines.bean_query) {
            check::check_beancount(c, q, &bc, &bc_text, &e, None, &what);
            check_beancount_texts(q, app, &a, &bc).await;
        }
        if let Some(l) = &engines.ledger {
            check::check_ledger_cli(l, &hl, &what);
        }
        for f in [hl, bc, csv] {
            let _ = std::fs::remove_file(f);
        }
    }
}

#[test]
fn random_ledgers_match_the_engines() {
    let cases = std::env::var("NEWLEDGER_EXPORT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(TestDb::sqlite());
    let app = rt.block_on(spawn_app(&db.url));
    let engines = Engines::find();
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&plan(), |p| {
            rt.block_on(run_case(&app, &engines, p));
            Ok(())
        })
        .unwrap();
}
