//! The chart of accounts: classes, system roles of accounts and the SMB template every new
//! company starts from.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// The five account classes of double entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountClass {
    /// Debit-normal, on the balance sheet.
    Asset,
    /// Credit-normal, on the balance sheet.
    Liability,
    /// Credit-normal, on the balance sheet.
    Equity,
    /// Credit-normal, on the profit and loss.
    Revenue,
    /// Debit-normal, on the profit and loss.
    Expense,
}

impl AccountClass {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountClass::Asset => "asset",
            AccountClass::Liability => "liability",
            AccountClass::Equity => "equity",
            AccountClass::Revenue => "revenue",
            AccountClass::Expense => "expense",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "asset" => AccountClass::Asset,
            "liability" => AccountClass::Liability,
            "equity" => AccountClass::Equity,
            "revenue" => AccountClass::Revenue,
            "expense" => AccountClass::Expense,
            _ => {
                return Err(DomainError::invalid(
                    "class",
                    "must be asset, liability, equity, revenue or expense",
                ));
            }
        })
    }

    /// True for debit-normal classes (assets, expenses).
    pub fn debit_normal(self) -> bool {
        matches!(self, AccountClass::Asset | AccountClass::Expense)
    }

    /// The balance in the class's natural sign: debit − credit for debit-normal classes,
    /// credit − debit otherwise.
    pub fn natural(self, debit: i64, credit: i64) -> i64 {
        if self.debit_normal() {
            debit - credit
        } else {
            credit - debit
        }
    }

    /// True for profit-and-loss classes.
    pub fn is_pnl(self) -> bool {
        matches!(self, AccountClass::Revenue | AccountClass::Expense)
    }
}

/// The special role an account plays; system roles guard control totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// An ordinary account.
    General,
    /// A bank account (money in/out, payments).
    Bank,
    /// A credit card (a liability used like a bank account for expenses and payments).
    Card,
    /// The accounts receivable control account.
    Receivable,
    /// The accounts payable control account.
    Payable,
    /// Sales tax collected and paid.
    Tax,
    /// Retained earnings (prior years' profit).
    RetainedEarnings,
}

impl AccountRole {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::General => "general",
            AccountRole::Bank => "bank",
            AccountRole::Card => "card",
            AccountRole::Receivable => "receivable",
            AccountRole::Payable => "payable",
            AccountRole::Tax => "tax",
            AccountRole::RetainedEarnings => "retained_earnings",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "general" => AccountRole::General,
            "bank" => AccountRole::Bank,
            "card" => AccountRole::Card,
            "receivable" => AccountRole::Receivable,
            "payable" => AccountRole::Payable,
            "tax" => AccountRole::Tax,
            "retained_earnings" => AccountRole::RetainedEarnings,
            _ => return Err(DomainError::invalid("role", "unknown account role")),
        })
    }

    /// Control accounts fed only by documents and payments: a manual journal line on them would
    /// make the subledger (open invoices, bills, tax returns) disagree with the ledger.
    pub fn is_control(self) -> bool {
        matches!(
            self,
            AccountRole::Receivable | AccountRole::Payable | AccountRole::Tax
        )
    }

    /// Accounts money can be paid from or into.
    pub fn is_money(self) -> bool {
        matches!(self, AccountRole::Bank | AccountRole::Card)
    }
}

/// One account of a company's chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Public id.
    pub id: crate::ids::AccountId,
    /// Short code, unique in the company (`4000`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Class.
    pub class: AccountClass,
    /// System role.
    pub role: AccountRole,
    /// Archived accounts take no new postings.
    pub archived: bool,
}

/// An account of the template chart.
#[derive(Clone, Copy, Debug)]
pub struct TemplateAccount {
    /// Code.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// Class.
    pub class: AccountClass,
    /// Role.
    pub role: AccountRole,
}

/// The chart every new company starts with: a compact small-business template.
pub const TEMPLATE_CHART: &[TemplateAccount] = {
    use AccountClass::*;
    use AccountRole::*;
    const fn a(
        code: &'static str,
        name: &'static str,
        class: AccountClass,
        role: AccountRole,
    ) -> TemplateAccount {
        TemplateAccount {
            code,
            name,
            class,
            role,
        }
    }
    &[
        a("1000", "Business Bank Account", Asset, Bank),
        a("1010", "Savings Account", Asset, Bank),
        a("1100", "Accounts Receivable", Asset, Receivable),
        a("1200", "Inventory", Asset, General),
        a("1300", "Prepayments", Asset, General),
        a("1500", "Office Equipment", Asset, General),
        a("1510", "Accumulated Depreciation", Asset, General),
        a("2000", "Accounts Payable", Liability, Payable),
        a("2100", "Company Credit Card", Liability, Card),
        a("2200", "Sales Tax", Liability, Tax),
        a("2300", "Accrued Liabilities", Liability, General),
        a("2400", "Payroll Liabilities", Liability, General),
        a("2500", "Business Loan", Liability, General),
        a("3000", "Owner's Capital", Equity, General),
        a("3100", "Owner's Drawings", Equity, General),
        a("3200", "Retained Earnings", Equity, RetainedEarnings),
        a("4000", "Sales", Revenue, General),
        a("4100", "Consulting Revenue", Revenue, General),
        a("4900", "Other Income", Revenue, General),
        a("5000", "Cost of Goods Sold", Expense, General),
        a("6000", "Advertising & Marketing", Expense, General),
        a("6100", "Bank Fees", Expense, General),
        a("6200", "Rent", Expense, General),
        a("6300", "Utilities", Expense, General),
        a("6400", "Software & Subscriptions", Expense, General),
        a("6500", "Travel", Expense, General),
        a("6600", "Meals & Entertainment", Expense, General),
        a("6700", "Office Supplies", Expense, General),
        a("6800", "Professional Fees", Expense, General),
        a("6900", "Wages & Salaries", Expense, General),
        a("6950", "Insurance", Expense, General),
        a("7000", "Depreciation", Expense, General),
        a("7100", "Telephone & Internet", Expense, General),
        a("7200", "Interest Expense", Expense, General),
    ]
};
