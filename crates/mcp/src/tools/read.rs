//! Read tools: the company, the chart, contacts, lists of documents and entries, one record.
//! Each calls the service use case the REST API calls; the filters go through the service's
//! [`ListFilter`], so limits and validation are the API's own.

use super::ToolError;
use crate::server::Ledger;
use crate::shapes::{
    AccountOut, AccountsOut, CompanyOut, ContactOut, DocumentOut, EntryOut, Page, RecordOut,
};
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::{DocumentId, EntryId, PaymentId};
use newledger_service::books::{ListFilter, accounts, contacts, documents, journal, payments};
use newledger_service::{Access, Error};
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Paging shared by every list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct Paging {
    /// Items per page, 1–1000 (default 100).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page, to get the next one (keep the other filters the same).
    pub cursor: Option<String>,
}

/// Filters of `search_contacts`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct ContactSearch {
    /// Part of the name, any case (`acme` finds "ACME Ltd").
    pub query: Option<String>,
    /// Only customers or only suppliers.
    pub role: Option<ContactRole>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// A contact's role.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ContactRole {
    /// May be invoiced.
    Customer,
    /// Sends bills.
    Supplier,
}

/// Status filter of invoices and bills.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DocumentStatusFilter {
    /// Waiting for a person's approval.
    Draft,
    /// Approved, in the ledger, not fully paid.
    Approved,
    /// Approved and fully paid.
    Paid,
    /// Approved, then voided (reversed).
    Voided,
    /// Drafts thrown away.
    Discarded,
    /// Approved and past their due date today, still owed.
    Overdue,
}

/// Filters of `list_invoices`, `list_bills` and `list_expenses`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct DocumentFilters {
    /// Only documents in this status (`overdue`: approved, past due, still owed; not for expenses).
    pub status: Option<DocumentStatusFilter>,
    /// Only this customer or supplier (`ctc_…`).
    pub contact_id: Option<String>,
    /// Issue date on or after (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Issue date on or before (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Status filter of journal entries.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EntryStatusFilter {
    /// Waiting for a person to post it.
    Draft,
    /// In the ledger.
    Posted,
    /// Drafts thrown away.
    Discarded,
}

/// What made a journal entry.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EntrySource {
    /// Typed by a person or drafted by a program.
    Manual,
    /// Posted by an invoice.
    Invoice,
    /// Posted by a bill.
    Bill,
    /// Posted by an expense.
    Expense,
    /// Posted by a payment.
    Payment,
    /// Reverses another entry.
    Reversal,
}

/// Filters of `list_journal_entries`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct EntryFilters {
    /// Only entries in this status.
    pub status: Option<EntryStatusFilter>,
    /// Only entries made by this source.
    pub source: Option<EntrySource>,
    /// Date on or after (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Date on or before (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Which record to read.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct RecordId {
    /// An invoice (`inv_…`), bill (`bil_…`), expense (`exp_…`) or journal entry (`jnl_…`) id.
    pub id: String,
}

/// A serde enum's wire name (its `snake_case` variant name).
fn wire<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// The record an id of `get_document` names.
enum Named {
    Entry(EntryId),
    Document(DocumentKind, DocumentId),
}

impl Named {
    /// Reads the id by its prefix; payments and unknown prefixes are refused in words.
    fn parse(id: &str) -> Result<Self, Error> {
        let id = id.trim();
        if id.starts_with(EntryId::PREFIX) {
            let id = EntryId::parse(id).map_err(|_| Error::NotFound("journal entry"))?;
            return Ok(Named::Entry(id));
        }
        if id.starts_with(PaymentId::PREFIX) {
            return Err(Error::invalid(
                "id",
                "payments are shown inside the documents they pay; give an invoice, bill, expense or journal entry id",
            ));
        }
        let kind = [DocumentKind::Invoice, DocumentKind::Bill, DocumentKind::Expense]
            .into_iter()
            .find(|k| id.starts_with(k.id_prefix()))
            .ok_or_else(|| {
                Error::invalid(
                    "id",
                    "not an invoice (`inv_…`), bill (`bil_…`), expense (`exp_…`) or journal entry (`jnl_…`) id",
                )
            })?;
        let id = DocumentId::parse(id).map_err(|_| Error::NotFound("document"))?;
        Ok(Named::Document(kind, id))
    }
}

