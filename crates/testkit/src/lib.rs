//! Test helpers: fresh SQLite or PostgreSQL databases, the real server on a random port, and
//! fixtures (people with TOTP, companies, API credential apps).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;

pub use app::{spawn_app, spawn_app_with, Person, TestApp};
