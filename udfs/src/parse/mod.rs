//! Parsing: the bytes of one file into text or into entries.
//!
//! Two shapes of input. A *document* (text, Markdown, HTML, PDF, a web page)
//! becomes one [`ParsedDocument`]: its text with a map back to the bytes,
//! later cut into chunks. An *export* (a chat log, a tweet archive, a
//! calendar, a LinkedIn profile, generic JSONL, a LoCoMo conversation)
//! becomes an [`Export`]: many small [`Entry`]s, each a future episode.
//!
//! One module per format. [`Format::detect`] picks the parser from the file
//! name, falling back to the first bytes; `--format` forces one. Every parser
//! returns its result or a [`ParseError`] that says what is wrong in words a
//! user can act on (with the line and field where there is one); the caller
//! adds the file name.

mod chatgpt;
pub mod dates;
mod discord;
pub mod export;
mod html;
mod ics;
mod json;
mod jsonl;
mod linkedin;
mod locomo;
mod markdown;
mod pdf;
mod telegram;
mod text;
mod twitter;
mod whatsapp;

use std::path::Path;

use twinlake_core::record::SourceKind;

pub use self::export::{Entry, Export, Origin, ParseContext, ParseWarning, ZONE_UNKNOWN};
use crate::offsets::OffsetMap;

/// A supported input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain UTF-8 text.
    Text,
    /// Markdown.
    Markdown,
    /// HTML document.
    Html,
    /// A page of the person's own website (HTML, fetched or from a
    /// `website/` folder): the person's own words.
    Website,
    /// PDF.
    Pdf,
    /// Telegram Desktop export (`result.json`).
    Telegram,
    /// WhatsApp chat export (`.txt`).
    WhatsApp,
    /// DiscordChatExporter JSON.
    Discord,
    /// ChatGPT data export (`conversations.json`).
    ChatGpt,
    /// Twitter/X archive (`data/tweets.js`).
    Twitter,
    /// iCalendar (`.ics`), e.g. a Google Calendar export.
    Calendar,
    /// LinkedIn data export: one of its CSV files, or the whole zip.
    LinkedIn,
    /// The generic JSONL episode format (`schemas/episode.schema.json`).
    Jsonl,
    /// A LoCoMo-style conversation file.
    Locomo,
    /// Turns of a chat with the twin, as the server keeps them for the
    /// pipeline: lines of the JSONL episode format. Never detected, only
    /// named, so no export is mistaken for the person's talk with their
    /// twin.
    TwinChat,
    /// A member's choices on a project's proposals, as the server records
    /// them: lines of the JSONL episode format. Never detected, only named.
    Decision,
}

/// Every format, in the order detection tries content sniffing.
pub const ALL_FORMATS: &[Format] = &[
    Format::Twitter,
    Format::Discord,
    Format::ChatGpt,
    Format::Locomo,
    Format::Telegram,
    Format::Calendar,
    Format::LinkedIn,
    Format::Jsonl,
    Format::WhatsApp,
    Format::Website,
    Format::Html,
    Format::Markdown,
    Format::Pdf,
    Format::Text,
];

/// The extensions each format is recognised by, for messages.
pub const SUPPORTED: &str =
    ".txt .text .log .md .markdown .html .htm .pdf .json .js .jsonl .ics .csv .zip";

