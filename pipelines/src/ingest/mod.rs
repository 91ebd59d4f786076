//! The ingest pipeline: bus -> udfs -> sinks -> commit.
//!
//! Each round polls a batch of envelopes. Each names a file or a website;
//! each file (or fetched page) is read, hashed and skipped at once if the
//! lake already holds that file for that user. Otherwise it is parsed —
//! a document into one episode, an export into one episode per entry — and
//! entries already stored (from an older, overlapping export) are dropped.
//! The new episodes are committed in groups of `ingest.episodes_per_commit`:
//! embedded, written to the lake as chunks, upserted into both indexes and
//! committed, and only then is the group's episodes object written (the
//! group's commit marker). After the last group a `sources` row marks the
//! file done, and after the whole batch the bus position is committed.
//! A crash anywhere replays from the last commit; every write is keyed by
//! content, so the end state is the same as an uninterrupted run.
//!
//! A bad file (too large, unsupported, malformed, empty, not UTF-8) is
//! reported with its path and reason, sent to the dead-letter topic, and the
//! rest of the batch goes on; nothing of it is written.

pub mod episodes;
pub mod report;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use twinlake_core::backend::{Delivery, Producer, Source};
use twinlake_core::record::Chunk;
use twinlake_core::schema::SourceFile;
use twinlake_core::{ContentHash, Scope};
use twinlake_udfs::identity::Identity;
use twinlake_udfs::parse::{self, Format, ParseContext, ParseError, Parsed};

pub use self::episodes::{Drafted, EpisodeBuilder};
pub use self::report::{
    FileFailure, FileOutcome, IngestObserver, IngestReport, Quiet, SourceSummary,
};
use crate::bus::FILES_DEAD_LETTER_TOPIC;
use crate::error::FileError;
use crate::sinks::lake::{LakeWriter, group_key};
use crate::sources::files::{self, FileEnvelope};
use crate::sources::{Input, website};
use crate::{Backends, PipelineError};

/// How many leading bytes format detection looks at.
const DETECT_HEAD_BYTES: usize = 4096;

