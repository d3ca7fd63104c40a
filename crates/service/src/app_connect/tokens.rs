//! Access tokens and the client_credentials exchange.
//!
//! Tokens are self-validating: `nlat_` + base64url(claims) + `.` + base64url(HMAC-SHA256), so
//! issuing one writes nothing and checking one reads nothing but the in-memory cache. They
//! still die at once on revoke: the claims carry the app's credential version, which revoke
//! bumps, and the app's status is checked on every request. OAuth connections' tokens are the
//! same tokens with the connection as principal (see `crate::oauth`).

use super::ACCESS_TOKEN_PREFIX;
use crate::activity::{Event, Who};
use crate::crypto::ct_eq;
use crate::{Access, Error, Result, Services};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use newledger_domain::actor::Actor;
use newledger_domain::app::Standing;
use newledger_domain::ids::{AppId, CompanyId, ConnectionId};
use newledger_domain::oauth::Surfaces;
use newledger_domain::permission::PermissionSet;
use newledger_store::ConnectionRecord;
use serde::{Deserialize, Serialize};

/// What a token may be presented to (RFC 8707 resource).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// `{base}/api/v1/companies/{company_id}`.
    #[serde(rename = "api")]
    RestApi,
    /// `{base}/mcp/{company_id}`.
    #[serde(rename = "mcp")]
    Mcp,
}

impl Audience {
    /// The surface this audience is.
    pub fn surface(self) -> Surfaces {
        match self {
            Audience::RestApi => Surfaces::Api,
            Audience::Mcp => Surfaces::Mcp,
        }
    }

    /// The resource URL of this audience for a company.
    pub fn resource(self, base_url: &str, company: &CompanyId) -> String {
        match self {
            Audience::RestApi => format!("{base_url}/api/v1/companies/{company}"),
            Audience::Mcp => format!("{base_url}/mcp/{company}"),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// Principal: an app id or a connection id.
    pub(crate) p: String,
    /// Company.
    pub(crate) c: String,
    /// Credential version at issue.
    pub(crate) v: i64,
    /// Audience: REST API, MCP or both (`api`, `mcp`, `both`).
    pub(crate) a: Surfaces,
    /// Scope bits.
    pub(crate) s: u32,
    /// Issued at (s).
    pub(crate) iat: i64,
    /// Expires (s).
    pub(crate) exp: i64,
    /// Random id, so that two tokens are never equal.
    pub(crate) j: String,
}

/// A token as returned by the token endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct IssuedToken {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until expiry.
    pub expires_in: i64,
    /// Granted scope.
    pub scope: String,
}

/// Why a token request failed, in RFC 6749 §5.2 terms.
#[derive(Debug)]
pub enum TokenError {
    /// Client authentication failed (401). The description names a reason only once the
    /// client proved it knows the secret.
    InvalidClient(String),
    /// The client may not use this grant now (revoked, expired, owner gone).
    UnauthorizedClient(String),
    /// The requested scope is unknown or exceeds what was delegated.
    InvalidScope(String),
    /// The requested resource is not this app's company's REST API or MCP server (RFC 8707).
    InvalidTarget(String),
    /// Too many requests.
    RateLimited(u64),
    /// Anything else.
    Internal(Error),
}

impl From<Error> for TokenError {
    fn from(e: Error) -> Self {
        TokenError::Internal(e)
    }
}

pub(crate) fn encode(svc: &Services, claims: &Claims) -> Result<String> {
    let payload = serde_json::to_vec(claims).map_err(|e| Error::Internal(e.into()))?;
    let mac = svc.key.token_mac(&payload);
    Ok(format!(
        "{ACCESS_TOKEN_PREFIX}{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(mac)
    ))
}

fn decode(svc: &Services, token: &str) -> Option<Claims> {
    let rest = token.strip_prefix(ACCESS_TOKEN_PREFIX)?;
    if rest.len() > 2048 {
        return None;
    }
    let (p, m) = rest.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(p).ok()?;
    let mac = URL_SAFE_NO_PAD.decode(m).ok()?;
    let expected = svc.key.token_mac(&payload);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_slice(),
        mac.as_slice(),
    )) {
        return None;
    }
    serde_json::from_slice(&payload).ok()
}

