//! The general ledger report (`GET /reports/general-ledger`, paginated) and the streamed ledger
//! export (`GET /exports/ledger?format=hledger|beancount|csv`).

use super::ApiQuery;
use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use newledger_domain::permission::Permission;
use newledger_service::general_ledger::{self, GeneralLedgerQuery};
use newledger_service::ledger_export::{self, Format, Sink};
use newledger_service::{Error, views};
use serde::Deserialize;
use tokio::sync::mpsc;

/// General ledger parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
// Query parameters (read by `ApiQuery`, which utoipa cannot recognise as a query extractor).
#[into_params(parameter_in = Query)]
pub struct GeneralLedgerParams {
    /// First day (default: start of the fiscal year containing `to`); on or before `to`.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: today).
    pub to: Option<NaiveDate>,
    /// Only this account (`acc_…`).
    pub account_id: Option<String>,
    /// Lines per page (default 100, max 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One account's section of the general ledger (OpenAPI schema of
/// [`newledger_service::general_ledger::GlAccount`]).
#[derive(utoipa::ToSchema)]
pub struct GeneralLedgerAccount {
    /// Account id.
    pub account_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// asset, liability, equity, revenue or expense.
    pub class: String,
    /// Balance at the end of the day before `from`, debit-positive (debit − credit), decimal string.
    pub opening: String,
    /// Debits in the range.
    pub debit: String,
    /// Credits in the range.
    pub credit: String,
    /// Balance at the end of `to`, debit-positive; equals the account's trial balance at `to`.
    pub closing: String,
}

/// One posted line of the general ledger.
#[derive(utoipa::ToSchema)]
pub struct GeneralLedgerLine {
    /// Account id.
    pub account_id: String,
    /// Account code.
    pub account_code: String,
    /// Account name.
    pub account_name: String,
    /// Date.
    pub date: NaiveDate,
    /// Journal entry id (`jnl_…`).
    pub entry_id: String,
    /// Entry reference (`JE-00012`, `INV-0003`…).
    pub entry_number: String,
    /// Line number within the entry.
    pub line_no: i64,
    /// The entry's narration.
    pub memo: String,
    /// The line's description.
    pub description: String,
    /// Contact id.
    pub contact_id: Option<String>,
    /// Contact name.
    pub contact_name: Option<String>,
    /// Debit, decimal string.
    pub debit: String,
    /// Credit, decimal string.
    pub credit: String,
    /// The account's balance after this line, debit-positive.
    pub running_balance: String,
}

/// One page of the general ledger.
#[derive(utoipa::ToSchema)]
pub struct GeneralLedgerPage {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Currency of every amount.
    pub currency: String,
    /// The account filter, if any.
    pub account_id: Option<String>,
    /// Accounts whose sections this page shows or continues, in code order.
    pub accounts: Vec<GeneralLedgerAccount>,
    /// Lines, account by account, in date order.
    pub data: Vec<GeneralLedgerLine>,
    /// Cursor of the next page (it carries the running balance), or null.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/companies/{company_id}/reports/general-ledger` (`reports:read`).
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/reports/general-ledger",
    tag = "Reports",
    summary = "General ledger",
    description = "Every posted line per account over a date range with a running balance, \
        each account's opening and closing balance (debit-positive), optionally one account. \
        Paginated: pass `next_cursor` as `cursor`; the cursor carries the running balance.",
    params(
        ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
        GeneralLedgerParams
    ),
    responses(
        (status = 200, description = "One page of the general ledger", body = GeneralLedgerPage),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Invalid)
    ),
    security(("bearer" = ["reports:read"]), ("app_credentials" = ["reports:read"]))
)]
pub async fn general_ledger(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<GeneralLedgerParams>,
) -> Result<Response, ApiError> {
    let q = GeneralLedgerQuery::from_request(
        &a,
        a.today(s.svc.clock.as_ref()),
        p.from,
        p.to,
        p.account_id.as_deref(),
        p.limit,
        p.cursor,
    )?;
    let what = format!("api/general-ledger/{q:?}");
    let w = usize::try_from(q.limit.unwrap_or(100)).unwrap_or(1);
    let body = views::shaped(&s.svc, &a, Permission::ReportsRead, what, w, || async {
        super::json_bytes(&general_ledger::page(&s.svc, &a, &q).await?)
    })
    .await?;
    Ok(super::json_response(&body))
}

