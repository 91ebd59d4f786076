//! What the export parsers produce: a list of [`Entry`]s.
//!
//! A chat export, a tweet archive, a calendar or a LinkedIn profile is many
//! small units (messages, tweets, events, positions), each of which becomes
//! one episode. Parsers fill in what the source says about each unit, in
//! the source's own terms (its conversation and message ids, its author
//! names) and with timestamps converted to UTC. Deciding whether an author
//! is the user happens later, against the user's configured names
//! ([`crate::identity::Identity`]), unless the format itself knows (a
//! ChatGPT `user` turn, a tweet in one's own archive).

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::ParseError;
use super::json::serde_message;

/// Everything a parser needs besides the bytes.
#[derive(Clone, Debug)]
pub struct ParseContext {
    /// The file name (without folders), for formats that carry meaning in it
    /// (WhatsApp names the other party: "WhatsApp Chat with Bob.txt").
    pub file_name: String,
    /// "Now", in µs since the epoch UTC: recurrences are expanded up to
    /// `now + horizon_days`. Passed in so parsing stays deterministic.
    pub now_us: i64,
    /// How far past `now` calendar recurrences are expanded, in days.
    pub horizon_days: u32,
    /// The most entries one file may produce (hostile input guard: a
    /// recurrence rule that expands forever, a billion tiny messages).
    pub max_entries: usize,
    /// Refuse the whole file at its first bad record (`--strict`) instead
    /// of skipping the record with a [`ParseWarning`].
    pub strict: bool,
    /// The zone the user's devices keep local time in (`ingest.time_zone`),
    /// for formats whose times carry none (WhatsApp headers, floating
    /// calendar times); without it such times are read as UTC and flagged
    /// ([`Entry::flag_zone_unknown`], via [`super::dates::local_time_us`]).
    pub time_zone: Option<chrono_tz::Tz>,
}

impl Default for ParseContext {
    fn default() -> Self {
        ParseContext {
            file_name: String::new(),
            now_us: 0,
            horizon_days: 365,
            max_entries: 1_000_000,
            strict: false,
            time_zone: None,
        }
    }
}

/// Where an entry sits in its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// First byte of the entry in the file.
    pub byte_start: u64,
    /// One past its last byte.
    pub byte_end: u64,
    /// The 1-based line it starts on.
    pub line: u32,
}

/// One message, post, event or profile item read from an export.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    /// The conversation, thread, channel or collection it belongs to, as the
    /// source identifies it (a Telegram chat id, a Discord channel id, a
    /// calendar name). Stable across exports of the same source.
    pub conversation: String,
    /// A human name for that conversation, when the source has one.
    pub conversation_title: Option<String>,
    /// The entry's id, unique within its conversation and stable across
    /// exports (formats without ids derive one from time, author and text).
    pub id: String,
    /// Who wrote it, as the source names them.
    pub author: Option<String>,
    /// Whether the author is the user, when the format itself says so;
    /// `None` leaves it to the user's configured names.
    pub author_is_self: Option<bool>,
    /// When it was written or starts, in µs since the epoch, UTC.
    pub timestamp_us: Option<i64>,
    /// When it ends (calendar events), in µs since the epoch, UTC.
    pub ends_at_us: Option<i64>,
    /// Its text, as a sentence a reader can understand on its own.
    pub text: String,
    /// The id of the entry it answers, in the same conversation.
    pub reply_to: Option<String>,
    /// Where it is in the file.
    pub origin: Origin,
    /// Format-specific facts worth keeping (`edited`, `retweet`, `hashtags`,
    /// `service`, `all_day`...), as strings.
    pub meta: BTreeMap<String, String>,
}

/// The meta key set on an entry whose time was read as written because its
/// zone cannot be known (a floating time, an undefined TZID): the stored
/// timestamp is that wall-clock time taken as UTC, and may be hours off.
pub const ZONE_UNKNOWN: &str = "zone_unknown";

