//! The grants of delegated access and token management: `authorization_code` (single use,
//! bound to client, redirect URI, PKCE, resource, scope and company; a replay revokes what the
//! code gave), `refresh_token` (rotation on every use; reuse revokes the family, except within
//! a grace window in which the same successor pair is returned), revocation (RFC 7009) and
//! introspection (RFC 7662).
//!
//! The successor of a refresh token is derived from it with the server key, and its access
//! token from the rotation's stored time and scope, so a retried refresh gets the very same
//! pair without either being stored in the clear.

use super::{OAuthError, OAuthResult, REFRESH_ABSOLUTE_MS, REFRESH_GRACE_MS, REFRESH_IDLE_MS};
use crate::activity::{Event, Who};
use crate::app_connect::REFRESH_TOKEN_PREFIX;
use crate::app_connect::tokens::{self, Claims};
use crate::crypto::ct_eq;
use crate::{Result, Services};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use newledger_domain::ids::{AppId, CompanyId, ConnectionId};
use newledger_domain::oauth::{Surfaces, clip, is_pkce_value, parse_resource};
use newledger_domain::permission::PermissionSet;
use newledger_store::{
    ConnectionRecord, OAuthClientRecord, OAuthStore, RefreshChain, RefreshTokenRecord,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A token response (RFC 6749 §5.1) with the resources the token is for (RFC 8707).
#[derive(Clone, Debug, Serialize)]
pub struct TokenResponse {
    /// The `nlat_` access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Granted scope.
    pub scope: String,
    /// The `nlrt_` refresh token.
    pub refresh_token: String,
    /// Resource URLs the access token is valid for.
    pub resource: Vec<String>,
    /// The company the connection acts in.
    pub company_id: String,
}

fn grant(d: impl Into<String>) -> OAuthError {
    OAuthError::new("invalid_grant", d)
}

fn who(client: &OAuthClientRecord, ip: &str) -> Who {
    Who {
        kind: "oauth_client".into(),
        id: client.id.to_string(),
        label: client.name.clone(),
        ip: ip.to_owned(),
    }
}

async fn log_failure(
    svc: &Services,
    client: &OAuthClientRecord,
    company: Option<&newledger_domain::ids::CompanyId>,
    ip: &str,
    reason: &str,
) -> Result<()> {
    svc.activity
        .log_folded(
            company,
            &who(client, ip),
            Event::failed(
                "oauth.token_failed",
                "oauth_client",
                client.id.as_str(),
                reason,
            ),
        )
        .await
}

/// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    let digest = Sha256::digest(verifier.as_bytes());
    ct_eq(&URL_SAFE_NO_PAD.encode(digest), challenge)
}

/// Resources asked for at the token endpoint must be within what was authorized; returns the
/// surfaces the access token will carry.
fn narrow(
    svc: &Services,
    conn: &ConnectionRecord,
    authorized: Surfaces,
    resources: &[String],
) -> OAuthResult<Surfaces> {
    let mut out: Option<Surfaces> = None;
    for r in resources {
        match parse_resource(&svc.settings.base_url, r) {
            Some((c, s)) if c == conn.company_id && authorized.covers(s) => {
                out = Some(out.map_or(s, |o| o.union(s)));
            }
            _ => {
                return Err(OAuthError::new(
                    "invalid_target",
                    format!(
                        "resource `{}` was not authorized for this grant (authorized: {})",
                        clip(r),
                        authorized
                            .resources(&svc.settings.base_url, &conn.company_id)
                            .join(", ")
                    ),
                ));
            }
        }
    }
    Ok(out.unwrap_or(authorized))
}

