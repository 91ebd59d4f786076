//! The shape of a chunk as a Qdrant point, shared by every Qdrant backend
//! (the in-process engine and, later, a server): a numeric id derived from
//! the chunk id, and a JSON payload holding everything a search returns.

use serde_json::{Map, Value, json};
use twinlake_core::ContentHash;
use twinlake_core::backend::{BackendError, ChunkHit};
use twinlake_core::record::{Chunk, SourceKind, SourceRef};

/// Payload keys with a keyword index, filtered on by every search.
pub const SCOPE_KEYS: [&str; 2] = ["tenant", "user"];

/// The point id of a chunk: stable across runs, so upserts replace.
pub fn point_id(chunk_id: &str) -> u64 {
    ContentHash::of(chunk_id.as_bytes()).as_u64()
}

/// The payload stored with a chunk's vector.
pub fn to_payload(c: &Chunk) -> Map<String, Value> {
    let value = json!({
        "tenant": c.scope.tenant.as_str(),
        "user": c.scope.user.as_str(),
        "chunk_id": c.chunk_id,
        "episode_id": c.episode_id,
        "text": c.text,
        "source_kind": c.source_kind.as_str(),
        "source_uri": c.source.uri,
        "byte_start": c.source.byte_start,
        "byte_end": c.source.byte_end,
        "page": c.source.page,
        "message_id": c.source.message_id,
        "line": c.source.line,
        "occurred_at_us": c.occurred_at_us,
        "author": c.author,
        "is_self": c.is_self,
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("json! of an object"),
    }
}

/// Reads a search hit back from a payload.
pub fn from_payload(
    payload: &Map<String, Value>,
    score: f32,
    backend: &'static str,
) -> Result<ChunkHit, BackendError> {
    let corrupt = |key: &str| BackendError::Corrupt {
        backend,
        location: format!("payload key {key}"),
        message: "missing or of the wrong type".into(),
    };
    let s = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| corrupt(key))
    };
    let n = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| corrupt(key))
    };
    let kind = s("source_kind")?;
    Ok(ChunkHit {
        chunk_id: s("chunk_id")?,
        episode_id: s("episode_id")?,
        text: s("text")?,
        source: SourceRef {
            uri: s("source_uri")?,
            byte_start: n("byte_start")?,
            byte_end: n("byte_end")?,
            page: payload
                .get("page")
                .and_then(Value::as_u64)
                .map(|p| p as u32),
            message_id: payload
                .get("message_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            line: payload
                .get("line")
                .and_then(Value::as_u64)
                .map(|l| l as u32),
        },
        source_kind: SourceKind::parse(&kind).ok_or_else(|| corrupt("source_kind"))?,
        occurred_at_us: payload
            .get("occurred_at_us")
            .and_then(Value::as_i64)
            .ok_or_else(|| corrupt("occurred_at_us"))?,
        // Points written before authors were stored read as anonymous.
        author: payload
            .get("author")
            .and_then(Value::as_str)
            .map(str::to_string),
        is_self: payload
            .get("is_self")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        score,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::Scope;
    use twinlake_core::contract::chunk;

    #[test]
    fn payload_round_trips_and_ids_are_stable() {
        let c = chunk(&Scope::parse("t", "u").unwrap(), "x", "hello", 0, 3);
        let hit = from_payload(&to_payload(&c), 0.5, "test").unwrap();
        assert_eq!(hit, ChunkHit::of(&c, 0.5));
        assert_eq!(point_id(&c.chunk_id), point_id(&c.chunk_id.clone()));
        assert_ne!(point_id("a"), point_id("b"));
        let mut broken = to_payload(&c);
        broken.remove("text");
        assert!(
            from_payload(&broken, 0.0, "test")
                .unwrap_err()
                .to_string()
                .contains("text")
        );
    }
}
