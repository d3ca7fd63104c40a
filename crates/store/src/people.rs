//! Storage of invitations and password reset links (tokens only as keyed hashes), and the
//! per-person view of web sessions. Every state change is a compare-and-set on `status` or
//! `used_at`, so a link is used once even when two nodes race.

use crate::StoreResult;
use crate::records::SessionRecord;
use async_trait::async_trait;
use newledger_domain::ids::{CompanyId, InvitationId, UserId};
use newledger_domain::role::Role;

/// An invitation to join a company with a role.
#[derive(Clone, Debug)]
pub struct InvitationRecord {
    /// Id (`ivt_…`).
    pub id: InvitationId,
    /// The company.
    pub company_id: CompanyId,
    /// Normalised e-mail it was sent to.
    pub email: String,
    /// Role given on acceptance.
    pub role: Role,
    /// Keyed hash of the current link's token.
    pub token_hash: String,
    /// Who invited (a person's id).
    pub invited_by: String,
    /// Their label when inviting.
    pub invited_by_label: String,
    /// `pending`, `accepted` or `revoked`.
    pub status: String,
    /// Created (ms).
    pub created_at: i64,
    /// Last (re)sent (ms).
    pub sent_at: i64,
    /// The link stops working at (ms).
    pub expires_at: i64,
    /// Accepted or revoked at (ms).
    pub ended_at: Option<i64>,
    /// The person who accepted.
    pub accepted_by: Option<UserId>,
}

/// A password reset link.
#[derive(Clone, Debug)]
pub struct PasswordResetRecord {
    /// Keyed hash of the token.
    pub token_hash: String,
    /// Whose password.
    pub user_id: UserId,
    /// Created (ms).
    pub created_at: i64,
    /// Stops working at (ms).
    pub expires_at: i64,
    /// Used at (ms).
    pub used_at: Option<i64>,
}

/// Invitations, reset links and a person's sessions.
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Adds an invitation.
    async fn insert_invitation(&self, i: &InvitationRecord) -> StoreResult<()>;
    /// An invitation by the hash of its link's token.
    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<InvitationRecord>>;
    /// An invitation of a company by id.
    async fn invitation(
        &self,
        company: &CompanyId,
        id: &InvitationId,
    ) -> StoreResult<Option<InvitationRecord>>;
    /// Pending invitations of a company (expired ones included), newest first.
    async fn pending_invitations(&self, company: &CompanyId) -> StoreResult<Vec<InvitationRecord>>;
    /// Gives a pending invitation a new link (the old one stops working); false unless pending.
    async fn renew_invitation(
        &self,
        id: &InvitationId,
        token_hash: &str,
        role: Role,
        sent_at: i64,
        expires_at: i64,
    ) -> StoreResult<bool>;
    /// Ends a pending invitation (`accepted` or `revoked`); false unless it was pending.
    async fn end_invitation(
        &self,
        id: &InvitationId,
        status: &str,
        accepted_by: Option<&UserId>,
        now: i64,
    ) -> StoreResult<bool>;

    /// Adds a reset link.
    async fn insert_password_reset(&self, r: &PasswordResetRecord) -> StoreResult<()>;
    /// A reset link by hash.
    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordResetRecord>>;
    /// Marks a reset link used if it is unused and not expired at `now`; false otherwise.
    async fn use_password_reset(&self, token_hash: &str, now: i64) -> StoreResult<bool>;
    /// Ends every unused reset link of a person (after a password change).
    async fn end_password_resets(&self, user: &UserId, now: i64) -> StoreResult<()>;
    /// Reset links of a person created at or after `since`.
    async fn count_password_resets(&self, user: &UserId, since: i64) -> StoreResult<i64>;

    /// A person's sessions, newest first.
    async fn sessions_of_user(&self, user: &UserId) -> StoreResult<Vec<SessionRecord>>;
    /// Ends every session of a person except `keep` (a session's id hash); returns how many.
    async fn end_sessions_of_user(&self, user: &UserId, keep: Option<&str>) -> StoreResult<u64>;
}
