//! `twinlake job distill-memories --user U` (and the last step of every
//! ingest): read the user's episodes from the lake with DataFusion
//! (`list_episodes.sql`, `document_texts.sql`) and the twin's latest
//! recommendations from the relational store, distill memories and the
//! knowledge graph ([`twinlake_pipelines::memory`]) and store them.

use std::collections::HashMap;
use std::time::Instant;

use arrow::array::{Array, StringArray};
use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::memory::Memory;
use twinlake_pipelines::memory::graph::Members;
use twinlake_pipelines::memory::store::MemoryStore;
use twinlake_pipelines::memory::{DistillOptions, distill};
use twinlake_stores::Backends;

use crate::{JobError, lake_tables, list_episodes};

/// The SQL that reads documents' text.
pub const TEXTS_SQL: &str = include_str!("../../sql/jobs/document_texts.sql");

/// What one distillation did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DistillReport {
    /// Episodes read.
    pub episodes: usize,
    /// Memories stored, every version.
    pub memories: usize,
    /// Memories valid now.
    pub current: usize,
    /// Memories closed by a later contradiction.
    pub superseded: usize,
    /// Entities and facts of the graph.
    pub entities: usize,
    /// Temporal edges.
    pub facts: usize,
    /// Wall time, in milliseconds.
    pub millis: f64,
    /// Milliseconds per episode: the extraction's cost.
    pub millis_per_episode: f64,
}

/// Options of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Also summarise each conversation's unfinished last window.
    pub summarize_tail: bool,
}

/// The documents' text of `scope`, by episode id.
async fn document_texts(
    backends: &Backends,
    scope: &Scope,
) -> Result<HashMap<String, String>, JobError> {
    let batches =
        lake_tables::query(&backends.lake, backends.dim(), scope, TEXTS_SQL, &[], None).await?;
    let mut texts: HashMap<String, String> = HashMap::new();
    for batch in &batches {
        let column = |i: usize| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<StringArray>()
                .cloned()
        };
        let (Some(ids), Some(text)) = (column(0), column(1)) else {
            continue;
        };
        for row in 0..batch.num_rows() {
            if ids.is_null(row) || text.is_null(row) {
                continue;
            }
            let t = texts.entry(ids.value(row).to_string()).or_default();
            t.push_str(text.value(row));
            t.push('\n');
        }
    }
    Ok(texts)
}

/// The tenant's members: every user with data in the lake, and the names
/// configured for each. Only ids and configured names are read, never
/// another user's data.
pub async fn members(backends: &Backends, scope: &Scope) -> Result<Members, JobError> {
    let tenant_dir = backends.lake.child(&[&format!("tenant={}", scope.tenant)]);
    let mut users: Vec<String> = backends
        .lake
        .list(&tenant_dir)
        .await?
        .iter()
        .filter_map(|p| {
            p.as_ref()
                .split('/')
                .find_map(|part| part.strip_prefix("user="))
                .map(str::to_string)
        })
        .collect();
    users.sort();
    users.dedup();
    let identities = &backends.config.identities;
    Ok(Members::new(users.into_iter().map(|u| {
        let names = identities.get(&u).cloned().unwrap_or_default();
        let display = names.first().cloned().unwrap_or_else(|| u.clone());
        (u, display, names)
    })))
}

/// Distills `scope`'s memories and graph from its episodes and stores them.
pub async fn run(
    backends: &Backends,
    scope: &Scope,
    options: Options,
) -> Result<DistillReport, JobError> {
    let started = Instant::now();
    let episodes = list_episodes::run(backends, scope, None, usize::MAX).await?;
    let texts = document_texts(backends, scope).await?;
    let members = members(backends, scope).await?;
    let store = MemoryStore::new(backends.lake.clone());
    let previous = store.memories(scope).await?;
    let recommended = backends.projects.recommendations_of(scope).await?;
    let aliases = backends
        .config
        .identities
        .get(scope.user.as_str())
        .cloned()
        .unwrap_or_default();
    let now_us = chrono::Utc::now().timestamp_micros();
    let summarize_tail = options.summarize_tail;
    let owned = scope.clone();
    // Extraction reads every episode of the user: CPU work for the
    // blocking pool, not for the async threads serving requests.
    let distilled = tokio::task::spawn_blocking(move || {
        distill(
            &DistillOptions {
                scope: &owned,
                aliases: &aliases,
                members: &members,
                recommended: &recommended,
                previous: &previous,
                now_us,
                summarize_tail,
            },
            &episodes,
            &texts,
        )
    })
    .await
    .map_err(|e| JobError::Interrupted(format!("distilling {scope}: {e}")))?;
    // The graph first: a reader that finds the new memories finds their facts.
    backends
        .graph
        .replace(scope, &distilled.graph.entities, &distilled.graph.facts)
        .await?;
    store.write(scope, &distilled.memories).await?;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let count = |f: &dyn Fn(&Memory) -> bool| distilled.memories.iter().filter(|m| f(m)).count();
    Ok(DistillReport {
        episodes: distilled.episodes,
        memories: distilled.memories.len(),
        current: count(&|m| m.is_valid_at(now_us)),
        superseded: count(&|m| m.superseded_by.is_some()),
        entities: distilled.graph.entities.len(),
        facts: distilled.graph.facts.len(),
        millis,
        millis_per_episode: millis / distilled.episodes.max(1) as f64,
    })
}
