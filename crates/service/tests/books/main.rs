//! Books use cases against the real store, on SQLite and (when NEWLEDGER_TEST_DATABASE_URL is
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! set) PostgreSQL: hand-computed report fixtures, accounting identities and a property test of
//! random operation sequences.

mod fixtures;
mod identities;
mod properties;
mod support;