impl Format {
    /// Picks the format of the file at `path` from its name and `head` (its
    /// first bytes; a few KiB is plenty). None when nothing matches.
    ///
    /// JSON is recognised by its shape (Telegram's `"messages"` with a chat
    /// `"type"`, Discord's `"guild"`, ChatGPT's `"mapping"`, LoCoMo's
    /// `"speaker_a"`), `.txt` files whose first line is a WhatsApp message
    /// header are WhatsApp chats (a date-and-time header in a layout the
    /// parser does not read too, so that such a chat is refused naming
    /// that line rather than stored as plain text), and HTML under a
    /// `website/` or `site/` folder is the person's website.
    pub fn detect(path: &Path, head: &[u8]) -> Option<Format> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_string());
        let head_text = String::from_utf8_lossy(head);
        match ext.as_deref() {
            Some("md" | "markdown") => return Some(Format::Markdown),
            Some("pdf") => return Some(Format::Pdf),
            Some("ics" | "ical" | "ifb") => return Some(Format::Calendar),
            Some("jsonl" | "ndjson") => return Some(Format::Jsonl),
            Some("csv") if linkedin::sniff(&name, &head_text) => return Some(Format::LinkedIn),
            Some("zip") => return Some(Format::LinkedIn),
            Some("js") if twitter::sniff(&name, &head_text) => return Some(Format::Twitter),
            Some("json") => {
                for format in [
                    Format::Discord,
                    Format::ChatGpt,
                    Format::Locomo,
                    Format::Telegram,
                ] {
                    if format.sniffs(&name, &head_text) {
                        return Some(format);
                    }
                }
                return None;
            }
            Some("txt" | "text" | "log") => {
                // Loose on purpose: anything that looks like a chat goes to
                // the WhatsApp parser, whose error names the line at fault.
                return Some(if whatsapp::sniff(&name, &head_text) {
                    Format::WhatsApp
                } else {
                    Format::Text
                });
            }
            Some("html" | "htm" | "xhtml") => return Some(html_kind(path)),
            Some(_) => return None,
            None => {}
        }
        if head.starts_with(b"%PDF-") {
            return Some(Format::Pdf);
        }
        let start = head_text.trim_start().to_ascii_lowercase();
        if start.starts_with("<!doctype html") || start.starts_with("<html") {
            return Some(html_kind(path));
        }
        if start.starts_with("begin:vcalendar") {
            return Some(Format::Calendar);
        }
        None
    }

    /// Whether `head` (of a file called `name`) looks like this format.
    fn sniffs(&self, name: &str, head: &str) -> bool {
        match self {
            Format::Telegram => telegram::sniff(name, head),
            Format::WhatsApp => whatsapp::sniff(name, head),
            Format::Discord => discord::sniff(name, head),
            Format::ChatGpt => chatgpt::sniff(name, head),
            Format::Twitter => twitter::sniff(name, head),
            Format::LinkedIn => linkedin::sniff(name, head),
            Format::Locomo => locomo::sniff(name, head),
            _ => false,
        }
    }

    /// Parses a format name as given to `--format`.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "text" | "txt" => Format::Text,
            "markdown" | "md" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "website" | "web" => Format::Website,
            "pdf" => Format::Pdf,
            "telegram" => Format::Telegram,
            "whatsapp" => Format::WhatsApp,
            "discord" => Format::Discord,
            "chatgpt" => Format::ChatGpt,
            "twitter" | "x" => Format::Twitter,
            "calendar" | "ics" | "ical" => Format::Calendar,
            "linkedin" => Format::LinkedIn,
            "jsonl" | "generic" => Format::Jsonl,
            "locomo" => Format::Locomo,
            "twin_chat" => Format::TwinChat,
            "decision" => Format::Decision,
            _ => return None,
        })
    }

    /// The names `--format` accepts, for messages.
    pub const NAMES: &'static str = "text, markdown, html, website, pdf, telegram, whatsapp, discord, chatgpt, twitter, calendar, linkedin, jsonl, locomo, twin_chat, decision";

    /// The source kind recorded for what this format produces.
    pub fn source_kind(&self) -> SourceKind {
        match self {
            Format::Text => SourceKind::Text,
            Format::Markdown => SourceKind::Markdown,
            Format::Html => SourceKind::Html,
            Format::Website => SourceKind::Website,
            Format::Pdf => SourceKind::Pdf,
            Format::Telegram => SourceKind::Telegram,
            Format::WhatsApp => SourceKind::WhatsApp,
            Format::Discord => SourceKind::Discord,
            Format::ChatGpt => SourceKind::ChatGpt,
            Format::Twitter => SourceKind::Twitter,
            Format::Calendar => SourceKind::Calendar,
            Format::LinkedIn => SourceKind::LinkedIn,
            Format::Jsonl => SourceKind::Generic,
            Format::Locomo => SourceKind::Locomo,
            Format::TwinChat => SourceKind::TwinChat,
            Format::Decision => SourceKind::Decision,
        }
    }
}

/// HTML under a `website/` or `site/` folder is the person's own site.
fn html_kind(path: &Path) -> Format {
    let in_site = path.ancestors().skip(1).any(|dir| {
        dir.file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .is_some_and(|n| n == "website" || n == "site")
    });
    if in_site {
        Format::Website
    } else {
        Format::Html
    }
}

