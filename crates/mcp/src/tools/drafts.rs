//! Drafting tools: contacts, and drafts of invoices, bills, expenses and journal entries,
//! created or replaced by the service use cases the REST API calls, under an
//! `idempotency_key` kept by the service's idempotency mechanism (scoped to the connection,
//! the company and the tool). Nothing here approves or posts.

use super::ToolError;
use crate::server::Ledger;
use crate::shapes::{ContactCreatedOut, ContactOut, DocumentOut, DraftOut, EntryOut};
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::{DocumentId, EntryId};
use newledger_domain::permission::Permission;
use newledger_service::books::contacts::{self, ContactInput};
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::books::journal::{self, JournalInput};
use newledger_service::idempotency::{self, Once};
use newledger_service::work::Work;
use newledger_service::{Access, Error};
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A decimal number written as a string (`"12.50"`); a JSON number is accepted too.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Decimal(String);

impl JsonSchema for Decimal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
            "description": "Exact decimal as a string, e.g. \"12.50\" (no thousands separators)."
        })
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Decimal(s.trim().to_owned())),
            serde_json::Value::Number(n) => Ok(Decimal(n.to_string())),
            _ => Err(serde::de::Error::custom(
                "expected a decimal string such as \"12.50\"",
            )),
        }
    }
}

/// A line of an invoice, bill or expense.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct LineDraft {
    /// What was sold or bought.
    pub description: String,
    /// Quantity, e.g. "1" or "7.5" (hours).
    pub quantity: Decimal,
    /// Price of one unit before tax, in the company currency (negative for a discount line).
    pub unit_price: Decimal,
    /// Account (`acc_…`, role `general`): a revenue account for invoices, an expense or
    /// asset account for bills and expenses. list_accounts gives them.
    pub account_id: String,
    /// Tax rate in percent: "20" for 20 %, "0" for none.
    pub tax_rate: Decimal,
}

/// An invoice or bill as drafted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct DocumentDraft {
    /// Replace this existing draft (`inv_…`/`bil_…`/`exp_…`) instead of creating a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// With `id`: the `version` you read; the replace is refused if someone changed the draft since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<i64>,
    /// Customer (invoices, required), supplier (bills, required) or payee (expenses, optional): a `ctc_…` id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Issue date (expenses: the day of spending), YYYY-MM-DD, after the lock date.
    pub issue_date: NaiveDate,
    /// Due date (default: 30 days after the issue date; expenses: the issue date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Free reference: order number, supplier's invoice number, receipt number.
    #[serde(default)]
    pub reference: String,
    /// The lines (at least one).
    pub lines: Vec<LineDraft>,
}

/// An expense as drafted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct ExpenseDraft {
    #[serde(flatten)]
    pub document: DocumentDraft,
    /// The bank or card account (`acc_…`, role `bank` or `card`) the expense was paid from.
    pub payment_account_id: String,
}

/// A journal line: one account, a debit or a credit (not both).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct JournalLineDraft {
    /// Account (`acc_…`); control accounts (receivable, payable, tax) are refused.
    pub account_id: String,
    /// What this line is for.
    #[serde(default)]
    pub description: String,
    /// A related contact (`ctc_…`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Debit amount, e.g. "100.00"; omit on a credit line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debit: Option<Decimal>,
    /// Credit amount; omit on a debit line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<Decimal>,
}

/// A manual journal entry as drafted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct JournalDraft {
    /// Replace this existing draft entry (`jnl_…`) instead of creating a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// With `id`: the `version` you read; the replace is refused if someone changed it since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<i64>,
    /// Accounting date, YYYY-MM-DD, after the lock date.
    pub date: NaiveDate,
    /// Narration: why this entry is made.
    #[serde(default)]
    pub memo: String,
    /// At least two lines; the debits must equal the credits.
    pub lines: Vec<JournalLineDraft>,
}

/// A new contact.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct ContactDraft {
    /// Name (required).
    pub name: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// True for a customer (can be invoiced).
    #[serde(default)]
    pub is_customer: bool,
    /// True for a supplier (can send bills).
    #[serde(default)]
    pub is_supplier: bool,
    /// Tax (VAT) number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A write and the key that makes it safe to retry.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Keyed<T> {
    /// A fresh unique string for this request (e.g. a UUID), 1–255 visible ASCII characters.
    /// If the call fails or times out, retry with the SAME key and the same arguments: the
    /// first result is returned and nothing is created twice. Use a new key for a new request.
    pub idempotency_key: String,
    #[serde(flatten)]
    pub input: T,
}

