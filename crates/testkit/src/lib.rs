//! Test helpers: fresh SQLite or PostgreSQL databases ([`db`]), and with the `app` feature the
//! real server on a random port plus fixtures (people with TOTP, companies, API credential apps).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod db;
pub mod faults;

#[cfg(feature = "app")]
pub mod app;
#[cfg(feature = "app")]
pub mod http;
#[cfg(feature = "app")]
pub mod oauth;
#[cfg(feature = "app")]
pub mod smtp;
#[cfg(feature = "app")]
pub use app::{Person, TestApp, spawn_app, spawn_app_with};
