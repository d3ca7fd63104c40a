//! Membership roles: fixed sets of permissions in this slice.

use crate::DomainError;
use crate::permission::{Permission, PermissionKind, PermissionSet};
use serde::{Deserialize, Serialize};

/// A person's role in one company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Owner,
    /// Everything.
    Admin,
    /// All books permissions including approve and post; no member, App Connect or settings management.
    Accountant,
    /// Read and draft.
    Bookkeeper,
    /// Read only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: &'static [Role] = &[
        Role::Owner,
        Role::Admin,
        Role::Accountant,
        Role::Bookkeeper,
        Role::Viewer,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::Bookkeeper => "bookkeeper",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "role",
                    format!("unknown role `{s}` (owner, admin, accountant, bookkeeper, viewer)"),
                )
            })
    }

    /// The permissions this role grants.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        match self {
            Role::Owner | Role::Admin => PermissionSet::all(),
            Role::Accountant => Permission::ALL
                .iter()
                .copied()
                .filter(|p| !matches!(p, MembersManage | AppConnectManage | SettingsManage))
                .collect(),
            Role::Bookkeeper => Permission::ALL
                .iter()
                .copied()
                .filter(|p| p.kind() != PermissionKind::PeopleOnly && *p != BankCategorize)
                .collect(),
            Role::Viewer => Permission::ALL
                .iter()
                .copied()
                .filter(|p| p.kind() == PermissionKind::Read)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(
            Role::Owner
                .permissions()
                .is_superset(Role::Accountant.permissions())
        );
        assert!(
            Role::Accountant
                .permissions()
                .is_superset(Role::Bookkeeper.permissions())
        );
        assert!(
            Role::Bookkeeper
                .permissions()
                .is_superset(Role::Viewer.permissions())
        );
        assert!(
            Role::Accountant
                .permissions()
                .contains(Permission::JournalPost)
        );
        assert!(
            !Role::Accountant
                .permissions()
                .contains(Permission::AppConnectManage)
        );
        assert!(
            !Role::Bookkeeper
                .permissions()
                .contains(Permission::InvoicesApprove)
        );
    }
}
