//! The chart of accounts.

use crate::activity::Event;
use crate::work::Work;
use crate::{Access, Error, Result, Services};
use newledger_domain::account::{Account, AccountClass, AccountRole};
use newledger_domain::ids::AccountId;
use newledger_domain::permission::Permission;
use std::collections::HashMap;

/// The chart of accounts.
pub async fn list(svc: &Services, access: &Access) -> Result<Vec<Account>> {
    access.require(Permission::AccountsRead)?;
    Ok(svc.store.accounts(&access.company.id).await?)
}

/// Accounts by id, for validating lines.
pub async fn by_id(svc: &Services, access: &Access) -> Result<HashMap<AccountId, Account>> {
    Ok(keyed(svc.store.accounts(&access.company.id).await?))
}

/// [`by_id`], read in a unit of work.
pub(crate) async fn by_id_in(w: &Work<'_>, access: &Access) -> Result<HashMap<AccountId, Account>> {
    Ok(keyed(w.store().accounts(&access.company.id).await?))
}

fn keyed(accounts: Vec<Account>) -> HashMap<AccountId, Account> {
    accounts.into_iter().map(|a| (a.id.clone(), a)).collect()
}

/// The account playing a system role (receivable, payable, tax).
pub fn system_account(
    accounts: &HashMap<AccountId, Account>,
    role: AccountRole,
) -> Result<AccountId> {
    accounts
        .values()
        .filter(|a| a.role == role && !a.archived)
        .min_by(|a, b| a.code.cmp(&b.code))
        .map(|a| a.id.clone())
        .ok_or_else(|| Error::Conflict(format!("the chart has no {} account", role.as_str())))
}

/// Adds an account (people with `accounts:manage`).
pub async fn create(
    svc: &Services,
    access: &Access,
    code: &str,
    name: &str,
    class: AccountClass,
    role: AccountRole,
) -> Result<Account> {
    access.require(Permission::AccountsManage)?;
    let code = code.trim();
    if code.is_empty()
        || code.len() > 20
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(Error::invalid("code", "1–20 letters, digits, '-' or '.'"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name", "required, at most 200 characters"));
    }
    if matches!(
        role,
        AccountRole::Receivable
            | AccountRole::Payable
            | AccountRole::Tax
            | AccountRole::RetainedEarnings
    ) {
        return Err(Error::invalid(
            "role",
            "system accounts come with the chart",
        ));
    }
    let a = Account {
        id: svc.new_id(AccountId::PREFIX),
        code: code.into(),
        name: name.into(),
        class,
        role,
        archived: false,
    };
    svc.write(async |w| {
        w.store()
            .insert_account(&access.company.id, &a, w.svc().clock.now_ms())
            .await
            .map_err(|e| match e {
                newledger_store::StoreError::Conflict { .. } => {
                    Error::invalid("code", "an account with this code exists")
                }
                e => e.into(),
            })?;
        w.log(
            access,
            Event::ok("account.created", "account", a.id.as_str())
                .reason(format!("{} {}", a.code, a.name)),
        )
        .await
    })
    .await?;
    Ok(a)
}
