//! The ingest pipeline: bus -> udfs -> sinks -> commit.
//!
//! Each round polls a batch of envelopes. Each names a file or a website;
//! each file (or fetched page) is read, hashed and skipped at once if the
//! lake already holds that file for that user. Otherwise it is parsed —
//! a document into one episode, an export into one episode per entry — and
//! entries already stored (from an older, overlapping export) are dropped.
//! Each file's new episodes are cut into groups of at most
//! `ingest.episodes_per_commit`. The groups of a batch's files are then
//! committed together, several small files per round: embedded in one call,
//! each group written to the lake as a chunks object, all upserted into both
//! indexes and committed once, and only then is each group's episodes object
//! written (the group's commit marker). When all of a file's groups are in,
//! its `sources` row marks the file done; after the whole batch the bus
//! position is committed. Group keys depend only on the file's own new
//! episodes, so a replay after a crash rebuilds the same objects.
//! A crash anywhere replays from the last commit; every write is keyed by
//! content, so the end state is the same as an uninterrupted run.
//!
//! A bad file (too large, unsupported, malformed, empty, not UTF-8) is
//! reported with its path and reason, sent to the dead-letter topic with
//! its origin (topic, partition, offset), and the rest of the batch goes
//! on; nothing of it is written. A store that fails while a round is
//! written (a transient error: a server down, a timeout) is retried
//! [`STORE_RETRIES`] times with exponential backoff; if it still fails,
//! the round's files are dead-lettered the same way and the batch goes on,
//! so one bad message never blocks its partition. Replaying a dead letter
//! later skips what was already stored. A bad record inside
//! an otherwise good export is skipped by its parser and reported as a
//! warning of that file, which is still stored (`--strict` refuses it).

pub mod context;
mod draft;
pub mod episodes;
pub mod report;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use twinlake_core::backend::bus::last_per_partition;
use twinlake_core::backend::{Delivery, Producer, Source};
use twinlake_core::record::Chunk;
use twinlake_core::schema::SourceFile;
use twinlake_core::{ContentHash, Scope};
use twinlake_udfs::identity::Identity;
use twinlake_udfs::parse::{Format, ParseContext, ParseError};

use self::draft::{DraftedFile, FileDraft};
pub use self::episodes::{Drafted, EpisodeBuilder};
pub use self::report::{
    FileFailure, FileOutcome, FileWarning, IngestObserver, IngestReport, Quiet, SourceSummary,
};
use crate::bus::{FILES_DEAD_LETTER_TOPIC, dead_letter, send_dead_letter};
use crate::error::FileError;
use crate::sinks::indexes::IndexSink;
use crate::sinks::lake::{LakeWriter, group_key};
use crate::sources::files::{self, FileEnvelope};
use crate::sources::{Input, website};
use twinlake_stores::Backends;

use crate::PipelineError;

/// How many leading bytes format detection looks at.
const DETECT_HEAD_BYTES: usize = 4096;
/// How often a round whose store failed transiently is tried again.
pub const STORE_RETRIES: u32 = 3;
/// The wait before the first retry; each next one waits twice as long.
const FIRST_BACKOFF: std::time::Duration = std::time::Duration::from_millis(200);

/// What the pipeline remembers between batches of one run: files already
/// seen and, per scope, the ids of episodes committed or claimed by a file
/// of this run (loaded from the lake once).
#[derive(Default)]
struct RunState {
    files: HashSet<(Scope, String)>,
    committed: HashMap<Scope, HashSet<String>>,
}

/// Runs the ingest pipeline over the stores in [`Backends`].
pub struct Ingestor<'a> {
    backends: &'a Backends,
    lake: LakeWriter,
    indexes: IndexSink,
}

