//! Wire shapes of the REST API. Money is a decimal string with the currency alongside;
//! instants are RFC 3339; every record carries who created it.

use newledger_domain::account::Account;
use newledger_domain::actor::Actor;
use newledger_domain::company::Company;
use newledger_domain::contact::Contact;
use newledger_domain::document::Document;
use newledger_domain::journal::Entry;
use newledger_domain::money::Currency;
use newledger_domain::payment::Payment;
use newledger_service::clock::rfc3339;
use serde::Serialize;
use utoipa::ToSchema;

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct ListPage<T: Serialize> {
    /// Items.
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Who created or changed something.
#[derive(Serialize, ToSchema)]
pub struct ActorDto {
    /// `user`, `app`, `connection` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

impl From<&Actor> for ActorDto {
    fn from(a: &Actor) -> Self {
        Self {
            kind: a.kind().into(),
            id: a.id().into(),
        }
    }
}

/// The company profile.
#[derive(Serialize, ToSchema)]
pub struct CompanyDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Base currency.
    pub currency: String,
    /// Live books (false: a test company).
    pub is_live: bool,
    /// Nothing posts on or before this date.
    pub lock_date: Option<String>,
    /// Fiscal year start, `MM-DD`.
    pub fiscal_year_start: String,
}

impl From<&Company> for CompanyDto {
    fn from(c: &Company) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            currency: c.currency.code().into(),
            is_live: c.is_live,
            lock_date: c.lock_date.map(|d| d.to_string()),
            fiscal_year_start: format!(
                "{:02}-{:02}",
                c.fiscal_year_start_month, c.fiscal_year_start_day
            ),
        }
    }
}

/// An account of the chart.
#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// asset, liability, equity, revenue, expense.
    pub class: String,
    /// general, bank, card, receivable, payable, tax, retained_earnings.
    pub role: String,
    /// Archived accounts take no new postings.
    pub archived: bool,
}

impl From<&Account> for AccountDto {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.to_string(),
            code: a.code.clone(),
            name: a.name.clone(),
            class: a.class.as_str().into(),
            role: a.role.as_str().into(),
            archived: a.archived,
        }
    }
}

/// A customer or supplier.
#[derive(Serialize, ToSchema)]
pub struct ContactDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Customer.
    pub is_customer: bool,
    /// Supplier.
    pub is_supplier: bool,
    /// Tax number.
    pub tax_number: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Creator.
    pub created_by: ActorDto,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Version (the ETag).
    pub version: i64,
}

impl From<&Contact> for ContactDto {
    fn from(c: &Contact) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            email: c.email.clone(),
            is_customer: c.is_customer,
            is_supplier: c.is_supplier,
            tax_number: c.tax_number.clone(),
            address: c.address.clone(),
            created_by: (&c.created_by).into(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            version: c.version,
        }
    }
}

/// A document line.
#[derive(Serialize, ToSchema)]
pub struct LineDto {
    /// Description.
    pub description: String,
    /// Quantity (decimal string).
    pub quantity: String,
    /// Unit price (decimal string).
    pub unit_price: String,
    /// Account.
    pub account_id: String,
    /// Tax rate in percent (decimal string).
    pub tax_rate: String,
    /// quantity × unit price, rounded.
    pub net: String,
    /// Tax of the line, rounded half away from zero.
    pub tax: String,
}

/// An invoice, bill or expense.
#[derive(Serialize, ToSchema)]
pub struct DocumentDto {
    /// Id.
    pub id: String,
    /// invoice, bill or expense.
    #[serde(rename = "type")]
    pub kind: String,
    /// Number.
    pub number: String,
    /// draft, approved, paid, voided, discarded.
    pub status: String,
    /// Contact.
    pub contact_id: Option<String>,
    /// Issue date.
    pub issue_date: String,
    /// Due date.
    pub due_date: String,
    /// Reference.
    pub reference: String,
    /// Currency.
    pub currency: String,
    /// Lines.
    pub lines: Vec<LineDto>,
    /// Sum of nets.
    pub subtotal: String,
    /// Sum of taxes.
    pub tax: String,
    /// Total.
    pub total: String,
    /// Paid so far.
    pub amount_paid: String,
    /// Still due.
    pub amount_due: String,
    /// Expenses: bank or card paid from.
    pub payment_account_id: Option<String>,
    /// Posting entry.
    pub journal_entry_id: Option<String>,
    /// Creator (person, app or connection).
    pub created_by: ActorDto,
    /// Approver.
    pub approved_by: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Version (the ETag).
    pub version: i64,
    /// Where a person reviews it in the web app.
    pub review_url: String,
}

