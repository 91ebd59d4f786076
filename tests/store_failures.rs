//! A store that fails while the pipeline writes: the round is retried with
//! exponential backoff; when the retries are spent its files go to the
//! dead-letter topic with their origin, the partition moves on, and a
//! replay of the dead letters once the store is back stores everything.
//! An indexer treats a message it cannot read the same way: dead-lettered
//! with its origin, and the updates around it applied in order.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use common::*;
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, Bus, ChunkHit, ChunkIndex, VectorIndex};
use twinlake_core::config::Config;
use twinlake_core::record::Chunk;
use twinlake_pipelines::bus::index_update::IndexUpdate;
use twinlake_pipelines::bus::{
    CHUNKS_DEAD_LETTER_TOPIC, CHUNKS_TOPIC, FILES_DEAD_LETTER_TOPIC, FILES_TOPIC, INDEX_GROUP,
    INGEST_GROUP,
};
use twinlake_pipelines::indexer::Indexer;
use twinlake_pipelines::ingest::{IngestReport, Ingestor, Quiet, STORE_RETRIES};
use twinlake_pipelines::sources::files::{self, FileEnvelope};
use twinlake_stores::Backends;

/// The real vector index, whose next `failures` upserts fail as a server
/// that is down would.
struct Flaky {
    inner: Arc<dyn VectorIndex>,
    failures: AtomicU32,
    attempts: AtomicU32,
}

#[async_trait]
impl ChunkIndex for Flaky {
    async fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let left = self.failures.load(Ordering::SeqCst);
        if left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            return Err(BackendError::Unavailable {
                backend: "vector index",
                url: "qdrant://down:6334".into(),
                message: "connection refused".into(),
            });
        }
        self.inner.upsert(chunks).await
    }
    async fn commit(&self) -> Result<(), BackendError> {
        self.inner.commit().await
    }
    async fn count(&self, scope: &Scope) -> Result<u64, BackendError> {
        self.inner.count(scope).await
    }
    async fn list_ids(&self, scope: &Scope) -> Result<Vec<String>, BackendError> {
        self.inner.list_ids(scope).await
    }
    async fn delete(&self, scope: &Scope, ids: &[String]) -> Result<(), BackendError> {
        self.inner.delete(scope, ids).await
    }
    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        self.inner.delete_scope(scope).await
    }
    async fn clear(&self) -> Result<(), BackendError> {
        self.inner.clear().await
    }
}

#[async_trait]
impl VectorIndex for Flaky {
    async fn search(
        &self,
        scope: &Scope,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError> {
        self.inner.search(scope, query, k).await
    }
}

/// Fields drop in order: the stores flush before their directory goes.
struct Run {
    backends: Backends,
    flaky: Arc<Flaky>,
    bus: Arc<dyn Bus>,
    scope: Scope,
    _dir: tempfile::TempDir,
}

/// Stores whose vector index fails its next `failures` upserts, and two
/// of bob's files published to the bus.
async fn setup(failures: u32) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::defaults(&dir.path().join("data"));
    let mut backends = Backends::open(&config).await.unwrap();
    let flaky = Arc::new(Flaky {
        inner: backends.vectors.clone(),
        failures: AtomicU32::new(failures),
        attempts: AtomicU32::new(0),
    });
    backends.vectors = flaky.clone();
    let bus = backends.bus().unwrap();
    let scope = Scope::parse("default", "bob").unwrap();
    let found = files::discover(&[demo("bob").join("journal.txt")]).unwrap();
    files::publish(
        &*bus,
        &backends.lake,
        &scope,
        &found,
        &Default::default(),
        u64::MAX,
    )
    .await
    .unwrap();
    Run {
        backends,
        flaky,
        bus,
        scope,
        _dir: dir,
    }
}

async fn ingest(run: &Run) -> IngestReport {
    let mut source = run.bus.consumer(FILES_TOPIC, INGEST_GROUP).await.unwrap();
    Ingestor::new(&run.backends)
        .unwrap()
        .run(source.as_mut(), &*run.bus, &mut Quiet)
        .await
        .unwrap()
}

async fn dead_letters(bus: &dyn Bus) -> Vec<serde_json::Value> {
    letters_of(bus, FILES_DEAD_LETTER_TOPIC).await
}

