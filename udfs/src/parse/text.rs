//! Plain text: the bytes are the text.

use twinlake_core::record::SourceKind;

use super::{ParseError, ParsedDocument, utf8};
use crate::offsets::OffsetMap;

/// Parses UTF-8 text; the map is the identity.
pub fn parse(bytes: &[u8]) -> Result<ParsedDocument, ParseError> {
    let text = utf8(bytes)?;
    if text.trim().is_empty() {
        return Err(ParseError::NoText("text"));
    }
    Ok(ParsedDocument {
        kind: SourceKind::Text,
        title: None,
        text: text.to_string(),
        map: OffsetMap::identity(),
        page_starts: Vec::new(),
    })
}
