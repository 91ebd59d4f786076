//! `GET /metrics`: the server's figures in Prometheus' text format, for
//! an admin key.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;
use crate::metrics::Gauges;

/// `GET /metrics`, for an admin key (the figures are the whole server's).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "server",
    responses((status = 200, description = "Prometheus text format"), (status = 403, description = "not an admin key")),
    security(("api_key" = []))
)]
pub async fn metrics_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ServingError> {
    if let Caller::Key(key) = &caller
        && let Some(member) = key.member()
    {
        return Err(ServingError::Forbidden(format!(
            "key {} is {member}'s; the server's metrics need an admin key",
            key.key_id
        )));
    }
    let gauges = Gauges {
        breakers: state.answerer.breakers(),
        unlearnt_turns: state.backends.chat_log.unlearnt_count().await?,
    };
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response())
}
