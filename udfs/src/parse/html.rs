//! HTML: visible text, with headings and blocks kept as paragraphs and
//! boilerplate (scripts, styles, navigation, footers) dropped.
//!
//! A small scanner rather than a full HTML5 tree builder: text needs only
//! tags, comments and entities recognised, and scanning keeps the exact
//! source offset of every text run, which a DOM would lose.

use twinlake_core::record::SourceKind;

use super::{ParseError, ParsedDocument, utf8};
use crate::offsets::MappedText;

/// Elements whose whole content is dropped.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "nav", "footer", "iframe", "object",
    "button", "select",
];

/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "hr",
    "dl",
    "figure",
    "aside",
    "address",
];

/// Elements that end a line.
const LINES: &[&str] = &["br", "li", "tr", "dt", "dd", "td", "th", "figcaption"];

/// Parses HTML into its visible text.
pub fn parse(bytes: &[u8]) -> Result<ParsedDocument, ParseError> {
    let src = utf8(bytes)?;
    let mut out = MappedText::new();
    let mut title = None;
    let mut pos = 0;
    while pos < src.len() {
        let Some(lt) = src[pos..].find('<').map(|i| pos + i) else {
            push_text(&mut out, src, pos, src.len());
            break;
        };
        push_text(&mut out, src, pos, lt);
        let rest = &src[lt..];
        if rest.starts_with("<!--") {
            pos = rest.find("-->").map_or(src.len(), |i| lt + i + 3);
            continue;
        }
        let Some(tag) = Tag::scan(src, lt) else {
            // A lone '<' is text.
            out.copy("<", lt);
            pos = lt + 1;
            continue;
        };
        pos = tag.end;
        if tag.name == "title" && !tag.closing && title.is_none() {
            let close = find_close(src, pos, "title");
            title = Some(decode(&src[pos..close.0]).trim().to_string()).filter(|t| !t.is_empty());
            pos = close.1;
        } else if SKIPPED.contains(&tag.name.as_str()) && !tag.closing && !tag.self_closing {
            pos = find_close(src, pos, &tag.name).1;
        } else if BLOCKS.contains(&tag.name.as_str()) {
            out.replace("\n\n", lt..tag.end);
        } else if LINES.contains(&tag.name.as_str()) {
            out.replace("\n", lt..tag.end);
        }
    }
    let (text, map) = out.finish();
    if text.trim().is_empty() {
        return Err(ParseError::NoText("HTML"));
    }
    Ok(ParsedDocument {
        kind: SourceKind::Html,
        title,
        text,
        map,
        page_starts: Vec::new(),
    })
}

/// A scanned tag: its lowercase name and where it ends.
struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    end: usize,
}

impl Tag {
    fn scan(src: &str, lt: usize) -> Option<Tag> {
        let bytes = src.as_bytes();
        let mut i = lt + 1;
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        if bytes.get(i) == Some(&b'!') || bytes.get(i) == Some(&b'?') {
            // <!DOCTYPE ...>, <?xml ...?>: skipped whole.
            let end = src[i..].find('>').map_or(src.len(), |j| i + j + 1);
            return Some(Tag {
                name: String::new(),
                closing: false,
                self_closing: true,
                end,
            });
        }
        let name_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        if i == name_start {
            return None;
        }
        let name = src[name_start..i].to_ascii_lowercase();
        // Skip attributes, honouring quotes so a '>' inside one does not end the tag.
        let mut quote = None;
        while i < bytes.len() {
            match (quote, bytes[i]) {
                (None, b'"' | b'\'') => quote = Some(bytes[i]),
                (Some(q), c) if c == q => quote = None,
                (None, b'>') => break,
                _ => {}
            }
            i += 1;
        }
        let self_closing = i > 0 && bytes.get(i - 1) == Some(&b'/');
        Some(Tag {
            name,
            closing,
            self_closing,
            end: (i + 1).min(src.len()),
        })
    }
}

