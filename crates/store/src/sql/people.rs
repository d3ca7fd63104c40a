//! Invitations, password reset links and a person's sessions.

use super::{SqlStore, rows};
use crate::people::{InvitationRecord, PasswordResetRecord, PeopleStore};
use crate::records::SessionRecord;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use newledger_domain::ids::{CompanyId, InvitationId, UserId};
use newledger_domain::role::Role;
use sqlx::any::AnyRow;

fn invitation(r: &AnyRow) -> StoreResult<InvitationRecord> {
    Ok(InvitationRecord {
        id: rows::id(r, "id")?,
        company_id: rows::id(r, "company_id")?,
        email: rows::s(r, "email")?,
        role: Role::parse(&rows::s(r, "role")?).map_err(rows::corrupt)?,
        token_hash: rows::s(r, "token_hash")?,
        invited_by: rows::s(r, "invited_by")?,
        invited_by_label: rows::s(r, "invited_by_label")?,
        status: rows::s(r, "status")?,
        created_at: rows::i(r, "created_at")?,
        sent_at: rows::i(r, "sent_at")?,
        expires_at: rows::i(r, "expires_at")?,
        ended_at: rows::oi(r, "ended_at")?,
        accepted_by: rows::oid(r, "accepted_by")?,
    })
}

fn reset(r: &AnyRow) -> StoreResult<PasswordResetRecord> {
    Ok(PasswordResetRecord {
        token_hash: rows::s(r, "token_hash")?,
        user_id: rows::id(r, "user_id")?,
        created_at: rows::i(r, "created_at")?,
        expires_at: rows::i(r, "expires_at")?,
        used_at: rows::oi(r, "used_at")?,
    })
}

#[async_trait]
impl PeopleStore for SqlStore {
    async fn insert_invitation(&self, i: &InvitationRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO invitations (id, company_id, email, role, token_hash, invited_by,
             invited_by_label, status, created_at, sent_at, expires_at, ended_at, accepted_by)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(i.id.as_str())
        .bind(i.company_id.as_str())
        .bind(&i.email)
        .bind(i.role.as_str())
        .bind(&i.token_hash)
        .bind(&i.invited_by)
        .bind(&i.invited_by_label)
        .bind(&i.status)
        .bind(i.created_at)
        .bind(i.sent_at)
        .bind(i.expires_at)
        .bind(i.ended_at)
        .bind(i.accepted_by.as_ref().map(|u| u.to_string()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<InvitationRecord>> {
        let r = sqlx::query("SELECT * FROM invitations WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(invitation).transpose()
    }

    async fn invitation(
        &self,
        company: &CompanyId,
        id: &InvitationId,
    ) -> StoreResult<Option<InvitationRecord>> {
        let r = sqlx::query("SELECT * FROM invitations WHERE company_id = $1 AND id = $2")
            .bind(company.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(invitation).transpose()
    }

    async fn pending_invitations(&self, company: &CompanyId) -> StoreResult<Vec<InvitationRecord>> {
        let rs = sqlx::query(
            "SELECT * FROM invitations WHERE company_id = $1 AND status = 'pending'
             ORDER BY created_at DESC, id DESC LIMIT 500",
        )
        .bind(company.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter().map(invitation).collect()
    }

    async fn renew_invitation(
        &self,
        id: &InvitationId,
        token_hash: &str,
        role: Role,
        sent_at: i64,
        expires_at: i64,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE invitations SET token_hash = $2, role = $3, sent_at = $4, expires_at = $5
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id.as_str())
        .bind(token_hash)
        .bind(role.as_str())
        .bind(sent_at)
        .bind(expires_at)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn end_invitation(
        &self,
        id: &InvitationId,
        status: &str,
        accepted_by: Option<&UserId>,
        now: i64,
    ) -> StoreResult<bool> {
        if status == "pending" {
            return Err(StoreError::Other(anyhow::anyhow!(
                "an invitation ends as accepted or revoked"
            )));
        }
        let r = sqlx::query(
            "UPDATE invitations SET status = $2, accepted_by = $3, ended_at = $4
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id.as_str())
        .bind(status)
        .bind(accepted_by.map(|u| u.to_string()))
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn insert_password_reset(&self, p: &PasswordResetRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, used_at)
             VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(&p.token_hash)
        .bind(p.user_id.as_str())
        .bind(p.created_at)
        .bind(p.expires_at)
        .bind(p.used_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordResetRecord>> {
        let r = sqlx::query("SELECT * FROM password_resets WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(reset).transpose()
    }

    async fn use_password_reset(&self, token_hash: &str, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE password_resets SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn end_password_resets(&self, user: &UserId, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.as_str())
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn count_password_resets(&self, user: &UserId, since: i64) -> StoreResult<i64> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM password_resets WHERE user_id = $1 AND created_at >= $2",
        )
        .bind(user.as_str())
        .bind(since)
        .fetch_one(&self.read)
        .await?;
        rows::i(&r, "n")
    }

    async fn sessions_of_user(&self, user: &UserId) -> StoreResult<Vec<SessionRecord>> {
        let rs = sqlx::query(
            "SELECT * FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 200",
        )
        .bind(user.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter().map(rows::session).collect()
    }

    async fn end_sessions_of_user(&self, user: &UserId, keep: Option<&str>) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user.as_str())
            .bind(keep.unwrap_or(""))
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected())
    }
}
