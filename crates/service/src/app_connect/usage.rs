//! Last-used time and use counts of apps, kept in memory and flushed in batches (≤ 5 s), so
//! that neither the token endpoint nor an API call writes to the database.

use newledger_domain::ids::AppId;
use std::collections::HashMap;
use std::sync::Mutex;

/// Pending usage per app.
#[derive(Default)]
pub struct UsageTracker(Mutex<HashMap<AppId, (i64, i64)>>);

impl UsageTracker {
    /// Notes one use at `now`.
    pub fn touch(&self, app: &AppId, now: i64) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match m.get_mut(app) {
            Some((last, n)) => {
                *last = (*last).max(now);
                *n += 1;
            }
            None => {
                m.insert(app.clone(), (now, 1));
            }
        }
    }

    /// Takes everything pending: (app, last used, count).
    pub fn drain(&self) -> Vec<(AppId, i64, i64)> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.drain().map(|(k, (last, n))| (k, last, n)).collect()
    }

    /// Pending last-used time of an app, for lists shown before the next flush.
    pub fn pending(&self, app: &AppId) -> Option<i64> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(app)
            .map(|(l, _)| *l)
    }
}
