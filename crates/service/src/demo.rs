//! Demo data: a person with a known password and TOTP secret, and a company with a year of
//! realistic activity (customers, suppliers, invoices in every state, bills, expenses,
//! payments, manual journals, drafts by a person and by an app).

use crate::activity::ActivityLog;
use crate::app_connect::apps::{self, NewApp};
use crate::books::contacts::{self, ContactInput};
use crate::books::documents::{self, DocumentInput};
use crate::books::journal::{self, JournalInput, JournalLineInput};
use crate::books::payments::{self, AllocationInput, PaymentInput};
use crate::clock::{Clock, ManualClock};
use crate::{Access, Result, Services, company, people};
use chrono::{Datelike, Days, NaiveDate};
use newledger_domain::account::Account;
use newledger_domain::actor::Actor;
use newledger_domain::document::{DocumentKind, LineInput};
use newledger_domain::ids::{AccountId, CompanyId, ContactId};
use newledger_domain::payment::PaymentKind;
use newledger_domain::permission::PermissionSet;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;

/// E-mail of the demo person.
pub const DEMO_EMAIL: &str = "demo@newledger.example";
/// Password of the demo person.
pub const DEMO_PASSWORD: &str = "demo-books-2026";
/// TOTP secret of the demo person (base32).
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// What `newledger demo --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct DemoInfo {
    /// Sign-in e-mail.
    pub email: String,
    /// Sign-in password.
    pub password: String,
    /// TOTP secret, base32.
    pub totp_secret: String,
    /// `otpauth://` URI of the secret.
    pub otpauth_uri: String,
    /// The demo company.
    pub company_id: CompanyId,
    /// A second (test) company, to show the company switcher.
    pub test_company_id: CompanyId,
    /// An API credential app of the demo company.
    pub demo_app_client_id: String,
    /// Its secret.
    pub demo_app_client_secret: String,
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn code<'a>(accounts: &'a [Account], code: &str) -> &'a AccountId {
    accounts
        .iter()
        .find(|a| a.code == code)
        .map_or_else(|| &accounts[0].id, |a| &a.id)
}

/// Creates the demo person and companies. Safe to call on a database that has them: it then
/// only returns the sign-in details of the first demo company.
pub async fn create(svc: &Services) -> Result<DemoInfo> {
    let user = match svc.store.user_by_email(DEMO_EMAIL).await? {
        Some(u) => u,
        None => {
            let u = people::users::create_user(svc, DEMO_EMAIL, "Dana Demo", DEMO_PASSWORD).await?;
            people::totp::store_secret(svc, &u.id, DEMO_TOTP_SECRET, true).await?;
            people::totp::regenerate_recovery_codes(svc, &u).await?;
            u
        }
    };
    let otpauth_uri = people::totp::otpauth_uri(DEMO_TOTP_SECRET, DEMO_EMAIL)?;
    let existing = company::companies_of(svc, &user.id).await?;
    let main = company::create_company(svc, &user.id, "Northwind Studio Ltd", "EUR", true).await?;
    let test = match existing.iter().find(|(c, _)| !c.is_live) {
        Some((c, _)) => c.clone(),
        None => {
            company::create_company(svc, &user.id, "Northwind Sandbox (test)", "EUR", false).await?
        }
    };
    let access = company::access_for_user(svc, &user.id, DEMO_EMAIL, &main.id, "demo").await?;
    let app = apps::create(
        svc,
        &access,
        NewApp {
            name: "Shop order sync".into(),
            purpose: "Drafts invoices for web-shop orders every night".into(),
            owner_email: None,
            expires_in_days: Some(365),
            permissions: vec![
                "accounts:read".into(),
                "contacts:read".into(),
                "invoices:read".into(),
                "invoices:draft".into(),
                "reports:read".into(),
            ],
        },
    )
    .await?;
    populate(svc, &access, &app.app, svc.clock.today()).await?;
    Ok(DemoInfo {
        email: DEMO_EMAIL.into(),
        password: DEMO_PASSWORD.into(),
        totp_secret: DEMO_TOTP_SECRET.into(),
        otpauth_uri,
        company_id: main.id,
        test_company_id: test.id,
        demo_app_client_id: app.app.id.to_string(),
        demo_app_client_secret: app.client_secret,
    })
}

