//! PDF: text extracted page by page with the pure-Rust `pdf-extract`.
//!
//! Offsets index the extracted text (pages joined by blank lines), and
//! [`ParsedDocument::page_starts`] records where each page begins. The
//! extractor can panic on malformed files; that is caught and reported as a
//! corrupt PDF rather than taking the pipeline down.

use twinlake_core::record::SourceKind;

use super::{ParseError, ParsedDocument};
use crate::offsets::OffsetMap;

/// Parses a PDF.
pub fn parse(bytes: &[u8]) -> Result<ParsedDocument, ParseError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(ParseError::CorruptPdf("missing %PDF- header".into()));
    }
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the extractor failed".into());
            ParseError::CorruptPdf(why)
        })?
        .map_err(|e| ParseError::CorruptPdf(e.to_string()))?;
    let mut text = String::new();
    let mut page_starts = Vec::with_capacity(pages.len());
    for page in &pages {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        page_starts.push(text.len());
        text.push_str(page);
    }
    if text.trim().is_empty() {
        return Err(ParseError::NoText("PDF"));
    }
    Ok(ParsedDocument {
        kind: SourceKind::Pdf,
        title: None,
        text,
        map: OffsetMap::identity(),
        page_starts,
    })
}
