//! The generic JSONL episode format: one JSON object per line.
//!
//! For sources twinlake has no parser for (Signal, SMS backups, a journal, a
//! script's output), convert to this format. Each non-blank line is one
//! episode:
//!
//! ```json
//! {"source": "signal", "conversation": "climbing-crew", "id": "1718029655104",
//!  "author": "Sam Okafor", "is_self": true, "timestamp": "2024-06-10T16:27:35+02:00",
//!  "reply_to": "1718029412331", "text": "I'm in! Can drive 3 people."}
//! ```
//!
//! (shown wrapped; in the file it is one line). The schema is
//! `schemas/episode.schema.json` and the user documentation
//! `docs/formats/jsonl.md`; a test keeps all three in step. The rules:
//! - `text` (string) is required; a line whose text is blank is skipped.
//! - Optional: `id`, `reply_to` (non-empty string or integer),
//!   `conversation` (non-empty string), `conversation_title`, `author`,
//!   `source` (strings), `is_self` (boolean), `timestamp`, `ends_at`, `meta`
//!   (object of strings). `null` is the same as leaving a field out.
//! - Times are RFC 3339 strings with an offset (`2024-06-10T14:23:32Z`,
//!   `2024-06-10T16:23:32+02:00`; a time without offset is refused, since
//!   its zone is unknown), or integers since the Unix epoch: seconds when
//!   below 100 000 000 000 in magnitude, else milliseconds (1e11 seconds is
//!   the year 5138; 1e11 ms is March 1973, so both readings cover real data).
//! - Without `conversation`, the `source` is the conversation, else
//!   `default`. Without `id`, one is derived from the conversation, time,
//!   author, text and how many identical lines came before, so re-importing
//!   the same file gives the same ids. Two lines with the same explicit `id`
//!   in one conversation are an error.
//! - `source` lands in meta `source`; `meta` keys are copied as they are
//!   (a `meta.source` that disagrees with `source` is an error).
//! - `is_self` says whether the user wrote the line; leave it out to let the
//!   user's configured names decide from `author`.
//! - Any other field is an error naming the line and the field (with a
//!   suggestion for near misses such as `txt`), so typos do not silently
//!   drop data. A line in error (that, a wrong type, a duplicate id, a time
//!   without offset) is skipped with a warning naming its line and field,
//!   and the other lines go in; `--strict` refuses the whole file at its
//!   first such line. Lines end with `\n` or `\r\n`; a leading byte-order
//!   mark is ignored.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::ParseError;
use super::export::{Entry, Export, Origin, ParseContext, check_entry_limit, derived_id};
use super::json::{self, serde_message};

/// The format's name in error messages.
const FORMAT: &str = "JSONL episodes";

/// Every field a line may have, in documentation order.
const FIELDS: &[&str] = &[
    "text",
    "id",
    "conversation",
    "conversation_title",
    "author",
    "is_self",
    "timestamp",
    "ends_at",
    "reply_to",
    "source",
    "meta",
];

/// Integers at least this large (in magnitude) are milliseconds.
const MILLIS_FROM: i64 = 100_000_000_000;

/// The conversation of lines that name neither a conversation nor a source.
const DEFAULT_CONVERSATION: &str = "default";

/// Whether the file looks like episode JSONL: a `.jsonl`/`.ndjson` name, or
/// a first non-blank line that is an object with a `"text"` key. (Detection
/// goes by extension today, so this only serves callers that sniff.)
#[allow(dead_code)]
pub(crate) fn sniff(name: &str, head: &str) -> bool {
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        return true;
    }
    let first = head
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    first.starts_with('{') && first.ends_with('}') && first.contains("\"text\"")
}