/// Sign-in details of a demo created earlier (the demo app's secret was shown only then).
pub async fn existing(svc: &Services) -> Result<DemoInfo> {
    let user = svc
        .store
        .user_by_email(DEMO_EMAIL)
        .await?
        .ok_or(crate::Error::NotFound("demo person"))?;
    let companies = company::companies_of(svc, &user.id).await?;
    let main = companies
        .iter()
        .find(|(c, _)| c.is_live)
        .or(companies.first())
        .map(|(c, _)| c.id.clone())
        .ok_or(crate::Error::NotFound("demo company"))?;
    let test = companies
        .iter()
        .find(|(c, _)| !c.is_live)
        .map_or_else(|| main.clone(), |(c, _)| c.id.clone());
    let app = svc.store.list_apps(&main, false).await?.into_iter().next();
    Ok(DemoInfo {
        email: DEMO_EMAIL.into(),
        password: DEMO_PASSWORD.into(),
        totp_secret: DEMO_TOTP_SECRET.into(),
        otpauth_uri: people::totp::otpauth_uri(DEMO_TOTP_SECRET, DEMO_EMAIL)?,
        company_id: main,
        test_company_id: test,
        demo_app_client_id: app.map(|a| a.id.to_string()).unwrap_or_default(),
        demo_app_client_secret:
            "(shown only when the demo was created; rotate it in Settings → App Connect)".into(),
    })
}

/// Bulk postings for benchmarks.
pub mod large {
    use crate::{Result, Services};
    use chrono::Days;
    use newledger_domain::actor::Actor;
    use newledger_domain::ids::{CompanyId, EntryId};
    use newledger_domain::journal::{BalancedLines, Entry, EntryLines, EntrySource, Line};

    /// Adds at least `lines` posted journal lines (3 per entry: daily takings and costs, with
    /// tax) spread over the five years before today, in batches of 5,000 entries.
    pub async fn populate(
        svc: &Services,
        company: &CompanyId,
        lines: u64,
        progress: impl Fn(u64, u64),
    ) -> Result<()> {
        let accounts = svc.store.accounts(company).await?;
        let id = |code: &str| {
            accounts
                .iter()
                .find(|a| a.code == code)
                .map(|a| a.id.clone())
                .ok_or(crate::Error::NotFound("account"))
        };
        let (bank, sales, tax) = (id("1000")?, id("4000")?, id("2200")?);
        let costs = [
            id("5000")?,
            id("6000")?,
            id("6400")?,
            id("6500")?,
            id("6700")?,
        ];
        let today = svc.clock.today();
        let entries_needed = lines.div_ceil(3);
        let now = svc.clock.now_ms();
        let mut done = 0u64;
        let mut batch = Vec::with_capacity(5000);
        for i in 0..entries_needed {
            let date = today
                .checked_sub_days(Days::new(1 + (i * 1826 / entries_needed.max(1))))
                .unwrap_or(today);
            let net = 1_000 + i64::try_from(i % 97).unwrap_or(0) * 137;
            let vat = net / 5;
            let l = |account: &newledger_domain::ids::AccountId, debit: i64, credit: i64| Line {
                account_id: account.clone(),
                description: String::new(),
                contact_id: None,
                debit,
                credit,
            };
            let (memo, lines) = if i % 2 == 0 {
                (
                    "Daily takings",
                    vec![l(&bank, net + vat, 0), l(&sales, 0, net), l(&tax, 0, vat)],
                )
            } else {
                let cost = &costs[usize::try_from(i % 5).unwrap_or(0)];
                (
                    "Card purchases",
                    vec![l(cost, net, 0), l(&tax, vat, 0), l(&bank, 0, net + vat)],
                )
            };
            batch.push(Entry {
                id: svc.new_id(EntryId::PREFIX),
                company_id: company.clone(),
                number: format!("BULK-{i:07}"),
                date,
                memo: memo.into(),
                source: EntrySource::Manual,
                source_id: None,
                reverses_id: None,
                reversed_by_id: None,
                lines: EntryLines::Posted(BalancedLines::new(lines)?),
                created_by: Actor::System,
                posted_by: Some(Actor::System),
                posted_at: Some(now),
                created_at: now,
                updated_at: now,
                version: 1,
            });
            if batch.len() == 5000 || i + 1 == entries_needed {
                svc.store.bulk_post_entries(&batch).await?;
                done += u64::try_from(batch.len()).unwrap_or(0) * 3;
                batch.clear();
                progress(done, entries_needed * 3);
            }
        }
        crate::books::documents::documents_changed(svc).await;
        Ok(())
    }
}

