//! `GET /reports/{name}` with `as_of` or `from`/`to` (ISO dates). Defaults: `as_of` and `to`
//! today, `from` the start of the fiscal year containing `to`.

use super::{ApiQuery, json_bytes, json_response};
use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_domain::permission::Permission;
use newledger_service::{Error, reports, views};
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

/// The reports this route serves.
const NAMES: [&str; 7] = [
    "trial-balance",
    "profit-and-loss",
    "balance-sheet",
    "cash-summary",
    "ar-aging",
    "ap-aging",
    "expenses",
];

/// A report's JSON body as this endpoint has always written it: through a JSON value, whose
/// object keys come out sorted.
fn as_value<T: serde::Serialize>(report: T) -> Result<axum::body::Bytes, Error> {
    json_bytes(&serde_json::to_value(report).map_err(|e| Error::Internal(e.into()))?)
}

/// Any report by name.
pub async fn report(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, name)): Path<(String, String)>,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    let reports::ReportDates { as_of, from, to } =
        reports::ReportDates::resolve(&a, s.svc.clock.today(), p.as_of, p.from, p.to);
    if !NAMES.contains(&name.as_str()) {
        return Err(Error::NotFound("report").into());
    }
    let what = format!("api/report/{name}/{as_of}/{from}/{to}");
    let body = views::shaped(&s.svc, &a, Permission::ReportsRead, what, 100, || {
        report_body(&s, &a, &name, as_of, from, to)
    })
    .await?;
    Ok(json_response(&body))
}

/// The body of one report, serialized.
async fn report_body(
    s: &AppState,
    a: &newledger_service::Access,
    name: &str,
    as_of: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<axum::body::Bytes, Error> {
    let (svc, a) = (&s.svc, a);
    match name {
        "trial-balance" => as_value(reports::trial_balance(svc, a, as_of).await?),
        "profit-and-loss" => as_value(reports::profit_and_loss(svc, a, from, to).await?),
        "balance-sheet" => as_value(reports::balance_sheet(svc, a, as_of).await?),
        "cash-summary" => as_value(reports::cash_summary(svc, a, from, to).await?),
        "ar-aging" => as_value(reports::aging(svc, a, DocumentKind::Invoice, as_of).await?),
        "ap-aging" => as_value(reports::aging(svc, a, DocumentKind::Bill, as_of).await?),
        "expenses" => as_value(reports::expenses(svc, a, from, to).await?),
        _ => Err(Error::NotFound("report")),
    }
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
