//! `GET /reports/{name}` with `as_of` or `from`/`to` (ISO dates). Defaults: `as_of` and `to`
//! today, `from` the start of the fiscal year containing `to`.

use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use newledger_domain::document::DocumentKind;
use newledger_service::{Error, reports};
use serde::Deserialize;

/// Report parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// Balance date (trial balance, balance sheet, aging).
    pub as_of: Option<NaiveDate>,
    /// Range start (profit and loss, cash summary, expenses).
    pub from: Option<NaiveDate>,
    /// Range end, inclusive.
    pub to: Option<NaiveDate>,
}

/// Any report by name.
pub async fn report(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, name)): Path<(String, String)>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let today = s.svc.clock.today();
    let as_of = p.as_of.unwrap_or(today);
    let to = p.to.unwrap_or(today);
    let from = p.from.unwrap_or_else(|| a.company.fiscal_year_start(to));
    let svc = &s.svc;
    let v = match name.as_str() {
        "trial-balance" => serde_json::to_value(reports::trial_balance(svc, &a, as_of).await?),
        "profit-and-loss" => {
            serde_json::to_value(reports::profit_and_loss(svc, &a, from, to).await?)
        }
        "balance-sheet" => serde_json::to_value(reports::balance_sheet(svc, &a, as_of).await?),
        "cash-summary" => serde_json::to_value(reports::cash_summary(svc, &a, from, to).await?),
        "ar-aging" => {
            serde_json::to_value(reports::aging(svc, &a, DocumentKind::Invoice, as_of).await?)
        }
        "ap-aging" => {
            serde_json::to_value(reports::aging(svc, &a, DocumentKind::Bill, as_of).await?)
        }
        "expenses" => serde_json::to_value(reports::expenses(svc, &a, from, to).await?),
        _ => return Err(Error::NotFound("report").into()),
    }
    .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(v).into_response())
}
