//! The traits every backend implements, so an embedded engine and a server
//! engine are interchangeable behind one URL.
//!
//! - [`VectorIndex`] and [`TextIndex`]: the two search indexes over chunks.
//!   Both are derived state: `twinlake job rebuild-indexes` recreates them
//!   from the lake. Every call carries a [`Scope`]; an implementation must
//!   never return a chunk of another scope.
//! - [`Source`] and [`Producer`]: the bus, with Kafka's consumer-group
//!   semantics: a consumer group reads from its committed position, and
//!   commits only after every sink has stored what it read. A crash between
//!   the two replays the uncommitted messages (at-least-once delivery); the
//!   sinks are idempotent, so the result is effectively-once.
//!
//! [`contract`] holds the one test suite each implementation passes.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Scope;
use crate::record::{Chunk, SourceKind, SourceRef};

/// An error raised by an index or bus implementation.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Files or sockets failed.
    #[error("{backend}: {context}: {source}")]
    Io {
        backend: &'static str,
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the backend's lock.
    #[error("{backend}: {path} is in use by another twinlake process ({holder})")]
    Locked {
        backend: &'static str,
        path: String,
        holder: String,
    },
    /// The stored index was laid out by an older twinlake: being derived
    /// state, it is dropped and reloaded from the lake.
    #[error("{backend}: the index at {location} has an older layout; rebuild it from the lake")]
    Outdated {
        backend: &'static str,
        location: String,
    },
    /// Stored data could not be read back.
    #[error("{backend}: corrupt data at {location}: {message}")]
    Corrupt {
        backend: &'static str,
        location: String,
        message: String,
    },
    /// The engine refused or failed an operation.
    #[error("{backend}: {message}")]
    Engine {
        backend: &'static str,
        message: String,
    },
}

/// A chunk found by a search, with the index's own score (higher is better).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkHit {
    /// The chunk's id.
    pub chunk_id: String,
    /// Its episode.
    pub episode_id: String,
    /// The passage text.
    pub text: String,
    /// Where it came from.
    pub source: SourceRef,
    /// Its source kind.
    pub source_kind: SourceKind,
    /// When its episode occurred, µs since the epoch.
    pub occurred_at_us: i64,
    /// Who wrote it, as the source names them.
    pub author: Option<String>,
    /// Whether that author is the user themself.
    pub is_self: bool,
    /// The index's score: BM25 for text, cosine similarity for vectors.
    pub score: f32,
}

impl ChunkHit {
    /// A hit for `chunk` with `score`.
    pub fn of(chunk: &Chunk, score: f32) -> Self {
        ChunkHit {
            chunk_id: chunk.chunk_id.clone(),
            episode_id: chunk.episode_id.clone(),
            text: chunk.text.clone(),
            source: chunk.source.clone(),
            source_kind: chunk.source_kind,
            occurred_at_us: chunk.occurred_at_us,
            author: chunk.author.clone(),
            is_self: chunk.is_self,
            score,
        }
    }
}

/// What both indexes share: idempotent upserts keyed by chunk id, a commit
/// that makes them durable and visible, and a per-scope count.
pub trait ChunkIndex: Send + Sync {
    /// Inserts or replaces chunks by chunk id. Upserting the same chunk
    /// twice leaves one copy.
    fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError>;
    /// Makes every upsert so far durable and visible to searches.
    fn commit(&self) -> Result<(), BackendError>;
    /// How many chunks a scope holds.
    fn count(&self, scope: &Scope) -> Result<u64, BackendError>;
}

/// Dense retrieval: nearest chunks to a query embedding, within one scope.
pub trait VectorIndex: ChunkIndex {
    /// The `k` chunks of `scope` nearest to `query`, best first.
    fn search(&self, scope: &Scope, query: &[f32], k: usize)
    -> Result<Vec<ChunkHit>, BackendError>;
}

/// Lexical retrieval: BM25 over chunk text, within one scope.
pub trait TextIndex: ChunkIndex {
    /// The `k` chunks of `scope` that best match `query`, best first.
    fn search(&self, scope: &Scope, query: &str, k: usize) -> Result<Vec<ChunkHit>, BackendError>;
}

/// One message read from a bus topic, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The topic it was read from.
    pub topic: String,
    /// Its partition.
    pub partition: u32,
    /// Its offset within the partition.
    pub offset: u64,
    /// The message key (records with one key stay in order).
    pub key: Vec<u8>,
    /// The message body.
    pub payload: Vec<u8>,
}

/// A consumer-group reader of a bus topic.
#[async_trait]
pub trait Source: Send {
    /// Up to `max` messages after this group's position; empty when caught up.
    /// Polling again without committing returns the next messages, but a
    /// restart resumes from the last commit.
    async fn poll(&mut self, max: usize) -> Result<Vec<Delivery>, BackendError>;
    /// Commits the group's position past `delivery` (and every earlier
    /// message of its partition). Call only once every sink has stored it.
    async fn commit(&mut self, delivery: &Delivery) -> Result<(), BackendError>;
}

/// A writer to bus topics.
#[async_trait]
pub trait Producer: Send + Sync {
    /// Appends a message durably; returns its offset.
    async fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<u64, BackendError>;
}

/// The test suites every implementation passes.
pub mod contract {
    use super::*;
    use crate::record::Chunk;

