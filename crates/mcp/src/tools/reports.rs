//! Report tools: each report of the REST API, with the same date defaults
//! ([`ReportDates`]) and an optional comparison period computed by the same use case.

use super::ToolError;
use crate::server::Ledger;
use crate::shapes::{Compared, ReportResult};
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::report::{Aging, BalanceSheet, ProfitAndLoss, TrialBalance};
use newledger_service::Access;
use newledger_service::general_ledger::{self, GeneralLedgerPage, GeneralLedgerQuery};
use newledger_service::reports::{self, CashSummary, ExpenseBreakdown, Report, ReportDates};
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::tool::schema_for_output;
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
        ReportDates::resolve(a, a.today(self.shared.svc.clock.as_ref()), as_of, from, to)
    }

    /// `report` as the service serialized and cached it for the requested dates and, when
    /// asked, for the comparison dates: the result is put together from the cached JSON, so a
    /// report asked again is neither computed nor serialized again.
    async fn report(
        &self,
        a: &Access,
        report: Report,
        (current, comparison): (ReportDates, Option<ReportDates>),
    ) -> Result<ReportResult, ToolError> {
        let svc = &self.shared.svc;
        let now = reports::json(svc, a, report, current).await?;
        let then = match comparison {
            Some(d) => Some(reports::json(svc, a, report, d).await?),
            None => None,
        };
        Ok(ReportResult::new(&now, then.as_deref()))
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
        output_schema = schema_for_output::<Compared<TrialBalance>>(),
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
    ) -> Result<ReportResult, ToolError> {
        let dates = self.as_of_dates(&a, &p);
        self.report(&a, Report::TrialBalance, dates).await
    }

    /// Balance sheet as of a date: assets, liabilities and equity (with current year
    /// earnings), each section with its rows and total, in natural sign (positive numbers are
    /// normal balances); assets equal liabilities + equity. Optionally a comparison date.
    #[tool(
        title = "Balance sheet",
        output_schema = schema_for_output::<Compared<BalanceSheet>>(),
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
    ) -> Result<ReportResult, ToolError> {
        let dates = self.as_of_dates(&a, &p);
        self.report(&a, Report::BalanceSheet, dates).await
    }

    /// Profit and loss (accrual basis) over a period: revenue and expense accounts with their
    /// totals, positive in their natural sign, and net profit (negative for a loss). Default
    /// period: the fiscal year to date. Optionally a comparison period (e.g. last year).
    #[tool(
        title = "Profit and loss",
        output_schema = schema_for_output::<Compared<ProfitAndLoss>>(),
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
    ) -> Result<ReportResult, ToolError> {
        let dates = self.period_dates(&a, &p);
        self.report(&a, Report::ProfitAndLoss, dates).await
    }

    /// Cash summary over a period (at most 120 months): each bank and card account's opening
    /// balance, money in, money out and closing balance, and money in/out per month over all
    /// of them. Optionally a comparison period.
    #[tool(
        title = "Cash summary",
        output_schema = schema_for_output::<Compared<CashSummary>>(),
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
    ) -> Result<ReportResult, ToolError> {
        let dates = self.period_dates(&a, &p);
        self.report(&a, Report::CashSummary, dates).await
    }

    /// Expense breakdown over a period (at most 120 months): spending per expense account and
    /// per month, with totals. Optionally a comparison period.
    #[tool(
        title = "Expense breakdown",
        output_schema = schema_for_output::<Compared<ExpenseBreakdown>>(),
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
    ) -> Result<ReportResult, ToolError> {
        let dates = self.period_dates(&a, &p);
        self.report(&a, Report::Expenses, dates).await
    }

    /// Aging of receivables (open invoices per customer) or payables (open bills per
    /// supplier) as of a date, by days past the due date: current, 1–30, 31–60, 61–90, over
    /// 90, with totals; counts payments dated on or before the date. Optionally a comparison date.
    #[tool(
        title = "Aging report",
        output_schema = schema_for_output::<Compared<Aging>>(),
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
    ) -> Result<ReportResult, ToolError> {
        let kind = match p.side {
            AgingSide::Receivable => DocumentKind::Invoice,
            AgingSide::Payable => DocumentKind::Bill,
        };
        let dates = self.as_of_dates(&a, &p.dates);
        self.report(&a, Report::Aging(kind), dates).await
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
        let page = async |d: ReportDates, cursor: Option<String>| {
            let q = GeneralLedgerQuery::from_request(
                &a,
                a.today(svc.clock.as_ref()),
                Some(d.from),
                Some(d.to),
                p.account_id.as_deref(),
                p.limit,
                cursor,
            )?;
            general_ledger::page(svc, &a, &q).await
        };
        let report = page(now, p.cursor.clone()).await?;
        let comparison = match then {
            Some(d) => Some(page(d, None).await?),
            None => None,
        };
        Ok(Json(Compared { report, comparison }))
    }
}
