//! Records built with the domain's own constructors, written through the store: people,
//! a company with the template chart, contacts, documents with their posting entries, journal
//! entries and payments. Every id is fresh, so tests never see each other's rows.

use chrono::NaiveDate;
use newledger_domain::account::{Account, TEMPLATE_CHART};
use newledger_domain::actor::Actor;
use newledger_domain::company::Company;
use newledger_domain::contact::Contact;
use newledger_domain::document::{
    Document, DocumentKind, DocumentStatus, LineInput, PostingAccounts, compute_lines,
    posting_lines,
};
use newledger_domain::ids::*;
use newledger_domain::journal::{Entry, EntryLines, EntrySource, EntryStatus, Line};
use newledger_domain::money::Currency;
use newledger_domain::payment::{Payment, PaymentKind, payment_lines};
use newledger_store::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The instant every fixture is created at: 2026-06-30T12:00:00Z.
pub const NOW: i64 = 1_782_820_800_000;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A fresh lower-case ULID.
#[allow(clippy::disallowed_methods)] // reason: fixtures written straight to the store, which has no id source
pub fn uid() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

pub fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

pub fn is_conflict<T: std::fmt::Debug>(r: StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::Conflict { .. }))
}

pub fn user_record() -> UserRecord {
    let n = uid();
    UserRecord {
        id: UserId::from_suffix(&n),
        email: format!("u-{n}@example.com"),
        name: format!("User {n}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: None,
        created_at: NOW,
    }
}

/// A person, inserted.
pub async fn user(store: &dyn Store) -> UserRecord {
    let u = user_record();
    store.insert_user(&u).await.unwrap();
    u
}

/// The template chart with fresh ids.
pub fn chart() -> Vec<Account> {
    TEMPLATE_CHART
        .iter()
        .map(|t| Account {
            id: AccountId::from_suffix(&uid()),
            code: t.code.into(),
            name: t.name.into(),
            class: t.class,
            role: t.role,
            archived: false,
        })
        .collect()
}

/// A company with its owner and chart.
pub struct Books {
    pub company: Company,
    pub owner: UserRecord,
    pub accounts: Vec<Account>,
}

impl Books {
    pub fn id(&self) -> &CompanyId {
        &self.company.id
    }

    /// The account with this template code.
    pub fn acc(&self, code: &str) -> AccountId {
        self.accounts
            .iter()
            .find(|a| a.code == code)
            .unwrap()
            .id
            .clone()
    }

    pub fn actor(&self) -> Actor {
        Actor::User(self.owner.id.clone())
    }
}

pub fn company_record(name: &str) -> Company {
    Company {
        id: CompanyId::from_suffix(&uid()),
        name: name.into(),
        currency: eur(),
        is_live: true,
        lock_date: None,
        fiscal_year_start_month: 1,
        fiscal_year_start_day: 1,
        time_zone: newledger_domain::company::TimeZone::UTC,
    }
}

/// A fresh owner and company with the template chart.
pub async fn books(store: &dyn Store) -> Books {
    let owner = user(store).await;
    let company = company_record("Fixture Ltd");
    let accounts = chart();
    store
        .create_company(&company, &owner.id, &accounts, NOW)
        .await
        .unwrap();
    Books {
        company,
        owner,
        accounts,
    }
}

/// Sets the company's lock date.
pub async fn lock(store: &dyn Store, b: &Books, date: NaiveDate) {
    let mut c = store.company(b.id()).await.unwrap().unwrap();
    c.lock_date = Some(date);
    store.update_company(&c, NOW).await.unwrap();
}

pub fn contact_record(b: &Books, name: &str, customer: bool) -> Contact {
    Contact {
        id: ContactId::from_suffix(&uid()),
        company_id: b.id().clone(),
        name: name.into(),
        email: Some(format!("{}@example.com", uid())),
        is_customer: customer,
        is_supplier: !customer,
        tax_number: Some("GB123456789".into()),
        address: None,
        created_by: b.actor(),
        created_at: NOW,
        updated_at: NOW,
        version: 1,
    }
}

/// A customer (or a supplier), inserted.
pub async fn contact(store: &dyn Store, b: &Books, name: &str, customer: bool) -> Contact {
    let c = contact_record(b, name, customer);
    store.insert_contact(&c).await.unwrap();
    c
}

/// `PREFIX-0001` from the company's counter.
pub async fn number(store: &dyn Store, b: &Books, counter: &str, prefix: &str) -> String {
    let n = store.next_number(b.id(), counter).await.unwrap();
    format!("{prefix}-{n:04}")
}

fn counter_of(kind: DocumentKind) -> &'static str {
    kind.as_str()
}

pub fn document_id(kind: DocumentKind) -> DocumentId {
    DocumentId::parse(&format!("{}{}", kind.id_prefix(), uid())).unwrap()
}