/// `client_credentials`: checks the app's secret and issues a token for its company's REST API.
pub async fn client_credentials(
    svc: &Services,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
    resource: Option<&str>,
    ip: &str,
) -> std::result::Result<IssuedToken, TokenError> {
    let now = svc.clock.now_ms();
    let generic = || {
        TokenError::InvalidClient(
            "client authentication failed: unknown client or wrong secret".into(),
        )
    };
    let app = match AppId::parse(client_id) {
        Ok(id) => svc.auth_cache.app(svc, &id).await?,
        Err(_) => None,
    };
    let presented = svc.key.hash_secret(secret);
    let Some(app) = app else {
        // Same work as a real check (one hash, one comparison; the lookup is cached either way),
        // so timing does not tell whether the client exists.
        let _ = ct_eq(&presented, &unknown_client_hash(&presented));
        log_failure(svc, None, client_id, ip, "unknown client").await?;
        return Err(generic());
    };
    let current = ct_eq(&presented, &app.secret_hash);
    let previous = app
        .prev_secret_hash
        .as_deref()
        .is_some_and(|h| ct_eq(&presented, h))
        && app.overlap_until(now).is_some();
    if !(current || previous) {
        log_failure(
            svc,
            Some(&app.company_id),
            app.id.as_str(),
            ip,
            "wrong secret",
        )
        .await?;
        return Err(generic());
    }
    // The client is authenticated: from here on, say exactly what is wrong.
    let refusal = match app.standing(now) {
        Standing::Expired => {
            Some("the app's credentials expired; create a new app or ask an administrator")
        }
        Standing::Usable => None,
        Standing::Revoked => Some("the app is revoked; restore it under Settings → App Connect"),
        Standing::Deleted => {
            Some("the app is deleted; restore it under Settings → App Connect → Deleted")
        }
    };
    if let Some(reason) = refusal {
        log_failure(svc, Some(&app.company_id), app.id.as_str(), ip, reason).await?;
        return Err(TokenError::InvalidClient(reason.to_owned()));
    }
    let Some(role) = svc
        .auth_cache
        .role(svc, &app.company_id, &app.owner_user_id)
        .await?
    else {
        let reason =
            "the app's owner is no longer a member of the company; assign a new owner".to_owned();
        log_failure(svc, Some(&app.company_id), app.id.as_str(), ip, &reason).await?;
        return Err(TokenError::UnauthorizedClient(reason));
    };
    let allowed = app.effective_permissions(role.permissions());
    let granted = match scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed,
        Some(s) => {
            let asked =
                PermissionSet::parse(s).map_err(|e| TokenError::InvalidScope(e.to_string()))?;
            let missing = asked.difference(allowed);
            if !missing.is_empty() {
                let reason = format!(
                    "not delegated to this app (or no longer held by its owner): {missing}"
                );
                log_failure(svc, Some(&app.company_id), app.id.as_str(), ip, &reason).await?;
                return Err(TokenError::InvalidScope(reason));
            }
            asked
        }
    };
    if granted.is_empty() {
        return Err(TokenError::InvalidScope(
            "the app holds no permission its owner still has".into(),
        ));
    }
    let audience = match resource {
        None => Surfaces::Api,
        Some(r) => match newledger_domain::oauth::parse_resource(&svc.settings.base_url, r) {
            Some((c, surface)) if c == app.company_id => surface,
            _ => {
                return Err(TokenError::InvalidTarget(format!(
                    "resource `{}` is not this app's company's REST API ({}) or MCP server",
                    newledger_domain::oauth::clip(r),
                    Audience::RestApi.resource(&svc.settings.base_url, &app.company_id)
                )));
            }
        },
    };
    let ttl = i64::try_from(svc.settings.access_token_ttl.as_secs()).unwrap_or(900);
    let claims = Claims {
        p: app.id.to_string(),
        c: app.company_id.to_string(),
        v: app.credential_version,
        a: audience,
        s: granted.bits(),
        iat: now / 1000,
        exp: now / 1000 + ttl,
        j: svc.random_secret("").chars().take(12).collect(),
    };
    svc.usage.touch(&app.id, now);
    Ok(IssuedToken {
        access_token: encode(svc, &claims)?,
        token_type: "Bearer",
        expires_in: ttl,
        scope: granted.to_scope_string(),
    })
}