impl Entry {
    /// Flags the entry's time as being in an unknown zone ([`ZONE_UNKNOWN`]).
    pub fn flag_zone_unknown(&mut self) {
        self.meta
            .insert(ZONE_UNKNOWN.to_string(), "true".to_string());
    }

    /// Whether the entry's time is flagged as being in an unknown zone.
    pub fn zone_unknown(&self) -> bool {
        self.meta.contains_key(ZONE_UNKNOWN)
    }
}

/// A problem with one record of an export that did not stop the file: the
/// record was skipped, or read with a doubt its entry carries (a time whose
/// zone is unknown). Under [`ParseContext::strict`] the first one refuses
/// the file instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseWarning {
    /// What is wrong, naming the line and field, worded as the refusal it
    /// becomes under `--strict`.
    pub problem: ParseError,
    /// Whether the record was left out; otherwise it was read and flagged.
    pub skipped: bool,
}

impl std::fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            write!(f, "{}; record skipped", self.problem)
        } else {
            write!(f, "{}", self.problem)
        }
    }
}

/// How many warnings an export keeps word for word; past that they are
/// only counted, so a file of a million bad lines cannot fill memory.
pub const MAX_WARNINGS_KEPT: usize = 100;

/// The entries of one export file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Export {
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// Names the export itself gives its owner (Telegram's
    /// `personal_information`, a Twitter account's handle), used to decide
    /// which authors are the user.
    pub owner_names: Vec<String>,
    /// Records skipped or read with a doubt, in file order (the first
    /// [`MAX_WARNINGS_KEPT`]).
    pub warnings: Vec<ParseWarning>,
    /// Warnings beyond those kept in `warnings`.
    pub more_warnings: usize,
}

impl Export {
    /// Records that one record was left out because of `problem`.
    pub fn skip(&mut self, problem: ParseError) {
        self.push_warning(ParseWarning {
            problem,
            skipped: true,
        });
    }

    /// Records a doubt about a record that was still read (its entry
    /// carries a flag saying so).
    pub fn warn(&mut self, problem: ParseError) {
        self.push_warning(ParseWarning {
            problem,
            skipped: false,
        });
    }

    /// Adds warnings gathered apart (a parser that collects them before it
    /// builds its export).
    pub fn extend_warnings(&mut self, warnings: impl IntoIterator<Item = ParseWarning>) {
        for w in warnings {
            self.push_warning(w);
        }
    }

    fn push_warning(&mut self, warning: ParseWarning) {
        if self.warnings.len() < MAX_WARNINGS_KEPT {
            self.warnings.push(warning);
        } else {
            self.more_warnings += 1;
        }
    }

    /// Every warning, kept or only counted.
    pub fn warning_count(&self) -> usize {
        self.warnings.len() + self.more_warnings
    }

    /// The export as a whole, judged after parsing: under `strict` its first
    /// warning refuses it; a file whose every record was skipped is
    /// malformed as a whole and refused with the first reason.
    pub fn judged(self, strict: bool) -> Result<Export, ParseError> {
        let first_skip = self.warnings.iter().find(|w| w.skipped);
        if self.entries.is_empty()
            && let Some(w) = first_skip
        {
            return Err(w.problem.clone());
        }
        if strict && let Some(w) = self.warnings.first() {
            return Err(w.problem.clone());
        }
        Ok(self)
    }
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    memchr_count(&text.as_bytes()[..offset]) as u32 + 1
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Counts lines incrementally over increasing offsets, so a parser that
/// walks a large file front to back pays for each byte once.
#[derive(Debug)]
pub struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    /// A counter at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The origin of `text[start..end]`. Calls must come with non-decreasing
    /// `start`; an earlier start is counted from the beginning again.
    pub fn origin(&mut self, start: usize, end: usize) -> Origin {
        if start < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let start = start.min(self.text.len());
        self.line += memchr_count(&self.text.as_bytes()[self.offset..start]) as u32;
        self.offset = start;
        Origin {
            byte_start: start as u64,
            byte_end: end.min(self.text.len()) as u64,
            line: self.line,
        }
    }