/// The account a document line posts to: sales, software or travel.
pub fn line_account(b: &Books, kind: DocumentKind) -> AccountId {
    match kind {
        DocumentKind::Invoice => b.acc("4000"),
        DocumentKind::Bill => b.acc("6400"),
        DocumentKind::Expense => b.acc("6500"),
    }
}

/// A draft of one line of `net` minor units at 20 % tax (total = 1.2 × net), inserted.
pub async fn draft(
    store: &dyn Store,
    b: &Books,
    kind: DocumentKind,
    contact: Option<&ContactId>,
    net: i64,
    issue: NaiveDate,
) -> Document {
    let (lines, t) = compute_lines(
        vec![LineInput {
            description: "Work".into(),
            quantity: Decimal::ONE,
            unit_price: Decimal::new(net, 2),
            account_id: line_account(b, kind),
            tax_rate: Decimal::new(20, 0),
        }],
        eur(),
    )
    .unwrap();
    let doc = Document {
        id: document_id(kind),
        company_id: b.id().clone(),
        kind,
        number: number(store, b, counter_of(kind), kind.number_prefix()).await,
        status: DocumentStatus::Draft,
        contact_id: contact.cloned(),
        issue_date: issue,
        due_date: issue + chrono::Days::new(30),
        reference: String::new(),
        currency: eur(),
        lines,
        subtotal: t.subtotal,
        tax: t.tax,
        total: t.total,
        amount_paid: 0,
        payment_account_id: (kind == DocumentKind::Expense).then(|| b.acc("2100")),
        entry_id: None,
        void_entry_id: None,
        settled_on: None,
        created_by: b.actor(),
        approved_by: None,
        approved_at: None,
        created_at: NOW,
        updated_at: NOW,
        version: 1,
    };
    store.insert_document(&doc).await.unwrap();
    doc
}

/// A draft invoice of `net` (+20 % tax) to `contact`, issued on `issue`, due 30 days later.
pub async fn invoice(
    store: &dyn Store,
    b: &Books,
    contact: &ContactId,
    net: i64,
    issue: NaiveDate,
) -> Document {
    draft(store, b, DocumentKind::Invoice, Some(contact), net, issue).await
}

pub fn entry_record(
    b: &Books,
    number: String,
    date: NaiveDate,
    lines: Vec<Line>,
    status: EntryStatus,
    source: EntrySource,
) -> Entry {
    let posted = status == EntryStatus::Posted;
    Entry {
        id: EntryId::from_suffix(&uid()),
        company_id: b.id().clone(),
        number,
        date,
        memo: "Fixture entry".into(),
        source,
        source_id: None,
        reverses_id: None,
        reversed_by_id: None,
        lines: EntryLines::of_status(status, lines).unwrap(),
        created_by: b.actor(),
        posted_by: posted.then(|| b.actor()),
        posted_at: posted.then_some(NOW),
        created_at: NOW,
        updated_at: NOW,
        version: 1,
    }
}

pub fn line(account: &AccountId, debit: i64, credit: i64) -> Line {
    Line {
        account_id: account.clone(),
        description: format!("line {debit}/{credit}"),
        contact_id: None,
        debit,
        credit,
    }
}

/// A manual entry Dr `debit` / Cr `credit` of `amount`, numbered from the journal counter.
pub async fn manual(
    store: &dyn Store,
    b: &Books,
    date: NaiveDate,
    debit: &AccountId,
    credit: &AccountId,
    amount: i64,
    status: EntryStatus,
) -> Entry {
    let n = number(store, b, "journal", "JE").await;
    entry_record(
        b,
        n,
        date,
        vec![line(debit, amount, 0), line(credit, 0, amount)],
        status,
        EntrySource::Manual,
    )
}

/// The posted reversal of `original`, dated `date`.
pub async fn reversal(store: &dyn Store, b: &Books, original: &Entry, date: NaiveDate) -> Entry {
    let n = number(store, b, "journal", "JE").await;
    let lines = original
        .lines()
        .iter()
        .map(|l| Line {
            debit: l.credit,
            credit: l.debit,
            ..l.clone()
        })
        .collect();
    let mut r = entry_record(
        b,
        n,
        date,
        lines,
        EntryStatus::Posted,
        EntrySource::Reversal,
    );
    r.reverses_id = Some(original.id.clone());
    r.source_id = Some(original.id.to_string());
    r.memo = format!("Reversal of {}", original.number);
    r
}

