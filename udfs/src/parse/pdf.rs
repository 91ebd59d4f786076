//! PDF: text extracted page by page with the pure-Rust `pdf-extract`.
//!
//! Offsets index the extracted text (pages joined by blank lines), and
//! [`ParsedDocument::page_starts`] records where each page begins. The
//! extractor can panic on malformed files; that is caught (quietly, see
//! [`twinlake_core::panics`]) and reported as a corrupt PDF.
//!
//! A PDF's Flate streams are inflated whole by the extractor, so a small
//! file can ask for gigabytes (a decompression bomb). Before extracting,
//! every Flate stream is inflated into a counter, never into memory: a
//! stream past [`MAX_STREAM_BYTES`] or a file past [`MAX_INFLATED_BYTES`]
//! in all is refused as a corrupt PDF, like a zip bomb.

use std::io::Read;

use pdf_extract::{Document, Object};
use twinlake_core::record::SourceKind;

use super::{ParseError, ParsedDocument};
use crate::offsets::OffsetMap;
use twinlake_core::panics::quietly;

/// The most one stream may inflate to.
pub const MAX_STREAM_BYTES: u64 = 64 << 20;
/// The most all of a file's streams may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 256 << 20;

/// Parses a PDF.
pub fn parse(bytes: &[u8]) -> Result<ParsedDocument, ParseError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(ParseError::CorruptPdf("missing %PDF- header".into()));
    }
    // The extractor panics on some malformed files: that is a corrupt PDF.
    quietly(|| Document::load_mem(bytes).map(|document| check_inflated_size(&document)))
        .map_err(ParseError::CorruptPdf)?
        .map_err(|e| ParseError::CorruptPdf(e.to_string()))?
        .map_err(ParseError::CorruptPdf)?;
    let pages = quietly(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(ParseError::CorruptPdf)?
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

/// Refuses a document whose Flate streams inflate past the limits,
/// counting bytes as they inflate (nothing is kept).
fn check_inflated_size(document: &Document) -> Result<(), String> {
    let mut total = 0u64;
    for (id, object) in &document.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        let flate = stream
            .filters()
            .is_ok_and(|filters| filters.iter().any(|f| *f == b"FlateDecode"));
        if !flate {
            continue;
        }
        let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
        // A broken stream inflates as far as it can; the extractor decides.
        let inflated = std::io::copy(
            &mut decoder.take(MAX_STREAM_BYTES + 1),
            &mut std::io::sink(),
        )
        .unwrap_or(0);
        if inflated > MAX_STREAM_BYTES {
            return Err(format!(
                "stream {} {} inflates past {} MiB (a decompression bomb?)",
                id.0,
                id.1,
                MAX_STREAM_BYTES >> 20
            ));
        }
        total += inflated;
        if total > MAX_INFLATED_BYTES {
            return Err(format!(
                "its streams inflate past {} MiB in all (a decompression bomb?)",
                MAX_INFLATED_BYTES >> 20
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use pdf_extract::{Dictionary, Stream};

    use super::*;

    /// A one-page PDF whose page content is `content`, Flate-compressed.
    fn pdf_with_page(content: impl Fn(&mut dyn Write)) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        content(&mut encoder);
        let mut stream = Dictionary::new();
        stream.set("Filter", "FlateDecode");
        let mut doc = Document::with_version("1.5");
        let content_id = doc.add_object(Stream::new(stream, encoder.finish().unwrap()));
        let pages_id = doc.new_object_id();
        let mut page = Dictionary::new();
        page.set("Type", "Page");
        page.set("Parent", pages_id);
        page.set("Contents", content_id);
        let page_id = doc.add_object(page);
        let mut pages = Dictionary::new();
        pages.set("Type", "Pages");
        pages.set("Kids", vec![page_id.into()]);
        pages.set("Count", 1);
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", "Catalog");
        catalog.set("Pages", pages_id);
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_stream_that_inflates_past_the_limit_is_refused_as_a_bomb() {
        let zeros = vec![b' '; 1 << 20];
        let bomb = pdf_with_page(|w| {
            for _ in 0..=(MAX_STREAM_BYTES >> 20) {
                w.write_all(&zeros).unwrap();
            }
        });
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        let err = parse(&bomb).unwrap_err();
        assert!(
            matches!(&err, ParseError::CorruptPdf(m) if m.contains("inflates past 64 MiB")),
            "{err}"
        );
    }

    #[test]
    fn garbage_after_the_header_is_a_corrupt_pdf_not_a_panic() {
        let err = parse(b"%PDF-1.7\n\x00\xff garbage").unwrap_err();
        assert!(matches!(err, ParseError::CorruptPdf(_)), "{err}");
    }
}
