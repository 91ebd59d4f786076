//! LoCoMo conversation files (Maharana et al., 2024, "Evaluating Very
//! Long-Term Conversational Memory of LLM Agents").
//!
//! The benchmark ships a JSON array of samples (a single sample object is
//! accepted too), written on one line:
//!
//! ```json
//! [{"qa": [{"question": "...", "answer": "...", "evidence": ["D1:3"], "category": 2}, ...],
//!   "conversation": {"speaker_a": "Ines", "speaker_b": "Tomas",
//!                    "session_1_date_time": "4:12 pm on 3 March, 2023",
//!                    "session_1": [{"speaker": "Ines", "dia_id": "D1:1", "text": "Hi Tomas!"},
//!                                  {"speaker": "Tomas", "img_url": ["https://..."],
//!                                   "blip_caption": "a photo of a river", "query": "...",
//!                                   "dia_id": "D1:2", "text": "Here's the view."}],
//!                    "session_2_date_time": "...", "session_2": [...], ...},
//!   "event_summary": {...}, "observation": {...}, "session_summary": {...},
//!   "sample_id": "conv-26"}]
//! ```
//!
//! Each turn becomes one entry:
//! - `id` is the `dia_id` exactly (`D<session>:<turn>`), since evaluation
//!   matches retrieved entries against the `evidence` of the questions;
//!   a `dia_id` repeated within a sample is an error.
//! - `conversation` is the `sample_id` (`locomo-<index>` without one), titled
//!   "speaker_a & speaker_b"; `author` is the turn's `speaker`. Neither
//!   speaker is known to be the user, so `author_is_self` stays None.
//! - Sessions are taken in numeric order (`session_10` after `session_9`,
//!   whatever the key order in the file); meta `session` is the number.
//!   Keys like `session_20_date_time` with no `session_20` list (the files
//!   have them) are ignored.
//! - A session has one time, `session_<n>_date_time` such as
//!   "1:56 pm on 8 May, 2023" (no zone: read as UTC). Turn `k` (0-based) of
//!   the session gets that time plus `k` microseconds, so sorting by time
//!   keeps the dialogue order while every turn stays within the session's
//!   minute. A session without a date leaves its turns without time.
//! - A shared image is described by its `blip_caption`, appended to the text
//!   as " [shares a photo: <caption>]" (the caption alone when the text is
//!   empty); the image URL and search `query` are not kept.
//! - Each turn answers the previous turn of the same session (`reply_to`).
//! - `qa`, `event_summary`, `observation` and `session_summary` are
//!   annotations derived from the dialogue (answers included); they are
//!   skipped unread so no system sees them as memories.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::ParseError;
use super::dates::month_number;
use super::export::{Entry, Export, ParseContext, check_entry_limit, fill_lines, raw_offset};
use super::json::{Doc, kind_of, kind_of_raw, serde_message};

/// The format's name in error messages.
const FORMAT: &str = "LoCoMo file";

/// Whether `head` looks like a LoCoMo file: JSON with `"speaker_a"`, or
/// `"conversation"` with `"dia_id"`, or (the benchmark file starts with a
/// long `qa` list, the conversation far beyond the first KiBs) `"qa"` with
/// `"question"` and `"evidence"`. The extension is checked by the caller.
pub(crate) fn sniff(_name: &str, head: &str) -> bool {
    let start = head.trim_start_matches('\u{feff}').trim_start();
    (start.starts_with('[') || start.starts_with('{'))
        && (head.contains("\"speaker_a\"")
            || (head.contains("\"conversation\"") && head.contains("\"dia_id\""))
            || (head.contains("\"qa\"")
                && head.contains("\"question\"")
                && head.contains("\"evidence\"")))
}

/// One sample: only `sample_id` and `conversation` are read; serde skips
/// the annotations without building values.
#[derive(Deserialize)]
struct RawSample<'a> {
    /// `conv-26`.
    #[serde(default)]
    sample_id: Option<Value>,
    /// Speakers, session dates and sessions.
    #[serde(borrow, default)]
    conversation: Option<&'a RawValue>,
}

/// One turn of a session.
#[derive(Deserialize)]
struct RawTurn {
    /// Who speaks (one of the two speakers).
    #[serde(default)]
    speaker: Option<Value>,
    /// `D<session>:<turn>`.
    #[serde(default)]
    dia_id: Option<Value>,
    /// What they say.
    #[serde(default)]
    text: Option<Value>,
    /// A caption of the image shared with the turn.
    #[serde(default)]
    blip_caption: Option<Value>,
}

