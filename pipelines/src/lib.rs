//! # twinlake-pipelines
//!
//! Streaming ingestion, shaped as sources -> udfs -> sinks:
//!
//! - [`sources`]: where footprint comes from. [`sources::files`] turns paths
//!   given to `twinlake ingest` into file envelopes on the bus.
//! - [`bus`]: the topics between producers and the pipeline (the bus
//!   itself, embedded or a server, is opened by `twinlake-stores`).
//! - [`ingest`]: the pipeline — poll, run the udfs, write every sink, then
//!   commit the bus position.
//! - [`sinks`]: the lake (Parquet), and the indexes: written through the
//!   traits of the stores `twinlake-stores` opens from their URLs, or sent
//!   to the bus's chunks topic for the [`indexer`] to write.
//! - [`indexer`]: applies the chunks topic to one copy of the indexes.
//! - [`memory`]: memories and the knowledge graph distilled from a
//!   user's episodes, and their lake tables.

pub mod bus;
pub mod error;
pub mod indexer;
pub mod ingest;
pub mod memory;
pub mod sinks;
pub mod sources;

pub use error::PipelineError;
