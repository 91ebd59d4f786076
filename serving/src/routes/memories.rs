//! What the twin knows: the profile, memories as of a time, one memory's
//! history, and the graph around an entity.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Twin;
use crate::twin::{memories, profile};

#[utoipa::path(
    get,
    path = "/twin/{user}/profile",
    tag = "memories",
    params(("user" = String, Path, description = "whose twin")),
    responses((status = 200, description = "what the twin knows now, by kind, with citations")),
    security(("api_key" = []))
)]
pub async fn profile_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
) -> Result<Json<profile::Profile>, ServingError> {
    // Serialised as is, so the API's figures read exactly as the CLI's.
    Ok(Json(profile::profile(&state.backends, &scope).await?))
}

/// Query of a memories request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoriesQuery {
    kind: Option<String>,
    as_of: Option<String>,
}

#[utoipa::path(
    get,
    path = "/twin/{user}/memories",
    tag = "memories",
    params(("user" = String, Path, description = "whose twin"), ("kind" = Option<String>, Query, description = "one kind of memory"), ("as_of" = Option<String>, Query, description = "2026-10-01 or RFC 3339 (now)")),
    responses((status = 200, description = "the memories valid then")),
    security(("api_key" = []))
)]
pub async fn memories_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Query(query): Query<MemoriesQuery>,
) -> Result<Json<Value>, ServingError> {
    let kind = query
        .kind
        .as_deref()
        .map(memories::parse_kind)
        .transpose()?;
    let as_of = match query.as_of.as_deref() {
        Some(t) => memories::parse_time(t)?,
        None => chrono::Utc::now().timestamp_micros(),
    };
    let all = memories::load(&state.backends, &scope).await?;
    let valid = memories::as_of(&all, kind, as_of);
    Ok(Json(
        json!({ "as_of": memories::time(as_of), "memories": valid }),
    ))
}

#[utoipa::path(
    get,
    path = "/twin/{user}/memories/{id}/history",
    tag = "memories",
    params(("user" = String, Path, description = "whose twin"), ("id" = String, Path, description = "a memory")),
    responses((status = 200, description = "every version, oldest first"), (status = 404, description = "no such memory for this user")),
    security(("api_key" = []))
)]
pub async fn history_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ServingError> {
    let all = memories::load(&state.backends, &scope).await?;
    let chain = memories::history(&all, &id).ok_or_else(|| {
        ServingError::NotFound(format!(
            "no memory {id:?} for user {:?}",
            scope.user.as_str()
        ))
    })?;
    Ok(Json(json!({ "history": chain })))
}

/// Query of a graph request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphQuery {
    entity: String,
    #[serde(default = "default_depth")]
    depth: usize,
    from: Option<String>,
    to: Option<String>,
}

fn default_depth() -> usize {
    2
}

#[utoipa::path(
    get,
    path = "/twin/{user}/graph",
    tag = "memories",
    params(("user" = String, Path, description = "whose twin"), ("entity" = String, Query, description = "a name or alias"), ("depth" = Option<usize>, Query, description = "1, 2 or 3 (2)"), ("from" = Option<String>, Query, description = "facts that held from"), ("to" = Option<String>, Query, description = "facts that held until")),
    responses((status = 200, description = "the entity and its neighbours, with the facts that link them"), (status = 404, description = "no such entity in this user's graph")),
    security(("api_key" = []))
)]
pub async fn graph_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Query(query): Query<GraphQuery>,
) -> Result<Json<Value>, ServingError> {
    if !(1..=3).contains(&query.depth) {
        return Err(ServingError::BadRequest(format!(
            "depth must be 1, 2 or 3, not {}",
            query.depth
        )));
    }
    let window = match (query.from.as_deref(), query.to.as_deref()) {
        (None, None) => None,
        (from, to) => Some((
            from.map(memories::parse_time)
                .transpose()?
                .unwrap_or(i64::MIN),
            to.map(memories::parse_time)
                .transpose()?
                .unwrap_or(i64::MAX),
        )),
    };
    let graph = &state.backends.graph;
    let entity = graph.find(&scope, &query.entity).await?.ok_or_else(|| {
        ServingError::NotFound(format!(
            "no entity {:?} in {}'s graph",
            query.entity, scope.user
        ))
    })?;
    let neighbours = graph
        .neighbours(&scope, &entity.entity_id, query.depth, window)
        .await?;
    Ok(Json(json!({ "entity": entity, "neighbours": neighbours })))
}