const CUSTOMERS: &[&str] = &[
    "Acme Corporation",
    "Blue Harbor Cafe",
    "Cobalt Design GmbH",
    "Delta Logistics",
    "Evergreen Dental",
    "Fjord Analytics",
    "Granite & Co",
    "Helios Energy BV",
    "Ivy League Tutors",
    "Juniper Hotels",
];
const SUPPLIERS: &[&str] = &[
    "CloudHost Inc",
    "Office Depot",
    "City Properties",
    "PowerGrid Utilities",
    "Lex & Partners",
    "Telco Mobile",
    "AdWorks Media",
    "Insure One",
];

/// Milliseconds at 09:00 UTC of a day, plus `offset_s` seconds.
fn morning(day: NaiveDate, offset_s: u32) -> i64 {
    day.and_hms_opt(9, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
        + i64::from(offset_s) * 1000
}

/// The services with their clock (and the activity log's) standing on the day being filled
/// in, so that what the demo records — activity, creation times, the reversal date of a
/// void — spreads over the year instead of piling up on the day it was generated.
fn on_the_day(svc: &Services, clock: &Arc<ManualClock>) -> Services {
    let clock: Arc<dyn Clock> = clock.clone();
    Services {
        activity: Arc::new(ActivityLog::new(svc.store.clone(), clock.clone())),
        clock,
        ..svc.clone()
    }
}

/// Fills a company with a year of activity ending `today`.
pub async fn populate(
    svc: &Services,
    access: &Access,
    app: &newledger_domain::app::App,
    today: NaiveDate,
) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(42);
    let accounts = svc.store.accounts(&access.company.id).await?;
    let a = |c: &str| code(&accounts, c).clone();
    let start = today.checked_sub_days(Days::new(365)).unwrap_or(today);
    let real_now = svc.clock.now_ms();
    let clock = Arc::new(ManualClock::new(morning(start, 0)));
    let then = on_the_day(svc, &clock);
    let svc = &then;
    let mut customers = Vec::new();
    for (i, name) in CUSTOMERS.iter().enumerate() {
        let c = contacts::create(
            svc,
            access,
            ContactInput {
                name: (*name).into(),
                email: Some(format!("billing{i}@example.com")),
                is_customer: true,
                ..Default::default()
            },
        )
        .await?;
        customers.push(c.id);
    }
    let mut suppliers = Vec::new();
    for name in SUPPLIERS {
        let c = contacts::create(
            svc,
            access,
            ContactInput {
                name: (*name).into(),
                is_supplier: true,
                ..Default::default()
            },
        )
        .await?;
        suppliers.push(c.id);
    }
    // Payees of the everyday expenses (train, lunch, bank), so that the list names them.
    let mut payees = Vec::new();
    for name in ["Rail Express", "Café Luna", "First City Bank"] {
        let c = contacts::create(
            svc,
            access,
            ContactInput {
                name: name.into(),
                is_supplier: true,
                ..Default::default()
            },
        )
        .await?;
        payees.push(c.id);
    }
    // Opening capital.
    let capital = journal::create_draft(
        svc,
        access,
        JournalInput {
            date: start,
            memo: "Owner's capital injection".into(),
            lines: vec![
                jl(a("1000"), "Capital paid in", Some("25000.00"), None),
                jl(a("3000"), "Capital paid in", None, Some("25000.00")),
            ],
        },
    )
    .await?;
    journal::post(svc, access, &capital.id, None).await?;

    let services = [
        ("Design sprint", "4100", "1200.00"),
        ("Consulting hours", "4100", "95.00"),
        ("Website maintenance", "4000", "450.00"),
        ("Brand workshop", "4100", "2400.00"),
    ];
    let mut day = start;
    let mut n = 0u32;
    while day < today {
        n += 1;
        clock.set(morning(day, n));
        let customer = customers[rng.gen_range(0..customers.len())].clone();
        let (desc, acc, price) = services[rng.gen_range(0..services.len())];
        let qty = if desc == "Consulting hours" {
            rng.gen_range(4..40)
        } else {
            1
        };
        let inv = documents::create_draft(
            svc,
            access,
            DocumentKind::Invoice,
            DocumentInput {
                contact_id: Some(customer.clone()),
                issue_date: day,
                due_date: day.checked_add_days(Days::new(30)),
                reference: format!("PO-{}", 1000 + n),
                payment_account_id: None,
                lines: vec![line(desc, &qty.to_string(), price, a(acc), "20")],
            },
        )
        .await?;
        let age = (today - day).num_days();
        if age > 3 {
            let inv = documents::approve(svc, access, DocumentKind::Invoice, &inv.id, None).await?;
            if n.is_multiple_of(17) {
                // Voided a few hours later the same day: the reversal is dated that day.
                clock.set(morning(day, 6 * 3600 + n));
                documents::void(svc, access, DocumentKind::Invoice, &inv.id, None).await?;
            } else if age > 45 || (age > 20 && n.is_multiple_of(2)) {
                let paid_on = day
                    .checked_add_days(Days::new(rng.gen_range(5..40)))
                    .unwrap_or(day)
                    .min(today);
                let partial = n.is_multiple_of(11);
                let amount = if partial { inv.total / 2 } else { inv.total };
                pay(
                    svc,
                    access,
                    PaymentKind::Received,
                    &customer,
                    &a("1000"),
                    paid_on,
                    &inv.id,
                    amount,
                )
                .await?;
            }
        }
        // Bills and expenses through the week.
        if n.is_multiple_of(2) {
            let supplier_i = rng.gen_range(0..suppliers.len());
            let (desc, acc, price) = [
                ("Cloud hosting", "6400", "189.00"),
                ("Office supplies", "6700", "76.40"),
                ("Legal advice", "6800", "650.00"),
                ("Phone plan", "7100", "59.90"),
                ("Ads campaign", "6000", "420.00"),
                ("Insurance premium", "6950", "310.00"),
            ][supplier_i % 6];
            let bill = documents::create_draft(
                svc,
                access,
                DocumentKind::Bill,
                DocumentInput {
                    contact_id: Some(suppliers[supplier_i].clone()),
                    issue_date: day,
                    due_date: day.checked_add_days(Days::new(14)),
                    reference: format!("SUP-{n}"),
                    payment_account_id: None,
                    lines: vec![line(desc, "1", price, a(acc), "20")],
                },
            )
            .await?;
            if age > 2 {
                let bill =
                    documents::approve(svc, access, DocumentKind::Bill, &bill.id, None).await?;
                if age > 20 {
                    pay(
                        svc,
                        access,
                        PaymentKind::Made,
                        &suppliers[supplier_i],
                        &a("1000"),
                        day.checked_add_days(Days::new(12))
                            .unwrap_or(day)
                            .min(today),
                        &bill.id,
                        bill.total,
                    )
                    .await?;
                }
            }
        }
        if n.is_multiple_of(3) {
            let k = (n as usize / 3) % 3;
            let (desc, acc, price, card) = [
                ("Train tickets", "6500", "84.50", true),
                ("Team lunch", "6600", "132.00", true),
                ("Bank charges", "6100", "12.50", false),
            ][k];
            let e = documents::create_draft(
                svc,
                access,
                DocumentKind::Expense,
                DocumentInput {
                    contact_id: Some(payees[k].clone()),
                    issue_date: day,
                    due_date: None,
                    reference: format!("Receipt {}", 4000 + n),
                    payment_account_id: Some(if card { a("2100") } else { a("1000") }),
                    lines: vec![line(
                        desc,
                        "1",
                        price,
                        a(acc),
                        if acc == "6100" { "0" } else { "10" },
                    )],
                },
            )
            .await?;
            if age > 1 {
                documents::approve(svc, access, DocumentKind::Expense, &e.id, None).await?;
            }
        }
        if day.day() == 1 {
            let rent = documents::create_draft(
                svc,
                access,
                DocumentKind::Expense,
                DocumentInput {
                    contact_id: Some(suppliers[2].clone()),
                    issue_date: day,
                    due_date: None,
                    reference: "Rent".into(),
                    payment_account_id: Some(a("1000")),
                    lines: vec![line("Monthly office rent", "1", "1800.00", a("6200"), "0")],
                },
            )
            .await?;
            documents::approve(svc, access, DocumentKind::Expense, &rent.id, None).await?;
            let dep = journal::create_draft(
                svc,
                access,
                JournalInput {
                    date: day,
                    memo: "Monthly depreciation".into(),
                    lines: vec![
                        jl(a("7000"), "Depreciation", Some("150.00"), None),
                        jl(a("1510"), "Depreciation", None, Some("150.00")),
                    ],
                },
            )
            .await?;
            journal::post(svc, access, &dep.id, None).await?;
        }
        // Now and then a draft is started and thrown away, as people do.
        if n.is_multiple_of(13) && (today - day).num_days() > 10 {
            let scrap = documents::create_draft(
                svc,
                access,
                DocumentKind::Invoice,
                DocumentInput {
                    contact_id: Some(customer.clone()),
                    issue_date: day,
                    due_date: None,
                    reference: format!("DRAFT-{n}"),
                    payment_account_id: None,
                    lines: vec![line("Quote, not accepted", "1", "300.00", a("4000"), "20")],
                },
            )
            .await?;
            clock.set(morning(day, 2 * 3600 + n));
            documents::discard(svc, access, DocumentKind::Invoice, &scrap.id, None).await?;
        }
        day = day
            .checked_add_days(Days::new(rng.gen_range(2..4)))
            .unwrap_or(today);
    }
    // Drafts waiting for review: one by the person, two by the app.
    let app_access = Access {
        actor: Actor::App(app.id.clone()),
        label: app.name.clone(),
        permissions: app.permissions,
        ..access.clone()
    };
    // Their dates spread over the last weeks, like a queue that was not cleared every day.
    for (i, who) in [access, &app_access, &app_access].into_iter().enumerate() {
        let issued = today
            .checked_sub_days(Days::new(9 * i as u64))
            .unwrap_or(today);
        clock.set(morning(issued, 0).min(real_now));
        documents::create_draft(
            svc,
            who,
            DocumentKind::Invoice,
            DocumentInput {
                contact_id: Some(customers[i].clone()),
                issue_date: issued,
                due_date: None,
                reference: format!("WEB-{}", 500 + i),
                payment_account_id: None,
                lines: vec![line("Online order", "2", "49.00", a("4000"), "20")],
            },
        )
        .await?;
    }
    clock.set(real_now);
    journal::create_draft(
        svc,
        access,
        JournalInput {
            date: today,
            memo: "Owner drawings".into(),
            lines: vec![
                jl(a("3100"), "Drawings", Some("500.00"), None),
                jl(a("1000"), "Drawings", None, Some("500.00")),
            ],
        },
    )
    .await?;
    // The app drafted those invoices over the API: it shows as used (two exchanges, the last
    // one 40 minutes ago), like an app that runs every night.
    svc.store
        .flush_app_usage(&[(app.id.clone(), real_now - 40 * 60 * 1000, 2)])
        .await?;
    let _ = PermissionSet::EMPTY;
    Ok(())
}

