//! Parsing: the bytes of one file into text, with a map back to the bytes.
//!
//! One module per format. [`Format::detect`] picks the parser from the file
//! extension, falling back to the first bytes; `--format` forces one.
//! Every parser returns a [`ParsedDocument`] or a [`ParseError`] that says
//! what is wrong in words a user can act on; the caller adds the file name.

mod html;
mod markdown;
mod pdf;
mod text;

use std::path::Path;

use twinlake_core::record::SourceKind;

use crate::offsets::OffsetMap;

/// A supported input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain UTF-8 text.
    Text,
    /// Markdown.
    Markdown,
    /// HTML.
    Html,
    /// PDF.
    Pdf,
}

/// The extensions each format is recognised by, for messages.
pub const SUPPORTED: &str = ".txt .text .log .md .markdown .html .htm .pdf";

impl Format {
    /// Picks the format of `path` from its extension, else from `head` (the
    /// first bytes of the file). None when neither says.
    pub fn detect(path: &Path, head: &[u8]) -> Option<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("txt" | "text" | "log") => return Some(Format::Text),
            Some("md" | "markdown") => return Some(Format::Markdown),
            Some("html" | "htm") => return Some(Format::Html),
            Some("pdf") => return Some(Format::Pdf),
            Some(_) => return None,
            None => {}
        }
        if head.starts_with(b"%PDF-") {
            return Some(Format::Pdf);
        }
        let start = String::from_utf8_lossy(&head[..head.len().min(64)]).to_ascii_lowercase();
        let start = start.trim_start();
        if start.starts_with("<!doctype html") || start.starts_with("<html") {
            return Some(Format::Html);
        }
        None
    }

    /// Parses a format name as given to `--format`.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "text" | "txt" => Format::Text,
            "markdown" | "md" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "pdf" => Format::Pdf,
            _ => return None,
        })
    }

    /// The source kind recorded for documents of this format.
    pub fn source_kind(&self) -> SourceKind {
        match self {
            Format::Text => SourceKind::Text,
            Format::Markdown => SourceKind::Markdown,
            Format::Html => SourceKind::Html,
            Format::Pdf => SourceKind::Pdf,
        }
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

/// Why a file could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// The file holds no text once parsed (a scanned PDF, an empty page).
    #[error("no text found in the {0} file")]
    NoText(&'static str),
    /// Neither the extension nor the content names a supported format.
    #[error("unsupported file type {0} (supported: {SUPPORTED})")]
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
}

/// Parses `bytes` as `format`.
pub fn parse(bytes: &[u8], format: Format) -> Result<ParsedDocument, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    match format {
        Format::Text => text::parse(bytes),
        Format::Markdown => markdown::parse(bytes),
        Format::Html => html::parse(bytes),
        Format::Pdf => pdf::parse(bytes),
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
    }

    #[test]
    fn invalid_utf8_names_byte_and_line() {
        let err = parse(b"ok\nfine\nbad \xff here", Format::Text).unwrap_err();
        assert_eq!(
            err,
            ParseError::InvalidUtf8 {
                offset: 12,
                line: 3
            }
        );
        assert!(err.to_string().contains("line 3"));
        assert_eq!(parse(b"", Format::Pdf).unwrap_err(), ParseError::Empty);
    }
}
