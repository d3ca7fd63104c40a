//! The workspace web app over real HTTP (issue 4): sign-in with TOTP and enrolment, sessions,
//! security headers, permission checks on every page, CSRF refusal on every form, validation
//! messages, HTML escaping, drafts review and App Connect end to end. Flows that touch the
//! database the most also run on PostgreSQL when NEWLEDGER_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod access;
mod activity;
mod app_connect;
mod books;
mod contacts;
mod csrf;
mod documents;
mod integrations;
mod journal;
mod oauth_pages;
mod people;
mod settings;
mod signin;
