//! Writing invoices, bills and expenses in the web app: a bookkeeper drafts (Add line without
//! JavaScript, totals from what was typed), a person approves, then records a part payment;
//! the expenses list shows payee, reference and the paid-from account.

use crate::support::*;
use newledger_domain::account::AccountRole;
use newledger_domain::role::Role;
use newledger_service::books::accounts;

async fn account(
    app: &TestApp,
    p: &Person,
    pick: impl Fn(&newledger_domain::account::Account) -> bool,
) -> String {
    accounts::list(&app.svc, &app.access(p).await)
        .await
        .unwrap()
        .into_iter()
        .find(|a| pick(a))
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn a_bookkeeper_writes_an_invoice_a_person_approves_and_records_a_part_payment() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let keeper = app.member(&owner.company_id, Role::Bookkeeper).await;
    let contact = customer(&app, &owner, "Blue Harbor Cafe").await;
    let revenue = account(&app, &owner, |a| a.code == "4000").await;
    let b = sign_in(&app, &keeper).await;
    let (_, list) = b.page(&url(&owner, "/invoices")).await;
    assert!(list.contains(">New invoice<"));
    let (s, form) = b.page(&url(&owner, "/invoices/new")).await;
    assert_eq!(s, 200);
    assert!(form.contains("data-add-line") && form.contains("id=\"doc-total\""));
    assert!(
        form.contains("name=\"description_2\""),
        "three rows to start"
    );
    assert!(!form.contains("name=\"description_3\""));
    let mut fields: Vec<(String, String)> = vec![
        ("contact".into(), contact.clone()),
        ("issue_date".into(), "2026-11-20".into()),
        ("due_date".into(), "2026-12-20".into()),
        ("reference".into(), "PO-77".into()),
        ("line_count".into(), "3".into()),
    ];
    for (i, (d, q, p)) in [
        ("Coffee beans", "2", "10.00"),
        ("Grinder", "1", "100"),
        ("Delivery", "1", "5.50"),
    ]
    .iter()
    .enumerate()
    {
        fields.push((format!("description_{i}"), (*d).into()));
        fields.push((format!("account_{i}"), revenue.clone()));
        fields.push((format!("quantity_{i}"), (*q).into()));
        fields.push((format!("unit_price_{i}"), (*p).into()));
        fields.push((format!("tax_rate_{i}"), "20".into()));
    }
    let as_refs = |f: &[(String, String)]| -> Vec<(String, String)> { f.to_vec() };
    // Add line (no JavaScript): the same form, one more row, what was typed kept, totals shown.
    let mut with_add = as_refs(&fields);
    with_add.push(("add_line".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = with_add
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = b
        .submit(
            &url(&owner, "/invoices/new"),
            &url(&owner, "/invoices"),
            &pairs,
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"description_3\"") && html.contains("value=\"Grinder\""));
    assert!(
        html.contains("125.50") && html.contains("25.10") && html.contains("150.60"),
        "{html}"
    );
    let q = newledger_store::ListQuery {
        limit: 10,
        ..Default::default()
    };
    let saved = app
        .svc
        .store
        .list_documents(
            &owner.company_id,
            newledger_domain::document::DocumentKind::Invoice,
            &q,
        )
        .await
        .unwrap();
    assert!(saved.is_empty(), "nothing saved yet");
    // Save: a draft, waiting for someone who may approve.
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = b
        .submit(
            &url(&owner, "/invoices/new"),
            &url(&owner, "/invoices"),
            &pairs,
        )
        .await;
    assert_eq!(r.status(), 303);
    let detail = location(&r);
    let (_, html) = b.page(&detail).await;
    assert!(html.contains("saved as a draft") && html.contains("badge-draft"));
    assert!(html.contains("150.60"));
    assert!(!html.contains("/approve\""), "a bookkeeper cannot approve");
    // Bad input keeps what was typed and says which line.
    let r = b
        .submit(
            &url(&owner, "/invoices/new"),
            &url(&owner, "/invoices"),
            &[
                ("contact", &contact),
                ("issue_date", "2026-11-20"),
                ("line_count", "1"),
                ("description_0", "X"),
                ("unit_price_0", "ten"),
                ("account_0", &revenue),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Line 1: unit price must be a number")
    );
    // The owner approves from Drafts to review, then records a part payment.
    let o = sign_in(&app, &owner).await;
    let (_, drafts) = o.page(&url(&owner, "/drafts")).await;
    let id = detail.rsplit('/').next().unwrap().to_owned();
    assert!(
        drafts.contains(&format!("/invoices/{id}/approve")),
        "Approve button in the queue"
    );
    let r = o.submit(&detail, &format!("{detail}/approve"), &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = o.page(&detail).await;
    assert!(html.contains("Record a payment") && html.contains("value=\"150.60\""));
    let bank = account(&app, &owner, |a| a.role == AccountRole::Bank).await;
    let r = o
        .submit(
            &detail,
            &format!("{detail}/pay"),
            &[
                ("bank_account", &bank),
                ("date", "2026-11-25"),
                ("amount", "100.00"),
                ("reference", "Transfer 1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = o.page(&detail).await;
    assert!(html.contains("received: 100.00"), "{html}");
    assert!(
        html.contains("value=\"50.60\""),
        "the rest stays outstanding"
    );
    // The bookkeeper cannot record payments.
    let r = b
        .submit(
            &detail,
            &format!("{detail}/pay"),
            &[
                ("bank_account", &bank),
                ("date", "2026-11-25"),
                ("amount", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn expenses_are_written_and_listed_with_payee_reference_and_paid_from() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let supplier = customer(&app, &p, "Office Depot").await;
    let bank = account(&app, &p, |a| a.role == AccountRole::Bank).await;
    let expense_acc = account(&app, &p, |a| a.code.starts_with('6')).await;
    let b = sign_in(&app, &p).await;
    let (_, form) = b.page(&url(&p, "/expenses/new")).await;
    assert!(form.contains("Paid from") && form.contains("Payee (optional)"));
    let r = b
        .submit(
            &url(&p, "/expenses/new"),
            &url(&p, "/expenses"),
            &[
                ("contact", &supplier),
                ("issue_date", "2026-11-21"),
                ("payment_account", &bank),
                ("reference", "Receipt 991"),
                ("line_count", "1"),
                ("description_0", "Paper"),
                ("account_0", &expense_acc),
                ("unit_price_0", "12.00"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, list) = b.page(&url(&p, "/expenses")).await;
    assert!(list.contains(">Reference<") && list.contains(">Paid from<"));
    assert!(list.contains("Office Depot") && list.contains("Receipt 991"));
    let bank_label = accounts::list(&app.svc, &app.access(&p).await)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id.as_str() == bank)
        .map(|a| format!("{} {}", a.code, a.name))
        .unwrap();
    assert!(list.contains(&bank_label), "{list}");
}

#[tokio::test]
async fn viewers_cannot_write_documents() {
    let (app, _db) = sqlite_app().await;
    let owner = app.owner("Acme").await;
    let viewer = app.member(&owner.company_id, Role::Viewer).await;
    let b = sign_in(&app, &viewer).await;
    let (_, list) = b.page(&url(&owner, "/invoices")).await;
    assert!(!list.contains("New invoice"));
    let (s, _) = b.page(&url(&owner, "/invoices/new")).await;
    assert_eq!(s, 403);
    let csrf = csrf_of(&b.page(&url(&owner, "/invoices")).await.1);
    let r = b
        .post(
            &url(&owner, "/invoices"),
            &[("csrf", &csrf), ("line_count", "0")],
        )
        .await;
    assert_eq!(r.status(), 403);
}

/// Reports → General ledger: all accounts or one, a period, CSV; bad parameters are reported.
#[tokio::test]
async fn the_general_ledger_report_filters_by_period_and_account() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let b = sign_in(&app, &p).await;
    let detail = url(&p, &format!("/invoices/{}", draft.id));
    assert_eq!(
        b.submit(&detail, &format!("{detail}/approve"), &[])
            .await
            .status(),
        303
    );
    let (_, index) = b.page(&url(&p, "/reports")).await;
    assert!(index.contains(&url(&p, "/general-ledger")));
    let (s, html) = b.page(&url(&p, "/general-ledger")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&draft.number) && html.contains("4000 ") && html.contains("117.60"),
        "{html}"
    );
    let revenue = account(&app, &p, |a| a.code == "4000").await;
    let (_, one) = b
        .page(&url(&p, &format!("/general-ledger?account_id={revenue}")))
        .await;
    assert!(
        one.contains("98.00") && !one.contains("117.60"),
        "only the revenue line: {one}"
    );
    assert!(
        one.contains(&format!("account_id={revenue}")),
        "CSV keeps the filter"
    );
    let (s, bad) = b
        .page(&url(
            &p,
            "/general-ledger?from=2026-02-30&account_id=acc_nope",
        ))
        .await;
    assert_eq!(s, 200);
    assert!(bad.contains("enter a date as YYYY-MM-DD") && bad.contains("choose an account"));
    let (_, empty) = b
        .page(&url(&p, "/general-ledger?from=2001-01-01&to=2001-12-31"))
        .await;
    assert!(empty.contains("No postings in this period."));
}