    /// A document episode of `scope` (a text file at `uri` of `len` bytes,
    /// one chunk), for tests that need an episode row.
    pub fn document_episode(
        scope: &Scope,
        id: &str,
        uri: &str,
        len: u64,
    ) -> crate::record::Episode {
        crate::record::Episode {
            episode_id: id.to_string(),
            scope: scope.clone(),
            source_kind: SourceKind::Text,
            source_uri: uri.to_string(),
            file_hash: crate::ids::ContentHash::of(uri.as_bytes()).to_hex(),
            content_hash: crate::ids::ContentHash::of(id.as_bytes()).to_hex(),
            byte_len: len,
            byte_start: 0,
            byte_end: len,
            line: None,
            title: None,
            conversation_id: None,
            message_id: None,
            reply_to: None,
            author: None,
            is_self: false,
            occurred_at_us: 0,
            ends_at_us: None,
            text: None,
            meta: Default::default(),
            chunk_count: 1,
        }
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

    fn scopes() -> (Scope, Scope) {
        (
            Scope::parse("t1", "alice").unwrap(),
            Scope::parse("t1", "bob").unwrap(),
        )
    }

    fn upsert_corpus(index: &dyn ChunkIndex, dim: usize) -> Vec<Chunk> {
        let (alice, bob) = scopes();
        let chunks = vec![
            chunk(
                &alice,
                "a1",
                "alice loves sourdough bread and sailing",
                1,
                dim,
            ),
            Chunk {
                author: Some("Alice Martin".into()),
                is_self: true,
                ..chunk(&alice, "a2", "alice is allergic to peanuts", 2, dim)
            },
            Chunk {
                context: "no peanut snacks please".into(),
                ..chunk(&alice, "a3", "the barbecue is at alice's house", 3, dim)
            },
            chunk(&bob, "b1", "bob loves sourdough bread too", 1, dim),
        ];
        index.upsert(&chunks).unwrap();
        index.commit().unwrap();
        // Replaying the same upserts must not duplicate anything.
        index.upsert(&chunks).unwrap();
        index.commit().unwrap();
        chunks
    }

    /// The vector-index contract: idempotent upsert, scope isolation,
    /// nearest-first order, full payload round trip.
    pub fn vector_index(index: &dyn VectorIndex, dim: usize) {
        let chunks = upsert_corpus(index, dim);
        let (alice, bob) = scopes();
        assert_eq!(index.count(&alice).unwrap(), 3);
        assert_eq!(index.count(&bob).unwrap(), 1);
        let hits = index.search(&alice, &chunks[1].embedding, 3).unwrap();
        assert_eq!(hits.len(), 3);
        assert_eq!(
            hits[0],
            ChunkHit {
                score: hits[0].score,
                ..ChunkHit::of(&chunks[1], 0.0)
            }
        );
        assert!(hits[0].score > hits[1].score, "not nearest first: {hits:?}");
        let hits = index.search(&bob, &chunks[1].embedding, 10).unwrap();
        assert_eq!(hits.len(), 1, "bob saw another user's chunks: {hits:?}");
        assert_eq!(hits[0].chunk_id, chunks[3].chunk_id);
        let stranger = Scope::parse("t2", "alice").unwrap();
        assert!(
            index
                .search(&stranger, &chunks[0].embedding, 10)
                .unwrap()
                .is_empty()
        );
    }

    /// The text-index contract: idempotent upsert, scope isolation, BM25
    /// relevance, stemming, neighbour context found below the text itself,
    /// full payload round trip.
    pub fn text_index(index: &dyn TextIndex) {
        let chunks = upsert_corpus(index, 4);
        let (alice, bob) = scopes();
        assert_eq!(index.count(&alice).unwrap(), 3);
        let hits = index.search(&alice, "peanut allergy", 5).unwrap();
        assert_eq!(
            hits[0],
            ChunkHit {
                score: hits[0].score,
                ..ChunkHit::of(&chunks[1], 0.0)
            }
        );
        assert_eq!(hits.len(), 2, "context not searched: {hits:?}");
        assert_eq!(hits[1].chunk_id, chunks[2].chunk_id);
        let hits = index.search(&alice, "sourdough", 5).unwrap();
        assert_eq!(hits.len(), 1, "alice saw another user's chunks: {hits:?}");
        let hits = index.search(&bob, "peanuts", 5).unwrap();
        assert!(hits.is_empty(), "bob saw alice's chunk: {hits:?}");
        assert!(index.search(&alice, "", 5).unwrap().is_empty());
        assert!(
            index.search(&alice, "\"unbalanced AND (", 5).is_ok(),
            "query syntax must not error"
        );
    }

    /// The source contract for a bus: `produce` appends to `topic`,
    /// `consumer` opens a fresh consumer (as after a restart) of one group.
    pub async fn source<P, S, F>(producer: &P, topic: &str, mut consumer: F)
    where
        P: Producer,
        S: Source,
        F: FnMut() -> S,
    {
        for i in 0..5u8 {
            producer.send(topic, &[i], &[b'm', i]).await.unwrap();
        }
        let mut first = consumer();
        let batch = first.poll(3).await.unwrap();
        assert_eq!(
            batch.iter().map(|d| d.payload[1]).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        first.commit(&batch[1]).await.unwrap();
        let more = first.poll(10).await.unwrap();
        assert_eq!(
            more.iter().map(|d| d.payload[1]).collect::<Vec<_>>(),
            vec![3, 4]
        );
        drop(first); // crash: message 2 was delivered but never committed

        let mut second = consumer();
        let replay = second.poll(10).await.unwrap();
        assert_eq!(
            replay.iter().map(|d| d.payload[1]).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        second.commit(replay.last().unwrap()).await.unwrap();
        assert!(second.poll(10).await.unwrap().is_empty());
        drop(second);
        assert!(
            consumer().poll(10).await.unwrap().is_empty(),
            "commit was not durable"
        );
    }
}
