//! Sign-in throttling that an attacker cannot turn against the account's owner.
//!
//! Failures (wrong password, wrong second factor) count per **(e-mail, address)**: after
//! [`PAIR_MAX`] that pair waits 15 minutes, doubling with each further failure up to 24 h. A
//! slower **account-wide** count (any address; [`ACCOUNT_MAX`]) locks the account: while it is
//! locked each address gets one failure before it waits, but an address without failures still
//! signs in with the right password and second factor. So failures from an attacker's addresses
//! never stop the owner signing in from their own, and a distributed guesser is slowed to one
//! guess per address. The account-wide count of a real person lives in the database (so an
//! operator's `newledger user unlock` reaches every node); unknown e-mails get the very same
//! treatment from an in-memory count, so answers never reveal whether an e-mail has an account.
//!
//! The per-pair counts are per node and held in memory, at most [`MAX_ENTRIES`] of them
//! (expired ones are dropped first; past the bound the table starts afresh).

use std::collections::HashMap;
use std::sync::Mutex;

/// Failures from one address for one e-mail before that pair waits.
pub const PAIR_MAX: u32 = 5;
/// Failures for one account from anywhere before the account-wide lock.
pub const ACCOUNT_MAX: i64 = 30;
/// Entries kept in memory per table.
pub const MAX_ENTRIES: usize = 100_000;

const MINUTE_MS: i64 = 60_000;

/// The wait after the `n`-th failure past a limit (0-based): 15 min doubling, at most 24 h.
pub fn backoff_ms(n: i64) -> i64 {
    let n = u32::try_from(n.clamp(0, 7)).unwrap_or(7);
    (15 * MINUTE_MS)
        .saturating_mul(1 << n)
        .min(24 * 60 * MINUTE_MS)
}

#[derive(Clone, Copy, Default)]
struct Count {
    failures: i64,
    until: i64,
    last: i64,
}

/// In-memory counts: per (e-mail, address), and account-wide for e-mails without an account.
#[derive(Default)]
pub struct SigninThrottle {
    pairs: Mutex<HashMap<(String, String), Count>>,
    unknown: Mutex<HashMap<String, Count>>,
}

fn bounded<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Count>, now: i64) {
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, c| c.until > now || now - c.last < 24 * 60 * MINUTE_MS);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
}

impl SigninThrottle {
    /// Milliseconds this address must wait before trying this e-mail again, if any.
    pub fn pair_wait(&self, email: &str, ip: &str, now: i64) -> Option<i64> {
        let pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        pairs
            .get(&(email.to_owned(), ip.to_owned()))
            .map(|c| c.until - now)
            .filter(|w| *w > 0)
    }

    /// Counts a failure of this pair; `account_locked` tightens its allowance to one.
    pub fn pair_failed(&self, email: &str, ip: &str, now: i64, account_locked: bool) {
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        bounded(&mut pairs, now);
        let c = pairs.entry((email.to_owned(), ip.to_owned())).or_default();
        c.failures += 1;
        c.last = now;
        let limit = if account_locked {
            1
        } else {
            i64::from(PAIR_MAX)
        };
        if c.failures >= limit {
            c.until = now + backoff_ms(c.failures - limit);
        }
    }

    /// Forgets every pair of this e-mail (after a full sign-in or an unlock on this node).
    pub fn forget(&self, email: &str) {
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        pairs.retain(|(e, _), _| e != email);
    }

    /// Whether an e-mail without an account is "locked" account-wide (as a real one would be).
    pub fn unknown_locked(&self, email: &str, now: i64) -> bool {
        let unknown = self.unknown.lock().unwrap_or_else(|e| e.into_inner());
        unknown.get(email).is_some_and(|c| c.until > now)
    }

    /// Counts an account-wide failure of an e-mail without an account.
    pub fn unknown_failed(&self, email: &str, now: i64) {
        let mut unknown = self.unknown.lock().unwrap_or_else(|e| e.into_inner());
        bounded(&mut unknown, now);
        let c = unknown.entry(email.to_owned()).or_default();
        c.failures += 1;
        c.last = now;
        if let Some(until) = account_lock_until(c.failures, now) {
            c.until = until;
        }
    }
}

/// When an account with `failures` in a row is locked until, if it is.
pub fn account_lock_until(failures: i64, now: i64) -> Option<i64> {
    (failures >= ACCOUNT_MAX).then(|| now + backoff_ms((failures - ACCOUNT_MAX) / 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_waits_after_its_failures_and_others_do_not() {
        let t = SigninThrottle::default();
        for _ in 0..PAIR_MAX {
            assert_eq!(t.pair_wait("a@x", "10.0.0.1", 0), None);
            t.pair_failed("a@x", "10.0.0.1", 0, false);
        }
        assert_eq!(t.pair_wait("a@x", "10.0.0.1", 0), Some(15 * MINUTE_MS));
        assert_eq!(t.pair_wait("a@x", "10.0.0.2", 0), None);
        assert_eq!(t.pair_wait("b@x", "10.0.0.1", 0), None);
        t.pair_failed("b@x", "10.0.0.1", 0, true);
        assert!(
            t.pair_wait("b@x", "10.0.0.1", 0).is_some(),
            "locked: one try"
        );
        t.forget("a@x");
        assert_eq!(t.pair_wait("a@x", "10.0.0.1", 0), None);
        assert_eq!(backoff_ms(100), 24 * 60 * MINUTE_MS);
    }
}