/// The connection of a grant, if it is live. A refresh reads it from the validation cache (a
/// refresh must not cost a read of it): a deleted connection has its refresh tokens revoked
/// in the same unit of work, and a stale credential version only makes the new access token
/// fail validation, never pass it. A code exchange, right after consent, reads it `fresh`.
async fn live_connection(
    svc: &Services,
    id: &ConnectionId,
    fresh: bool,
) -> OAuthResult<Arc<ConnectionRecord>> {
    let conn = if fresh {
        svc.store.connection(id).await?.map(Arc::new)
    } else {
        svc.auth_cache.connection(svc, id).await?
    };
    let conn = conn.ok_or_else(|| grant("the connection no longer exists"))?;
    if !conn.active {
        return Err(grant(
            "the connection was deleted; ask the person to connect the app again",
        ));
    }
    if svc
        .auth_cache
        .role(svc, &conn.company_id, &conn.user_id)
        .await?
        .is_none()
    {
        return Err(grant(
            "the person who approved the connection is no longer a member of the company",
        ));
    }
    Ok(conn)
}

fn access_token(
    svc: &Services,
    conn: &ConnectionRecord,
    surfaces: Surfaces,
    scope: PermissionSet,
    iat_ms: i64,
    jti: String,
) -> Result<(String, i64)> {
    let ttl = i64::try_from(svc.settings.access_token_ttl.as_secs()).unwrap_or(900);
    let claims = Claims {
        p: conn.id.to_string(),
        c: conn.company_id.to_string(),
        v: conn.credential_version,
        a: surfaces,
        s: scope.bits(),
        iat: iat_ms / 1000,
        exp: iat_ms / 1000 + ttl,
        j: jti,
    };
    let now = svc.clock.now_ms() / 1000;
    Ok((tokens::encode(svc, &claims)?, (claims.exp - now).max(0)))
}

fn respond(
    svc: &Services,
    conn: &ConnectionRecord,
    surfaces: Surfaces,
    scope: PermissionSet,
    (access, expires_in): (String, i64),
    refresh: String,
) -> TokenResponse {
    TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in,
        scope: scope.to_scope_string(),
        refresh_token: refresh,
        resource: surfaces.resources(&svc.settings.base_url, &conn.company_id),
        company_id: conn.company_id.to_string(),
    }
}

/// Revokes a family and every access token of its connection (bumped credential version),
/// logging why, in one unit of work.
async fn revoke_family_and_tokens(
    svc: &Services,
    conn_id: &ConnectionId,
    family: &str,
    company: Option<&CompanyId>,
    who: &Who,
    why: Event,
) -> Result<()> {
    svc.write(async |w| {
        let now = svc.clock.now_ms();
        w.store().revoke_refresh_family(family, now).await?;
        if let Some(mut c) = w.store().connection(conn_id).await? {
            c.credential_version += 1;
            c.updated_at = now;
            w.store().update_connection(&c).await?;
        }
        w.credentials_changed();
        w.log_as(company, who, why).await
    })
    .await
}

async fn touch(
    svc: &Services,
    store: &(impl OAuthStore + ?Sized),
    now: i64,
    client: &OAuthClientRecord,
    conn: &ConnectionRecord,
) -> Result<()> {
    // At most once an hour per node: last-used is for people reading lists, not a per-request
    // write. The client's time follows its connections' (the cached client copy would not see
    // this write and would ask for it every time).
    if svc.connection_uses.claim(&conn.id, conn.last_used_at, now) {
        store.touch_oauth_use(&client.id, &conn.id, now).await?;
    }
    Ok(())
}

