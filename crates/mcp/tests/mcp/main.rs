//! The MCP server over real HTTP, on SQLite and (with NEWLEDGER_TEST_DATABASE_URL) PostgreSQL:
//! tokens from the real OAuth flow (a person signs in, types a TOTP code and approves), the
//! 401/403 challenges and the protected resource metadata, Host/Origin refusal, both protocol
//! eras, sessions bound to their connection, every tool, and revocation mid-session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;

mod auth;
mod direct;
mod sessions;
mod tools;

use newledger_domain::ids::CompanyId;
use newledger_testkit::{Person, TestApp};

/// Every permission the tools use.
pub const ALL: &[&str] = &[
    "company:read",
    "accounts:read",
    "contacts:read",
    "invoices:read",
    "bills:read",
    "expenses:read",
    "journal:read",
    "reports:read",
    "contacts:write",
    "invoices:draft",
    "bills:draft",
    "expenses:draft",
    "journal:draft",
];

/// An owner with a company and an MCP token of a fresh OAuth connection keeping `keep`.
pub struct Ctx {
    pub owner: Person,
    pub company: CompanyId,
    pub token: String,
}

/// A person connects an MCP client to their company (resource = the MCP URL), keeping `keep`.
pub async fn connect(app: &TestApp, owner: &Person, keep: &[&str]) -> String {
    let resource = client::url(app, &owner.company_id);
    let (_, token, _) =
        newledger_testkit::oauth::connected_to(app, owner, &keep.join(" "), &[resource], keep)
            .await;
    token
}

/// A new owner and company, connected with `keep`.
pub async fn ctx(app: &TestApp, keep: &[&str]) -> Ctx {
    let owner = app.owner("Acme Ltd").await;
    let token = connect(app, &owner, keep).await;
    Ctx {
        company: owner.company_id.clone(),
        owner,
        token,
    }
}
