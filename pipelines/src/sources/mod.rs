//! Sources: where footprint enters the pipeline.
//!
//! Each source turns its input into [`files::FileEnvelope`]s on the bus;
//! the ingest pipeline consumes them. A Kafka topic of envelopes is one
//! more source of the same records.

pub mod files;