/// `grant_type=authorization_code`.
pub async fn exchange_code(
    svc: &Services,
    client: &OAuthClientRecord,
    code: Option<&str>,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    resources: &[String],
    ip: &str,
) -> OAuthResult<TokenResponse> {
    let code = code
        .filter(|c| !c.is_empty() && c.len() <= 100)
        .ok_or_else(|| OAuthError::new("invalid_request", "code is required"))?;
    let verifier = verifier
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "code_verifier is required (PKCE)"))?;
    let redirect_uri = redirect_uri.ok_or_else(|| {
        OAuthError::new(
            "invalid_request",
            "redirect_uri is required: the same one as in the authorization request",
        )
    })?;
    let now = svc.clock.now_ms();
    let Some(c) = svc
        .store
        .claim_auth_code(&svc.key.hash_secret(code), now)
        .await?
    else {
        log_failure(svc, client, None, ip, "unknown authorization code").await?;
        return Err(grant("unknown or expired authorization code"));
    };
    let conn_company = svc
        .store
        .connection(&c.connection_id)
        .await?
        .map(|x| x.company_id);
    if c.used_at.is_some() {
        revoke_family_and_tokens(
            svc,
            &c.connection_id,
            &c.family_id,
            conn_company.as_ref(),
            &who(client, ip),
            Event::failed(
                "oauth.code_replayed",
                "connection",
                c.connection_id.as_str(),
                "authorization code used twice: the tokens issued from it are revoked",
            ),
        )
        .await?;
        return Err(grant(
            "authorization code already used; everything issued from it has been revoked",
        ));
    }
    let refuse = |why: &'static str| async move {
        log_failure(svc, client, conn_company.as_ref(), ip, why).await?;
        Err::<TokenResponse, OAuthError>(grant(why))
    };
    if c.client_id != client.id {
        return refuse("the authorization code was issued to another client").await;
    }
    if c.expires_at <= now {
        return refuse("the authorization code expired (codes live 60 seconds)").await;
    }
    if c.redirect_uri != redirect_uri {
        return refuse("redirect_uri differs from the one in the authorization request").await;
    }
    if !is_pkce_value(verifier) || !pkce_s256_matches(verifier, &c.code_challenge) {
        return refuse("code_verifier does not match the code_challenge (PKCE)").await;
    }
    let conn = live_connection(svc, &c.connection_id, true).await?;
    let surfaces = narrow(svc, &conn, c.surfaces, resources)?;
    let refresh = svc.random_secret(REFRESH_TOKEN_PREFIX);
    let jti: String = svc.random_secret("").chars().take(12).collect();
    let access = access_token(svc, &conn, surfaces, c.scope, now, jti)?;
    // The refresh token, last-used times and the log row: one unit of work.
    svc.write(async |w| {
        w.store()
            .insert_refresh_token(&RefreshTokenRecord {
                token_hash: svc.key.hash_secret(&refresh),
                family_id: c.family_id.clone(),
                connection_id: conn.id.clone(),
                client_id: client.id.clone(),
                scope: c.scope,
                surfaces: c.surfaces,
                family_started_at: now,
                created_at: now,
                issued_scope: None,
                issued_surfaces: None,
                revoked_at: None,
            })
            .await?;
        touch(svc, w.store(), now, client, &conn).await?;
        w.log_as(
            Some(&conn.company_id),
            &who(client, ip),
            Event::ok("oauth.tokens_issued", "connection", conn.id.as_str())
                .reason("authorization code exchanged")
                .details(serde_json::json!({"scope": c.scope.to_scope_string(), "surfaces": surfaces.as_str()})),
        )
        .await
    })
    .await?;
    Ok(respond(svc, &conn, surfaces, c.scope, access, refresh))
}

fn successor_of(svc: &Services, refresh: &str) -> String {
    format!(
        "{REFRESH_TOKEN_PREFIX}{}",
        svc.key.derive("refresh-successor", refresh)
    )
}

fn jti_of(svc: &Services, successor: &str) -> String {
    svc.key
        .derive("refresh-jti", successor)
        .chars()
        .take(12)
        .collect()
}

/// The scope a refresh asks for: the grant's, or less; never more.
fn narrow_scope(granted: PermissionSet, asked: Option<&str>) -> OAuthResult<PermissionSet> {
    let Some(s) = asked.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(granted);
    };
    let asked = PermissionSet::parse(s)
        .map_err(|e| OAuthError::new("invalid_scope", clip(&e.to_string())))?;
    let extra = asked.difference(granted);
    if !extra.is_empty() {
        return Err(OAuthError::new(
            "invalid_scope",
            format!("a refresh never widens the grant; not granted: {extra}"),
        ));
    }
    Ok(asked)
}

