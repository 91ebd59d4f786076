//! Projects and their proposals over HTTP: each handler reads its
//! request and answers with what [`crate::twin::projects`] does (the CLI's
//! `twinlake project` calls the same functions). Recommending is
//! [`crate::twin::recommend`]'s, coordinating [`crate::twin::coordinate`]'s,
//! recording a member's own choice [`crate::twin::choice`]'s.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;
use crate::twin::projects::{self, ChoiceRequest, GenerateRequest, NewProject, NewProposal};

/// Query of `GET /proposals/open`.
#[derive(Deserialize)]
pub struct OpenQuery {
    /// The project.
    project: String,
}

/// `POST /projects`.
#[utoipa::path(
    post,
    path = "/projects",
    tag = "projects",
    request_body = NewProject,
    responses(
        (status = 201, description = "the project"),
        (status = 400, description = "a bad id, no members, a member twice"),
        (status = 403, description = "a member key not among the members"),
        (status = 409, description = "the tenant has a project by that id"),
    ),
    security(("api_key" = []))
)]
pub async fn new_project_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Json(request): Json<NewProject>,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let project = projects::create_project(&state.backends, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(json!({ "project": project }))))
}

/// `GET /projects/{project}`.
#[utoipa::path(
    get,
    path = "/projects/{project}",
    tag = "projects",
    params(("project" = String, Path, description = "the project's id")),
    responses(
        (status = 200, description = "the project and its proposals"),
        (status = 403, description = "the key's member is not in it"),
        (status = 404, description = "no such project"),
    ),
    security(("api_key" = []))
)]
pub async fn project_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ServingError> {
    let (project, proposals) = projects::show_project(&state.backends, &caller, &project).await?;
    Ok(Json(json!({ "project": project, "proposals": proposals })))
}

/// `POST /projects/{project}/proposals`.
#[utoipa::path(
    post,
    path = "/projects/{project}/proposals",
    tag = "projects",
    params(("project" = String, Path, description = "the project's id")),
    request_body = NewProposal,
    responses(
        (status = 201, description = "the proposal, with its id; a choice or subset given without options has them drafted from the members' likes, each with its sources"),
        (status = 400, description = "a field at fault, named: an unknown kind, empty options, a window with no allowed day, a kind without what it needs, no options given and none the members like"),
        (status = 403, description = "the key's member is not in the project"),
        (status = 404, description = "no such project"),
        (status = 409, description = "a proposal by that id exists"),
    ),
    security(("api_key" = []))
)]
pub async fn new_proposal_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    Json(request): Json<NewProposal>,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let proposal = projects::propose(&state.backends, &caller, &project, request).await?;
    Ok((StatusCode::CREATED, Json(json!({ "proposal": proposal }))))
}

/// `GET /proposals/open?project=P`.
#[utoipa::path(
    get,
    path = "/proposals/open",
    tag = "projects",
    params(("project" = String, Query, description = "the project's id")),
    responses(
        (status = 200, description = "the project's open proposals, oldest first"),
        (status = 403, description = "the key's member is not in the project"),
        (status = 404, description = "no such project"),
    ),
    security(("api_key" = []))
)]
pub async fn open_proposals_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<OpenQuery>,
) -> Result<Json<Value>, ServingError> {
    let open = projects::open_proposals(&state.backends, &caller, &query.project).await?;
    Ok(Json(json!({ "project": query.project, "proposals": open })))
}

/// `GET /proposals/{proposal}/status`.
#[utoipa::path(
    get,
    path = "/proposals/{proposal}/status",
    tag = "projects",
    params(("proposal" = String, Path, description = "the proposal's id")),
    responses(
        (status = 200, description = "each member's recommendation and choice, the decision, alignment"),
        (status = 403, description = "the key's member is not in the project"),
        (status = 404, description = "no such proposal"),
    ),
    security(("api_key" = []))
)]
pub async fn status_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(proposal): Path<String>,
) -> Result<Json<Value>, ServingError> {
    let status = projects::proposal_status(&state.backends, &caller, &proposal).await?;
    Ok(Json(json!(status)))
}

/// `POST /recommendations/generate`.
#[utoipa::path(
    post,
    path = "/recommendations/generate",
    tag = "projects",
    request_body = GenerateRequest,
    responses(
        (status = 200, description = "{recommendations: [{option, score, satisfaction, vetoed, reasons: [{effect, text, memory_id, citation}]}]}, best first"),
        (status = 400, description = "a field at fault, named: neither proposal nor project, a non-member, a bad proposal"),
        (status = 403, description = "the key does not reach the user or the project"),
        (status = 404, description = "no such proposal or project"),
    ),
    security(("api_key" = []))
)]
pub async fn generate_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Json(request): Json<GenerateRequest>,
) -> Result<Json<Value>, ServingError> {
    let generated = projects::generate(&state.backends, &caller, request).await?;
    Ok(Json(json!(generated)))
}

/// `POST /proposals/{proposal}/choice`.
#[utoipa::path(
    post,
    path = "/proposals/{proposal}/choice",
    tag = "projects",
    params(("proposal" = String, Path, description = "the proposal's id")),
    request_body = ChoiceRequest,
    responses(
        (status = 201, description = "the choice as kept; it is in the member's memory when this returns"),
        (status = 400, description = "an unknown option, a non-member, several options for one pick, a proposal no longer open"),
        (status = 403, description = "the key does not reach the user or the project"),
        (status = 404, description = "no such proposal"),
    ),
    security(("api_key" = []))
)]
pub async fn choice_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(proposal): Path<String>,
    Json(request): Json<ChoiceRequest>,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let kept = projects::choose(&state, &caller, &proposal, request).await?;
    Ok((StatusCode::CREATED, Json(json!({ "choice": kept }))))
}

/// `POST /proposals/{proposal}/coordinate`.
#[utoipa::path(
    post,
    path = "/proposals/{proposal}/coordinate",
    tag = "projects",
    params(("proposal" = String, Path, description = "the proposal's id")),
    responses(
        (status = 200, description = "{decision, members: [{user, satisfaction, gets, concessions, vetoes}], rationale}"),
        (status = 403, description = "the key's member is not in the project"),
        (status = 404, description = "no such proposal"),
    ),
    security(("api_key" = []))
)]
pub async fn coordinate_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(proposal): Path<String>,
) -> Result<Json<Value>, ServingError> {
    let outcome = projects::coordinate_proposal(&state.backends, &caller, &proposal).await?;
    Ok(Json(json!(outcome)))
}