/// A stand-in stored hash for an unknown client: as long as a real one, computed without
/// another hash.
fn unknown_client_hash(presented: &str) -> String {
    presented.chars().rev().collect()
}

/// What the activity log keeps of a presented client id that is not a known app: never a
/// secret pasted into the wrong field (`nlcs_…`), and no more than an app id's length.
pub fn loggable_client_id(client: &str) -> String {
    if client.contains("nlcs_") {
        return "(a client secret sent as client_id: not recorded)".into();
    }
    let mut cut: String = client.chars().take(32).collect();
    if cut.len() < client.len() {
        cut.push('…');
    }
    cut
}

async fn log_failure(
    svc: &Services,
    company: Option<&CompanyId>,
    client: &str,
    ip: &str,
    reason: &str,
) -> Result<()> {
    let client = if company.is_some() {
        client.to_owned()
    } else {
        loggable_client_id(client)
    };
    // Failures fold per (actor, address, reason): for unknown clients the id is whatever the
    // caller sent, so fold them per address alone, or random ids would write a row each.
    let who = Who {
        kind: if company.is_some() {
            "app"
        } else {
            "anonymous"
        }
        .into(),
        id: if company.is_some() {
            client.clone()
        } else {
            String::new()
        },
        label: client.clone(),
        ip: ip.into(),
    };
    svc.activity
        .log_folded(
            company,
            &who,
            Event::failed("token.failed", "app", client, reason),
        )
        .await
}

/// Validates a bearer token presented to `audience` of `company`; returns the caller's access
/// with effective permissions (token scope ∩ delegated ∩ the owner's current role).
pub async fn authenticate(
    svc: &Services,
    token: &str,
    audience: Audience,
    company: &CompanyId,
    ip: &str,
) -> Result<Access> {
    authenticate_verified(svc, verify(svc, token).as_ref(), audience, company, ip).await
}

/// [`authenticate`] for a token already passed through [`verify`] (`None`: it did not).
pub async fn authenticate_verified(
    svc: &Services,
    token: Option<&VerifiedToken>,
    audience: Audience,
    company: &CompanyId,
    ip: &str,
) -> Result<Access> {
    let bad = |why: &str| Error::Unauthenticated(why.to_owned());
    let claims = &token
        .ok_or_else(|| bad("the access token is malformed or was not issued by this server"))?
        .0;
    let now = svc.clock.now_ms();
    if claims.exp * 1000 <= now {
        return Err(bad("the access token expired; request a new one"));
    }
    if !claims.a.covers(audience.surface()) || claims.c != company.as_str() {
        return Err(bad(
            "the access token is for another resource (company or API)",
        ));
    }
    if claims.p.starts_with(ConnectionId::PREFIX) {
        return connection_access(svc, claims, company, ip).await;
    }
    let app_id = AppId::parse(&claims.p).map_err(|_| bad("unknown principal"))?;
    let app = svc
        .auth_cache
        .app(svc, &app_id)
        .await?
        .ok_or_else(|| bad("the app no longer exists"))?;
    if app.company_id.as_str() != claims.c {
        return Err(bad("the access token is for another company"));
    }
    let standing = app.standing(now);
    match standing {
        Standing::Usable | Standing::Expired => {}
        Standing::Revoked => return Err(bad("the app was revoked")),
        Standing::Deleted => return Err(bad("the app was deleted")),
    }
    if app.credential_version != claims.v {
        return Err(bad("the access token was revoked"));
    }
    if standing == Standing::Expired {
        return Err(bad("the app's credentials expired"));
    }
    let role = svc
        .auth_cache
        .role(svc, company, &app.owner_user_id)
        .await?
        .ok_or_else(|| bad("the app's owner is no longer a member of the company"))?;
    let company_row = svc
        .auth_cache
        .company(svc, company)
        .await?
        .ok_or(Error::NotFound("company"))?;
    svc.usage.touch(&app.id, now);
    Ok(Access {
        actor: Actor::App(app.id.clone()),
        label: app.name.clone(),
        company: (*company_row).clone(),
        permissions: PermissionSet::from_bits(claims.s)
            .intersect(app.effective_permissions(role.permissions())),
        ip: ip.to_owned(),
    })
}