/// A token that was already rotated: within the grace window a retry of that rotation gets
/// the very same pair (clients retry refreshes concurrently); after it, a reuse, and the
/// family and its access tokens are revoked.
async fn replay_rotation(
    svc: &Services,
    client: &OAuthClientRecord,
    ip: &str,
    succ: &RefreshTokenRecord,
    conn: &ConnectionRecord,
    successor: String,
    now: i64,
) -> OAuthResult<TokenResponse> {
    if now - succ.created_at <= REFRESH_GRACE_MS {
        if succ.revoked_at.is_some() {
            return Err(grant("the refresh token was revoked"));
        }
        let scope = succ.issued_scope.unwrap_or(succ.scope);
        let surfaces = succ.issued_surfaces.unwrap_or(succ.surfaces);
        let jti = jti_of(svc, &successor);
        let access = access_token(svc, conn, surfaces, scope, succ.created_at, jti)?;
        return Ok(respond(svc, conn, surfaces, scope, access, successor));
    }
    revoke_family_and_tokens(
        svc,
        &conn.id,
        &succ.family_id,
        Some(&conn.company_id),
        &who(client, ip),
        Event::failed(
            "oauth.refresh_reused",
            "connection",
            conn.id.as_str(),
            "a rotated refresh token was presented again: its family is revoked",
        ),
    )
    .await?;
    Err(grant(
        "refresh token already used; this grant has been revoked for safety — ask the person to connect again",
    ))
}

/// The answer to a rotation just made (by either path): the successor and its access token,
/// with the connection's use recorded.
async fn answer_rotation(
    svc: &Services,
    client: &OAuthClientRecord,
    conn: &ConnectionRecord,
    (surfaces, scope): (Surfaces, PermissionSet),
    now: i64,
    successor: String,
) -> OAuthResult<TokenResponse> {
    let access = access_token(svc, conn, surfaces, scope, now, jti_of(svc, &successor))?;
    touch(svc, &*svc.store, now, client, conn).await?;
    Ok(respond(svc, conn, surfaces, scope, access, successor))
}

