//! API credential apps: the stored status, and where an app stands at a given moment — an active
//! app past its expiry is expired, whatever its stored status says. The token endpoint, bearer
//! validation and the App Connect pages all decide with [`AppLife::standing`].

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

/// The facts an app's standing depends on.
#[derive(Clone, Copy, Debug)]
pub struct AppLife {
    /// Stored status.
    pub status: AppStatus,
    /// Expiry (ms), if any.
    pub expires_at: Option<i64>,
}

impl AppLife {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_app_past_its_expiry_is_expired() {
        let life = |status, expires_at| AppLife { status, expires_at };
        assert_eq!(life(AppStatus::Active, None).standing(5), Standing::Usable);
        assert_eq!(
            life(AppStatus::Active, Some(6)).standing(5),
            Standing::Usable
        );
        assert_eq!(
            life(AppStatus::Active, Some(5)).standing(5),
            Standing::Expired
        );
        assert_eq!(
            life(AppStatus::Revoked, Some(1)).standing(5),
            Standing::Revoked
        );
        assert!(!life(AppStatus::Deleted, None).usable(0));
        assert_eq!(Standing::Expired.as_str(), "expired");
    }
}
