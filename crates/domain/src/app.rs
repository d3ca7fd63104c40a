//! API credential apps: the [`App`] aggregate with its stored status, where it stands at a
//! given moment — an active app past its expiry is expired, whatever its stored status says —
//! and its transitions (rotate, revoke, delete, restore). The token endpoint, bearer validation
//! and the App Connect pages all decide with [`App::standing`].

use crate::DomainError;
use crate::ids::{AppId, CompanyId, UserId};
use crate::permission::PermissionSet;

/// Stored status of an API credential app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppStatus {
    /// Can exchange its secret for tokens.
    Active,
    /// Stopped; restorable.
    Revoked,
    /// Hidden; restorable for 30 days, then purged.
    Deleted,
}

impl AppStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Active => "active",
            AppStatus::Revoked => "revoked",
            AppStatus::Deleted => "deleted",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(AppStatus::Active),
            "revoked" => Some(AppStatus::Revoked),
            "deleted" => Some(AppStatus::Deleted),
            _ => None,
        }
    }
}

/// Where an app stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Its credentials work.
    Usable,
    /// Active, but past its expiry.
    Expired,
    /// Revoked (restorable).
    Revoked,
    /// Deleted (restorable for a while).
    Deleted,
}

impl Standing {
    /// What people see: `active`, `expired`, `revoked` or `deleted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Usable => "active",
            Standing::Expired => "expired",
            Standing::Revoked => "revoked",
            Standing::Deleted => "deleted",
        }
    }
}

/// What a person does to an app's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppAction {
    /// Replace the secret (the old one may work on for an overlap).
    Rotate,
    /// Stop it: token exchange and every outstanding token fail at once.
    Revoke,
    /// Hide it (restorable for a while); its tokens die too.
    Delete,
    /// Bring a revoked or deleted app back with its current secret.
    Restore,
}

/// An API credential app: a program's `client_credentials` identity in one company, with the
/// permissions delegated to it and the keyed hashes of its secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    /// Id, also the `client_id`.
    pub id: AppId,
    /// Company it may access.
    pub company_id: CompanyId,
    /// Name.
    pub name: String,
    /// Business purpose.
    pub purpose: String,
    /// Owner: a member whose current permissions cap the app's.
    pub owner_user_id: UserId,
    /// Who created it.
    pub created_by: UserId,
    /// Delegated permissions.
    pub permissions: PermissionSet,
    /// Lifecycle status.
    pub status: AppStatus,
    /// Optional expiry (ms).
    pub expires_at: Option<i64>,
    /// Keyed hash of the current secret.
    pub secret_hash: String,
    /// Last four characters of the current secret, to recognise it.
    pub secret_hint: String,
    /// Keyed hash of the previous secret during a rotation overlap.
    pub prev_secret_hash: Option<String>,
    /// End of the overlap (ms).
    pub prev_secret_valid_until: Option<i64>,
    /// Bumped on revoke and rotate: tokens carrying an older version are dead.
    pub credential_version: i64,
    /// When it was revoked (ms).
    pub revoked_at: Option<i64>,
    /// When it was deleted (ms).
    pub deleted_at: Option<i64>,
    /// Last successful token exchange or API call (ms), flushed in batches.
    pub last_used_at: Option<i64>,
    /// Successful uses, flushed in batches.
    pub use_count: i64,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

impl App {
    /// Where the app stands at `now` (ms).
    pub fn standing(&self, now: i64) -> Standing {
        match self.status {
            AppStatus::Active if self.expires_at.is_some_and(|e| e <= now) => Standing::Expired,
            AppStatus::Active => Standing::Usable,
            AppStatus::Revoked => Standing::Revoked,
            AppStatus::Deleted => Standing::Deleted,
        }
    }

    /// Whether its credentials work at `now`.
    pub fn usable(&self, now: i64) -> bool {
        self.standing(now) == Standing::Usable
    }

    /// Until when (ms) the secret rotated out with an overlap still works, if it still does at
    /// `now`.
    pub fn overlap_until(&self, now: i64) -> Option<i64> {
        self.prev_secret_valid_until.filter(|u| *u > now)
    }

