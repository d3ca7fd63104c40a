//! Manual journals in the web app: write a new draft, correct a draft left for review, then
//! post it; bad input is refused in words and changes nothing.

use crate::support::*;
use newledger_domain::journal::EntryStatus;
use newledger_domain::role::Role;
use newledger_service::books::accounts;
use newledger_store::ListQuery;

/// Account id by chart code in `p`'s company.
async fn account(app: &TestApp, p: &Person, code: &str) -> String {
    let a = app.access(p).await;
    accounts::list(&app.svc, &a)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("no account {code}"))
        .id
        .to_string()
}

async fn entry_count(app: &TestApp, p: &Person) -> usize {
    app.svc
        .store
        .list_entries(
            &p.company_id,
            &ListQuery {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len()
}

/// The form of a two-line entry: debit `dr_account`, credit `cr_account`.
fn two_lines<'a>(
    dr_account: &'a str,
    debit: &'a str,
    cr_account: &'a str,
    credit: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("date", "2026-03-15"),
        ("memo", "Owner's loan <paid in>"),
        ("line_count", "4"),
        ("account_0", dr_account),
        ("description_0", "Loan received"),
        ("debit_0", debit),
        // Row 2 left empty on purpose: blank rows are dropped.
        ("account_2", cr_account),
        ("description_2", "Owner loan"),
        ("credit_2", credit),
    ]
}

async fn write_edit_and_post_a_journal(app: TestApp) {
    let p = app.owner("Acme").await;
    let bank = account(&app, &p, "1000").await;
    let equity = account(&app, &p, "3000").await;
    let receivables = account(&app, &p, "1100").await;
    let b = sign_in(&app, &p).await;
    let new = url(&p, "/journal/new");
    let (s, html) = b.page(&url(&p, "/journal")).await;
    assert_eq!(s, 200);
    assert!(html.contains("New journal entry"), "{html}");
    let (s, html) = b.page(&new).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        !html.contains(&format!("value=\"{receivables}\"")),
        "control accounts are not offered"
    );
    let before = entry_count(&app, &p).await;

    // Unbalanced: refused with both sums, what was typed kept, nothing written.
    let r = b
        .submit(
            &new,
            &url(&p, "/journal"),
            &two_lines(&bank, "100.00", &equity, "90.00"),
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Lines:"), "{html}");
    assert!(html.contains("debits") && html.contains("100.00"), "{html}");
    assert!(html.contains("value=\"90.00\""), "keeps what was typed");
    assert!(
        html.contains("loan &#60;paid in&#62;\""),
        "the memo is kept, escaped: {html}"
    );
    // A forged control account: refused, in the words of the form (row 3).
    let r = b
        .submit(
            &new,
            &url(&p, "/journal"),
            &two_lines(&bank, "100.00", &receivables, "100.00"),
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Line 3 account:"), "{html}");
    assert!(html.contains("control account"), "{html}");
    // Not a number.
    let r = b
        .submit(
            &new,
            &url(&p, "/journal"),
            &two_lines(&bank, "a hundred", &equity, "100.00"),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Line 1 debit:"));
    assert_eq!(entry_count(&app, &p).await, before, "nothing was written");

    // Balanced: saved as a draft, never posted by saving.
    let r = b
        .submit(
            &new,
            &url(&p, "/journal"),
            &two_lines(&bank, "100.00", &equity, "100.00"),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let detail = location(&r);
    assert!(detail.contains("/journal/jnl_"), "{detail}");
    let id = detail.rsplit('/').next().unwrap().to_owned();
    let e = app
        .svc
        .store
        .entry(&p.company_id, &id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.status(), EntryStatus::Draft);
    assert_eq!((e.lines().len(), e.total()), (2, 10000));
    assert_eq!(e.memo, "Owner's loan <paid in>");

    // Edit: the form shows the draft; a change saves a new version.
    let (s, html) = b.page(&detail).await;
    assert_eq!(s, 200);
    assert!(html.contains("Edit draft"));
    let edit = format!("{detail}/edit");
    let (s, html) = b.page(&edit).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("value=\"100.00\""), "{html}");
    let mut changed = two_lines(&bank, "250.00", &equity, "250.00");
    changed.push(("version", "1"));
    let r = b.submit(&edit, &edit, &changed).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let e = app
        .svc
        .store
        .entry(&p.company_id, &e.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.total(), e.version, e.status()),
        (25000, 2, EntryStatus::Draft)
    );
    // The version the person saw protects a newer draft.
    let r = b.submit(&edit, &edit, &changed).await;
    assert_eq!(r.status(), 409);

    // Post, then the entry can no longer be edited.
    let r = b
        .submit(&detail, &format!("{detail}/post"), &[("version", "2")])
        .await;
    assert_eq!(r.status(), 303);
    let (s, _) = b.page(&edit).await;
    assert_eq!(s, 409);
    let mut late = changed.clone();
    late.push(("version", "3"));
    let (_, page) = b.page(&detail).await;
    let token = csrf_of(&page);
    late.push(("csrf", &token));
    let r = b.post(&edit, &late).await;
    assert_eq!(r.status(), 409);

    // The source filter is applied by the query, not to one page after the fact.
    let (_, manual) = b
        .page(&url(&p, "/journal?source=manual&from=2026-01-01"))
        .await;
    assert!(manual.contains(&e.number), "{manual}");
    let (_, invoices) = b
        .page(&url(&p, "/journal?source=invoice&from=2026-01-01"))
        .await;
    assert!(!invoices.contains(&e.number));
}

newledger_testkit::both_apps!(write_edit_and_post_a_journal);

#[tokio::test]
async fn only_people_who_may_draft_write_journals() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let bank = account(&app, &owner, "1000").await;
    let equity = account(&app, &owner, "3000").await;
    let viewer = app.member(&owner.company_id, Role::Viewer).await;
    let b = sign_in(&app, &viewer).await;
    let (_, html) = b.page(&url(&viewer, "/journal")).await;
    assert!(!html.contains("New journal entry"));
    let (s, _) = b.page(&url(&viewer, "/journal/new")).await;
    assert_eq!(s, 403);
    let token = csrf_of(&html);
    let mut form = two_lines(&bank, "1.00", &equity, "1.00");
    form.push(("csrf", &token));
    let r = b.post(&url(&viewer, "/journal"), &form).await;
    assert_eq!(r.status(), 403);
    assert_eq!(entry_count(&app, &owner).await, 0);

    // A bookkeeper drafts and edits but does not post.
    let bk = app.member(&owner.company_id, Role::Bookkeeper).await;
    let b = sign_in(&app, &bk).await;
    let r = b
        .submit(
            &url(&bk, "/journal/new"),
            &url(&bk, "/journal"),
            &two_lines(&bank, "5.00", &equity, "5.00"),
        )
        .await;
    assert_eq!(r.status(), 303);
    let detail = location(&r);
    let (_, html) = b.page(&detail).await;
    assert!(html.contains("Edit draft"));
    assert!(!html.contains("to the ledger</button>"), "no post button");
}
