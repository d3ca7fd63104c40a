//! Companies, memberships and company settings; building a person's [`Access`].

use crate::activity::Event;
use crate::{Access, Error, Result, Services};
use chrono::NaiveDate;
use newledger_domain::account::{Account, TEMPLATE_CHART};
use newledger_domain::actor::Actor;
use newledger_domain::company::{Company, TimeZone, validate_fiscal_year_start};
use newledger_domain::ids::{AccountId, CompanyId, UserId};
use newledger_domain::money::Currency;
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_store::{CompanyStore, MemberRecord};
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
        id: svc.new_id(CompanyId::PREFIX),
        name: name.to_owned(),
        currency: Currency::parse(currency)?,
        is_live,
        lock_date: None,
        fiscal_year_start_month: 1,
        fiscal_year_start_day: 1,
        time_zone: TimeZone::UTC,
    };
    let accounts: Vec<Account> = TEMPLATE_CHART
        .iter()
        .map(|t| Account {
            id: svc.new_id(AccountId::PREFIX),
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

/// Fails unless the person acting is an owner of the company.
pub async fn require_owner(svc: &Services, access: &Access) -> Result<()> {
    owner_in(&*svc.store, access).await
}

/// [`require_owner`], read from `store` (a unit of work).
async fn owner_in(store: &(impl CompanyStore + ?Sized), access: &Access) -> Result<()> {
    let me = access.person()?;
    if store.membership(&access.company.id, me).await? == Some(Role::Owner) {
        Ok(())
    } else {
        Err(Error::Forbidden {
            permission: None,
            reason: "only an owner can do this".into(),
        })
    }
}

/// What the Members form answers for anyone who is not yet a member, whether or not they have
/// an account on this server: people join a company only by accepting an invitation.
pub const NOT_A_MEMBER: &str =
    "people join a company by accepting an invitation: invite them with the form below";

/// Changes the role of a member. Only owners make or unmake owners, and the last owner stays.
/// Nobody is added without their consent: for anyone who is not a member the answer is
/// [`NOT_A_MEMBER`], the same whether the e-mail has an account or not.
pub async fn set_member(svc: &Services, access: &Access, email: &str, role: Role) -> Result<()> {
    access.require(Permission::MembersManage)?;
    let user = crate::people::users::user_by_email(svc, email).await.ok();
    let old = match &user {
        Some(u) => svc.store.membership(&access.company.id, &u.id).await?,
        None => None,
    };
    let (Some(user), Some(old)) = (user, old) else {
        return Err(Error::invalid("email", NOT_A_MEMBER));
    };
    add_or_change(svc, access, &user, Some(old), role).await
}

/// Adds a person who consented out of band (the operator's `newledger company add-member`), or
/// changes their role.
pub async fn add_member_by_operator(
    svc: &Services,
    access: &Access,
    email: &str,
    role: Role,
) -> Result<()> {
    let user = crate::people::users::user_by_email(svc, email).await?;
    let old = svc.store.membership(&access.company.id, &user.id).await?;
    add_or_change(svc, access, &user, old, role).await
}

async fn add_or_change(
    svc: &Services,
    access: &Access,
    user: &newledger_store::UserRecord,
    old: Option<Role>,
    role: Role,
) -> Result<()> {
    // The owner checks and the change in one unit of work, so that two changes at once cannot
    // both see "another owner remains" (on SQLite units run one at a time).
    svc.write(async |w| {
        if (role == Role::Owner || old == Some(Role::Owner)) && access.person().is_ok() {
            owner_in(w.store(), access).await?;
        }
        if old == Some(Role::Owner) && role != Role::Owner {
            ensure_other_owner(w.store(), access, &user.id).await?;
        }
        w.store()
            .upsert_membership(&access.company.id, &user.id, role, svc.clock.now_ms())
            .await?;
        w.credentials_changed();
        let action = if old.is_some() {
            "member.role_changed"
        } else {
            "member.added"
        };
        w.log(
            access,
            Event::ok(action, "user", user.id.as_str())
                .reason(user.email.clone())
                .details(json!({"old": old.map(Role::as_str), "new": role.as_str()})),
        )
        .await
    })
    .await
}

/// Removes a person from the company (never the last owner).
pub async fn remove_member(svc: &Services, access: &Access, user: &UserId) -> Result<()> {
    access.require(Permission::MembersManage)?;
    svc.write(async |w| {
        let old = w
            .store()
            .membership(&access.company.id, user)
            .await?
            .ok_or(Error::NotFound("member"))?;
        if old == Role::Owner {
            if access.person().is_ok() {
                owner_in(w.store(), access).await?;
            }
            ensure_other_owner(w.store(), access, user).await?;
        }
        w.store()
            .remove_membership(&access.company.id, user)
            .await?;
        w.credentials_changed();
        w.log(
            access,
            Event::ok("member.removed", "user", user.as_str())
                .details(json!({"old": old.as_str()})),
        )
        .await
    })
    .await
}

async fn ensure_other_owner(
    store: &(impl CompanyStore + ?Sized),
    access: &Access,
    user: &UserId,
) -> Result<()> {
    let owners = store
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
    let change = SettingsChange {
        name,
        lock_date,
        fiscal_year_start,
        time_zone: None,
    };
    change_settings(svc, access, change).await
}

/// What a settings change sets; `None` leaves a setting as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct SettingsChange<'a> {
    /// Display name.
    pub name: Option<&'a str>,
    /// Lock date (`Some(None)` removes it).
    pub lock_date: Option<Option<NaiveDate>>,
    /// Fiscal year start (month, day).
    pub fiscal_year_start: Option<(u32, u32)>,
    /// IANA time zone name.
    pub time_zone: Option<&'a str>,
}

/// Changes company settings, all or nothing, logged with the old and new values.
pub async fn change_settings(
    svc: &Services,
    access: &Access,
    change: SettingsChange<'_>,
) -> Result<Company> {
    let SettingsChange {
        name,
        lock_date,
        fiscal_year_start,
        time_zone,
    } = change;
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
    if let Some(t) = time_zone {
        c.time_zone = TimeZone::parse(t)?;
    }
    svc.write(async |w| {
        w.store().update_company(&c, svc.clock.now_ms()).await?;
        w.credentials_changed();
        w.log(
            access,
            Event::ok("company.settings_changed", "company", c.id.as_str()).details(json!({
                "old": {"name": old.name, "lock_date": old.lock_date, "fiscal_year_start": [old.fiscal_year_start_month, old.fiscal_year_start_day], "time_zone": old.time_zone},
                "new": {"name": c.name, "lock_date": c.lock_date, "fiscal_year_start": [c.fiscal_year_start_month, c.fiscal_year_start_day], "time_zone": c.time_zone},
            })),
        )
        .await
    })
    .await?;
    Ok(c)
}