/// Parses a LoCoMo file into one entry per dialogue turn.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = super::utf8(bytes)?;
    let doc = Doc::new(FORMAT, text);
    let samples = doc.array_or_object(
        "a JSON array of samples ([{\"sample_id\": ..., \"conversation\": ...}])",
    )?;
    let reader = Reader { doc };
    let mut entries = Vec::new();
    for (index, &raw) in samples.iter().enumerate() {
        reader.sample(raw, index, ctx, &mut entries)?;
    }
    fill_lines(text, &mut entries);
    Ok(Export {
        entries,
        ..Export::default()
    })
}

/// Reads the samples of the file.
struct Reader<'t> {
    /// The file, for error positions.
    doc: Doc<'t>,
}

impl<'t> Reader<'t> {
    /// A string field holding a raw JSON value (`speaker_a`, a date).
    fn raw_string(
        &self,
        raw: Option<&&RawValue>,
        field: &str,
    ) -> Result<Option<String>, ParseError> {
        let Some(raw) = raw else { return Ok(None) };
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Null) => Ok(None),
            Ok(Value::String(s)) => Ok(Some(s)),
            Ok(other) => Err(self.doc.error(
                raw,
                field,
                format!("expected a string, found {}", kind_of(&other)),
            )),
            Err(e) => Err(self.doc.error(raw, field, serde_message(&e))),
        }
    }

    /// Adds the turns of sample `index`.
    fn sample(
        &self,
        raw: &'t RawValue,
        index: usize,
        ctx: &ParseContext,
        entries: &mut Vec<Entry>,
    ) -> Result<(), ParseError> {
        let path = format!("[{index}]");
        let sample: RawSample = self.doc.object(raw, &path)?;
        let conversation_id = match &sample.sample_id {
            None | Some(Value::Null) => format!("locomo-{index}"),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(self.doc.error(
                    raw,
                    &format!("{path}.sample_id"),
                    format!("expected a non-empty string, found {}", kind_of(other)),
                ));
            }
        };
        let conv_path = format!("{path}.conversation");
        let Some(conv_raw) = sample.conversation else {
            return Err(self
                .doc
                .error(raw, &conv_path, "the sample has no `conversation`"));
        };
        let conversation: BTreeMap<String, &RawValue> = self.doc.object(conv_raw, &conv_path)?;
        let speaker_a = self.raw_string(
            conversation.get("speaker_a"),
            &format!("{conv_path}.speaker_a"),
        )?;
        let speaker_b = self.raw_string(
            conversation.get("speaker_b"),
            &format!("{conv_path}.speaker_b"),
        )?;
        let title = match (&speaker_a, &speaker_b) {
            (Some(a), Some(b)) => Some(format!("{a} & {b}")),
            (Some(one), None) | (None, Some(one)) => Some(one.clone()),
            (None, None) => None,
        };

        // `session_<n>` keys, in numeric order.
        let mut sessions: Vec<(u64, &str, &RawValue)> = conversation
            .iter()
            .filter_map(|(key, raw)| {
                let n = key.strip_prefix("session_")?;
                if n.is_empty() || n.len() > 9 || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some((n.parse().ok()?, key.as_str(), *raw))
            })
            .collect();
        sessions.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));

        let mut seen: HashSet<String> = HashSet::new();
        for (number, key, session_raw) in sessions {
            let session_path = format!("{conv_path}.{key}");
            let date_key = format!("{key}_date_time");
            let date_path = format!("{conv_path}.{date_key}");
            let start_us = match self.raw_string(conversation.get(&date_key), &date_path)? {
                None => None,
                Some(date) => match session_time(&date) {
                    Some(us) => Some(us),
                    None => {
                        let at = conversation.get(&date_key).copied().unwrap_or(conv_raw);
                        return Err(self.doc.error(
                            at,
                            &date_path,
                            format!("`{date}` is not a date like \"1:56 pm on 8 May, 2023\""),
                        ));
                    }
                },
            };
            let turns: Vec<&RawValue> = match session_raw.get().as_bytes().first() {
                Some(b'n') => continue,
                Some(b'[') => serde_json::from_str(session_raw.get()).map_err(|e| {
                    self.doc
                        .error(session_raw, &session_path, serde_message(&e))
                })?,
                _ => {
                    return Err(self.doc.error(
                        session_raw,
                        &session_path,
                        format!(
                            "expected a list of turns, found {}",
                            kind_of_raw(session_raw)
                        ),
                    ));
                }
            };
            let mut previous: Option<String> = None;
            for (k, turn_raw) in turns.iter().enumerate() {
                let turn_path = format!("{session_path}[{k}]");
                let turn: RawTurn = self.doc.object(turn_raw, &turn_path)?;
                let field = |name: &str| format!("{turn_path}.{name}");
                let id = match self
                    .doc
                    .string(turn.dia_id.as_ref(), turn_raw, &field("dia_id"))?
                {
                    Some(id) if !id.is_empty() => id.to_string(),
                    _ => {
                        return Err(self.doc.error(
                            turn_raw,
                            &field("dia_id"),
                            "the turn has no `dia_id`",
                        ));
                    }
                };
                let said = self
                    .doc
                    .string(turn.text.as_ref(), turn_raw, &field("text"))?
                    .unwrap_or_default()
                    .trim();
                let caption = self
                    .doc
                    .string(turn.blip_caption.as_ref(), turn_raw, &field("blip_caption"))?
                    .map(str::trim)
                    .filter(|c| !c.is_empty());
                let text = match (said.is_empty(), caption) {
                    (_, None) => said.to_string(),
                    (true, Some(caption)) => format!("[shares a photo: {caption}]"),
                    (false, Some(caption)) => format!("{said} [shares a photo: {caption}]"),
                };
                let speaker =
                    self.doc
                        .string(turn.speaker.as_ref(), turn_raw, &field("speaker"))?;
                if text.is_empty() {
                    continue;
                }
                if !seen.insert(id.clone()) {
                    return Err(self.doc.error(
                        turn_raw,
                        &field("dia_id"),
                        format!("duplicate dia_id `{id}`"),
                    ));
                }
                check_entry_limit(FORMAT, ctx, entries.len() + 1)?;
                let start = raw_offset(self.doc.text, turn_raw);
                let mut entry = Entry {
                    conversation: conversation_id.clone(),
                    conversation_title: title.clone(),
                    id,
                    author: speaker.map(str::to_string),
                    author_is_self: None,
                    timestamp_us: start_us.map(|t| t.saturating_add(k as i64)),
                    ends_at_us: None,
                    text,
                    reply_to: previous.take(),
                    origin: Default::default(),
                    meta: BTreeMap::from([("session".to_string(), number.to_string())]),
                };
                entry.origin.byte_start = start as u64;
                entry.origin.byte_end = (start + turn_raw.get().len()) as u64;
                previous = Some(entry.id.clone());
                entries.push(entry);
            }
        }
        Ok(())
    }
}

