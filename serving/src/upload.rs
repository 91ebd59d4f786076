//! `POST /twin/{user}/upload`: a footprint file sent over HTTP.
//!
//! The body is the file's bytes; `filename` (required) names it, since the
//! name is how many exports are recognised (`result.json`, `tweets.js`,
//! `WhatsApp Chat with Bob.txt`). The file is kept in the lake under
//! `raw/<tenant>/<user>/<content hash>/<filename>`, so it can be
//! re-ingested or audited and any worker can read it, then published to
//! the bus and run through the same pipeline as `twinlake ingest`, with the
//! same detection, dedup and errors; its episodes cite the upload's name.
//! The reply is the ingest report: 200 when the file was stored or was
//! already there (its `warnings` list the records an export skipped or
//! flagged), 422 when it was refused (the report says why; `strict=true`
//! refuses an export at its first bad record). A refused file's kept copy
//! is deleted, unless an earlier upload had kept the same bytes.

use std::sync::Arc;

use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use twinlake_core::Scope;
use twinlake_pipelines::bus::FILES_TOPIC;
use twinlake_pipelines::ingest::IngestReport;
use twinlake_pipelines::sources::files::{self, FileEnvelope, ReadOptions};
use twinlake_udfs::parse::Format;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Twin;

/// Query parameters of an upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The file's name, extension included.
    filename: String,
    /// A format to force instead of detecting one.
    #[serde(default)]
    format: Option<String>,
    /// A name the user goes by in this file.
    #[serde(default)]
    me: Option<String>,
    /// Refuse an export at its first bad record instead of skipping it.
    #[serde(default)]
    strict: bool,
}

/// Stores the posted file and ingests it for `user`.
#[utoipa::path(
    post,
    path = "/twin/{user}/upload",
    tag = "upload",
    params(("user" = String, Path, description = "whose twin"), ("filename" = String, Query, description = "the file's name"), ("format" = Option<String>, Query, description = "its format, when its name does not say"), ("me" = Option<String>, Query, description = "the name the person goes by in it")),
    request_body(content = String, content_type = "application/octet-stream", description = "the file's bytes"),
    responses((status = 200, description = "the ingest report"), (status = 422, description = "the file was refused, with why")),
    security(("api_key" = []))
)]
pub async fn upload_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Query(params): Query<UploadParams>,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let name = file_name(&params.filename)?;
    if let Some(format) = &params.format
        && Format::from_name(format).is_none()
    {
        return Err(ServingError::BadRequest(format!(
            "unknown format {format:?} (one of: {})",
            Format::NAMES
        )));
    }
    // Once its bytes are all in, an upload is stored (or refused, leaving
    // nothing) whatever the client does next: the work is a task of its
    // own, which the client going away, dropping this handler, does not
    // cancel. A body cut short fails to read and stores nothing.
    tokio::spawn(receive(state, scope, name, params, body))
        .await
        .map_err(|e| ServingError::Storage(format!("the upload failed: {e}")))?
}

/// Reads, keeps and ingests one upload; the refused are deleted.
async fn receive(
    state: Arc<AppState>,
    scope: Scope,
    name: String,
    params: UploadParams,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let body = read_body(&state, body).await?;
    if body.is_empty() {
        return Err(ServingError::BadRequest(format!(
            "{name}: the upload is empty"
        )));
    }
    let lake = &state.backends.lake;
    let size = body.len() as u64;
    within_quota(&state, &scope, size).await?;
    let raw = files::keep_raw(lake, &scope, &name, body).await?;
    let envelope = FileEnvelope {
        object: Some(raw.key.clone()),
        size: Some(size),
        modified_us: Some(chrono::Utc::now().timestamp_micros()),
        options: ReadOptions {
            format: params.format,
            me: params.me.into_iter().collect(),
            strict: params.strict,
        },
        // Cited by the name it was uploaded as, never by where it is kept.
        ..FileEnvelope::new(scope.clone(), name.clone())
    };
    let report = ingest(&state, &envelope).await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        // Nothing of a refused file stays behind.
        files::drop_refused_raw(lake, &raw).await?;
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        Json(serde_json::to_value(report).unwrap_or_default()),
    ))
}

/// Refuses an upload of `size` bytes that would take `scope`'s tenant past
/// `serve.tenant_quota_bytes` of lake (413). Two uploads racing may both
/// pass: the quota bounds a tenant's growth, not its last byte.
async fn within_quota(state: &AppState, scope: &Scope, size: u64) -> Result<(), ServingError> {
    let quota = state.backends.config.serve.tenant_quota_bytes;
    if quota == 0 {
        return Ok(());
    }
    let used = state
        .backends
        .lake
        .tenant_bytes(scope.tenant.as_str())
        .await?;
    if used.saturating_add(size) > quota {
        return Err(ServingError::PayloadTooLarge(format!(
            "tenant {} keeps {used} bytes in the lake; {size} more would pass its quota of {quota} (serve.tenant_quota_bytes)",
            scope.tenant
        )));
    }
    Ok(())
}

/// The upload's bytes, read within `serve.body_timeout_secs` (a stalled
/// client does not hold its buffer for long) and up to
/// `ingest.max_file_bytes` (413 past it, before more is buffered).
async fn read_body(state: &AppState, body: Body) -> Result<Bytes, ServingError> {
    let config = &state.backends.config;
    let limit = usize::try_from(config.ingest.max_file_bytes).unwrap_or(usize::MAX);
    let wait = Duration::from_secs(config.serve.body_timeout_secs.max(1));
    let deadline = tokio::time::Instant::now() + wait;
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline, chunks.next())
            .await
            .map_err(|_| ServingError::BodyTimeout(wait))?;
        match chunk {
            None => return Ok(Bytes::from(bytes)),
            Some(Err(e)) => {
                return Err(ServingError::BadRequest(format!("reading the upload: {e}")));
            }
            Some(Ok(chunk)) => {
                if bytes.len() + chunk.len() > limit {
                    return Err(ServingError::PayloadTooLarge(format!(
                        "the upload is over {limit} bytes (ingest.max_file_bytes)"
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
}

/// The last path component of `raw`, if it is a plain, reasonable name.
fn file_name(raw: &str) -> Result<String, ServingError> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && !name.chars().any(|c| c.is_control());
    if !ok {
        return Err(ServingError::BadRequest(format!(
            "filename {raw:?} is not a plain file name"
        )));
    }
    Ok(name.to_string())
}

/// Publishes the stored file and runs the pipeline until it is caught up.
async fn ingest(state: &AppState, envelope: &FileEnvelope) -> Result<IngestReport, ServingError> {
    let bus = state.backends.bus()?;
    bus.send(
        FILES_TOPIC,
        envelope.key().as_bytes(),
        &envelope.to_payload(),
    )
    .await?;
    Ok(state.catch_up().await?.ingest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_reduced_to_their_last_component() {
        assert_eq!(file_name("result.json").unwrap(), "result.json");
        assert_eq!(file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(file_name("C:\\\\x\\\\tweets.js").unwrap(), "tweets.js");
        for bad in ["", "  ", "../", ".hidden", "a\nb"] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
    }
}
