//! Sinks: where the pipeline's records are stored.
//!
//! - [`lake`]: Parquet tables on the lake, the source of truth.
//! - [`vectors`]: the vector index, chosen by URL (`edge://` embedded).
//! - [`text`]: the full-text index (`tantivy://`).
//!
//! Every sink write is an idempotent upsert keyed by content-derived ids, so
//! replaying a batch after a crash leaves each store as if it ran once.

pub mod lake;
pub mod text;
pub mod vectors;