/// The text of one document, ready to normalise and chunk.
#[derive(Clone, Debug)]
pub struct ParsedDocument {
    /// Its source kind.
    pub kind: SourceKind,
    /// Its title, when the format has one.
    pub title: Option<String>,
    /// Its text.
    pub text: String,
    /// Map from text offsets to source offsets (for PDF: offsets in the
    /// extracted text, see [`twinlake_core::record::SourceRef`]).
    pub map: OffsetMap,
    /// Text offsets where each page starts, for paged formats; else empty.
    pub page_starts: Vec<usize>,
}

impl ParsedDocument {
    /// The 1-based page holding text offset `pos`, for paged formats.
    pub fn page_of(&self, pos: usize) -> Option<u32> {
        if self.page_starts.is_empty() {
            return None;
        }
        Some(self.page_starts.partition_point(|&s| s <= pos).max(1) as u32)
    }
}

/// What a file parses into.
#[derive(Clone, Debug)]
pub enum Parsed {
    /// One document, to be chunked.
    Document(ParsedDocument),
    /// Many entries, each its own episode.
    Export(Export),
}

/// Why a file could not be parsed (or, as a [`ParseWarning`], why one of
/// its records was skipped).
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// The file holds no text once parsed (a scanned PDF, an empty page).
    #[error("no text found in the {0} file")]
    NoText(&'static str),
    /// Neither the name nor the content names a supported format.
    #[error("unsupported file type {0} (supported: {SUPPORTED}; or force one with --format)")]
    Unsupported(String),
    /// Text formats must be UTF-8.
    #[error("invalid UTF-8 at byte {offset} (line {line}); save the file as UTF-8")]
    InvalidUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// 1-based line of that byte.
        line: usize,
    },
    /// The PDF could not be read.
    #[error("corrupt or unreadable PDF: {0}")]
    CorruptPdf(String),
    /// The parser failed on this file (a bug it hit, caught).
    #[error("the parser failed on this file: {0}")]
    ParserFailed(String),
    /// The file is not a well-formed export of the format it was taken for.
    #[error("{format}: {message}{}", position(.line, .field))]
    Malformed {
        /// The format it was parsed as ("Telegram export", "iCalendar").
        format: &'static str,
        /// What is wrong.
        message: String,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// The field, as a path (`messages[3].date`), when known.
        field: Option<String>,
    },
    /// The file is well-formed but beyond what one file may produce.
    #[error("{format}: refused, {message}")]
    TooLarge {
        /// The format it was parsed as.
        format: &'static str,
        /// Which limit was hit.
        message: String,
    },
}

impl ParseError {
    /// The same error with the record it concerns named first
    /// (`conversation [1] "Trip": …`), for a warning about one record of
    /// many; errors about the whole file are returned unchanged.
    pub fn about(self, record: &str) -> ParseError {
        match self {
            ParseError::Malformed {
                format,
                message,
                line,
                field,
            } => ParseError::Malformed {
                format,
                message: format!("{record}: {message}"),
                line,
                field,
            },
            other => other,
        }
    }
}

fn position(line: &Option<usize>, field: &Option<String>) -> String {
    match (line, field) {
        (Some(l), Some(f)) => format!(" (line {l}, field {f})"),
        (Some(l), None) => format!(" (line {l})"),
        (None, Some(f)) => format!(" (field {f})"),
        (None, None) => String::new(),
    }
}

/// Parses `bytes` as `format`. An export's bad records are skipped and
/// listed in [`Export::warnings`]; under [`ParseContext::strict`] the first
/// one refuses the file, and a file none of whose records could be read is
/// refused either way ([`Export::judged`]).
pub fn parse(bytes: &[u8], format: Format, ctx: &ParseContext) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    twinlake_core::panics::quietly(|| parse_as(bytes, format, ctx))
        .map_err(ParseError::ParserFailed)?
}