/// "1:56 pm on 8 May, 2023" (read as UTC) in µs; None when it is not one.
/// Hours 1-12 with am/pm (any case), full or three-letter month names.
fn session_time(date: &str) -> Option<i64> {
    let (clock, day) = date.trim().split_once(" on ")?;
    let mut clock_parts = clock.split_whitespace();
    let (hour, minute) = clock_parts.next()?.split_once(':')?;
    let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
    let pm = match clock_parts.next()?.to_ascii_lowercase().as_str() {
        "am" | "a.m." => false,
        "pm" | "p.m." => true,
        _ => return None,
    };
    if clock_parts.next().is_some() || !(1..=12).contains(&hour) {
        return None;
    }
    let hour = hour % 12 + if pm { 12 } else { 0 };
    let cleaned = day.replace(',', " ");
    let mut day_parts = cleaned.split_whitespace();
    let day: u32 = day_parts.next()?.parse().ok()?;
    let month = month_number(day_parts.next()?)?;
    let year: i32 = day_parts.next()?.parse().ok()?;
    if day_parts.next().is_some() {
        return None;
    }
    let time = chrono::NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, 0)?;
    Some(time.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::super::export::testing::malformed;
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../fixtures/locomo/sample.json");

    fn parse_ok(bytes: &[u8]) -> Export {
        parse(bytes, &ParseContext::default()).unwrap()
    }

    fn parse_err(bytes: &[u8]) -> (String, Option<usize>, Option<String>) {
        malformed(parse(bytes, &ParseContext::default()))
    }

    #[test]
    fn sniffs_samples_even_behind_a_long_qa_list() {
        let head = String::from_utf8_lossy(&FIXTURE[..250]);
        assert!(
            !head.contains("speaker_a"),
            "the fixture, like the benchmark, starts with qa"
        );
        assert!(sniff("sample.json", &head));
        assert!(sniff(
            "x.json",
            "{\"conversation\": {\"session_1\": [{\"dia_id\": \"D1:1\"}]}}"
        ));
        assert!(sniff(
            "x.json",
            "[{\"conversation\": {\"speaker_a\": \"A\"}}]"
        ));
        assert!(!sniff(
            "x.json",
            "{\"guild\": {}, \"channel\": {}, \"messages\": []}"
        ));
        assert!(!sniff(
            "x.json",
            "[{\"title\": \"the \\\"speaker_a\\\" field\", \"mapping\": {}}]"
        ));
    }

    #[test]
    fn turns_become_entries_with_dia_ids() {
        let export = parse_ok(FIXTURE);
        let e = &export.entries;
        let ids: Vec<&str> = e.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "D1:1", "D1:2", "D1:3", "D1:4", "D1:5", "D2:1", "D2:2", "D2:3", "D2:4"
            ]
        );
        assert!(e.iter().all(|x| x.conversation == "demo-17"));
        assert!(
            e.iter()
                .all(|x| x.conversation_title.as_deref() == Some("Ines & Tomas"))
        );
        assert!(e.iter().all(|x| x.author_is_self.is_none()));
        assert_eq!(e[0].author.as_deref(), Some("Ines"));
        assert_eq!(e[1].author.as_deref(), Some("Tomas"));
        assert_eq!(e[1].reply_to.as_deref(), Some("D1:1"));
        assert_eq!(e[5].reply_to, None, "a new session starts fresh");
        assert_eq!(e[0].meta.get("session").map(String::as_str), Some("1"));
        assert_eq!(e[8].meta.get("session").map(String::as_str), Some("2"));
        assert_eq!(
            e[3].text,
            "Pottery, nice! Here's the view I was bragging about. [shares a photo: a photo of a window overlooking a river with boats]"
        );
        assert_eq!(
            e[7].text,
            "[shares a photo: a photo of a grey cat sleeping on a blue sofa]"
        );
        assert!(
            e.iter()
                .all(|x| !x.text.contains("Bolacha\"") && !x.text.contains("adversarial"))
        );
        assert_eq!(e[0].origin.line, 1);
        let text = std::str::from_utf8(FIXTURE).unwrap();
        let slice = &text[e[2].origin.byte_start as usize..e[2].origin.byte_end as usize];
        assert!(
            slice.starts_with("{\"speaker\": \"Ines\", \"dia_id\": \"D1:3\""),
            "{slice}"
        );
    }

    #[test]
    fn session_times_are_utc_and_keep_turn_order() {
        let e = parse_ok(FIXTURE).entries;
        // 4:12 pm on 3 March, 2023 = 2023-03-03T16:12:00Z
        let session_1 = 1_677_859_920_000_000;
        assert_eq!(e[0].timestamp_us, Some(session_1));
        assert_eq!(e[4].timestamp_us, Some(session_1 + 4));
        // 9:05 am on 17 March, 2023 = 2023-03-17T09:05:00Z
        assert_eq!(e[5].timestamp_us, Some(1_679_043_900_000_000));
        assert_eq!(
            session_time("12:09 am on 13 September, 2023"),
            Some(1_694_563_740_000_000)
        );
        assert_eq!(
            session_time("12:30 PM on 1 Jan, 2024"),
            Some(1_704_112_200_000_000)
        );
        assert_eq!(session_time("13:00 pm on 1 May, 2023"), None);
        assert_eq!(session_time("1:00 pm on 31 February, 2023"), None);
        assert_eq!(session_time("1:00 pm 1 May, 2023"), None);
    }

    #[test]
    fn sessions_are_in_numeric_order() {
        let json = r#"{"sample_id": 7, "conversation": {"speaker_a": "A", "speaker_b": "B",
            "session_10": [{"speaker": "A", "dia_id": "D10:1", "text": "ten"}],
            "session_2": [{"speaker": "B", "dia_id": "D2:1", "text": "two"}],
            "session_9_date_time": "8:00 am on 2 June, 2023",
            "session_9": [{"speaker": "A", "dia_id": "D9:1", "text": "nine"}],
            "session_11_date_time": "8:00 am on 3 June, 2023"}}"#;
        let e = parse_ok(json.as_bytes()).entries;
        let ids: Vec<&str> = e.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["D2:1", "D9:1", "D10:1"]);
        assert_eq!(e[0].conversation, "7");
        assert_eq!(e[0].timestamp_us, None, "no date for session 2");
        assert!(e[1].timestamp_us.is_some());
        assert_eq!(
            (e[0].origin.line, e[1].origin.line, e[2].origin.line),
            (3, 5, 2)
        );
    }

    #[test]
    fn malformed_inputs_name_line_and_field() {
        let (message, line, _) = parse_err(&FIXTURE[..FIXTURE.len() - 30]);
        assert!(message.contains("malformed JSON"), "{message}");
        assert_eq!(line, Some(1));

        let bad_date =
            "[{\"conversation\": {\n\"session_1_date_time\": \"yesterday\",\n\"session_1\": []}}]";
        let (message, line, field) = parse_err(bad_date.as_bytes());
        assert!(message.contains("`yesterday` is not a date"), "{message}");
        assert_eq!(
            field.as_deref(),
            Some("[0].conversation.session_1_date_time")
        );
        assert_eq!(line, Some(2));

        let bad_text = "[{\"conversation\": {\"session_1\": [\n{\"dia_id\": \"D1:1\", \"text\": \"ok\"},\n{\"dia_id\": \"D1:2\", \"text\": [\"no\"]}]}}]";
        let (message, line, field) = parse_err(bad_text.as_bytes());
        assert!(
            message.contains("expected a string, found a list"),
            "{message}"
        );
        assert_eq!(field.as_deref(), Some("[0].conversation.session_1[1].text"));
        assert_eq!(line, Some(3));

        let no_id = br#"[{"conversation": {"session_1": [{"text": "hi"}]}}]"#;
        let (_, _, field) = parse_err(no_id);
        assert_eq!(
            field.as_deref(),
            Some("[0].conversation.session_1[0].dia_id")
        );
        let duplicate = br#"[{"conversation": {"session_1": [{"dia_id": "D1:1", "text": "a"}, {"dia_id": "D1:1", "text": "b"}]}}]"#;
        let (message, _, _) = parse_err(duplicate);
        assert!(message.contains("duplicate dia_id `D1:1`"), "{message}");
        let (_, _, field) = parse_err(br#"[{"conversation": {"session_1": {"dia_id": "D1:1"}}}]"#);
        assert_eq!(field.as_deref(), Some("[0].conversation.session_1"));
        let (_, _, field) = parse_err(br#"[{"qa": []}]"#);
        assert_eq!(field.as_deref(), Some("[0].conversation"));
        let (_, _, field) = parse_err(br#"[{"conversation": {"speaker_a": 3}}]"#);
        assert_eq!(field.as_deref(), Some("[0].conversation.speaker_a"));
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let inputs: &[&[u8]] = &[
            b"[",
            b"\"text\"",
            b"[null]",
            b"[{\"conversation\": null}]",
            b"[{\"conversation\": {\"session_99999999999999999999\": [], \"session_\": 1, \"session_x\": 2}}]",
            b"[{\"conversation\": {\"session_1_date_time\": \"99:99 pm on 99 Foo, 99999999999\", \"session_1\": []}}]",
            b"[{\"conversation\": {\"session_1_date_time\": \"1:00 pm on 1 May, -262144\", \"session_1\": [{\"dia_id\": \"x\", \"text\": \"t\"}]}}]",
            b"[{\"conversation\": {\"session_1_date_time\": \"\xc3\xa9:\xc3\xa9 pm on \", \"session_1\": []}}]",
            b"[{\"sample_id\": {}, \"conversation\": {}}]",
            b"\xef\xbb\xbf{\"conversation\": {\"session_1\": [1]}}",
        ];
        for input in inputs {
            let _ = parse(input, &ParseContext::default());
        }
        let limited = ParseContext {
            max_entries: 4,
            ..ParseContext::default()
        };
        assert!(matches!(
            parse(FIXTURE, &limited),
            Err(ParseError::TooLarge { .. })
        ));
    }
}
