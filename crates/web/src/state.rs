//! Shared state of the HTTP layer.

use crate::config::WebConfig;
use crate::ratelimit::Limits;
use newledger_service::Services;
use std::sync::Arc;

/// What every handler gets: one shared allocation, so the per-request clones made by the
/// router, the middleware and the extractors cost one reference count each.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    /// Use cases.
    pub svc: Services,
    /// HTTP settings.
    pub config: WebConfig,
    /// Rate limiters.
    pub limits: Limits,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(svc: Services, config: WebConfig) -> Self {
        Self(Arc::new(Shared {
            limits: Limits::new(&config),
            config,
            svc,
        }))
    }
}
