//! What an ingest run did: per file, per source kind, and in total.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::record::SourceKind;

use crate::error::FileError;

/// What became of one file (or fetched page).
#[derive(Debug)]
pub enum FileOutcome {
    /// Parsed and stored.
    Ingested {
        /// What it was read as.
        kind: SourceKind,
        /// New episodes stored.
        episodes: usize,
        /// Chunks stored.
        chunks: usize,
        /// Model tokens in those chunks.
        tokens: u64,
        /// Entries already stored (an overlapping earlier export).
        skipped: usize,
        /// Records the parser skipped or flagged, each naming its line and
        /// field.
        warnings: Vec<String>,
    },
    /// The same file was already stored for this user.
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

/// A file that was ingested with a warning: one of its records was skipped
/// or read with a doubt.
#[derive(Clone, Debug, Serialize)]
pub struct FileWarning {
    /// The file.
    pub path: PathBuf,
    /// What the parser said, naming the record's line and field.
    pub warning: String,
}

/// The totals of one source kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceSummary {
    /// Files read as this kind.
    pub files: usize,
    /// New episodes stored.
    pub episodes: usize,
    /// Chunks stored.
    pub chunks: usize,
    /// Entries skipped because they were already stored.
    pub skipped: usize,
}

/// The summary of an ingest run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IngestReport {
    /// Files taken from the bus (a website URL counts once).
    pub files: usize,
    /// New episodes stored.
    pub episodes: usize,
    /// Chunks stored.
    pub chunks: usize,
    /// Model tokens in the chunks stored.
    pub tokens: u64,
    /// Files skipped because the same file was already stored.
    pub duplicates: usize,
    /// Entries of new files skipped because they were already stored.
    pub skipped_entries: usize,
    /// Files refused.
    pub errors: Vec<FileFailure>,
    /// Records skipped or flagged in files that were stored.
    pub warnings: Vec<FileWarning>,
    /// Bytes of new files read.
    pub bytes: u64,
    /// Wall time, in seconds.
    pub seconds: f64,
    /// Totals per source kind, by kind name.
    pub by_source: BTreeMap<String, SourceSummary>,
    /// The users who got new episodes (their memories are out of date).
    #[serde(skip)]
    pub scopes: BTreeSet<Scope>,
}

impl IngestReport {
    /// Adds a file's outcome to the totals.
    pub(crate) fn record(&mut self, path: &Path, outcome: &FileOutcome) {
        match outcome {
            FileOutcome::Ingested {
                kind,
                episodes,
                chunks,
                tokens,
                skipped,
                warnings,
            } => {
                self.warnings
                    .extend(warnings.iter().map(|warning| FileWarning {
                        path: path.to_path_buf(),
                        warning: warning.clone(),
                    }));
                self.episodes += episodes;
                self.chunks += chunks;
                self.tokens += tokens;
                self.skipped_entries += skipped;
                let summary = self.by_source.entry(kind.as_str().to_string()).or_default();
                summary.files += 1;
                summary.episodes += episodes;
                summary.chunks += chunks;
                summary.skipped += skipped;
            }
            FileOutcome::Duplicate => self.duplicates += 1,
            FileOutcome::Failed(error) => self.errors.push(FileFailure {
                path: path.to_path_buf(),
                error: error.to_string(),
            }),
        }
    }
}

/// Told about progress as the pipeline runs (the CLI draws a bar with it).
pub trait IngestObserver: Send {
    /// A file is done.
    fn file_done(&mut self, _path: &Path, _outcome: &FileOutcome) {}
    /// Episodes of a large file were committed (`done` of `total`).
    fn episodes_committed(&mut self, _path: &Path, _done: usize, _total: usize) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl IngestObserver for Quiet {}
