//! Reports, all on the accrual basis, read from balances maintained at posting time.

use crate::{Access, Result, Services};
use chrono::{Days, NaiveDate};
use newledger_domain::account::{Account, AccountClass};
use newledger_domain::dates::{self, DateRange};
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::AccountId;
use newledger_domain::money::{Currency, Money};
use newledger_domain::permission::Permission;
use newledger_domain::report::{
    self, AccountTotal, Aging, BalanceSheet, ProfitAndLoss, TrialBalance,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

async fn totals(
    svc: &Services,
    access: &Access,
    from: Option<NaiveDate>,
    to: NaiveDate,
    accounts: &HashMap<AccountId, Account>,
) -> Result<Vec<AccountTotal>> {
    let raw = svc
        .store
        .account_totals(&access.company.id, from, to)
        .await?;
    Ok(raw
        .into_iter()
        .filter_map(|(id, debit, credit)| {
            accounts.get(&id).map(|a| AccountTotal {
                account: a.clone(),
                debit,
                credit,
            })
        })
        .collect())
}

/// The dates of a report, with the defaults every surface uses: `as_of` and `to` today, `from`
/// the start of the fiscal year containing `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportDates {
    /// Balance date (trial balance, balance sheet, aging).
    pub as_of: NaiveDate,
    /// Range start (profit and loss, cash summary, expenses, general ledger).
    pub from: NaiveDate,
    /// Range end, inclusive.
    pub to: NaiveDate,
}

impl ReportDates {
    /// Fills what the caller left out.
    pub fn resolve(
        access: &Access,
        today: NaiveDate,
        as_of: Option<NaiveDate>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Self {
        let to = to.unwrap_or(today);
        Self {
            as_of: as_of.unwrap_or(today),
            from: from.unwrap_or_else(|| access.company.fiscal_year_start(to)),
            to,
        }
    }
}

fn check_as_of(as_of: NaiveDate) -> Result<()> {
    dates::check("as_of", as_of)?;
    Ok(())
}

/// A report's result from the node's read cache, computed by `fill` when the books changed
/// since (see `views::cache`). Callers check the permission and the parameters first; `what`
/// names the report and its parameters (the company is added here).
async fn cached<T, Fut>(
    svc: &Services,
    access: &Access,
    what: String,
    fill: impl FnOnce() -> Fut,
) -> Result<T>
where
    T: Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T>>,
{
    // A report holds about one row per account: weigh each like a page of that many rows.
    const WEIGHT: usize = 100;
    let key = format!("{}/report/{what}", access.company.id);
    svc.views
        .get_or_fill(svc, key, |_| WEIGHT, fill)
        .await
        .map(Arc::unwrap_or_clone)
}

/// Which report a surface asks for (its dates come as [`ReportDates`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// [`trial_balance`] as of `as_of`.
    TrialBalance,
    /// [`profit_and_loss`] over `from..=to`.
    ProfitAndLoss,
    /// [`balance_sheet`] as of `as_of`.
    BalanceSheet,
    /// [`cash_summary`] over `from..=to`.
    CashSummary,
    /// [`aging`] of invoices (receivable) or bills (payable) as of `as_of`.
    Aging(DocumentKind),
    /// [`expenses`] over `from..=to`.
    Expenses,
}

/// A report as JSON, serialized once per node until the books change: the surfaces that answer
/// JSON (the REST API's body, the MCP tools' structured content and its text copy) share it,
/// so a report asked again costs neither a query nor a serialization.
#[derive(Debug)]
pub struct ReportJson {
    /// The JSON text, object keys sorted (the REST API's body).
    pub text: String,
    /// The same as a JSON value.
    pub value: serde_json::Value,
}

impl ReportJson {
    fn of<T: Serialize>(report: &T) -> Result<Self> {
        let value = serde_json::to_value(report).map_err(|e| crate::Error::Internal(e.into()))?;
        Ok(Self {
            text: value.to_string(),
            value,
        })
    }
}