impl Ledger {
    /// A document in full, with the payments allocated to it.
    async fn document(
        &self,
        a: &Access,
        kind: DocumentKind,
        id: &DocumentId,
    ) -> Result<RecordOut, Error> {
        let svc = &self.shared.svc;
        let d = documents::get_shared(svc, a, kind, id).await?;
        // Nothing paid means no allocations: spare the query.
        let paid = if d.amount_paid == 0 {
            Vec::new()
        } else {
            payments::of_document(svc, a, id).await?
        };
        Ok(RecordOut {
            document: Some(DocumentOut::full(&d, &paid, self.base_url())),
            journal_entry: None,
        })
    }

    async fn documents(
        &self,
        a: &Access,
        kind: DocumentKind,
        f: DocumentFilters,
    ) -> Result<Json<Page<DocumentOut>>, ToolError> {
        let svc = &self.shared.svc;
        let q = ListFilter {
            limit: f.paging.limit,
            cursor: f.paging.cursor,
            status: f.status.as_ref().and_then(wire),
            contact_id: f.contact_id,
            from: f.from,
            to: f.to,
            ..ListFilter::default()
        }
        .query(a.today(svc.clock.as_ref()))?;
        let page = documents::list(svc, a, kind, q).await?;
        Ok(Json(Page {
            data: page
                .data
                .iter()
                .map(|d| DocumentOut::summary(d, self.base_url()))
                .collect(),
            next_cursor: page.next_cursor,
        }))
    }
}

#[tool_router(router = read_tools, vis = "pub(crate)")]
impl Ledger {
    /// The company whose books these are: its name, base currency (every amount is in it), lock
    /// date (nothing can be dated on or before it), fiscal year start, and today's date. Call it
    /// first to learn the currency and to resolve relative dates.
    #[tool(
        title = "Company profile",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_company(
        &self,
        Extension(a): Extension<Access>,
    ) -> Result<Json<CompanyOut>, ToolError> {
        a.require(newledger_domain::permission::Permission::CompanyRead)
            .map_err(super::ToolError::from)?;
        Ok(Json(CompanyOut::new(
            &a.company,
            a.today(self.shared.svc.clock.as_ref()),
        )))
    }

    /// The chart of accounts, by code: id, code, name, class (asset, liability, equity, revenue,
    /// expense) and role. Use the ids in draft lines: invoices take revenue accounts, bills and
    /// expenses expense (or asset) accounts, all of role `general`; an expense is paid from a
    /// `bank` or `card` account.
    #[tool(
        title = "Chart of accounts",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_accounts(
        &self,
        Extension(a): Extension<Access>,
    ) -> Result<Json<AccountsOut>, ToolError> {
        let list = accounts::list(&self.shared.svc, &a).await?;
        Ok(Json(AccountsOut {
            accounts: list.iter().map(AccountOut::from).collect(),
        }))
    }

