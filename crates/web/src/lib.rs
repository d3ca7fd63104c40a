//! NewLedger's HTTP surfaces over the service layer: the REST API (`api`), the OAuth
//! authorization server endpoints (`oauth`), the workspace web app (`pages`) and health checks.
//! Handlers extract the caller, call one service function and shape the response; errors are
//! mapped once per surface in `error`.

pub mod api;
pub mod background;
pub mod error;
pub mod extract;
mod health;
pub mod oauth;
pub mod pages;
pub mod ratelimit;
mod router;
pub mod state;

pub use router::router;
pub use state::{AppState, WebConfig};

use std::net::SocketAddr;

/// Serves the app on `listener` until `shutdown` resolves, then flushes buffered state.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let svc = state.svc.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    if let Err(e) = svc.flush().await {
        tracing::warn!(error = %e, "final flush failed");
    }
    result
}
