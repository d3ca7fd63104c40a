//! Documentation-only schemas of the OpenAPI document: request bodies (mirrors of the service
//! and domain input types, which stay free of utoipa), report responses, problem details,
//! reusable error responses and the token endpoint's shapes.
//!
//! Nothing here is used at run time. The mirrors are kept honest by tests: each request schema's
//! example deserializes into the real type, and the schema lists exactly the fields the real
//! type reads (`crates/web/tests/openapi.rs`); report schemas are checked against live
//! responses.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{ToResponse, ToSchema};

// ---------------------------------------------------------------- requests

/// A customer or supplier as a client sends it (`POST` creates, `PUT` replaces).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Harbour Cafe Ltd",
    "email": "accounts@harbourcafe.example",
    "is_customer": true,
    "is_supplier": false,
    "tax_number": "GB123456789",
    "address": "1 Quay Street, Bristol"
}))]
pub struct ContactInput {
    /// Name (required, at most 200 characters).
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Sells to: a customer (at least one of `is_customer` and `is_supplier` must be true).
    #[serde(default)]
    pub is_customer: bool,
    /// Buys from: a supplier.
    #[serde(default)]
    pub is_supplier: bool,
    /// Tax number.
    pub tax_number: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// A document line as entered: quantity × unit price, an account and a tax rate. Amounts are
/// decimal strings (never JSON numbers); tax is computed per line, rounded half away from zero.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "description": "Consulting, March",
    "quantity": "10",
    "unit_price": "95.00",
    "account_id": "acc_01hzy3n3n4c5v6b7n8m9k0j1h2",
    "tax_rate": "20"
}))]
pub struct LineInput {
    /// What was sold or bought.
    pub description: String,
    /// Quantity, a decimal string (may be fractional, e.g. hours).
    #[schema(example = "10")]
    pub quantity: String,
    /// Price of one unit in the document currency, a decimal string (negative for a discount).
    #[schema(example = "95.00")]
    pub unit_price: String,
    /// Revenue account (invoices) or expense/asset account (bills, expenses).
    pub account_id: String,
    /// Tax rate in percent, a decimal string (`"20"` for 20 %).
    #[schema(example = "20")]
    pub tax_rate: String,
}

/// An invoice, bill or expense draft as a client sends it (`POST` creates, `PUT` replaces a
/// draft). Programs only draft: a person approves in the workspace.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "contact_id": "ctc_01hzy3n3n4c5v6b7n8m9k0j1h2",
    "issue_date": "2026-03-31",
    "due_date": "2026-04-30",
    "reference": "PO-1234",
    "payment_account_id": null,
    "lines": [{
        "description": "Consulting, March",
        "quantity": "10",
        "unit_price": "95.00",
        "account_id": "acc_01hzy3n3n4c5v6b7n8m9k0j1h2",
        "tax_rate": "20"
    }]
}))]
pub struct DocumentInput {
    /// Customer (invoices) or supplier (bills): required; payee (expenses): optional.
    pub contact_id: Option<String>,
    /// Issue date (expenses: the date of spending).
    pub issue_date: NaiveDate,
    /// Due date; defaults to 30 days after the issue date (expenses: the issue date).
    pub due_date: Option<NaiveDate>,
    /// Free reference (at most 200 characters).
    #[serde(default)]
    pub reference: String,
    /// Expenses: the bank or card account paid from (required for expenses).
    pub payment_account_id: Option<String>,
    /// Lines (at least one).
    pub lines: Vec<LineInput>,
}

/// A manual journal line: one side only, the amount as a decimal string.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "account_id": "acc_01hzy3n3n4c5v6b7n8m9k0j1h2",
    "description": "Accrued rent",
    "contact_id": null,
    "debit": "1200.00",
    "credit": null
}))]
pub struct JournalLineInput {
    /// Account (not a control account such as receivables, payables or tax).
    pub account_id: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Contact.
    pub contact_id: Option<String>,
    /// Debit (`"100.00"`), or absent.
    pub debit: Option<String>,
    /// Credit, or absent.
    pub credit: Option<String>,
}

/// A manual journal entry draft as a client sends it. Its lines must balance; a person posts it.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "date": "2026-03-31",
    "memo": "Accrue March rent",
    "lines": [
        {"account_id": "acc_01hzy3n3n4c5v6b7n8m9k0j1h2", "description": "Rent", "contact_id": null, "debit": "1200.00", "credit": null},
        {"account_id": "acc_01hzy3n3n4c5v6b7n8m9k0j1h3", "description": "Accrual", "contact_id": null, "debit": null, "credit": "1200.00"}
    ]
}))]
pub struct JournalInput {
    /// Accounting date.
    pub date: NaiveDate,
    /// Narration (at most 500 characters).
    #[serde(default)]
    pub memo: String,
    /// Lines; debits must equal credits.
    pub lines: Vec<JournalLineInput>,
}

// ---------------------------------------------------------------- reports

