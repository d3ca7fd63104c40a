//! Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document; the MCP
//! authorization spec's preferred registration): a client whose `client_id` is an HTTPS URL is
//! known by the JSON document served there. This module fetches that document safely, checks
//! it, and keeps one `oauth_clients` row per URL (its `oac_` id derived from the URL) so that
//! connections, codes and refresh tokens refer to it like any other client.
//!
//! The fetch is the server requesting a URL chosen by anyone, so it is fenced in
//! ([`HttpFetcher`]): HTTPS only; redirects are never followed; the name is resolved by our
//! own resolver, which drops every special-use address (loopback, private, link-local, …), and
//! the connection goes to exactly the addresses it returned (no second lookup, so no window
//! between check and use); an IP literal is checked before anything is sent; no proxy from the
//! environment; at most [`MAX_DOCUMENT_BYTES`] read, [`FETCH_TIMEOUT`] in all. The development
//! mode (`--oauth-allow-private-client-metadata`, off by default) lifts the address check and
//! accepts `http://` so that a client on the developer's machine can serve its document.
//!
//! A valid document is remembered per node for its `Cache-Control: max-age`, clamped to
//! [`MIN_CACHE`]–[`MAX_CACHE`]; failures and invalid documents are never cached. Only the
//! authorization request fetches: the token, revocation and introspection endpoints look the
//! client up by its derived id, and never make the server fetch anything.

use super::clients::{ClientMetadata, check_metadata, log_self_registered};
use crate::activity::{Event, Who};
use crate::{Error, Services};
use async_trait::async_trait;
use newledger_domain::ids::OAuthClientId;
use newledger_domain::oauth::{check_client_id_url, clip, is_public_address};
use newledger_store::{OAuthClientKind, OAuthClientRecord};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest document read (the draft recommends 5 KB).
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// Time for the whole fetch: connect, TLS, headers and body.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Time to connect.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Shortest time a valid document is kept (also for `no-store`/`no-cache`: an authorization
/// request must not turn into a stream of fetches).
pub const MIN_CACHE: Duration = Duration::from_secs(60);
/// Longest time a valid document is kept, whatever its headers say.
pub const MAX_CACHE: Duration = Duration::from_secs(24 * 3600);
/// Time kept when the response says nothing about caching.
pub const DEFAULT_CACHE: Duration = Duration::from_secs(300);
/// Documents remembered per node (past it, the cache starts over).
pub const MAX_CACHED: usize = 1000;

/// Why a document could not be fetched. The messages are shown to the person at the
/// authorization request and recorded in the activity log.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The host resolves only to special-use addresses (or is one).
    #[error(
        "its address is private, loopback, link-local or otherwise not public, so NewLedger will not fetch it"
    )]
    PrivateAddress,
    /// A 3xx answer.
    #[error(
        "it answered with a redirect (HTTP {0}); a client's document must be served at its client_id URL itself"
    )]
    Redirect(u16),
    /// Any other non-200 status.
    #[error("it answered HTTP {0} instead of 200")]
    Status(u16),
    /// Not of the kind asked for.
    #[error("it is not served as {wanted} (Content-Type `{found}`)")]
    ContentType {
        /// The kind asked for, in words.
        wanted: &'static str,
        /// The Content-Type it came with.
        found: String,
    },
    /// Larger than the limit of what was asked for.
    #[error("it is larger than {0} bytes")]
    TooLarge(usize),
    /// Slower than [`FETCH_TIMEOUT`].
    #[error("it did not answer within {} seconds", FETCH_TIMEOUT.as_secs())]
    Timeout,
    /// Connection or TLS failure.
    #[error("it could not be reached ({0})")]
    Unreachable(String),
}

/// A document as served: its bytes and how long it may be kept.
#[derive(Clone, Debug)]
pub struct FetchedDocument {
    /// The body (at most [`MAX_DOCUMENT_BYTES`]).
    pub body: Vec<u8>,
    /// Lifetime from the response's cache headers, already clamped.
    pub max_age: Duration,
}

/// Fetches what clients publish about themselves — their metadata documents and logos —
/// within the same fences; [`HttpFetcher`] in the server, anything in tests.
#[async_trait]
pub trait DocumentFetcher: Send + Sync {
    /// GETs `url` (already checked to be a client identifier URL).
    async fn fetch(&self, url: &url::Url) -> Result<FetchedDocument, FetchError>;
    /// GETs a logo: a PNG, JPEG, GIF or WebP image of at most `max_bytes`.
    async fn fetch_image(&self, url: &url::Url, max_bytes: usize) -> Result<Vec<u8>, FetchError>;
}

