//! Mapping from positions in derived text back to the source bytes.
//!
//! Parsing and normalising rewrite text (entities decoded, tags dropped,
//! blank runs collapsed), yet every chunk must cite its exact byte range in
//! the original file. An [`OffsetMap`] is a sorted list of anchors, each
//! starting a run of text: a *copied* run advances with the source byte for
//! byte; a *replaced* run (an entity, a collapsed blank run) stands for the
//! whole source span up to the next anchor. A lookup is a binary search; the
//! map holds one anchor per rewrite, not one per byte.

/// The start of a run of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Anchor {
    text: usize,
    source: usize,
    replaced: bool,
}

/// Anchors mapping text byte offsets to source byte offsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetMap {
    anchors: Vec<Anchor>,
}

impl Default for OffsetMap {
    fn default() -> Self {
        Self::identity()
    }
}

impl OffsetMap {
    /// The identity map: text offsets are source offsets.
    pub fn identity() -> Self {
        OffsetMap {
            anchors: vec![Anchor {
                text: 0,
                source: 0,
                replaced: false,
            }],
        }
    }

    fn push(&mut self, anchor: Anchor) {
        if let Some(last) = self.anchors.last_mut() {
            if last.text == anchor.text {
                *last = anchor;
                return;
            }
            let implied = !last.replaced
                && !anchor.replaced
                && last.source + (anchor.text - last.text) == anchor.source;
            if implied {
                return;
            }
        }
        self.anchors.push(anchor);
    }

    /// Index of the run holding text byte `pos`.
    fn run(&self, pos: usize) -> usize {
        self.anchors
            .partition_point(|a| a.text <= pos)
            .saturating_sub(1)
    }

    /// The source offset where the text byte at `pos` starts.
    pub fn source_start(&self, pos: usize) -> usize {
        let a = self.anchors[self.run(pos)];
        if a.replaced {
            a.source
        } else {
            a.source + (pos - a.text)
        }
    }

    /// The source offset where a span of text ending at `pos` (exclusive)
    /// ends: past the last copied byte, or past the whole replaced span.
    pub fn source_end(&self, pos: usize) -> usize {
        if pos == 0 {
            return self.source_start(0);
        }
        let i = self.run(pos - 1);
        let a = self.anchors[i];
        match self.anchors.get(i + 1) {
            Some(next) if a.replaced => next.source,
            _ if a.replaced => a.source + (pos - a.text),
            _ => a.source + (pos - a.text),
        }
    }

    /// Composes `self` (text -> intermediate) with `inner` (intermediate ->
    /// source), giving text -> source.
    pub fn then(&self, inner: &OffsetMap) -> OffsetMap {
        let mut points: Vec<usize> = self.anchors.iter().map(|a| a.text).collect();
        for b in &inner.anchors {
            // Text offsets that land on an inner anchor start a run too.
            let i = self.anchors.partition_point(|a| a.source <= b.source);
            if let Some(a) = i.checked_sub(1).map(|i| self.anchors[i]) {
                if !a.replaced {
                    let t = a.text + (b.source - a.source);
                    let in_run = self.anchors.get(i).is_none_or(|n| t < n.text);
                    if in_run {
                        points.push(t);
                    }
                }
            }
        }
        points.sort_unstable();
        points.dedup();
        let mut out = OffsetMap {
            anchors: Vec::with_capacity(points.len()),
        };
        for t in points {
            let outer = self.anchors[self.run(t)];
            let mid = self.source_start(t);
            let inner_run = inner.anchors[inner.run(mid)];
            out.push(Anchor {
                text: t,
                source: inner.source_start(mid),
                replaced: outer.replaced || inner_run.replaced,
            });
        }
        out
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the map is the bare identity.
    pub fn is_empty(&self) -> bool {
        self.anchors.len() <= 1
    }
}

/// Builds derived text and its [`OffsetMap`] together: copy source spans
/// verbatim, or emit text that replaces a source span.
#[derive(Debug)]
pub struct MappedText {
    text: String,
    map: OffsetMap,
}

impl Default for MappedText {
    fn default() -> Self {
        Self::new()
    }
}

impl MappedText {
    /// An empty builder.
    pub fn new() -> Self {
        MappedText {
            text: String::new(),
            map: OffsetMap {
                anchors: Vec::new(),
            },
        }
    }

    /// The text built so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends `s`, which is the source's bytes at `source_offset` verbatim.
    pub fn copy(&mut self, s: &str, source_offset: usize) {
        if !s.is_empty() {
            self.map.push(Anchor {
                text: self.text.len(),
                source: source_offset,
                replaced: false,
            });
            self.text.push_str(s);
        }
    }

    /// Appends `s`, which stands for the source span `source` (a decoded
    /// entity, a collapsed blank run, a separator for a dropped tag).
    pub fn replace(&mut self, s: &str, source: std::ops::Range<usize>) {
        if !s.is_empty() {
            self.map.push(Anchor {
                text: self.text.len(),
                source: source.start,
                replaced: true,
            });
            self.text.push_str(s);
            // Where the span ends, a copied run would resume.
            self.map.push(Anchor {
                text: self.text.len(),
                source: source.end,
                replaced: false,
            });
        }
    }

    /// Removes trailing characters matching `f` (their anchors go too).
    pub fn trim_end_matches(&mut self, f: impl Fn(char) -> bool) {
        let keep = self.text.trim_end_matches(f).len();
        self.text.truncate(keep);
        while self.map.anchors.len() > 1 && self.map.anchors.last().is_some_and(|a| a.text > keep) {
            self.map.anchors.pop();
        }
    }

    /// Finishes: the text and its map.
    pub fn finish(mut self) -> (String, OffsetMap) {
        if self.map.anchors.first().is_none_or(|a| a.text != 0) {
            self.map.anchors.insert(
                0,
                Anchor {
                    text: 0,
                    source: 0,
                    replaced: false,
                },
            );
        }
        (self.text, self.map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_maps_to_itself() {
        let m = OffsetMap::identity();
        assert_eq!((m.source_start(17), m.source_end(17)), (17, 17));
    }

    #[test]
    fn collapsed_spans_map_back_to_the_source() {
        let src = "ab   cd";
        let mut b = MappedText::new();
        b.copy("ab", 0);
        b.replace(" ", 2..5);
        b.copy("cd", 5);
        let (text, map) = b.finish();
        assert_eq!(text, "ab cd");
        let span = |s: usize, e: usize| &src[map.source_start(s)..map.source_end(e)];
        assert_eq!(span(0, 2), "ab");
        assert_eq!(span(0, 3), "ab   ");
        assert_eq!(span(3, 5), "cd");
        assert_eq!(span(0, 5), src);
    }

    #[test]
    fn composition_follows_both_maps() {
        let src = "x &amp;  y";
        let mut a = MappedText::new();
        a.copy("x ", 0);
        a.replace("&", 2..7);
        a.copy("  y", 7);
        let (mid, inner) = a.finish();
        assert_eq!(mid, "x &  y");
        let mut b = MappedText::new();
        b.copy("x &", 0);
        b.replace(" ", 3..5);
        b.copy("y", 5);
        let (text, outer) = b.finish();
        assert_eq!(text, "x & y");
        let map = outer.then(&inner);
        let span = |s: usize, e: usize| &src[map.source_start(s)..map.source_end(e)];
        assert_eq!(span(4, 5), "y");
        assert_eq!(span(2, 3), "&amp;");
        assert_eq!(span(0, 3), "x &amp;");
        assert_eq!(span(0, 5), src);
    }
}