/// Finds the matching `</name>` from `from`, counting nested opens of the
/// same element. Returns (start of the close tag, end of it).
fn find_close(src: &str, from: usize, name: &str) -> (usize, usize) {
    let lower = src[from..].to_ascii_lowercase();
    let open = format!("<{name}");
    let close = format!("</{name}");
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(j) = lower[i..].find('<').map(|j| i + j) {
        if lower[j..].starts_with(&close) {
            if depth == 0 {
                let end = lower[j..].find('>').map_or(lower.len(), |k| j + k + 1);
                return (from + j, from + end);
            }
            depth -= 1;
        } else if lower[j..].starts_with(&open)
            && lower[j + open.len()..].starts_with(|c: char| c == '>' || c.is_whitespace())
        {
            depth += 1;
        }
        i = j + 1;
    }
    (src.len(), src.len())
}

/// Appends `src[start..end]`, decoding entities.
fn push_text(out: &mut MappedText, src: &str, start: usize, end: usize) {
    let mut run = start;
    let mut i = start;
    while let Some(amp) = src[i..end].find('&').map(|j| i + j) {
        let Some((decoded, len)) = entity(&src[amp..end]) else {
            i = amp + 1;
            continue;
        };
        out.copy(&src[run..amp], run);
        out.replace(&decoded, amp..amp + len);
        run = amp + len;
        i = run;
    }
    out.copy(&src[run..end], run);
}

/// Decodes all entities of a string (for titles).
fn decode(s: &str) -> String {
    let mut out = MappedText::new();
    push_text(&mut out, s, 0, s.len());
    out.finish().0
}

/// Decodes the entity at the start of `s`: (text, bytes consumed).
fn entity(s: &str) -> Option<(String, usize)> {
    // Bytes, not a str slice: the 12-byte window may end inside a character.
    let semi = s.as_bytes()[..s.len().min(12)]
        .iter()
        .position(|&b| b == b';')?;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code).unwrap_or('\u{fffd}')
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" | "#39" => '\'',
            "nbsp" => ' ',
            "mdash" => '—',
            "ndash" => '–',
            "hellip" => '…',
            "rsquo" => '’',
            "lsquo" => '‘',
            "ldquo" => '“',
            "rdquo" => '”',
            "copy" => '©',
            "eacute" => 'é',
            "euro" => '€',
            _ => return None,
        }
    };
    Some((c.to_string(), semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html><head><title>Alice &amp; Co</title><style>p{color:red}</style></head>
<body><nav><a href="/">Home</a><nav>inner</nav> Blog</nav>
<h1>About me</h1><p class="x>y">I love <b>sourdough</b> &amp; sailing.</p>
<script>var x = "<p>not text</p>";</script><!-- hidden -->
<ul><li>Rust</li><li>Go</li></ul><footer>© 2026</footer></body></html>"#;

    #[test]
    fn visible_text_only_with_blocks_as_paragraphs() {
        let doc = parse(PAGE.as_bytes()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Alice & Co"));
        let words: Vec<&str> = doc.text.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "About",
                "me",
                "I",
                "love",
                "sourdough",
                "&",
                "sailing.",
                "Rust",
                "Go"
            ]
        );
        assert!(doc.text.contains("About me\n\n"));
        for gone in [
            "Home", "Blog", "inner", "not text", "hidden", "color", "2026",
        ] {
            assert!(
                !doc.text.contains(gone),
                "{gone} leaked into {:?}",
                doc.text
            );
        }
    }

    #[test]
    fn text_maps_back_to_source_bytes() {
        let doc = parse(PAGE.as_bytes()).unwrap();
        let at = doc.text.find("sourdough &").unwrap();
        let end = at + "sourdough &".len();
        let source = &PAGE[doc.map.source_start(at)..doc.map.source_end(end)];
        assert_eq!(source, "sourdough</b> &amp;");
    }

    #[test]
    fn markup_without_text_is_refused() {
        assert_eq!(
            parse(b"<html><script>x</script></html>").unwrap_err(),
            ParseError::NoText("HTML")
        );
    }

    #[test]
    fn an_entity_window_ending_inside_a_character_is_not_an_entity() {
        // Found by the fuzzer: the window of 12 bytes after '&' cut 'ʃ' in two.
        let doc = parse("`1&\0\0\0\0\0\0\0\0\0\0ʃ".as_bytes()).unwrap();
        assert!(
            doc.text.contains('&') && doc.text.ends_with('ʃ'),
            "{:?}",
            doc.text
        );
    }
}
