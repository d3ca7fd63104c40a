//! `GET /reports/{name}` with `as_of` or `from`/`to` (ISO dates). Defaults: `as_of` and `to`
//! today, `from` the start of the fiscal year containing `to`.

use super::{ApiQuery, json_response};
use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_service::Error;
use newledger_service::reports::{self, Report};
use serde::Deserialize;

/// Report parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
// Query parameters (read by `ApiQuery`, which utoipa cannot recognise as a query extractor).
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Balance date (trial balance, balance sheet, aging).
    pub as_of: Option<NaiveDate>,
    /// Range start (profit and loss, cash summary, expenses).
    pub from: Option<NaiveDate>,
    /// Range end, inclusive.
    pub to: Option<NaiveDate>,
}

/// The report a route name names.
fn named(name: &str) -> Option<Report> {
    Some(match name {
        "trial-balance" => Report::TrialBalance,
        "profit-and-loss" => Report::ProfitAndLoss,
        "balance-sheet" => Report::BalanceSheet,
        "cash-summary" => Report::CashSummary,
        "ar-aging" => Report::Aging(DocumentKind::Invoice),
        "ap-aging" => Report::Aging(DocumentKind::Bill),
        "expenses" => Report::Expenses,
        _ => return None,
    })
}

/// Any report by name: its JSON as the service serialized (and cached) it.
pub async fn report(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, name)): Path<(String, String)>,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    let dates =
        reports::ReportDates::resolve(&a, a.today(s.svc.clock.as_ref()), p.as_of, p.from, p.to);
    let report = named(&name).ok_or(Error::NotFound("report"))?;
    let body = reports::json(&s.svc, &a, report, dates).await?;
    Ok(json_response(&Bytes::copy_from_slice(body.text.as_bytes())))
}

// OpenAPI: `report` serves every report under one route, but each report has its own
// parameters and response shape, so the document describes each path separately. These
// functions exist only to carry those annotations; the router never calls them.

/// Documents `GET /reports/{name}` for one report.
macro_rules! report_doc {
    ($fn:ident, $name:literal, $summary:literal, $desc:literal, $body:ident, [$($param:tt),*]) => {
        #[doc = concat!("OpenAPI description of `GET /reports/", $name, "` (served by [`report`]).")]
        #[utoipa::path(
            get,
            path = concat!("/api/v1/companies/{company_id}/reports/", $name),
            tag = "Reports",
            operation_id = stringify!($fn),
            summary = $summary,
            description = $desc,
            params(
                ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
                $($param),*
            ),
            responses(
                (status = 200, description = $summary, body = super::schemas::$body),
                (status = 422, response = super::schemas::Invalid)
            ),
            security(("bearer" = ["reports:read"]), ("app_credentials" = ["reports:read"]))
        )]
        #[allow(dead_code)]
        pub(crate) fn $fn() {}
    };
}

report_doc!(
    trial_balance,
    "trial-balance",
    "Trial balance",
    "Every account with a non-zero balance as of `as_of` (default today); debits equal credits.",
    TrialBalance,
    [("as_of" = Option<NaiveDate>, Query, description = "Balance date, inclusive (default: today); 1900-01-01 … 2199-12-31.")]
);
report_doc!(
    profit_and_loss,
    "profit-and-loss",
    "Profit and loss",
    "Revenue and expenses over `from`..=`to` (accrual basis).",
    ProfitAndLoss,
    [("from" = Option<NaiveDate>, Query, description = "Range start, inclusive (default: start of the fiscal year containing `to`); 1900-01-01 … 2199-12-31."),
     ("to" = Option<NaiveDate>, Query, description = "Range end, inclusive (default: today); 1900-01-01 … 2199-12-31, on or after `from`.")]
);
report_doc!(
    balance_sheet,
    "balance-sheet",
    "Balance sheet",
    "Assets, liabilities and equity as of `as_of`, with current year earnings; assets equal liabilities + equity.",
    BalanceSheet,
    [("as_of" = Option<NaiveDate>, Query, description = "Balance date, inclusive (default: today); 1900-01-01 … 2199-12-31.")]
);
report_doc!(
    cash_summary,
    "cash-summary",
    "Cash summary",
    "Bank and card balances, and money in and out per month, over `from`..=`to` (at most 120 calendar months; a longer range is refused with 422).",
    CashSummary,
    [("from" = Option<NaiveDate>, Query, description = "Range start, inclusive (default: start of the fiscal year containing `to`); 1900-01-01 … 2199-12-31."),
     ("to" = Option<NaiveDate>, Query, description = "Range end, inclusive (default: today); 1900-01-01 … 2199-12-31, on or after `from`.")]
);
report_doc!(
    ar_aging,
    "ar-aging",
    "Accounts receivable aging",
    "Open invoice amounts per customer by days past the due date (current, 1–30, 31–60, 61–90, over 90) as of `as_of`, counting payments dated on or before it.",
    Aging,
    [("as_of" = Option<NaiveDate>, Query, description = "Aging date (default: today); 1900-01-01 … 2199-12-31.")]
);
report_doc!(
    ap_aging,
    "ap-aging",
    "Accounts payable aging",
    "Open bill amounts per supplier by days past the due date (current, 1–30, 31–60, 61–90, over 90) as of `as_of`, counting payments dated on or before it.",
    Aging,
    [("as_of" = Option<NaiveDate>, Query, description = "Aging date (default: today); 1900-01-01 … 2199-12-31.")]
);
report_doc!(
    expenses,
    "expenses",
    "Expense breakdown",
    "Spending per expense account and month over `from`..=`to` (at most 120 calendar months; a longer range is refused with 422).",
    ExpenseBreakdown,
    [("from" = Option<NaiveDate>, Query, description = "Range start, inclusive (default: start of the fiscal year containing `to`); 1900-01-01 … 2199-12-31."),
     ("to" = Option<NaiveDate>, Query, description = "Range end, inclusive (default: today); 1900-01-01 … 2199-12-31, on or after `from`.")]
);