/// Converts a document.
pub fn document(d: &Document, base_url: &str) -> DocumentDto {
    let cur = d.currency;
    let m = |v: i64| cur.format(v);
    DocumentDto {
        id: d.id.to_string(),
        kind: d.kind.as_str().into(),
        number: d.number.clone(),
        status: d.status.as_str().into(),
        contact_id: d.contact_id.as_ref().map(|c| c.to_string()),
        issue_date: d.issue_date.to_string(),
        due_date: d.due_date.to_string(),
        reference: d.reference.clone(),
        currency: d.currency.code().into(),
        lines: d
            .lines
            .iter()
            .map(|l| LineDto {
                description: l.input.description.clone(),
                quantity: l.input.quantity.normalize().to_string(),
                unit_price: l.input.unit_price.to_string(),
                account_id: l.input.account_id.to_string(),
                tax_rate: l.input.tax_rate.normalize().to_string(),
                net: m(l.net),
                tax: m(l.tax),
            })
            .collect(),
        subtotal: m(d.subtotal),
        tax: m(d.tax),
        total: m(d.total),
        amount_paid: m(d.amount_paid),
        amount_due: m(d.outstanding()),
        payment_account_id: d.payment_account_id.as_ref().map(|a| a.to_string()),
        journal_entry_id: d.entry_id.as_ref().map(|e| e.to_string()),
        created_by: (&d.created_by).into(),
        approved_by: d.approved_by.as_ref().map(|u| u.to_string()),
        created_at: rfc3339(d.created_at),
        updated_at: rfc3339(d.updated_at),
        version: d.version,
        review_url: newledger_service::books::document_review_url(base_url, d),
    }
}

/// A journal line.
#[derive(Serialize, ToSchema)]
pub struct JournalLineDto {
    /// Account.
    pub account_id: String,
    /// Description.
    pub description: String,
    /// Contact.
    pub contact_id: Option<String>,
    /// Debit.
    pub debit: String,
    /// Credit.
    pub credit: String,
}

/// A journal entry.
#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    /// Id.
    pub id: String,
    /// Number.
    pub number: String,
    /// Date.
    pub date: String,
    /// Memo.
    pub memo: String,
    /// draft, posted, discarded.
    pub status: String,
    /// manual, invoice, bill, expense, payment, reversal.
    pub source: String,
    /// Originating record.
    pub source_id: Option<String>,
    /// Entry this reverses.
    pub reverses_id: Option<String>,
    /// Entry that reversed this.
    pub reversed_by_id: Option<String>,
    /// Currency.
    pub currency: String,
    /// Lines.
    pub lines: Vec<JournalLineDto>,
    /// Sum of debits.
    pub total: String,
    /// Creator.
    pub created_by: ActorDto,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Version.
    pub version: i64,
    /// Where a person reviews (and, for a draft, posts) it in the web app.
    pub review_url: String,
}

/// Converts an entry.
pub fn entry(e: &Entry, cur: Currency, base_url: &str) -> EntryDto {
    EntryDto {
        id: e.id.to_string(),
        number: e.number.clone(),
        date: e.date.to_string(),
        memo: e.memo.clone(),
        status: e.status().as_str().into(),
        source: e.source.as_str().into(),
        source_id: e.source_id.clone(),
        reverses_id: e.reverses_id.as_ref().map(|i| i.to_string()),
        reversed_by_id: e.reversed_by_id.as_ref().map(|i| i.to_string()),
        currency: cur.code().into(),
        lines: e
            .lines()
            .iter()
            .map(|l| JournalLineDto {
                account_id: l.account_id.to_string(),
                description: l.description.clone(),
                contact_id: l.contact_id.as_ref().map(|c| c.to_string()),
                debit: cur.format(l.debit),
                credit: cur.format(l.credit),
            })
            .collect(),
        total: cur.format(e.total()),
        created_by: (&e.created_by).into(),
        created_at: rfc3339(e.created_at),
        updated_at: rfc3339(e.updated_at),
        version: e.version,
        review_url: newledger_service::books::entry_review_url(base_url, e),
    }
}

/// A payment allocation.
#[derive(Serialize, ToSchema)]
pub struct AllocationDto {
    /// Document.
    pub document_id: String,
    /// Amount.
    pub amount: String,
}

/// A payment.
#[derive(Serialize, ToSchema)]
pub struct PaymentDto {
    /// Id.
    pub id: String,
    /// received or made.
    pub kind: String,
    /// Number.
    pub number: String,
    /// Contact.
    pub contact_id: String,
    /// Bank or card account.
    pub bank_account_id: String,
    /// Date.
    pub date: String,
    /// Amount.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Reference.
    pub reference: String,
    /// Allocations.
    pub allocations: Vec<AllocationDto>,
    /// Posting entry.
    pub journal_entry_id: String,
    /// Recorded.
    pub created_at: String,
}

/// Converts a payment.
pub fn payment(p: &Payment, cur: Currency) -> PaymentDto {
    PaymentDto {
        id: p.id.to_string(),
        kind: p.kind.as_str().into(),
        number: p.number.clone(),
        contact_id: p.contact_id.to_string(),
        bank_account_id: p.bank_account_id.to_string(),
        date: p.date.to_string(),
        amount: cur.format(p.amount),
        currency: p.currency.code().into(),
        reference: p.reference.clone(),
        allocations: p
            .allocations
            .iter()
            .map(|(d, a)| AllocationDto {
                document_id: d.to_string(),
                amount: cur.format(*a),
            })
            .collect(),
        journal_entry_id: p.entry_id.to_string(),
        created_at: rfc3339(p.created_at),
    }
}