    /// The origin of a raw JSON value borrowed from `text`.
    pub fn origin_of_raw(&mut self, raw: &RawValue) -> Origin {
        let start = raw_offset(self.text, raw);
        self.origin(start, start + raw.get().len())
    }
}

/// Byte offset of a [`RawValue`] borrowed from `text` (serde_json hands out
/// slices of the input, so the pointer difference is the offset).
pub fn raw_offset(text: &str, raw: &RawValue) -> usize {
    let base = text.as_ptr() as usize;
    let at = raw.get().as_ptr() as usize;
    debug_assert!(
        at >= base && at <= base + text.len(),
        "raw value not from text"
    );
    at.saturating_sub(base).min(text.len())
}

/// A JSON syntax or shape error, with the line and column serde_json found.
pub fn json_error(format: &'static str, err: serde_json::Error) -> ParseError {
    ParseError::Malformed {
        format,
        message: format!("malformed JSON: {}", serde_message(&err)),
        line: (err.line() > 0).then_some(err.line()),
        field: None,
    }
}

/// An error about one field of one entry.
pub fn field_error(
    format: &'static str,
    line: u32,
    field: impl Into<String>,
    message: impl Into<String>,
) -> ParseError {
    ParseError::Malformed {
        format,
        message: message.into(),
        line: Some(line as usize),
        field: Some(field.into()),
    }
}

/// Refuses an export that would produce more than `ctx.max_entries` entries.
pub fn check_entry_limit(
    format: &'static str,
    ctx: &ParseContext,
    count: usize,
) -> Result<(), ParseError> {
    if count > ctx.max_entries {
        return Err(ParseError::TooLarge {
            format,
            message: format!(
                "more than {} entries (ingest.max_entries_per_file)",
                ctx.max_entries
            ),
        });
    }
    Ok(())
}

/// Sets each entry's line from its byte range, counting lines in one pass
/// over `text` (for parsers whose entries need not be in byte order).
pub fn fill_lines(text: &str, entries: &mut [Entry]) {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].origin.byte_start);
    let mut lines = LineCounter::new(text);
    for i in order {
        let origin = entries[i].origin;
        entries[i].origin = lines.origin(origin.byte_start as usize, origin.byte_end as usize);
    }
}

/// The distinct authors of a chat's messages (service entries aside), in
/// order of first appearance; None when there are more than two, so that
/// a chat can tell its owner only when it is between two people.
fn chat_authors(entries: &[Entry]) -> Option<Vec<&str>> {
    let mut authors: Vec<&str> = Vec::new();
    for entry in entries {
        if entry.meta.contains_key("service") {
            continue;
        }
        if let Some(a) = entry.author.as_deref() {
            if !authors.contains(&a) {
                authors.push(a);
                if authors.len() > 2 {
                    return None;
                }
            }
        }
    }
    Some(authors)
}

/// The owner of a chat with `other` (a chat named after the other party):
/// of exactly two authors (service entries aside), one being `other`, the
/// other one.
pub fn owner_beside(entries: &[Entry], other: &str) -> Option<String> {
    match chat_authors(entries)?.as_slice() {
        [a, b] if *a == other && *b != other => Some(b.to_string()),
        [a, b] if *b == other && *a != other => Some(a.to_string()),
        _ => None,
    }
}

/// The author of a chat with oneself (Telegram's saved messages): its only
/// author (service entries aside), if it has exactly one.
pub fn sole_author(entries: &[Entry]) -> Option<String> {
    match chat_authors(entries)?.as_slice() {
        [a] => Some(a.to_string()),
        _ => None,
    }
}

/// The first `max` characters of `text` on one line, with "…" when cut
/// (quoting a message inside another entry's text).
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", flat[..i].trim_end()),
        None => flat,
    }
}

/// A short stable id from parts (for formats whose entries have no id).
pub fn derived_id(parts: &[&str]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().to_hex()[..16].to_string()
}

/// Helpers for the parsers' tests.
#[cfg(test)]
pub(super) mod testing {
    use super::{Export, ParseError};

