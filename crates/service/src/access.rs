//! Who is acting, in which company, with which effective permissions. Built once per request
//! (from a web session or a bearer token) and checked by every use case.

use crate::{Error, Result};
use newledger_domain::actor::Actor;
use newledger_domain::company::Company;
use newledger_domain::ids::UserId;
use newledger_domain::permission::{Permission, PermissionSet};

/// The caller of a use case.
#[derive(Clone, Debug)]
pub struct Access {
    /// Person, app or connection.
    pub actor: Actor,
    /// Readable actor (e-mail or app name) for the activity log.
    pub label: String,
    /// The one company this request acts in.
    pub company: Company,
    /// Effective permissions now (for programs: delegated ∩ owner's current ∩ token scope).
    pub permissions: PermissionSet,
    /// Client address, for the activity log.
    pub ip: String,
}

impl Access {
    /// Today in the company's time zone: the default date of reports, lists, forms, voids and
    /// reversals (a company in Sydney starts its day before UTC does).
    pub fn today(&self, clock: &dyn crate::clock::Clock) -> chrono::NaiveDate {
        self.company.time_zone.date_at(clock.now_ms())
    }

    /// Fails with `Forbidden` naming the permission when it is missing.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.permissions.contains(p) {
            Ok(())
        } else {
            Err(Error::missing(p))
        }
    }

    /// The person acting, or `Forbidden` for programs (people-only actions).
    pub fn person(&self) -> Result<&UserId> {
        match &self.actor {
            Actor::User(u) => Ok(u),
            _ => Err(Error::Forbidden {
                permission: None,
                reason: "only a person can do this".into(),
            }),
        }
    }
}
