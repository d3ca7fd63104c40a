//! Every tool over HTTP: `tools/list` filtered by the connection's permissions, each read and
//! report tool, each drafting tool with its idempotent retry, and errors a model can act on.

use crate::client::{Era, Mcp};
use crate::{ALL, Ctx, ctx};
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::DocumentId;
use newledger_testkit::TestApp;
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn tools_list_is_filtered(app: TestApp) {
    let c = ctx(&app, &["reports:read", "invoices:read"]).await;
    for era in [Era::Sessions, Era::Stateless] {
        let s = Mcp::open(&app, &c.company, &c.token, era).await;
        let list = s.request("tools/list", json!({})).await.result().clone();
        let n = names(&list);
        assert!(n.contains(&"trial_balance".to_owned()), "{n:?}");
        assert!(n.contains(&"list_invoices".to_owned()), "{n:?}");
        assert!(n.contains(&"get_document".to_owned()), "{n:?}");
        for hidden in [
            "draft_invoice",
            "list_bills",
            "get_company",
            "create_contact",
        ] {
            assert!(!n.contains(&hidden.to_owned()), "{hidden} listed: {n:?}");
        }
    }
    // With every permission: the whole set, each fully described.
    let c = ctx(&app, ALL).await;
    let s = Mcp::open(&app, &c.company, &c.token, Era::Stateless).await;
    let list = s.request("tools/list", json!({})).await.result().clone();
    let tools = list["tools"].as_array().unwrap();
    assert_eq!(tools.len(), newledger_mcp::TOOLS.len());
    assert!((15..=20).contains(&tools.len()));
    for t in tools {
        let name = t["name"].as_str().unwrap();
        assert!(t["description"].as_str().unwrap().len() > 80, "{name}");
        assert_eq!(t["inputSchema"]["type"], "object", "{name}");
        assert_eq!(t["outputSchema"]["type"], "object", "{name}");
        let a = &t["annotations"];
        // Every tool: no effect outside these books, nothing destroyed, safe to repeat (reads
        // by nature, drafts through their idempotency_key).
        assert_eq!(a["openWorldHint"], false, "{name}");
        assert_eq!(a["destructiveHint"], false, "{name}");
        assert_eq!(a["idempotentHint"], true, "{name}");
        let spec = newledger_mcp::TOOLS
            .iter()
            .find(|s| s.name == name)
            .unwrap();
        if spec.writes {
            assert_eq!(a["readOnlyHint"], false, "{name}");
            assert!(
                t["inputSchema"]["required"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("idempotency_key")),
                "{name}"
            );
            assert!(
                t["description"]
                    .as_str()
                    .unwrap()
                    .contains("idempotency_key")
            );
        } else {
            assert_eq!(a["readOnlyHint"], true, "{name}");
        }
    }
}

/// Account ids by kind, read through the tool.
struct Chart {
    revenue: String,
    expense: String,
    bank: String,
    equity: String,
}

