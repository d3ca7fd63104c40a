//! Shared helpers: run a test on SQLite and PostgreSQL, fixtures, HTTP shortcuts.

use newledger_domain::ids::{AppId, CompanyId};
use newledger_service::Access;
pub use newledger_service::clock::Clock;
pub use newledger_testkit::db::TestDb;
pub use newledger_testkit::http::{Got, got, send};
pub use newledger_testkit::{Person, TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use std::future::Future;

/// Every delegable permission (what the owner's test app gets by default).
pub const ALL_DELEGABLE: &[&str] = &[
    "company:read",
    "accounts:read",
    "contacts:read",
    "invoices:read",
    "bills:read",
    "expenses:read",
    "journal:read",
    "bank:read",
    "reports:read",
    "contacts:write",
    "invoices:draft",
    "bills:draft",
    "expenses:draft",
    "journal:draft",
];

/// An owner, their company, an app with `perms` and a token for it.
pub struct Ctx {
    /// The owner.
    pub owner: Person,
    /// Their company.
    pub company: CompanyId,
    /// The app's client id.
    pub client_id: String,
    /// The app's secret.
    pub secret: String,
    /// A token of the app.
    pub token: String,
}

impl Ctx {
    /// The app's id.
    pub fn app_id(&self) -> AppId {
        AppId::parse(&self.client_id).unwrap()
    }
}

/// Creates an owner with a company, an app with `perms` and a token.
pub async fn ctx(app: &TestApp, perms: &[&str]) -> Ctx {
    let owner = app.owner("Acme Ltd").await;
    let (client_id, secret) = app.app(&owner, perms).await;
    let token = app.token(&client_id, &secret).await;
    Ctx {
        company: owner.company_id.clone(),
        owner,
        client_id,
        secret,
        token,
    }
}

/// The owner's access (for service calls).
pub async fn owner_access(app: &TestApp, c: &Ctx) -> Access {
    app.access(&c.owner).await
}

/// A request to `/api/v1/companies/{company}{path}` with a bearer token.
pub fn api(
    app: &TestApp,
    method: Method,
    token: &str,
    company: &CompanyId,
    path: &str,
) -> RequestBuilder {
    app.http
        .request(
            method,
            format!("{}/api/v1/companies/{company}{path}", app.base),
        )
        .bearer_auth(token)
}

/// `GET` with a token.
pub async fn get(app: &TestApp, token: &str, company: &CompanyId, path: &str) -> Got {
    send(api(app, Method::GET, token, company, path)).await
}

/// `POST` JSON with a token.
pub async fn post(
    app: &TestApp,
    token: &str,
    company: &CompanyId,
    path: &str,
    body: &Value,
) -> Got {
    send(api(app, Method::POST, token, company, path).json(body)).await
}

/// `PUT` JSON with a token and an optional `If-Match`.
pub async fn put(
    app: &TestApp,
    token: &str,
    company: &CompanyId,
    path: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Got {
    let mut r = api(app, Method::PUT, token, company, path).json(body);
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    send(r).await
}

/// `DELETE` with a token and an optional `If-Match`.
pub async fn delete(
    app: &TestApp,
    token: &str,
    company: &CompanyId,
    path: &str,
    if_match: Option<&str>,
) -> Got {
    let mut r = api(app, Method::DELETE, token, company, path);
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    send(r).await
}

/// `POST /oauth/token` with a raw form body and optional Basic credentials.
pub async fn token_raw(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    content_type: &str,
    body: &str,
) -> Got {
    let mut r = app
        .http
        .post(format!("{}/oauth/token", app.base))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some((id, secret)) = basic {
        r = r.basic_auth(id, Some(secret));
    }
    send(r).await
}

/// Account ids of a company's chart by role or class: (revenue, expense, bank).
pub struct Chart {
    /// A revenue account.
    pub revenue: String,
    /// An expense account.
    pub expense: String,
    /// A bank account.
    pub bank: String,
    /// A general asset or liability account usable in journal lines.
    pub other: String,
}

/// Reads the chart through the API and picks one account of each kind.
pub async fn chart(app: &TestApp, token: &str, company: &CompanyId) -> Chart {
    let g = get(app, token, company, "/accounts").await;
    g.expect(200);
    let accounts = g.body["data"].as_array().unwrap().clone();
    let pick = |f: &dyn Fn(&Value) -> bool| -> String {
        accounts
            .iter()
            .find(|a| f(a))
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no matching account in {accounts:?}"))
    };
    Chart {
        revenue: pick(&|a| a["class"] == "revenue" && a["role"] == "general"),
        expense: pick(&|a| a["class"] == "expense" && a["role"] == "general"),
        bank: pick(&|a| a["role"] == "bank"),
        other: pick(&|a| a["class"] == "equity" && a["role"] == "general"),
    }
}

/// Creates a contact through the API (customer and supplier); returns its id.
pub async fn contact(app: &TestApp, token: &str, company: &CompanyId, name: &str) -> String {
    let g = post(
        app,
        token,
        company,
        "/contacts",
        &serde_json::json!({"name": name, "is_customer": true, "is_supplier": true}),
    )
    .await;
    g.expect(201);
    g.body["id"].as_str().unwrap().to_owned()
}

/// A one-line document body.
pub fn document_body(
    date: &str,
    contact: Option<&str>,
    account: &str,
    price: &str,
    payment_account: Option<&str>,
) -> Value {
    let mut v = serde_json::json!({
        "issue_date": date,
        "reference": "REF-1",
        "lines": [{"description": "Consulting", "quantity": "2", "unit_price": price, "account_id": account, "tax_rate": "20"}]
    });
    if let Some(c) = contact {
        v["contact_id"] = c.into();
    }
    if let Some(p) = payment_account {
        v["payment_account_id"] = p.into();
    }
    v
}

/// Today on the app's clock, as an ISO date.
pub fn today(app: &TestApp) -> String {
    app.svc.clock.today().to_string()
}

/// Waits up to `ms` for `f` to hold, polling every 25 ms; returns the time it took.
pub async fn eventually<F, Fut>(ms: u64, mut f: F) -> Option<std::time::Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if f().await {
            return Some(start.elapsed());
        }
        if start.elapsed() > std::time::Duration::from_millis(ms) {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