/// Parses episode JSONL: one entry per non-blank line with text.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = super::utf8(bytes)?;
    let mut export = Export::default();
    // (conversation, id) → line, to refuse duplicate ids.
    let mut seen_ids: HashMap<(String, String), usize> = HashMap::new();
    // Derived-id key → how many identical lines so far.
    let mut repeats: HashMap<String, u32> = HashMap::new();
    let mut offset = 0usize;
    for (index, raw_line) in text.split('\n').enumerate() {
        let number = index + 1;
        let mut start = offset;
        offset += raw_line.len() + 1;
        let mut line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if index == 0 {
            let unmarked = line.trim_start_matches('\u{feff}');
            start += line.len() - unmarked.len();
            line = unmarked;
        }
        if line.trim().is_empty() {
            continue;
        }
        let origin = Origin {
            byte_start: start as u64,
            byte_end: (start + line.len()) as u64,
            line: u32::try_from(number).unwrap_or(u32::MAX),
        };
        let mut entry = match read_line(line, number) {
            Ok(Some(entry)) => entry,
            Ok(None) => continue,
            Err(problem) => {
                export.skip(problem);
                continue;
            }
        };
        entry.origin = origin;
        match &entry.id {
            id if id.is_empty() => {
                let time = entry
                    .timestamp_us
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let author = entry.author.clone().unwrap_or_default();
                let parts = [entry.conversation.as_str(), &time, &author, &entry.text];
                let count = repeats.entry(derived_id(&parts)).or_insert(0);
                let occurrence = count.to_string();
                *count += 1;
                entry.id = derived_id(&[parts[0], parts[1], parts[2], parts[3], &occurrence]);
            }
            id => {
                let key = (entry.conversation.clone(), id.clone());
                if let Some(first) = seen_ids.get(&key) {
                    export.skip(error(
                        number,
                        "id",
                        format!(
                            "duplicate id `{id}` in conversation `{}` (first on line {first})",
                            entry.conversation
                        ),
                    ));
                    continue;
                }
                seen_ids.insert(key, number);
            }
        }
        check_entry_limit(FORMAT, ctx, export.entries.len() + 1)?;
        export.entries.push(entry);
    }
    Ok(export)
}

/// Reads one non-blank line (`number` is 1-based); None when its text is
/// blank. The id is left empty when the line has none.
fn read_line(line: &str, number: usize) -> Result<Option<Entry>, ParseError> {
    let value: Value = serde_json::from_str(line).map_err(|e| ParseError::Malformed {
        format: FORMAT,
        message: format!(
            "malformed JSON (column {}): {}",
            e.column(),
            serde_message(&e)
        ),
        line: Some(number),
        field: None,
    })?;
    let Value::Object(object) = value else {
        return Err(ParseError::Malformed {
            format: FORMAT,
            message: format!("expected a JSON object, found {}", kind_of(&value)),
            line: Some(number),
            field: None,
        });
    };
    for key in object.keys() {
        if !FIELDS.contains(&key.as_str()) {
            return Err(error(number, key, unknown_field_message(key)));
        }
    }
    let text = match object.get("text") {
        Some(Value::String(text)) => text,
        None | Some(Value::Null) => {
            return Err(error(number, "text", "missing required field `text`"));
        }
        Some(other) => return Err(type_error(number, "text", "a string", other)),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let source = string(&object, "source", number)?;
    let conversation = match non_empty(&object, "conversation", number, false)? {
        Some(c) => c,
        None => source
            .clone()
            .unwrap_or_else(|| DEFAULT_CONVERSATION.to_string()),
    };
    let timestamp_us = time(&object, "timestamp", number)?;
    let ends_at_us = time(&object, "ends_at", number)?;
    if let (Some(start), Some(end)) = (timestamp_us, ends_at_us)
        && end < start
    {
        return Err(error(number, "ends_at", "`ends_at` is before `timestamp`"));
    }
    let author_is_self = match object.get("is_self") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => return Err(type_error(number, "is_self", "true or false", other)),
    };
    let mut meta = BTreeMap::new();
    match object.get("meta") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                match value {
                    Value::String(s) => {
                        meta.insert(key.clone(), s.clone());
                    }
                    other => {
                        return Err(type_error(
                            number,
                            &format!("meta.{key}"),
                            "a string",
                            other,
                        ));
                    }
                }
            }
        }
        Some(other) => return Err(type_error(number, "meta", "an object of strings", other)),
    }
    if let Some(source) = source {
        match meta.get("source") {
            Some(given) if *given != source => {
                return Err(error(
                    number,
                    "meta.source",
                    format!("`meta.source` (`{given}`) disagrees with `source` (`{source}`)"),
                ));
            }
            _ => {
                meta.insert("source".into(), source);
            }
        }
    }
    Ok(Some(Entry {
        conversation,
        conversation_title: string(&object, "conversation_title", number)?,
        id: non_empty(&object, "id", number, true)?.unwrap_or_default(),
        author: string(&object, "author", number)?,
        author_is_self,
        timestamp_us,
        ends_at_us,
        text: text.clone(),
        reply_to: non_empty(&object, "reply_to", number, true)?,
        origin: Origin::default(),
        meta,
    }))
}

/// An optional string field (`null` is absent).
fn string(
    object: &Map<String, Value>,
    field: &str,
    line: usize,
) -> Result<Option<String>, ParseError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(type_error(line, field, "a string", other)),
    }
}

