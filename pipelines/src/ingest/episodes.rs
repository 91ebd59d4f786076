//! From a parsed file to episodes and their chunks (not yet embedded).
//!
//! A document is one episode, cut into token-bounded chunks that each cite
//! their byte range (and page). An export is one episode per entry; an
//! entry's chunk text leads with its author and date ("Bob Stone, 3 Oct
//! 2026: ...") so a passage read alone, or matched by a query naming the
//! person, still says who said it and when. Every chunk of an entry cites
//! the entry's place in the file and its message id.

use std::collections::BTreeMap;

use chrono::DateTime;
use tokenizers::Tokenizer;
use twinlake_core::ids::{chunk_id, entry_episode_id, episode_id};
use twinlake_core::record::{Chunk, Episode, SourceKind, SourceRef};
use twinlake_core::{ContentHash, Scope};
use twinlake_udfs::chunk::{ChunkSpan, chunk};
use twinlake_udfs::identity::Identity;
use twinlake_udfs::normalize::normalize;
use twinlake_udfs::offsets::OffsetMap;
use twinlake_udfs::parse::{Entry, Export, ParsedDocument};

use super::context::Conversations;
use crate::error::FileError;

/// An episode with its chunks, embeddings still empty.
#[derive(Clone, Debug)]
pub struct Drafted {
    /// The episode row.
    pub episode: Episode,
    /// Its chunks.
    pub chunks: Vec<Chunk>,
}

/// Builds the episodes of one file.
pub struct EpisodeBuilder<'a> {
    /// The model's tokenizer, for chunking.
    pub tokenizer: &'a Tokenizer,
    /// Largest chunk, in tokens.
    pub chunk_tokens: usize,
    /// Whose file.
    pub scope: &'a Scope,
    /// Where it was read from.
    pub uri: &'a str,
    /// BLAKE3 of its bytes, hex.
    pub file_hash: &'a str,
    /// The time for episodes whose source gives none (file mtime), µs UTC.
    pub fallback_time_us: i64,
}

