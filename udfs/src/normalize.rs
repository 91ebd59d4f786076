//! Normalisation: tidy text without losing the way back to the source.
//!
//! Line endings become `\n`; control characters go; a run of blank space
//! becomes one space, or one line break, or one paragraph break (`\n\n`) when
//! it held two or more; the ends are trimmed. Unicode normal forms are left
//! alone on purpose: recomposing characters would move byte offsets inside
//! a run, and the tokenizer already folds case and accents.

use crate::offsets::{MappedText, OffsetMap};

/// Normalises `text`, whose map to the source is `map`; returns the new text
/// and its map to the same source.
pub fn normalize(text: &str, map: &OffsetMap) -> (String, OffsetMap) {
    let mut out = MappedText::new();
    let mut copy_from: Option<usize> = None; // start of a pending verbatim span
    let mut blank: Option<(usize, usize)> = None; // (start, newline count) of a blank run

    let flush_copy = |out: &mut MappedText, from: &mut Option<usize>, to: usize| {
        if let Some(start) = from.take() {
            out.copy(&text[start..to], start);
        }
    };

    for (i, c) in text.char_indices() {
        let is_newline = c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}';
        if c.is_whitespace() || is_newline {
            flush_copy(&mut out, &mut copy_from, i);
            let counts = usize::from(c == '\n' || (c == '\r' && !text[i + 1..].starts_with('\n')))
                + usize::from(c == '\u{2028}' || c == '\u{2029}');
            blank = Some(match blank {
                Some((start, n)) => (start, n + counts),
                None => (i, counts),
            });
            continue;
        }
        if c.is_control() || c == '\u{feff}' {
            flush_copy(&mut out, &mut copy_from, i);
            continue; // dropped: the next copied run re-anchors past it
        }
        if let Some((start, newlines)) = blank.take() {
            if !out.text().is_empty() {
                let sep = match newlines {
                    0 => " ",
                    1 => "\n",
                    _ => "\n\n",
                };
                if &text[start..i] == sep {
                    out.copy(sep, start);
                } else {
                    out.replace(sep, start..i);
                }
            }
        }
        if copy_from.is_none() {
            copy_from = Some(i);
        }
    }
    flush_copy(&mut out, &mut copy_from, text.len());
    let (normalized, local) = out.finish();
    (normalized, local.then(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s, &OffsetMap::identity()).0
    }

    #[test]
    fn blank_runs_collapse_by_kind() {
        assert_eq!(norm("  a \t b  "), "a b");
        assert_eq!(norm("a\r\nb"), "a\nb");
        assert_eq!(norm("a \n\n\n  b"), "a\n\nb");
        assert_eq!(norm("a\u{0}b\u{7}c"), "abc");
        assert_eq!(norm("\u{feff}héllo\u{a0}wörld"), "héllo wörld");
        assert_eq!(norm(" \n "), "");
    }

    #[test]
    fn every_word_maps_back_to_its_source_bytes() {
        let src = "\u{feff}Title\r\n\r\n\r\nFirst   para\u{0}graph.\n  Second line.";
        let (text, map) = normalize(src, &OffsetMap::identity());
        assert_eq!(text, "Title\n\nFirst paragraph.\nSecond line.");
        let mut pos = 0;
        for word in text.split(|c: char| c.is_whitespace()) {
            let start = text[pos..].find(word).unwrap() + pos;
            let end = start + word.len();
            let source = &src[map.source_start(start)..map.source_end(end)];
            assert_eq!(source.replace('\u{0}', ""), word, "word {word:?}");
            pos = end;
        }
    }
}
