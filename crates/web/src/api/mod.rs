//! REST API v1: `/api/v1/companies/{company_id}/…`, bearer tokens only. Programs read the books
//! and create or edit drafts; nothing here approves or posts.

pub mod books;
pub mod dto;
pub mod ledger;
pub mod openapi;
mod openapi_rules;
pub mod reports;
pub mod schemas;

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use newledger_service::idempotency::{self, Once};
use newledger_service::views::ListQuery;
use newledger_service::work::Work;
use newledger_service::{Access, Error};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Query parameters as an extractor whose rejection is a problem+json naming the parameter
/// (axum's own `Query` answers a plain-text 400).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                // axum reports `parameter: reason` (serde_path_to_error).
                let (field, reason) = match detail.split_once(": ") {
                    Some((f, r)) if !f.is_empty() && !f.contains(' ') => (f, r),
                    _ => ("query", detail),
                };
                ApiError(Error::invalid(field, reason))
            })
    }
}

/// A REST API path asked with a method it does not take: 405 as problem+json (axum keeps the
/// `Allow` header).
pub async fn method_not_allowed() -> Response {
    crate::error::problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this resource does not accept this method; the Allow header lists those it does",
        serde_json::json!({}),
    )
}

/// Query parameters every list accepts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
// Query parameters (read by `ApiQuery`, which utoipa cannot recognise as a query extractor).
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size (default 100, max 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// RFC 3339 instant: only records changed since (includes discarded and voided ones).
    #[param(format = DateTime)]
    pub updated_since: Option<String>,
    /// Status filter (draft, approved, paid, voided, discarded; contacts: customer, supplier; payments: received, made; `overdue` for invoices and bills).
    pub status: Option<String>,
    /// Contact filter (`ctc_…`).
    pub contact_id: Option<String>,
    /// From date (inclusive; 1900-01-01 … 2199-12-31).
    pub from: Option<NaiveDate>,
    /// To date (inclusive; 1900-01-01 … 2199-12-31).
    pub to: Option<NaiveDate>,
    /// Name search (contacts) or source (journal entries).
    pub search: Option<String>,
}

impl ListParams {
    /// Converts to the store's query, validating as it goes (the rules are the service's).
    pub fn query(self, today: NaiveDate) -> Result<ListQuery, ApiError> {
        Ok(newledger_service::books::ListFilter {
            limit: self.limit,
            cursor: self.cursor,
            updated_since: self.updated_since,
            status: self.status,
            contact_id: self.contact_id,
            from: self.from,
            to: self.to,
            search: self.search,
        }
        .query(today)?)
    }
}

/// JSON response with an ETag of the record's version.
pub fn with_etag<T: Serialize>(status: StatusCode, body: &T, version: i64) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"v{version}\"")) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// The version an `If-Match` header names (`"v3"`), if any.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .unwrap_or("")
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    s.strip_prefix('v')
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| Error::invalid("If-Match", "use the ETag of the record, e.g. \"v3\"").into())
}

/// Parses a JSON body into `T`, with a problem+json error naming what is wrong.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // serde's messages do not say where (a bad date names no field), so track the path.
    let mut de = serde_json::Deserializer::from_slice(body);
    let v = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.inner().to_string();
        // A missing field is reported at its parent's path: name the field itself.
        let missing = msg
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(m)) => m.to_owned(),
            (p, Some(m)) => format!("{p}.{m}"),
            (".", None) => "body".to_owned(),
            (p, None) => p.to_owned(),
        };
        ApiError(Error::invalid(field, format!("invalid JSON: {msg}")))
    })?;
    de.end()
        .map_err(|e| ApiError(Error::invalid("body", format!("invalid JSON: {e}"))))?;
    Ok(v)
}

/// What a write answers: status, JSON body, and the version for the `ETag`.
pub type Written = (StatusCode, serde_json::Value, Option<i64>);

