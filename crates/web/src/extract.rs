//! Extractors shared by the surfaces: the client address, and the bearer-authenticated caller
//! of the REST API.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use newledger_domain::ids::CompanyId;
use newledger_service::app_connect::tokens::{self, Audience};
use newledger_service::{Access, Error};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The peer address (forwarding headers are not trusted: put the proxy's address rules in the proxy).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// The bearer token of a request (`Authorization: Bearer …` only; never the query string).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A REST API caller: a valid token for `/api/v1/companies/{company_id}`.
pub struct ApiAccess(pub Access);

impl FromRequestParts<AppState> for ApiAccess {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp("unknown".into()));
        let params: Path<HashMap<String, String>> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(Error::NotFound("company")))?;
        let company = params
            .get("company_id")
            .and_then(|c| CompanyId::parse(c).ok())
            .ok_or(ApiError(Error::NotFound("company")))?;
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError(Error::Unauthenticated(crate::error::MISSING_TOKEN.into())))?;
        // Verified once by the rate-limit layer when it ran; checked here otherwise.
        let verified = match parts.extensions.get::<tokens::VerifiedToken>() {
            Some(v) => Some(v.clone()),
            None => tokens::verify(&state.svc, token),
        };
        let access = tokens::authenticate_verified(
            &state.svc,
            verified.as_ref(),
            Audience::RestApi,
            &company,
            &ip,
        )
        .await?;
        Ok(ApiAccess(access))
    }
}
