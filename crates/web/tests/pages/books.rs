//! The books pages: escaping, validation, drafts review, dashboard, reports and CSV exports.

use crate::support::*;

#[tokio::test]
async fn contact_named_script_renders_as_text() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let evil = "<script>alert(1)</script>";
    let r = b
        .submit(
            &url(&p, "/contacts/new"),
            &url(&p, "/contacts"),
            &[("name", evil), ("is_customer", "on")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let detail = location(&r);
    let (_, html) = b.page(&detail).await;
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(!html.contains(evil));
    assert!(html.contains("added."), "notice after the redirect");
    let (_, list) = b.page(&url(&p, "/contacts")).await;
    assert!(!list.contains(evil));
    assert!(list.contains("&#60;script&#62;"));
    // The notice is shown once.
    let (_, again) = b.page(&detail).await;
    assert!(!again.contains("added."));
}

#[tokio::test]
async fn forms_show_validation_messages() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let r = b
        .submit(
            &url(&p, "/contacts/new"),
            &url(&p, "/contacts"),
            &[("name", "  "), ("email", "bad@@")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"errors\""), "{html}");
    assert!(html.contains("value=\"bad@@\""), "keeps what was typed");
    let (s, html) = b
        .page(&url(&p, "/reports/profit-and-loss?from=2026-13-01"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("enter a date as YYYY-MM-DD"));
    let (s, html) = b.page(&url(&p, "/invoices?from=yesterday")).await;
    assert_eq!(s, 200);
    assert!(html.contains("enter a date as YYYY-MM-DD"));
    let (s, _) = b.page(&url(&p, "/reports/nonsense")).await;
    assert_eq!(s, 404);
}

async fn approve_a_draft_from_the_drafts_page(app: TestApp) {
    let p = app.owner("Acme").await;
    let (draft, app_name) = app_drafted_invoice(&app, &p).await;
    let b = sign_in(&app, &p).await;
    let (s, html) = b.page(&url(&p, "/drafts")).await;
    assert_eq!(s, 200);
    assert!(html.contains(&draft.number));
    assert!(html.contains(&app_name), "shows which app drafted it");
    assert!(html.contains("badge-app"));
    let (_, programs) = b.page(&url(&p, "/drafts?by=programs")).await;
    assert!(programs.contains(&draft.number));
    let (_, people) = b.page(&url(&p, "/drafts?by=people")).await;
    assert!(!people.contains(&draft.number));
    let r = b
        .submit(
            &url(&p, "/drafts"),
            &url(&p, &format!("/invoices/{}/approve", draft.id)),
            &[
                ("version", &draft.version.to_string()),
                ("return", "drafts"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), url(&p, "/drafts"));
    let (_, html) = b.page(&url(&p, "/drafts")).await;
    assert!(html.contains("approved and posted"));
    assert!(!html.contains(&format!(">{}<", draft.number)));
    let (_, detail) = b.page(&url(&p, &format!("/invoices/{}", draft.id))).await;
    assert!(detail.contains("badge-approved"));
    assert!(detail.contains("View the posted journal entry"));
    let d = app
        .svc
        .store
        .document(&p.company_id, &draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status.as_str(), "approved");
    // Approving again is a human conflict page, not a crash.
    let r = b
        .submit(
            &url(&p, "/drafts"),
            &url(&p, &format!("/invoices/{}/approve", draft.id)),
            &[],
        )
        .await;
    assert_eq!(r.status(), 409);
    // And the activity log page shows it.
    let (_, log) = b.page(&url(&p, "/activity?action=invoice.")).await;
    assert!(log.contains("invoice.approved"));
    assert!(log.contains("invoice.drafted"));
    let (_, by_app) = b.page(&url(&p, "/activity?actor_kind=app")).await;
    assert!(by_app.contains("invoice.drafted") && !by_app.contains("invoice.approved"));
}

#[tokio::test]
async fn stale_approval_and_discard() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let b = sign_in(&app, &p).await;
    let r = b
        .submit(
            &url(&p, "/drafts"),
            &url(&p, &format!("/invoices/{}/approve", draft.id)),
            &[("version", "999")],
        )
        .await;
    assert_eq!(
        r.status(),
        409,
        "an approval of another version than reviewed is refused"
    );
    let r = b
        .submit(
            &url(&p, "/drafts"),
            &url(&p, &format!("/invoices/{}/discard", draft.id)),
            &[("return", "drafts"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let d = app
        .svc
        .store
        .document(&p.company_id, &draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status.as_str(), "discarded");
}

#[tokio::test]
async fn dashboard_lists_and_reports_render() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let b = sign_in(&app, &p).await;
    let (s, html) = b.page(&url(&p, "")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("src=\"data:image/svg+xml;base64,"),
        "cash trend chart"
    );
    assert!(html.contains("Cash position"));
    assert!(html.contains("1</a>"), "one draft to review");
    let (s, html) = b.page(&url(&p, "/invoices?status=draft")).await;
    assert_eq!(s, 200);
    assert!(html.contains(&draft.number));
    let (_, html) = b.page(&url(&p, "/invoices?status=approved")).await;
    assert!(!html.contains(&draft.number));
    for r in [
        "profit-and-loss",
        "balance-sheet",
        "trial-balance",
        "cash-summary",
        "ar-aging",
        "ap-aging",
        "expenses",
    ] {
        let (s, html) = b.page(&url(&p, &format!("/reports/{r}"))).await;
        assert_eq!(s, 200, "{r}: {html}");
        let csv = b
            .get(&url(
                &p,
                &format!("/reports/{r}.csv?as_of=2026-01-31&from=2026-01-01&to=2026-01-31"),
            ))
            .await;
        assert_eq!(csv.status(), 200, "{r}.csv");
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(
            csv.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
    }
    let csv = b
        .get(&url(&p, "/reports/trial-balance.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("Code,Account,Debit,Credit\r\n"));
    let log = b.get(&url(&p, "/activity.csv")).await;
    assert_eq!(log.status(), 200);
    let text = log.text().await.unwrap();
    assert!(text.starts_with("id,at,actor_kind"));
    assert!(text.contains("invoice.drafted"));
    for path in ["/journal", "/accounts", "/contacts", "/bills", "/expenses"] {
        assert_eq!(b.page(&url(&p, path)).await.0, 200, "{path}");
    }
    // An account's page: its ledger lines with running balance, with a period picker.
    let (_, chart) = b.page(&url(&p, "/accounts")).await;
    let i = chart.find("/accounts/acc_").unwrap();
    let href = &chart[i..i + chart[i..].find('"').unwrap()];
    let (s, html) = b.page(&url(&p, href)).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Opening balance") && html.contains("Closing balance"));
    let (s, html) = b.page(&format!("{}?from=2026-99-01", url(&p, href))).await;
    assert_eq!(s, 200);
    assert!(html.contains("enter a date as YYYY-MM-DD"));
    // The general ledger download: the account's CSV, and the whole company's.
    assert!(html.contains("general-ledger.csv?account_id=acc_"));
    let gl = b.get(&url(&p, "/general-ledger.csv?from=2000-01-01")).await;
    assert_eq!(gl.status(), 200);
    assert!(
        gl.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("general-ledger-2000-01-01")
    );
    let text = gl.text().await.unwrap();
    assert!(
        text.starts_with("row_type,account_code,account_name,date"),
        "{text}"
    );
    let bad = b
        .get(&url(
            &p,
            "/general-ledger.csv?from=2026-02-01&to=2026-01-01",
        ))
        .await;
    assert_ne!(bad.status(), 200);
}

#[tokio::test]
async fn edit_a_draft_before_approving() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let b = sign_in(&app, &p).await;
    let edit = url(&p, &format!("/invoices/{}/edit", draft.id));
    let (s, html) = b.page(&edit).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("value=\"Online order\""));
    let account = draft.lines[0].input.account_id.to_string();
    let contact = draft.contact_id.as_ref().unwrap().to_string();
    let base = vec![
        ("version", "1"),
        ("line_count", "3"),
        ("contact", contact.as_str()),
        ("issue_date", "2026-03-01"),
        ("due_date", "2026-03-31"),
        ("reference", "WEB-1 corrected"),
        ("description_0", "Online order"),
        ("account_0", account.as_str()),
        ("tax_rate_0", "20"),
        ("quantity_0", "3"),
    ];
    let mut bad = base.clone();
    bad.push(("unit_price_0", "forty"));
    let r = b.submit(&edit, &edit, &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Line 1: unit price must be a number"),
        "{html}"
    );
    assert!(html.contains("value=\"forty\""), "keeps what was typed");
    let mut good = base.clone();
    good.push(("unit_price_0", "49.00"));
    let r = b.submit(&edit, &edit, &good).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let d = app
        .svc
        .store
        .document(&p.company_id, &draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.total, 17640, "3 x 49.00 + 20 % tax");
    assert_eq!(d.reference, "WEB-1 corrected");
    assert_eq!(d.status.as_str(), "draft");
    // The version seen on the form protects against overwriting a newer draft.
    let r = b.submit(&edit, &edit, &good).await;
    assert_eq!(r.status(), 409);
    // Approved documents cannot be edited.
    app.svc
        .store
        .document(&p.company_id, &draft.id)
        .await
        .unwrap();
    let r = b
        .submit(
            &url(&p, "/drafts"),
            &url(&p, &format!("/invoices/{}/approve", draft.id)),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (s, _) = b.page(&edit).await;
    assert_eq!(s, 409);
}

newledger_testkit::both_apps!(approve_a_draft_from_the_drafts_page);

/// A review queue longer than the page reads says so, and links to the full list.
#[tokio::test]
async fn a_long_review_queue_says_it_is_cut() {
    use newledger_service::books::drafts::MAX_PER_KIND;
    use newledger_service::books::journal::{self, JournalInput, JournalLineInput};
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let a = app.access(&p).await;
    let chart = newledger_service::books::accounts::list(&app.svc, &a)
        .await
        .unwrap();
    let code = |c: &str| chart.iter().find(|x| x.code == c).unwrap().id.clone();
    let line = |account, debit: Option<&str>, credit: Option<&str>| JournalLineInput {
        account_id: account,
        description: String::new(),
        contact_id: None,
        debit: debit.map(Into::into),
        credit: credit.map(Into::into),
    };
    for _ in 0..=MAX_PER_KIND {
        journal::create_draft(
            &app.svc,
            &a,
            JournalInput {
                date: app.svc.clock.today(),
                memo: "accrual".into(),
                lines: vec![
                    line(code("6000"), Some("1.00"), None),
                    line(code("2300"), None, Some("1.00")),
                ],
            },
        )
        .await
        .unwrap();
    }
    let b = sign_in(&app, &p).await;
    let (s, html) = b.page(&url(&p, "/drafts")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!(
            "Only the oldest {MAX_PER_KIND} draft journal entries are listed here."
        )),
        "{}",
        &html[..html.len().min(3000)]
    );
    let link = html
        .find("See all draft journal entries")
        .map(|i| &html[i.saturating_sub(120)..i])
        .unwrap_or_default();
    assert!(
        link.contains("/journal?status=draft") && link.contains("source=manual"),
        "{link}"
    );
    assert_eq!(html.matches("aria-label=\"Post JE-").count(), 1000);
}

/// A contact is corrected in place: validation in words, the version the person saw, the
/// permission, and the change in the activity log.
#[tokio::test]
async fn edit_a_contact() {
    use newledger_domain::role::Role;
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let id = customer(&app, &p, "Blue Harbour Cafe").await;
    let b = sign_in(&app, &p).await;
    let detail = url(&p, &format!("/contacts/{id}"));
    let edit = format!("{detail}/edit");
    let (_, html) = b.page(&detail).await;
    assert!(html.contains("Edit contact"));
    let (s, html) = b.page(&edit).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("value=\"Blue Harbour Cafe\""));
    let good = [
        ("version", "1"),
        ("name", "Blue Harbor Café"),
        ("email", "Accounts@BlueHarbor.example"),
        ("is_customer", "on"),
        ("is_supplier", "on"),
    ];
    // Neither customer nor supplier: refused, nothing changed, what was typed kept.
    let r = b
        .submit(&edit, &edit, &[("version", "1"), ("name", "Renamed")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("a customer, a supplier or both"), "{html}");
    assert!(html.contains("value=\"Renamed\""));
    let r = b.submit(&edit, &edit, &good).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let (_, html) = b.page(&detail).await;
    assert!(html.contains("Contact Blue Harbor Café saved."), "{html}");
    assert!(html.contains("accounts@blueharbor.example"));
    assert!(html.contains("Customer and supplier"));
    // The form carried version 1; the contact is at 2 now.
    let r = b.submit(&edit, &edit, &good).await;
    assert_eq!(r.status(), 409);
    let (_, log) = b
        .page(&url(&p, "/activity.csv?action=contact.updated"))
        .await;
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("contact.updated") && l.contains(&id))
            .count(),
        1,
        "{log}"
    );
    // People who may not write contacts get neither the button nor the form.
    let viewer = app.member(&p.company_id, Role::Viewer).await;
    let v = sign_in(&app, &viewer).await;
    let (_, html) = v.page(&detail).await;
    assert!(!html.contains("Edit contact"));
    let (s, _) = v.page(&edit).await;
    assert_eq!(s, 403);
    let token = csrf_of(&html);
    let mut forged: Vec<(&str, &str)> = good.to_vec();
    forged.push(("csrf", &token));
    let r = v.post(&edit, &forged).await;
    assert_eq!(r.status(), 403);
}

/// Void and discard ask first, on a page that works without JavaScript; the first POST changes
/// nothing, the confirmed one acts, and Cancel goes back.
#[tokio::test]
async fn void_and_discard_ask_for_confirmation() {
    let (app, _db) = sqlite_app().await;
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let b = sign_in(&app, &p).await;
    let detail = url(&p, &format!("/invoices/{}", draft.id));
    let status = |id| {
        let app = &app;
        let c = p.company_id.clone();
        async move {
            app.svc
                .store
                .document(&c, &id)
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str()
                .to_owned()
        }
    };
    // Discard: a confirmation page, nothing discarded yet.
    let r = b
        .submit(
            &url(&p, "/drafts"),
            &format!("{detail}/discard"),
            &[("return", "drafts")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("Discard draft invoice {}?", draft.number)),
        "{html}"
    );
    assert!(html.contains("name=\"confirmed\" value=\"yes\""));
    assert!(
        html.contains("name=\"return\" value=\"drafts\""),
        "the form travels on"
    );
    assert!(
        html.contains(&format!("href=\"{}\"", url(&p, "/drafts"))),
        "Cancel"
    );
    assert_eq!(status(draft.id.clone()).await, "draft");
    // Approve, then void: again a confirmation first, naming the reversing entry.
    let r = b.submit(&detail, &format!("{detail}/approve"), &[]).await;
    assert_eq!(r.status(), 303);
    let r = b.submit(&detail, &format!("{detail}/void"), &[]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("reversing entry dated today") && html.contains(">Void invoice<"));
    assert_eq!(status(draft.id.clone()).await, "approved");
    // The confirmation form posts with its CSRF token and `confirmed=yes`.
    let token = csrf_of(&html);
    let r = b
        .post(
            &format!("{detail}/void"),
            &[("csrf", &token), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(draft.id.clone()).await, "voided");
}
