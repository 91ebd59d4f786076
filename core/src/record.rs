//! The records that flow from sources to sinks.
//!
//! An [`Episode`] is one raw unit of footprint as it arrived (today: one
//! document); its [`Chunk`]s are the token-bounded passages that get embedded
//! and indexed. Both carry a [`SourceRef`] back to the exact place they came
//! from, so every answer can cite its origin.

use serde::{Deserialize, Serialize};

use crate::Scope;

/// What kind of footprint an episode came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Plain text file.
    Text,
    /// Markdown file.
    Markdown,
    /// HTML page (file or website).
    Html,
    /// PDF document.
    Pdf,
    /// A turn of a chat with the twin.
    TwinChat,
}

impl SourceKind {
    /// The stable lowercase name stored in the lake and indexes.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Text => "text",
            SourceKind::Markdown => "markdown",
            SourceKind::Html => "html",
            SourceKind::Pdf => "pdf",
            SourceKind::TwinChat => "twin_chat",
        }
    }

    /// Parses the name written by [`SourceKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "text" => SourceKind::Text,
            "markdown" => SourceKind::Markdown,
            "html" => SourceKind::Html,
            "pdf" => SourceKind::Pdf,
            "twin_chat" => SourceKind::TwinChat,
            _ => return None,
        })
    }
}

/// Where a passage came from: the origin (file path or URL), the byte range
/// of the passage in it and, where the origin has them, the page or message id.
///
/// For text, Markdown and HTML the range indexes the original file's bytes.
/// For PDF it indexes the text extracted from the document (PDF content
/// streams are compressed, so file offsets would mean nothing), and `page`
/// says which page the passage starts on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// The origin: an absolute file path or a URL.
    pub uri: String,
    /// First byte of the passage.
    pub byte_start: u64,
    /// One past the last byte of the passage.
    pub byte_end: u64,
    /// 1-based page number, for paged documents.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub page: Option<u32>,
    /// The message id, for chat sources.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message_id: Option<String>,
}

/// One ingested unit of footprint, keyed by its scope and content hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Derived from scope and content hash ([`crate::ids::episode_id`]).
    pub episode_id: String,
    /// Whose episode it is.
    pub scope: Scope,
    /// What kind of source it came from.
    pub source_kind: SourceKind,
    /// The origin (file path or URL) it was first ingested from.
    pub source_uri: String,
    /// BLAKE3 of the raw bytes, hex.
    pub content_hash: String,
    /// Size of the raw bytes.
    pub byte_len: u64,
    /// A title when the source has one (HTML title, first Markdown heading).
    pub title: Option<String>,
    /// When the source says it was made (file mtime), in µs since the epoch, UTC.
    pub occurred_at_us: i64,
    /// How many chunks it was cut into.
    pub chunk_count: u32,
}

/// A token-bounded passage of an episode, with its embedding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Derived from the episode id and ordinal ([`crate::ids::chunk_id`]).
    pub chunk_id: String,
    /// The episode it belongs to.
    pub episode_id: String,
    /// Whose chunk it is.
    pub scope: Scope,
    /// Position within the episode, from 0.
    pub ordinal: u32,
    /// The normalized passage text.
    pub text: String,
    /// Number of model tokens in the text (without special tokens).
    pub token_count: u32,
    /// Where the passage came from.
    pub source: SourceRef,
    /// The source kind of its episode.
    pub source_kind: SourceKind,
    /// When its episode occurred, in µs since the epoch, UTC.
    pub occurred_at_us: i64,
    /// The L2-normalised sentence embedding.
    pub embedding: Vec<f32>,
}