/// Re-reads a tool input as the service's input type (the field names are the API's), so that
/// the service parses amounts, dates and ids exactly as it does for the REST API.
fn as_service<I: Serialize, O: DeserializeOwned>(input: &I) -> Result<O, Error> {
    let v = serde_json::to_value(input).map_err(|e| Error::Internal(e.into()))?;
    serde_json::from_value(v).map_err(|e| Error::invalid("input", e.to_string()))
}

fn doc_id(kind: DocumentKind, id: &str) -> Result<DocumentId, Error> {
    match DocumentId::parse(id) {
        Ok(d) if id.starts_with(kind.id_prefix()) => Ok(d),
        _ => Err(Error::NotFound(kind.as_str())),
    }
}

fn waiting<T: JsonSchema>(what: String, review_url: String, draft: T) -> DraftOut<T> {
    DraftOut {
        status: "waiting_for_review".into(),
        message: format!(
            "{what} is saved as a draft. Nothing is in the books until a person reviews and approves it in NewLedger: {review_url}"
        ),
        review_url,
        replayed: false,
        draft,
    }
}

impl Ledger {
    /// Runs `write` once per `idempotency_key` (per connection, company and tool); a retry
    /// with the same key and arguments returns the first result, marked `replayed`.
    async fn once<I, T>(
        &self,
        a: &Access,
        tool: &str,
        keyed: &Keyed<I>,
        write: impl AsyncFnOnce(&mut Work<'_>) -> Result<T, Error>,
        replayed: fn(&mut T),
    ) -> Result<Json<T>, ToolError>
    where
        I: Serialize,
        T: Serialize + DeserializeOwned,
    {
        let request = serde_json::to_vec(&keyed.input).map_err(|e| Error::Internal(e.into()))?;
        let method = format!("MCP tools/call {tool}");
        let once = idempotency::once(
            &self.shared.svc,
            a,
            &method,
            &keyed.idempotency_key,
            &request,
            async |w| write(w).await.map(|v| (200, v)),
        )
        .await?;
        match once {
            Once::Ran(_, v) => Ok(Json(v)),
            Once::Replayed(_, stored) => replay(&stored, replayed),
        }
    }

    async fn draft_document(
        &self,
        a: &Access,
        kind: DocumentKind,
        tool: &str,
        keyed: &Keyed<impl Serialize>,
        draft: &DocumentDraft,
        input: DocumentInput,
    ) -> Result<Json<DraftOut<DocumentOut>>, ToolError> {
        a.require(kind.info().draft)?;
        let base_url = self.base_url();
        self.once(
            a,
            tool,
            keyed,
            async |w| write_document(w, a, kind, draft, input, base_url).await,
            |v: &mut DraftOut<DocumentOut>| v.replayed = true,
        )
        .await
    }
}

/// A result the first call stored, read back and marked as replayed.
fn replay<T: DeserializeOwned>(stored: &str, mark: fn(&mut T)) -> Result<Json<T>, ToolError> {
    let mut v: T =
        serde_json::from_str(stored).map_err(|e| ToolError::from(Error::Internal(e.into())))?;
    mark(&mut v);
    Ok(Json(v))
}

/// Creates a draft of `kind`, or replaces the one `draft.id` names, in the unit of work.
async fn write_document(
    w: &mut Work<'_>,
    a: &Access,
    kind: DocumentKind,
    draft: &DocumentDraft,
    input: DocumentInput,
    base_url: &str,
) -> Result<DraftOut<DocumentOut>, Error> {
    let d = match &draft.id {
        None => documents::create_draft_in(w, a, kind, input).await?,
        Some(id) => {
            let id = doc_id(kind, id)?;
            documents::update_draft_in(w, a, kind, &id, draft.expected_version, input).await?
        }
    };
    let out = DocumentOut::full(&d, &[], base_url);
    let what = format!(
        "{} {} for {} {}",
        capitalised(kind.as_str()),
        out.number,
        out.total,
        out.currency
    );
    Ok(waiting(what, out.review_url.clone(), out))
}

/// Creates a manual journal draft, or replaces the one `draft.id` names, in the unit of work.
async fn write_entry(
    w: &mut Work<'_>,
    a: &Access,
    draft: &JournalDraft,
    input: JournalInput,
    base_url: &str,
) -> Result<DraftOut<EntryOut>, Error> {
    let e = match &draft.id {
        None => journal::create_draft_in(w, a, input).await?,
        Some(id) => {
            let id = EntryId::parse(id).map_err(|_| Error::NotFound("journal entry"))?;
            journal::update_draft_in(w, a, &id, draft.expected_version, input).await?
        }
    };
    let out = EntryOut::full(&e, a.company.currency, base_url);
    let what = format!(
        "Journal entry {} for {} {}",
        out.number, out.total, out.currency
    );
    Ok(waiting(what, out.review_url.clone(), out))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[tool_router(router = draft_tools, vis = "pub(crate)")]
impl Ledger {
    /// Adds a customer and/or supplier. Search first (search_contacts) so as not to create a
    /// duplicate. Takes an `idempotency_key`: reuse it, with the same arguments, when retrying.
    #[tool(
        title = "Create a contact",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn create_contact(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Keyed<ContactDraft>>,
    ) -> Result<Json<ContactCreatedOut>, ToolError> {
        a.require(Permission::ContactsWrite)?;
        let c = &p.input;
        self.once(
            &a,
            "create_contact",
            &p,
            async |w| {
                let input = ContactInput {
                    name: c.name.clone(),
                    email: c.email.clone(),
                    is_customer: c.is_customer,
                    is_supplier: c.is_supplier,
                    tax_number: c.tax_number.clone(),
                    address: c.address.clone(),
                };
                let created = contacts::create_in(w, &a, input).await?;
                Ok(ContactCreatedOut {
                    replayed: false,
                    contact: ContactOut::from(&created),
                })
            },
            |v: &mut ContactCreatedOut| v.replayed = true,
        )
        .await
    }

    /// Drafts an invoice to a customer (or replaces an existing draft when `id` is given).
    /// Lines: quantity × unit price before tax, a revenue account and a tax rate in percent;
    /// the server computes nets, tax (per line, rounded half away from zero) and totals. The
    /// invoice stays a draft until a person approves it: tell them, with the review link.
    /// Takes an `idempotency_key`: reuse it, with the same arguments, when retrying.
    #[tool(
        title = "Draft an invoice",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn draft_invoice(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Keyed<DocumentDraft>>,
    ) -> Result<Json<DraftOut<DocumentOut>>, ToolError> {
        let input = as_service(&p.input)?;
        self.draft_document(
            &a,
            DocumentKind::Invoice,
            "draft_invoice",
            &p,
            &p.input,
            input,
        )
        .await
    }

    /// Drafts a bill from a supplier (or replaces an existing draft when `id` is given):
    /// what the company owes, due later. Lines take expense (or asset) accounts. The bill
    /// stays a draft until a person approves it: tell them, with the review link. Takes an
    /// `idempotency_key`: reuse it, with the same arguments, when retrying.
    #[tool(
        title = "Draft a bill",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn draft_bill(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Keyed<DocumentDraft>>,
    ) -> Result<Json<DraftOut<DocumentOut>>, ToolError> {
        let input = as_service(&p.input)?;
        self.draft_document(&a, DocumentKind::Bill, "draft_bill", &p, &p.input, input)
            .await
    }

    /// Drafts an expense (or replaces an existing draft when `id` is given): spending already
    /// paid from a bank or card account (`payment_account_id`), e.g. a receipt. Lines take
    /// expense accounts; the payee contact is optional. It stays a draft until a person
    /// approves it: tell them, with the review link. Takes an `idempotency_key`: reuse it, with
    /// the same arguments, when retrying.
    #[tool(
        title = "Draft an expense",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn draft_expense(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Keyed<ExpenseDraft>>,
    ) -> Result<Json<DraftOut<DocumentOut>>, ToolError> {
        let input = as_service(&p.input)?;
        self.draft_document(
            &a,
            DocumentKind::Expense,
            "draft_expense",
            &p,
            &p.input.document,
            input,
        )
        .await
    }

    /// Drafts a manual journal entry (or replaces an existing draft when `id` is given): at
    /// least two lines, each a debit or a credit on one account; total debits must equal total
    /// credits (an unbalanced entry is refused with both sums). Control accounts (receivable,
    /// payable, tax) are refused: use invoices, bills and expenses for those. It stays a draft
    /// until a person posts it: tell them, with the review link. Takes an `idempotency_key`:
    /// reuse it, with the same arguments, when retrying.
    #[tool(
        title = "Draft a journal entry",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn draft_journal_entry(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Keyed<JournalDraft>>,
    ) -> Result<Json<DraftOut<EntryOut>>, ToolError> {
        a.require(Permission::JournalDraft)?;
        let input: JournalInput = as_service(&p.input)?;
        let (draft, a, base_url) = (&p.input, &a, self.base_url());
        self.once(
            a,
            "draft_journal_entry",
            &p,
            async move |w| write_entry(w, a, draft, input, base_url).await,
            |v: &mut DraftOut<EntryOut>| v.replayed = true,
        )
        .await
    }
}
