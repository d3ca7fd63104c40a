//! OAuth clients: registered by a person under App Connect (public, or confidential with a
//! secret shown once), or by themselves through dynamic registration (RFC 7591, unverified);
//! client authentication at the token, revocation and introspection endpoints.

use super::{OAuthError, OAuthResult, UNUSED_DYNAMIC_CLIENT_MS};
use crate::activity::{Event, Who};
use crate::crypto::ct_eq;
use crate::{Access, Error, Result, Services};
use newledger_domain::ids::OAuthClientId;
use newledger_domain::oauth::{
    MAX_REDIRECT_URIS, check_redirect_uri, clip, is_client_id_url, is_loopback_redirect,
};
use newledger_domain::permission::Permission;
use newledger_store::{OAuthClientKind, OAuthClientRecord};
use serde::Deserialize;

/// Longest client name.
pub const MAX_NAME_LEN: usize = 100;
/// Longest logo or homepage URL.
pub const MAX_URL_LEN: usize = 2000;
/// Prefix of OAuth client secrets.
pub const OAUTH_CLIENT_SECRET_PREFIX: &str = "nlcs_";

/// Client metadata as a client sends it (RFC 7591 §2); unknown members are ignored.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ClientMetadata {
    /// Redirect URIs (1–10).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Name shown at consent.
    pub client_name: Option<String>,
    /// Logo (https).
    pub logo_uri: Option<String>,
    /// Homepage.
    pub client_uri: Option<String>,
    /// `none`, `client_secret_basic` or `client_secret_post`.
    pub token_endpoint_auth_method: Option<String>,
    /// Grant types (authorization_code, refresh_token).
    pub grant_types: Option<Vec<String>>,
    /// Response types (code).
    pub response_types: Option<Vec<String>>,
}

/// A registered client, with its secret when one was issued (shown once).
#[derive(Clone, Debug)]
pub struct Registered {
    /// The client.
    pub client: OAuthClientRecord,
    /// The secret, for confidential clients.
    pub secret: Option<String>,
}

fn metadata_error(d: impl Into<String>) -> OAuthError {
    OAuthError::new("invalid_client_metadata", d)
}

fn check_url(field: &str, v: Option<String>) -> OAuthResult<Option<String>> {
    let Some(v) = v.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()) else {
        return Ok(None);
    };
    if v.len() > MAX_URL_LEN {
        return Err(metadata_error(format!(
            "{field} may have at most {MAX_URL_LEN} characters"
        )));
    }
    match url::Url::parse(&v) {
        Ok(u) if u.scheme() == "https" && u.username().is_empty() && u.password().is_none() => {
            Ok(Some(v))
        }
        _ => Err(metadata_error(format!(
            "{field} must be an https URL, not `{}`",
            clip(&v)
        ))),
    }
}

/// Validated metadata: (name, redirect URIs, logo, homepage, auth method).
pub(super) type Checked = (String, Vec<String>, Option<String>, Option<String>, String);

pub(super) fn check_metadata(m: ClientMetadata) -> OAuthResult<Checked> {
    if m.redirect_uris.is_empty() {
        return Err(OAuthError::new(
            "invalid_redirect_uri",
            "register at least one redirect URI",
        ));
    }
    if m.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::new(
            "invalid_redirect_uri",
            format!("at most {MAX_REDIRECT_URIS} redirect URIs"),
        ));
    }
    for u in &m.redirect_uris {
        check_redirect_uri(u).map_err(|e| OAuthError::new("invalid_redirect_uri", e))?;
    }
    let name = m.client_name.unwrap_or_default().trim().to_owned();
    if name.chars().count() > MAX_NAME_LEN {
        return Err(metadata_error(format!(
            "client_name may have at most {MAX_NAME_LEN} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(metadata_error(
            "client_name must not contain control characters",
        ));
    }
    if let Some(g) = &m.grant_types
        && let Some(bad) = g
            .iter()
            .find(|x| !matches!(x.as_str(), "authorization_code" | "refresh_token"))
    {
        return Err(metadata_error(format!(
            "grant type `{}` is not offered to registered clients (authorization_code, refresh_token)",
            clip(bad)
        )));
    }
    if let Some(r) = &m.response_types
        && r.iter().any(|x| x != "code")
    {
        return Err(metadata_error("only the `code` response type is supported"));
    }
    let method = m
        .token_endpoint_auth_method
        .unwrap_or_else(|| "client_secret_basic".into());
    if !matches!(
        method.as_str(),
        "none" | "client_secret_basic" | "client_secret_post"
    ) {
        return Err(metadata_error(format!(
            "token_endpoint_auth_method `{}` is not supported (none, client_secret_basic, client_secret_post)",
            clip(&method)
        )));
    }
    let logo = check_url("logo_uri", m.logo_uri)?;
    let home = check_url("client_uri", m.client_uri)?;
    let name = if name.is_empty() {
        // Nameless clients are shown by their redirect host, never by a blank.
        m.redirect_uris
            .first()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "Unnamed app".into())
    } else {
        name
    };
    Ok((name, m.redirect_uris, logo, home, method))
}