/// `report` for `dates` as JSON (`reports:read`), from the node's read cache when the books
/// have not changed since it was made (see `views::cache`); the dates are checked as by the
/// report's own function.
pub async fn json(
    svc: &Services,
    access: &Access,
    report: Report,
    dates: ReportDates,
) -> Result<Arc<ReportJson>> {
    access.require(Permission::ReportsRead)?;
    let ReportDates { as_of, from, to } = dates;
    let what = match report {
        Report::TrialBalance | Report::BalanceSheet | Report::Aging(_) => {
            format!("{report:?}/{as_of}")
        }
        _ => format!("{report:?}/{from}/{to}"),
    };
    let key = format!("{}/report-json/{what}", access.company.id);
    svc.views
        .get_or_fill(
            svc,
            key,
            |_| 100,
            || async {
                match report {
                    Report::TrialBalance => {
                        ReportJson::of(&trial_balance(svc, access, as_of).await?)
                    }
                    Report::ProfitAndLoss => {
                        ReportJson::of(&profit_and_loss(svc, access, from, to).await?)
                    }
                    Report::BalanceSheet => {
                        ReportJson::of(&balance_sheet(svc, access, as_of).await?)
                    }
                    Report::CashSummary => {
                        ReportJson::of(&cash_summary(svc, access, from, to).await?)
                    }
                    Report::Aging(kind) => ReportJson::of(&aging(svc, access, kind, as_of).await?),
                    Report::Expenses => ReportJson::of(&expenses(svc, access, from, to).await?),
                }
            },
        )
        .await
}

/// Trial balance as of a date.
pub async fn trial_balance(
    svc: &Services,
    access: &Access,
    as_of: NaiveDate,
) -> Result<TrialBalance> {
    access.require(Permission::ReportsRead)?;
    check_as_of(as_of)?;
    cached(svc, access, format!("trial-balance/{as_of}"), || {
        compute_trial_balance(svc, access, as_of)
    })
    .await
}