impl<'a> Ingestor<'a> {
    /// A pipeline writing to `backends` (the indexes as
    /// `ingest.index_writes` says).
    pub fn new(backends: &'a Backends) -> Result<Self, PipelineError> {
        let lake = LakeWriter::new(backends.lake.clone(), backends.dim());
        let indexes = IndexSink::of(backends)?;
        Ok(Ingestor {
            backends,
            lake,
            indexes,
        })
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
            if deliveries.is_empty() {
                break;
            }
            let mut pending = Vec::new();
            for (index, delivery) in deliveries.iter().enumerate() {
                self.run_delivery(
                    (index, delivery),
                    &mut state,
                    &mut pending,
                    dead_letters,
                    observer,
                    &mut report,
                )
                .await?;
            }
            self.commit_files(&deliveries, pending, dead_letters, observer, &mut report)
                .await?;
            // Every partition's position moves past what this batch stored.
            for delivery in last_per_partition(&deliveries) {
                source.commit(delivery).await?;
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Reads and parses one envelope's inputs; what is new joins `pending`.
    async fn run_delivery(
        &self,
        (index, delivery): (usize, &Delivery),
        state: &mut RunState,
        pending: &mut Vec<PendingFile>,
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
                        Path::new(&envelope.uri),
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
            let outcome = match self.prepare(&envelope, &input, state).await {
                Ok(Some(mut file)) => {
                    file.path = path;
                    file.origin = index;
                    pending.push(file);
                    continue;
                }
                Ok(None) => FileOutcome::Duplicate,
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
            None => Ok(vec![
                files::read_envelope(&self.backends.lake, envelope, limits.max_file_bytes).await?,
            ]),
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
            let mut letter = dead_letter(delivery, &error.to_string());
            letter["path"] = serde_json::json!(path);
            send_dead_letter(dead_letters, FILES_DEAD_LETTER_TOPIC, delivery, &letter).await?;
        }
        report.record(path, &outcome);
        observer.file_done(path, &outcome);
        Ok(())
    }

    /// Parses one input and keeps its new episodes, cut into groups, for
    /// [`Self::commit_files`]. None: the file is already stored.
    async fn prepare(
        &self,
        envelope: &FileEnvelope,
        input: &Input,
        state: &mut RunState,
    ) -> Result<Option<PendingFile>, Failure> {
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
            return Ok(None);
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
            strict: envelope.options.strict,
            time_zone: self.backends.local_zone,
        };
        let draft = FileDraft {
            tokenizer: self.backends.tokenizer().map_err(PipelineError::from)?,
            chunk_tokens: config.ingest.chunk_tokens,
            scope: scope.clone(),
            uri: input.uri.clone(),
            file_hash: file_hash.clone(),
            fallback_time_us: input.modified_us,
            identity: self.identity(envelope),
            bytes: input.bytes.clone(),
            format,
            ctx,
        };
        let committed = match self.committed(scope, state).await {
            Ok(committed) => std::mem::take(committed),
            // The owner's own stored data is broken: their file fails,
            // named, and everyone else's go on.
            Err(e @ PipelineError::UnreadableObject { .. }) => {
                return Err(FileError::OwnerData(e.to_string()).into());
            }
            Err(e) => return Err(e.into()),
        };
        let (committed, drafted) =
            match tokio::task::spawn_blocking(move || draft.run(committed)).await {
                Ok(done) => done,
                Err(e) => {
                    // The set went with the thread: reload it from the lake.
                    state.committed.remove(scope);
                    return Err(draft::lost(e).into());
                }
            };
        *self.committed(scope, state).await? = committed;
        let DraftedFile {
            kind,
            entries,
            new,
            warnings,
        } = drafted?;
        state.files.insert(file_key);
        let mut groups = Vec::new();
        let mut rest = new.into_iter().peekable();
        while rest.peek().is_some() {
            groups.push(
                rest.by_ref()
                    .take(config.ingest.episodes_per_commit)
                    .collect(),
            );
        }
        let total = groups.iter().map(Vec::len).sum::<usize>();
        Ok(Some(PendingFile {
            path: PathBuf::new(),
            origin: 0,
            source: SourceFile {
                scope: scope.clone(),
                file_hash,
                uri: input.uri.clone(),
                source_kind: kind,
                entries: entries as u64,
            },
            bytes: input.bytes.len() as u64,
            groups,
            total,
            skipped: entries - total,
            warnings,
            done: 0,
            chunks: 0,
            tokens: 0,
        }))
    }

    /// Commits the groups of a batch's files, packing groups of several
    /// files into one round of at most `episodes_per_commit` episodes (a
    /// larger group goes alone); marks each file done after its last group.
    async fn commit_files(
        &self,
        deliveries: &[Delivery],
        mut files: Vec<PendingFile>,
        dead_letters: &dyn Producer,
        observer: &mut dyn IngestObserver,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        let limit = self.backends.config.ingest.episodes_per_commit;
        let mut queue: Vec<(usize, Vec<Drafted>)> = Vec::new();
        for (i, file) in files.iter_mut().enumerate() {
            queue.extend(std::mem::take(&mut file.groups).into_iter().map(|g| (i, g)));
        }
        let mut remaining: Vec<usize> = vec![0; files.len()];
        for (i, _) in &queue {
            remaining[*i] += 1;
        }
        // Files with nothing new are done at once.
        for (i, file) in files.iter().enumerate() {
            if remaining[i] == 0 {
                self.file_committed(file, observer, report).await?;
            }
        }
        let mut queue = queue.into_iter().peekable();
        while queue.peek().is_some() {
            let mut round = Vec::new();
            let mut size = 0;
            while let Some((_, group)) = queue.peek() {
                if !round.is_empty() && size + group.len() > limit {
                    break;
                }
                size += group.len();
                round.push(queue.next().expect("peeked"));
            }
            // Groups of files that already failed are not written.
            round.retain(|(i, _)| remaining[*i] != FAILED);
            if round.is_empty() {
                continue;
            }
            if let Err(exhausted) = self.commit_round_retrying(&mut round).await {
                let (attempts, error) = match exhausted {
                    Exhausted::Fatal(e) => return Err(e),
                    Exhausted::Retries { attempts, error } => (attempts, error),
                };
                self.forget_round(&round).await;
                for (i, _) in &round {
                    if remaining[*i] == FAILED {
                        continue;
                    }
                    remaining[*i] = FAILED;
                    let file = &files[*i];
                    let outcome = FileOutcome::Failed(FileError::Store {
                        attempts,
                        error: error.clone(),
                    });
                    self.finish(
                        &file.path,
                        &deliveries[file.origin],
                        outcome,
                        dead_letters,
                        observer,
                        report,
                    )
                    .await?;
                }
                continue;
            }
            for (i, group) in &round {
                let file = &mut files[*i];
                file.done += group.len();
                file.chunks += group.iter().map(|d| d.chunks.len()).sum::<usize>();
                file.tokens += group
                    .iter()
                    .flat_map(|d| &d.chunks)
                    .map(|c| u64::from(c.token_count))
                    .sum::<u64>();
                observer.episodes_committed(&file.path, file.done, file.total);
                remaining[*i] -= 1;
                if remaining[*i] == 0 {
                    self.file_committed(file, observer, report).await?;
                }
            }
        }
        Ok(())
    }

    /// Writes a file's `sources` row and reports it.
    async fn file_committed(
        &self,
        file: &PendingFile,
        observer: &mut dyn IngestObserver,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        self.lake.write_source(&file.source).await?;
        let outcome = FileOutcome::Ingested {
            kind: file.source.source_kind,
            episodes: file.total,
            chunks: file.chunks,
            tokens: file.tokens,
            skipped: file.skipped,
            warnings: file.warnings.clone(),
        };
        report.bytes += file.bytes;
        if file.total > 0 {
            report.scopes.insert(file.source.scope.clone());
        }
        report.record(&file.path, &outcome);
        observer.file_done(&file.path, &outcome);
        Ok(())
    }

    /// [`Self::commit_round`], tried again after a transient store error,
    /// [`STORE_RETRIES`] times with exponential backoff. Returns the last
    /// error once they are spent; other errors stop the pipeline.
    async fn commit_round_retrying(
        &self,
        round: &mut [(usize, Vec<Drafted>)],
    ) -> Result<(), Exhausted> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            match self.commit_round(round).await {
                Ok(()) => return Ok(()),
                Err(e) if !e.is_transient() => return Err(Exhausted::Fatal(e)),
                Err(e) if attempt > STORE_RETRIES => {
                    return Err(Exhausted::Retries {
                        attempts: attempt,
                        error: e.to_string(),
                    });
                }
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "store failed; retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
            }
        }
    }

    /// Takes a round that could not be stored out of the indexes again, so
    /// no search finds chunks whose episodes were never committed (their
    /// lake objects have no commit marker and are never read). Best effort:
    /// a store still down keeps what it has until the file is replayed.
    async fn forget_round(&self, round: &[(usize, Vec<Drafted>)]) {
        let chunks: Vec<Chunk> = round
            .iter()
            .flat_map(|(_, g)| g.iter().flat_map(|d| d.chunks.iter().cloned()))
            .collect();
        if let Err(error) = self.indexes.forget(&chunks).await {
            tracing::warn!(%error, "could not take a failed round out of the indexes");
        }
    }

    /// Embeds, stores and indexes a round of groups with one index commit,
    /// then writes each group's commit marker.
    async fn commit_round(&self, round: &mut [(usize, Vec<Drafted>)]) -> Result<(), PipelineError> {
        let texts: Vec<String> = round
            .iter()
            .flat_map(|(_, g)| {
                g.iter()
                    .flat_map(|d| d.chunks.iter().map(|c| c.text.clone()))
            })
            .collect();
        let vectors = if texts.is_empty() {
            Vec::new()
        } else {
            self.backends
                .embedder()
                .await?
                .embed_in_background(texts)
                .await?
        };
        let mut vectors = vectors.into_iter();
        for chunk in round
            .iter_mut()
            .flat_map(|(_, g)| g.iter_mut().flat_map(|d| d.chunks.iter_mut()))
        {
            chunk.embedding = vectors.next().expect("one vector per chunk");
        }
        let mut all = Vec::new();
        let mut markers = Vec::with_capacity(round.len());
        for (_, group) in round.iter() {
            let episodes: Vec<_> = group.iter().map(|d| d.episode.clone()).collect();
            let key = group_key(&episodes);
            let chunks: Vec<Chunk> = group
                .iter()
                .flat_map(|d| d.chunks.iter().cloned())
                .collect();
            self.lake
                .write_chunks(&episodes[0].scope, &key, &chunks)
                .await?;
            all.extend(chunks);
            markers.push((key, episodes));
        }
        self.indexes.store(&all).await?;
        for (key, episodes) in &markers {
            self.lake
                .write_episodes(&episodes[0].scope, key, episodes)
                .await?;
        }
        Ok(())
    }

    /// The committed episode ids of `scope`, read from the lake once per run.
    async fn committed<'s>(
        &self,
        scope: &Scope,
        state: &'s mut RunState,
    ) -> Result<&'s mut HashSet<String>, PipelineError> {
        if !state.committed.contains_key(scope) {
            let ids = self.lake.committed_episode_ids(scope).await?;
            state.committed.insert(scope.clone(), ids);
        }
        Ok(state.committed.get_mut(scope).expect("just inserted"))
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
        Identity::new(user, configured.chain(&envelope.options.me))
    }
}

/// A parsed file whose new episodes wait to be committed.
struct PendingFile {
    path: PathBuf,
    /// The index, in its batch, of the bus message that named it (for
    /// a dead letter, which carries that message).
    origin: usize,
    source: SourceFile,
    bytes: u64,
    groups: Vec<Vec<Drafted>>,
    total: usize,
    skipped: usize,
    /// The parser's warnings (records skipped or flagged), rendered.
    warnings: Vec<String>,
    done: usize,
    chunks: usize,
    tokens: u64,
}

/// Marks a file of [`Ingestor::commit_files`] whose round could not be stored.
const FAILED: usize = usize::MAX;

/// Why a round was not stored.
enum Exhausted {
    /// A transient error outlasted every retry: the round's files are
    /// dead-lettered and the pipeline goes on.
    Retries { attempts: u32, error: String },
    /// An error no retry mends (configuration, the model): the pipeline stops.
    Fatal(PipelineError),
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
    if let Some(name) = envelope
        .options
        .format
        .as_deref()
        .or(input.format.as_deref())
    {
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
