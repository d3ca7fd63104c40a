//! The ledger export and the general ledger, proven against independent engines: the demo
//! company and property-generated ledgers are exported through the REST API and read by
//! hledger (1.25), bean-check and bean-query (beancount 3.2.3 + beanquery), whose trial
//! balance, balance sheet and profit and loss must equal NewLedger's to the cent.
//!
//! Tools are found on PATH or through `NEWLEDGER_HLEDGER`, `NEWLEDGER_BEAN_CHECK`,
//! `NEWLEDGER_BEAN_QUERY` (ledger-cli, optional, `NEWLEDGER_LEDGER`). A missing tool is
//! reported as "skipped: …" unless `NEWLEDGER_REQUIRE_ALL=1`, under which it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod check;
mod demo;
mod formulas;
mod gl;
mod props;
mod tools;