async fn chart(s: &Mcp) -> Chart {
    let a = s.ok("list_accounts", json!({})).await;
    let accounts = a["accounts"].as_array().unwrap().clone();
    let pick = |class: &str, role: &str| -> String {
        accounts
            .iter()
            .find(|x| x["class"] == class && x["role"] == role)
            .unwrap_or_else(|| panic!("no {class}/{role} in {accounts:?}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    Chart {
        revenue: pick("revenue", "general"),
        expense: pick("expense", "general"),
        bank: pick("asset", "bank"),
        equity: pick("equity", "general"),
    }
}

fn invoice(contact: &str, account: &str, date: &str, key: &str) -> Value {
    json!({
        "idempotency_key": key,
        "contact_id": contact,
        "issue_date": date,
        "reference": "PO-7",
        "lines": [{"description": "Consulting", "quantity": "2", "unit_price": "100.00",
                   "account_id": account, "tax_rate": "20"}]
    })
}

async fn drafting_tools(app: TestApp) {
    let Ctx {
        owner,
        company,
        token,
    } = ctx(&app, ALL).await;
    let s = Mcp::open(&app, &company, &token, Era::Sessions).await;
    let today = app.svc.clock.today().to_string();
    let ch = chart(&s).await;

    let created = s
        .ok(
            "create_contact",
            json!({"idempotency_key": "c-1", "name": "Blue Bird Café", "is_customer": true, "is_supplier": true}),
        )
        .await;
    let contact = created["contact"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["replayed"], false);
    let again = s
        .ok(
            "create_contact",
            json!({"idempotency_key": "c-1", "name": "Blue Bird Café", "is_customer": true, "is_supplier": true}),
        )
        .await;
    assert_eq!(again["contact"]["id"], contact.as_str());
    assert_eq!(again["replayed"], true);

    // An invoice, retried with the same key: one draft.
    let first = s
        .ok(
            "draft_invoice",
            invoice(&contact, &ch.revenue, &today, "inv-1"),
        )
        .await;
    assert_eq!(first["status"], "waiting_for_review");
    assert_eq!(first["replayed"], false);
    let d = &first["draft"];
    assert_eq!(d["status"], "draft");
    assert_eq!(d["total"], "240.00");
    assert_eq!(d["currency"], "EUR");
    assert_eq!(d["created_by"]["type"], "connection");
    assert_eq!(d["lines"][0]["tax"], "40.00");
    let review = first["review_url"].as_str().unwrap();
    assert!(
        review.starts_with(&format!("{}/app/{company}/invoices/inv_", app.base)),
        "{review}"
    );
    assert!(first["message"].as_str().unwrap().contains(review));
    let retry = s
        .ok(
            "draft_invoice",
            invoice(&contact, &ch.revenue, &today, "inv-1"),
        )
        .await;
    assert_eq!(retry["replayed"], true);
    assert_eq!(retry["draft"]["id"], d["id"]);
    let list = s.ok("list_invoices", json!({"status": "draft"})).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    // The same key with other arguments is refused, naming the key.
    let e = s
        .err(
            "draft_invoice",
            invoice(&contact, &ch.expense, &today, "inv-1"),
        )
        .await;
    assert!(e.contains("idempotency_key"), "{e}");

    // Replacing the draft (with the version read); a stale version is refused.
    let id = d["id"].as_str().unwrap();
    let mut replace = invoice(&contact, &ch.revenue, &today, "inv-1b");
    replace["id"] = json!(id);
    replace["expected_version"] = d["version"].clone();
    replace["lines"][0]["quantity"] = json!("3");
    let replaced = s.ok("draft_invoice", replace.clone()).await;
    assert_eq!(replaced["draft"]["id"], id);
    assert_eq!(replaced["draft"]["total"], "360.00");
    replace["idempotency_key"] = json!("inv-1c");
    let e = s.err("draft_invoice", replace).await;
    assert!(e.contains("changed since you read it"), "{e}");

    // A bill and an expense, each retried.
    let bill_args = json!({"idempotency_key": "b-1", "contact_id": contact, "issue_date": today,
        "lines": [{"description": "Paper", "quantity": 1, "unit_price": "50", "account_id": ch.expense, "tax_rate": "0"}]});
    let bill = s.ok("draft_bill", bill_args.clone()).await;
    assert_eq!(bill["draft"]["type"], "bill");
    assert_eq!(bill["draft"]["total"], "50.00");
    let again = s.ok("draft_bill", bill_args).await;
    assert_eq!(
        (&again["draft"]["id"], &again["replayed"]),
        (&bill["draft"]["id"], &json!(true))
    );
    let expense_args = json!({"idempotency_key": "e-1", "issue_date": today, "payment_account_id": ch.bank,
        "lines": [{"description": "Taxi", "quantity": "1", "unit_price": "23.10", "account_id": ch.expense, "tax_rate": "10"}]});
    let expense = s.ok("draft_expense", expense_args.clone()).await;
    assert_eq!(expense["draft"]["type"], "expense");
    assert_eq!(expense["draft"]["payment_account_id"], ch.bank.as_str());
    assert_eq!(expense["draft"]["total"], "25.41");
    let again = s.ok("draft_expense", expense_args).await;
    assert_eq!(
        (&again["draft"]["id"], &again["replayed"]),
        (&expense["draft"]["id"], &json!(true))
    );
    // The same key on another tool is another request.
    let other_tool = s
        .ok("draft_bill", json!({"idempotency_key": "e-1", "contact_id": contact, "issue_date": today,
            "lines": [{"description": "Ink", "quantity": "1", "unit_price": "5", "account_id": ch.expense, "tax_rate": "0"}]}))
        .await;
    assert_eq!(other_tool["replayed"], false);

    // A journal entry, and its retry.
    let je = json!({"idempotency_key": "j-1", "date": today, "memo": "Owner's loan",
        "lines": [{"account_id": ch.bank, "debit": "500.00"}, {"account_id": ch.equity, "credit": "500.00"}]});
    let entry = s.ok("draft_journal_entry", je.clone()).await;
    assert_eq!(entry["draft"]["status"], "draft");
    assert_eq!(entry["draft"]["total"], "500.00");
    assert!(
        entry["review_url"]
            .as_str()
            .unwrap()
            .contains("/journal/jnl_")
    );
    let again = s.ok("draft_journal_entry", je).await;
    assert_eq!(again["draft"]["id"], entry["draft"]["id"]);
    assert_eq!(again["replayed"], true);
    // Updating the draft entry: its id and the version read.
    let jid = entry["draft"]["id"].as_str().unwrap();
    let update = json!({"idempotency_key": "j-2", "id": jid, "expected_version": entry["draft"]["version"],
        "date": today, "memo": "Owner's loan, corrected",
        "lines": [{"account_id": ch.bank, "debit": "600.00"}, {"account_id": ch.equity, "credit": "600.00"}]});
    let updated = s.ok("draft_journal_entry", update).await;
    assert_eq!(updated["draft"]["id"], jid);
    assert_eq!(updated["draft"]["total"], "600.00");
    assert_eq!(updated["draft"]["memo"], "Owner's loan, corrected");

    // Once a person approved it, a document is no longer a draft an assistant may change.
    let oa = app.access(&owner).await;
    let bill_id =
        newledger_domain::ids::DocumentId::parse(bill["draft"]["id"].as_str().unwrap()).unwrap();
    newledger_service::books::documents::approve(
        &app.svc,
        &oa,
        newledger_domain::document::DocumentKind::Bill,
        &bill_id,
        None,
    )
    .await
    .unwrap();
    let e = s
        .err("draft_bill", json!({"idempotency_key": "b-2", "id": bill["draft"]["id"], "contact_id": contact,
            "issue_date": today, "lines": [{"description": "Paper", "quantity": 2, "unit_price": "50",
            "account_id": ch.expense, "tax_rate": "0"}]}))
        .await;
    assert!(e.contains("Only drafts can be changed"), "{e}");

    // Every draft is authored by the connection and waits in Drafts to review.
    let review = newledger_service::books::drafts::to_review(&app.svc, &oa)
        .await
        .unwrap();
    assert_eq!(review.items.len(), 4, "{:?}", review.items);
    assert!(
        review
            .items
            .iter()
            .all(|i| i.created_by.kind() == "connection")
    );
    // The activity log has the drafts and the tool calls under the connection.
    let rows = <newledger_store::SqlStore as newledger_store::ActivityStore>::list_activity(
        &app.store,
        &company,
        &newledger_store::ActivityFilter {
            actor_kind: Some("connection".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.row.action.as_str()).collect();
    assert!(actions.contains(&"invoice.drafted"), "{actions:?}");
    assert!(actions.contains(&"mcp.tool_called"), "{actions:?}");
}

async fn errors_say_what_to_do(app: TestApp) {
    let Ctx {
        owner,
        company,
        token,
    } = ctx(&app, ALL).await;
    let s = Mcp::open(&app, &company, &token, Era::Stateless).await;
    let today = app.svc.clock.today();
    let ch = chart(&s).await;
    // Unknown contact.
    let e = s
        .err(
            "draft_invoice",
            invoice(
                "ctc_01hzzzzzzzzzzzzzzzzzzzzzzz",
                &ch.revenue,
                &today.to_string(),
                "x-1",
            ),
        )
        .await;
    assert!(
        e.contains("contact_id") && e.contains("search_contacts"),
        "{e}"
    );
    // Unbalanced journal: both sums.
    let e = s
        .err(
            "draft_journal_entry",
            json!({"idempotency_key": "x-2", "date": today,
                   "lines": [{"account_id": ch.bank, "debit": "10.00"}, {"account_id": ch.equity, "credit": "9.00"}]}),
        )
        .await;
    assert!(e.contains("10.00") && e.contains("9.00"), "{e}");
    // A failed call leaves its key free: the corrected call runs.
    s.ok(
        "draft_journal_entry",
        json!({"idempotency_key": "x-2", "date": today,
               "lines": [{"account_id": ch.bank, "debit": "10.00"}, {"account_id": ch.equity, "credit": "10.00"}]}),
    )
    .await;
    // Locked period.
    let oa = app.access(&owner).await;
    newledger_service::company::update_settings(&app.svc, &oa, None, Some(Some(today)), None)
        .await
        .unwrap();
    let e = s
        .err(
            "draft_invoice",
            invoice(
                "ctc_01hzzzzzzzzzzzzzzzzzzzzzzz",
                &ch.revenue,
                &today.to_string(),
                "x-3",
            ),
        )
        .await;
    assert!(
        e.contains("locked") || e.contains("lock date") || e.contains("contact"),
        "{e}"
    );
    let e = s
        .err(
            "draft_journal_entry",
            json!({"idempotency_key": "x-4", "date": today,
                   "lines": [{"account_id": ch.bank, "debit": "1.00"}, {"account_id": ch.equity, "credit": "1.00"}]}),
        )
        .await;
    assert!(e.contains("locked up to") && e.contains("after"), "{e}");
    // Bad arguments are tool errors too, not protocol errors.
    let e = s.err("list_invoices", json!({"from": "31/12/2026"})).await;
    assert!(
        e.contains("from") || e.contains("date") || e.contains("input"),
        "{e}"
    );
    let e = s.err("list_invoices", json!({"limit": 5000})).await;
    assert!(e.contains("limit"), "{e}");
    let e = s
        .err(
            "get_document",
            json!({"id": "inv_01hzzzzzzzzzzzzzzzzzzzzzzz"}),
        )
        .await;
    assert!(e.contains("No "), "{e}");
    // Reading a kind the connection was not granted: a tool error naming the permission.
    let narrow = crate::connect(&app, &owner, &["invoices:read"]).await;
    let n = Mcp::open(&app, &company, &narrow, Era::Stateless).await;
    let e = n
        .err(
            "get_document",
            json!({"id": "bil_01hzzzzzzzzzzzzzzzzzzzzzzz"}),
        )
        .await;
    assert!(e.contains("`bills:read`"), "{e}");
}

async fn reading_tools(app: TestApp) {
    let Ctx {
        owner,
        company,
        token,
    } = ctx(&app, ALL).await;
    let s = Mcp::open(&app, &company, &token, Era::Sessions).await;
    let today = app.svc.clock.today();
    let ch = chart(&s).await;
    let company_out = s.ok("get_company", json!({})).await;
    assert_eq!(company_out["id"], company.as_str());
    assert_eq!(company_out["today"], today.to_string());
    assert_eq!(company_out["fiscal_year_start"], "01-01");

    let contact = s
        .ok(
            "create_contact",
            json!({"idempotency_key": "k1", "name": "Northwind Traders", "is_customer": true}),
        )
        .await["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = s.ok("search_contacts", json!({"query": "northwind"})).await;
    assert_eq!(found["data"][0]["id"], contact.as_str());
    let none = s
        .ok(
            "search_contacts",
            json!({"query": "northwind", "role": "supplier"}),
        )
        .await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);

    // Three invoices drafted by the assistant, two approved by the owner.
    let oa = app.access(&owner).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let d = s
            .ok(
                "draft_invoice",
                invoice(&contact, &ch.revenue, &today.to_string(), &format!("i{i}")),
            )
            .await;
        ids.push(d["draft"]["id"].as_str().unwrap().to_owned());
    }
    for id in &ids[..2] {
        newledger_service::books::documents::approve(
            &app.svc,
            &oa,
            DocumentKind::Invoice,
            &DocumentId::parse(id).unwrap(),
            None,
        )
        .await
        .unwrap();
    }
    // Paging with a cursor.
    let p1 = s.ok("list_invoices", json!({"limit": 2})).await;
    assert_eq!(p1["data"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = s
        .ok("list_invoices", json!({"limit": 2, "cursor": cursor}))
        .await;
    assert_eq!(p2["data"].as_array().unwrap().len(), 1);
    assert!(p2["next_cursor"].is_null());
    let approved = s
        .ok(
            "list_invoices",
            json!({"status": "approved", "contact_id": contact}),
        )
        .await;
    assert_eq!(approved["data"].as_array().unwrap().len(), 2);
    assert_eq!(approved["data"][0]["amount_due"], "240.00");
    let overdue = s.ok("list_invoices", json!({"status": "overdue"})).await;
    assert_eq!(overdue["data"].as_array().unwrap().len(), 0);
    let later = s
        .ok("list_invoices", json!({"from": today.succ_opt().unwrap()}))
        .await;
    assert_eq!(later["data"].as_array().unwrap().len(), 0);
    assert_eq!(
        s.ok("list_bills", json!({})).await["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.ok("list_expenses", json!({})).await["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // One document with its lines; the entry that posted it.
    let doc = s.ok("get_document", json!({"id": ids[0]})).await;
    let d = &doc["document"];
    assert_eq!(d["status"], "approved");
    assert_eq!(d["lines"][0]["net"], "200.00");
    assert!(d["payments"].as_array().unwrap().is_empty());
    let entries = s
        .ok(
            "list_journal_entries",
            json!({"source": "invoice", "status": "posted"}),
        )
        .await;
    assert_eq!(entries["data"].as_array().unwrap().len(), 2);
    let jid = entries["data"][0]["id"].as_str().unwrap();
    let e = s.ok("get_document", json!({"id": jid})).await;
    assert_eq!(e["journal_entry"]["lines"].as_array().unwrap().len(), 3);
    assert!(e["document"].is_null());

    // Reports: the 480.00 of revenue + tax is everywhere it should be.
    let tb = s.ok("trial_balance", json!({})).await;
    assert_eq!(tb["report"]["total_debit"], tb["report"]["total_credit"]);
    assert_eq!(tb["report"]["total_debit"], "480.00");
    assert!(tb["comparison"].is_null());
    let yesterday = today.pred_opt().unwrap();
    let tb = s
        .ok("trial_balance", json!({"compare_as_of": yesterday}))
        .await;
    assert_eq!(tb["comparison"]["total_debit"], "0.00");
    let pl = s
        .ok(
            "profit_and_loss",
            json!({"from": today, "to": today, "compare_from": yesterday, "compare_to": yesterday}),
        )
        .await;
    assert_eq!(pl["report"]["net_profit"], "400.00");
    assert_eq!(pl["comparison"]["net_profit"], "0.00");
    let bs = s.ok("balance_sheet", json!({})).await;
    assert_eq!(bs["report"]["assets"]["total"], "480.00");
    assert_eq!(bs["report"]["total_liabilities_and_equity"], "480.00");
    let ar = s.ok("aging_report", json!({"side": "receivable"})).await;
    assert_eq!(ar["report"]["total"]["total"], "480.00");
    let ap = s
        .ok(
            "aging_report",
            json!({"side": "payable", "compare_as_of": yesterday}),
        )
        .await;
    assert_eq!(ap["report"]["total"]["total"], "0.00");
    s.ok("cash_summary", json!({"compare_from": yesterday}))
        .await;
    s.ok("expense_breakdown", json!({})).await;
    let gl = s
        .ok(
            "general_ledger",
            json!({"account_id": ch.revenue, "limit": 1}),
        )
        .await;
    assert_eq!(gl["report"]["data"].as_array().unwrap().len(), 1);
    let next = gl["report"]["next_cursor"].as_str().unwrap();
    let gl2 = s
        .ok(
            "general_ledger",
            json!({"account_id": ch.revenue, "limit": 1, "cursor": next}),
        )
        .await;
    assert_eq!(gl2["report"]["data"][0]["running_balance"], "-400.00");
    let gl = s
        .ok(
            "general_ledger",
            json!({"account_id": ch.revenue, "compare_from": yesterday, "compare_to": yesterday}),
        )
        .await;
    assert_eq!(gl["report"]["data"].as_array().unwrap().len(), 2);
    assert_eq!(gl["comparison"]["data"].as_array().unwrap().len(), 0);
    assert_eq!(gl["comparison"]["from"], yesterday.to_string());
    let e = s.err("cash_summary", json!({"from": "1990-01-01"})).await;
    assert!(e.contains("120"), "{e}");

    // An approved expense owes nothing: it was paid when it was spent (as the REST API says).
    let spent = s
        .ok(
            "draft_expense",
            json!({"idempotency_key": "e-1", "issue_date": today, "payment_account_id": ch.bank,
                "lines": [{"description": "Taxi", "quantity": "1", "unit_price": "20", "account_id": ch.expense, "tax_rate": "0"}]}),
        )
        .await["draft"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    newledger_service::books::documents::approve(
        &app.svc,
        &oa,
        DocumentKind::Expense,
        &DocumentId::parse(&spent).unwrap(),
        None,
    )
    .await
    .unwrap();
    let exp = s.ok("get_document", json!({"id": spent})).await;
    assert_eq!(exp["document"]["status"], "approved");
    assert_eq!(exp["document"]["amount_due"], "0.00");
}

newledger_testkit::both_apps!(
    tools_list_is_filtered,
    drafting_tools,
    errors_say_what_to_do,
    reading_tools
);
