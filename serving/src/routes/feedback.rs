//! `POST /twin/{user}/messages/{id}/feedback`: a person rates one of their
//! twin's replies ([`crate::twin::feedback`] says what each rating
//! changes).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::backend::chat_log::Rating;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Twin;
use crate::twin::feedback;

/// Body of a feedback request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// `helpful`, `incorrect`, `insightful` or `off_voice`.
    rating: String,
    /// What the person adds, up to 2,000 characters.
    #[serde(default)]
    comment: Option<String>,
}

/// `POST /twin/{user}/messages/{id}/feedback`.
#[utoipa::path(
    post,
    path = "/twin/{user}/messages/{id}/feedback",
    tag = "chat",
    params(
        ("user" = String, Path, description = "whose twin"),
        ("id" = i64, Path, description = "the twin's turn (its `id`)"),
    ),
    request_body = FeedbackRequest,
    responses(
        (status = 201, description = "the feedback as kept, with the memories the turn drew on"),
        (status = 400, description = "an unknown rating, a turn of the person's own, or a comment too long"),
        (status = 404, description = "no such turn for this user"),
    ),
    security(("api_key" = []))
)]
pub async fn feedback_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
    Json(request): Json<FeedbackRequest>,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let turn_id: i64 = id
        .parse()
        .map_err(|_| ServingError::BadRequest(format!("message id {id:?} is not a number")))?;
    let rating = Rating::parse(&request.rating).ok_or_else(|| {
        let all: Vec<&str> = Rating::ALL.iter().map(Rating::as_str).collect();
        ServingError::BadRequest(format!(
            "unknown rating {:?} (one of: {})",
            request.rating,
            all.join(", ")
        ))
    })?;
    let kept = feedback::rate(&state.backends, &scope, turn_id, rating, request.comment).await?;
    Ok((StatusCode::CREATED, Json(json!({ "feedback": kept }))))
}
