//! People: accounts with argon2id passwords, TOTP second factor with recovery codes,
//! sign-in throttling, web sessions, invitations, and recovery (reset links, second-factor
//! reset by an owner).

pub mod invitations;
pub mod recovery;
pub mod sessions;
pub mod signin;
pub mod throttle;
pub mod totp;
pub mod users;

pub use newledger_store::{InvitationRecord, MemberRecord, SessionRecord, UserRecord};
