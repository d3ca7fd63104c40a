//! The tools: which permission each needs ([`TOOLS`], the one table that `tools/list`, the
//! `insufficient_scope` check, the 401 challenge's `scope` and the web app's MCP Server tab
//! read), and how a service error becomes a result a model can act on ([`ToolError`]).
//! The tools themselves are in `read`, `reports` and `drafts`; each calls one service use case.

pub(crate) mod drafts;
pub(crate) mod read;
pub(crate) mod reports;

use newledger_domain::permission::{Permission, PermissionSet};
use newledger_service::Error;
use rmcp::model::{ContentBlock, IntoContents};

/// A tool and the permissions that let a token use it.
#[derive(Clone, Copy, Debug)]
pub struct ToolSpec {
    /// Tool name as clients call it.
    pub name: &'static str,
    /// What it does, in a few words for people (the model reads the tool's own description).
    pub summary: &'static str,
    /// Any one of these permissions lets a token see and call the tool.
    pub permissions: &'static [Permission],
    /// True for the tools that write (drafts and contacts); false for reads.
    pub writes: bool,
}

const fn read(name: &'static str, summary: &'static str, p: &'static [Permission]) -> ToolSpec {
    ToolSpec {
        name,
        summary,
        permissions: p,
        writes: false,
    }
}

const fn write(name: &'static str, summary: &'static str, p: &'static [Permission]) -> ToolSpec {
    ToolSpec {
        name,
        summary,
        permissions: p,
        writes: true,
    }
}

use Permission::*;

/// Every tool of the MCP server.
pub const TOOLS: &[ToolSpec] = &[
    read(
        "get_company",
        "The company profile: currency, lock date, fiscal year",
        &[CompanyRead],
    ),
    read("list_accounts", "The chart of accounts", &[AccountsRead]),
    read(
        "search_contacts",
        "Find customers and suppliers",
        &[ContactsRead],
    ),
    read(
        "list_invoices",
        "Invoices, filtered and paged",
        &[InvoicesRead],
    ),
    read("list_bills", "Bills, filtered and paged", &[BillsRead]),
    read(
        "list_expenses",
        "Expenses, filtered and paged",
        &[ExpensesRead],
    ),
    read(
        "list_journal_entries",
        "Journal entries, filtered and paged",
        &[JournalRead],
    ),
    read(
        "get_document",
        "One invoice, bill, expense or journal entry with its lines and payments",
        &[InvoicesRead, BillsRead, ExpensesRead, JournalRead],
    ),
    read("trial_balance", "Trial balance", &[ReportsRead]),
    read("balance_sheet", "Balance sheet", &[ReportsRead]),
    read("profit_and_loss", "Profit and loss", &[ReportsRead]),
    read("cash_summary", "Cash summary", &[ReportsRead]),
    read(
        "expense_breakdown",
        "Expenses per account and month",
        &[ReportsRead],
    ),
    read(
        "aging_report",
        "Receivables or payables aging",
        &[ReportsRead],
    ),
    read(
        "general_ledger",
        "General ledger lines with running balances",
        &[ReportsRead],
    ),
    write(
        "create_contact",
        "Add a customer or supplier",
        &[ContactsWrite],
    ),
    write(
        "draft_invoice",
        "Draft (or replace a draft) invoice",
        &[InvoicesDraft],
    ),
    write(
        "draft_bill",
        "Draft (or replace a draft) bill",
        &[BillsDraft],
    ),
    write(
        "draft_expense",
        "Draft (or replace a draft) expense",
        &[ExpensesDraft],
    ),
    write(
        "draft_journal_entry",
        "Draft (or replace a draft) manual journal entry",
        &[JournalDraft],
    ),
];

/// The tool named `name`.
pub(crate) fn spec(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

impl ToolSpec {
    /// True when `held` lets a token use this tool.
    pub fn allowed(&self, held: PermissionSet) -> bool {
        self.permissions.iter().any(|p| held.contains(*p))
    }
}

/// Every permission some tool uses: the `scope` of the 401 challenge and `scopes_supported`.
pub fn scopes() -> PermissionSet {
    TOOLS
        .iter()
        .flat_map(|t| t.permissions.iter().copied())
        .collect()
}

/// A tool failure, said so that the model can fix its call or tell the person what to do.
#[derive(Debug)]
pub(crate) struct ToolError(pub String);

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.0)]
    }
}

/// What to do next about a bad field.
fn hint(field: &str) -> &'static str {
    match field {
        "contact_id" => {
            " Use search_contacts to find the contact's id, or create_contact to add it first."
        }
        f if f.contains("account_id") => {
            " Use list_accounts to pick an account id (document lines take `general` accounts; an expense's payment_account_id a `bank` or `card` one)."
        }
        "lines" => " Make the debits equal the credits, then call again.",
        "cursor" => " Pass the next_cursor of the previous page unchanged, with the same filters.",
        "Idempotency-Key" | "idempotency_key" => {
            " Use a new idempotency_key for a different request; reuse a key only to retry the very same call."
        }
        _ => " Fix it and call again.",
    }
}

impl From<Error> for ToolError {
    fn from(e: Error) -> Self {
        ToolError(match e {
            Error::NotFound(what) => format!(
                "No {what} with that id in this company. Check the id (list or search first)."
            ),
            Error::Invalid { field, reason } => {
                let field = if field == "Idempotency-Key" {
                    "idempotency_key".to_owned()
                } else {
                    field
                };
                format!("Invalid `{field}`: {reason}.{}", hint(&field))
            }
            Error::Conflict(reason) => format!(
                "Refused: {reason}. Only drafts can be changed by an assistant; read the record again to see its status."
            ),
            Error::Stale => "The record changed since you read it (someone edited it). Read it again with get_document and retry with its new version.".into(),
            Error::Unauthenticated(reason) => {
                format!("Not authenticated: {reason}. The person must connect the assistant again.")
            }
            Error::Forbidden {
                permission: Some(p),
                ..
            } => format!(
                "Not allowed: this needs the `{p}` permission, which the person did not grant to this connection (or no longer holds). Ask them to reconnect and approve `{p}`."
            ),
            Error::Forbidden {
                permission: None,
                reason,
            } => format!("Not allowed: {reason}."),
            Error::PeriodLocked { date, lock_date } => format!(
                "The books are locked up to {lock_date}, so nothing can be dated {date}. Use a date after {lock_date}, or ask a person to move the lock date."
            ),
            Error::RateLimited { retry_after_secs } => {
                format!("Too many requests; wait {retry_after_secs} s and try again.")
            }
            Error::Internal(e) => {
                tracing::error!(error = ?e, "MCP tool failed");
                "Something went wrong on the server; nothing was changed. Try again later.".into()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_needs_a_delegable_permission() {
        for t in TOOLS {
            assert!(!t.permissions.is_empty(), "{}", t.name);
            assert!(
                t.permissions.iter().all(|p| p.is_delegable()),
                "{} needs a people-only permission",
                t.name
            );
        }
        assert!(!scopes().contains(Permission::InvoicesApprove));
        assert!(scopes().contains(Permission::JournalDraft));
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = ToolError::from(Error::invalid(
            "contact_id",
            "no such contact in this company",
        ));
        assert!(e.0.contains("search_contacts"), "{}", e.0);
        let e = ToolError::from(Error::missing(Permission::BillsDraft));
        assert!(e.0.contains("`bills:draft`"), "{}", e.0);
    }
}
