//! Storage for NewLedger: one interface ([`Store`], split into role traits) and one SQL
//! implementation that runs on SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! All queries use portable SQL with `$n` placeholders (sqlx's SQLite driver binds them by
//! position), so each query is written once; dialect differences live in `sqlite.rs`,
//! `postgres.rs` and the two migration folders. The store never reads a clock: callers pass
//! `now` in milliseconds.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod error;
pub mod people;
pub mod postgres;
pub mod records;
mod sql;
pub mod sqlite;
mod traits;

pub use error::StoreError;
pub use people::*;
pub use records::*;
pub use sql::SqlStore;
pub use traits::*;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Detects the backend from a database URL.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL `{}`: use sqlite://FILE or postgres://…",
                redact_url(url)
            )))
        }
    }
}

/// A URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