/// [`parse`], unguarded.
fn parse_as(bytes: &[u8], format: Format, ctx: &ParseContext) -> Result<Parsed, ParseError> {
    let document = |result: Result<ParsedDocument, ParseError>| result.map(Parsed::Document);
    let export = |result: Result<Export, ParseError>| {
        result
            .and_then(|e| e.judged(ctx.strict))
            .map(Parsed::Export)
    };
    match format {
        Format::Text => document(text::parse(bytes)),
        Format::Markdown => document(markdown::parse(bytes)),
        Format::Html => document(html::parse(bytes)),
        Format::Website => document(html::parse(bytes).map(|mut d| {
            d.kind = SourceKind::Website;
            d
        })),
        Format::Pdf => document(pdf::parse(bytes)),
        Format::Telegram => export(telegram::parse(bytes, ctx)),
        Format::WhatsApp => export(whatsapp::parse(bytes, ctx)),
        Format::Discord => export(discord::parse(bytes, ctx)),
        Format::ChatGpt => export(chatgpt::parse(bytes, ctx)),
        Format::Twitter => export(twitter::parse(bytes, ctx)),
        Format::Calendar => export(ics::parse(bytes, ctx)),
        Format::LinkedIn => export(linkedin::parse(bytes, ctx)),
        Format::Jsonl => export(jsonl::parse(bytes, ctx)),
        Format::Locomo => export(locomo::parse(bytes, ctx)),
        Format::TwinChat | Format::Decision => export(jsonl::parse(bytes, ctx)),
    }
}

/// Decodes UTF-8 or says where it breaks. A leading byte-order mark is kept
/// (normalisation drops it) so offsets stay those of the file.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        ParseError::InvalidUtf8 { offset, line }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_by_extension_then_content() {
        let d = |p: &str, head: &[u8]| Format::detect(Path::new(p), head);
        assert_eq!(d("a/notes.TXT", b""), Some(Format::Text));
        assert_eq!(d("x.md", b""), Some(Format::Markdown));
        assert_eq!(d("x.htm", b""), Some(Format::Html));
        assert_eq!(d("x.pdf", b""), Some(Format::Pdf));
        assert_eq!(d("noext", b"%PDF-1.4"), Some(Format::Pdf));
        assert_eq!(d("noext", b"  <!DOCTYPE html><html>"), Some(Format::Html));
        assert_eq!(d("x.docx", b"PK"), None);
        assert_eq!(d("noext", b"hello"), None);
        assert_eq!(d("site/index.html", b""), Some(Format::Website));
        assert_eq!(d("x.ics", b""), Some(Format::Calendar));
        assert_eq!(d("noext", b"BEGIN:VCALENDAR\r\n"), Some(Format::Calendar));
        assert_eq!(d("events.jsonl", b""), Some(Format::Jsonl));
    }

    #[test]
    fn chat_exports_in_txt_are_never_plain_text() {
        let d = |p: &str, head: &str| Format::detect(Path::new(p), head.as_bytes());
        let chat = "Chat de WhatsApp con Lucía.txt";
        // Spanish day periods, with their no-break spaces.
        assert_eq!(
            d(chat, "3/11/24, 00:08\u{202f}a.\u{a0}m. - Lucía: Hola\n"),
            Some(Format::WhatsApp)
        );
        assert_eq!(
            d("x.txt", "\u{200e}[3/11/24, 9:14:05 p. m.] Lucía: Hola\r\n"),
            Some(Format::WhatsApp)
        );
        // Layouts the parser does not read still go to it, to be refused
        // naming the line, not stored silently as one document.
        assert_eq!(
            d("x.txt", "13. 6. 2018. 21:25:15 Maya: hi\n"),
            Some(Format::WhatsApp)
        );
        let err = parse(
            b"13. 6. 2018. 21:25:15 Maya: hi\n",
            Format::WhatsApp,
            &ParseContext::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("(line 1)"), "{err}");
        // Notes are still text.
        assert_eq!(
            d("notes.txt", "Meeting notes\n03/10/2025, 18:21 - Bob: hi"),
            Some(Format::Text)
        );
        assert_eq!(
            d("diary.txt", "03/10/2025 was a good day\n"),
            Some(Format::Text)
        );
    }

    #[test]
    fn invalid_utf8_names_byte_and_line() {
        let err = parse(
            b"ok\nfine\nbad \xff here",
            Format::Text,
            &ParseContext::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            ParseError::InvalidUtf8 {
                offset: 12,
                line: 3
            }
        );
        assert!(err.to_string().contains("line 3"));
        assert_eq!(
            parse(b"", Format::Pdf, &ParseContext::default()).unwrap_err(),
            ParseError::Empty
        );
    }
}
