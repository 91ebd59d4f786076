//! The web console, served by the API at `/`: sign in with a key, chat
//! with streamed replies whose citations open the passage, search with
//! BM25, dense and fused results side by side, the profile, and memories
//! with their history. One page and one script, no framework, no build
//! step; a strict Content-Security-Policy lets the page reach this server
//! alone.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;

const PAGE: &str = include_str!("console/index.html");
const SCRIPT: &str = include_str!("console/console.js");
/// Scripts and connections from this server only; inline styles only.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
                      connect-src 'self' ws: wss:; img-src 'self'; base-uri 'none'; \
                      form-action 'none'; frame-ancestors 'none'";

/// `GET /`: the page.
pub async fn console_handler() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
            (CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
}

/// `GET /console.js`: its script.
pub async fn script_handler() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
            (CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}
