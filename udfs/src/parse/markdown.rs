//! Markdown: kept as written (its markup is light enough to index and
//! embed), titled by its first heading.

use twinlake_core::record::SourceKind;

use super::{ParseError, ParsedDocument, text};

/// Parses Markdown; the title is the first `#` heading.
pub fn parse(bytes: &[u8]) -> Result<ParsedDocument, ParseError> {
    let mut doc = text::parse(bytes).map_err(|e| match e {
        ParseError::NoText(_) => ParseError::NoText("Markdown"),
        other => other,
    })?;
    doc.kind = SourceKind::Markdown;
    doc.title = doc
        .text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix('#'))
        .map(|h| h.trim_start_matches('#').trim().to_string())
        .filter(|h| !h.is_empty());
    Ok(doc)
}

#[cfg(test)]
mod tests {
    #[test]
    fn title_is_the_first_heading() {
        let doc = super::parse(b"intro\n## Alice's notes\n# Later").unwrap();
        assert_eq!(doc.title.as_deref(), Some("Alice's notes"));
    }
}
