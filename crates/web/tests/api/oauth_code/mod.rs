//! OAuth 2.0 authorization code + PKCE over real HTTP, written as attacks: metadata, the
//! scripted person (sign-in, consent, TOTP), PKCE, redirect URIs, codes, resources, refresh
//! rotation with reuse detection and its grace window, deletion, permissions removed at consent
//! or from the approving person, CSRF and framing, registration limits, revocation,
//! introspection and the token endpoint's hardening. One file per rule.

mod codes;
mod connections;
mod consent;
mod flow;
mod redirect_uris;
mod refresh;
mod registration;
mod resources;
mod revocation;
mod token_endpoint;