    /// Finds customers and suppliers by part of their name (any case), optionally only
    /// customers or only suppliers. Returns a page (default 100) and `next_cursor` for the next
    /// one. Use the `id` as `contact_id` in drafts; if nobody matches, `create_contact` adds one.
    #[tool(
        title = "Search contacts",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn search_contacts(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<ContactSearch>,
    ) -> Result<Json<Page<ContactOut>>, ToolError> {
        let svc = &self.shared.svc;
        let q = ListFilter {
            limit: p.paging.limit,
            cursor: p.paging.cursor,
            search: p.query,
            status: p.role.map(|r| {
                match r {
                    ContactRole::Customer => "customer",
                    ContactRole::Supplier => "supplier",
                }
                .to_owned()
            }),
            ..ListFilter::default()
        }
        .query(a.today(svc.clock.as_ref()))?;
        let page = contacts::list(svc, &a, q).await?;
        Ok(Json(Page {
            data: page.data.iter().map(ContactOut::from).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Invoices (money customers owe), newest id last, filtered by status (`overdue` = approved,
    /// past due, still owed), customer and issue date range. Amounts are decimal strings;
    /// `amount_due` is what is still owed. Returns a page (default 100, lines omitted: use
    /// `get_document` for them) and `next_cursor`.
    #[tool(
        title = "List invoices",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_invoices(
        &self,
        Extension(a): Extension<Access>,
        Parameters(f): Parameters<DocumentFilters>,
    ) -> Result<Json<Page<DocumentOut>>, ToolError> {
        self.documents(&a, DocumentKind::Invoice, f).await
    }

    /// Bills (money owed to suppliers), filtered by status (`overdue` = approved, past due,
    /// still owed), supplier and issue date range. Returns a page (default 100, lines omitted:
    /// use `get_document`) and `next_cursor`.
    #[tool(
        title = "List bills",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_bills(
        &self,
        Extension(a): Extension<Access>,
        Parameters(f): Parameters<DocumentFilters>,
    ) -> Result<Json<Page<DocumentOut>>, ToolError> {
        self.documents(&a, DocumentKind::Bill, f).await
    }

    /// Expenses (spending paid at once from a bank or card account), filtered by status
    /// (draft, approved, voided, discarded), payee and date range. Returns a page (default 100,
    /// lines omitted: use `get_document`) and `next_cursor`.
    #[tool(
        title = "List expenses",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_expenses(
        &self,
        Extension(a): Extension<Access>,
        Parameters(f): Parameters<DocumentFilters>,
    ) -> Result<Json<Page<DocumentOut>>, ToolError> {
        self.documents(&a, DocumentKind::Expense, f).await
    }

    /// Journal entries, filtered by status (draft, posted, discarded), source (manual,
    /// invoice, bill, expense, payment, reversal) and date range. Returns a page (default 100,
    /// lines omitted: use `get_document` with the entry id) and `next_cursor`.
    #[tool(
        title = "List journal entries",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_journal_entries(
        &self,
        Extension(a): Extension<Access>,
        Parameters(f): Parameters<EntryFilters>,
    ) -> Result<Json<Page<EntryOut>>, ToolError> {
        let svc = &self.shared.svc;
        let q = ListFilter {
            limit: f.paging.limit,
            cursor: f.paging.cursor,
            status: f.status.as_ref().and_then(wire),
            search: f.source.as_ref().and_then(wire),
            from: f.from,
            to: f.to,
            ..ListFilter::default()
        }
        .query(a.today(svc.clock.as_ref()))?;
        let page = journal::list(svc, &a, q).await?;
        let cur = a.company.currency;
        Ok(Json(Page {
            data: page
                .data
                .iter()
                .map(|e| EntryOut::summary(e, cur, self.base_url()))
                .collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// One invoice, bill, expense or journal entry by id, with its lines (quantities, prices,
    /// tax, accounts; or debits and credits) and, for documents, the payments allocated to it.
    /// The `version` is what `expected_version` takes when you replace a draft.
    #[tool(
        title = "Get a document or journal entry",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_document(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<RecordId>,
    ) -> Result<Json<RecordOut>, ToolError> {
        match Named::parse(&p.id)? {
            Named::Entry(id) => {
                let e = journal::get(&self.shared.svc, &a, &id).await?;
                Ok(Json(RecordOut {
                    document: None,
                    journal_entry: Some(EntryOut::full(&e, a.company.currency, self.base_url())),
                }))
            }
            Named::Document(kind, id) => Ok(Json(self.document(&a, kind, &id).await?)),
        }
    }
}
