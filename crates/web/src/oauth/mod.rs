//! The OAuth 2.0 authorization server endpoints. This slice serves the token endpoint for
//! API credential apps (`client_credentials`); authorization code + PKCE, registration,
//! revocation and introspection slot in beside it.

pub mod token;
