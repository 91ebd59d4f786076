//! The topics of the bus between producers (ingest commands, uploads, chat
//! turns) and the ingest pipeline. See [`twinlake_core::backend::Source`]
//! for their semantics; `twinlake_stores::bus` opens the bus itself.

/// The topic file envelopes are published to.
pub const FILES_TOPIC: &str = "footprint.files";
/// Where envelopes that failed go, with their error, for inspection or replay.
pub const FILES_DEAD_LETTER_TOPIC: &str = "footprint.files.dlq";
/// The consumer group of the ingest pipeline (the CLI and the server share it).
pub const INGEST_GROUP: &str = "ingest";
