//! NewLedger's accounting domain: money, the permission catalogue, the chart of accounts,
//! balanced journal entries, invoices/bills/expenses and the pure report arithmetic.
//!
//! Nothing here does IO, reads a clock or knows about HTTP or SQL: callers pass time in and
//! persist what comes out. Invariants (entries balance, money is exact) are enforced by
//! validating constructors so that bad states cannot be built.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod account;
pub mod actor;
pub mod app;
pub mod company;
pub mod contact;
pub mod dates;
pub mod document;
pub mod error;
pub mod ids;
pub mod journal;
pub mod money;
pub mod oauth;
pub mod payment;
pub mod permission;
pub mod report;
pub mod role;

pub use error::DomainError;