/// The access of an OAuth connection's token: token scope ∩ consented scope ∩ what the
/// approving person holds now (never a people-only permission).
async fn connection_access(
    svc: &Services,
    claims: &Claims,
    company: &CompanyId,
    ip: &str,
) -> Result<Access> {
    let bad = |why: &str| Error::Unauthenticated(why.to_owned());
    let id = ConnectionId::parse(&claims.p).map_err(|_| bad("unknown principal"))?;
    let conn = svc
        .auth_cache
        .connection(svc, &id)
        .await?
        .ok_or_else(|| bad("the connection no longer exists"))?;
    if !conn.active {
        return Err(bad(
            "the connection was deleted; ask the person to connect the app again",
        ));
    }
    if conn.company_id != *company || conn.credential_version != claims.v {
        return Err(bad("the access token was revoked"));
    }
    let client = svc
        .auth_cache
        .oauth_client(svc, &conn.client_id)
        .await?
        .filter(|c| c.deleted_at.is_none())
        .ok_or_else(|| bad("the app was deleted"))?;
    let role = svc
        .auth_cache
        .role(svc, company, &conn.user_id)
        .await?
        .ok_or_else(|| bad("the person who approved the connection left the company"))?;
    let company_row = svc
        .auth_cache
        .company(svc, company)
        .await?
        .ok_or(Error::NotFound("company"))?;
    Ok(Access {
        actor: Actor::Connection(conn.id.clone()),
        label: client.name.clone(),
        company: (*company_row).clone(),
        permissions: connection_permissions(&conn, claims.s, role.permissions()),
        ip: ip.to_owned(),
    })
}

/// What a connection's token may do now.
pub(crate) fn connection_permissions(
    conn: &ConnectionRecord,
    token_bits: u32,
    held: PermissionSet,
) -> PermissionSet {
    PermissionSet::from_bits(token_bits)
        .intersect(conn.scope)
        .intersect(held)
        .intersect(PermissionSet::delegable())
}

/// A token whose MAC checked out, and nothing more yet: the edge verifies it once per request
/// (its principal keys the rate limit) and hands it on to [`authenticate_verified`].
#[derive(Clone, Debug)]
pub struct VerifiedToken(Claims);

impl VerifiedToken {
    /// The app (or connection) the token was issued to.
    pub fn principal(&self) -> &str {
        &self.0.p
    }

    pub(crate) fn claims(&self) -> &Claims {
        &self.0
    }
}

/// Checks a token's MAC (not its expiry, audience or revocation: see [`authenticate_verified`]).
pub fn verify(svc: &Services, token: &str) -> Option<VerifiedToken> {
    decode(svc, token).map(VerifiedToken)
}

/// True when `secret` is the active app's current (or still overlapping previous) secret:
/// API credential apps authenticating at introspection.
pub async fn authenticate_app_secret(svc: &Services, id: &AppId, secret: &str) -> Result<bool> {
    let now = svc.clock.now_ms();
    let presented = svc.key.hash_secret(secret);
    let Some(app) = svc.auth_cache.app(svc, id).await? else {
        let _ = ct_eq(&presented, &svc.key.hash_secret("nlcs_dummy"));
        return Ok(false);
    };
    let ok = ct_eq(&presented, &app.secret_hash)
        || (app
            .prev_secret_hash
            .as_deref()
            .is_some_and(|h| ct_eq(&presented, h))
            && app.overlap_until(now).is_some());
    Ok(ok && app.usable(now))
}
