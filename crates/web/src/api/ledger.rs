//! The general ledger report (`GET /reports/general-ledger`, paginated) and the streamed ledger
//! export (`GET /exports/ledger?format=hledger|beancount|csv`).

use super::ApiQuery;
use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use newledger_domain::ids::AccountId;
use newledger_service::Error;
use newledger_service::general_ledger::{self, GeneralLedgerQuery};
use newledger_service::ledger_export::{self, Format, Sink};
use serde::Deserialize;
use tokio::sync::mpsc;

/// General ledger parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct GeneralLedgerParams {
    /// First day (default: start of the fiscal year containing `to`).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: today).
    pub to: Option<NaiveDate>,
    /// Only this account.
    pub account_id: Option<String>,
    /// Lines per page (default 100, max 1000).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /api/v1/companies/{company_id}/reports/general-ledger` (`reports:read`).
pub async fn general_ledger(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<GeneralLedgerParams>,
) -> Result<Response, ApiError> {
    let to = p.to.unwrap_or_else(|| s.svc.clock.today());
    let account_id = match p.account_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(
            AccountId::parse(id).map_err(|_| Error::invalid("account_id", "not an account id"))?,
        ),
        None => None,
    };
    let q = GeneralLedgerQuery {
        from: p.from.unwrap_or_else(|| a.company.fiscal_year_start(to)),
        to,
        account_id,
        limit: p.limit,
        cursor: p.cursor,
    };
    Ok(Json(general_ledger::page(&s.svc, &a, &q).await?).into_response())
}

/// Export parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ExportParams {
    /// `hledger`, `beancount` or `csv`.
    pub format: Option<String>,
    /// First day, inclusive; the file then opens with the balances of the day before.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
}

/// Chunks in flight between the database reader and the connection: bounded, so that a slow
/// client holds the reader back instead of filling memory.
const CHANNEL_CHUNKS: usize = 4;

struct ChannelSink(mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Sink for ChannelSink {
    async fn write(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0
            .send(Ok(Bytes::from(chunk)))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

/// `GET /api/v1/companies/{company_id}/exports/ledger` (`journal:read`), streamed.
pub async fn export_ledger(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let format = Format::parse(p.format.as_deref().unwrap_or(""))?;
    let export = ledger_export::prepare(&s.svc, &a, format, p.from, p.to).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name());
    let (tx, mut rx) = mpsc::channel(CHANNEL_CHUNKS);
    tokio::spawn(async move {
        let mut sink = ChannelSink(tx.clone());
        if let Err(e) = export.run(&mut sink).await {
            tracing::warn!(error = %e, "ledger export stopped");
            // An error item aborts the response, so a client never takes a cut-off file for
            // a whole one.
            let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
