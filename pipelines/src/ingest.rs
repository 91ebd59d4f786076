//! The ingest pipeline: bus -> udfs -> sinks -> commit.
//!
//! Each round polls a batch of file envelopes and, per file: reads it
//! (refusing files over the size limit), hashes it, skips it if the lake
//! already holds that content for that user, then parses, normalises and
//! chunks it. The batch's chunks are embedded together, written to the lake,
//! upserted into both indexes and committed; then each episode row is
//! written (the episode's commit marker) and only then is the bus position
//! committed. A crash anywhere replays the batch, and every write is keyed
//! by content, so the end state is the same as an uninterrupted run.
//!
//! A bad file (too large, unsupported, corrupt, empty, not UTF-8) is
//! reported with its path and reason, sent to the dead-letter topic, and the
//! rest of the batch goes on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use twinlake_core::backend::{Delivery, Producer, Source};
use twinlake_core::ids::{chunk_id, episode_id};
use twinlake_core::record::{Chunk, Episode, SourceRef};
use twinlake_core::{ContentHash, Scope};
use twinlake_udfs::chunk::chunk;
use twinlake_udfs::normalize::normalize;
use twinlake_udfs::parse::{self, Format, ParseError};

use crate::bus::FILES_DEAD_LETTER_TOPIC;
use crate::error::FileError;
use crate::sinks::lake::LakeWriter;
use crate::sources::files::FileEnvelope;
use crate::{Backends, PipelineError};

/// What became of one file.
#[derive(Debug)]
pub enum FileOutcome {
    /// Stored, as this many chunks.
    Ingested {
        /// Chunks written.
        chunks: usize,
    },
    /// Its content was already stored for this user.
    Duplicate,
    /// Refused, for this reason.
    Failed(FileError),
}

/// A file that was not ingested, and why.
#[derive(Clone, Debug, Serialize)]
pub struct FileFailure {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub error: String,
}

/// The summary of an ingest run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IngestReport {
    /// Files taken from the bus.
    pub files: usize,
    /// New episodes stored.
    pub episodes: usize,
    /// Chunks stored.
    pub chunks: usize,
    /// Model tokens in the chunks stored.
    pub tokens: u64,
    /// Files skipped because their content was already stored.
    pub duplicates: usize,
    /// Files refused.
    pub errors: Vec<FileFailure>,
    /// Bytes of new episodes read.
    pub bytes: u64,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// Told about progress as the pipeline runs (the CLI draws a bar with it).
pub trait IngestObserver: Send {
    /// A file is done.
    fn file_done(&mut self, _path: &Path, _outcome: &FileOutcome) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl IngestObserver for Quiet {}

/// A file read, parsed and chunked, waiting for its embeddings.
struct Prepared {
    delivery_index: usize,
    episode: Episode,
    chunks: Vec<Chunk>,
}

/// Runs the ingest pipeline over the stores in [`Backends`].
pub struct Ingestor<'a> {
    backends: &'a Backends,
    lake: LakeWriter,
}

impl<'a> Ingestor<'a> {
    /// A pipeline writing to `backends`.
    pub fn new(backends: &'a Backends) -> Self {
        let lake = LakeWriter::new(backends.lake.clone(), backends.embedder.dim());
        Ingestor { backends, lake }
    }

