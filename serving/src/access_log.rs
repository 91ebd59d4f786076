//! The access log: one line per request at info level (target
//! `twinlake::access`) with method, route, status, latency, tenant and key
//! id. Never bodies, queries or paths with ids in them: the route is the
//! pattern (`/twin/{user}/search`), so the log holds no one's words.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::Caller;

/// Logs the request once its response is ready.
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let caller = response.extensions().get::<Caller>();
    tracing::info!(
        target: "twinlake::access",
        %method,
        route,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1e3,
        tenant = caller.map(|c| c.tenant().as_str()),
        key_id = caller.and_then(Caller::key_id),
    );
    response
}