/// Export parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
// Query parameters (read by `ApiQuery`, which utoipa cannot recognise as a query extractor).
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `hledger`, `beancount`, `csv` (for spreadsheets: a text cell that would start a
    /// formula gets a leading `'`) or `csv-raw` (every value exactly as stored, for programs).
    #[param(required = true, value_type = ExportFormat)]
    pub format: Option<String>,
    /// First day, inclusive (on or before `to`); the file then opens with the balances of the
    /// day before.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
}

/// The export formats (OpenAPI schema of the `format` parameter).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)] // a schema only: `Format::parse` reads the parameter
pub enum ExportFormat {
    /// hledger journal (also read by ledger-cli).
    Hledger,
    /// beancount 3.
    Beancount,
    /// CSV guarded for spreadsheets.
    Csv,
    /// CSV with values exactly as stored.
    CsvRaw,
}

/// Chunks in flight between the database reader and the connection: bounded, so that a slow
/// client holds the reader back instead of filling memory.
const CHANNEL_CHUNKS: usize = 4;

/// A [`Sink`] feeding a streamed response body.
pub struct ChannelSink(mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Sink for ChannelSink {
    async fn write(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0
            .send(Ok(Bytes::from(chunk)))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

/// `GET /api/v1/companies/{company_id}/exports/ledger` (`journal:read`), streamed.
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/exports/ledger",
    tag = "Reports",
    summary = "Export the posted ledger",
    description = "The posted ledger, whole or for `from`..`to` (inclusive), as an hledger \
        journal (also read by ledger-cli), a beancount file or CSV (one row per posted line; \
        `csv` guards cells that a spreadsheet would run as formulas, `csv-raw` does not). \
        Streamed. A ranged export opens with one opening-balances transaction dated `from`. \
        Drafts are never exported; a voided document is its entry and its reversal.",
    params(
        ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
        ExportParams
    ),
    responses(
        (status = 200, description = "The file (`Content-Disposition: attachment`)", content(
            (String = "text/plain"),
            (String = "text/csv")
        )),
        (status = 422, response = super::schemas::Invalid)
    ),
    security(("bearer" = ["journal:read"]), ("app_credentials" = ["journal:read"]))
)]
pub async fn export_ledger(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let format = Format::parse(p.format.as_deref().unwrap_or(""))?;
    let export = ledger_export::prepare(&s.svc, &a, format, p.from, p.to).await?;
    let file_name = export.file_name();
    Ok(streamed(
        format.content_type(),
        &file_name,
        move |mut sink| async move { export.run(&mut sink).await.map(|_| ()) },
    ))
}

/// A download streamed from a producer that writes into a [`ChannelSink`] (the ledger export
/// here; the general ledger's CSV download on the web page: `general_ledger::check` first, then
/// `streamed("text/csv; charset=utf-8", &general_ledger::csv_file_name(&q), |mut s| async move
/// { general_ledger::write_csv(&svc, &access, &q, &mut s).await })`). The producer runs on its
/// own task; the bounded channel holds it back when the client reads slowly, and an error
/// aborts the response so that a cut-off file never looks whole.
pub fn streamed<F, Fut>(content_type: &'static str, file_name: &str, produce: F) -> Response
where
    F: FnOnce(ChannelSink) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel(CHANNEL_CHUNKS);
    let on_error = tx.clone();
    tokio::spawn(async move {
        if let Err(e) = produce(ChannelSink(tx)).await {
            tracing::warn!(error = %e, "streamed download stopped");
            let _ = on_error
                .send(Err(std::io::Error::other("download failed")))
                .await;
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The name is ours (ids, dates, an extension), but stay within a quoted-string.
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
