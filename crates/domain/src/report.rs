//! Report arithmetic over per-account totals. The store supplies the totals (maintained at
//! posting time, so that no report scans every line); these functions shape them.

use crate::account::{Account, AccountClass, AccountRole};
use crate::ids::{AccountId, ContactId};
use crate::money::{Currency, Money};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Debit and credit totals of one account over some period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountTotal {
    /// The account.
    pub account: Account,
    /// Sum of debits, minor units.
    pub debit: i64,
    /// Sum of credits, minor units.
    pub credit: i64,
}

/// One row of a report that lists accounts.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AccountRow {
    /// Account id (absent for computed rows such as current year earnings).
    pub account_id: Option<AccountId>,
    /// Account code.
    pub code: String,
    /// Account name.
    pub name: String,
    /// Balance in the section's natural sign.
    pub amount: Money,
}

/// A titled list of rows with its total.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Section {
    /// Rows, by account code.
    pub rows: Vec<AccountRow>,
    /// Sum of the rows.
    pub total: Money,
}

fn section(rows: Vec<AccountRow>, currency: Currency) -> Section {
    let total = rows.iter().map(|r| r.amount.minor).sum();
    Section {
        rows,
        total: Money::new(total, currency),
    }
}

fn row(a: &Account, amount: i64, currency: Currency) -> AccountRow {
    AccountRow {
        account_id: Some(a.id.clone()),
        code: a.code.clone(),
        name: a.name.clone(),
        amount: Money::new(amount, currency),
    }
}

/// A trial balance row: the account's net balance on its debit or credit side.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TrialBalanceRow {
    /// Account id.
    pub account_id: AccountId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Class.
    pub class: AccountClass,
    /// Net debit balance (zero when the balance is a credit).
    pub debit: Money,
    /// Net credit balance (zero when the balance is a debit).
    pub credit: Money,
}

/// Trial balance as of a date.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TrialBalance {
    /// Inclusive date.
    pub as_of: NaiveDate,
    /// Currency of every amount.
    pub currency: Currency,
    /// Accounts with a non-zero balance.
    pub rows: Vec<TrialBalanceRow>,
    /// Sum of debit balances.
    pub total_debit: Money,
    /// Sum of credit balances (always equal to `total_debit`).
    pub total_credit: Money,
}

/// Builds the trial balance from all-time totals up to `as_of`.
pub fn trial_balance(
    as_of: NaiveDate,
    totals: &[AccountTotal],
    currency: Currency,
) -> TrialBalance {
    let mut rows = Vec::new();
    let (mut td, mut tc) = (0, 0);
    for t in sorted(totals) {
        let net = t.debit - t.credit;
        if net == 0 {
            continue;
        }
        let (d, c) = if net > 0 { (net, 0) } else { (0, -net) };
        td += d;
        tc += c;
        rows.push(TrialBalanceRow {
            account_id: t.account.id.clone(),
            code: t.account.code.clone(),
            name: t.account.name.clone(),
            class: t.account.class,
            debit: Money::new(d, currency),
            credit: Money::new(c, currency),
        });
    }
    TrialBalance {
        as_of,
        currency,
        rows,
        total_debit: Money::new(td, currency),
        total_credit: Money::new(tc, currency),
    }
}

fn sorted(totals: &[AccountTotal]) -> Vec<&AccountTotal> {
    let mut v: Vec<&AccountTotal> = totals.iter().collect();
    v.sort_by(|a, b| a.account.code.cmp(&b.account.code));
    v
}

/// Profit and loss over a date range.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ProfitAndLoss {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Currency of every amount.
    pub currency: Currency,
    /// Revenue accounts (credit-positive).
    pub revenue: Section,
    /// Expense accounts (debit-positive).
    pub expenses: Section,
    /// Revenue − expenses.
    pub net_profit: Money,
}

/// Net profit (revenue − expenses) of a set of totals.
pub fn net_profit(totals: &[AccountTotal]) -> i64 {
    totals
        .iter()
        .filter(|t| t.account.class.is_pnl())
        .map(|t| t.credit - t.debit)
        .sum()
}

