//! The append-only activity log: rows appended in batches, read newest first under filters
//! applied in the query (so a filtered page is full), and the actors seen in it.

use super::{Sql, SqlStore, rows};
use crate::records::*;
use crate::{ActivityStore, StoreResult};
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