impl EpisodeBuilder<'_> {
    /// The single episode of a document.
    pub fn document(&self, doc: &ParsedDocument, bytes: &[u8]) -> Result<Drafted, FileError> {
        let (text, map) = normalize(&doc.text, &doc.map);
        // Pages are hard breaks: a chunk cites exactly one page.
        let page_breaks: Vec<usize> = doc
            .page_starts
            .iter()
            .skip(1)
            .map(|&p| text_offset_of(&map, text.len(), p))
            .collect();
        let spans = self.spans(&text, &page_breaks)?;
        let content = ContentHash::of(bytes);
        let episode_id = episode_id(self.scope, &content);
        // A person's website is in their own words; other documents may be anyone's.
        let is_self = doc.kind == SourceKind::Website;
        let chunks = spans
            .iter()
            .enumerate()
            .map(|(ordinal, span)| {
                let start = map.source_start(span.start);
                self.chunk(
                    &episode_id,
                    ordinal,
                    &text,
                    span,
                    SourceRef {
                        uri: self.uri.to_string(),
                        byte_start: start as u64,
                        byte_end: map.source_end(span.end) as u64,
                        page: doc.page_of(start),
                        message_id: None,
                        line: None,
                    },
                    doc.kind,
                    self.fallback_time_us,
                    None,
                    is_self,
                )
            })
            .collect::<Vec<_>>();
        let episode = Episode {
            episode_id,
            scope: self.scope.clone(),
            source_kind: doc.kind,
            source_uri: self.uri.to_string(),
            file_hash: self.file_hash.to_string(),
            content_hash: content.to_hex(),
            byte_len: bytes.len() as u64,
            byte_start: 0,
            byte_end: bytes.len() as u64,
            line: None,
            title: doc.title.clone(),
            conversation_id: None,
            message_id: None,
            reply_to: None,
            author: None,
            is_self,
            occurred_at_us: self.fallback_time_us,
            ends_at_us: None,
            text: None,
            meta: BTreeMap::new(),
            chunk_count: chunks.len() as u32,
        };
        Ok(Drafted { episode, chunks })
    }

    /// One episode per entry of an export of `kind` whose episode id `keep`
    /// accepts (entries already stored are skipped before any tokenising);
    /// `identity` decides which authors are the user.
    pub fn export(
        &self,
        export: &Export,
        kind: SourceKind,
        identity: &Identity,
        mut keep: impl FnMut(&str) -> bool,
    ) -> Result<Vec<Drafted>, FileError> {
        let identity = identity.clone().with_names(&export.owner_names);
        let conversations = is_conversational(kind).then(|| Conversations::new(&export.entries));
        export
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (i, self.entry_id(entry, kind), entry))
            .filter(|(_, id, _)| keep(id))
            .map(|(i, id, entry)| {
                let context = conversations
                    .as_ref()
                    .map(|c| c.context(i))
                    .unwrap_or_default();
                self.entry(id, entry, kind, &identity, context)
            })
            .collect()
    }

    /// The episode id of an entry: where it lives in its source.
    fn entry_id(&self, entry: &Entry, kind: SourceKind) -> String {
        entry_episode_id(self.scope, kind.as_str(), &entry.conversation, &entry.id)
    }

    fn entry(
        &self,
        episode_id: String,
        entry: &Entry,
        kind: SourceKind,
        identity: &Identity,
        context: String,
    ) -> Result<Drafted, FileError> {
        let is_self = entry
            .author_is_self
            .unwrap_or_else(|| entry.author.as_deref().is_some_and(|a| identity.is(a)));
        let occurred_at_us = entry.timestamp_us.unwrap_or(self.fallback_time_us);
        let passage = passage(kind, entry);
        let (text, _) = normalize(&passage, &OffsetMap::identity());
        let spans = self.spans(&text, &[])?;
        let source = SourceRef {
            uri: self.uri.to_string(),
            byte_start: entry.origin.byte_start,
            byte_end: entry.origin.byte_end,
            page: None,
            message_id: Some(entry.id.clone()),
            line: Some(entry.origin.line),
        };
        let chunks = spans
            .iter()
            .enumerate()
            .map(|(ordinal, span)| {
                self.chunk(
                    &episode_id,
                    ordinal,
                    &text,
                    span,
                    source.clone(),
                    kind,
                    occurred_at_us,
                    entry.author.clone(),
                    is_self,
                )
            })
            .map(|chunk| Chunk {
                context: context.clone(),
                ..chunk
            })
            .collect::<Vec<_>>();
        let content = ContentHash::of_parts(&[
            entry.author.as_deref().unwrap_or_default().as_bytes(),
            &occurred_at_us.to_le_bytes(),
            entry.text.as_bytes(),
        ]);
        let episode = Episode {
            episode_id,
            scope: self.scope.clone(),
            source_kind: kind,
            source_uri: self.uri.to_string(),
            file_hash: self.file_hash.to_string(),
            content_hash: content.to_hex(),
            byte_len: entry
                .origin
                .byte_end
                .saturating_sub(entry.origin.byte_start),
            byte_start: entry.origin.byte_start,
            byte_end: entry.origin.byte_end,
            line: Some(entry.origin.line),
            title: entry.conversation_title.clone(),
            conversation_id: Some(entry.conversation.clone()),
            message_id: Some(entry.id.clone()),
            reply_to: entry.reply_to.clone(),
            author: entry.author.clone(),
            is_self,
            occurred_at_us,
            ends_at_us: entry.ends_at_us,
            text: Some(entry.text.clone()),
            meta: entry.meta.clone(),
            chunk_count: chunks.len() as u32,
        };
        Ok(Drafted { episode, chunks })
    }

    fn spans(&self, text: &str, hard_breaks: &[usize]) -> Result<Vec<ChunkSpan>, FileError> {
        chunk(self.tokenizer, text, self.chunk_tokens, hard_breaks).map_err(FileError::Chunk)
    }

    #[allow(clippy::too_many_arguments)]
    fn chunk(
        &self,
        episode_id: &str,
        ordinal: usize,
        text: &str,
        span: &ChunkSpan,
        source: SourceRef,
        kind: SourceKind,
        occurred_at_us: i64,
        author: Option<String>,
        is_self: bool,
    ) -> Chunk {
        Chunk {
            chunk_id: chunk_id(episode_id, ordinal as u32),
            episode_id: episode_id.to_string(),
            scope: self.scope.clone(),
            ordinal: ordinal as u32,
            text: text[span.start..span.end].to_string(),
            token_count: span.token_count as u32,
            source,
            source_kind: kind,
            occurred_at_us,
            author,
            is_self,
            context: String::new(),
            embedding: Vec::new(),
        }
    }
}

/// Whether entries of `kind` are messages of a conversation (rather than
/// events, profile items or posts that stand alone).
fn is_conversational(kind: SourceKind) -> bool {
    matches!(
        kind,
        SourceKind::Telegram
            | SourceKind::WhatsApp
            | SourceKind::Discord
            | SourceKind::ChatGpt
            | SourceKind::Generic
            | SourceKind::Locomo
    )
}

/// The text an entry is searched and cited by: messages lead with author
/// and date; events, profile items and tweets are already sentences.
fn passage(kind: SourceKind, entry: &Entry) -> String {
    let Some(author) = entry.author.as_deref().filter(|_| is_conversational(kind)) else {
        return entry.text.clone();
    };
    match entry.timestamp_us.and_then(DateTime::from_timestamp_micros) {
        Some(at) => format!("{author}, {}: {}", at.format("%-d %b %Y"), entry.text),
        None => format!("{author}: {}", entry.text),
    }
}

/// The first text offset whose source offset is at or after `source`
/// (`source_start` is monotonic, so a binary search finds it).
fn text_offset_of(map: &OffsetMap, text_len: usize, source: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lead_with_author_and_date_and_events_do_not() {
        let entry = Entry {
            author: Some("Bob Stone".into()),
            timestamp_us: Some(1_791_051_667_000_000),
            text: "I'll bring the grill.".into(),
            ..Entry::default()
        };
        assert_eq!(
            passage(SourceKind::WhatsApp, &entry),
            "Bob Stone, 3 Oct 2026: I'll bring the grill."
        );
        assert_eq!(
            passage(SourceKind::Calendar, &entry),
            "I'll bring the grill."
        );
        let anonymous = Entry {
            author: None,
            ..entry
        };
        assert_eq!(
            passage(SourceKind::Telegram, &anonymous),
            "I'll bring the grill."
        );
    }
}
