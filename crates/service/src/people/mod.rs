//! People: accounts with argon2id passwords, TOTP second factor with recovery codes,
//! sign-in throttling and web sessions.

pub mod sessions;
pub mod signin;
pub mod throttle;
pub mod totp;
pub mod users;

pub use newledger_store::{SessionRecord, UserRecord};