    /// The message, line and field of a [`ParseError::Malformed`]; panics
    /// on success or on any other error.
    pub fn malformed(
        result: Result<Export, ParseError>,
    ) -> (String, Option<usize>, Option<String>) {
        match result.unwrap_err() {
            ParseError::Malformed {
                message,
                line,
                field,
                ..
            } => (message, line, field),
            other => panic!("unexpected error {other:?}"),
        }
    }

    /// How `bytes` read as `format` are refused under `--strict` (through
    /// [`super::super::parse`], so the whole-file judgement applies), as
    /// [`malformed`] gives it.
    pub fn refused(
        bytes: &[u8],
        format: super::super::Format,
        file_name: &str,
    ) -> (String, Option<usize>, Option<String>) {
        let strict = super::ParseContext {
            strict: true,
            file_name: file_name.to_string(),
            ..super::ParseContext::default()
        };
        malformed(
            super::super::parse(bytes, format, &strict).map(|parsed| match parsed {
                super::super::Parsed::Export(export) => export,
                super::super::Parsed::Document(_) => panic!("{format:?} is not an export"),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_know_their_offsets_and_lines() {
        let text = "{\n \"messages\": [\n  {\"id\": 1},\n  {\"id\": 2}\n ]\n}";
        #[derive(serde::Deserialize)]
        struct Doc<'a> {
            #[serde(borrow)]
            messages: Vec<&'a RawValue>,
        }
        let doc: Doc = serde_json::from_str(text).unwrap();
        let mut lines = LineCounter::new(text);
        let first = lines.origin_of_raw(doc.messages[0]);
        let second = lines.origin_of_raw(doc.messages[1]);
        assert_eq!(
            &text[first.byte_start as usize..first.byte_end as usize],
            "{\"id\": 1}"
        );
        assert_eq!((first.line, second.line), (3, 4));
        assert_eq!(line_of(text, second.byte_start as usize), 4);
    }

    #[test]
    fn json_errors_name_the_line() {
        let err = serde_json::from_str::<serde_json::Value>("{\n\"a\": [1,\n 2,,]}").unwrap_err();
        let err = json_error("Telegram", err);
        let shown = err.to_string();
        assert!(shown.contains("line 3"), "{shown}");
        assert!(shown.starts_with("Telegram"), "{shown}");
    }

    fn bad_record(line: u32) -> ParseError {
        field_error("Test export", line, "messages[0].date", "not a date")
    }

    #[test]
    fn strict_refuses_at_the_first_warning_and_lenient_keeps_the_rest() {
        let mut export = Export {
            entries: vec![Entry::default()],
            ..Export::default()
        };
        export.skip(bad_record(7));
        export.warn(bad_record(9));
        assert_eq!(export.clone().judged(false).unwrap().warning_count(), 2);
        let refused = export.judged(true).unwrap_err();
        assert_eq!(refused, bad_record(7));
        assert!(refused.to_string().contains("line 7"), "{refused}");
    }

    #[test]
    fn a_file_whose_every_record_was_skipped_is_refused() {
        let mut export = Export::default();
        export.skip(bad_record(3));
        assert_eq!(export.judged(false).unwrap_err(), bad_record(3));
        // An export that is merely empty (an empty chat) is not refused.
        assert!(Export::default().judged(false).is_ok());
    }

    #[test]
    fn warnings_past_the_cap_are_counted_not_kept() {
        let mut export = Export::default();
        for line in 0..(MAX_WARNINGS_KEPT as u32 + 5) {
            export.skip(bad_record(line));
        }
        assert_eq!(export.warnings.len(), MAX_WARNINGS_KEPT);
        assert_eq!(export.warning_count(), MAX_WARNINGS_KEPT + 5);
        let shown = export.warnings[0].to_string();
        assert!(shown.ends_with("record skipped"), "{shown}");
    }

    #[test]
    fn derived_ids_are_stable_and_unambiguous() {
        assert_eq!(derived_id(&["a", "bc"]), derived_id(&["a", "bc"]));
        assert_ne!(derived_id(&["a", "bc"]), derived_id(&["ab", "c"]));
    }
}
