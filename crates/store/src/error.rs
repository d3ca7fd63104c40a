//! The store's error kinds; sqlx errors are translated here, in one place.

/// What went wrong in the store, in terms the service can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or compare-and-set condition failed (`constraint` names which).
    #[error("conflict on {constraint}")]
    Conflict {
        /// The constraint or condition that failed.
        constraint: String,
    },
    /// A rule checked inside a transaction refused the write (e.g. the lock date).
    #[error("{0}")]
    Rule(#[from] newledger_domain::DomainError),
    /// Bad configuration (database URL, options).
    #[error("{0}")]
    Config(String),
    /// Anything else: connection loss, corrupt data.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// A compare-and-set failure.
    pub fn conflict(constraint: &str) -> Self {
        StoreError::Conflict {
            constraint: constraint.to_owned(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                constraint: db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned()),
            },
            _ => StoreError::Other(anyhow::Error::new(e)),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Other(anyhow::Error::new(e))
    }
}
