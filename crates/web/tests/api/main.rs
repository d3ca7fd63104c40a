//! Issue 3 end to end over real HTTP, on SQLite and (when NEWLEDGER_TEST_DATABASE_URL is set)
//! PostgreSQL: API credential apps, the token endpoint, bearer validation, the REST API v1,
//! idempotency, pagination, an independent OAuth 2.0 client, and revocation across nodes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod bearer;
mod bounds;
mod client_logos;
mod client_metadata;
mod fuzz;
mod idempotency;
mod lifecycle;
mod oauth2_client;
mod oauth_code;
mod oauth_support;
mod pagination;
mod rest;
mod shapes;
mod token_endpoint;
mod two_nodes;