/// Profit and loss over a range.
pub async fn profit_and_loss(
    svc: &Services,
    access: &Access,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ProfitAndLoss> {
    access.require(Permission::ReportsRead)?;
    DateRange::new(from, to)?;
    cached(svc, access, format!("profit-and-loss/{from}/{to}"), || {
        compute_profit_and_loss(svc, access, from, to)
    })
    .await
}

/// Balance sheet as of a date.
pub async fn balance_sheet(
    svc: &Services,
    access: &Access,
    as_of: NaiveDate,
) -> Result<BalanceSheet> {
    access.require(Permission::ReportsRead)?;
    check_as_of(as_of)?;
    cached(svc, access, format!("balance-sheet/{as_of}"), || {
        compute_balance_sheet(svc, access, as_of)
    })
    .await
}

/// AR (invoices) or AP (bills) aging as of a date.
pub async fn aging(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    as_of: NaiveDate,
) -> Result<Aging> {
    access.require(Permission::ReportsRead)?;
    check_as_of(as_of)?;
    cached(
        svc,
        access,
        format!("aging/{}/{as_of}", kind.as_str()),
        || compute_aging(svc, access, kind, as_of),
    )
    .await
}

/// Cash summary over a range.
pub async fn cash_summary(
    svc: &Services,
    access: &Access,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CashSummary> {
    access.require(Permission::ReportsRead)?;
    DateRange::monthly(from, to)?;
    cached(svc, access, format!("cash-summary/{from}/{to}"), || {
        compute_cash_summary(svc, access, from, to)
    })
    .await
}

/// Expense breakdown over a range.
pub async fn expenses(
    svc: &Services,
    access: &Access,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ExpenseBreakdown> {
    access.require(Permission::ReportsRead)?;
    DateRange::monthly(from, to)?;
    cached(svc, access, format!("expenses/{from}/{to}"), || {
        compute_expenses(svc, access, from, to)
    })
    .await
}

async fn compute_trial_balance(
    svc: &Services,
    access: &Access,
    as_of: NaiveDate,
) -> Result<TrialBalance> {
    access.require(Permission::ReportsRead)?;
    check_as_of(as_of)?;
    let accounts = crate::books::accounts::by_id(svc, access).await?;
    let t = totals(svc, access, None, as_of, &accounts).await?;
    Ok(report::trial_balance(as_of, &t, access.company.currency))
}

async fn compute_profit_and_loss(
    svc: &Services,
    access: &Access,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ProfitAndLoss> {
    access.require(Permission::ReportsRead)?;
    DateRange::new(from, to)?;
    let accounts = crate::books::accounts::by_id(svc, access).await?;
    let t = totals(svc, access, Some(from), to, &accounts).await?;
    Ok(report::profit_and_loss(
        from,
        to,
        &t,
        access.company.currency,
    ))
}

async fn compute_balance_sheet(
    svc: &Services,
    access: &Access,
    as_of: NaiveDate,
) -> Result<BalanceSheet> {
    access.require(Permission::ReportsRead)?;
    check_as_of(as_of)?;
    let accounts = crate::books::accounts::by_id(svc, access).await?;
    let all = totals(svc, access, None, as_of, &accounts).await?;
    let fy = access.company.fiscal_year_start(as_of);
    let current = totals(svc, access, Some(fy), as_of, &accounts).await?;
    Ok(report::balance_sheet(
        as_of,
        &all,
        &current,
        access.company.currency,
    ))
}

async fn compute_aging(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    as_of: NaiveDate,
) -> Result<Aging> {
    access.require(Permission::ReportsRead)?;
    check_as_of(as_of)?;
    let items = svc
        .store
        .open_items(&access.company.id, kind, as_of)
        .await?;
    Ok(report::aging(as_of, &items, access.company.currency))
}

/// One bank or card account in the cash summary.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CashAccount {
    /// Account id.
    pub account_id: AccountId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Balance the day before `from`.
    pub opening: Money,
    /// Money in (debits).
    pub money_in: Money,
    /// Money out (credits).
    pub money_out: Money,
    /// Balance at `to`.
    pub closing: Money,
}

/// Money in and out in one month, over all bank and card accounts.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CashMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Money in.
    pub money_in: Money,
    /// Money out.
    pub money_out: Money,
    /// In − out.
    pub net: Money,
}

/// Bank balances and money in/out per month.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CashSummary {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// Per account.
    pub accounts: Vec<CashAccount>,
    /// Per month.
    pub months: Vec<CashMonth>,
    /// Sum of openings.
    pub total_opening: Money,
    /// Sum of closings.
    pub total_closing: Money,
}

async fn compute_cash_summary(
    svc: &Services,
    access: &Access,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CashSummary> {
    access.require(Permission::ReportsRead)?;
    DateRange::monthly(from, to)?;
    let cur = access.company.currency;
    let m = |v| Money::new(v, cur);
    let accounts = crate::books::accounts::by_id(svc, access).await?;
    let is_cash = |id: &AccountId| accounts.get(id).is_some_and(|a| a.role.is_money());
    let before = match from.checked_sub_days(Days::new(1)) {
        Some(d) => totals(svc, access, None, d, &accounts).await?,
        None => Vec::new(),
    };
    let during = totals(svc, access, Some(from), to, &accounts).await?;
    let mut per: BTreeMap<String, CashAccount> = BTreeMap::new();
    let mut cash_accounts: Vec<&Account> =
        accounts.values().filter(|a| a.role.is_money()).collect();
    cash_accounts.sort_by(|a, b| a.code.cmp(&b.code));
    for a in cash_accounts {
        per.insert(
            a.id.to_string(),
            CashAccount {
                account_id: a.id.clone(),
                code: a.code.clone(),
                name: a.name.clone(),
                opening: m(0),
                money_in: m(0),
                money_out: m(0),
                closing: m(0),
            },
        );
    }
    for t in before.iter().filter(|t| t.account.role.is_money()) {
        if let Some(c) = per.get_mut(t.account.id.as_str()) {
            c.opening = m(t.debit - t.credit);
        }
    }
    for t in during.iter().filter(|t| t.account.role.is_money()) {
        if let Some(c) = per.get_mut(t.account.id.as_str()) {
            c.money_in = m(t.debit);
            c.money_out = m(t.credit);
        }
    }
    let mut accounts_out: Vec<CashAccount> = per
        .into_values()
        .map(|mut c| {
            c.closing = m(c.opening.minor + c.money_in.minor - c.money_out.minor);
            c
        })
        .collect();
    // By code, as the chart lists them (the map above is keyed by id, which is random).
    accounts_out.sort_by(|a, b| a.code.cmp(&b.code));
    let mut months: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (id, month, d, c) in svc
        .store
        .monthly_totals(&access.company.id, from, to)
        .await?
    {
        if is_cash(&id) {
            let e = months.entry(month).or_default();
            e.0 += d;
            e.1 += c;
        }
    }
    Ok(CashSummary {
        from,
        to,
        currency: cur,
        total_opening: m(accounts_out.iter().map(|a| a.opening.minor).sum()),
        total_closing: m(accounts_out.iter().map(|a| a.closing.minor).sum()),
        accounts: accounts_out,
        months: months
            .into_iter()
            .map(|(month, (i, o))| CashMonth {
                month,
                money_in: m(i),
                money_out: m(o),
                net: m(i - o),
            })
            .collect(),
    })
}

/// One expense account's spending per month.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ExpenseRow {
    /// Account id.
    pub account_id: AccountId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Amount per month (`YYYY-MM` → amount), months without spending omitted.
    pub months: BTreeMap<String, Money>,
    /// Total over the range.
    pub total: Money,
}

/// Expense breakdown by account and month.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ExpenseBreakdown {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// Months covered, in order.
    pub months: Vec<String>,
    /// One row per expense account with spending.
    pub rows: Vec<ExpenseRow>,
    /// Total per month.
    pub month_totals: BTreeMap<String, Money>,
    /// Grand total.
    pub total: Money,
}

