//! Configuration: flags > `NEWLEDGER_*` environment > TOML file (`--config`) > defaults.

use anyhow::{Context, bail};
use newledger_service::crypto::SecretKey;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Settings shared by every subcommand.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Common {
    /// TOML configuration file.
    #[arg(long, env = "NEWLEDGER_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE (default sqlite://newledger.db) or postgres://…
    #[arg(long, env = "NEWLEDGER_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

/// The file's keys (all optional).
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen address.
    pub listen: Option<String>,
    /// Database URL.
    pub database_url: Option<String>,
    /// Public base URL.
    pub base_url: Option<String>,
    /// Access token lifetime in seconds.
    pub access_token_ttl_secs: Option<u64>,
    /// Token endpoint rate per client per minute.
    pub token_rate_per_client: Option<u32>,
    /// Token endpoint rate per address per minute.
    pub token_rate_per_ip: Option<u32>,
    /// API rate per app per minute.
    pub api_rate_per_app: Option<u32>,
    /// Seconds a handler has to start its answer.
    pub request_timeout_secs: Option<u64>,
    /// Largest request body in bytes.
    pub body_limit: Option<usize>,
    /// Open MCP sessions per OAuth connection or app.
    pub mcp_sessions_per_connection: Option<usize>,
    /// Seconds an MCP session may stay unused.
    pub mcp_session_idle_secs: Option<u64>,
    /// Seconds in-flight requests get after a shutdown signal.
    pub shutdown_grace_secs: Option<u64>,
    /// Development only: client ID metadata documents from private addresses and over http.
    pub oauth_allow_private_client_metadata: Option<bool>,
    /// Seconds an idempotency claim without a stored response counts as running.
    pub idempotency_lease_secs: Option<u64>,
    /// SMTP server for invitations and password resets (may carry credentials).
    pub smtp_url: Option<Redacted>,
    /// From address of the mail sent.
    pub mail_from: Option<String>,
}

/// A setting that may carry a secret (an SMTP URL with a password): never printed by `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&newledger_store::redact_url(&self.0))
    }
}

impl std::str::FromStr for Redacted {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl Common {
    /// Reads the file named by `--config`, if any.
    pub fn file(&self) -> anyhow::Result<FileConfig> {
        match &self.config {
            None => Ok(FileConfig::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", p.display()))
            }
        }
    }

    /// The database URL after precedence.
    pub fn database_url(&self, file: &FileConfig) -> String {
        self.database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| "sqlite://newledger.db".into())
    }
}

/// The server key: `NEWLEDGER_SECRET_KEY` (64 hex characters), or on SQLite a key generated
/// once into `newledger.key` beside the database file (mode 0600).
pub fn secret_key(database_url: &str) -> anyhow::Result<SecretKey> {
    if let Ok(hex) = std::env::var("NEWLEDGER_SECRET_KEY") {
        return SecretKey::from_hex(&hex).context("NEWLEDGER_SECRET_KEY must be 64 hexadecimal characters (32 bytes); generate one with `openssl rand -hex 32`");
    }
    let Some(file) = sqlite_path(database_url) else {
        bail!(
            "NEWLEDGER_SECRET_KEY is required with PostgreSQL: every node must share the same key (generate one with `openssl rand -hex 32`)"
        );
    };
    let key_path = file.parent().map_or_else(
        || PathBuf::from("newledger.key"),
        |d| d.join("newledger.key"),
    );
    if let Ok(text) = std::fs::read_to_string(&key_path) {
        return SecretKey::from_hex(&text).with_context(|| format!("{} is corrupt; delete it only if you accept that every secret and session becomes invalid", key_path.display()));
    }
    let key = SecretKey::generate(&newledger_service::clock::SystemRandom);
    write_private(&key_path, &key.to_hex())
        .with_context(|| format!("cannot write {}", key_path.display()))?;
    Ok(key)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())
}

/// The file of a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}
