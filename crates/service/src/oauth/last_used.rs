//! When this node last recorded a connection's use. Last-used times are for people reading
//! lists (to the hour), so a grant writes one only when this node has not written it within
//! the hour: a busy client refreshing many times a minute costs no extra write per refresh.

use newledger_domain::ids::ConnectionId;
use std::collections::HashMap;
use std::sync::Mutex;

/// How stale a recorded last-used time may get.
pub const LAST_USED_RESOLUTION_MS: i64 = 3_600_000;
/// Entries kept before the map starts over (each costs one write again, at most hourly).
const MAX_ENTRIES: usize = 100_000;

/// Connection → when this node last wrote its last-used time.
#[derive(Default)]
pub struct RecentUses(Mutex<HashMap<ConnectionId, i64>>);

impl RecentUses {
    /// True when the use at `now` should be written (and then it counts as written).
    pub fn claim(&self, id: &ConnectionId, known: Option<i64>, now: i64) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let last = m.get(id).copied().max(known);
        if last.is_some_and(|t| now - t <= LAST_USED_RESOLUTION_MS) {
            return false;
        }
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(id.clone(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_write_per_hour_per_connection() {
        let r = RecentUses::default();
        let a = ConnectionId::parse("conn_01m8n84hyayavrer8c5hybt7d6").unwrap();
        assert!(r.claim(&a, None, 1_000));
        assert!(!r.claim(&a, None, 2_000));
        assert!(!r.claim(&a, None, 1_000 + LAST_USED_RESOLUTION_MS));
        assert!(r.claim(&a, None, 1_001 + LAST_USED_RESOLUTION_MS));
        // What the database already says counts too.
        let b = ConnectionId::parse("conn_01m8n84hyayavrer8c5hybt7d7").unwrap();
        assert!(!r.claim(&b, Some(500), 1_000));
    }
}
