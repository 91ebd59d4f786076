//! `/mcp`: the server over streamable HTTP, mounted in the API's router
//! behind its key check, rate limit, deadline and Host checks.
//!
//! It runs stateless: every POST is answered on its own, as JSON, by
//! whichever server receives it, so `/mcp` scales out behind a load
//! balancer exactly as the rest of the API does (no session to pin).
//! Host and Origin are checked by the API's own [`crate::browser`]
//! layer, configured once in `serve.hosts`, so the SDK's own checks are
//! off.

use std::sync::Arc;

use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

use super::TwinTools;
use crate::api::AppState;

/// The path the service is mounted at.
pub const PATH: &str = "/mcp";

/// The streamable HTTP service over `state`.
pub fn service(state: Arc<AppState>) -> StreamableHttpService<TwinTools, NeverSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .disable_allowed_hosts()
        .disable_allowed_origins();
    // Built once: each request's server is a clone, its tools' schemas
    // shared rather than generated again.
    let tools = TwinTools::per_request(state);
    StreamableHttpService::new(
        move || Ok(tools.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// `POST /mcp`, described for the API's OpenAPI document.
#[utoipa::path(
    post,
    path = "/mcp",
    tag = "mcp",
    request_body(content = Object, description = "an MCP JSON-RPC message (streamable HTTP transport)"),
    responses(
        (status = 200, description = "the JSON-RPC reply: tools search, profile, open_proposals, recommend, coordinate, choose, remember; resources twinlake://twin/{user}/profile and twinlake://proposals/{proposal}/status"),
        (status = 401, description = "no valid API key"),
    ),
    security(("api_key" = []))
)]
pub async fn described() {}
