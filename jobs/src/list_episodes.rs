//! `twinlake episodes`: one user's episodes, read back from the lake
//! (`sql/jobs/list_episodes.sql`): what was ingested, who said it, when,
//! and where it came from.

use twinlake_core::Scope;
use twinlake_core::record::Episode;
use twinlake_core::schema::episodes_from_batch;
use twinlake_stores::Backends;

use crate::{JobError, lake_tables};

/// The job's SQL.
pub const SQL: &str = include_str!("../../sql/jobs/list_episodes.sql");

/// Up to `limit` episodes of `scope` in time order (`usize::MAX`: all),
/// of `kind` only when given.
pub async fn run(
    backends: &Backends,
    scope: &Scope,
    kind: Option<&str>,
    limit: usize,
) -> Result<Vec<Episode>, JobError> {
    let batches = lake_tables::query(
        &backends.lake,
        backends.dim(),
        scope,
        SQL,
        &[("kind", kind.unwrap_or_default())],
        (limit < i64::MAX as usize).then_some(limit),
    )
    .await?;
    let mut episodes = Vec::new();
    for batch in &batches {
        episodes.extend(episodes_from_batch(batch)?);
    }
    Ok(episodes)
}
