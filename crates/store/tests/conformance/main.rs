//! The storage conformance suite: every method of the store's role traits, each test run on
//! SQLite and, when `NEWLEDGER_TEST_DATABASE_URL` is set, on PostgreSQL (see
//! `newledger_testkit::db`). Each test gets fresh databases, so none relies on another's data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activity;
mod apps;
mod companies;
mod concurrency;
mod contacts;
mod documents;
mod entries;
mod files;
mod fixtures;
mod idempotency;
mod oauth;
mod payments;
mod reports;
mod sessions;
mod users;
mod work;