    /// Consumes `source` until it is caught up. Failed envelopes go to
    /// `dead_letters`.
    pub async fn run(
        &self,
        source: &mut dyn Source,
        dead_letters: &dyn Producer,
        observer: &mut dyn IngestObserver,
    ) -> Result<IngestReport, PipelineError> {
        let started = Instant::now();
        let mut report = IngestReport::default();
        let mut seen: HashSet<(Scope, String)> = HashSet::new();
        loop {
            let deliveries = source
                .poll(self.backends.config.ingest.files_per_batch)
                .await?;
            let Some(last) = deliveries.last().cloned() else {
                break;
            };
            self.run_batch(&deliveries, &mut seen, dead_letters, observer, &mut report)
                .await?;
            source.commit(&last).await?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    async fn run_batch(
        &self,
        deliveries: &[Delivery],
        seen: &mut HashSet<(Scope, String)>,
        dead_letters: &dyn Producer,
        observer: &mut dyn IngestObserver,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        let mut prepared = Vec::new();
        let mut paths = Vec::with_capacity(deliveries.len());
        for (i, delivery) in deliveries.iter().enumerate() {
            report.files += 1;
            let envelope = match FileEnvelope::from_payload(&delivery.payload) {
                Ok(e) => e,
                Err(e) => {
                    let path = PathBuf::from(format!("<bus message {}>", delivery.offset));
                    self.fail(
                        &path,
                        delivery,
                        FileError::Envelope(e.to_string()),
                        dead_letters,
                        observer,
                        report,
                    )
                    .await?;
                    paths.push(path);
                    continue;
                }
            };
            paths.push(envelope.path.clone());
            match self.prepare(&envelope, seen).await {
                Ok(Some((episode, chunks))) => prepared.push(Prepared {
                    delivery_index: i,
                    episode,
                    chunks,
                }),
                Ok(None) => {
                    report.duplicates += 1;
                    observer.file_done(&envelope.path, &FileOutcome::Duplicate);
                }
                Err(e) => {
                    self.fail(&envelope.path, delivery, e, dead_letters, observer, report)
                        .await?
                }
            }
        }
        if prepared.is_empty() {
            return Ok(());
        }

        // One embedding call for the whole batch keeps inference batches full.
        let texts: Vec<&str> = prepared
            .iter()
            .flat_map(|p| p.chunks.iter().map(|c| c.text.as_str()))
            .collect();
        let vectors = self.backends.embedder.embed(&texts)?;
        let mut vectors = vectors.into_iter();
        for p in &mut prepared {
            for c in &mut p.chunks {
                c.embedding = vectors.next().expect("one vector per chunk");
            }
        }

        for p in &prepared {
            self.lake.write_chunks(&p.episode, &p.chunks).await?;
        }
        let all: Vec<Chunk> = prepared
            .iter()
            .flat_map(|p| p.chunks.iter().cloned())
            .collect();
        self.backends.vectors.upsert(&all)?;
        self.backends.text.upsert(&all)?;
        self.backends.vectors.commit()?;
        self.backends.text.commit()?;
        for p in &prepared {
            self.lake.write_episode(&p.episode).await?;
            report.episodes += 1;
            report.chunks += p.chunks.len();
            report.tokens += p
                .chunks
                .iter()
                .map(|c| u64::from(c.token_count))
                .sum::<u64>();
            report.bytes += p.episode.byte_len;
            observer.file_done(
                &paths[p.delivery_index],
                &FileOutcome::Ingested {
                    chunks: p.chunks.len(),
                },
            );
        }
        Ok(())
    }

    async fn fail(
        &self,
        path: &Path,
        delivery: &Delivery,
        error: FileError,
        dead_letters: &dyn Producer,
        observer: &mut dyn IngestObserver,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        tracing::debug!(path = %path.display(), %error, "file refused");
        let letter = serde_json::json!({
            "path": path,
            "error": error.to_string(),
            "payload": String::from_utf8_lossy(&delivery.payload),
        });
        dead_letters
            .send(
                FILES_DEAD_LETTER_TOPIC,
                &delivery.key,
                letter.to_string().as_bytes(),
            )
            .await?;
        report.errors.push(FileFailure {
            path: path.to_path_buf(),
            error: error.to_string(),
        });
        observer.file_done(path, &FileOutcome::Failed(error));
        Ok(())
    }

    /// Reads, dedups, parses, normalises and chunks one file. None: a duplicate.
    async fn prepare(
        &self,
        envelope: &FileEnvelope,
        seen: &mut HashSet<(Scope, String)>,
    ) -> Result<Option<(Episode, Vec<Chunk>)>, FileError> {
        let limits = &self.backends.config.ingest;
        let meta = std::fs::metadata(&envelope.path).map_err(FileError::Read)?;
        if meta.len() > limits.max_file_bytes {
            return Err(FileError::TooLarge {
                size: meta.len(),
                limit: limits.max_file_bytes,
            });
        }
        let bytes = std::fs::read(&envelope.path).map_err(FileError::Read)?;
        if bytes.is_empty() {
            return Err(ParseError::Empty.into());
        }
        let hash = ContentHash::of(&bytes).to_hex();
        let scope = envelope.scope.clone();
        if seen.contains(&(scope.clone(), hash.clone())) {
            return Ok(None);
        }
        // A lake error here is treated as "not stored": the write path will
        // surface it properly if the lake is really down.
        if self.lake.has_episode(&scope, &hash).await.unwrap_or(false) {
            seen.insert((scope, hash));
            return Ok(None);
        }
        let format = match &envelope.format {
            Some(name) => Format::from_name(name)
                .ok_or_else(|| ParseError::Unsupported(format!("format {name:?}")))?,
            None => {
                Format::detect(&envelope.path, &bytes[..bytes.len().min(512)]).ok_or_else(|| {
                    let ext = envelope
                        .path
                        .extension()
                        .map(|e| format!(".{}", e.to_string_lossy()));
                    ParseError::Unsupported(
                        ext.unwrap_or_else(|| "(no extension, unrecognised content)".into()),
                    )
                })?
            }
        };
        let doc = parse::parse(&bytes, format)?;
        let (text, map) = normalize(&doc.text, &doc.map);
        // Pages are hard breaks: a chunk cites exactly one page.
        let page_breaks: Vec<usize> = doc
            .page_starts
            .iter()
            .skip(1)
            .map(|&p| text_offset_of(&map, text.len(), p))
            .collect();
        let spans = chunk(
            self.backends.embedder.tokenizer(),
            &text,
            limits.chunk_tokens,
            &page_breaks,
        )
        .map_err(FileError::Chunk)?;
        let occurred_at_us = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_micros() as i64);
        let uri = envelope.path.display().to_string();
        let episode_id = episode_id(&scope, &ContentHash::of(&bytes));
        let chunks: Vec<Chunk> = spans
            .iter()
            .enumerate()
            .map(|(ordinal, span)| Chunk {
                chunk_id: chunk_id(&episode_id, ordinal as u32),
                episode_id: episode_id.clone(),
                scope: scope.clone(),
                ordinal: ordinal as u32,
                text: text[span.start..span.end].to_string(),
                token_count: span.token_count as u32,
                source: SourceRef {
                    uri: uri.clone(),
                    byte_start: map.source_start(span.start) as u64,
                    byte_end: map.source_end(span.end) as u64,
                    page: doc.page_of(map.source_start(span.start)),
                    message_id: None,
                },
                source_kind: doc.kind,
                occurred_at_us,
                embedding: Vec::new(),
            })
            .collect();
        let episode = Episode {
            episode_id,
            scope: scope.clone(),
            source_kind: doc.kind,
            source_uri: uri,
            content_hash: hash.clone(),
            byte_len: bytes.len() as u64,
            title: doc.title.clone(),
            occurred_at_us,
            chunk_count: chunks.len() as u32,
        };
        seen.insert((scope, hash));
        Ok(Some((episode, chunks)))
    }
}

/// The first text offset whose source offset is at or after `source`
/// (`source_start` is monotonic, so a binary search finds it).
fn text_offset_of(
    map: &twinlake_udfs::offsets::OffsetMap,
    text_len: usize,
    source: usize,
) -> usize {
    let (mut lo, mut hi) = (0, text_len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if map.source_start(mid) < source {
            lo = mid + 1
        } else {
            hi = mid
        }
    }
    lo
}