/// A trial balance row: the account's net balance on its debit or credit side.
#[derive(ToSchema)]
pub struct TrialBalanceRow {
    /// Account id.
    pub account_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// asset, liability, equity, revenue or expense.
    pub class: String,
    /// Net debit balance (zero when the balance is a credit), decimal string.
    pub debit: String,
    /// Net credit balance (zero when the balance is a debit), decimal string.
    pub credit: String,
}

/// Trial balance as of a date: every account with a non-zero balance.
#[derive(ToSchema)]
pub struct TrialBalance {
    /// Inclusive date.
    pub as_of: NaiveDate,
    /// Currency of every amount.
    pub currency: String,
    /// Accounts with a non-zero balance, by code.
    pub rows: Vec<TrialBalanceRow>,
    /// Sum of debit balances.
    pub total_debit: String,
    /// Sum of credit balances (always equal to `total_debit`).
    pub total_credit: String,
}

/// One account row of a report section.
#[derive(ToSchema)]
pub struct AccountRow {
    /// Account id (null on computed rows such as current year earnings).
    pub account_id: Option<String>,
    /// Account code.
    pub code: String,
    /// Account name.
    pub name: String,
    /// Balance in the section's natural sign, decimal string.
    pub amount: String,
}

/// A list of account rows with its total.
#[derive(ToSchema)]
pub struct Section {
    /// Rows, by account code.
    pub rows: Vec<AccountRow>,
    /// Sum of the rows.
    pub total: String,
}

/// Profit and loss over a date range.
#[derive(ToSchema)]
pub struct ProfitAndLoss {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Currency of every amount.
    pub currency: String,
    /// Revenue accounts (credit-positive).
    pub revenue: Section,
    /// Expense accounts (debit-positive).
    pub expenses: Section,
    /// Revenue − expenses.
    pub net_profit: String,
}

/// Balance sheet as of a date.
#[derive(ToSchema)]
pub struct BalanceSheet {
    /// Inclusive date.
    pub as_of: NaiveDate,
    /// Currency of every amount.
    pub currency: String,
    /// Assets (debit-positive).
    pub assets: Section,
    /// Liabilities (credit-positive).
    pub liabilities: Section,
    /// Equity (credit-positive), with retained earnings and a computed current year earnings row.
    pub equity: Section,
    /// Liabilities + equity; equals total assets.
    pub total_liabilities_and_equity: String,
    /// Profit of the fiscal year up to `as_of`.
    pub current_year_earnings: String,
}

/// Aging buckets (by days past the due date) of one contact, or the total.
#[derive(ToSchema)]
pub struct AgingRow {
    /// The contact (null on the total row).
    pub contact_id: Option<String>,
    /// Contact name, or "Total".
    pub contact_name: String,
    /// Not yet due.
    pub current: String,
    /// 1–30 days overdue.
    pub days_1_30: String,
    /// 31–60 days overdue.
    pub days_31_60: String,
    /// 61–90 days overdue.
    pub days_61_90: String,
    /// More than 90 days overdue.
    pub over_90: String,
    /// Sum of the buckets.
    pub total: String,
}

/// Accounts receivable or payable aging as of a date, counting payments dated on or before it.
#[derive(ToSchema)]
pub struct Aging {
    /// Inclusive date.
    pub as_of: NaiveDate,
    /// Currency of every amount.
    pub currency: String,
    /// One row per contact with an open balance, by name.
    pub rows: Vec<AgingRow>,
    /// Column totals.
    pub total: AgingRow,
}

/// One bank or card account in the cash summary.
#[derive(ToSchema)]
pub struct CashAccount {
    /// Account id.
    pub account_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Balance the day before `from`.
    pub opening: String,
    /// Money in (debits).
    pub money_in: String,
    /// Money out (credits).
    pub money_out: String,
    /// Balance at `to`.
    pub closing: String,
}

/// Money in and out in one month, over all bank and card accounts.
#[derive(ToSchema)]
pub struct CashMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Money in.
    pub money_in: String,
    /// Money out.
    pub money_out: String,
    /// In − out.
    pub net: String,
}

/// Bank balances and money in/out per month.
#[derive(ToSchema)]
pub struct CashSummary {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Currency.
    pub currency: String,
    /// Per account.
    pub accounts: Vec<CashAccount>,
    /// Per month.
    pub months: Vec<CashMonth>,
    /// Sum of openings.
    pub total_opening: String,
    /// Sum of closings.
    pub total_closing: String,
}

/// One expense account's spending per month.
#[derive(ToSchema)]
pub struct ExpenseRow {
    /// Account id.
    pub account_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Amount per month (`YYYY-MM` → decimal string); months without spending are omitted.
    pub months: std::collections::BTreeMap<String, String>,
    /// Total over the range.
    pub total: String,
}

/// Expense breakdown by account and month.
#[derive(ToSchema)]
pub struct ExpenseBreakdown {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Currency.
    pub currency: String,
    /// Months covered, in order (`YYYY-MM`).
    pub months: Vec<String>,
    /// One row per expense account with spending.
    pub rows: Vec<ExpenseRow>,
    /// Total per month.
    pub month_totals: std::collections::BTreeMap<String, String>,
    /// Grand total.
    pub total: String,
}

