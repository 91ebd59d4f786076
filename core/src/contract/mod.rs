//! The test suites every backend implementation passes, and the fixtures
//! they share. Compiled for tests and under the `testsuite` feature only,
//! never into the release binary.
//!
//! - [`index`]: both chunk indexes (upsert, scope isolation, ranking,
//!   listing, deletion).
//! - [`bus`]: a bus's consumer-group source.
//! - [`chat_log`]: the relational store's conversations and turns.
//! - [`api_keys`]: the relational store's API keys.
//! - [`graph`]: the knowledge graph's store.
//! - [`projects`]: the relational store's projects and proposals.
//! - [`crate::lake::contract`]: the lake's object store.

pub mod api_keys;
pub mod bus;
pub mod chat_log;
pub mod graph;
pub mod index;
pub mod projects;

use crate::Scope;
use crate::record::{Chunk, SourceKind, SourceRef};

pub use bus::source;
pub use index::{text_index, vector_index};

/// A document episode of `scope` (a text file at `uri` of `len` bytes,
/// one chunk), for tests that need an episode row.
pub fn document_episode(scope: &Scope, id: &str, uri: &str, len: u64) -> crate::record::Episode {
    crate::record::Episode::document(scope, id, uri, len)
}

/// A memory of `scope` about the user "Alice": `predicate` `object`,
/// valid from `valid` until `invalid`, said in episode `e-<object>`.
pub fn memory(
    scope: &Scope,
    kind: crate::memory::MemoryKind,
    predicate: &str,
    object: &str,
    valid: i64,
    invalid: Option<i64>,
) -> crate::memory::Memory {
    crate::memory::Memory {
        memory_id: format!("{predicate}-{object}"),
        scope: scope.clone(),
        kind,
        subject: "Alice".into(),
        about_user: true,
        predicate: predicate.into(),
        object: object.into(),
        sentence: format!("Alice {predicate} {object}."),
        polarity: crate::memory::Polarity::Positive,
        confidence: 0.8,
        importance: kind.default_importance(),
        domain: "life".into(),
        source_kind: SourceKind::Telegram,
        session: None,
        turn: None,
        source_episodes: vec![format!("e-{object}")],
        valid_at_us: valid,
        invalid_at_us: invalid,
        created_at_us: valid,
        expired_at_us: None,
        expires_at_us: None,
        superseded_by: None,
        supersedes: None,
    }
}

/// A chunk of `scope` with a one-hot-ish embedding of `dim` floats
/// pointing at axis `axis`.
pub fn chunk(scope: &Scope, id: &str, text: &str, axis: usize, dim: usize) -> Chunk {
    let mut embedding = vec![0.01f32; dim];
    embedding[axis % dim] = 1.0;
    let norm = embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    embedding.iter_mut().for_each(|x| *x /= norm);
    Chunk {
        chunk_id: crate::ids::ContentHash::of(id.as_bytes()).to_hex(),
        episode_id: format!("episode-{id}"),
        scope: scope.clone(),
        ordinal: 0,
        text: text.to_string(),
        token_count: text.split_whitespace().count() as u32,
        source: SourceRef {
            uri: format!("/footprint/{id}.txt"),
            byte_start: 0,
            byte_end: text.len() as u64,
            page: None,
            message_id: None,
            line: None,
        },
        source_kind: SourceKind::Text,
        occurred_at_us: 0,
        author: None,
        is_self: false,
        context: String::new(),
        embedding,
    }
}

/// The two users of tenant `t1` every suite writes for.
fn scopes() -> (Scope, Scope) {
    (
        Scope::parse("t1", "alice").unwrap(),
        Scope::parse("t1", "bob").unwrap(),
    )
}