fn line(desc: &str, qty: &str, price: &str, account: AccountId, tax: &str) -> LineInput {
    LineInput {
        description: desc.into(),
        quantity: dec(qty),
        unit_price: dec(price),
        account_id: account,
        tax_rate: dec(tax),
    }
}

fn jl(
    account: AccountId,
    desc: &str,
    debit: Option<&str>,
    credit: Option<&str>,
) -> JournalLineInput {
    JournalLineInput {
        account_id: account,
        description: desc.into(),
        contact_id: None,
        debit: debit.map(Into::into),
        credit: credit.map(Into::into),
    }
}

#[allow(clippy::too_many_arguments)]
async fn pay(
    svc: &Services,
    access: &Access,
    kind: PaymentKind,
    contact: &ContactId,
    bank: &AccountId,
    date: NaiveDate,
    doc: &newledger_domain::ids::DocumentId,
    amount: i64,
) -> Result<()> {
    let cur = access.company.currency;
    payments::record(
        svc,
        access,
        PaymentInput {
            kind,
            contact_id: contact.clone(),
            bank_account_id: bank.clone(),
            date,
            amount: cur.format(amount),
            reference: String::new(),
            allocations: vec![AllocationInput {
                document_id: doc.clone(),
                amount: cur.format(amount),
            }],
        },
    )
    .await?;
    Ok(())
}
