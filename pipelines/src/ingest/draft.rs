//! Parsing one file and drafting its new episodes, on the blocking pool.
//!
//! Parsing, normalising and chunking (tokenizing every passage) is CPU
//! work proportional to the file, up to `ingest.max_file_bytes`: on an
//! async thread it would stall every request sharing that thread. So a
//! [`FileDraft`] owns all it needs and runs on the blocking pool; it
//! borrows the owner's set of committed episode ids for the run and hands
//! it back, so entries stored earlier are skipped without copying the set.

use std::collections::HashSet;
use std::sync::Arc;

use tokenizers::Tokenizer;
use twinlake_core::Scope;
use twinlake_core::record::SourceKind;
use twinlake_udfs::identity::Identity;
use twinlake_udfs::parse::{self, Format, ParseContext, ParseError, Parsed};

use super::episodes::{Drafted, EpisodeBuilder};
use crate::error::FileError;

/// One file to parse and draft, with everything the work needs.
pub(super) struct FileDraft {
    pub tokenizer: Arc<Tokenizer>,
    pub chunk_tokens: usize,
    pub scope: Scope,
    pub uri: String,
    pub file_hash: String,
    pub fallback_time_us: i64,
    pub identity: Identity,
    pub bytes: Vec<u8>,
    pub format: Format,
    pub ctx: ParseContext,
}

/// What drafting a file gave.
pub(super) struct DraftedFile {
    /// The kind of source it was.
    pub kind: SourceKind,
    /// Entries in the file (1 for a document).
    pub entries: usize,
    /// Its episodes not stored before, in file order.
    pub new: Vec<Drafted>,
    /// The parser's warnings, rendered.
    pub warnings: Vec<String>,
}

impl FileDraft {
    /// Parses and drafts the file, skipping the episodes in `committed`
    /// and claiming the new ones in it; returns the set with the result.
    pub fn run(
        self,
        mut committed: HashSet<String>,
    ) -> (HashSet<String>, Result<DraftedFile, FileError>) {
        let result = self.draft(&mut committed);
        (committed, result)
    }

    fn draft(&self, committed: &mut HashSet<String>) -> Result<DraftedFile, FileError> {
        let parsed = parse::parse(&self.bytes, self.format, &self.ctx)?;
        let builder = EpisodeBuilder {
            tokenizer: &self.tokenizer,
            chunk_tokens: self.chunk_tokens,
            scope: &self.scope,
            uri: &self.uri,
            file_hash: &self.file_hash,
            fallback_time_us: self.fallback_time_us,
        };
        // Entries already stored are skipped before they are drafted; an
        // entry repeated within the file is drafted once.
        let mut fresh = HashSet::new();
        let mut keep = |id: &str| !committed.contains(id) && fresh.insert(id.to_string());
        let drafted = match &parsed {
            Parsed::Document(doc) => {
                let draft = builder.document(doc, &self.bytes)?;
                let new = keep(&draft.episode.episode_id);
                DraftedFile {
                    kind: doc.kind,
                    entries: 1,
                    new: new.then_some(draft).into_iter().collect(),
                    warnings: Vec::new(),
                }
            }
            Parsed::Export(export) => {
                // An export may hold no entries (an empty chat, an archive's
                // account.js): that is recorded, not refused.
                let kind = self.format.source_kind();
                let new = builder.export(export, kind, &self.identity, &mut keep)?;
                let mut warnings: Vec<String> =
                    export.warnings.iter().map(ToString::to_string).collect();
                if export.more_warnings > 0 {
                    warnings.push(format!("{} more warnings", export.more_warnings));
                }
                DraftedFile {
                    kind,
                    entries: export.entries.len(),
                    new,
                    warnings,
                }
            }
        };
        // Claimed now, so an overlapping file later in the run (even in this
        // batch) skips these episodes rather than storing them twice.
        committed.extend(fresh);
        Ok(drafted)
    }
}

/// A draft that could not finish (its thread panicked outside the
/// parser's own guard), as the file's error.
pub(super) fn lost(e: tokio::task::JoinError) -> FileError {
    FileError::from(ParseError::ParserFailed(e.to_string()))
}
