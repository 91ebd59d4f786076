//! The messages of the chunks topic: what a pipeline worker did to the
//! indexes, for indexers to do to theirs.
//!
//! Each message is one update, keyed by its owner (`tenant/user`, as on
//! the files topic), so one person's updates stay in order: a chunk taken
//! out after a failed round is never put back by an earlier upsert read
//! later. The JSON carries the whole chunk with its embedding (shortest
//! round-trip floats), so an indexer stores exactly what a worker writing
//! its indexes directly would have.

use serde::{Deserialize, Serialize};
use twinlake_core::Scope;
use twinlake_core::record::Chunk;

/// One change to the chunk indexes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum IndexUpdate {
    /// Insert or replace a chunk (by its id) in both indexes.
    Upsert {
        /// The chunk, embedding included.
        chunk: Chunk,
    },
    /// Take chunks of a scope out of both indexes.
    Delete {
        /// Whose chunks.
        scope: Scope,
        /// Their ids.
        chunk_ids: Vec<String>,
    },
}

impl IndexUpdate {
    /// The owner whose index the update changes.
    pub fn scope(&self) -> &Scope {
        match self {
            IndexUpdate::Upsert { chunk } => &chunk.scope,
            IndexUpdate::Delete { scope, .. } => scope,
        }
    }

    /// The message key: the owner, as the files topic keys envelopes.
    pub fn key(&self) -> String {
        self.scope().to_string()
    }

    /// The message body.
    pub fn to_payload(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an index update serialises")
    }

    /// Reads a message body back, refusing an upsert whose embedding is
    /// not `dim` floats wide: no index could ever store it, so it must be
    /// dead-lettered rather than retried.
    pub fn from_payload(payload: &[u8], dim: usize) -> Result<Self, String> {
        let update: IndexUpdate =
            serde_json::from_slice(payload).map_err(|e| format!("not an index update: {e}"))?;
        if let IndexUpdate::Upsert { chunk } = &update
            && chunk.embedding.len() != dim
        {
            return Err(format!(
                "chunk {} has {} dimensions, the lake's embeddings {dim}",
                chunk.chunk_id,
                chunk.embedding.len()
            ));
        }
        Ok(update)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::contract::chunk;

    #[test]
    fn updates_round_trip_with_exact_embeddings_and_are_keyed_by_owner() {
        let scope = Scope::parse("acme", "erin").unwrap();
        let mut c = chunk(&scope, "doc", "the shed key is under the pot", 0, 29);
        c.embedding = vec![0.1, -1.0e-7, 0.333_333_34, f32::MIN_POSITIVE];
        let up = IndexUpdate::Upsert { chunk: c.clone() };
        assert_eq!(IndexUpdate::from_payload(&up.to_payload(), 4).unwrap(), up);
        let err = IndexUpdate::from_payload(&up.to_payload(), 384).unwrap_err();
        assert!(err.contains("4 dimensions") && err.contains("384"), "{err}");
        assert_eq!(up.key(), "acme/erin");
        let del = IndexUpdate::Delete {
            scope: scope.clone(),
            chunk_ids: vec![c.chunk_id.clone()],
        };
        assert_eq!(
            IndexUpdate::from_payload(&del.to_payload(), 4).unwrap(),
            del
        );
        assert_eq!(del.key(), up.key());
        let err = IndexUpdate::from_payload(br#"{"op":"upsert"}"#, 4).unwrap_err();
        assert!(
            err.contains("not an index update") && err.contains("chunk"),
            "{err}"
        );
    }
}
