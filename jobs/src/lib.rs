//! # twinlake-jobs
//!
//! Batch jobs: DataFusion over the lake, each running a SQL file from
//! `sql/jobs/` (embedded at build time, so the binary is self-contained).
//!
//! - [`rebuild_indexes`]: reload the vector and full-text indexes from the
//!   lake, the source of truth.
//! - [`footprint_stats`]: what each store holds for one user.
//! - [`list_episodes`]: one user's episodes, in time order.
//! - [`distill_memories`]: one user's memories and knowledge graph, from
//!   their episodes.
//! - [`catch_up`]: the ingest pipeline until it is caught up, then the
//!   distillation of every user it gave new episodes.

pub mod catch_up;
pub mod distill_memories;
pub mod footprint_stats;
pub mod lake_tables;
pub mod list_episodes;
pub mod rebuild_indexes;

/// Errors of the batch jobs.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// DataFusion failed to plan or run the job's SQL.
    #[error("datafusion: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// The pipeline's stores failed.
    #[error(transparent)]
    Pipeline(#[from] twinlake_pipelines::PipelineError),
    /// A store or record failed.
    #[error(transparent)]
    Core(#[from] twinlake_core::CoreError),
    /// An index failed.
    #[error(transparent)]
    Backend(#[from] twinlake_core::backend::BackendError),
    /// A store could not be opened or swapped.
    #[error(transparent)]
    Store(#[from] twinlake_stores::StoreError),
    /// A job's work on the blocking pool did not finish (it panicked or
    /// the runtime is shutting down).
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// One of the user's lake objects cannot be read (named relative to
    /// the lake): a failure of the stored data, which only its owner sees.
    #[error("the lake object {object} cannot be read: {error}")]
    UnreadableObject {
        /// `tenant=<t>/user=<u>/<table>/<key>.parquet`.
        object: String,
        /// What reading it said.
        error: String,
    },
}
