//! Error mapping, once per surface: REST API errors become RFC 9457 problem+json with a stable
//! `type` per kind; OAuth errors (the service's OAuth errors and the token endpoint's
//! `TokenError`) become RFC 6749 §5.2 JSON. Clients see a safe message; the
//! cause of internal errors goes to the log only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newledger_service::Error;
use newledger_service::app_connect::tokens::TokenError;
use newledger_service::oauth::OAuthError as ServiceOAuthError;
use serde_json::json;

/// The message of a request that carried no bearer token at all.
pub const MISSING_TOKEN: &str = "send an access token: Authorization: Bearer nlat_…";

/// A REST API error, rendered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<newledger_domain::DomainError> for ApiError {
    fn from(e: newledger_domain::DomainError) -> Self {
        ApiError(e.into())
    }
}

/// Builds a problem+json response.
pub fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: &str,
    extra: serde_json::Value,
) -> Response {
    let mut body = json!({
        "type": format!("urn:newledger:problem:{kind}"),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// The answer to a request whose handler panicked (a bug): 500 problem+json, and the panic's
/// message in the log, instead of a connection dropped without an answer. Installed for every
/// surface by the router (`CatchPanicLayer`).
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "an unexpected error; it was logged",
        json!({}),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        match &e {
            Error::NotFound(what) => problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                &format!("{what} not found"),
                json!({}),
            ),
            Error::Invalid { field, reason } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid request",
                &format!("{field}: {reason}"),
                json!({"errors": [{"field": field, "reason": reason}]}),
            ),
            Error::Conflict(m) => {
                problem(StatusCode::CONFLICT, "conflict", "Conflict", m, json!({}))
            }
            Error::Stale => problem(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "Precondition failed",
                &e.to_string(),
                json!({}),
            ),
            Error::Unauthenticated(m) => {
                let mut r = problem(
                    StatusCode::UNAUTHORIZED,
                    "invalid-token",
                    "Unauthorized",
                    m,
                    json!({}),
                );
                // RFC 6750 §3.1: a request without any token gets the challenge without an error code.
                let v = if m == MISSING_TOKEN {
                    "Bearer realm=\"newledger\"".to_owned()
                } else {
                    format!(
                        "Bearer realm=\"newledger\", error=\"invalid_token\", error_description=\"{}\"",
                        header_safe(m)
                    )
                };
                if let Ok(h) = HeaderValue::from_str(&v) {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, h);
                }
                r
            }
            Error::Forbidden { permission, reason } => {
                let mut r = problem(
                    StatusCode::FORBIDDEN,
                    if permission.is_some() {
                        "insufficient-scope"
                    } else {
                        "forbidden"
                    },
                    "Forbidden",
                    reason,
                    json!({"required_permission": permission.map(|p| p.as_str())}),
                );
                if let Some(p) = permission {
                    let v = format!(
                        "Bearer realm=\"newledger\", error=\"insufficient_scope\", scope=\"{p}\""
                    );
                    if let Ok(h) = HeaderValue::from_str(&v) {
                        r.headers_mut().insert(header::WWW_AUTHENTICATE, h);
                    }
                }
                r
            }
            Error::PeriodLocked { date, lock_date } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "period-locked",
                "Period locked",
                &e.to_string(),
                json!({"date": date, "lock_date": lock_date}),
            ),
            Error::RateLimited { retry_after_secs } => {
                let mut r = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests",
                    &e.to_string(),
                    json!({}),
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                r
            }
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "something went wrong on our side; it has been logged",
                    json!({}),
                )
            }
        }
    }
}

/// The text of an RFC 6750 `error_description`: only %x20-21 / %x23-5B / %x5D-7E are allowed,
/// and a header value with anything else (an ellipsis, a quote) would be dropped entirely.
fn header_safe(m: &str) -> String {
    m.replace('…', "...")
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' ' | '!'..='~' => c,
            _ => ' ',
        })
        .collect()
}

/// An OAuth 2.0 error response (RFC 6749 §5.2), always with `Cache-Control: no-store`.
#[derive(Debug)]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// The error code (`invalid_client`, …).
    pub error: &'static str,
    /// What to fix.
    pub description: String,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
}

impl OAuthError {
    /// A 400 error.
    pub fn bad(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            retry_after: None,
        }
    }

    /// A 401 `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            ..Self::bad("invalid_client", description)
        }
    }

    /// Too many requests `what` ("from this address"). RFC 6749 has no rate-limit code
    /// (`slow_down` belongs to the device grant, RFC 8628): a 429 with a generic code, a clear
    /// description and `Retry-After`.
    pub fn rate_limited(secs: u64, what: &str) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(secs),
            ..Self::bad(
                "invalid_request",
                format!("too many requests {what}; retry after {secs} s"),
            )
        }
    }

    fn internal(cause: &dyn std::fmt::Debug) -> Self {
        tracing::error!(error = ?cause, "oauth endpoint failure");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..Self::bad("server_error", "internal error; it has been logged")
        }
    }
}

impl From<ServiceOAuthError> for OAuthError {
    fn from(e: ServiceOAuthError) -> Self {
        if let Some(cause) = &e.cause {
            tracing::error!(error = ?cause, "oauth endpoint failure");
        }
        let status = match e.code {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            ..Self::bad(e.code, e.description)
        }
    }
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        ServiceOAuthError::from(e).into()
    }
}

impl From<TokenError> for OAuthError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::InvalidClient(d) => Self::invalid_client(d),
            TokenError::UnauthorizedClient(d) => Self::bad("unauthorized_client", d),
            TokenError::InvalidScope(d) => Self::bad("invalid_scope", d),
            TokenError::InvalidTarget(d) => Self::bad("invalid_target", d),
            TokenError::RateLimited(secs) => Self::rate_limited(secs, "for this client"),
            TokenError::Internal(e) => Self::internal(&e),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        // Descriptions may echo what a client sent: never more than a few hundred characters.
        let description = if self.description.chars().count() > 300 {
            let mut d: String = self.description.chars().take(300).collect();
            d.push('…');
            d
        } else {
            self.description
        };
        let body = json!({"error": self.error, "error_description": description});
        let mut r = (self.status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"newledger\""),
            );
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

#[cfg(test)]
mod panic_tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_problem_json() {
        async fn boom() -> &'static str {
            panic!("bug in a handler")
        }
        let app = Router::new().route("/", get(boom)).layer(
            tower_http::catch_panic::CatchPanicLayer::custom(panic_response),
        );
        let request = axum::http::Request::get("/")
            .body(axum::body::Body::empty())
            .unwrap();
        let r = app.oneshot(request).await.unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["type"], "urn:newledger:problem:internal");
        assert!(
            !problem.to_string().contains("bug in a handler"),
            "the panic's message stays in the log"
        );
    }
}
