//! Bounded work per request, for every surface: a request body may be at most
//! [`WebConfig::body_limit`](crate::WebConfig) bytes, and a handler gets
//! [`WebConfig::request_timeout`](crate::WebConfig) to produce its response head.
//!
//! Inputs are bounded where they are read (dates, ranges, page sizes — see
//! `newledger_domain::dates`); these layers are the defence in depth behind them, so that a
//! rule someone forgets cannot hold a worker or memory for ever. A streamed body (the ledger
//! export) is not cut by the time limit: its head is, and the stream itself is paced by the
//! client through a bounded channel.
//!
//! Each refusal speaks the language of its surface: problem+json under `/api/`, RFC 6749 JSON
//! with `no-store` under `/oauth/`, a short page elsewhere.

use crate::error::{OAuthError, problem};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

fn refuse(path: &str, status: StatusCode, kind: &str, title: &str, detail: &str) -> Response {
    if path.starts_with("/api/") {
        problem(status, kind, title, detail, json!({}))
    } else if path.starts_with("/oauth/") {
        let error = if status == StatusCode::SERVICE_UNAVAILABLE {
            "temporarily_unavailable"
        } else {
            "invalid_request"
        };
        let mut e = OAuthError::bad(error, detail);
        e.status = status;
        e.into_response()
    } else {
        crate::pages::view::error_page(status, title, detail.to_owned())
    }
}

/// Refuses a body whose declared length is over the limit before reading it, and caps bodies
/// of unknown length while they are read (the extractors then answer 413).
pub async fn body_limit(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let detail = format!("the request body is larger than {limit} bytes");
        return refuse(
            req.uri().path(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
            &detail,
        );
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

/// Gives the handler a deadline for its response head; past it the request is answered 503
/// and its work dropped.
pub async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(%path, "request took longer than the time limit; answered 503");
            let mut r = refuse(
                &path,
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Request took too long",
                "the server could not answer in time; try a smaller range or try again later",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(5));
            r
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    fn app() -> Router {
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "late"
        };
        Router::new()
            .route("/api/v1/slow", get(slow))
            .route("/oauth/slow", get(slow))
            .route("/reports", get(slow))
            .route(
                "/api/v1/echo",
                post(|b: String| async move { b.len().to_string() }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(50),
                time_limit,
            ))
            .layer(axum::middleware::from_fn_with_state(1024usize, body_limit))
    }

    async fn call(req: Request) -> (StatusCode, String, String) {
        let r = app().oneshot(req).await.unwrap();
        let status = r.status();
        let ct = r
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, ct, String::from_utf8_lossy(&body).into_owned())
    }

    fn get_req(path: &str) -> Request {
        Request::get(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn a_slow_handler_is_cut_off_in_its_surface_language() {
        let started = std::time::Instant::now();
        let (status, ct, body) = call(get_req("/api/v1/slow")).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ct, "application/problem+json");
        assert!(body.contains("urn:newledger:problem:timeout"), "{body}");
        let (status, ct, body) = call(get_req("/oauth/slow")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(ct.starts_with("application/json"));
        assert!(body.contains("temporarily_unavailable"), "{body}");
        let (status, ct, _) = call(get_req("/reports")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(ct.starts_with("text/html"));
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused_declared_or_not() {
        let post = |body: Body, len: Option<usize>| {
            let mut b = Request::post("/api/v1/echo");
            if let Some(n) = len {
                b = b.header(header::CONTENT_LENGTH, n);
            }
            b.body(body).unwrap()
        };
        let (status, _, body) = call(post(Body::from("x".repeat(1000)), Some(1000))).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "1000"));
        let (status, ct, _) = call(post(Body::from("x".repeat(2000)), Some(2000))).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(ct, "application/problem+json");
        // No declared length: cut while read.
        let stream =
            futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 512])));
        let (status, _, _) = call(post(Body::from_stream(stream), None)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
