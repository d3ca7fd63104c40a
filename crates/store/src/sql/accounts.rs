//! The chart of accounts: read whole (a company has a few dozen accounts), added one at a time
//! or with the company ([`insert_account_in`], inside its creating transaction).

use super::{SqlStore, rows};
use crate::{AccountStore, StoreResult};
use async_trait::async_trait;
use newledger_domain::account::Account;
use newledger_domain::ids::CompanyId;

type Tx<'a> = super::source::Scope<'a>;

pub(crate) async fn insert_account_in(
    tx: &mut Tx<'_>,
    company: &CompanyId,
    a: &Account,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO accounts (id, company_id, code, name, class, role, archived, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)",
    )
    .bind(a.id.as_str())
    .bind(company.as_str())
    .bind(&a.code)
    .bind(&a.name)
    .bind(a.class.as_str())
    .bind(a.role.as_str())
    .bind(i64::from(a.archived))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn accounts(&self, company: &CompanyId) -> StoreResult<Vec<Account>> {
        let rs = sqlx::query("SELECT * FROM accounts WHERE company_id = $1 ORDER BY code")
            .bind(company.as_str())
            .fetch_all(&self.read)
            .await?;
        rs.iter().map(rows::account).collect()
    }

    async fn insert_account(
        &self,
        company: &CompanyId,
        account: &Account,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        insert_account_in(&mut tx, company, account, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
