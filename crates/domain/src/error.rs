//! Errors raised by domain rules; the service layer maps them to its own error kinds.

/// A rule of the books that an input broke. Each variant names what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field's value is malformed or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which input field is wrong.
        field: String,
        /// What is wrong with it, in words a person can act on.
        reason: String,
    },
    /// Debits and credits of an entry differ.
    #[error("entry does not balance: debits {debits} ≠ credits {credits} (minor units)")]
    Unbalanced {
        /// Sum of debits in minor units.
        debits: i64,
        /// Sum of credits in minor units.
        credits: i64,
    },
    /// A date is on or before the company's lock date.
    #[error("period is locked: {date} is on or before the lock date {lock_date}")]
    PeriodLocked {
        /// The date that was refused.
        date: chrono::NaiveDate,
        /// The company's lock date.
        lock_date: chrono::NaiveDate,
    },
    /// Amounts in different currencies were combined.
    #[error("currency mismatch: {0} and {1}")]
    CurrencyMismatch(String, String),
    /// An amount left the range of exact integer arithmetic.
    #[error("amount out of range")]
    Overflow,
    /// The operation is not allowed in the record's current state.
    #[error("{0}")]
    State(String),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
