//! The OAuth 2.0 authorization server endpoints: metadata (RFC 8414), dynamic registration
//! (RFC 7591), the token endpoint (client_credentials for API credential apps; authorization
//! code + PKCE and refresh for OAuth clients), revocation (RFC 7009) and introspection
//! (RFC 7662). The authorization endpoint and consent page are pages (`pages::consent`), under
//! the pages' security headers. Rules live in `newledger_service::oauth`.

pub mod logo;
pub mod manage;
pub mod metadata;
pub mod register;
pub mod token;
