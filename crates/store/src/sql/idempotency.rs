//! Idempotency keys of API writes: claimed once, completed with the stored response, taken
//! over after a crashed request's lease, released after a failure, purged after a day.

use super::{SqlStore, rows};
use crate::records::*;
use crate::{IdempotencyStore, StoreError, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl IdempotencyStore for SqlStore {
    async fn claim_idempotency(
        &self,
        k: &IdempotencyKey,
        request_hash: &str,
        now: i64,
    ) -> StoreResult<IdempotencyClaim> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (principal_id, company_id, method_path, key, request_hash, created_at)
             VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING",
        )
        .bind(&k.principal_id)
        .bind(&k.company_id)
        .bind(&k.method_path)
        .bind(&k.key)
        .bind(request_hash)
        .bind(now)
        .execute(&self.write)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(IdempotencyClaim::Claimed);
        }
        let r = sqlx::query(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys
             WHERE principal_id = $1 AND company_id = $2 AND method_path = $3 AND key = $4",
        )
        .bind(&k.principal_id)
        .bind(&k.company_id)
        .bind(&k.method_path)
        .bind(&k.key)
        .fetch_optional(&self.write)
        .await?
        .ok_or(StoreError::NotFound)?;
        let response = match (rows::oi(&r, "status_code")?, rows::os(&r, "response_body")?) {
            (Some(code), Some(body)) => Some((u16::try_from(code).unwrap_or(500), body)),
            _ => None,
        };
        Ok(IdempotencyClaim::Existing {
            request_hash: rows::s(&r, "request_hash")?,
            response,
        })
    }

    async fn complete_idempotency(
        &self,
        k: &IdempotencyKey,
        status: u16,
        body: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $5, response_body = $6
             WHERE principal_id = $1 AND company_id = $2 AND method_path = $3 AND key = $4",
        )
        .bind(&k.principal_id)
        .bind(&k.company_id)
        .bind(&k.method_path)
        .bind(&k.key)
        .bind(i64::from(status))
        .bind(body)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn reclaim_idempotency(
        &self,
        k: &IdempotencyKey,
        now: i64,
        claimed_before: i64,
    ) -> StoreResult<bool> {
        // One conditional UPDATE: of two retries racing for the same stale claim, one wins.
        let r = sqlx::query(
            "UPDATE idempotency_keys SET created_at = $5
             WHERE principal_id = $1 AND company_id = $2 AND method_path = $3 AND key = $4
               AND status_code IS NULL AND created_at < $6",
        )
        .bind(&k.principal_id)
        .bind(&k.company_id)
        .bind(&k.method_path)
        .bind(&k.key)
        .bind(now)
        .bind(claimed_before)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn release_idempotency(&self, k: &IdempotencyKey) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE principal_id = $1 AND company_id = $2 AND method_path = $3 AND key = $4")
            .bind(&k.principal_id)
            .bind(&k.company_id)
            .bind(&k.method_path)
            .bind(&k.key)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn purge_idempotency(&self, before: i64) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected())
    }
}