/// What the pipeline remembers between batches of one run: files already
/// seen and, per scope, the ids of committed episodes (loaded once).
#[derive(Default)]
struct RunState {
    files: HashSet<(Scope, String)>,
    committed: HashMap<Scope, HashSet<String>>,
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
        let mut state = RunState::default();
        loop {
            let deliveries = source
                .poll(self.backends.config.ingest.files_per_batch)
                .await?;
            let Some(last) = deliveries.last().cloned() else {
                break;
            };
            for delivery in &deliveries {
                self.run_delivery(delivery, &mut state, dead_letters, observer, &mut report)
                    .await?;
            }
            source.commit(&last).await?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    async fn run_delivery(
        &self,
        delivery: &Delivery,
        state: &mut RunState,
        dead_letters: &dyn Producer,
        observer: &mut dyn IngestObserver,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        report.files += 1;
        let envelope = match FileEnvelope::from_payload(&delivery.payload) {
            Ok(e) => e,
            Err(e) => {
                let path = PathBuf::from(format!("<bus message {}>", delivery.offset));
                let outcome = FileOutcome::Failed(FileError::Envelope(e.to_string()));
                return self
                    .finish(&path, delivery, outcome, dead_letters, observer, report)
                    .await;
            }
        };
        let inputs = match self.read(&envelope).await {
            Ok(inputs) => inputs,
            Err(e) => {
                return self
                    .finish(
                        &envelope.path,
                        delivery,
                        FileOutcome::Failed(e),
                        dead_letters,
                        observer,
                        report,
                    )
                    .await;
            }
        };
        for input in inputs {
            let path = PathBuf::from(&input.uri);
            let outcome = match self.ingest(&envelope, &input, state, observer).await {
                Ok(outcome) => {
                    if matches!(outcome, FileOutcome::Ingested { .. }) {
                        report.bytes += input.bytes.len() as u64;
                    }
                    outcome
                }
                Err(Failure::File(e)) => FileOutcome::Failed(e),
                Err(Failure::Pipeline(e)) => return Err(e),
            };
            self.finish(&path, delivery, outcome, dead_letters, observer, report)
                .await?;
        }
        Ok(())
    }

    /// The inputs an envelope names: one file, or the pages of a website.
    async fn read(&self, envelope: &FileEnvelope) -> Result<Vec<Input>, FileError> {
        let limits = &self.backends.config.ingest;
        match envelope.url() {
            Some(url) => website::crawl(url, limits.website_max_pages, limits.max_file_bytes).await,
            None => Ok(vec![files::read(&envelope.path, limits.max_file_bytes)?]),
        }
    }

    /// Records an outcome; a failure also goes to the dead-letter topic.
    async fn finish(
        &self,
        path: &Path,
        delivery: &Delivery,
        outcome: FileOutcome,
        dead_letters: &dyn Producer,
        observer: &mut dyn IngestObserver,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        if let FileOutcome::Failed(error) = &outcome {
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
        }
        report.record(path, &outcome);
        observer.file_done(path, &outcome);
        Ok(())
    }

    /// Parses one input and commits its new episodes.
    async fn ingest(
        &self,
        envelope: &FileEnvelope,
        input: &Input,
        state: &mut RunState,
        observer: &mut dyn IngestObserver,
    ) -> Result<FileOutcome, Failure> {
        let config = &self.backends.config;
        let scope = &envelope.scope;
        if input.bytes.is_empty() {
            return Err(FileError::from(ParseError::Empty).into());
        }
        let file_hash = ContentHash::of(&input.bytes).to_hex();
        let file_key = (scope.clone(), file_hash.clone());
        // A lake error here is treated as "not stored": the write path will
        // surface it properly if the lake is really down.
        if state.files.contains(&file_key)
            || self
                .lake
                .has_source(scope, &file_hash)
                .await
                .unwrap_or(false)
        {
            state.files.insert(file_key);
            return Ok(FileOutcome::Duplicate);
        }
        let format = detect(envelope, input)?;
        let ctx = ParseContext {
            file_name: input
                .name
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            // Recurrences are expanded from the export's own date, so the
            // same file always yields the same episodes.
            now_us: input.modified_us,
            horizon_days: config.ingest.calendar_horizon_days,
            max_entries: config.ingest.max_entries_per_file,
        };
        let parsed = parse::parse(&input.bytes, format, &ctx).map_err(FileError::from)?;
        let builder = EpisodeBuilder {
            tokenizer: self.backends.embedder.tokenizer(),
            chunk_tokens: config.ingest.chunk_tokens,
            scope,
            uri: &input.uri,
            file_hash: &file_hash,
            fallback_time_us: input.modified_us,
        };
        let (kind, drafts) = match &parsed {
            Parsed::Document(doc) => (doc.kind, vec![builder.document(doc, &input.bytes)?]),
            Parsed::Export(export) => {
                // An export may hold no entries (an empty chat, an archive's
                // account.js): that is recorded, not refused.
                let kind = format.source_kind();
                let identity = self.identity(envelope);
                (kind, builder.export(export, kind, &identity)?)
            }
        };
        let entries = drafts.len();
        let committed = self.committed(scope, state).await?;
        let mut fresh = HashSet::new();
        let mut new: Vec<Drafted> = drafts
            .into_iter()
            .filter(|d| {
                !committed.contains(&d.episode.episode_id)
                    && fresh.insert(d.episode.episode_id.clone())
            })
            .collect();
        let skipped = entries - new.len();
        let total = new.len();
        let (mut chunks, mut tokens) = (0, 0);
        let mut done = 0;
        for group in new.chunks_mut(config.ingest.episodes_per_commit) {
            let (c, t) = self.commit_group(scope, group).await?;
            chunks += c;
            tokens += t;
            done += group.len();
            let committed = state.committed.entry(scope.clone()).or_default();
            committed.extend(group.iter().map(|d| d.episode.episode_id.clone()));
            observer.episodes_committed(&input.name, done, total);
        }
        self.lake
            .write_source(&SourceFile {
                scope: scope.clone(),
                file_hash,
                uri: input.uri.clone(),
                source_kind: kind,
                entries: entries as u64,
            })
            .await?;
        state.files.insert(file_key);
        Ok(FileOutcome::Ingested {
            kind,
            episodes: total,
            chunks,
            tokens,
            skipped,
        })
    }

    /// Embeds, stores and indexes one group, then writes its commit marker.
    /// Returns the chunks and model tokens stored.
    async fn commit_group(
        &self,
        scope: &Scope,
        group: &mut [Drafted],
    ) -> Result<(usize, u64), PipelineError> {
        let texts: Vec<&str> = group
            .iter()
            .flat_map(|d| d.chunks.iter().map(|c| c.text.as_str()))
            .collect();
        let vectors = if texts.is_empty() {
            Vec::new()
        } else {
            self.backends.embedder.embed(&texts)?
        };
        let mut vectors = vectors.into_iter();
        for chunk in group.iter_mut().flat_map(|d| d.chunks.iter_mut()) {
            chunk.embedding = vectors.next().expect("one vector per chunk");
        }
        let episodes: Vec<_> = group.iter().map(|d| d.episode.clone()).collect();
        let chunks: Vec<Chunk> = group
            .iter()
            .flat_map(|d| d.chunks.iter().cloned())
            .collect();
        let key = group_key(&episodes);
        self.lake.write_chunks(scope, &key, &chunks).await?;
        self.backends.vectors.upsert(&chunks)?;
        self.backends.text.upsert(&chunks)?;
        self.backends.vectors.commit()?;
        self.backends.text.commit()?;
        self.lake.write_episodes(scope, &key, &episodes).await?;
        let tokens = chunks.iter().map(|c| u64::from(c.token_count)).sum();
        Ok((chunks.len(), tokens))
    }

    /// The committed episode ids of `scope`, read from the lake once per run.
    async fn committed<'s>(
        &self,
        scope: &Scope,
        state: &'s mut RunState,
    ) -> Result<&'s HashSet<String>, PipelineError> {
        if !state.committed.contains_key(scope) {
            let ids = self.lake.committed_episode_ids(scope).await?;
            state.committed.insert(scope.clone(), ids);
        }
        Ok(&state.committed[scope])
    }

    /// The names the envelope's user goes by: configured, and given with it.
    fn identity(&self, envelope: &FileEnvelope) -> Identity {
        let user = envelope.scope.user.as_str();
        let configured = self
            .backends
            .config
            .identities
            .get(user)
            .into_iter()
            .flatten();
        Identity::new(user, configured.chain(&envelope.me))
    }
}

/// Why an input was not ingested: its own fault, or the pipeline's.
enum Failure {
    File(FileError),
    Pipeline(PipelineError),
}

impl From<FileError> for Failure {
    fn from(e: FileError) -> Self {
        Failure::File(e)
    }
}

impl From<PipelineError> for Failure {
    fn from(e: PipelineError) -> Self {
        Failure::Pipeline(e)
    }
}

/// The input's format: forced by `--format`, implied by its source, or detected.
fn detect(envelope: &FileEnvelope, input: &Input) -> Result<Format, FileError> {
    if let Some(name) = envelope.format.as_deref().or(input.format.as_deref()) {
        return Format::from_name(name).ok_or_else(|| {
            ParseError::Unsupported(format!("format {name:?} (formats: {})", Format::NAMES)).into()
        });
    }
    let head = &input.bytes[..input.bytes.len().min(DETECT_HEAD_BYTES)];
    Format::detect(&input.name, head).ok_or_else(|| {
        let ext = input
            .name
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()));
        ParseError::Unsupported(
            ext.unwrap_or_else(|| "(no extension, unrecognised content)".into()),
        )
        .into()
    })
}
