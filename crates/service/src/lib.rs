//! NewLedger's use cases. Each public function takes an [`Access`] (who is acting, in which
//! company, with which effective permissions), reads the clock once, applies the domain rules,
//! writes through the store and records the activity log. Nothing here knows about HTTP.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod access;
pub mod activity;
pub mod app_connect;
pub mod books;
pub mod clock;
pub mod company;
pub mod crypto;
pub mod demo;
mod error;
pub mod general_ledger;
pub mod idempotency;
pub mod ledger_export;
pub mod mail;
pub mod oauth;
pub mod people;
pub mod reports;
pub mod views;
pub mod work;

pub use access::Access;
pub use error::{Error, Result};

use app_connect::cache::AuthCache;
use app_connect::usage::UsageTracker;
use clock::{Clock, Ids, Random, SystemRandom};
use crypto::SecretKey;
use newledger_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Settings the use cases depend on.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Public origin (`https://books.example.com`), used in audiences and links.
    pub base_url: String,
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// Idle timeout of web sessions.
    pub session_idle: Duration,
    /// Absolute lifetime of web sessions.
    pub session_max: Duration,
    /// Development only: fetch client ID metadata documents from private, loopback and
    /// link-local addresses and over plain `http://` (`--oauth-allow-private-client-metadata`).
    pub allow_private_client_metadata: bool,
    /// How long an `Idempotency-Key` claim without a stored response counts as still running;
    /// the first same-body retry after it takes the claim over (`--idempotency-lease-secs`).
    /// Only a process that died mid-write leaves such a claim, so keep it above the longest write.
    pub idempotency_lease: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            allow_private_client_metadata: false,
            idempotency_lease: Duration::from_secs(60),
        }
    }
}

/// Everything a use case needs: the store, the clock, the server key, caches.
#[derive(Clone)]
pub struct Services {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Time source (injected so tests control it).
    pub clock: Arc<dyn Clock>,
    /// Random source (injected beside the clock): secrets, salts, nonces, ids.
    pub random: Arc<dyn Random>,
    /// New ids, from the clock and the random source.
    pub ids: Arc<Ids>,
    /// Server key (secret-hash pepper, token MAC key).
    pub key: Arc<SecretKey>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Credential and membership cache, invalidated across nodes.
    pub auth_cache: Arc<AuthCache>,
    /// Batched last-used counters of apps.
    pub usage: Arc<UsageTracker>,
    /// When this node last wrote each OAuth connection's last-used time.
    pub connection_uses: Arc<oauth::last_used::RecentUses>,
    /// Activity log writer (with failure folding).
    pub activity: Arc<activity::ActivityLog>,
    /// Documents by id for the read path, invalidated with the auth cache's generation.
    pub documents: Arc<books::cache::DocumentCache>,
    /// Read-model results (list pages, reports), invalidated like the documents.
    pub views: Arc<views::cache::ReadCache>,
    /// Sign-in failure counts per (e-mail, address).
    pub signin_throttle: Arc<people::throttle::SigninThrottle>,
    /// Client ID metadata documents: the fetcher and this node's freshness cache.
    pub client_documents: Arc<oauth::client_document::ClientDocuments>,
    /// Outgoing mail (invitations, password resets); off unless SMTP is configured.
    pub mailer: Arc<mail::Mailer>,
}

impl Services {
    /// Assembles the services.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        key: SecretKey,
        settings: Settings,
    ) -> Self {
        Self {
            activity: Arc::new(activity::ActivityLog::new(store.clone(), clock.clone())),
            auth_cache: Arc::new(AuthCache::default()),
            documents: Arc::new(books::cache::DocumentCache::default()),
            views: Arc::default(),
            usage: Arc::new(UsageTracker::default()),
            connection_uses: Arc::default(),
            signin_throttle: Arc::default(),
            client_documents: Arc::new(oauth::client_document::ClientDocuments::new(
                Arc::new(oauth::client_document::HttpFetcher::new(
                    settings.allow_private_client_metadata,
                )),
                settings.allow_private_client_metadata,
            )),
            mailer: Arc::new(mail::Mailer::off()),
            store,
            clock,
            random: Arc::new(SystemRandom),
            ids: Arc::default(),
            key: Arc::new(key),
            settings: Arc::new(settings),
        }
    }

    /// True when the database answers (readiness).
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// Writes out the usage counters buffered in memory (every few seconds).
    pub async fn flush_usage(&self) -> Result<()> {
        let usage = self.usage.drain();
        Ok(self.store.flush_app_usage(&usage).await?)
    }

    /// The services with another random source (tests: a [`clock::SeededRandom`]).
    pub fn with_random(mut self, random: Arc<dyn Random>) -> Self {
        self.random = random;
        self
    }

    /// The services with a mail component (SMTP configured at start).
    pub fn with_mailer(mut self, mailer: mail::Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self
    }

    /// A new id with the given type prefix (a ULID of the clock's instant: sortable by
    /// creation time).
    pub fn new_id<T: std::str::FromStr>(&self, prefix: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        let ulid = self.ids.next(self.clock.now_ms(), &*self.random);
        let raw = format!("{prefix}{}", ulid.to_string().to_ascii_lowercase());
        match raw.parse() {
            Ok(id) => id,
            // The prefix comes from the id type itself, so this cannot fail; keep a clear message.
            Err(e) => unreachable!("generated id {raw} rejected: {e:?}"),
        }
    }

    /// `prefix` + 256 random bits, base64url (client secrets, session cookies, codes).
    pub fn random_secret(&self, prefix: &str) -> String {
        crypto::random_secret(&*self.random, prefix)
    }

    /// Writes out everything buffered in memory (usage counters, folded failures); called by
    /// the background task and at shutdown.
    pub async fn flush(&self) -> Result<()> {
        let usage = self.usage.drain();
        self.store.flush_app_usage(&usage).await?;
        self.activity.flush_folded(true).await?;
        Ok(())
    }
}
