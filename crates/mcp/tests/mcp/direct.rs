//! The direct lane (`src/direct.rs`) answers a plain request of either era exactly as rmcp's
//! transport does, and leaves to rmcp every request it must refuse.
//!
//! Each request goes twice: in the plain form (the lane serves it) and with an `Mcp-Param-*`
//! header, which the lane leaves to rmcp's transport, and which rmcp ignores for tools that
//! declare no parameter headers (none of ours do). The two answers must be the same message
//! with the same status; in a session the lane answers in JSON where rmcp opens an event
//! stream.

use crate::client::{Era, Mcp, Reply};
use crate::ctx;
use newledger_testkit::TestApp;
use serde_json::{Value, json};

/// To rmcp's transport: a header the lane declines and rmcp ignores here.
const VIA_RMCP: (&str, &str) = ("mcp-param-probe", "1");

/// Status, content type and message, without the JSON-RPC id (each request has its own).
fn answer(r: &Reply) -> (u16, String, Value) {
    let mut message = r.message.clone();
    if let Some(m) = message.as_object_mut() {
        m.remove("id");
    }
    (r.status, r.header("content-type").to_owned(), message)
}

/// The JSON-RPC message without its id (each request has its own), and the status.
fn message(r: &Reply) -> (u16, Value) {
    let (status, _, message) = answer(r);
    (status, message)
}

/// Requests of every kind the lane serves: lists, calls, tool errors, arguments that do not
/// parse, and an unknown tool (a JSON-RPC error).
fn requests() -> [(&'static str, Value); 6] {
    [
        ("tools/list", json!({})),
        (
            "tools/call",
            json!({"name": "trial_balance", "arguments": {}}),
        ),
        (
            "tools/call",
            json!({"name": "list_invoices", "arguments": {"status": "overdue"}}),
        ),
        (
            "tools/call",
            json!({"name": "cash_summary", "arguments": {"from": "1990-01-01"}}),
        ),
        (
            "tools/call",
            json!({"name": "trial_balance", "arguments": {"as_of": "1990-13-01"}}),
        ),
        (
            "tools/call",
            json!({"name": "no_such_tool", "arguments": {}}),
        ),
    ]
}

async fn the_lane_answers_as_rmcp_does(app: TestApp) {
    let c = ctx(&app, &["reports:read", "invoices:read"]).await;
    let s = Mcp::unopened(&app, &c.company, &c.token, Era::Stateless);
    for (method, params) in requests() {
        let direct = s.request(method, params.clone()).await;
        let rmcp = s.request_with(method, params.clone(), &[VIA_RMCP]).await;
        assert_eq!(answer(&direct), answer(&rmcp), "{method} {params}");
        assert!(direct.message["id"].is_number(), "{}", direct.text);
    }
    // Both kinds of failure were among them: a tool error and a JSON-RPC error.
    let e = s
        .request(
            "tools/call",
            json!({"name": "cash_summary", "arguments": {"from": "1990-01-01"}}),
        )
        .await;
    assert_eq!(e.result()["isError"], true, "{}", e.text);
    let unknown = s
        .request(
            "tools/call",
            json!({"name": "no_such_tool", "arguments": {}}),
        )
        .await;
    assert_eq!(unknown.status, 200, "{}", unknown.text);
    assert_eq!(unknown.message["error"]["code"], -32602, "{}", unknown.text);
    // The lane's origin rule: the server's own origin is served (as rmcp serves it).
    let own = s
        .request_with("tools/list", json!({}), &[("origin", &app.base)])
        .await;
    own.result();
}

/// In a session the lane answers what rmcp's session would answer, in JSON; once the session
/// has ended, rmcp's 404 answers.
async fn the_lane_answers_sessions_as_rmcp_does(app: TestApp) {
    let c = ctx(&app, &["reports:read", "invoices:read"]).await;
    let s = Mcp::open(&app, &c.company, &c.token, Era::Sessions).await;
    for (method, params) in requests() {
        let direct = s.request(method, params.clone()).await;
        let rmcp = s.request_with(method, params.clone(), &[VIA_RMCP]).await;
        assert_eq!(message(&direct), message(&rmcp), "{method} {params}");
        assert_eq!(direct.header("content-type"), "application/json");
        assert!(
            rmcp.header("content-type").starts_with("text/event-stream"),
            "{:?}",
            rmcp.headers
        );
        assert!(direct.message["id"].is_number(), "{}", direct.text);
    }
    // A list in the session era carries no 2026-07-28 cache hints.
    let list = s.request("tools/list", json!({})).await;
    assert!(list.result().get("ttlMs").is_none(), "{}", list.text);
    // 2025-06-18 sessions are served the same way.
    let older = s
        .request_with(
            "tools/call",
            json!({"name": "trial_balance", "arguments": {}}),
            &[("mcp-protocol-version", "2025-06-18")],
        )
        .await;
    assert_eq!(older.header("content-type"), "application/json");
    older.result();
    assert!((200..300).contains(&s.delete().await));
    let ended = s.request("tools/list", json!({})).await;
    assert_eq!(ended.status, 404, "{}", ended.text);
}

/// Requests not in the plain form get rmcp's refusals, which the lane never preempts.
async fn refusals_stay_rmcps(app: TestApp) {
    let c = ctx(&app, &["reports:read"]).await;
    let s = Mcp::unopened(&app, &c.company, &c.token, Era::Stateless);
    let call = json!({"name": "trial_balance", "arguments": {}});
    let host = s
        .request_with("tools/call", call.clone(), &[("host", "evil.example")])
        .await;
    assert_eq!(host.status, 403, "{}", host.text);
    let origin = s
        .request_with(
            "tools/call",
            call.clone(),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(origin.status, 403, "{}", origin.text);
    // Headers that contradict the body: rmcp's 400 header mismatch (-32020).
    let name = json!({"name": "balance_sheet", "arguments": {}});
    let mut headers = plain_headers("tools/call");
    headers.push(("mcp-name", "trial_balance"));
    let mismatch = s.post(body(&name, meta()), &headers).await;
    assert_eq!(mismatch.status, 400, "{}", mismatch.text);
    assert_eq!(
        mismatch.message["error"]["code"], -32020,
        "{}",
        mismatch.text
    );
    let unnamed = s
        .post(body(&call, meta()), &plain_headers("tools/call"))
        .await;
    assert_eq!(unnamed.status, 400, "{}", unnamed.text);
    // A `_meta` without the client's capabilities, which 2026-07-28 requires: 400.
    let mut partial = meta();
    partial
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    let mut headers = plain_headers("tools/call");
    headers.push(("mcp-name", "trial_balance"));
    let r = s.post(body(&call, partial), &headers).await;
    assert_eq!(r.status, 400, "{}", r.text);
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

fn body(params: &Value, meta: Value) -> Value {
    let mut params = params.clone();
    params["_meta"] = meta;
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params})
}

fn plain_headers(method: &str) -> Vec<(&'static str, &str)> {
    vec![("mcp-method", method)]
}

newledger_testkit::both_apps!(
    the_lane_answers_as_rmcp_does,
    the_lane_answers_sessions_as_rmcp_does,
    refusals_stay_rmcps
);
