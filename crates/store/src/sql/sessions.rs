//! Web sessions and their pending one-time secret reveals.

use super::{SqlStore, rows};
use crate::records::*;
use crate::{SessionStore, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl SessionStore for SqlStore {
    async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, company_id, csrf_token, stage, created_at, last_seen_at, expires_at, ip, user_agent)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(&s.id_hash)
        .bind(s.user_id.as_str())
        .bind(s.company_id.as_ref().map(|c| c.to_string()))
        .bind(&s.csrf_token)
        .bind(&s.stage)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(&s.ip)
        .bind(&s.user_agent)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let r = sqlx::query("SELECT * FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::session).transpose()
    }

    async fn update_session(&self, s: &SessionRecord) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET company_id = $2, stage = $3, last_seen_at = $4, expires_at = $5 WHERE id_hash = $1")
            .bind(&s.id_hash)
            .bind(s.company_id.as_ref().map(|c| c.to_string()))
            .bind(&s.stage)
            .bind(s.last_seen_at)
            .bind(s.expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn put_reveal(&self, r: &RevealRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM secret_reveals WHERE session_hash = $1 AND app_id = $2")
            .bind(&r.session_hash)
            .bind(&r.app_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO secret_reveals (session_hash, app_id, rotated, sealed, expires_at) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(&r.session_hash)
        .bind(&r.app_id)
        .bind(i64::from(r.rotated))
        .bind(&r.sealed)
        .bind(r.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_reveal(
        &self,
        session_hash: &str,
        app_id: &str,
        now: i64,
    ) -> StoreResult<Option<RevealRecord>> {
        // One DELETE … RETURNING: of two concurrent loads, only one gets the row.
        let r = sqlx::query(
            "DELETE FROM secret_reveals WHERE session_hash = $1 AND app_id = $2
             RETURNING session_hash, app_id, rotated, sealed, expires_at",
        )
        .bind(session_hash)
        .bind(app_id)
        .fetch_optional(&self.write)
        .await?;
        sqlx::query("DELETE FROM secret_reveals WHERE session_hash = $1 AND expires_at <= $2")
            .bind(session_hash)
            .bind(now)
            .execute(&self.write)
            .await?;
        let Some(r) = r else { return Ok(None) };
        let rec = rows::reveal(&r)?;
        Ok((rec.expires_at > now).then_some(rec))
    }
}
