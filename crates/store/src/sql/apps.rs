//! API credential apps: lifecycle writes and batched usage counters.

use super::{SqlStore, one_row, rows};
use crate::{AppStore, StoreResult};
use async_trait::async_trait;
use newledger_domain::app::App;
use newledger_domain::ids::{AppId, CompanyId};

#[async_trait]
impl AppStore for SqlStore {
    async fn insert_app(&self, a: &App) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO apps (id, company_id, name, purpose, owner_user_id, created_by, permissions, status, expires_at,
             secret_hash, secret_hint, prev_secret_hash, prev_secret_valid_until, credential_version, revoked_at, deleted_at,
             last_used_at, use_count, created_at, updated_at)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)",
        )
        .bind(a.id.as_str())
        .bind(a.company_id.as_str())
        .bind(&a.name)
        .bind(&a.purpose)
        .bind(a.owner_user_id.as_str())
        .bind(a.created_by.as_str())
        .bind(a.permissions.to_scope_string())
        .bind(a.status.as_str())
        .bind(a.expires_at)
        .bind(&a.secret_hash)
        .bind(&a.secret_hint)
        .bind(a.prev_secret_hash.clone())
        .bind(a.prev_secret_valid_until)
        .bind(a.credential_version)
        .bind(a.revoked_at)
        .bind(a.deleted_at)
        .bind(a.last_used_at)
        .bind(a.use_count)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn app(&self, id: &AppId) -> StoreResult<Option<App>> {
        let r = sqlx::query("SELECT * FROM apps WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::app).transpose()
    }

    async fn list_apps(&self, company: &CompanyId, deleted: bool) -> StoreResult<Vec<App>> {
        let sql = if deleted {
            "SELECT * FROM apps WHERE company_id = $1 AND status = 'deleted' ORDER BY id"
        } else {
            "SELECT * FROM apps WHERE company_id = $1 AND status <> 'deleted' ORDER BY id"
        };
        let rs = sqlx::query(sql)
            .bind(company.as_str())
            .fetch_all(&self.read)
            .await?;
        rs.iter().map(rows::app).collect()
    }

    async fn update_app(&self, a: &App) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE apps SET name = $2, purpose = $3, permissions = $4, status = $5, expires_at = $6, secret_hash = $7,
             secret_hint = $8, prev_secret_hash = $9, prev_secret_valid_until = $10, credential_version = $11,
             revoked_at = $12, deleted_at = $13, updated_at = $14, owner_user_id = $15 WHERE id = $1",
        )
        .bind(a.id.as_str())
        .bind(&a.name)
        .bind(&a.purpose)
        .bind(a.permissions.to_scope_string())
        .bind(a.status.as_str())
        .bind(a.expires_at)
        .bind(&a.secret_hash)
        .bind(&a.secret_hint)
        .bind(a.prev_secret_hash.clone())
        .bind(a.prev_secret_valid_until)
        .bind(a.credential_version)
        .bind(a.revoked_at)
        .bind(a.deleted_at)
        .bind(a.updated_at)
        .bind(a.owner_user_id.as_str())
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "app")
    }

    async fn flush_app_usage(&self, usage: &[(AppId, i64, i64)]) -> StoreResult<()> {
        if usage.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        for (id, last, count) in usage {
            sqlx::query(
                "UPDATE apps SET use_count = use_count + $3,
                 last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $2 THEN $2 ELSE last_used_at END WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(*last)
            .bind(*count)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn purge_deleted_apps(&self, before: i64) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM apps WHERE status = 'deleted' AND deleted_at < $1")
            .bind(before)
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected())
    }
}