/// `grant_type=refresh_token`.
pub async fn refresh(
    svc: &Services,
    client: &OAuthClientRecord,
    token: Option<&str>,
    scope: Option<&str>,
    resources: &[String],
    ip: &str,
) -> OAuthResult<TokenResponse> {
    let token = token
        .filter(|t| t.starts_with(REFRESH_TOKEN_PREFIX) && t.len() <= 100)
        .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is required"))?;
    let hash = svc.key.hash_secret(token);
    let successor = successor_of(svc, token);
    let successor_hash = svc.key.hash_secret(&successor);
    // The common case — the whole grant, no narrowing — in one statement; anything else, or
    // a refusal, takes the path below, which reads first and says why.
    if scope.is_none_or(|s| s.trim().is_empty()) && resources.is_empty() {
        let now = svc.clock.now_ms();
        if let Some(next) = svc
            .store
            .rotate_refresh_token_directly(
                &hash,
                &successor_hash,
                &client.id,
                now,
                now - REFRESH_IDLE_MS,
                now - REFRESH_ABSOLUTE_MS,
            )
            .await?
        {
            let conn = live_connection(svc, &next.connection_id, false).await?;
            return answer_rotation(
                svc,
                client,
                &conn,
                (next.surfaces, next.scope),
                now,
                successor,
            )
            .await;
        }
    }
    // Twice at most: a lost race with a concurrent rotation goes round once more and takes
    // the grace path.
    for _ in 0..2 {
        let Some(RefreshChain {
            token: t,
            successor: rotated,
        }) = svc.store.refresh_chain(&hash, &successor_hash).await?
        else {
            log_failure(svc, client, None, ip, "unknown refresh token").await?;
            return Err(grant("unknown refresh token"));
        };
        if t.client_id != client.id {
            log_failure(svc, client, None, ip, "refresh token of another client").await?;
            return Err(grant("the refresh token was issued to another client"));
        }
        if t.revoked_at.is_some() {
            return Err(grant("the refresh token was revoked"));
        }
        let conn = live_connection(svc, &t.connection_id, false).await?;
        let now = svc.clock.now_ms();
        if let Some(succ) = rotated {
            return replay_rotation(svc, client, ip, &succ, &conn, successor, now).await;
        }
        if now - t.created_at > REFRESH_IDLE_MS {
            return Err(grant("the refresh token expired after 30 days unused"));
        }
        if now - t.family_started_at > REFRESH_ABSOLUTE_MS {
            return Err(grant(
                "the grant is older than 90 days; ask the person to connect again",
            ));
        }
        let access_scope = narrow_scope(t.scope, scope)?;
        let surfaces = narrow(svc, &conn, t.surfaces, resources)?;
        let next = RefreshTokenRecord {
            token_hash: successor_hash.clone(),
            created_at: now,
            issued_scope: Some(access_scope),
            issued_surfaces: Some(surfaces),
            revoked_at: None,
            ..t.clone()
        };
        if !svc.store.rotate_refresh_token(&hash, &next).await? {
            continue;
        }
        return answer_rotation(svc, client, &conn, (surfaces, access_scope), now, successor).await;
    }
    Err(grant("the refresh token is being used concurrently; retry"))
}

/// Caller of revocation and introspection: an OAuth client or an API credential app.
#[derive(Clone, Debug)]
pub enum Caller {
    /// An OAuth client (authenticated).
    Client(Box<OAuthClientRecord>),
    /// An API credential app (authenticated with its secret).
    App(AppId),
}

/// RFC 7009: revokes a refresh token (its family) or an access token (every access token of
/// its connection) issued to the caller. Unknown or foreign tokens change nothing (and the
/// answer is the same, §2.2).
pub async fn revoke(
    svc: &Services,
    client: &OAuthClientRecord,
    token: &str,
    ip: &str,
) -> OAuthResult<()> {
    if token.starts_with(REFRESH_TOKEN_PREFIX) && token.len() <= 100 {
        if let Some(t) = svc.store.refresh_token(&svc.key.hash_secret(token)).await?
            && t.client_id == client.id
        {
            {
                let company = svc
                    .store
                    .connection(&t.connection_id)
                    .await?
                    .map(|c| c.company_id);
                revoke_family_and_tokens(
                    svc,
                    &t.connection_id,
                    &t.family_id,
                    company.as_ref(),
                    &who(client, ip),
                    Event::ok(
                        "oauth.token_revoked",
                        "connection",
                        t.connection_id.as_str(),
                    )
                    .reason("refresh token revoked by the client"),
                )
                .await?;
            }
        }
        return Ok(());
    }
    if let Some(v) = tokens::verify(svc, token) {
        let claims = v.claims();
        if let Ok(id) = ConnectionId::parse(&claims.p)
            && let Some(mut c) = svc.store.connection(&id).await?
            && c.client_id == client.id
            && c.credential_version == claims.v
        {
            {
                {
                    c.credential_version += 1;
                    c.updated_at = svc.clock.now_ms();
                    svc.write(async |w| {
                        w.store().update_connection(&c).await?;
                        w.credentials_changed();
                        w.log_as(
                            Some(&c.company_id),
                            &who(client, ip),
                            Event::ok("oauth.token_revoked", "connection", c.id.as_str())
                                .reason("access tokens revoked by the client"),
                        )
                        .await
                    })
                    .await?;
                }
            }
        }
    }
    Ok(())
}

