//! The access log: one line per request at info level (target
//! `twinlake::access`) with method, route, status, latency, tenant and key
//! id. Never bodies, queries or paths with ids in them: the route is the
//! pattern (`/twin/{user}/search`), so the log holds no one's words.
//!
//! A request whose client goes away before its response is ready is
//! dropped by the server, which cancels its async work; it is logged with
//! status 499 (nginx's "client closed request"), so cancellations show.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::api::AppState;
use crate::auth::Caller;

/// Logs the request once its response is ready, or as 499 when it is
/// dropped first, and counts it in the server's metrics.
pub async fn access_log(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let mut pending = Pending {
        state,
        started: Instant::now(),
        method: request.method().clone(),
        route: request
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string()),
        answered: false,
    };
    let response = next.run(request).await;
    pending.answered = true;
    let took = pending.started.elapsed();
    pending.state.metrics.request(
        pending.method.as_str(),
        &pending.route,
        response.status().as_u16(),
        took,
    );
    let caller = response.extensions().get::<Caller>();
    tracing::info!(
        target: "twinlake::access",
        method = %pending.method,
        route = pending.route,
        status = response.status().as_u16(),
        latency_ms = took.as_secs_f64() * 1e3,
        tenant = caller.map(|c| c.tenant().as_str()),
        key_id = caller.and_then(Caller::key_id),
    );
    response
}

/// A request being served; logs a cancellation when dropped unanswered.
struct Pending {
    state: Arc<AppState>,
    started: Instant,
    method: Method,
    route: String,
    answered: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.answered {
            self.state.metrics.request(
                self.method.as_str(),
                &self.route,
                CLIENT_CLOSED_REQUEST,
                self.started.elapsed(),
            );
            tracing::info!(
                target: "twinlake::access",
                method = %self.method,
                route = self.route,
                status = CLIENT_CLOSED_REQUEST,
                latency_ms = self.started.elapsed().as_secs_f64() * 1e3,
                "client went away; request cancelled",
            );
        }
    }
}

/// The status logged for a request whose client left before its answer.
const CLIENT_CLOSED_REQUEST: u16 = 499;