fn new_secret(svc: &Services) -> (String, String, String) {
    let secret = svc.random_secret(OAUTH_CLIENT_SECRET_PREFIX);
    let hint: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (svc.key.hash_secret(&secret), hint, secret)
}

/// `POST /oauth/register` (RFC 7591): an unverified client. A client whose redirect URIs are
/// all on loopback is a native app and cannot keep a secret: it gets `none` whatever it asked
/// (RFC 7591 §3.2.1 lets the server answer with other values).
pub async fn register_dynamic(
    svc: &Services,
    m: ClientMetadata,
    ip: &str,
) -> OAuthResult<Registered> {
    let (name, redirect_uris, logo_uri, client_uri, mut method) = check_metadata(m)?;
    if redirect_uris.iter().all(|u| is_loopback_redirect(u)) {
        method = "none".into();
    }
    let now = svc.clock.now_ms();
    let (hash, hint, secret) = if method == "none" {
        (None, String::new(), None)
    } else {
        let (h, hint, s) = new_secret(svc);
        (Some(h), hint, Some(s))
    };
    let client = OAuthClientRecord {
        id: svc.new_id(OAuthClientId::PREFIX),
        kind: OAuthClientKind::Dynamic,
        company_id: None,
        name,
        logo_uri,
        client_uri,
        redirect_uris,
        secret_hash: hash,
        secret_hint: hint,
        auth_method: method,
        created_by: None,
        registered_ip: ip.to_owned(),
        created_at: now,
        updated_at: now,
        last_used_at: None,
        deleted_at: None,
        metadata_url: None,
    };
    let (who, event) = self_registered(&client, ip, "dynamic registration");
    svc.write(async |w| {
        w.store().insert_oauth_client(&client).await?;
        w.log_as(None, &who, event).await
    })
    .await?;
    Ok(Registered { client, secret })
}

/// Who made a client known (no company, no person: the address it came from) and the event.
fn self_registered(client: &OAuthClientRecord, ip: &str, how: &str) -> (Who, Event) {
    let who = Who {
        kind: "anonymous".into(),
        id: String::new(),
        label: client.name.clone(),
        ip: ip.to_owned(),
    };
    let event = Event::ok(
        "oauth.client_registered",
        "oauth_client",
        client.id.as_str(),
    )
    .reason(how)
    .details(serde_json::json!({
        "client_id": client.public_id(),
        "redirect_uris": client.redirect_uris,
    }));
    (who, event)
}

/// Logs a client that made itself known through a metadata document (stored by the caller).
pub(super) async fn log_self_registered(
    svc: &Services,
    client: &OAuthClientRecord,
    ip: &str,
    how: &str,
) -> Result<()> {
    let (who, event) = self_registered(client, ip, how);
    svc.activity.log_as(None, &who, event).await
}

/// What a person fills in under *Register OAuth App*.
#[derive(Clone, Debug, Default)]
pub struct NewOAuthClient {
    /// Name.
    pub name: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Logo URL.
    pub logo_uri: Option<String>,
    /// Homepage.
    pub client_uri: Option<String>,
    /// Confidential (gets a secret) or public (PKCE only).
    pub confidential: bool,
}

