//! What keeps a browser from being turned against the API.
//!
//! - The Host header must name this server (`serve.hosts`, plus the host
//!   of `serve.addr`): a page on another site whose name was re-pointed at
//!   127.0.0.1 (DNS rebinding) is refused with 421.
//! - A state-changing request (anything but GET, HEAD and OPTIONS) that
//!   carries an Origin must come from this server's own origin or one in
//!   `serve.allowed_origins`: a form or script on another site is refused
//!   with 403 before it touches a twin. A WebSocket handshake is a GET,
//!   yet opens a channel that chats (and stores turns): it is checked the
//!   same way.
//!
//! The API sets no cookies, so a browser never authenticates on its own.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::header::{HOST, ORIGIN, UPGRADE};
use axum::middleware::Next;
use axum::response::Response;

use crate::ServingError;
use crate::api::AppState;

/// Allows `*` in `serve.hosts` or `serve.allowed_origins`: any.
const ANY: &str = "*";

/// Refuses requests for another host, and cross-site state changes.
pub async fn same_site(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Result<Response, ServingError> {
    let serve = &state.backends.config.serve;
    let host = request
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .ok_or_else(|| ServingError::BadRequest("the request has no Host header".into()))?;
    let name = host_name(host);
    let bound = host_name(&serve.addr);
    let known = serve
        .hosts
        .iter()
        .any(|h| h == ANY || h.eq_ignore_ascii_case(name))
        || (name.eq_ignore_ascii_case(bound) && !is_unspecified(bound));
    if !known {
        return Err(ServingError::MisdirectedHost(format!(
            "host {name:?} is not served here (add it to serve.hosts)"
        )));
    }
    let opens_socket = request
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let changes_state = opens_socket
        || !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
    if changes_state && let Some(origin) = request.headers().get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let own = origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host));
        let allowed = serve
            .allowed_origins
            .iter()
            .any(|o| o == ANY || o.trim_end_matches('/').eq_ignore_ascii_case(origin));
        if !own && !allowed {
            return Err(ServingError::Forbidden(format!(
                "origin {origin:?} may not change data here (add it to serve.allowed_origins)"
            )));
        }
    }
    Ok(next.run(request).await)
}

/// The name part of `host[:port]` or `[v6]:port`.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

fn is_unspecified(name: &str) -> bool {
    matches!(name, "0.0.0.0" | "[::]" | "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("localhost"), "localhost");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("twin.example.org:443"), "twin.example.org");
    }
}
