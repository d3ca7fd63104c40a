//! What every page handler shares: rendering askama templates to `Html`, the page error
//! (a human page, never a debug dump), form bodies, redirects with a one-line notice, and
//! formatting of money, dates and instants.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate};
use newledger_domain::money::Currency;
use newledger_service::Error;

/// Name of the one-shot notice cookie set by [`redirect_with_notice`].
pub const NOTICE_COOKIE: &str = "nl_notice";

/// Renders a template with a status; a template bug becomes a logged 500 page.
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            PageError::Service(Error::Internal(anyhow::anyhow!("template: {e}"))).into_response()
        }
    }
}

/// Renders a template with 200.
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

/// Marks a response as never to be stored by browsers or proxies (pages with secrets).
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The standalone error page.
#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    title: String,
    message: String,
    signed_in_hint: bool,
}

/// A failed page request.
#[derive(Debug)]
pub enum PageError {
    /// A use case failed.
    Service(Error),
    /// Go elsewhere (not signed in, wrong sign-in stage).
    Redirect(String),
    /// A request the page cannot make sense of.
    BadRequest(String),
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError::Service(e)
    }
}

impl From<newledger_domain::DomainError> for PageError {
    fn from(e: newledger_domain::DomainError) -> Self {
        PageError::Service(e.into())
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// The standalone error page with a status, a title and a message.
pub fn error_page(status: StatusCode, title: &str, message: String) -> Response {
    let page = ErrorPage {
        title: title.to_owned(),
        message,
        signed_in_hint: status != StatusCode::UNAUTHORIZED,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        // The error page itself failed: plain text, still human.
        Err(_) => (
            status,
            "Something went wrong. Please go back and try again.",
        )
            .into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::BadRequest(m) => {
                error_page(StatusCode::BAD_REQUEST, "That request did not make sense", m)
            }
            PageError::Service(e) => match e {
                Error::NotFound(what) => error_page(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    format!("This {what} does not exist, or you do not have access to it."),
                ),
                Error::Forbidden { permission, reason } => error_page(
                    StatusCode::FORBIDDEN,
                    "You do not have access to this",
                    match permission {
                        Some(p) => format!(
                            "This needs the permission “{}” ({p}), which your role in this company does not include. Ask an owner or admin if you need it.",
                            p.label()
                        ),
                        None => capitalise(&reason),
                    },
                ),
                Error::Unauthenticated(_) => Redirect::to("/signin").into_response(),
                Error::Invalid { field, reason } => error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Please check what you entered",
                    format!("{}: {reason}", field_label(&field)),
                ),
                Error::Conflict(m) => error_page(
                    StatusCode::CONFLICT,
                    "That could not be done",
                    capitalise(&m),
                ),
                Error::Stale => error_page(
                    StatusCode::CONFLICT,
                    "Someone changed this in the meantime",
                    "The record changed since you opened it. Go back, reload the page and try again."
                        .into(),
                ),
                e @ Error::PeriodLocked { .. } => error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The period is locked",
                    capitalise(&e.to_string()),
                ),
                Error::RateLimited { retry_after_secs } => {
                    let mut r = error_page(
                        StatusCode::TOO_MANY_REQUESTS,
                        "Too many attempts",
                        format!("Please wait {} and try again.", wait_text(retry_after_secs)),
                    );
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                    r
                }
                Error::Internal(cause) => {
                    tracing::error!(error = ?cause, "page failed");
                    error_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong on our side",
                        "The problem has been logged. Please try again in a moment.".into(),
                    )
                }
            },
        }
    }
}

/// The record a page's path names after its company (`/app/{company_id}/…/{id}/…`), read by
/// `parse`: what the area's path extractor (a document, an entry, an app, a member) shares. A
/// missing or malformed id is "this `what` does not exist".
pub async fn path_id<T, S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    what: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, PageError> {
    let not_found = || PageError::Service(Error::NotFound(what));
    let Path((_, id)) = Path::<(String, String)>::from_request_parts(parts, state)
        .await
        .map_err(|_| not_found())?;
    parse(&id).ok_or_else(not_found)
}