fn to_error(e: OAuthError) -> Error {
    Error::invalid(
        if e.code == "invalid_redirect_uri" {
            "redirect_uris"
        } else {
            "client"
        },
        e.description,
    )
}

/// *Register OAuth App*: a client verified by the company that registered it.
pub async fn register(svc: &Services, access: &Access, n: NewOAuthClient) -> Result<Registered> {
    access.require(Permission::AppConnectManage)?;
    let user = access.person()?.clone();
    if n.name.trim().is_empty() {
        return Err(Error::invalid("name", "give the app a name"));
    }
    let (name, redirect_uris, _, client_uri, _) = check_metadata(ClientMetadata {
        redirect_uris: n.redirect_uris,
        client_name: Some(n.name),
        client_uri: n.client_uri,
        ..Default::default()
    })
    .map_err(to_error)?;
    // The logo URL is checked by the fetch itself (https, or http in development mode).
    let logo_uri = n
        .logo_uri
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    let logo = match &logo_uri {
        Some(u) => Some(
            super::logos::fetch(svc, u)
                .await
                .map_err(|e| Error::invalid("logo_uri", e.to_string()))?,
        ),
        None => None,
    };
    let now = svc.clock.now_ms();
    let (hash, hint, secret, method) = if n.confidential {
        let (h, hint, s) = new_secret(svc);
        (Some(h), hint, Some(s), "client_secret_basic")
    } else {
        (None, String::new(), None, "none")
    };
    let client = OAuthClientRecord {
        id: svc.new_id(OAuthClientId::PREFIX),
        kind: OAuthClientKind::Registered,
        company_id: Some(access.company.id.clone()),
        name,
        logo_uri,
        client_uri,
        redirect_uris,
        secret_hash: hash,
        secret_hint: hint,
        auth_method: method.into(),
        created_by: Some(user),
        registered_ip: access.ip.clone(),
        created_at: now,
        updated_at: now,
        last_used_at: None,
        deleted_at: None,
        metadata_url: None,
    };
    svc.write(async |w| {
        w.store().insert_oauth_client(&client).await?;
        if let Some(png) = &logo {
            w.store().put_client_logo(&client.id, png, now).await?;
        }
        w.log(
            access,
            Event::ok(
                "oauth.client_registered",
                "oauth_client",
                client.id.as_str(),
            )
            .reason(if n.confidential {
                "confidential"
            } else {
                "public"
            }),
        )
        .await
    })
    .await?;
    Ok(Registered { client, secret })
}

/// A client registered by this company (for its pages).
pub async fn get(svc: &Services, access: &Access, id: &str) -> Result<OAuthClientRecord> {
    access.require(Permission::AppConnectManage)?;
    OAuthClientId::parse(id)
        .ok()
        .map(|id| async move { svc.store.oauth_client(&id).await })
        .ok_or(Error::NotFound("OAuth app"))?
        .await?
        .filter(|c| c.company_id.as_ref() == Some(&access.company.id) && c.deleted_at.is_none())
        .ok_or(Error::NotFound("OAuth app"))
}

/// A registered OAuth app's page.
#[derive(Clone, Debug)]
pub struct ClientDetail {
    /// The app.
    pub client: OAuthClientRecord,
    /// Who registered it: `Name (e-mail)`, or `a former member`.
    pub registered_by: String,
    /// The company's connections made through it.
    pub connections: Vec<super::connections::ConnectionView>,
    /// What was done to it (secret rotations) and through its connections' tokens, newest first.
    pub activity: Vec<newledger_store::ActivityRecord>,
}

/// One OAuth app registered by this company, with its connections and activity.
pub async fn detail(svc: &Services, access: &Access, id: &str) -> Result<ClientDetail> {
    let client = get(svc, access, id).await?;
    let registered_by = match &client.created_by {
        Some(u) => svc.store.user_by_id(u).await?.map_or_else(
            || "a former member".to_owned(),
            |u| format!("{} ({})", u.name, u.email),
        ),
        None => "dynamic registration".to_owned(),
    };
    let connections = super::connections::list(svc, access)
        .await?
        .into_iter()
        .filter(|c| c.connection.client_id == client.id)
        .collect();
    let activity = crate::views::activity::of_principal(svc, access, client.id.as_str()).await?;
    Ok(ClientDetail {
        client,
        registered_by,
        connections,
        activity,
    })
}