/// An optional identifier: a non-empty string, or (`integers`) a whole
/// number, which many tools write ids as.
fn non_empty(
    object: &Map<String, Value>,
    field: &str,
    line: usize,
    integers: bool,
) -> Result<Option<String>, ParseError> {
    let expected = if integers {
        "a non-empty string or an integer"
    } else {
        "a non-empty string"
    };
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(Value::Number(n)) if integers && (n.is_i64() || n.is_u64()) => Ok(Some(n.to_string())),
        Some(other) => Err(type_error(line, field, expected, other)),
    }
}

/// An optional time: RFC 3339 with offset, or integer seconds/milliseconds.
fn time(object: &Map<String, Value>, field: &str, line: usize) -> Result<Option<i64>, ParseError> {
    const EXPECTED: &str = "an RFC 3339 time with offset (\"2024-06-10T14:23:32Z\") or integer seconds or milliseconds since 1970";
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Ok(Some(t.timestamp_micros())),
            Err(_) if chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok() => {
                Err(error(
                    line,
                    field,
                    format!("`{s}` has no UTC offset; add one, e.g. `{s}Z` or `{s}+02:00`"),
                ))
            }
            Err(_) => Err(error(line, field, format!("`{s}` is not {EXPECTED}"))),
        },
        Some(Value::Number(n)) => {
            let Some(n) = n.as_i64() else {
                return Err(error(line, field, format!("{n} is not {EXPECTED}")));
            };
            let us = if n.unsigned_abs() >= MILLIS_FROM as u64 {
                n.checked_mul(1_000)
            } else {
                n.checked_mul(1_000_000)
            };
            match us.filter(|&us| chrono::DateTime::from_timestamp_micros(us).is_some()) {
                Some(us) => Ok(Some(us)),
                None => Err(error(line, field, format!("{n} is out of range"))),
            }
        }
        Some(other) => Err(type_error(line, field, EXPECTED, other)),
    }
}

/// "unknown field `txt` (expected one of ...; did you mean `text`?)".
fn unknown_field_message(key: &str) -> String {
    let shown: String = key.chars().take(40).collect();
    let mut message = format!(
        "unknown field `{shown}` (expected one of {})",
        FIELDS.join(", ")
    );
    let lowered = key.to_ascii_lowercase();
    let best = FIELDS
        .iter()
        .map(|f| (edit_distance(&lowered, f), *f))
        .min()
        .filter(|(d, f)| *d <= 2usize.max(f.len() / 4));
    if let Some((_, field)) = best {
        message.push_str(&format!("; did you mean `{field}`?"));
    }
    message
}

/// Levenshtein distance, for suggestions; long keys are not near misses.
fn edit_distance(a: &str, b: &str) -> usize {
    if a.len() > 40 {
        return usize::MAX;
    }
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// An error about `field` on line `line`.
fn error(line: usize, field: &str, message: impl Into<String>) -> ParseError {
    ParseError::Malformed {
        format: FORMAT,
        message: message.into(),
        line: Some(line),
        field: Some(field.to_string()),
    }
}

/// "`field` must be <expected>, found <kind>".
fn type_error(line: usize, field: &str, expected: &str, found: &Value) -> ParseError {
    error(
        line,
        field,
        format!("`{field}` must be {expected}, found {}", kind_of(found)),
    )
}

/// A JSON value's kind, for messages: [`json::kind_of`], but telling
/// fractional numbers apart (ids that may be numbers must be integers).
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Number(n) if n.is_f64() => "a fractional number",
        other => json::kind_of(other),
    }
}

#[cfg(test)]
mod tests {
    use super::super::export::testing::refused;
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../fixtures/jsonl/episodes.jsonl");
    const DOCS: &str = include_str!("../../../docs/formats/jsonl.md");
    const SCHEMA: &str = include_str!("../../../schemas/episode.schema.json");

    fn parse_ok(bytes: &[u8]) -> Export {
        parse(bytes, &ParseContext::default()).unwrap()
    }

    /// The refusal of `text` under `--strict`.
    fn parse_err(text: &str) -> (String, Option<usize>, Option<String>) {
        refused(text.as_bytes(), super::super::Format::Jsonl, "x.jsonl")
    }

