//! What the tools return, shaped for a model: money as exact decimal strings with the currency
//! alongside, dates as ISO `YYYY-MM-DD`, every record with the link where a person reviews it.
//! Only shapes live here; every value is computed by the service and the domain.

use newledger_domain::account::Account;
use newledger_domain::company::Company;
use newledger_domain::contact::Contact;
use newledger_domain::document::Document;
use newledger_domain::journal::Entry;
use newledger_domain::money::Currency;
use newledger_domain::payment::Payment;
use newledger_service::books;
use newledger_service::reports::ReportJson;
use rmcp::ErrorData;
use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct Page<T: JsonSchema> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; null when this is the last page.
    pub next_cursor: Option<String>,
}

/// The company whose books these are.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct CompanyOut {
    /// Company id (`cmp_…`).
    pub id: String,
    /// Company name.
    pub name: String,
    /// Base currency (ISO 4217): every amount in these books is in it.
    pub currency: String,
    /// False for a test company.
    pub is_live: bool,
    /// Nothing can be dated on or before this date (the books are closed up to it); null when open.
    pub lock_date: Option<String>,
    /// First day of every fiscal year, `MM-DD`.
    pub fiscal_year_start: String,
    /// First day of the fiscal year that contains today.
    pub current_fiscal_year_from: String,
    /// Today's date on the server (use it to resolve "this month", "last quarter"…).
    pub today: String,
}

impl CompanyOut {
    pub fn new(c: &Company, today: chrono::NaiveDate) -> Self {
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
            current_fiscal_year_from: c.fiscal_year_start(today).to_string(),
            today: today.to_string(),
        }
    }
}

/// An account of the chart of accounts.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct AccountOut {
    /// Account id (`acc_…`): use it in draft lines.
    pub id: String,
    /// Account code (`4000`).
    pub code: String,
    /// Account name.
    pub name: String,
    /// `asset`, `liability`, `equity`, `revenue` or `expense`.
    pub class: String,
    /// `general`, `bank`, `card`, `receivable`, `payable`, `tax` or `retained_earnings`. Only
    /// `general` accounts take document lines; `bank` and `card` accounts pay expenses.
    pub role: String,
    /// Archived accounts take no new entries.
    pub archived: bool,
}

impl From<&Account> for AccountOut {
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

/// The chart of accounts.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct AccountsOut {
    /// Every account, by code.
    pub accounts: Vec<AccountOut>,
}

/// A customer or supplier.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct ContactOut {
    /// Contact id (`ctc_…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// May be invoiced (a customer).
    pub is_customer: bool,
    /// May send bills (a supplier).
    pub is_supplier: bool,
    /// Tax (VAT) number.
    pub tax_number: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

impl From<&Contact> for ContactOut {
    fn from(c: &Contact) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            email: c.email.clone(),
            is_customer: c.is_customer,
            is_supplier: c.is_supplier,
            tax_number: c.tax_number.clone(),
            address: c.address.clone(),
        }
    }
}

/// Who made a record.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct AuthorOut {
    /// `user` (a person), `app`, `connection` (an assistant like you) or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

impl From<&newledger_domain::actor::Actor> for AuthorOut {
    fn from(a: &newledger_domain::actor::Actor) -> Self {
        Self {
            kind: a.kind().into(),
            id: a.id().into(),
        }
    }
}

/// A line of an invoice, bill or expense.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct LineOut {
    /// What was sold or bought.
    pub description: String,
    /// Quantity (decimal string).
    pub quantity: String,
    /// Price of one unit before tax (decimal string).
    pub unit_price: String,
    /// Account the line posts to (`acc_…`).
    pub account_id: String,
    /// Tax rate in percent (`"20"` is 20 %).
    pub tax_rate: String,
    /// Quantity × unit price, rounded to the currency.
    pub net: String,
    /// Tax of the line, rounded half away from zero.
    pub tax: String,
}

/// A payment allocated to a document.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct PaymentOut {
    /// Payment id (`pay_…`).
    pub id: String,
    /// `received` (from a customer) or `made` (to a supplier).
    pub kind: String,
    /// Payment number.
    pub number: String,
    /// Payment date.
    pub date: String,
    /// Bank or card account (`acc_…`).
    pub bank_account_id: String,
    /// Whole payment amount.
    pub amount: String,
    /// Part of it allocated to this document.
    pub allocated_here: String,
    /// Reference.
    pub reference: String,
}

