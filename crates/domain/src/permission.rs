//! The one permission catalogue shared by roles, delegated app permissions and OAuth scopes.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a permission may be handed to a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    /// Reads data; delegable.
    Read,
    /// Creates or edits drafts only; delegable.
    Draft,
    /// Held by people only; never delegable to an app or connection.
    PeopleOnly,
}

macro_rules! permissions {
    ($($variant:ident = $s:literal, $kind:ident, $label:literal;)*) => {
        /// One permission of the catalogue.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Permission { $(
            #[doc = $label]
            $variant,
        )* }

        impl Permission {
            /// Every permission, in catalogue order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The wire string (`invoices:read`), also the OAuth scope value.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $s),* }
            }

            /// Read, draft or people-only.
            pub fn kind(self) -> PermissionKind {
                match self { $(Permission::$variant => PermissionKind::$kind),* }
            }

            /// A short human description for consent and settings pages.
            pub fn label(self) -> &'static str {
                match self { $(Permission::$variant => $label),* }
            }

            /// Parses a wire string.
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                match s {
                    $($s => Ok(Permission::$variant),)*
                    other => Err(DomainError::invalid("permission", format!("unknown permission `{other}`"))),
                }
            }
        }
    };
}

permissions! {
    CompanyRead = "company:read", Read, "Read the company profile";
    AccountsRead = "accounts:read", Read, "Read the chart of accounts";
    ContactsRead = "contacts:read", Read, "Read customers and suppliers";
    InvoicesRead = "invoices:read", Read, "Read invoices";
    BillsRead = "bills:read", Read, "Read bills";
    ExpensesRead = "expenses:read", Read, "Read expenses";
    JournalRead = "journal:read", Read, "Read journal entries and export the ledger";
    BankRead = "bank:read", Read, "Read bank accounts, their movements and payments";
    ReportsRead = "reports:read", Read, "Run reports";
    ContactsWrite = "contacts:write", Draft, "Create and edit contacts";
    InvoicesDraft = "invoices:draft", Draft, "Draft invoices (never approve them)";
    BillsDraft = "bills:draft", Draft, "Draft bills (never approve them)";
    ExpensesDraft = "expenses:draft", Draft, "Draft expenses (never approve them)";
    JournalDraft = "journal:draft", Draft, "Draft manual journal entries (never post them)";
    BankCategorize = "bank:categorize", Draft, "Categorize bank feed lines (reserved)";
    InvoicesApprove = "invoices:approve", PeopleOnly, "Approve, void and post invoices";
    BillsApprove = "bills:approve", PeopleOnly, "Approve, void and post bills";
    ExpensesApprove = "expenses:approve", PeopleOnly, "Approve and void expenses";
    JournalPost = "journal:post", PeopleOnly, "Post and reverse journal entries";
    PaymentsRecord = "payments:record", PeopleOnly, "Record payments";
    AccountsManage = "accounts:manage", PeopleOnly, "Add and edit accounts";
    MembersManage = "members:manage", PeopleOnly, "Manage members and roles";
    AppConnectManage = "app_connect:manage", PeopleOnly, "Manage App Connect apps and connections";
    SettingsManage = "settings:manage", PeopleOnly, "Manage company settings and the lock date";
}

impl Permission {
    /// True when the permission may be delegated to a program.
    pub fn is_delegable(self) -> bool {
        self.kind() != PermissionKind::PeopleOnly
    }

    fn bit(self) -> u32 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions, stored as a bit set; its text form is the space-separated OAuth
/// scope string in catalogue order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u32);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Every permission of the catalogue.
    pub fn all() -> Self {
        Permission::ALL.iter().copied().collect()
    }

    /// Every delegable permission.
    pub fn delegable() -> Self {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| p.is_delegable())
            .collect()
    }

    /// Parses a space-separated scope string; unknown values are an error naming them.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        s.split_ascii_whitespace().map(Permission::parse).collect()
    }

    /// The raw bits, for storage in tokens.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Rebuilds a set from raw bits, dropping bits that name no permission.
    pub fn from_bits(bits: u32) -> Self {
        Self(bits & Self::all().0)
    }

    /// Membership test.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// True when every permission of `other` is in `self`.
    pub fn is_superset(self, other: PermissionSet) -> bool {
        other.0 & !self.0 == 0
    }

    /// Adds one permission.
    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    /// Set intersection: what a program may actually do.
    pub fn intersect(self, other: PermissionSet) -> Self {
        Self(self.0 & other.0)
    }

    /// Permissions in `self` but not in `other`.
    pub fn difference(self, other: PermissionSet) -> Self {
        Self(self.0 & !other.0)
    }

    /// True when empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions, in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }

    /// Space-separated scope string.
    pub fn to_scope_string(self) -> String {
        self.iter()
            .map(Permission::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut s = PermissionSet::EMPTY;
        for p in iter {
            s.insert(p);
        }
        s
    }
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_scope_string())
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Permission::as_str))
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| Permission::parse(s))
            .collect::<Result<PermissionSet, _>>()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_round_trips() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()).unwrap(), *p);
        }
        assert!(Permission::ALL.len() < 32);
    }

    #[test]
    fn delegable_excludes_people_only() {
        let d = PermissionSet::delegable();
        assert!(d.contains(Permission::InvoicesDraft));
        assert!(!d.contains(Permission::JournalPost));
        assert!(!d.contains(Permission::AppConnectManage));
    }

    #[test]
    fn scope_string_parses_back() {
        let s = PermissionSet::parse("reports:read invoices:read").unwrap();
        assert_eq!(s.to_scope_string(), "invoices:read reports:read");
        assert!(PermissionSet::parse("invoices:read nope").is_err());
    }
}
