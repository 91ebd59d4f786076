//! The indexer: applies the chunks topic to the indexes this process
//! opened.
//!
//! When `ingest.index_writes` is `chunks_topic`, pipeline workers store
//! chunks in the lake and send them to the chunks topic instead of writing
//! indexes in their own data directories. An indexer consumes that topic as
//! a member of a consumer group and writes every update into its
//! `vectors.url` and `text.url`. One group builds one copy of the indexes:
//! a serving node with embedded indexes runs its own group, and several
//! indexers in one group share the partitions of a shared index server.
//!
//! Each batch is applied in order (an owner's updates share a partition,
//! so a delete follows the upserts it undoes), both indexes are committed,
//! and only then is the bus position committed: a crash replays the batch,
//! and upserts and deletes by id make the replay harmless. A message that
//! is not an index update, or a chunk no index could store (its embedding
//! is not the lake's width), is dead-lettered with its origin and skipped:
//! retrying it would stop the partition for good.

use std::sync::Arc;
use std::time::{Duration, Instant};

use twinlake_core::backend::bus::last_per_partition;
use twinlake_core::backend::{Bus, ChunkIndex, Producer, Source, TextIndex, VectorIndex};
use twinlake_core::record::Chunk;
use twinlake_stores::Backends;

use crate::PipelineError;
use crate::bus::index_update::IndexUpdate;
use crate::bus::{CHUNKS_DEAD_LETTER_TOPIC, CHUNKS_TOPIC, dead_letter, send_dead_letter};

/// Updates taken from the bus per batch (one index commit each).
pub const UPDATES_PER_BATCH: usize = 512;
/// How often a following indexer looks for new updates once caught up.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// What an indexer run did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct IndexReport {
    /// Chunks upserted.
    pub upserted: usize,
    /// Chunks deleted.
    pub deleted: usize,
    /// Messages that were not index updates, dead-lettered.
    pub malformed: usize,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// Writes the chunks topic into one copy of the indexes.
pub struct Indexer {
    vectors: Arc<dyn VectorIndex>,
    text: Arc<dyn TextIndex>,
    /// The width of every embedding the vector index takes.
    dim: usize,
}

impl Indexer {
    /// An indexer writing the indexes of `backends`.
    pub fn new(backends: &Backends) -> Self {
        Indexer {
            vectors: backends.vectors.clone(),
            text: backends.text.clone(),
            dim: backends.dim(),
        }
    }

    /// Consumes `source` (the chunks topic) until it is caught up;
    /// malformed messages go to `dead_letters`.
    pub async fn run(
        &self,
        source: &mut dyn Source,
        dead_letters: &dyn Producer,
    ) -> Result<IndexReport, PipelineError> {
        let started = Instant::now();
        let mut report = IndexReport::default();
        loop {
            let deliveries = source.poll(UPDATES_PER_BATCH).await?;
            if deliveries.is_empty() {
                break;
            }
            let mut upserts: Vec<Chunk> = Vec::new();
            for delivery in &deliveries {
                match IndexUpdate::from_payload(&delivery.payload, self.dim) {
                    Ok(IndexUpdate::Upsert { chunk }) => upserts.push(chunk),
                    Ok(IndexUpdate::Delete { scope, chunk_ids }) => {
                        // Earlier upserts first: the delete may undo them.
                        report.upserted += self.upsert(std::mem::take(&mut upserts)).await?;
                        self.each(|index| index.delete(&scope, &chunk_ids)).await?;
                        report.deleted += chunk_ids.len();
                    }
                    Err(error) => {
                        tracing::warn!(
                            partition = delivery.partition,
                            offset = delivery.offset,
                            %error,
                            "index update skipped"
                        );
                        let letter = dead_letter(delivery, &error);
                        send_dead_letter(dead_letters, CHUNKS_DEAD_LETTER_TOPIC, delivery, &letter)
                            .await?;
                        report.malformed += 1;
                    }
                }
            }
            report.upserted += self.upsert(upserts).await?;
            self.each(|index| index.commit()).await?;
            for delivery in last_per_partition(&deliveries) {
                source.commit(delivery).await?;
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Keeps the indexes following the chunks topic as a member of
    /// `group` until `stop` completes: caught up, then again every second.
    /// `on_round` sees each round's report. A failed round is logged and
    /// retried by a new member after a pause, from the group's commit.
    pub async fn follow(
        &self,
        bus: &dyn Bus,
        group: &str,
        mut on_round: impl FnMut(&IndexReport),
        stop: impl Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        let mut member: Option<Box<dyn Source>> = None;
        loop {
            let round = async {
                if member.is_none() {
                    member = Some(bus.consumer(CHUNKS_TOPIC, group).await?);
                }
                let source = member.as_mut().expect("just opened");
                self.run(source.as_mut(), bus).await
            };
            let outcome = tokio::select! {
                _ = &mut stop => return,
                outcome = round => outcome,
            };
            let pause = match outcome {
                Ok(report) => {
                    on_round(&report);
                    FOLLOW_EVERY
                }
                Err(error) => {
                    tracing::warn!(%error, group, "indexing failed; rejoining the group");
                    member = None;
                    FOLLOW_EVERY * 5
                }
            };
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    async fn upsert(&self, chunks: Vec<Chunk>) -> Result<usize, PipelineError> {
        if !chunks.is_empty() {
            self.each(|index| index.upsert(&chunks)).await?;
        }
        Ok(chunks.len())
    }

    /// Runs the same call on both indexes, concurrently.
    async fn each<'s, F, Fut>(&'s self, call: F) -> Result<(), PipelineError>
    where
        F: Fn(&'s dyn ChunkIndex) -> Fut,
        Fut: Future<Output = Result<(), twinlake_core::backend::BackendError>>,
    {
        let vectors: &dyn ChunkIndex = &*self.vectors;
        let text: &dyn ChunkIndex = &*self.text;
        tokio::try_join!(call(vectors), call(text))?;
        Ok(())
    }
}