/// Builds the profit and loss from totals over `from..=to`.
pub fn profit_and_loss(
    from: NaiveDate,
    to: NaiveDate,
    totals: &[AccountTotal],
    currency: Currency,
) -> ProfitAndLoss {
    let pick = |class: AccountClass| {
        sorted(totals)
            .into_iter()
            .filter(|t| t.account.class == class && t.debit != t.credit)
            .map(|t| row(&t.account, class.natural(t.debit, t.credit), currency))
            .collect::<Vec<_>>()
    };
    let revenue = section(pick(AccountClass::Revenue), currency);
    let expenses = section(pick(AccountClass::Expense), currency);
    let net = revenue.total.minor - expenses.total.minor;
    ProfitAndLoss {
        from,
        to,
        currency,
        revenue,
        expenses,
        net_profit: Money::new(net, currency),
    }
}

/// Balance sheet as of a date.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct BalanceSheet {
    /// Inclusive date.
    pub as_of: NaiveDate,
    /// Currency of every amount.
    pub currency: Currency,
    /// Assets (debit-positive).
    pub assets: Section,
    /// Liabilities (credit-positive).
    pub liabilities: Section,
    /// Equity (credit-positive), with retained earnings including prior years' profit and a
    /// computed current year earnings row.
    pub equity: Section,
    /// Liabilities + equity; equals total assets.
    pub total_liabilities_and_equity: Money,
    /// Profit of the fiscal year up to `as_of`.
    pub current_year_earnings: Money,
}

/// Builds the balance sheet from all-time totals up to `as_of` and the current fiscal year's totals.
pub fn balance_sheet(
    as_of: NaiveDate,
    all_time: &[AccountTotal],
    current_year: &[AccountTotal],
    currency: Currency,
) -> BalanceSheet {
    let current = net_profit(current_year);
    let prior = net_profit(all_time) - current;
    let mut assets = Vec::new();
    let mut liabilities = Vec::new();
    let mut equity = Vec::new();
    let mut re_seen = false;
    for t in sorted(all_time) {
        let mut amount = t.account.class.natural(t.debit, t.credit);
        if t.account.role == AccountRole::RetainedEarnings && !re_seen {
            amount += prior;
            re_seen = true;
        }
        if amount == 0 {
            continue;
        }
        match t.account.class {
            AccountClass::Asset => assets.push(row(&t.account, amount, currency)),
            AccountClass::Liability => liabilities.push(row(&t.account, amount, currency)),
            AccountClass::Equity => equity.push(row(&t.account, amount, currency)),
            _ => {}
        }
    }
    if !re_seen && prior != 0 {
        equity.push(AccountRow {
            account_id: None,
            code: String::new(),
            name: "Retained Earnings".into(),
            amount: Money::new(prior, currency),
        });
    }
    if current != 0 {
        equity.push(AccountRow {
            account_id: None,
            code: String::new(),
            name: "Current Year Earnings".into(),
            amount: Money::new(current, currency),
        });
    }
    let liabilities = section(liabilities, currency);
    let equity = section(equity, currency);
    let total = liabilities.total.minor + equity.total.minor;
    BalanceSheet {
        as_of,
        currency,
        assets: section(assets, currency),
        liabilities,
        equity,
        total_liabilities_and_equity: Money::new(total, currency),
        current_year_earnings: Money::new(current, currency),
    }
}

/// An open amount on an invoice or bill, as of the report date.
#[derive(Clone, Debug)]
pub struct OpenItem {
    /// The customer or supplier.
    pub contact_id: ContactId,
    /// Their name.
    pub contact_name: String,
    /// Due date of the document.
    pub due_date: NaiveDate,
    /// Amount still due as of the report date.
    pub outstanding: i64,
}

/// Aging buckets of one contact (or the total).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgingRow {
    /// The contact (absent on the total row).
    pub contact_id: Option<ContactId>,
    /// Contact name, or "Total".
    pub contact_name: String,
    /// Not yet due.
    pub current: Money,
    /// 1–30 days overdue.
    pub days_1_30: Money,
    /// 31–60 days overdue.
    pub days_31_60: Money,
    /// 61–90 days overdue.
    pub days_61_90: Money,
    /// More than 90 days overdue.
    pub over_90: Money,
    /// Sum of the buckets.
    pub total: Money,
}