/// RFC 7662: what a token is, for the client it was issued to (or the API app that owns it);
/// `None` = inactive (`{"active": false}` and nothing else).
pub async fn introspect(
    svc: &Services,
    caller: &Caller,
    token: &str,
) -> Result<Option<serde_json::Value>> {
    let base = &svc.settings.base_url;
    let now = svc.clock.now_ms();
    if token.starts_with(REFRESH_TOKEN_PREFIX) {
        let Caller::Client(client) = caller else {
            return Ok(None);
        };
        if token.len() > 100 {
            return Ok(None);
        }
        let successor_hash = svc.key.hash_secret(&successor_of(svc, token));
        let Some(RefreshChain {
            token: t,
            successor,
        }) = svc
            .store
            .refresh_chain(&svc.key.hash_secret(token), &successor_hash)
            .await?
        else {
            return Ok(None);
        };
        let live = t.client_id == client.id
            && successor.is_none()
            && t.revoked_at.is_none()
            && now - t.created_at <= REFRESH_IDLE_MS
            && now - t.family_started_at <= REFRESH_ABSOLUTE_MS;
        if !live {
            return Ok(None);
        }
        let Some(conn) = svc.auth_cache.connection(svc, &t.connection_id).await? else {
            return Ok(None);
        };
        if !conn.active {
            return Ok(None);
        }
        let exp = (t.created_at + REFRESH_IDLE_MS).min(t.family_started_at + REFRESH_ABSOLUTE_MS);
        return Ok(Some(serde_json::json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": client.public_id(),
            "scope": t.scope.to_scope_string(),
            "sub": conn.id,
            "aud": t.surfaces.resources(base, &conn.company_id),
            "iss": base,
            "iat": t.created_at / 1000,
            "exp": exp / 1000,
            "company_id": conn.company_id,
        })));
    }
    let Some(v) = tokens::verify(svc, token) else {
        return Ok(None);
    };
    let claims = v.claims().clone();
    if claims.exp * 1000 <= now {
        return Ok(None);
    }
    let Ok(company) = newledger_domain::ids::CompanyId::parse(&claims.c) else {
        return Ok(None);
    };
    let (client_id, permissions) = match caller {
        Caller::Client(client) => {
            let Ok(id) = ConnectionId::parse(&claims.p) else {
                return Ok(None);
            };
            let Some(conn) = svc.auth_cache.connection(svc, &id).await? else {
                return Ok(None);
            };
            if !conn.active
                || conn.client_id != client.id
                || conn.credential_version != claims.v
                || conn.company_id != company
            {
                return Ok(None);
            }
            let Some(role) = svc.auth_cache.role(svc, &company, &conn.user_id).await? else {
                return Ok(None);
            };
            (
                client.public_id().to_owned(),
                tokens::connection_permissions(&conn, claims.s, role.permissions()),
            )
        }
        Caller::App(app_id) => {
            if claims.p != app_id.as_str() {
                return Ok(None);
            }
            let Some(app) = svc.auth_cache.app(svc, app_id).await? else {
                return Ok(None);
            };
            if !app.usable(now) || app.credential_version != claims.v {
                return Ok(None);
            }
            let Some(role) = svc
                .auth_cache
                .role(svc, &company, &app.owner_user_id)
                .await?
            else {
                return Ok(None);
            };
            (
                app.id.to_string(),
                PermissionSet::from_bits(claims.s)
                    .intersect(app.permissions)
                    .intersect(role.permissions()),
            )
        }
    };
    let aud = claims.a.resources(base, &company);
    Ok(Some(serde_json::json!({
        "active": true,
        "token_type": "Bearer",
        "client_id": client_id,
        "scope": permissions.to_scope_string(),
        "sub": claims.p,
        "aud": aud,
        "iss": base,
        "iat": claims.iat,
        "exp": claims.exp,
        "company_id": claims.c,
    })))
}