/// The posted entry approving `doc` (dated its issue date), built by the domain.
pub async fn approval_entry(store: &dyn Store, b: &Books, doc: &Document) -> Entry {
    let counter = match doc.kind {
        DocumentKind::Invoice => b.acc("1100"),
        DocumentKind::Bill => b.acc("2000"),
        DocumentKind::Expense => doc.payment_account_id.clone().unwrap(),
    };
    let accounts = PostingAccounts {
        counter,
        tax: b.acc("2200"),
    };
    let totals = newledger_domain::document::Totals {
        subtotal: doc.subtotal,
        tax: doc.tax,
        total: doc.total,
    };
    let lines = posting_lines(
        doc.kind,
        &doc.lines,
        totals,
        &accounts,
        doc.contact_id.as_ref(),
        &doc.number,
    )
    .unwrap()
    .into_lines();
    let source = match doc.kind {
        DocumentKind::Invoice => EntrySource::Invoice,
        DocumentKind::Bill => EntrySource::Bill,
        DocumentKind::Expense => EntrySource::Expense,
    };
    let n = number(store, b, "journal", "JE").await;
    let mut e = entry_record(b, n, doc.issue_date, lines, EntryStatus::Posted, source);
    e.source_id = Some(doc.id.to_string());
    e
}

/// The document as `approve_document` expects it (approver set).
pub fn approving(b: &Books, doc: &Document) -> Document {
    Document {
        approved_by: Some(b.owner.id.clone()),
        ..doc.clone()
    }
}

/// Approves a draft; returns the document as stored now and its entry.
pub async fn approve(store: &dyn Store, b: &Books, doc: &Document) -> (Document, Entry) {
    let e = approval_entry(store, b, doc).await;
    store
        .approve_document(&approving(b, doc), doc.version, &e)
        .await
        .unwrap();
    (store.document(b.id(), &doc.id).await.unwrap().unwrap(), e)
}

/// A payment of `amount` on `date` for one invoice (received into the bank) or bill (made from
/// the bank), with its posting entry; not recorded yet.
pub async fn payment(
    store: &dyn Store,
    b: &Books,
    doc: &Document,
    amount: i64,
    date: NaiveDate,
) -> (Payment, Entry) {
    let (kind, control) = match doc.kind {
        DocumentKind::Invoice => (PaymentKind::Received, b.acc("1100")),
        _ => (PaymentKind::Made, b.acc("2000")),
    };
    let contact = doc.contact_id.clone().unwrap();
    let pn = number(store, b, "payment", "PAY").await;
    let lines = payment_lines(kind, amount, &b.acc("1000"), &control, &contact, &pn)
        .unwrap()
        .into_lines();
    let jn = number(store, b, "journal", "JE").await;
    let mut e = entry_record(
        b,
        jn,
        date,
        lines,
        EntryStatus::Posted,
        EntrySource::Payment,
    );
    let p = Payment {
        id: PaymentId::from_suffix(&uid()),
        company_id: b.id().clone(),
        kind,
        number: pn,
        contact_id: contact,
        bank_account_id: b.acc("1000"),
        date,
        amount,
        currency: eur(),
        reference: String::new(),
        entry_id: e.id.clone(),
        allocations: vec![(doc.id.clone(), amount)],
        created_by: b.actor(),
        created_at: NOW,
    };
    e.source_id = Some(p.id.to_string());
    (p, e)
}

/// Records a payment; returns the store's answer.
pub async fn pay(
    store: &dyn Store,
    b: &Books,
    doc: &Document,
    amount: i64,
    date: NaiveDate,
) -> StoreResult<Payment> {
    let (p, e) = payment(store, b, doc, amount, date).await;
    store.record_payment(&p, &e).await.map(|()| p)
}

/// `account_totals` as a map account → (debit, credit).
pub async fn totals(
    store: &dyn Store,
    company: &CompanyId,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> BTreeMap<AccountId, (i64, i64)> {
    store
        .account_totals(company, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|(a, dr, cr)| (a, (dr, cr)))
        .collect()
}

/// Debit − credit of one account in a totals map (0 when absent).
pub fn net(t: &BTreeMap<AccountId, (i64, i64)>, account: &AccountId) -> i64 {
    t.get(account).map_or(0, |(dr, cr)| dr - cr)
}

/// Asserts that debits equal credits over the whole ledger up to `to`.
pub async fn assert_ledger_balances(store: &dyn Store, company: &CompanyId, to: NaiveDate) {
    let t = totals(store, company, None, to).await;
    let (dr, cr) = t.values().fold((0, 0), |(a, b), (dr, cr)| (a + dr, b + cr));
    assert_eq!(dr, cr, "the ledger does not balance: {t:?}");
}

/// Every id of a listing, paging `limit` at a time through `list` with the `after` cursor.
pub async fn page_all<T>(
    limit: i64,
    id_of: impl Fn(&T) -> String,
    list: impl AsyncFn(ListQuery) -> StoreResult<Vec<T>>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = list(ListQuery {
            limit,
            after: after.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert!(
            rows.len() as i64 <= limit + 1,
            "a page holds at most limit + 1 rows"
        );
        let more = rows.len() as i64 > limit;
        let page: Vec<String> = rows.iter().take(limit as usize).map(&id_of).collect();
        after = page.last().cloned();
        out.extend(page);
        if !more {
            return out;
        }
    }
}
