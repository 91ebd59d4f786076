//! `POST /twin/{user}/search`: the fused passages and the memories that
//! best answer a query.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::Scope;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Twin;
use crate::twin::{memories, search};

/// Body of a search request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// What to look for.
    pub query: String,
    /// How many hits, 1..=100 (10).
    #[serde(default = "default_k")]
    pub k: usize,
    /// Also return BM25's and the vector index's own top `k`.
    #[serde(default)]
    pub explain: bool,
}

/// The number of hits a search returns unless asked for another.
pub fn default_k() -> usize {
    10
}

/// `POST /twin/{user}/search`.
#[utoipa::path(
    post,
    path = "/twin/{user}/search",
    tag = "search",
    params(("user" = String, Path, description = "whose twin")),
    request_body = SearchRequest,
    responses((status = 200, description = "fused hits (BM25, dense, scores, sources), the memories that best answer, and with explain each index's own hits")),
    security(("api_key" = []))
)]
pub async fn search_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Json(request): Json<SearchRequest>,
) -> Result<Json<Value>, ServingError> {
    Ok(Json(search(&state, &scope, &request).await?))
}

/// The search's reply: the fused hits with their sources, and the
/// memories that best answer (the MCP tool `search` returns the same).
pub async fn search(
    state: &AppState,
    scope: &Scope,
    request: &SearchRequest,
) -> Result<Value, ServingError> {
    let (remembered, explained) = tokio::try_join!(
        memories::load(&state.backends, scope),
        search::search_explained(&state.backends, scope, &request.query, request.k),
    )?;
    let now = chrono::Utc::now().timestamp_micros();
    let found = memories::relevant(
        &remembered,
        &request.query,
        &explained.fused,
        request.k,
        now,
    );
    let mut body = json!({ "results": explained.fused, "memories": found });
    if request.explain {
        body["bm25"] = json!(explained.bm25);
        body["dense"] = json!(explained.dense);
    }
    Ok(body)
}