/// Clients registered by this company.
pub async fn list(svc: &Services, access: &Access) -> Result<Vec<OAuthClientRecord>> {
    access.require(Permission::AppConnectManage)?;
    Ok(svc.store.list_oauth_clients(&access.company.id).await?)
}

/// Replaces a confidential client's secret (returned once); the old one stops at once.
pub async fn rotate_secret(svc: &Services, access: &Access, id: &str) -> Result<String> {
    let mut c = get(svc, access, id).await?;
    if c.secret_hash.is_none() {
        return Err(Error::Conflict(
            "a public app has no secret to rotate".into(),
        ));
    }
    let (h, hint, secret) = new_secret(svc);
    c.secret_hash = Some(h);
    c.secret_hint = hint;
    c.updated_at = svc.clock.now_ms();
    svc.write(async |w| {
        w.store().update_oauth_client(&c).await?;
        w.credentials_changed();
        w.log(
            access,
            Event::ok("oauth.client_secret_rotated", "oauth_client", c.id.as_str()),
        )
        .await
    })
    .await?;
    Ok(secret)
}

/// Deletes a registered client: its connections' tokens stop working on every node.
pub async fn delete(svc: &Services, access: &Access, id: &str) -> Result<()> {
    let mut c = get(svc, access, id).await?;
    let now = svc.clock.now_ms();
    c.deleted_at = Some(now);
    c.updated_at = now;
    svc.write(async |w| {
        w.store().update_oauth_client(&c).await?;
        w.credentials_changed();
        w.log(
            access,
            Event::ok("oauth.client_deleted", "oauth_client", c.id.as_str()),
        )
        .await
    })
    .await
}

/// Authenticates a client at the token, revocation or introspection endpoint: a confidential
/// client must present its secret; a public one only its id (PKCE proves the rest).
pub async fn authenticate(
    svc: &Services,
    client_id: &str,
    secret: Option<&str>,
) -> OAuthResult<OAuthClientRecord> {
    let generic = || {
        OAuthError::new(
            "invalid_client",
            "client authentication failed: unknown client or wrong secret",
        )
    };
    // A metadata-document client is found by the id derived from its URL: the token endpoint
    // never makes the server fetch anything.
    let id = if is_client_id_url(client_id) {
        Some(super::client_document::derived_id(client_id))
    } else {
        OAuthClientId::parse(client_id).ok()
    };
    let client = match id {
        Some(id) => svc
            .auth_cache
            .oauth_client(svc, &id)
            .await?
            .filter(|c| c.metadata_url.as_deref().is_none_or(|u| u == client_id)),
        None => None,
    };
    let presented = secret.map(|s| svc.key.hash_secret(s));
    let Some(client) = client.filter(|c| c.deleted_at.is_none()) else {
        let _ = ct_eq(
            presented.as_deref().unwrap_or(""),
            &svc.key.hash_secret("nlcs_dummy"),
        );
        return Err(generic());
    };
    match (&client.secret_hash, presented) {
        (Some(h), Some(p)) if ct_eq(h, &p) => Ok((*client).clone()),
        (None, None) => Ok((*client).clone()),
        (None, Some(_)) => Err(OAuthError::new(
            "invalid_client",
            "this is a public client: send client_id alone, with PKCE",
        )),
        _ => Err(generic()),
    }
}

/// Purges dynamic clients never used.
pub async fn purge(svc: &Services) -> Result<u64> {
    let now = svc.clock.now_ms();
    let n = svc
        .store
        .purge_unused_dynamic_clients(now - UNUSED_DYNAMIC_CLIENT_MS)
        .await?;
    let m = svc
        .store
        .purge_oauth(now - super::REFRESH_ABSOLUTE_MS)
        .await?;
    Ok(n + m)
}
