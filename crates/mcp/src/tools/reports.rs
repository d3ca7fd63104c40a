//! Report tools: each report of the REST API, with the same date defaults
//! ([`ReportDates`]) and an optional comparison period computed by the same use case.

use super::ToolError;
use crate::server::Ledger;
use crate::shapes::Compared;
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::permission::Permission;
use newledger_domain::report::{Aging, BalanceSheet, ProfitAndLoss, TrialBalance};
use newledger_service::general_ledger::{self, GeneralLedgerPage, GeneralLedgerQuery};
use newledger_service::reports::{self, CashSummary, ExpenseBreakdown, ReportDates};
use newledger_service::{Access, views};
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

/// A balance date, and optionally a second one to compare with.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct AsOf {
    /// Balance date, inclusive (YYYY-MM-DD; default today).
    pub as_of: Option<NaiveDate>,
    /// A second balance date to compare with (e.g. the same day last year); omit for none.
    pub compare_as_of: Option<NaiveDate>,
}

/// A period, and optionally a second one to compare with.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct Period {
    /// First day, inclusive (YYYY-MM-DD; default: start of the fiscal year containing `to`).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (YYYY-MM-DD; default today).
    pub to: Option<NaiveDate>,
    /// First day of a comparison period (e.g. the same period last year); giving
    /// `compare_from` or `compare_to` asks for the comparison.
    pub compare_from: Option<NaiveDate>,
    /// Last day of the comparison period (default: today when only `compare_from` is given).
    pub compare_to: Option<NaiveDate>,
}

/// Receivables or payables.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AgingSide {
    /// What customers owe (open invoices).
    Receivable,
    /// What the company owes suppliers (open bills).
    Payable,
}

/// Parameters of `aging_report`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct AgingArgs {
    /// `receivable` (customers' open invoices) or `payable` (open bills to suppliers).
    pub side: AgingSide,
    #[serde(flatten)]
    pub dates: AsOf,
}

/// Parameters of `general_ledger`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct LedgerArgs {
    #[serde(flatten)]
    pub period: Period,
    /// Only this account (`acc_…`); omit for every account.
    pub account_id: Option<String>,
    /// Lines per page, 1–1000 (default 100).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page (keep the other parameters the same).
    pub cursor: Option<String>,
}

impl Ledger {
    fn dates(
        &self,
        a: &Access,
        as_of: Option<NaiveDate>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> ReportDates {
        ReportDates::resolve(a, self.shared.svc.clock.today(), as_of, from, to)
    }

    /// Runs `report` for the requested dates and, when asked, for the comparison dates.
    async fn compared<T, F, Fut>(
        &self,
        current: ReportDates,
        comparison: Option<ReportDates>,
        report: F,
    ) -> Result<Json<Compared<T>>, ToolError>
    where
        T: JsonSchema,
        F: Fn(ReportDates) -> Fut,
        Fut: std::future::Future<Output = newledger_service::Result<T>>,
    {
        let report_now = report(current).await?;
        let comparison = match comparison {
            Some(d) => Some(report(d).await?),
            None => None,
        };
        Ok(Json(Compared {
            report: report_now,
            comparison,
        }))
    }

    /// A report from the per-node read cache (filled by `fill` when the books changed since),
    /// the same cache the REST API's reports use; `reports:read` is checked on every call.
    async fn cached<T, Fut>(
        &self,
        a: &Access,
        what: String,
        fill: impl FnOnce() -> Fut,
    ) -> newledger_service::Result<T>
    where
        T: Clone + Send + Sync + 'static,
        Fut: std::future::Future<Output = newledger_service::Result<T>>,
    {
        let svc = &self.shared.svc;
        views::shaped(
            svc,
            a,
            Permission::ReportsRead,
            format!("mcp/{what}"),
            100,
            fill,
        )
        .await
        .map(|r| (*r).clone())
    }

    fn as_of_dates(&self, a: &Access, p: &AsOf) -> (ReportDates, Option<ReportDates>) {
        (
            self.dates(a, p.as_of, None, None),
            p.compare_as_of.map(|d| self.dates(a, Some(d), None, None)),
        )
    }

    fn period_dates(&self, a: &Access, p: &Period) -> (ReportDates, Option<ReportDates>) {
        let compare = (p.compare_from.is_some() || p.compare_to.is_some())
            .then(|| self.dates(a, None, p.compare_from, p.compare_to));
        (self.dates(a, None, p.from, p.to), compare)
    }
}

#[tool_router(router = report_tools, vis = "pub(crate)")]
impl Ledger {
    /// Trial balance: every account with a balance as of a date, its net on the debit or the
    /// credit side; total debits equal total credits. Amounts are decimal strings in the
    /// company currency. Optionally the same for a comparison date.
    #[tool(
        title = "Trial balance",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn trial_balance(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<AsOf>,
    ) -> Result<Json<Compared<TrialBalance>>, ToolError> {
        let (now, then) = self.as_of_dates(&a, &p);
        let svc = &self.shared.svc;
        let a = &a;
        self.compared(now, then, |d| {
            self.cached(a, format!("trial_balance/{}", d.as_of), move || {
                reports::trial_balance(svc, a, d.as_of)
            })
        })
        .await
    }