/// A bank or card account with its balance today.
#[derive(Serialize, ToSchema)]
pub struct BankAccount {
    /// Account id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `bank` or `card`.
    pub kind: String,
    /// Balance today, decimal string.
    pub balance: String,
    /// Currency.
    pub currency: String,
    /// The date of the balance.
    pub as_of: NaiveDate,
}

// ---------------------------------------------------------------- errors

/// One field at fault in a validation error.
#[derive(ToSchema)]
pub struct FieldError {
    /// The field, as a path into the request (`lines[0].account_id`, `limit`, …).
    pub field: String,
    /// What is wrong and what is expected.
    pub reason: String,
}

/// An error as RFC 9457 problem details (`application/problem+json`). `type` is stable per
/// kind of error: `urn:newledger:problem:` followed by `not-found`, `validation`, `conflict`,
/// `stale-version`, `invalid-token`, `insufficient-scope`, `forbidden`, `period-locked`,
/// `rate-limited` or `internal`.
#[derive(ToSchema)]
#[schema(example = json!({
    "type": "urn:newledger:problem:validation",
    "title": "Invalid request",
    "status": 422,
    "detail": "lines[0].account_id: no such account in this company",
    "errors": [{"field": "lines[0].account_id", "reason": "no such account in this company"}]
}))]
pub struct Problem {
    /// Stable error kind (`urn:newledger:problem:…`).
    #[schema(rename = "type", example = "urn:newledger:problem:not-found")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong and what to fix.
    pub detail: String,
    /// `validation`: the fields at fault.
    pub errors: Option<Vec<FieldError>>,
    /// `insufficient-scope`: the permission the token lacks.
    pub required_permission: Option<String>,
    /// `period-locked`: the date that was refused.
    pub date: Option<NaiveDate>,
    /// `period-locked`: the company's lock date.
    pub lock_date: Option<NaiveDate>,
}

/// The access token is missing, malformed, expired, revoked, or for another company or
/// audience (`invalid-token`; `WWW-Authenticate: Bearer error="invalid_token"`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"newledger\", error=\"invalid_token\", error_description=\"…\"` (RFC 6750)"))
)]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The token lacks the permission this call needs (`insufficient-scope`, naming it in
/// `required_permission` and in `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"newledger\", error=\"insufficient_scope\", scope=\"…\"` (RFC 6750)"))
)]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// No such record in this company (`not-found`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The request is invalid (`validation`, with `errors` naming the fields) or would post into
/// a locked period (`period-locked`). Nothing was changed.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Invalid(#[allow(dead_code)] Problem);

/// The record is not in a state that allows this (e.g. not a draft any more), or a request with
/// the same `Idempotency-Key` is still in flight (`conflict`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(#[allow(dead_code)] Problem);

/// `If-Match` names an older version: someone changed the record since you read it
/// (`stale-version`). Read it again and retry.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Stale(#[allow(dead_code)] Problem);

/// Too many requests for this app (`rate-limited`); retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait"))
)]
pub struct RateLimited(#[allow(dead_code)] Problem);

// ---------------------------------------------------------------- OAuth

/// Token request (RFC 6749 §4.4), form-encoded. Authenticate the client with HTTP Basic
/// (`client_secret_basic`, preferred) or with `client_id` and `client_secret` in the body
/// (`client_secret_post`), not both.
#[derive(ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "scope": "invoices:read invoices:draft"}))]
pub struct TokenRequest {
    /// Always `client_credentials` for API credential apps.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// Space-separated permissions to narrow the token below what was delegated (never to
    /// widen it); default: everything delegated.
    pub scope: Option<String>,
    /// `client_secret_post` only: the app's client id (`app_…`).
    pub client_id: Option<String>,
    /// `client_secret_post` only: the client secret (`nlcs_…`).
    pub client_secret: Option<String>,
}

/// An access token (RFC 6749 §5.1). Sent with `Cache-Control: no-store`.
#[derive(ToSchema)]
#[schema(example = json!({
    "access_token": "nlat_…",
    "token_type": "Bearer",
    "expires_in": 900,
    "scope": "invoices:read invoices:draft"
}))]
pub struct TokenResponse {
    /// The bearer token: opaque, `nlat_` prefix, bound to the app, its company and the REST API.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until expiry (15 minutes by default).
    pub expires_in: i64,
    /// Granted permissions, space-separated.
    pub scope: String,
}

/// An OAuth error (RFC 6749 §5.2). Sent with `Cache-Control: no-store`; `invalid_client` comes
/// with `401` and `WWW-Authenticate: Basic`, `slow_down` with `429` and `Retry-After`.
#[derive(ToSchema)]
#[schema(example = json!({"error": "invalid_scope", "error_description": "unknown permission `invoices:approve`"}))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_scope`, `unauthorized_client`,
    /// `unsupported_grant_type`, `slow_down` or `server_error`.
    pub error: String,
    /// What to fix.
    pub error_description: String,
}
