//! # twinlake-pipelines
//!
//! Streaming ingestion, shaped as sources -> udfs -> sinks:
//!
//! - [`sources`]: where footprint comes from. [`sources::files`] turns paths
//!   given to `twinlake ingest` into file envelopes on the bus.
//! - [`bus`]: the durable queue between producers and the pipeline;
//!   [`bus::embedded`] keeps it in the data directory with Kafka's
//!   consumer-group semantics, so a Kafka source drops in beside it.
//! - [`ingest`]: the pipeline — poll, run the udfs, write every sink, then
//!   commit the bus position.
//! - [`sinks`]: the lake (Parquet), the vector index (Qdrant's in-process
//!   engine) and the full-text index (tantivy).
//! - [`memory`]: memories and the knowledge graph distilled from a
//!   user's episodes, and their lake tables.
//! - [`backends`]: opens each store from its URL in the configuration, under
//!   a lock on the data directory.

pub mod backends;
pub mod bus;
pub mod error;
pub mod ingest;
pub mod memory;
pub mod sinks;
pub mod sources;

pub use backends::Backends;
pub use error::PipelineError;
