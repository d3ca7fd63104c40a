//! The time and randomness sources, injected into [`crate::Services`]: the only places that
//! read the system clock ([`SystemClock`]) and the operating system's random generator
//! ([`SystemRandom`]); clippy's `disallowed-methods` keeps every other site off them. New ids
//! ([`Ids`]) are made from both. Tests inject a [`ManualClock`] and may inject a
//! [`SeededRandom`].

use chrono::{DateTime, NaiveDate, Utc};
use rand::{RngCore, SeedableRng};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Today's date (UTC).
    fn today(&self) -> NaiveDate {
        DateTime::<Utc>::from_timestamp_millis(self.now_ms())
            .map_or(NaiveDate::MIN, |d| d.date_naive())
    }
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // reason: the one home of the system clock
    fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis()
    }
}

/// A clock tests move by hand.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starts at `ms`.
    pub fn new(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    /// Moves forward.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// Jumps to `ms`.
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A source of random bytes: secrets, salts, nonces and the random part of new ids.
pub trait Random: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

impl dyn Random + '_ {
    /// `N` random bytes.
    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut b = [0u8; N];
        self.fill(&mut b);
        b
    }

    /// A random index below `n` (`n` > 0), without modulo bias.
    pub fn below(&self, n: usize) -> usize {
        let n = u64::try_from(n).unwrap_or(u64::MAX).max(1);
        // Rejection sampling: values in the top partial range would favour small results.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = u64::from_le_bytes(self.bytes());
            if v < zone {
                return usize::try_from(v % n).unwrap_or(0);
            }
        }
    }
}

/// The operating system's generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

impl Random for SystemRandom {
    #[allow(clippy::disallowed_methods)] // reason: the one home of the system's random generator
    fn fill(&self, buf: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(buf);
    }
}

/// A deterministic generator for tests: the same seed gives the same bytes.
#[derive(Debug)]
pub struct SeededRandom(Mutex<rand::rngs::StdRng>);

impl SeededRandom {
    /// Starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }
}

impl Random for SeededRandom {
    #[allow(clippy::disallowed_methods)] // reason: the deterministic generator tests inject
    fn fill(&self, buf: &mut [u8]) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fill_bytes(buf);
    }
}

/// New ids: ULIDs (48 bits of milliseconds, 80 random bits) from the injected clock and random
/// source, increasing on a node even while the clock stands still or steps back (a ULID of the
/// same millisecond is the previous one plus one), so that lists ordered by id follow creation.
#[derive(Debug, Default)]
pub struct Ids {
    last: Mutex<(u64, u128)>,
}

impl Ids {
    /// The next ULID at `now_ms`.
    pub fn next(&self, now_ms: i64, random: &dyn Random) -> ulid::Ulid {
        const RANDOM_BITS: u128 = (1 << 80) - 1;
        let ms = u64::try_from(now_ms).unwrap_or(0);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let (ms, bits) = if ms > last.0 {
            (ms, u128::from_le_bytes(random.bytes()) & RANDOM_BITS)
        } else if last.1 < RANDOM_BITS {
            (last.0, last.1 + 1)
        } else {
            // 2^80 ids in one millisecond: borrow the next one.
            (last.0 + 1, 0)
        };
        *last = (ms, bits);
        ulid::Ulid::from_parts(ms, bits)
    }
}

/// Formats an instant (ms) as RFC 3339.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(String::new, |d| {
        d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_while_the_clock_stands_still_or_steps_back() {
        let ids = Ids::default();
        let r = SeededRandom::new(7);
        let a = ids.next(1_000, &r);
        let b = ids.next(1_000, &r);
        let c = ids.next(999, &r);
        let d = ids.next(2_000, &r);
        assert!(a < b && b < c && c < d);
        assert_eq!(
            (a.timestamp_ms(), c.timestamp_ms(), d.timestamp_ms()),
            (1_000, 1_000, 2_000)
        );
    }

    #[test]
    fn a_seeded_source_repeats_and_below_stays_in_range() {
        let (r1, r2) = (SeededRandom::new(1), SeededRandom::new(1));
        let (r1, r2): (&dyn Random, &dyn Random) = (&r1, &r2);
        assert_eq!(r1.bytes::<16>(), r2.bytes::<16>());
        assert!((0..1000).all(|_| r1.below(31) < 31));
    }
}
