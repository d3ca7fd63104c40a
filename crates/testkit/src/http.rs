//! HTTP shortcuts for tests: a response read whole ([`Got`]) with assertions for the problem
//! and OAuth error shapes the server answers.

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::Value;

/// A response taken apart.
#[derive(Debug)]
pub struct Got {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// JSON body (Null when empty or not JSON).
    pub body: Value,
    /// Raw body.
    pub text: String,
}

impl Got {
    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the status, printing the body on failure.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts an RFC 9457 problem of `kind` with `status`; returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16, kind: &str) -> &Value {
        self.expect(status);
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(
            self.body["type"],
            format!("urn:newledger:problem:{kind}"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status, "{}", self.text);
        assert!(self.body["title"].is_string(), "{}", self.text);
        assert!(self.body["detail"].is_string(), "{}", self.text);
        &self.body
    }

    /// Asserts a validation problem naming `field`.
    #[track_caller]
    pub fn invalid(&self, field: &str) -> &Value {
        let b = self.problem(422, "validation");
        assert_eq!(b["errors"][0]["field"], field, "{}", self.text);
        b
    }

    /// Asserts an RFC 6749 §5.2 error: status, code, `Cache-Control: no-store`; returns the
    /// description.
    #[track_caller]
    pub fn oauth_error(&self, status: u16, error: &str) -> String {
        self.expect(status);
        assert_eq!(self.body["error"], error, "{}", self.text);
        assert_eq!(self.header("cache-control"), "no-store");
        assert!(self.header("content-type").starts_with("application/json"));
        self.body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Asserts a 401 from the bearer check per RFC 6750; returns the detail.
    #[track_caller]
    pub fn invalid_token(&self) -> String {
        let b = self.problem(401, "invalid-token");
        let www = self.header("www-authenticate");
        assert!(www.starts_with("Bearer "), "WWW-Authenticate: {www}");
        assert!(
            www.contains("error=\"invalid_token\""),
            "WWW-Authenticate: {www}"
        );
        b["detail"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts a 403 `insufficient_scope` naming `permission`.
    #[track_caller]
    pub fn insufficient_scope(&self, permission: &str) {
        let b = self.problem(403, "insufficient-scope");
        assert_eq!(b["required_permission"], permission, "{}", self.text);
        let www = self.header("www-authenticate");
        assert!(
            www.contains("error=\"insufficient_scope\""),
            "WWW-Authenticate: {www}"
        );
        assert!(
            www.contains(&format!("scope=\"{permission}\"")),
            "WWW-Authenticate: {www}"
        );
    }
}

/// Sends a request and reads the whole response.
pub async fn send(r: RequestBuilder) -> Got {
    got(r.send().await.unwrap()).await
}

/// Reads a response.
pub async fn got(r: Response) -> Got {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Got {
        status,
        headers,
        body,
        text,
    }
}