/// An invoice, bill or expense.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct DocumentOut {
    /// Id (`inv_…`, `bil_…` or `exp_…`).
    pub id: String,
    /// `invoice`, `bill` or `expense`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Document number (`INV-0007`).
    pub number: String,
    /// `draft` (waiting for a person), `approved` (in the ledger, open), `paid`, `voided` or `discarded`.
    pub status: String,
    /// Customer (invoice), supplier (bill) or payee (expense).
    pub contact_id: Option<String>,
    /// Issue date (expenses: date of spending).
    pub issue_date: String,
    /// Due date.
    pub due_date: String,
    /// Free reference (order or receipt number).
    pub reference: String,
    /// Currency of every amount.
    pub currency: String,
    /// Sum of the lines' nets.
    pub subtotal: String,
    /// Sum of the lines' taxes.
    pub tax: String,
    /// Subtotal + tax.
    pub total: String,
    /// Paid so far.
    pub amount_paid: String,
    /// Still owed (zero for drafts, voided and discarded documents).
    pub amount_due: String,
    /// Expenses: the bank or card account paid from.
    pub payment_account_id: Option<String>,
    /// Who drafted it.
    pub created_by: AuthorOut,
    /// Version: pass it as `expected_version` when you replace a draft.
    pub version: i64,
    /// Where a person reviews it in the web app.
    pub review_url: String,
    /// The lines (in `get_document` and draft results; empty in lists).
    pub lines: Vec<LineOut>,
    /// Payments allocated to it (in `get_document`; empty elsewhere).
    pub payments: Vec<PaymentOut>,
}

impl DocumentOut {
    /// The document without its lines (lists).
    pub fn summary(d: &Document, base_url: &str) -> Self {
        let cur = d.currency;
        let m = |v: i64| cur.format(v);
        Self {
            id: d.id.to_string(),
            kind: d.kind.as_str().into(),
            number: d.number.clone(),
            status: d.status.as_str().into(),
            contact_id: d.contact_id.as_ref().map(|c| c.to_string()),
            issue_date: d.issue_date.to_string(),
            due_date: d.due_date.to_string(),
            reference: d.reference.clone(),
            currency: d.currency.code().into(),
            subtotal: m(d.subtotal),
            tax: m(d.tax),
            total: m(d.total),
            amount_paid: m(d.amount_paid),
            amount_due: m(d.outstanding()),
            payment_account_id: d.payment_account_id.as_ref().map(|a| a.to_string()),
            created_by: (&d.created_by).into(),
            version: d.version,
            review_url: books::document_review_url(base_url, d),
            lines: Vec::new(),
            payments: Vec::new(),
        }
    }

    /// The document with its lines and the payments allocated to it.
    pub fn full(d: &Document, payments: &[Payment], base_url: &str) -> Self {
        let cur = d.currency;
        let mut out = Self::summary(d, base_url);
        out.lines = d
            .lines
            .iter()
            .map(|l| LineOut {
                description: l.input.description.clone(),
                quantity: l.input.quantity.normalize().to_string(),
                unit_price: l.input.unit_price.to_string(),
                account_id: l.input.account_id.to_string(),
                tax_rate: l.input.tax_rate.normalize().to_string(),
                net: cur.format(l.net),
                tax: cur.format(l.tax),
            })
            .collect();
        out.payments = payments
            .iter()
            .map(|p| PaymentOut {
                id: p.id.to_string(),
                kind: p.kind.as_str().into(),
                number: p.number.clone(),
                date: p.date.to_string(),
                bank_account_id: p.bank_account_id.to_string(),
                amount: cur.format(p.amount),
                allocated_here: cur.format(p.allocated_to(&d.id)),
                reference: p.reference.clone(),
            })
            .collect();
        out
    }
}

/// A line of a journal entry: a debit or a credit on one account.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct JournalLineOut {
    /// Account (`acc_…`).
    pub account_id: String,
    /// Description.
    pub description: String,
    /// Contact, if any.
    pub contact_id: Option<String>,
    /// Debit ("0.00" when the line is a credit).
    pub debit: String,
    /// Credit ("0.00" when the line is a debit).
    pub credit: String,
}

