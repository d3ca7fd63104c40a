//! OAuth 2.0 delegated access: clients ([`clients`]: registered by people, or dynamically per
//! RFC 7591; or known by a client ID metadata document, [`client_document`]), the authorization request and consent ([`authorize`]: PKCE S256, exact redirect
//! URIs, RFC 8707 resources, a person's approval with a second factor), the grants and token
//! management ([`grants`]: single-use codes, rotating refresh families with reuse detection,
//! revocation RFC 7009, introspection RFC 7662) and connections ([`connections`]: a person's
//! consent to a client for one company, listed and deleted under App Connect).
//!
//! Access tokens are App Connect's self-validating `nlat_` tokens with the connection as
//! principal ([`crate::app_connect::tokens`]): issuing one writes nothing, and deleting a
//! connection (or detecting a replay) bumps its credential version and the cache epoch, so
//! every node refuses its tokens at once. Errors are [`OAuthError`]s carrying an RFC 6749 code;
//! the web layer maps them to JSON or to a redirect.

pub mod authorize;
pub mod client_document;
pub mod clients;
pub mod connections;
pub mod grants;
pub mod last_used;
pub mod logos;

use crate::Error;

/// Lifetime of an authorization code.
pub const CODE_TTL_MS: i64 = 60_000;
/// A refresh token unused for this long is dead (idle lifetime).
pub const REFRESH_IDLE_MS: i64 = 30 * 86_400_000;
/// A refresh family dies this long after its code was exchanged (absolute lifetime).
pub const REFRESH_ABSOLUTE_MS: i64 = 90 * 86_400_000;
/// A refresh token presented again within this window after its rotation returns the same
/// successor pair (clients retry refreshes concurrently); later, it revokes the family.
pub const REFRESH_GRACE_MS: i64 = 30_000;
/// Dynamically registered clients that never exchanged a code are purged after this long.
pub const UNUSED_DYNAMIC_CLIENT_MS: i64 = 7 * 86_400_000;
/// A connection unused for this long is flagged idle.
pub const IDLE_CONNECTION_MS: i64 = 30 * 86_400_000;

/// An OAuth error: an RFC 6749 §5.2 / RFC 7591 §3.2.2 / RFC 8707 code and what to fix.
#[derive(Debug)]
pub struct OAuthError {
    /// The error code (`invalid_grant`, `invalid_target`, …; `server_error` for faults).
    pub code: &'static str,
    /// What is wrong, in words; echoed values are clipped.
    pub description: String,
    /// The cause of a `server_error` (logged, never shown).
    pub cause: Option<Error>,
}

impl OAuthError {
    /// An error with a code.
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            cause: None,
        }
    }
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        Self {
            code: "server_error",
            description: "internal error; it has been logged".into(),
            cause: Some(e),
        }
    }
}

impl From<newledger_store::StoreError> for OAuthError {
    fn from(e: newledger_store::StoreError) -> Self {
        Error::from(e).into()
    }
}

/// Result of an OAuth step.
pub type OAuthResult<T> = std::result::Result<T, OAuthError>;