/// The page for URLs that match no route (the REST API keeps problem+json).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError(Error::NotFound("resource")).into_response();
    }
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address. Check the link or go back to your workspace.".into(),
    )
}

/// "5 minutes", "40 seconds".
pub fn wait_text(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// First letter upper-cased (service messages start lower-case).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A form field name as people read it.
pub fn field_label(field: &str) -> String {
    capitalise(&field.replace(['_', '.'], " "))
}

/// A redirect after a successful form, carrying a one-line notice for the next page.
pub fn redirect_with_notice(to: &str, notice: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    let value: String = url::form_urlencoded::byte_serialize(
        notice.chars().take(300).collect::<String>().as_bytes(),
    )
    .collect();
    // The value is percent-encoded, so it cannot break out of the cookie syntax.
    let c = format!("{NOTICE_COOKIE}={value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    if let Ok(h) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
    r
}

/// A urlencoded form body, kept as pairs so that repeated fields (checkboxes) survive.
#[derive(Debug, Default)]
pub struct PageForm(Vec<(String, String)>);

impl PageForm {
    /// The first value of a field, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// A field that may be absent: None when empty.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Every field, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The CSRF token field.
    pub fn csrf(&self) -> &str {
        self.get("csrf")
    }

    /// Parses a body (tests and the extractor).
    pub fn parse(body: &[u8]) -> Self {
        PageForm(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
}

/// Largest form body accepted.
const MAX_FORM: usize = 64 * 1024;

impl<S: Send + Sync> FromRequest<S> for PageForm {
    type Rejection = PageError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let ok_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !ok_type {
            return Err(PageError::BadRequest(
                "This address only accepts forms sent from NewLedger's pages.".into(),
            ));
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .map_err(|_| PageError::BadRequest("The form was too large or incomplete.".into()))?;
        Ok(PageForm::parse(&body))
    }
}

/// `1,234.50 EUR`-style amount with thousands separators.
pub fn money(minor: i64, currency: Currency) -> String {
    let plain = currency.format(minor);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(d) => ("−", d),
        None => ("", plain.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if frac.is_empty() {
        format!("{sign}{grouped} {currency}")
    } else {
        format!("{sign}{grouped}.{frac} {currency}")
    }
}

/// An instant (ms since the epoch) as `2026-03-04 14:22 UTC`.
pub fn instant(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// An optional instant, or a dash.
pub fn instant_or(ms: Option<i64>, none: &str) -> String {
    ms.map_or_else(|| none.to_owned(), instant)
}

/// A date as `4 Mar 2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// Parses an optional ISO date field; an unparseable one is a validation message. The date
/// pickers of every page carry the same bounds (`min="1900-01-01" max="2199-12-31"`), so the
/// calendar offers exactly the days this accepts.
pub fn parse_date(field: &str, v: &str) -> Result<Option<NaiveDate>, String> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        format!(
            "{}: enter a date as YYYY-MM-DD, or pick it from the calendar",
            field_label(field)
        )
    })?;
    newledger_domain::dates::check(field, d).map_err(|_| {
        format!(
            "{}: use a date between {} and {}",
            field_label(field),
            date(newledger_domain::dates::EARLIEST),
            date(newledger_domain::dates::LATEST)
        )
    })?;
    Ok(Some(d))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(money(123456789, eur), "1,234,567.89 EUR");
        assert_eq!(money(-5, eur), "−0.05 EUR");
        assert_eq!(money(100000, eur), "1,000.00 EUR");
    }

    #[test]
    fn forms_keep_repeated_fields() {
        let f = PageForm::parse(b"a=1&p=x%3Ay&p=z&csrf=t");
        assert_eq!(f.all("p"), vec!["x:y", "z"]);
        assert_eq!(f.csrf(), "t");
        assert_eq!(f.get("missing"), "");
    }

    #[test]
    fn page_dates_are_bounded() {
        assert!(parse_date("from", "2199-12-31").unwrap().is_some());
        let e = parse_date("from", "2200-01-01").unwrap_err();
        assert!(e.contains("between 1 Jan 1900 and 31 Dec 2199"), "{e}");
        assert!(parse_date("to", "+262142-12-31").is_err());
        assert_eq!(parse_date("to", " ").unwrap(), None);
    }
}
