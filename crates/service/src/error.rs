//! The service's one error type, chosen by what the caller must do. The web layer maps it once
//! per surface (problem+json, OAuth JSON, error page).

use newledger_domain::DomainError;
use newledger_domain::permission::Permission;
use newledger_store::StoreError;

/// A failed use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist (or is not visible to this caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Bad input; nothing was changed.
    #[error("{field}: {reason}")]
    Invalid {
        /// The offending field.
        field: String,
        /// What to fix.
        reason: String,
    },
    /// The request conflicts with the current state (wrong status, duplicate).
    #[error("{0}")]
    Conflict(String),
    /// The record changed since the caller read it (If-Match / version mismatch).
    #[error("the record changed since you read it; reload and try again")]
    Stale,
    /// Not signed in, bad credentials or token.
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in but not allowed.
    #[error("{reason}")]
    Forbidden {
        /// The permission that is missing, when that is the reason.
        permission: Option<Permission>,
        /// Explanation.
        reason: String,
    },
    /// The posting date is on or before the lock date.
    #[error("period is locked: {date} is on or before the lock date {lock_date}")]
    PeriodLocked {
        /// Refused date.
        date: chrono::NaiveDate,
        /// Lock date.
        lock_date: chrono::NaiveDate,
    },
    /// Too many attempts.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// A bug or an outage; details are logged, not shown.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Result of a use case.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A missing permission.
    pub fn missing(permission: Permission) -> Self {
        Error::Forbidden {
            permission: Some(permission),
            reason: format!("this needs the `{permission}` permission"),
        }
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, reason } => Error::Invalid { field, reason },
            DomainError::PeriodLocked { date, lock_date } => {
                Error::PeriodLocked { date, lock_date }
            }
            DomainError::Unbalanced { .. } => Error::invalid("lines", e.to_string()),
            DomainError::CurrencyMismatch(..) => Error::invalid("currency", e.to_string()),
            DomainError::Overflow => Error::invalid("amount", "amount out of range"),
            DomainError::State(s) => Error::Conflict(s),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound("record"),
            StoreError::Conflict { constraint } if constraint == "version" => Error::Stale,
            StoreError::Conflict { constraint } => {
                Error::Conflict(format!("conflict: {constraint}"))
            }
            StoreError::Rule(d) => d.into(),
            StoreError::Config(c) => Error::Internal(anyhow::anyhow!(c)),
            StoreError::Other(e) => Error::Internal(e),
        }
    }
}
