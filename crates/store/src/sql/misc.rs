//! The activity log, web sessions and idempotency keys.

use super::{Sql, SqlStore, rows};
use crate::records::*;
use crate::{ActivityStore, IdempotencyStore, SessionStore, StoreError, StoreResult};
use async_trait::async_trait;
use newledger_domain::ids::CompanyId;

#[async_trait]
impl ActivityStore for SqlStore {
    async fn append_activity(&self, rs: &[NewActivity]) -> StoreResult<()> {
        if rs.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        for a in rs {
            sqlx::query(
                "INSERT INTO activity (company_id, at, actor_kind, actor_id, actor_label, action, target_kind, target_id,
                 outcome, reason, ip, details, count) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
            )
            .bind(a.company_id.as_ref().map(|c| c.to_string()))
            .bind(a.at)
            .bind(&a.actor_kind)
            .bind(&a.actor_id)
            .bind(&a.actor_label)
            .bind(&a.action)
            .bind(&a.target_kind)
            .bind(&a.target_id)
            .bind(&a.outcome)
            .bind(&a.reason)
            .bind(&a.ip)
            .bind(&a.details)
            .bind(a.count.max(1))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn list_activity(
        &self,
        company: &CompanyId,
        f: &ActivityFilter,
    ) -> StoreResult<Vec<ActivityRecord>> {
        let mut q = Sql::new("SELECT * FROM activity WHERE company_id = ");
        q.s(company.as_str());
        if let Some(k) = &f.actor_kind {
            q.push(" AND actor_kind = ").s(k.clone());
        }
        if let Some(a) = &f.actor_id {
            q.push(" AND actor_id = ").s(a.clone());
        }
        if let Some(p) = &f.action_prefix {
            // A literal prefix: LIKE would read `_` (as in `app.secret_rotated`) as a wildcard.
            // The length is a number we computed, so it goes into the text (PostgreSQL's
            // substr wants an int4, not the int8 a bound i64 becomes).
            q.push(&format!(" AND substr(action, 1, {}) = ", p.chars().count()))
                .s(p.clone());
        }
        if let Some(t) = &f.target_id {
            q.push(" AND target_id = ").s(t.clone());
        }
        if let Some(from) = f.from {
            q.push(" AND at >= ").i(from);
        }
        if let Some(to) = f.to {
            q.push(" AND at < ").i(to);
        }
        if let Some(b) = f.before_id {
            q.push(" AND id < ").i(b);
        }
        if let Some(o) = &f.outcome {
            q.push(" AND outcome = ").s(o.clone());
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .i(f.limit.clamp(1, 10_000));
        let rs = q.query().fetch_all(&self.read).await?;
        rs.iter().map(rows::activity).collect()
    }

    async fn activity_actors(&self, company: &CompanyId) -> StoreResult<Vec<ActorSeen>> {
        // Failed token requests log the client id as the label: prefer any other label.
        let rs = sqlx::query(
            "SELECT actor_kind, actor_id,
                    COALESCE(MAX(CASE WHEN actor_label <> actor_id THEN actor_label END), actor_id) AS label
             FROM activity
             WHERE company_id = $1 AND actor_id <> '' AND actor_kind IN ('user', 'app', 'connection')
             GROUP BY actor_kind, actor_id ORDER BY actor_kind, label LIMIT 1000",
        )
        .bind(company.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter()
            .map(|r| {
                Ok(ActorSeen {
                    kind: rows::s(r, "actor_kind")?,
                    id: rows::s(r, "actor_id")?,
                    label: rows::s(r, "label")?,
                })
            })
            .collect()
    }
}

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