async fn letters_of(bus: &dyn Bus, topic: &str) -> Vec<serde_json::Value> {
    let mut source = bus.consumer(topic, "inspect").await.unwrap();
    let letters = source.poll(100).await.unwrap();
    letters
        .iter()
        .map(|d| serde_json::from_slice(&d.payload).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_fails_twice_then_recovers_loses_nothing() {
    let run = setup(2).await;
    let report = ingest(&run).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.episodes > 0);
    assert_eq!(run.flaky.attempts.load(Ordering::SeqCst), 3);
    assert!(run.backends.vectors.count(&run.scope).await.unwrap() > 0);
    assert!(dead_letters(&*run.bus).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_down_through_every_retry_dead_letters_the_file_and_moves_on() {
    let run = setup(u32::MAX).await;
    let report = ingest(&run).await;
    // The first try and every retry, then the file is given up on.
    assert_eq!(run.flaky.attempts.load(Ordering::SeqCst), 1 + STORE_RETRIES);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.episodes, 0);
    // The partition moved on: nothing is left for the group to read.
    assert_eq!(run.bus.lag(FILES_TOPIC, INGEST_GROUP).await.unwrap(), 0);
    assert_eq!(run.backends.vectors.count(&run.scope).await.unwrap(), 0);
    // The text index took the round before the vector index failed it;
    // it was taken out again, so no search finds half-stored chunks.
    assert_eq!(run.backends.text.count(&run.scope).await.unwrap(), 0);

    let letters = dead_letters(&*run.bus).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    let error = letter["error"].as_str().unwrap();
    assert!(
        error.contains("not stored after 4 attempts") && error.contains("qdrant://down:6334"),
        "{letter}"
    );
    assert_eq!(letter["origin"]["topic"], FILES_TOPIC);
    assert_eq!(letter["origin"]["offset"], 0);

    // The store is back: replaying the dead letter stores the file.
    run.flaky.failures.store(0, Ordering::SeqCst);
    let envelope =
        FileEnvelope::from_payload(letter["payload"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(envelope.scope, run.scope);
    run.bus
        .send(
            FILES_TOPIC,
            run.scope.to_string().as_bytes(),
            &envelope.to_payload(),
        )
        .await
        .unwrap();
    let replay = ingest(&run).await;
    assert!(
        replay.errors.is_empty() && replay.episodes > 0,
        "{replay:?}"
    );
    assert!(run.backends.vectors.count(&run.scope).await.unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexer_dead_letters_what_it_cannot_read_and_applies_the_rest_in_order() {
    let run = setup(0).await;
    let dim = run.backends.dim();
    let chunk =
        |id: &str, axis: usize| twinlake_core::contract::chunk(&run.scope, id, id, axis, dim);
    let (kept, undone) = (chunk("kept", 0), chunk("undone", 1));
    // No index can take a vector of another width: retried, it would stop
    // the partition forever.
    let mut too_narrow = chunk("narrow", 2);
    too_narrow.embedding.truncate(dim / 2);
    let key = run.scope.to_string();
    let updates = [
        IndexUpdate::Upsert {
            chunk: kept.clone(),
        }
        .to_payload(),
        IndexUpdate::Upsert {
            chunk: undone.clone(),
        }
        .to_payload(),
        br#"{"op":"upsert","chunk":{"chunk_id":"half"}}"#.to_vec(),
        IndexUpdate::Upsert { chunk: too_narrow }.to_payload(),
        IndexUpdate::Delete {
            scope: run.scope.clone(),
            chunk_ids: vec![undone.chunk_id.clone()],
        }
        .to_payload(),
    ];
    for payload in &updates {
        run.bus
            .send(CHUNKS_TOPIC, key.as_bytes(), payload)
            .await
            .unwrap();
    }
    let mut source = run.bus.consumer(CHUNKS_TOPIC, INDEX_GROUP).await.unwrap();
    let indexer = Indexer::new(&run.backends);
    let report = indexer.run(source.as_mut(), &*run.bus).await.unwrap();
    assert_eq!(
        (report.upserted, report.deleted, report.malformed),
        (2, 1, 2),
        "{report:?}"
    );
    // The delete came after the upsert it undoes, so only `kept` is left.
    let left = vec![kept.chunk_id.clone()];
    assert_eq!(
        run.backends.vectors.list_ids(&run.scope).await.unwrap(),
        left
    );
    assert_eq!(run.backends.text.list_ids(&run.scope).await.unwrap(), left);
    let letters = letters_of(&*run.bus, CHUNKS_DEAD_LETTER_TOPIC).await;
    assert_eq!(letters.len(), 2, "{letters:?}");
    let error = |i: usize| letters[i]["error"].as_str().unwrap().to_string();
    assert!(error(0).contains("not an index update"), "{}", error(0));
    let width = format!("has {} dimensions", dim / 2);
    assert!(error(1).contains(&width), "{}", error(1));
    assert_eq!(letters[0]["origin"]["topic"], CHUNKS_TOPIC);
    assert_eq!(letters[0]["origin"]["offset"], 2);
    assert_eq!(letters[1]["origin"]["offset"], 3);
    // Committed: the group does not read the batch again.
    let mut again = run.bus.consumer(CHUNKS_TOPIC, INDEX_GROUP).await.unwrap();
    let replay = indexer.run(again.as_mut(), &*run.bus).await.unwrap();
    assert_eq!(
        (replay.upserted, replay.deleted, replay.malformed),
        (0, 0, 0)
    );
}