/// Runs a write as one unit of work, under the request's `Idempotency-Key` (if any): a retry
/// with the same body replays the first response and creates nothing. The response is stored
/// in the write's own transaction, so a write is never committed without it.
pub async fn idempotent(
    s: &AppState,
    access: &Access,
    method_path: &str,
    headers: &HeaderMap,
    body: &[u8],
    run: impl AsyncFnOnce(&mut Work<'_>) -> Result<Written, ApiError>,
) -> Response {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let Some(key) = key else {
        return respond(s.svc.write(run).await);
    };
    let once = idempotency::once(&s.svc, access, method_path, &key, body, async |w| {
        run(w)
            .await
            .map(|(status, v, _)| (status.as_u16(), v))
            .map_err(|ApiError(e)| e)
    })
    .await;
    match once {
        Ok(Once::Ran(status, v)) => ran(status, v),
        Ok(Once::Replayed(status, stored)) => replayed(status, stored),
        Err(e) => ApiError(e).into_response(),
    }
}

/// The response of the write that ran now (its body carries the record's version).
fn ran(status: u16, v: serde_json::Value) -> Response {
    let version = v.get("version").and_then(serde_json::Value::as_i64);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    respond(Ok((status, v, version)))
}

/// The stored response of the first request with this key, answered again as it was: its
/// status, its body and (the body carries the record's version) the same `ETag`.
fn replayed(status: u16, stored: String) -> Response {
    let version = serde_json::from_str::<serde_json::Value>(&stored)
        .ok()
        .and_then(|v| v.get("version").and_then(serde_json::Value::as_i64));
    let mut r = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        stored,
    )
        .into_response();
    if let Some(v) = version
        && let Ok(h) = HeaderValue::from_str(&format!("\"v{v}\""))
    {
        r.headers_mut().insert(header::ETAG, h);
    }
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

fn respond(r: Result<Written, ApiError>) -> Response {
    match r {
        Ok((status, v, Some(version))) => with_etag(status, &v, version),
        Ok((status, v, None)) => (status, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A JSON body serialized once, to be cached and answered many times (see `views::shaped`).
pub fn json_bytes<T: Serialize>(v: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(v)
        .map(Bytes::from)
        .map_err(|e| Error::Internal(e.into()))
}

/// A `200 OK` JSON response of a body serialized earlier.
pub fn json_response(body: &Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.clone(),
    )
        .into_response()
}

/// Serializes a DTO into a JSON value.
pub fn json<T: Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError(Error::Internal(e.into())))
}

/// Runs every API write in its own task, so that a client hanging up cannot cancel it half-way:
/// a write that claimed an `Idempotency-Key` always records its outcome, and a retry replays
/// it instead of finding the key stuck "in progress".
pub async fn run_writes_to_completion(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method().is_safe() {
        return next.run(req).await;
    }
    match tokio::spawn(next.run(req)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "API write task failed");
            ApiError(Error::Internal(anyhow::anyhow!("the write task failed"))).into_response()
        }
    }
}

/// Per-app API rate limit with `RateLimit-*` headers on every response, keyed by the token's
/// principal (its MAC checked here, once per request).
pub async fn ratelimit_layer(
    axum::extract::State(s): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let verified = crate::extract::bearer(req.headers())
        .and_then(|t| newledger_service::app_connect::tokens::verify(&s.svc, t));
    let Some(verified) = verified else {
        return next.run(req).await;
    };
    let v = s.limits.api_app.check(verified.principal());
    // The extractor reads the verified token from here rather than checking the MAC again.
    req.extensions_mut().insert(verified);
    let mut r = if v.allowed {
        next.run(req).await
    } else {
        ApiError(Error::RateLimited {
            retry_after_secs: v.reset_secs,
        })
        .into_response()
    };
    let h = r.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(v.limit));
    h.insert("ratelimit-remaining", HeaderValue::from(v.remaining));
    h.insert("ratelimit-reset", HeaderValue::from(v.reset_secs));
    r
}