async fn compute_expenses(
    svc: &Services,
    access: &Access,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ExpenseBreakdown> {
    access.require(Permission::ReportsRead)?;
    let range = DateRange::monthly(from, to)?;
    let cur = access.company.currency;
    let accounts = crate::books::accounts::by_id(svc, access).await?;
    let mut rows: BTreeMap<String, ExpenseRow> = BTreeMap::new();
    let mut month_totals: BTreeMap<String, Money> = BTreeMap::new();
    for (id, month, d, c) in svc
        .store
        .monthly_totals(&access.company.id, from, to)
        .await?
    {
        let Some(a) = accounts
            .get(&id)
            .filter(|a| a.class == AccountClass::Expense)
        else {
            continue;
        };
        let amt = d - c;
        let r = rows.entry(a.code.clone()).or_insert_with(|| ExpenseRow {
            account_id: a.id.clone(),
            code: a.code.clone(),
            name: a.name.clone(),
            months: BTreeMap::new(),
            total: Money::new(0, cur),
        });
        r.months.insert(month.clone(), Money::new(amt, cur));
        r.total.minor += amt;
        month_totals
            .entry(month)
            .or_insert(Money::new(0, cur))
            .minor += amt;
    }
    let months = range.months();
    Ok(ExpenseBreakdown {
        from,
        to,
        currency: cur,
        months,
        total: Money::new(month_totals.values().map(|m| m.minor).sum(), cur),
        rows: rows.into_values().collect(),
        month_totals,
    })
}
