//! Companies, memberships and company settings; building a person's [`Access`].

use crate::activity::Event;
use crate::{Access, Error, Result, Services, new_id};
use chrono::NaiveDate;
use newledger_domain::account::{Account, TEMPLATE_CHART};
use newledger_domain::actor::Actor;
use newledger_domain::company::{Company, validate_fiscal_year_start};
use newledger_domain::ids::{AccountId, CompanyId, UserId};
use newledger_domain::money::Currency;
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_store::MemberRecord;
use serde_json::json;

/// Creates a company with the template chart; `owner` becomes its owner.
pub async fn create_company(
    svc: &Services,
    owner: &UserId,
    name: &str,
    currency: &str,
    is_live: bool,
) -> Result<Company> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name", "required, at most 200 characters"));
    }
    let company = Company {
        id: new_id(CompanyId::PREFIX),
        name: name.to_owned(),
        currency: Currency::parse(currency)?,
        is_live,
        lock_date: None,
        fiscal_year_start_month: 1,
        fiscal_year_start_day: 1,
    };
    let accounts: Vec<Account> = TEMPLATE_CHART
        .iter()
        .map(|t| Account {
            id: new_id(AccountId::PREFIX),
            code: t.code.into(),
            name: t.name.into(),
            class: t.class,
            role: t.role,
            archived: false,
        })
        .collect();
    svc.store
        .create_company(&company, owner, &accounts, svc.clock.now_ms())
        .await?;
    Ok(company)
}

/// A person's access to a company: their role's permissions. Not a member → `NotFound`, so
/// that other companies' existence does not leak.
pub async fn access_for_user(
    svc: &Services,
    user: &UserId,
    label: &str,
    company: &CompanyId,
    ip: &str,
) -> Result<Access> {
    let role = svc
        .auth_cache
        .role(svc, company, user)
        .await?
        .ok_or(Error::NotFound("company"))?;
    let company = svc
        .store
        .company(company)
        .await?
        .ok_or(Error::NotFound("company"))?;
    Ok(Access {
        actor: Actor::User(user.clone()),
        label: label.to_owned(),
        company,
        permissions: role.permissions(),
        ip: ip.to_owned(),
    })
}

/// Companies of a person with their roles.
pub async fn companies_of(svc: &Services, user: &UserId) -> Result<Vec<(Company, Role)>> {
    Ok(svc.store.companies_of_user(user).await?)
}

/// Members of the company (any member may see who else is in it).
pub async fn members(svc: &Services, access: &Access) -> Result<Vec<MemberRecord>> {
    access.require(Permission::CompanyRead)?;
    Ok(svc.store.members(&access.company.id).await?)
}

/// Adds an existing person to the company, or changes their role.
pub async fn set_member(svc: &Services, access: &Access, email: &str, role: Role) -> Result<()> {
    access.require(Permission::MembersManage)?;
    let user = crate::people::users::user_by_email(svc, email)
        .await
        .map_err(|_| Error::invalid("email", "no person with this e-mail has an account yet"))?;
    let old = svc.store.membership(&access.company.id, &user.id).await?;
    if old == Some(Role::Owner) && role != Role::Owner {
        ensure_other_owner(svc, access, &user.id).await?;
    }
    svc.store
        .upsert_membership(&access.company.id, &user.id, role, svc.clock.now_ms())
        .await?;
    svc.auth_cache.invalidate(svc).await?;
    let action = if old.is_some() {
        "member.role_changed"
    } else {
        "member.added"
    };
    svc.activity
        .log(
            access,
            Event::ok(action, "user", user.id.as_str())
                .reason(user.email.clone())
                .details(json!({"old": old.map(Role::as_str), "new": role.as_str()})),
        )
        .await
}

/// Removes a person from the company (never the last owner).
pub async fn remove_member(svc: &Services, access: &Access, user: &UserId) -> Result<()> {
    access.require(Permission::MembersManage)?;
    let old = svc
        .store
        .membership(&access.company.id, user)
        .await?
        .ok_or(Error::NotFound("member"))?;
    if old == Role::Owner {
        ensure_other_owner(svc, access, user).await?;
    }
    svc.store
        .remove_membership(&access.company.id, user)
        .await?;
    svc.auth_cache.invalidate(svc).await?;
    svc.activity
        .log(
            access,
            Event::ok("member.removed", "user", user.as_str())
                .details(json!({"old": old.as_str()})),
        )
        .await
}

async fn ensure_other_owner(svc: &Services, access: &Access, user: &UserId) -> Result<()> {
    let owners = svc
        .store
        .members(&access.company.id)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Owner && &m.user_id != user)
        .count();
    if owners == 0 {
        Err(Error::Conflict("a company needs at least one owner".into()))
    } else {
        Ok(())
    }
}

/// Changes company settings (name, lock date, fiscal year start).
pub async fn update_settings(
    svc: &Services,
    access: &Access,
    name: Option<&str>,
    lock_date: Option<Option<NaiveDate>>,
    fiscal_year_start: Option<(u32, u32)>,
) -> Result<Company> {
    access.require(Permission::SettingsManage)?;
    let mut c = svc
        .store
        .company(&access.company.id)
        .await?
        .ok_or(Error::NotFound("company"))?;
    let old = c.clone();
    if let Some(n) = name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 200 {
            return Err(Error::invalid("name", "required, at most 200 characters"));
        }
        c.name = n.to_owned();
    }
    if let Some(l) = lock_date {
        c.lock_date = newledger_domain::dates::check_opt("lock_date", l)?;
    }
    if let Some((m, d)) = fiscal_year_start {
        validate_fiscal_year_start(m, d)?;
        c.fiscal_year_start_month = m;
        c.fiscal_year_start_day = d;
    }
    svc.store.update_company(&c, svc.clock.now_ms()).await?;
    svc.auth_cache.invalidate(svc).await?;
    svc.activity
        .log(
            access,
            Event::ok("company.settings_changed", "company", c.id.as_str()).details(json!({
                "old": {"name": old.name, "lock_date": old.lock_date, "fiscal_year_start": [old.fiscal_year_start_month, old.fiscal_year_start_day]},
                "new": {"name": c.name, "lock_date": c.lock_date, "fiscal_year_start": [c.fiscal_year_start_month, c.fiscal_year_start_day]},
            })),
        )
        .await?;
    Ok(c)
}
