//! Sinks: where the pipeline's records are stored.
//!
//! - [`lake`]: Parquet tables on the lake, the source of truth.
//! - [`indexes`]: the chunk indexes (vectors, full text), written through
//!   the traits of `twinlake_core::backend` on whichever store their URL
//!   names, or sent to the bus's chunks topic for indexers to write.
//! Every sink write is an idempotent upsert keyed by content-derived ids, so
//! replaying a batch after a crash leaves each store as if it ran once.

pub mod indexes;
pub mod lake;