/// What a GET accepts: the kind in words, its media types and the largest body.
struct Wanted {
    words: &'static str,
    accept: &'static str,
    type_ok: fn(&str) -> bool,
    max_bytes: usize,
}

fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn is_raster_image(essence: &str) -> bool {
    matches!(
        essence,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Resolves names to public addresses only; the HTTP client connects to what it returns.
struct PublicResolver;

#[derive(Debug, thiserror::Error)]
#[error("the name resolves to no public address")]
struct NoPublicAddress;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public_address(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(NoPublicAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The server's fetcher (see the module documentation for its fences).
pub struct HttpFetcher {
    /// The client, or why it could not be built (then every fetch fails with that reason).
    http: std::result::Result<reqwest::Client, String>,
    allow_private: bool,
}

impl HttpFetcher {
    /// A fetcher; `allow_private` is the development mode (private addresses and `http://`).
    pub fn new(allow_private: bool) -> Self {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("NewLedger/", env!("CARGO_PKG_VERSION")))
            .https_only(!allow_private);
        if !allow_private {
            b = b.dns_resolver(Arc::new(PublicResolver));
        }
        Self {
            http: b
                .build()
                .map_err(|e| format!("no HTTP client for client documents: {e}")),
            allow_private,
        }
    }
}

fn classify(e: &reqwest::Error) -> FetchError {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if s.is::<NoPublicAddress>() {
            return FetchError::PrivateAddress;
        }
        src = s.source();
    }
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        FetchError::Unreachable(clip(&msg))
    }
}

/// Lifetime from `Cache-Control` (max-age, no-store, no-cache), clamped to the bounds.
pub fn cache_lifetime(cache_control: Option<&str>) -> Duration {
    let Some(cc) = cache_control else {
        return DEFAULT_CACHE;
    };
    let mut age = None;
    for d in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if d == "no-store" || d == "no-cache" {
            return MIN_CACHE;
        }
        if let Some(v) = d.strip_prefix("max-age=") {
            age = v
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    age.unwrap_or(DEFAULT_CACHE).clamp(MIN_CACHE, MAX_CACHE)
}

impl HttpFetcher {
    /// One GET within the fences: public addresses only (unless in development mode), no
    /// redirects, status 200, the wanted media type, at most the wanted size (checked while
    /// reading, whatever Content-Length says).
    async fn get(
        &self,
        url: &url::Url,
        want: Wanted,
    ) -> Result<(Vec<u8>, Option<String>), FetchError> {
        // IP literals never reach the resolver: check them here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(a)) => Some(std::net::IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => Some(std::net::IpAddr::V6(a)),
            _ => None,
        };
        if !self.allow_private && literal.is_some_and(|ip| !is_public_address(ip)) {
            return Err(FetchError::PrivateAddress);
        }
        let http = self
            .http
            .as_ref()
            .map_err(|e| FetchError::Unreachable(e.clone()))?;
        let mut r = http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, want.accept)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = r.status().as_u16();
        if r.status().is_redirection() {
            return Err(FetchError::Redirect(status));
        }
        if status != 200 {
            return Err(FetchError::Status(status));
        }
        let header = |n: reqwest::header::HeaderName| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let ctype = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let essence = ctype
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !(want.type_ok)(&essence) {
            return Err(FetchError::ContentType {
                wanted: want.words,
                found: clip(&ctype),
            });
        }
        let cache_control = header(reqwest::header::CACHE_CONTROL);
        if r.content_length()
            .is_some_and(|n| n > want.max_bytes as u64)
        {
            return Err(FetchError::TooLarge(want.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = r.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > want.max_bytes {
                return Err(FetchError::TooLarge(want.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, cache_control))
    }
}

#[async_trait]
impl DocumentFetcher for HttpFetcher {
    async fn fetch(&self, url: &url::Url) -> Result<FetchedDocument, FetchError> {
        let want = Wanted {
            words: "JSON",
            accept: "application/json",
            type_ok: is_json,
            max_bytes: MAX_DOCUMENT_BYTES,
        };
        let (body, cache_control) = self.get(url, want).await?;
        let max_age = cache_lifetime(cache_control.as_deref());
        Ok(FetchedDocument { body, max_age })
    }

    async fn fetch_image(&self, url: &url::Url, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
        let want = Wanted {
            words: "a PNG, JPEG, GIF or WebP image",
            accept: "image/png, image/jpeg, image/gif, image/webp",
            type_ok: is_raster_image,
            max_bytes,
        };
        Ok(self.get(url, want).await?.0)
    }
}

/// The document's members we read; everything else is ignored (RFC 7591 metadata is open).
#[derive(Deserialize)]
struct Document {
    client_id: String,
    #[serde(flatten)]
    metadata: ClientMetadata,
    client_secret: Option<serde_json::Value>,
}

/// The `oac_` id of the client known by `url` (the same on every node and at every fetch).
pub fn derived_id(url: &str) -> OAuthClientId {
    let digest = Sha256::digest(url.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    OAuthClientId::from_suffix(&format!("md{hex}"))
}

/// Checks a fetched document against the URL it came from; returns the client's row as it
/// should be now.
fn check_document(
    url: &str,
    body: &[u8],
    now: i64,
    previous: Option<&OAuthClientRecord>,
) -> std::result::Result<OAuthClientRecord, String> {
    let doc: Document = serde_json::from_slice(body)
        .map_err(|e| format!("it is not a JSON object with client metadata ({e})"))?;
    if doc.client_id != url {
        return Err(format!(
            "its client_id is `{}`, not the URL it was fetched from",
            clip(&doc.client_id)
        ));
    }
    if doc.client_secret.is_some() {
        return Err("it contains a client_secret, which a public document must never carry".into());
    }
    let mut m = doc.metadata;
    // No secret can be agreed through a public document: `none` (PKCE) is the only method.
    match m.token_endpoint_auth_method.as_deref() {
        None | Some("none") => m.token_endpoint_auth_method = Some("none".into()),
        Some(other) => {
            return Err(format!(
                "its token_endpoint_auth_method is `{}`; a client known by a metadata document authenticates with `none` (PKCE)",
                clip(other)
            ));
        }
    }
    let (name, redirect_uris, logo_uri, client_uri, _) =
        check_metadata(m).map_err(|e| e.description)?;
    Ok(OAuthClientRecord {
        id: derived_id(url),
        kind: OAuthClientKind::MetadataDocument,
        company_id: None,
        name,
        logo_uri,
        client_uri,
        redirect_uris,
        secret_hash: None,
        secret_hint: String::new(),
        auth_method: "none".into(),
        created_by: None,
        registered_ip: String::new(),
        created_at: previous.map_or(now, |p| p.created_at),
        updated_at: now,
        last_used_at: previous.and_then(|p| p.last_used_at),
        deleted_at: None,
        metadata_url: Some(url.to_owned()),
    })
}

/// Client documents of one node: the fetcher and what it fetched recently.
pub struct ClientDocuments {
    fetcher: Arc<dyn DocumentFetcher>,
    allow_http: bool,
    /// URL → fresh until (ms).
    fresh: Mutex<HashMap<String, i64>>,
}

impl ClientDocuments {
    /// Documents fetched by `fetcher`; `allow_http` is the development mode's.
    pub fn new(fetcher: Arc<dyn DocumentFetcher>, allow_http: bool) -> Self {
        Self {
            fetcher,
            allow_http,
            fresh: Mutex::new(HashMap::new()),
        }
    }

    /// The fetcher (also for registered apps' logos).
    pub fn fetcher(&self) -> &dyn DocumentFetcher {
        &*self.fetcher
    }

    /// True in development mode: `http://` and private addresses are fetched.
    pub fn allow_http(&self) -> bool {
        self.allow_http
    }

    fn is_fresh(&self, url: &str, now: i64) -> bool {
        let m = self.fresh.lock().unwrap_or_else(|p| p.into_inner());
        m.get(url).is_some_and(|until| *until > now)
    }

    fn remember(&self, url: &str, until: i64) {
        let mut m = self.fresh.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MAX_CACHED {
            m.clear();
        }
        m.insert(url.to_owned(), until);
    }
}

impl std::fmt::Debug for ClientDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientDocuments")
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

/// Why a client known by its document cannot be used.
#[derive(Debug)]
pub enum ResolveError {
    /// Bad URL, failed fetch or invalid document: say this to the person (nothing is sent to
    /// the client, whose redirect URIs are not known).
    Refused(String),
    /// A fault.
    Internal(Error),
}

impl From<newledger_store::StoreError> for ResolveError {
    fn from(e: newledger_store::StoreError) -> Self {
        ResolveError::Internal(e.into())
    }
}

/// The client whose `client_id` is `url`, from a fresh document (fetched now unless this node
/// fetched it within its cache lifetime). A failure is logged, never cached.
pub async fn resolve(
    svc: &Services,
    url: &str,
    ip: &str,
) -> std::result::Result<OAuthClientRecord, ResolveError> {
    let docs = &svc.client_documents;
    let id = derived_id(url);
    let now = svc.clock.now_ms();
    let stored = svc.store.oauth_client(&id).await?;
    if let Some(c) = &stored
        && c.deleted_at.is_none()
        && docs.is_fresh(url, now)
    {
        return Ok(c.clone());
    }
    let fetched = match check_client_id_url(url, docs.allow_http) {
        Err(e) => Err(format!(
            "its client_id is not a valid client identifier URL: {e}"
        )),
        Ok(u) => match docs.fetcher.fetch(&u).await {
            Err(e) => Err(format!(
                "NewLedger could not use the document at its client_id URL: {e}"
            )),
            Ok(d) => check_document(url, &d.body, now, stored.as_ref())
                .map(|c| (c, d.max_age))
                .map_err(|e| format!("the document at its client_id URL is not acceptable: {e}")),
        },
    };
    let (client, max_age) = match fetched {
        Ok(x) => x,
        Err(reason) => {
            let who = Who {
                kind: "anonymous".into(),
                id: String::new(),
                label: clip(url),
                ip: ip.to_owned(),
            };
            svc.activity
                .log_folded(
                    None,
                    &who,
                    Event::failed(
                        "oauth.client_metadata_failed",
                        "oauth_client",
                        id.as_str(),
                        reason.clone(),
                    )
                    .details(serde_json::json!({"client_id": url})),
                )
                .await
                .map_err(ResolveError::Internal)?;
            return Err(ResolveError::Refused(reason));
        }
    };
    match &stored {
        None => {
            if let Err(e) = svc.store.insert_oauth_client(&client).await {
                // Another request (or node) stored it first: use the latest document anyway.
                tracing::debug!(error = %e, "client document row inserted concurrently");
                svc.store.update_oauth_client(&client).await?;
            }
            log_self_registered(svc, &client, ip, "client ID metadata document")
                .await
                .map_err(ResolveError::Internal)?;
        }
        Some(old) => {
            let changed = old.name != client.name
                || old.logo_uri != client.logo_uri
                || old.client_uri != client.client_uri
                || old.redirect_uris != client.redirect_uris
                || old.deleted_at.is_some();
            if changed {
                svc.store.update_oauth_client(&client).await?;
                // Token endpoints read clients through the cache: make every node re-read.
                svc.auth_cache
                    .invalidate(svc)
                    .await
                    .map_err(ResolveError::Internal)?;
            }
        }
    }
    docs.remember(
        url,
        now + i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX),
    );
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_lifetime_follows_headers_within_bounds() {
        assert_eq!(cache_lifetime(None), DEFAULT_CACHE);
        assert_eq!(
            cache_lifetime(Some("public, max-age=600")),
            Duration::from_secs(600)
        );
        assert_eq!(cache_lifetime(Some("max-age=5")), MIN_CACHE);
        assert_eq!(cache_lifetime(Some("max-age=99999999")), MAX_CACHE);
        assert_eq!(cache_lifetime(Some("no-store")), MIN_CACHE);
        assert_eq!(cache_lifetime(Some("private")), DEFAULT_CACHE);
    }

    #[test]
    fn documents_are_checked_against_their_url() {
        let url = "https://app.example.com/client.json";
        let doc = |v: serde_json::Value| serde_json::to_vec(&v).unwrap_or_default();
        let good = doc(serde_json::json!({
            "client_id": url, "client_name": "Helper",
            "redirect_uris": ["http://127.0.0.1:33418/cb"],
        }));
        let c = check_document(url, &good, 1, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.id, derived_id(url));
        assert_eq!(c.public_id(), url);
        assert_eq!(c.auth_method, "none");
        assert_eq!(c.kind, OAuthClientKind::MetadataDocument);
        let other = doc(serde_json::json!({
            "client_id": "https://evil.example.com/client.json",
            "redirect_uris": ["https://evil.example.com/cb"],
        }));
        assert!(check_document(url, &other, 1, None).is_err_and(|e| e.contains("client_id")));
        let secret = doc(serde_json::json!({
            "client_id": url, "redirect_uris": ["https://a.example.com/cb"],
            "token_endpoint_auth_method": "client_secret_basic",
        }));
        assert!(check_document(url, &secret, 1, None).is_err());
        let none = doc(serde_json::json!({"client_id": url, "redirect_uris": []}));
        assert!(check_document(url, &none, 1, None).is_err());
        assert!(check_document(url, b"[1,2]", 1, None).is_err());
        assert_ne!(
            derived_id(url),
            derived_id("https://app.example.com/client2.json")
        );
    }
}
