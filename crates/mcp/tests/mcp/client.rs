//! A minimal MCP client over HTTP for the tests: JSON-RPC by hand, in either protocol era, so
//! that every header the server sees is the one the test chose.

use newledger_domain::ids::CompanyId;
use newledger_testkit::TestApp;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, Ordering};

/// The protocol era a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 2025-11-25: `initialize`, then `Mcp-Session-Id` on every request.
    Sessions,
    /// 2026-07-28: no handshake; per-request `_meta` and `Mcp-Method`/`Mcp-Name` headers.
    Stateless,
}

impl Era {
    pub fn version(self) -> &'static str {
        match self {
            Era::Sessions => "2025-11-25",
            Era::Stateless => "2026-07-28",
        }
    }
}

/// The MCP URL of a company.
pub fn url(app: &TestApp, company: &CompanyId) -> String {
    format!("{}/mcp/{company}", app.base)
}

/// A connected client.
pub struct Mcp {
    pub http: reqwest::Client,
    pub url: String,
    pub token: String,
    pub era: Era,
    pub session: Option<String>,
    next: AtomicI64,
}

/// A JSON-RPC exchange taken apart.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The JSON-RPC message answering the request (Null when none).
    pub message: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `result`, asserting HTTP 200 and no JSON-RPC error.
    #[track_caller]
    pub fn result(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        assert!(self.message.get("error").is_none(), "{}", self.text);
        &self.message["result"]
    }
}

impl Mcp {
    /// A client of `era` (a session is opened with `initialize` for [`Era::Sessions`]).
    pub async fn open(app: &TestApp, company: &CompanyId, token: &str, era: Era) -> Self {
        let mut c = Self::unopened(app, company, token, era);
        if era == Era::Sessions {
            c.initialize().await;
        }
        c
    }

    /// A client that has not initialized.
    pub fn unopened(app: &TestApp, company: &CompanyId, token: &str, era: Era) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url(app, company),
            token: token.to_owned(),
            era,
            session: None,
            next: AtomicI64::new(1),
        }
    }

    /// `initialize` + `notifications/initialized`; keeps the session id.
    pub async fn initialize(&mut self) -> Reply {
        let r = self
            .post(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "newledger-tests", "version": "1"}
                }}),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let session = r.header("mcp-session-id").to_owned();
        assert!(
            !session.is_empty(),
            "initialize opened no session: {:?}",
            r.headers
        );
        self.session = Some(session);
        let n = self
            .post(
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                &[],
            )
            .await;
        assert_eq!(n.status, 202, "{}", n.text);
        r
    }

    /// Sends a JSON-RPC request of the client's era and reads the answer.
    pub async fn request(&self, method: &str, params: Value) -> Reply {
        self.request_with(method, params, &[]).await
    }

    /// [`Mcp::request`] with extra headers.
    pub async fn request_with(
        &self,
        method: &str,
        mut params: Value,
        extra: &[(&str, &str)],
    ) -> Reply {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if self.era == Era::Stateless {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": {"name": "newledger-tests", "version": "1"}
            });
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let name = params["name"].as_str().map(str::to_owned);
        let mut headers: Vec<(&str, String)> =
            extra.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        if self.era == Era::Stateless {
            headers.push(("mcp-method", method.to_owned()));
            if let Some(n) = name {
                headers.push(("mcp-name", n));
            }
        }
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post(body, &h).await
    }

    /// `tools/call`; returns the call result (which may have `isError`).
    pub async fn tool(&self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
            .result()
            .clone()
    }

    /// `tools/call` that must succeed; returns its structured content.
    pub async fn ok(&self, name: &str, arguments: Value) -> Value {
        let r = self.tool(name, arguments).await;
        assert_ne!(r["isError"], true, "{name} failed: {r}");
        let s = r["structuredContent"].clone();
        assert!(s.is_object(), "{name}: no structured content: {r}");
        // The text block carries the same JSON for clients that read only text.
        let text = r["content"][0]["text"].as_str().unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Value>(text).ok().as_ref(),
            Some(&s),
            "{r}"
        );
        s
    }

    /// `tools/call` that must fail as a tool error; returns its text.
    pub async fn err(&self, name: &str, arguments: Value) -> String {
        let r = self.tool(name, arguments).await;
        assert_eq!(r["isError"], true, "{name} should have failed: {r}");
        r["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// POSTs a raw JSON-RPC message with this client's token, era and session headers.
    pub async fn post(&self, body: Value, extra: &[(&str, &str)]) -> Reply {
        let mut r = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .bearer_auth(&self.token);
        let is_init = body["method"] == "initialize";
        let own_version = extra
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("mcp-protocol-version"));
        if !is_init && !own_version {
            r = r.header("mcp-protocol-version", self.era.version());
        }
        if let Some(s) = &self.session {
            r = r.header("mcp-session-id", s);
        }
        for (k, v) in extra {
            r = r.header(*k, *v);
        }
        let id = body.get("id").cloned();
        read(r.json(&body).send().await.unwrap(), id).await
    }

    /// `DELETE` of the session.
    pub async fn delete(&self) -> u16 {
        let mut r = self
            .http
            .delete(&self.url)
            .bearer_auth(&self.token)
            .header("mcp-protocol-version", self.era.version());
        if let Some(s) = &self.session {
            r = r.header("mcp-session-id", s);
        }
        r.send().await.unwrap().status().as_u16()
    }
}

/// Reads a JSON or SSE answer and picks the message answering `id`.
pub async fn read(r: reqwest::Response, id: Option<Value>) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let sse = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    let text = r.text().await.unwrap();
    let messages: Vec<Value> = if sse {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    } else {
        serde_json::from_str(&text).ok().into_iter().collect()
    };
    let message = messages
        .into_iter()
        .find(|m| id.is_none() || m.get("id") == id.as_ref())
        .unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        message,
        text,
    }
}