/// A journal entry.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct EntryOut {
    /// Id (`jnl_…`).
    pub id: String,
    /// Entry number (`JE-00012`).
    pub number: String,
    /// Accounting date.
    pub date: String,
    /// Narration.
    pub memo: String,
    /// `draft` (waiting for a person to post it), `posted` or `discarded`.
    pub status: String,
    /// `manual`, `invoice`, `bill`, `expense`, `payment` or `reversal`.
    pub source: String,
    /// The document or payment that made it, if any.
    pub source_id: Option<String>,
    /// Currency of every amount.
    pub currency: String,
    /// Sum of the debits (equal to the sum of the credits).
    pub total: String,
    /// Who drafted it.
    pub created_by: AuthorOut,
    /// Version: pass it as `expected_version` when you replace a draft.
    pub version: i64,
    /// Where a person reviews (and posts) it in the web app.
    pub review_url: String,
    /// The lines (empty in lists).
    pub lines: Vec<JournalLineOut>,
}

impl EntryOut {
    /// The entry without its lines (lists).
    pub fn summary(e: &Entry, cur: Currency, base_url: &str) -> Self {
        Self {
            id: e.id.to_string(),
            number: e.number.clone(),
            date: e.date.to_string(),
            memo: e.memo.clone(),
            status: e.status().as_str().into(),
            source: e.source.as_str().into(),
            source_id: e.source_id.clone(),
            currency: cur.code().into(),
            total: cur.format(e.total()),
            created_by: (&e.created_by).into(),
            version: e.version,
            review_url: books::entry_review_url(base_url, e),
            lines: Vec::new(),
        }
    }

    /// The entry with its lines.
    pub fn full(e: &Entry, cur: Currency, base_url: &str) -> Self {
        let mut out = Self::summary(e, cur, base_url);
        out.lines = e
            .lines()
            .iter()
            .map(|l| JournalLineOut {
                account_id: l.account_id.to_string(),
                description: l.description.clone(),
                contact_id: l.contact_id.as_ref().map(|c| c.to_string()),
                debit: cur.format(l.debit),
                credit: cur.format(l.credit),
            })
            .collect();
        out
    }
}

/// One record read by id: a document or a journal entry.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct RecordOut {
    /// The invoice, bill or expense, when the id was one.
    pub document: Option<DocumentOut>,
    /// The journal entry, when the id was one.
    pub journal_entry: Option<EntryOut>,
}

/// What a drafting tool did.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct DraftOut<T: JsonSchema> {
    /// Always `waiting_for_review`: nothing is in the ledger until a person approves it.
    pub status: String,
    /// What to tell the person.
    pub message: String,
    /// Where the person reviews and approves it.
    pub review_url: String,
    /// True when this answers a retry: the draft was made by an earlier call with the same
    /// `idempotency_key`, and nothing new was created.
    pub replayed: bool,
    /// The draft as saved.
    pub draft: T,
}

/// What `create_contact` did.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct ContactCreatedOut {
    /// True when this answers a retry with the same `idempotency_key` (nothing new created).
    pub replayed: bool,
    /// The contact.
    pub contact: ContactOut,
}

/// A report, and the same report over a comparison period when one was asked for.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct Compared<T: JsonSchema> {
    /// The report.
    pub report: T,
    /// The same report for the comparison period (null when none was asked for).
    pub comparison: Option<T>,
}

/// A report tool's result, [`Compared`] put together from the service's cached JSON of each
/// report (its structured content, and the same as text for clients that read only text):
/// nothing is serialized twice, and a cached report not at all.
pub(crate) struct ReportResult {
    value: serde_json::Value,
    text: String,
}

impl ReportResult {
    pub(crate) fn new(report: &ReportJson, comparison: Option<&ReportJson>) -> Self {
        // Keys in the order serde_json writes a value's (sorted), as the text of `Json` was.
        let text = format!(
            "{{\"comparison\":{},\"report\":{}}}",
            comparison.map_or("null", |c| c.text.as_str()),
            report.text
        );
        // A clone of the cached values (`json!` would convert them through serde again).
        let mut value = serde_json::Map::new();
        value.insert("report".into(), report.value.clone());
        value.insert(
            "comparison".into(),
            comparison.map_or(serde_json::Value::Null, |c| c.value.clone()),
        );
        let value = serde_json::Value::Object(value);
        Self { value, text }
    }
}

impl IntoCallToolResult for ReportResult {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        let mut r = CallToolResult::structured(serde_json::Value::Null);
        r.content = vec![ContentBlock::text(self.text)];
        r.structured_content = Some(self.value);
        Ok(r.into())
    }
}
