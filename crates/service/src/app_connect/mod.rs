//! App Connect: API credential apps (client_credentials), the access tokens they exchange
//! their secret for, bearer validation shared by every resource (REST API, later MCP), the
//! cross-node credential cache and batched last-used counters.

pub mod apps;
pub mod cache;
pub mod reveal;
pub mod tokens;
pub mod usage;

/// Prefix of client secrets.
pub const CLIENT_SECRET_PREFIX: &str = "nlcs_";
/// Prefix of access tokens.
pub const ACCESS_TOKEN_PREFIX: &str = "nlat_";
/// Prefix of refresh tokens (OAuth).
pub const REFRESH_TOKEN_PREFIX: &str = "nlrt_";
