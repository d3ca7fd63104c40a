//! Which principal (OAuth connection or app) owns each `2025-11-25` session, and the bounds on
//! them: at most `per_principal` open sessions each (initializing one more ends the least
//! recently used), and none unused for longer than `idle`.
//!
//! rmcp's session manager keeps the sessions themselves; this map says whose they are and when
//! each was last used, and ends idle ones — when one is touched, before a new one opens, and
//! every minute ([`sweep_while_alive`]). rmcp's own idle timer is off, because the direct lane
//! serves a session's tool calls without passing them to rmcp's session worker, which would
//! see a busy session as idle. A session is never a credential: the guard authenticates
//! every request and then asks [`Sessions::touch`] whether the session belongs to that
//! principal, answering 404 — as for an unknown session — when it does not. Sessions live in
//! memory and end with the process; clients initialize again.

use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Binding {
    principal: String,
    last_used: Instant,
}

/// Session ownership and bounds.
pub(crate) struct Sessions {
    manager: Arc<LocalSessionManager>,
    bindings: Mutex<HashMap<String, Binding>>,
    per_principal: usize,
    idle: Duration,
}

impl Sessions {
    pub(crate) fn new(
        manager: Arc<LocalSessionManager>,
        per_principal: usize,
        idle: Duration,
    ) -> Self {
        Self {
            manager,
            bindings: Mutex::new(HashMap::new()),
            per_principal: per_principal.max(1),
            idle,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Binding>> {
        self.bindings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when `session` is open and owned by `principal`; marks it used.
    pub(crate) async fn touch(&self, session: &str, principal: &str) -> bool {
        let expired = {
            let mut b = self.lock();
            match b.get_mut(session) {
                Some(s) if s.principal == principal && s.last_used.elapsed() < self.idle => {
                    s.last_used = Instant::now();
                    return true;
                }
                Some(s) if s.principal == principal => {
                    b.remove(session);
                    true
                }
                _ => false,
            }
        };
        if expired {
            self.close(session).await;
        }
        false
    }

    /// Ends every session unused for longer than the idle limit.
    pub(crate) async fn sweep(&self) {
        let doomed = {
            let mut b = self.lock();
            let doomed = self.idle_of(&b);
            for id in &doomed {
                b.remove(id);
            }
            doomed
        };
        for id in doomed {
            self.close(&id).await;
        }
    }

    fn idle_of(&self, b: &HashMap<String, Binding>) -> Vec<String> {
        b.iter()
            .filter(|(_, s)| s.last_used.elapsed() >= self.idle)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Before a new session of `principal`: ends idle sessions, then the principal's least
    /// recently used ones until one more fits.
    pub(crate) async fn make_room(&self, principal: &str) {
        let doomed: Vec<String> = {
            let mut b = self.lock();
            let mut doomed = self.idle_of(&b);
            let mut own: Vec<(&String, Instant)> = b
                .iter()
                .filter(|(id, s)| s.principal == principal && !doomed.contains(id))
                .map(|(id, s)| (id, s.last_used))
                .collect();
            own.sort_by_key(|(_, t)| *t);
            let excess = (own.len() + 1).saturating_sub(self.per_principal);
            doomed.extend(own.into_iter().take(excess).map(|(id, _)| id.clone()));
            for id in &doomed {
                b.remove(id);
            }
            doomed
        };
        for id in doomed {
            self.close(&id).await;
        }
    }

    /// Records a session rmcp just opened for `principal`.
    pub(crate) fn bind(&self, session: &str, principal: &str) {
        self.lock().insert(
            session.to_owned(),
            Binding {
                principal: principal.to_owned(),
                last_used: Instant::now(),
            },
        );
    }

    /// Forgets a session its client ended (`DELETE`).
    pub(crate) fn unbind(&self, session: &str) {
        self.lock().remove(session);
    }

    async fn close(&self, session: &str) {
        let id = session.to_owned().into();
        if let Err(e) = self.manager.close_session(&id).await {
            tracing::debug!(error = %e, "closing an MCP session");
        }
    }

    /// Sessions currently bound (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Sweeps `shared`'s sessions every minute (or every idle period, when shorter) for as long as
/// the router lives, so that an abandoned session ends even when nobody opens or touches one.
/// Outside a Tokio runtime (a router built for a test) sessions still end when touched or when
/// a new one opens.
pub(crate) fn sweep_while_alive(shared: &Arc<crate::Shared>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let every = shared
        .config
        .session_idle
        .clamp(Duration::from_secs(1), Duration::from_secs(60));
    let shared = Arc::downgrade(shared);
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(shared) = shared.upgrade() else {
                return;
            };
            shared.sessions.sweep().await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(n: usize, idle_ms: u64) -> Sessions {
        Sessions::new(
            Arc::new(LocalSessionManager::default()),
            n,
            Duration::from_millis(idle_ms),
        )
    }

    #[tokio::test]
    async fn a_session_belongs_to_its_principal_only() {
        let s = sessions(4, 60_000);
        s.bind("s1", "oac_a");
        assert!(s.touch("s1", "oac_a").await);
        assert!(!s.touch("s1", "oac_b").await);
        assert!(!s.touch("s2", "oac_a").await);
        s.unbind("s1");
        assert!(!s.touch("s1", "oac_a").await);
    }

    #[tokio::test]
    async fn the_least_recently_used_session_makes_room() {
        let s = sessions(2, 60_000);
        s.bind("s1", "p");
        tokio::time::sleep(Duration::from_millis(2)).await;
        s.bind("s2", "p");
        s.bind("t1", "q");
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(s.touch("s1", "p").await);
        s.make_room("p").await;
        s.bind("s3", "p");
        assert!(s.touch("s1", "p").await);
        assert!(!s.touch("s2", "p").await, "s2 was the least recently used");
        assert!(s.touch("s3", "p").await);
        assert!(
            s.touch("t1", "q").await,
            "another principal keeps its sessions"
        );
        assert_eq!(s.len(), 3);
    }

    #[tokio::test]
    async fn a_sweep_ends_idle_sessions_in_rmcp_too() {
        let manager = Arc::new(LocalSessionManager::default());
        let s = Sessions::new(manager.clone(), 4, Duration::from_millis(20));
        let (id, _transport) = manager.create_session().await.unwrap();
        s.bind(&id, "p");
        s.bind("fresh", "q");
        tokio::time::sleep(Duration::from_millis(30)).await;
        s.bind("fresh", "q");
        s.sweep().await;
        assert!(
            !manager.has_session(&id).await.unwrap(),
            "rmcp's session ended"
        );
        assert!(s.touch("fresh", "q").await, "a session used since stays");
        assert_eq!(s.len(), 1);
    }

    #[tokio::test]
    async fn idle_sessions_end() {
        let s = sessions(4, 20);
        s.bind("s1", "p");
        s.bind("s2", "q");
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!s.touch("s1", "p").await);
        s.make_room("p").await;
        assert_eq!(s.len(), 0);
    }
}