    /// What its tokens may use: the delegated permissions that its owner, holding
    /// `owner_holds` now, still has (delegated, never elevated).
    pub fn effective_permissions(&self, owner_holds: PermissionSet) -> PermissionSet {
        self.permissions.intersect(owner_holds)
    }

    /// Whether `action` may happen to the app as it stands, with what stands in the way in
    /// words.
    pub fn check(&self, action: AppAction) -> Result<(), DomainError> {
        let refusal = match (action, self.status) {
            (AppAction::Rotate, AppStatus::Deleted) => {
                "restore the app before rotating its secret".to_owned()
            }
            (AppAction::Revoke, status) if status != AppStatus::Active => {
                format!("the app is already {}", status.as_str())
            }
            (AppAction::Delete, AppStatus::Deleted) => "the app is already deleted".to_owned(),
            (AppAction::Restore, AppStatus::Active) => "the app is already active".to_owned(),
            _ => return Ok(()),
        };
        Err(DomainError::State(refusal))
    }

    /// Rotates to the secret whose keyed hash and hint are given, at `now` (ms). With an
    /// overlap (`overlap_ms` > 0) the old secret works on until it ends and tokens already
    /// issued live on; without one the old secret is presumed exposed, so its tokens die too.
    pub fn rotate(
        &self,
        secret_hash: String,
        secret_hint: String,
        overlap_ms: i64,
        now: i64,
    ) -> Result<App, DomainError> {
        self.check(AppAction::Rotate)?;
        let overlap = overlap_ms > 0;
        Ok(App {
            secret_hash,
            secret_hint,
            prev_secret_hash: overlap.then(|| self.secret_hash.clone()),
            prev_secret_valid_until: overlap.then_some(now + overlap_ms),
            credential_version: if overlap {
                self.credential_version
            } else {
                self.credential_version + 1
            },
            updated_at: now,
            ..self.clone()
        })
    }

    /// Revokes it at `now` (ms): every token issued so far dies.
    pub fn revoke(&self, now: i64) -> Result<App, DomainError> {
        self.check(AppAction::Revoke)?;
        Ok(App {
            status: AppStatus::Revoked,
            revoked_at: Some(now),
            credential_version: self.credential_version + 1,
            updated_at: now,
            ..self.clone()
        })
    }

    /// Deletes it at `now` (ms): hidden, restorable for a while; every token dies.
    pub fn delete(&self, now: i64) -> Result<App, DomainError> {
        self.check(AppAction::Delete)?;
        Ok(App {
            status: AppStatus::Deleted,
            deleted_at: Some(now),
            credential_version: self.credential_version + 1,
            updated_at: now,
            ..self.clone()
        })
    }

    /// Restores it at `now` (ms) with its current secret; tokens issued before stay dead.
    pub fn restore(&self, now: i64) -> Result<App, DomainError> {
        self.check(AppAction::Restore)?;
        Ok(App {
            status: AppStatus::Active,
            revoked_at: None,
            deleted_at: None,
            updated_at: now,
            ..self.clone()
        })
    }
}

