//! The HTTP server's connection loop: the API's router behind limits that
//! hold against careless and hostile clients.
//!
//! - At most `serve.max_connections` connections are open; the next one
//!   waits in the kernel's backlog, so file descriptors are never
//!   exhausted and /health keeps answering.
//! - A client has `serve.header_timeout_secs` to send a request's headers,
//!   counted from the end of the previous response: a slow-loris or an idle
//!   keep-alive connection is closed.
//! - On SIGINT or SIGTERM the server stops accepting, lets requests in
//!   flight finish for up to `serve.shutdown_grace_secs`, and returns.
//!
//! Per-request deadlines, body timeouts and rates are middleware (see
//! [`crate::limits`]).

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::api::{AppState, router};

/// Serves `state` on `listener` until SIGINT or SIGTERM.
pub async fn serve(state: Arc<AppState>, listener: TcpListener) -> std::io::Result<()> {
    serve_until(state, listener, shutdown_signal()).await
}

/// [`serve`] until `stop` completes, for tests and embedders.
pub async fn serve_until(
    state: Arc<AppState>,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = state.backends.config.serve.clone();
    let app = router(state);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let header_timeout = Duration::from_secs(limits.header_timeout_secs.max(1));
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            _ = &mut stop => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, _) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before
                    // accept: wait a little rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(app.clone());
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            // Upgrades carry the chat's WebSocket on this connection.
            let connection = http
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(true);
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    let drained = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "requests still running after serve.shutdown_grace_secs; stopping them"
        );
        connections.abort_all();
        // Wait for them to be dropped, so whoever stopped the server can
        // reopen its data directory at once.
        while connections.join_next().await.is_some() {}
    }
    Ok(())
}

/// Completes on SIGINT (ctrl-c) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
