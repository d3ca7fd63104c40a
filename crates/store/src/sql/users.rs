//! People, TOTP state, recovery codes and sign-in throttling.

use super::{SqlStore, one_row, rows};
use crate::records::UserRecord;
use crate::{StoreResult, UserStore};
use async_trait::async_trait;
use newledger_domain::ids::UserId;

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, u: &UserRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, totp_secret, totp_enabled, totp_last_step,
             failed_logins, locked_until, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)",
        )
        .bind(u.id.as_str())
        .bind(&u.email)
        .bind(&u.name)
        .bind(&u.password_hash)
        .bind(u.totp_secret.clone())
        .bind(i64::from(u.totp_enabled))
        .bind(u.totp_last_step)
        .bind(u.failed_logins)
        .bind(u.locked_until)
        .bind(u.created_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let r = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::user).transpose()
    }

    async fn user_by_id(&self, id: &UserId) -> StoreResult<Option<UserRecord>> {
        let r = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::user).transpose()
    }

    async fn set_totp(
        &self,
        id: &UserId,
        secret: Option<&str>,
        enabled: bool,
        now: i64,
    ) -> StoreResult<()> {
        let r = sqlx::query(
            // Clearing the secret (a reset) also forgets the last used step: it belonged to
            // the old secret, and would refuse the new one's codes for up to a minute.
            "UPDATE users SET totp_secret = $2, totp_enabled = $3, updated_at = $4,
             totp_last_step = CASE WHEN $3 = 0 AND $2 IS NULL THEN 0 ELSE totp_last_step END
             WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(secret.map(str::to_owned))
        .bind(i64::from(enabled))
        .bind(now)
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "user")
    }

    async fn claim_totp_step(&self, id: &UserId, step: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
        )
        .bind(id.as_str())
        .bind(step)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn set_login_failures(
        &self,
        id: &UserId,
        failures: i64,
        locked_until: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(failures)
            .bind(locked_until)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn set_password_hash(&self, id: &UserId, hash: &str, now: i64) -> StoreResult<()> {
        let r = sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(hash)
            .bind(now)
            .execute(&self.write)
            .await?;
        one_row(r.rows_affected(), "user")
    }

    async fn replace_recovery_codes(&self, id: &UserId, hashes: &[String]) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(id.as_str())
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn use_recovery_code(&self, id: &UserId, hash: &str, now: i64) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(id.as_str())
            .bind(hash)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