/// AR or AP aging as of a date.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Aging {
    /// Inclusive date.
    pub as_of: NaiveDate,
    /// Currency of every amount.
    pub currency: Currency,
    /// One row per contact with an open balance, by name.
    pub rows: Vec<AgingRow>,
    /// Column totals.
    pub total: AgingRow,
}

/// Buckets open items by days past due as of `as_of`.
pub fn aging(as_of: NaiveDate, items: &[OpenItem], currency: Currency) -> Aging {
    let mut by_contact: BTreeMap<(String, ContactId), [i64; 5]> = BTreeMap::new();
    let mut total = [0i64; 5];
    for it in items.iter().filter(|i| i.outstanding != 0) {
        let days = (as_of - it.due_date).num_days();
        let b = match days {
            i64::MIN..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        by_contact
            .entry((it.contact_name.clone(), it.contact_id.clone()))
            .or_default()[b] += it.outstanding;
        total[b] += it.outstanding;
    }
    let mk = |id: Option<ContactId>, name: String, b: [i64; 5]| AgingRow {
        contact_id: id,
        contact_name: name,
        current: Money::new(b[0], currency),
        days_1_30: Money::new(b[1], currency),
        days_31_60: Money::new(b[2], currency),
        days_61_90: Money::new(b[3], currency),
        over_90: Money::new(b[4], currency),
        total: Money::new(b.iter().sum(), currency),
    };
    Aging {
        as_of,
        currency,
        rows: by_contact
            .into_iter()
            .map(|((name, id), b)| mk(Some(id), name, b))
            .collect(),
        total: mk(None, "Total".into(), total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AccountId;

    fn acct(code: &str, class: AccountClass, role: AccountRole) -> Account {
        Account {
            id: AccountId::from_suffix(code),
            code: code.into(),
            name: code.into(),
            class,
            role,
            archived: false,
        }
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn balance_sheet_balances_with_prior_and_current_earnings() {
        use AccountClass::*;
        let bank = acct("1000", Asset, AccountRole::Bank);
        let re = acct("3200", Equity, AccountRole::RetainedEarnings);
        let sales = acct("4000", Revenue, AccountRole::General);
        let rent = acct("6200", Expense, AccountRole::General);
        // All time: sales 1000, rent 300 → bank 700. This year: sales 400, rent 100.
        let t = |a: &Account, d, c| AccountTotal {
            account: a.clone(),
            debit: d,
            credit: c,
        };
        let all = vec![
            t(&bank, 1000, 300),
            t(&re, 0, 0),
            t(&sales, 0, 1000),
            t(&rent, 300, 0),
        ];
        let cur = vec![t(&sales, 0, 400), t(&rent, 100, 0)];
        let bs = balance_sheet(NaiveDate::MIN, &all, &cur, eur());
        assert_eq!(bs.assets.total.minor, 700);
        assert_eq!(bs.total_liabilities_and_equity.minor, 700);
        assert_eq!(bs.current_year_earnings.minor, 300);
        assert_eq!(bs.equity.rows[0].amount.minor, 400);
        let tb = trial_balance(NaiveDate::MIN, &all, eur());
        assert_eq!(tb.total_debit, tb.total_credit);
    }

    #[test]
    fn aging_buckets_by_days_past_due() {
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        let c = ContactId::from_suffix("c1");
        let it = |due, amt| OpenItem {
            contact_id: c.clone(),
            contact_name: "Ann".into(),
            due_date: due,
            outstanding: amt,
        };
        let a = aging(
            d(6, 30),
            &[
                it(d(6, 30), 1),
                it(d(6, 29), 10),
                it(d(5, 31), 100),
                it(d(5, 30), 1000),
                it(d(1, 1), 10000),
            ],
            eur(),
        );
        let r = &a.rows[0];
        assert_eq!(
            (
                r.current.minor,
                r.days_1_30.minor,
                r.days_31_60.minor,
                r.over_90.minor
            ),
            (1, 110, 1000, 10000)
        );
        assert_eq!(a.total.total.minor, 11111);
    }
}
