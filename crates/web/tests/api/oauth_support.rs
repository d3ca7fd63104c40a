//! The scripted person and client of the authorization code flow live in the test kit (the
//! MCP server's tests use them too).

pub use newledger_testkit::oauth::*;
