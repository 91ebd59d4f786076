//! The records that flow from sources to sinks.
//!
//! An [`Episode`] is one raw unit of footprint as it arrived: a whole
//! document, or one message, tweet, calendar occurrence or profile item of an
//! export. Its [`Chunk`]s are the token-bounded passages that get embedded
//! and indexed (a message is usually one chunk). Both carry a [`SourceRef`] back to the exact place they came
//! from, so every answer can cite its origin.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Scope;

/// What kind of footprint an episode came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Plain text file.
    #[serde(rename = "text")]
    Text,
    /// Markdown file.
    #[serde(rename = "markdown")]
    Markdown,
    /// HTML document.
    #[serde(rename = "html")]
    Html,
    /// A page of the person's own website.
    #[serde(rename = "website")]
    Website,
    /// PDF document.
    #[serde(rename = "pdf")]
    Pdf,
    /// A turn of a chat with the twin.
    #[serde(rename = "twin_chat")]
    TwinChat,
    /// A Telegram message.
    #[serde(rename = "telegram")]
    Telegram,
    /// A WhatsApp message.
    #[serde(rename = "whatsapp")]
    WhatsApp,
    /// A Discord message.
    #[serde(rename = "discord")]
    Discord,
    /// A turn of a ChatGPT conversation.
    #[serde(rename = "chatgpt")]
    ChatGpt,
    /// A tweet, reply or retweet.
    #[serde(rename = "twitter")]
    Twitter,
    /// A calendar event occurrence (a busy interval).
    #[serde(rename = "calendar")]
    Calendar,
    /// An item of a LinkedIn profile (position, skill, education).
    #[serde(rename = "linkedin")]
    LinkedIn,
    /// An episode in the generic JSONL format.
    #[serde(rename = "generic")]
    Generic,
    /// A turn of a LoCoMo-style conversation.
    #[serde(rename = "locomo")]
    Locomo,
    /// A member's recorded choice on a project's proposal.
    #[serde(rename = "decision")]
    Decision,
}

impl SourceKind {
    /// Every kind, in a stable order.
    pub const ALL: &[SourceKind] = &[
        SourceKind::Text,
        SourceKind::Markdown,
        SourceKind::Html,
        SourceKind::Website,
        SourceKind::Pdf,
        SourceKind::TwinChat,
        SourceKind::Telegram,
        SourceKind::WhatsApp,
        SourceKind::Discord,
        SourceKind::ChatGpt,
        SourceKind::Twitter,
        SourceKind::Calendar,
        SourceKind::LinkedIn,
        SourceKind::Generic,
        SourceKind::Locomo,
        SourceKind::Decision,
    ];

    /// The stable lowercase name stored in the lake and indexes.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Text => "text",
            SourceKind::Markdown => "markdown",
            SourceKind::Html => "html",
            SourceKind::Website => "website",
            SourceKind::Pdf => "pdf",
            SourceKind::TwinChat => "twin_chat",
            SourceKind::Telegram => "telegram",
            SourceKind::WhatsApp => "whatsapp",
            SourceKind::Discord => "discord",
            SourceKind::ChatGpt => "chatgpt",
            SourceKind::Twitter => "twitter",
            SourceKind::Calendar => "calendar",
            SourceKind::LinkedIn => "linkedin",
            SourceKind::Generic => "generic",
            SourceKind::Locomo => "locomo",
            SourceKind::Decision => "decision",
        }
    }

    /// Parses the name written by [`SourceKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// Whether episodes of this kind are whole documents (chunked) rather
    /// than single messages, posts or events.
    pub fn is_document(&self) -> bool {
        matches!(
            self,
            SourceKind::Text
                | SourceKind::Markdown
                | SourceKind::Html
                | SourceKind::Website
                | SourceKind::Pdf
        )
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
    /// The 1-based line the passage starts on, for line-oriented sources.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
}

/// One ingested unit of footprint: a document, or one entry of an export.
///
/// Documents are keyed by their content; entries by where they live in
/// their source (conversation and message id), so a newer export that
/// overlaps an older one maps its shared messages onto the same episodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Derived from scope and content hash (documents) or from scope, source
    /// kind, conversation and message id (entries); see [`crate::ids`].
    pub episode_id: String,
    /// Whose episode it is.
    pub scope: Scope,
    /// What kind of source it came from.
    pub source_kind: SourceKind,
    /// The origin (file path or URL) it was first ingested from.
    pub source_uri: String,
    /// BLAKE3 of the whole file it came from, hex.
    pub file_hash: String,
    /// BLAKE3 of the episode's own content (the document's bytes; an entry's
    /// author, time and text), hex.
    pub content_hash: String,
    /// Size of the episode's bytes in its origin.
    pub byte_len: u64,
    /// Where in the origin it starts and ends, in bytes.
    pub byte_start: u64,
    /// One past its last byte in the origin.
    pub byte_end: u64,
    /// The 1-based line it starts on, for line-oriented origins.
    pub line: Option<u32>,
    /// A title: the document's, or the conversation's name.
    pub title: Option<String>,
    /// The conversation, thread or channel, for entries.
    pub conversation_id: Option<String>,
    /// The message id within the conversation, for entries.
    pub message_id: Option<String>,
    /// The message it replies to, for entries.
    pub reply_to: Option<String>,
    /// Who wrote it, as the source names them.
    pub author: Option<String>,
    /// Whether the author is the user themself (their own words).
    pub is_self: bool,
    /// When it happened (written, sent, starts), in µs since the epoch, UTC.
    /// Sources without a time use the file's modification time.
    pub occurred_at_us: i64,
    /// When it ends (calendar events), in µs since the epoch, UTC.
    pub ends_at_us: Option<i64>,
    /// An entry's text (documents keep theirs in the chunks).
    pub text: Option<String>,
    /// Format-specific facts (`edited`, `retweet`, `hashtags`, `all_day`...).
    pub meta: BTreeMap<String, String>,
    /// How many chunks it was cut into.
    pub chunk_count: u32,
}

impl Episode {
    /// A bare document episode of `scope`: a text file at `uri` of `len`
    /// bytes, one chunk, no time, author or text. For harnesses (and
    /// tests) that need an episode row around a given id.
    pub fn document(scope: &Scope, id: &str, uri: &str, len: u64) -> Episode {
        Episode {
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
    /// Who wrote its episode, as the source names them.
    pub author: Option<String>,
    /// Whether that author is the user themself.
    pub is_self: bool,
    /// The words of the messages around it in its conversation (empty for
    /// documents): indexed for search with a lower weight, never shown, so
    /// a reply like "Yes, last June!" is found by the question it answers.
    pub context: String,
    /// The L2-normalised sentence embedding.
    pub embedding: Vec<f32>,
}
