//! Companies, memberships, number counters and the cache epoch.

use super::{SqlStore, one_row, rows};
use crate::records::MemberRecord;
use crate::{Backend, CompanyStore, StoreResult};
use async_trait::async_trait;
use newledger_domain::account::Account;
use newledger_domain::company::Company;
use newledger_domain::ids::{CompanyId, UserId};
use newledger_domain::role::Role;
use sqlx::Row;

/// Counters every company starts with.
const COUNTERS: &[&str] = &["invoice", "bill", "expense", "journal", "payment"];

#[async_trait]
impl CompanyStore for SqlStore {
    async fn create_company(
        &self,
        c: &Company,
        owner: &UserId,
        accounts: &[Account],
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO companies (id, name, currency, is_live, lock_date, fiscal_year_start_month,
             fiscal_year_start_day, created_at, updated_at, time_zone)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8,$9)",
        )
        .bind(c.id.as_str())
        .bind(&c.name)
        .bind(c.currency.code())
        .bind(i64::from(c.is_live))
        .bind(c.lock_date.map(|d| d.to_string()))
        .bind(i64::from(c.fiscal_year_start_month))
        .bind(i64::from(c.fiscal_year_start_day))
        .bind(now)
        .bind(c.time_zone.name())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (company_id, user_id, role, created_at) VALUES ($1,$2,$3,$4)",
        )
        .bind(c.id.as_str())
        .bind(owner.as_str())
        .bind(Role::Owner.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for name in COUNTERS {
            sqlx::query("INSERT INTO counters (company_id, name, next_value) VALUES ($1,$2,1)")
                .bind(c.id.as_str())
                .bind(*name)
                .execute(&mut *tx)
                .await?;
        }
        for a in accounts {
            super::accounts::insert_account_in(&mut tx, &c.id, a, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn company(&self, id: &CompanyId) -> StoreResult<Option<Company>> {
        let r = sqlx::query("SELECT * FROM companies WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(rows::company).transpose()
    }

    async fn all_companies(&self) -> StoreResult<Vec<Company>> {
        let rs = sqlx::query("SELECT * FROM companies ORDER BY id")
            .fetch_all(&self.read)
            .await?;
        rs.iter().map(rows::company).collect()
    }

    async fn update_company(&self, c: &Company, now: i64) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE companies SET name = $2, is_live = $3, lock_date = $4, fiscal_year_start_month = $5,
             fiscal_year_start_day = $6, updated_at = $7, time_zone = $8 WHERE id = $1",
        )
        .bind(c.id.as_str())
        .bind(&c.name)
        .bind(i64::from(c.is_live))
        .bind(c.lock_date.map(|d| d.to_string()))
        .bind(i64::from(c.fiscal_year_start_month))
        .bind(i64::from(c.fiscal_year_start_day))
        .bind(now)
        .bind(c.time_zone.name())
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "company")
    }

    async fn companies_of_user(&self, user: &UserId) -> StoreResult<Vec<(Company, Role)>> {
        let rs = sqlx::query(
            "SELECT c.*, m.role FROM companies c JOIN memberships m ON m.company_id = c.id
             WHERE m.user_id = $1 ORDER BY c.name, c.id",
        )
        .bind(user.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter()
            .map(|r| {
                let role = Role::parse(&rows::s(r, "role")?).map_err(rows::corrupt)?;
                Ok((rows::company(r)?, role))
            })
            .collect()
    }

    async fn membership(&self, company: &CompanyId, user: &UserId) -> StoreResult<Option<Role>> {
        let r = sqlx::query("SELECT role FROM memberships WHERE company_id = $1 AND user_id = $2")
            .bind(company.as_str())
            .bind(user.as_str())
            .fetch_optional(&self.read)
            .await?;
        match r {
            Some(r) => Ok(Some(
                Role::parse(&rows::s(&r, "role")?).map_err(rows::corrupt)?,
            )),
            None => Ok(None),
        }
    }

    async fn upsert_membership(
        &self,
        company: &CompanyId,
        user: &UserId,
        role: Role,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO memberships (company_id, user_id, role, created_at) VALUES ($1,$2,$3,$4)
             ON CONFLICT (company_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(company.as_str())
        .bind(user.as_str())
        .bind(role.as_str())
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn remove_membership(&self, company: &CompanyId, user: &UserId) -> StoreResult<()> {
        let r = sqlx::query("DELETE FROM memberships WHERE company_id = $1 AND user_id = $2")
            .bind(company.as_str())
            .bind(user.as_str())
            .execute(&self.write)
            .await?;
        one_row(r.rows_affected(), "membership")
    }

    async fn members(&self, company: &CompanyId) -> StoreResult<Vec<MemberRecord>> {
        let rs = sqlx::query(
            "SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.company_id = $1 ORDER BY u.name, u.email",
        )
        .bind(company.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter()
            .map(|r| {
                Ok(MemberRecord {
                    user_id: rows::id(r, "id")?,
                    email: rows::s(r, "email")?,
                    name: rows::s(r, "name")?,
                    role: Role::parse(&rows::s(r, "role")?).map_err(rows::corrupt)?,
                    created_at: rows::i(r, "created_at")?,
                })
            })
            .collect()
    }

    async fn next_number(&self, company: &CompanyId, counter: &str) -> StoreResult<i64> {
        let r = sqlx::query(
            "UPDATE counters SET next_value = next_value + 1 WHERE company_id = $1 AND name = $2 RETURNING next_value - 1 AS n",
        )
        .bind(company.as_str())
        .bind(counter)
        .fetch_one(&self.write)
        .await?;
        Ok(r.try_get::<i64, _>("n")?)
    }

    async fn bump_cache_epoch(&self) -> StoreResult<i64> {
        self.bump_epoch(CREDENTIALS_EPOCH).await
    }

    async fn cache_epoch(&self) -> StoreResult<i64> {
        self.read_epoch(CREDENTIALS_EPOCH).await
    }

    async fn bump_documents_epoch(&self) -> StoreResult<i64> {
        self.bump_epoch(DOCUMENTS_EPOCH).await
    }

    async fn documents_epoch(&self) -> StoreResult<i64> {
        self.read_epoch(DOCUMENTS_EPOCH).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }
}

/// Row of the credentials cache epoch.
const CREDENTIALS_EPOCH: i64 = 1;
/// Row of the documents cache epoch.
const DOCUMENTS_EPOCH: i64 = 2;

impl SqlStore {
    async fn bump_epoch(&self, row: i64) -> StoreResult<i64> {
        let r =
            sqlx::query("UPDATE cache_epoch SET value = value + 1 WHERE id = $1 RETURNING value")
                .bind(row)
                .fetch_one(&self.write)
                .await?;
        let epoch: i64 = r.try_get("value")?;
        if self.backend == Backend::Postgres {
            // The payload is only a wake-up call: listeners re-read both epochs.
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(crate::postgres::CHANNEL)
                .bind(epoch.to_string())
                .execute(&self.write)
                .await?;
        }
        Ok(epoch)
    }

    async fn read_epoch(&self, row: i64) -> StoreResult<i64> {
        let r = sqlx::query("SELECT value FROM cache_epoch WHERE id = $1")
            .bind(row)
            .fetch_one(&self.read)
            .await?;
        Ok(r.try_get("value")?)
    }
}
