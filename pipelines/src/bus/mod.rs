//! The topics of the bus between producers (ingest commands, uploads, chat
//! turns) and the ingest pipeline, and between pipeline workers and the
//! indexers ([`index_update`]). See [`twinlake_core::backend::Source`]
//! for their semantics; `twinlake_stores::bus` opens the bus itself.

/// The topic file envelopes are published to.
pub const FILES_TOPIC: &str = "footprint.files";
/// Where envelopes that failed go, with their error, for inspection or replay.
pub const FILES_DEAD_LETTER_TOPIC: &str = "footprint.files.dlq";
/// The consumer group of the ingest pipeline (the CLI and the server share it).
pub const INGEST_GROUP: &str = "ingest";
/// The topic pipeline workers send index updates to when
/// `ingest.index_writes` is `chunks_topic`.
pub const CHUNKS_TOPIC: &str = "footprint.chunks";
/// Where index updates an indexer could not read go.
pub const CHUNKS_DEAD_LETTER_TOPIC: &str = "footprint.chunks.dlq";
/// The default consumer group of indexers: one group per copy of the
/// indexes (each serving node with embedded indexes is its own group).
pub const INDEX_GROUP: &str = "index";

pub mod index_update;

use twinlake_core::backend::{BackendError, Delivery, Producer};

/// The body of a dead letter: the error, where the message was read
/// (topic, partition, offset) and the message itself, so it can be
/// inspected and replayed.
pub fn dead_letter(delivery: &Delivery, error: &str) -> serde_json::Value {
    serde_json::json!({
        "error": error,
        "origin": {
            "topic": delivery.topic,
            "partition": delivery.partition,
            "offset": delivery.offset,
        },
        "payload": String::from_utf8_lossy(&delivery.payload),
    })
}

/// Sends `letter` (see [`dead_letter`]) to `topic`, keyed as `delivery`
/// was, so a person's dead letters stay in order too.
pub async fn send_dead_letter(
    to: &dyn Producer,
    topic: &str,
    delivery: &Delivery,
    letter: &serde_json::Value,
) -> Result<u64, BackendError> {
    to.send(topic, &delivery.key, letter.to_string().as_bytes())
        .await
}