    #[test]
    fn a_bad_line_is_skipped_with_a_warning_and_the_rest_goes_in() {
        let text = "{\"text\": \"fine\"}\n{\"text\": 42}\n{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": \"a\", \"text\": \"two\"}\n{\"text\": \"last\"}\n";
        let export = parse_ok(text.as_bytes());
        let texts: Vec<_> = export.entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["fine", "one", "last"]);
        let warnings: Vec<_> = export.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("line 2, field text") && warnings[0].ends_with("record skipped"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("line 4, field id") && warnings[1].contains("first on line 3"),
            "{warnings:?}"
        );
    }

    #[test]
    fn fixture_lines_become_entries() {
        let e = parse_ok(FIXTURE).entries;
        assert_eq!(e.len(), 6, "the blank line is skipped");

        assert_eq!(e[0].conversation, "signal:group:climbing-crew");
        assert_eq!(e[0].conversation_title.as_deref(), Some("Climbing crew"));
        assert_eq!(e[0].id, "1718029412331");
        assert_eq!(e[0].author.as_deref(), Some("Priya Raman"));
        assert_eq!(e[0].author_is_self, None);
        assert_eq!(e[0].timestamp_us, Some(1_718_029_412_331_000));
        assert_eq!(e[0].meta.get("source").map(String::as_str), Some("signal"));
        assert_eq!(e[0].origin.line, 1);

        assert_eq!(e[1].author_is_self, Some(true));
        assert_eq!(
            e[1].timestamp_us,
            Some(1_718_029_655_104_000),
            "+02:00 converted to UTC"
        );
        assert_eq!(e[1].reply_to.as_deref(), Some("1718029412331"));

        assert_eq!(e[2].origin.line, 4);
        assert_eq!(
            e[2].timestamp_us,
            Some(1_718_114_400_000_000),
            "integer seconds"
        );
        assert_eq!(
            e[3].timestamp_us,
            Some(1_718_115_012_000_000),
            "integer milliseconds"
        );
        assert_eq!(e[2].id.len(), 16, "derived id");
        assert_ne!(e[2].id, e[3].id);
        assert!(e[3].text.contains("gâteau"));

        assert_eq!(e[4].meta.get("mood").map(String::as_str), Some("tired"));
        assert_eq!(e[4].meta.get("source").map(String::as_str), Some("journal"));

        assert_eq!(
            e[5].conversation, "calendar-notes",
            "source stands in for the conversation"
        );
        assert_eq!(
            e[5].ends_at_us.zip(e[5].timestamp_us).map(|(a, b)| a - b),
            Some(1_800_000_000)
        );

        let text = std::str::from_utf8(FIXTURE).unwrap();
        for entry in &e {
            let slice = &text[entry.origin.byte_start as usize..entry.origin.byte_end as usize];
            assert!(slice.starts_with('{') && slice.ends_with('}'), "{slice}");
        }
    }

    #[test]
    fn derived_ids_are_stable_and_count_repeats() {
        let input = "{\"text\": \"ok\"}\r\n{\"text\": \"ok\"}\n\n{\"text\": \"   \"}\n";
        let a = parse_ok(input.as_bytes()).entries;
        let b = parse_ok(input.as_bytes()).entries;
        assert_eq!(a.len(), 2, "blank text is skipped");
        assert_ne!(a[0].id, a[1].id, "exact repeats get distinct ids");
        assert_eq!(a[0].id, b[0].id);
        assert_eq!(a[1].id, b[1].id);
        assert_eq!(a[0].conversation, "default");
        assert_eq!(a[0].origin.byte_end, 14, "the \\r is not part of the line");
        assert_eq!(a[1].origin.line, 2);
        let bom = parse_ok("\u{feff}{\"text\": \"x\"}".as_bytes()).entries;
        assert_eq!(bom[0].origin.byte_start, 3);
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let ok = "{\"text\": \"fine\"}\n";
        let cases: &[(&str, usize, Option<&str>, &str)] = &[
            ("{\"txt\": \"hi\"}", 2, Some("txt"), "did you mean `text`?"),
            (
                "{\"text\": \"hi\", \"Author\": \"x\"}",
                2,
                Some("Author"),
                "unknown field `Author`",
            ),
            (
                "{\"id\": \"1\"}",
                2,
                Some("text"),
                "missing required field `text`",
            ),
            (
                "{\"text\": 5}",
                2,
                Some("text"),
                "must be a string, found a number",
            ),
            (
                "{\"text\": \"hi\", \"timestamp\": \"2024-06-10T14:23:32\"}",
                2,
                Some("timestamp"),
                "no UTC offset",
            ),
            (
                "{\"text\": \"hi\", \"timestamp\": \"yesterday\"}",
                2,
                Some("timestamp"),
                "is not an RFC 3339",
            ),
            (
                "{\"text\": \"hi\", \"timestamp\": 1.5}",
                2,
                Some("timestamp"),
                "is not an RFC 3339",
            ),
            (
                "{\"text\": \"hi\", \"timestamp\": 9223372036854775807}",
                2,
                Some("timestamp"),
                "out of range",
            ),
            (
                "{\"text\": \"hi\", \"is_self\": \"yes\"}",
                2,
                Some("is_self"),
                "true or false",
            ),
            (
                "{\"text\": \"hi\", \"meta\": {\"n\": 3}}",
                2,
                Some("meta.n"),
                "must be a string",
            ),
            (
                "{\"text\": \"hi\", \"meta\": []}",
                2,
                Some("meta"),
                "an object of strings",
            ),
            (
                "{\"text\": \"hi\", \"id\": \"\"}",
                2,
                Some("id"),
                "non-empty",
            ),
            (
                "{\"text\": \"hi\", \"conversation\": 4}",
                2,
                Some("conversation"),
                "non-empty string",
            ),
            (
                "{\"text\": \"hi\", \"source\": \"sms\", \"meta\": {\"source\": \"mms\"}}",
                2,
                Some("meta.source"),
                "disagrees",
            ),
            (
                "{\"text\": \"a\", \"timestamp\": 20, \"ends_at\": 10}",
                2,
                Some("ends_at"),
                "before",
            ),
            ("{\"text\": \"hi\"", 2, None, "malformed JSON (column"),
            (
                "[\"text\"]",
                2,
                None,
                "expected a JSON object, found a list",
            ),
            (
                "{\"text\": \"fine\", \"id\": \"1\"}\n{\"text\": \"again\", \"id\": 1}",
                3,
                Some("id"),
                "first on line 2",
            ),
        ];
        for (line, at, field, needle) in cases {
            let input = format!("{ok}{line}");
            let (message, got_line, got_field) = parse_err(&input);
            assert_eq!(got_line, Some(*at), "{line}: {message}");
            assert_eq!(got_field.as_deref(), *field, "{line}: {message}");
            assert!(message.contains(needle), "{line}: {message}");
        }
        // A file with no good line is refused even without --strict.
        let shown = super::super::parse(
            b"\n\n{\"txt\": 1}",
            super::super::Format::Jsonl,
            &ParseContext::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(shown.contains("line 3, field txt"), "{shown}");
    }

    #[test]
    fn docs_example_parses_and_schema_matches_the_parser() {
        let example = DOCS
            .split("```jsonl\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/formats/jsonl.md has a ```jsonl example");
        let entries = parse_ok(example.as_bytes()).entries;
        assert!(entries.len() >= 4, "{entries:#?}");
        assert!(entries.iter().any(|e| e.reply_to.is_some()));
        assert!(entries.iter().any(|e| e.author_is_self == Some(true)));

        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
        assert_eq!(schema["required"], serde_json::json!(["text"]));
        let mut properties: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut fields = FIELDS.to_vec();
        properties.sort_unstable();
        fields.sort_unstable();
        assert_eq!(properties, fields);
        for field in FIELDS {
            assert!(
                DOCS.contains(&format!("`{field}`")),
                "docs describe `{field}`"
            );
        }
    }

    #[test]
    fn hostile_lines_do_not_panic() {
        let long_key = format!("{{\"{}\": 1}}", "é".repeat(5000));
        let inputs: Vec<&str> = vec![
            "\u{feff}",
            "\r\n\r\n",
            "{}",
            "null",
            "{\"text\": \"x\", \"timestamp\": -9223372036854775808}",
            "{\"text\": \"x\", \"timestamp\": 18446744073709551615}",
            "{\"text\": \"x\", \"timestamp\": \"\u{0}\"}",
            "{\"text\": \"\\ud800\"}",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            &long_key,
        ];
        for input in inputs {
            let _ = parse(input.as_bytes(), &ParseContext::default());
        }
        let limited = ParseContext {
            max_entries: 2,
            ..ParseContext::default()
        };
        assert!(matches!(
            parse(FIXTURE, &limited),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn sniffs_by_name_or_first_line() {
        assert!(sniff("notes.jsonl", ""));
        assert!(sniff(
            "dump.txt",
            "\n{\"text\": \"hi\", \"author\": \"Sam\"}\n"
        ));
        assert!(!sniff("dump.txt", "{\"name\": \"x\"}"));
    }
}