/// The last four characters of a secret, shown to recognise it (the secret itself is never
/// stored).
pub fn secret_hint(secret: &str) -> String {
    let n = secret.chars().count();
    secret.chars().skip(n.saturating_sub(4)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(status: AppStatus, expires_at: Option<i64>) -> App {
        App {
            id: AppId::from_suffix("a1"),
            company_id: CompanyId::from_suffix("co"),
            name: "Shop sync".into(),
            purpose: String::new(),
            owner_user_id: UserId::from_suffix("u1"),
            created_by: UserId::from_suffix("u1"),
            permissions: PermissionSet::parse("invoices:read invoices:draft").unwrap(),
            status,
            expires_at,
            secret_hash: "h1".into(),
            secret_hint: "abcd".into(),
            prev_secret_hash: None,
            prev_secret_valid_until: None,
            credential_version: 3,
            revoked_at: None,
            deleted_at: None,
            last_used_at: None,
            use_count: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn an_active_app_past_its_expiry_is_expired() {
        assert_eq!(app(AppStatus::Active, None).standing(5), Standing::Usable);
        assert_eq!(
            app(AppStatus::Active, Some(6)).standing(5),
            Standing::Usable
        );
        assert_eq!(
            app(AppStatus::Active, Some(5)).standing(5),
            Standing::Expired
        );
        assert_eq!(
            app(AppStatus::Revoked, Some(1)).standing(5),
            Standing::Revoked
        );
        assert!(!app(AppStatus::Deleted, None).usable(0));
        assert!(app(AppStatus::Active, Some(6)).usable(5));
        assert_eq!(Standing::Expired.as_str(), "expired");
    }

    #[test]
    fn transitions_move_the_status_and_kill_tokens() {
        let active = app(AppStatus::Active, None);
        let revoked = active.revoke(10).unwrap();
        assert_eq!(
            (
                revoked.status,
                revoked.revoked_at,
                revoked.credential_version
            ),
            (AppStatus::Revoked, Some(10), 4)
        );
        assert_eq!(
            revoked.revoke(11).unwrap_err().to_string(),
            "the app is already revoked"
        );
        let deleted = revoked.delete(12).unwrap();
        assert_eq!(
            (
                deleted.status,
                deleted.deleted_at,
                deleted.credential_version
            ),
            (AppStatus::Deleted, Some(12), 5)
        );
        assert_eq!(
            deleted.delete(13).unwrap_err().to_string(),
            "the app is already deleted"
        );
        assert_eq!(
            deleted.revoke(13).unwrap_err().to_string(),
            "the app is already deleted"
        );
        let restored = deleted.restore(14).unwrap();
        assert_eq!(
            (restored.status, restored.revoked_at, restored.deleted_at),
            (AppStatus::Active, None, None)
        );
        assert_eq!(restored.credential_version, 5, "old tokens stay dead");
        assert_eq!(
            restored.restore(15).unwrap_err().to_string(),
            "the app is already active"
        );
        assert_eq!(restored.updated_at, 14);
    }

    #[test]
    fn rotation_keeps_the_old_secret_only_for_an_overlap() {
        let active = app(AppStatus::Active, None);
        let hard = active.rotate("h2".into(), "wxyz".into(), 0, 100).unwrap();
        assert_eq!(
            (hard.secret_hash.as_str(), hard.secret_hint.as_str()),
            ("h2", "wxyz")
        );
        assert_eq!((hard.prev_secret_hash, hard.credential_version), (None, 4));
        let soft = active
            .rotate("h2".into(), "wxyz".into(), 60_000, 100)
            .unwrap();
        assert_eq!(soft.prev_secret_hash.as_deref(), Some("h1"));
        assert_eq!(
            soft.credential_version, 3,
            "tokens live on through an overlap"
        );
        assert_eq!(soft.overlap_until(100), Some(60_100));
        assert_eq!(soft.overlap_until(60_100), None);
        let deleted = active.delete(1).unwrap();
        assert_eq!(
            deleted
                .rotate("h3".into(), "x".into(), 0, 2)
                .unwrap_err()
                .to_string(),
            "restore the app before rotating its secret"
        );
        assert!(deleted.restore(3).unwrap().check(AppAction::Rotate).is_ok());
    }

    #[test]
    fn an_app_uses_what_was_delegated_and_its_owner_still_holds() {
        let a = app(AppStatus::Active, None);
        let owner = PermissionSet::parse("invoices:read bills:read").unwrap();
        assert_eq!(
            a.effective_permissions(owner),
            PermissionSet::parse("invoices:read").unwrap()
        );
    }

    #[test]
    fn a_hint_is_the_last_four_characters() {
        assert_eq!(secret_hint("nlcs_abcdefgh"), "efgh");
        assert_eq!(secret_hint("ab"), "ab");
        assert_eq!(secret_hint("nlcs_ééééç"), "éééç");
    }
}
