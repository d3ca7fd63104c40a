//! Per-node rate limits (governor's GCRA): token endpoint per client and per address, API per
//! app, sign-in per address. Limits are configurable; benchmarks raise them and say so.

use crate::config::WebConfig;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Outcome of a check: remaining requests in the window, or seconds to wait.
#[derive(Clone, Copy, Debug)]
pub struct Verdict {
    /// Requests per minute allowed.
    pub limit: u32,
    /// Requests left before throttling.
    pub remaining: u32,
    /// Seconds until the quota is fully replenished (or until the next request is allowed).
    pub reset_secs: u64,
    /// False when the request must be refused.
    pub allowed: bool,
}

/// One keyed limiter with its per-minute quota.
pub struct Limiter {
    inner: Keyed,
    per_minute: u32,
}

impl Limiter {
    fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            inner: RateLimiter::keyed(Quota::per_minute(n))
                .with_middleware::<StateInformationMiddleware>(),
            per_minute: n.get(),
        }
    }

    /// Counts one request for `key`.
    pub fn check(&self, key: &str) -> Verdict {
        match self.inner.check_key(&key.to_owned()) {
            Ok(snap) => {
                let remaining = snap.remaining_burst_capacity();
                let used = self.per_minute.saturating_sub(remaining);
                Verdict {
                    limit: self.per_minute,
                    remaining,
                    reset_secs: u64::from(used) * 60 / u64::from(self.per_minute.max(1)),
                    allowed: true,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Verdict {
                    limit: self.per_minute,
                    remaining: 0,
                    reset_secs: wait.as_secs() + 1,
                    allowed: false,
                }
            }
        }
    }

    /// Drops idle keys (memory bound under attack).
    pub fn shrink(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// All limiters of a node.
pub struct Limits {
    /// Token endpoint, per client id.
    pub token_client: Limiter,
    /// Token endpoint, per address.
    pub token_ip: Limiter,
    /// API, per app.
    pub api_app: Limiter,
    /// Sign-in, per address.
    pub signin_ip: Limiter,
    /// Dynamic client registration, per address.
    pub register_ip: Limiter,
    /// "Forgot password" requests, per address.
    pub forgot_ip: Limiter,
}

impl Limits {
    /// Limiters from the configuration.
    pub fn new(c: &WebConfig) -> Self {
        Self {
            token_client: Limiter::new(c.token_rate_per_client),
            token_ip: Limiter::new(c.token_rate_per_ip),
            api_app: Limiter::new(c.api_rate_per_app),
            signin_ip: Limiter::new(c.signin_rate_per_ip),
            register_ip: Limiter::new(c.register_rate_per_ip),
            forgot_ip: Limiter::new(c.forgot_rate_per_ip),
        }
    }

    /// Housekeeping.
    pub fn shrink(&self) {
        self.token_client.shrink();
        self.token_ip.shrink();
        self.api_app.shrink();
        self.signin_ip.shrink();
        self.register_ip.shrink();
        self.forgot_ip.shrink();
    }
}