    /// Balance sheet as of a date: assets, liabilities and equity (with current year
    /// earnings), each section with its rows and total, in natural sign (positive numbers are
    /// normal balances); assets equal liabilities + equity. Optionally a comparison date.
    #[tool(
        title = "Balance sheet",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn balance_sheet(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<AsOf>,
    ) -> Result<Json<Compared<BalanceSheet>>, ToolError> {
        let (now, then) = self.as_of_dates(&a, &p);
        let svc = &self.shared.svc;
        let a = &a;
        self.compared(now, then, |d| {
            self.cached(a, format!("balance_sheet/{}", d.as_of), move || {
                reports::balance_sheet(svc, a, d.as_of)
            })
        })
        .await
    }

    /// Profit and loss (accrual basis) over a period: revenue and expense accounts with their
    /// totals, positive in their natural sign, and net profit (negative for a loss). Default
    /// period: the fiscal year to date. Optionally a comparison period (e.g. last year).
    #[tool(
        title = "Profit and loss",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn profit_and_loss(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Period>,
    ) -> Result<Json<Compared<ProfitAndLoss>>, ToolError> {
        let (now, then) = self.period_dates(&a, &p);
        let svc = &self.shared.svc;
        let a = &a;
        self.compared(now, then, |d| {
            self.cached(
                a,
                format!("profit_and_loss/{}/{}", d.from, d.to),
                move || reports::profit_and_loss(svc, a, d.from, d.to),
            )
        })
        .await
    }

    /// Cash summary over a period (at most 120 months): each bank and card account's opening
    /// balance, money in, money out and closing balance, and money in/out per month over all
    /// of them. Optionally a comparison period.
    #[tool(
        title = "Cash summary",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn cash_summary(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Period>,
    ) -> Result<Json<Compared<CashSummary>>, ToolError> {
        let (now, then) = self.period_dates(&a, &p);
        let svc = &self.shared.svc;
        let a = &a;
        self.compared(now, then, |d| {
            self.cached(a, format!("cash_summary/{}/{}", d.from, d.to), move || {
                reports::cash_summary(svc, a, d.from, d.to)
            })
        })
        .await
    }

    /// Expense breakdown over a period (at most 120 months): spending per expense account and
    /// per month, with totals. Optionally a comparison period.
    #[tool(
        title = "Expense breakdown",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn expense_breakdown(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<Period>,
    ) -> Result<Json<Compared<ExpenseBreakdown>>, ToolError> {
        let (now, then) = self.period_dates(&a, &p);
        let svc = &self.shared.svc;
        let a = &a;
        self.compared(now, then, |d| {
            self.cached(a, format!("expenses/{}/{}", d.from, d.to), move || {
                reports::expenses(svc, a, d.from, d.to)
            })
        })
        .await
    }

    /// Aging of receivables (open invoices per customer) or payables (open bills per
    /// supplier) as of a date, by days past the due date: current, 1–30, 31–60, 61–90, over
    /// 90, with totals; counts payments dated on or before the date. Optionally a comparison date.
    #[tool(
        title = "Aging report",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn aging_report(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<AgingArgs>,
    ) -> Result<Json<Compared<Aging>>, ToolError> {
        let kind = match p.side {
            AgingSide::Receivable => DocumentKind::Invoice,
            AgingSide::Payable => DocumentKind::Bill,
        };
        let (now, then) = self.as_of_dates(&a, &p.dates);
        let svc = &self.shared.svc;
        let a = &a;
        self.compared(now, then, |d| {
            self.cached(
                a,
                format!("aging/{}/{}", kind.as_str(), d.as_of),
                move || reports::aging(svc, a, kind, d.as_of),
            )
        })
        .await
    }

    /// General ledger: every posted line over a period, account by account in date order,
    /// with each account's opening balance, range debits and credits, closing balance and a
    /// running balance per line (all debit-positive: debit − credit). Optionally one account.
    /// Paged (default 100 lines): pass `next_cursor` back as `cursor`. A comparison period
    /// returns the first page of the same ledger for that period.
    #[tool(
        title = "General ledger",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn general_ledger(
        &self,
        Extension(a): Extension<Access>,
        Parameters(p): Parameters<LedgerArgs>,
    ) -> Result<Json<Compared<GeneralLedgerPage>>, ToolError> {
        let svc = &self.shared.svc;
        let (now, then) = self.period_dates(&a, &p.period);
        let account = p.account_id.as_deref();
        let a = &a;
        self.compared(now, then, |d| {
            let cursor = (d == now).then(|| p.cursor.clone()).flatten();
            async move {
                let q = GeneralLedgerQuery::from_request(
                    a,
                    svc.clock.today(),
                    Some(d.from),
                    Some(d.to),
                    account,
                    p.limit,
                    cursor,
                )?;
                let what = format!(
                    "general_ledger/{}/{}/{:?}/{:?}/{:?}",
                    q.from, q.to, q.account_id, q.limit, q.cursor
                );
                self.cached(a, what, || general_ledger::page(svc, a, &q))
                    .await
            }
        })
        .await
    }
}
