//! NewLedger's HTTP surfaces over the service layer: the REST API (`api`), the OAuth
//! authorization server endpoints (`oauth`), the workspace web app (`pages`) and health checks.
//! Handlers extract the caller, call one service function and shape the response; errors are
//! mapped once per surface in `error`.

pub mod api;
pub mod background;
pub mod config;
pub mod error;
pub mod extract;
#[cfg(test)]
mod handler_size;
mod health;
#[cfg(test)]
mod import_cycles;
pub mod limits;
pub mod oauth;
pub mod pages;
pub mod ratelimit;
mod router;
pub mod state;

pub use config::WebConfig;
pub use router::router;
pub use state::AppState;

use std::net::SocketAddr;

/// How a server stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Every in-flight request finished after the shutdown signal.
    Drained,
    /// The drain deadline passed with requests still in flight; they were abandoned.
    DeadlinePassed,
}

/// Serves the app on `listener` until `shutdown` resolves, gives in-flight requests `drain` to
/// finish, then flushes buffered state. After [`Stopped::DeadlinePassed`] the caller should
/// exit the process: abandoned requests may still hold worker threads.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    drain: std::time::Duration,
) -> std::io::Result<Stopped> {
    let svc = state.svc.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Streamed answers (MCP's server-sent events, exports) go out in several writes: without
    // TCP_NODELAY, Nagle's algorithm meets the client's delayed ACK and adds ~40 ms to each.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    let (signalled, mut signal) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(
            drain_secs = drain.as_secs_f64(),
            "shutting down: draining requests"
        );
        let _ = signalled.send(true);
    });
    let deadline = async move {
        let _ = signal.wait_for(|s| *s).await;
        tokio::time::sleep(drain).await;
    };
    let result = tokio::select! {
        r = std::future::IntoFuture::into_future(server) => r.map(|()| Stopped::Drained),
        () = deadline => {
            tracing::warn!("drain deadline passed with requests in flight; stopping anyway");
            Ok(Stopped::DeadlinePassed)
        }
    };
    if let Err(e) = svc.flush().await {
        tracing::warn!(error = %e, "final flush failed");
    }
    result
}
