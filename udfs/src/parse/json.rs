//! What the JSON export parsers share: errors that name the line and field
//! of a value borrowed from the file, and the words they use for values.
//!
//! The ChatGPT, LoCoMo and Twitter parsers keep the pieces of the file they
//! read as [`RawValue`]s and decode each with a [`Doc`], so that an error
//! about one of them can say where it is; Discord, Telegram and JSONL use
//! the free helpers for their own messages.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::ParseError;
use super::export::{field_error, json_error, line_of, raw_offset};

/// A JSON file being parsed, for error positions: errors about a value
/// borrowed from `text` name the format, the field path and the line.
pub(super) struct Doc<'t> {
    /// The format's name in error messages.
    format: &'static str,
    /// The whole file.
    pub text: &'t str,
}

impl<'t> Doc<'t> {
    /// The file `text`, parsed as `format` (the name errors give it).
    pub fn new(format: &'static str, text: &'t str) -> Self {
        Doc { format, text }
    }

    /// The values of a file holding a JSON array of them or, on its own, a
    /// single object (after any byte-order mark); anything else is an error
    /// saying the file should be `expected`.
    pub fn array_or_object(&self, expected: &str) -> Result<Vec<&'t RawValue>, ParseError> {
        let body = self.text.trim_start_matches('\u{feff}');
        let malformed = |e| json_error(self.format, e);
        match body.trim_start().as_bytes().first() {
            Some(b'[') => serde_json::from_str(body).map_err(malformed),
            Some(b'{') => Ok(vec![serde_json::from_str(body).map_err(malformed)?]),
            _ => Err(ParseError::Malformed {
                format: self.format,
                message: format!("expected {expected}"),
                line: Some(1),
                field: None,
            }),
        }
    }

    /// The 1-based line where `raw` starts (only computed for errors, so
    /// the linear scan is paid once, on the way out).
    pub fn line(&self, raw: &RawValue) -> u32 {
        line_of(self.text, raw_offset(self.text, raw))
    }

    /// An error about `field` of the value `raw`.
    pub fn error(&self, raw: &RawValue, field: &str, message: impl Into<String>) -> ParseError {
        field_error(self.format, self.line(raw), field, message)
    }

    /// Decodes `raw` (which must be a JSON object) into `T`, naming `path`
    /// and the line serde_json stopped at when it fails.
    pub fn object<'a, T: Deserialize<'a>>(
        &self,
        raw: &'a RawValue,
        path: &str,
    ) -> Result<T, ParseError> {
        if !raw.get().starts_with('{') {
            return Err(self.error(
                raw,
                path,
                format!("expected an object, found {}", kind_of_raw(raw)),
            ));
        }
        serde_json::from_str(raw.get()).map_err(|e| {
            let line = self.line(raw) as usize + e.line().saturating_sub(1);
            ParseError::Malformed {
                format: self.format,
                message: serde_message(&e),
                line: Some(line),
                field: Some(path.to_string()),
            }
        })
    }

    /// A string field of the value `raw`: None when absent or null, an
    /// error naming `field` for other types.
    pub fn string<'v>(
        &self,
        value: Option<&'v Value>,
        raw: &RawValue,
        field: &str,
    ) -> Result<Option<&'v str>, ParseError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(
                raw,
                field,
                format!("expected a string, found {}", kind_of(other)),
            )),
        }
    }
}

/// A JSON value's kind, for messages ("expected a string, found a list").
pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A raw JSON value's kind, from its first byte, in [`kind_of`]'s words.
pub(super) fn kind_of_raw(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "a list",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// serde_json's message without its " at line L column C" suffix: the
/// error carries the line itself, and a position relative to a value
/// decoded on its own would mislead.
pub(super) fn serde_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

/// A value for an error message, cut short so a hostile value cannot
/// flood it.
pub(super) fn shown(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// An id that may be a string (trimmed, not empty) or a number.
pub(super) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `head` (the first bytes of a file, for sniffing) has `"key"`
/// followed by a colon, i.e. as an object key rather than inside a string
/// value.
pub(super) fn has_key(head: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    let mut rest = head;
    while let Some(at) = rest.find(&quoted) {
        rest = rest.get(at + quoted.len()..).unwrap_or_default();
        if rest.trim_start().starts_with(':') {
            return true;
        }
    }
    false
}

/// The line of `"key":` inside a message's raw text, counted from the
/// message's first line `base`; `base` when the key is absent.
pub(super) fn key_line(raw: &str, key: &str, base: u32) -> u32 {
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(at) = raw.get(from..).and_then(|r| r.find(&quoted)) {
        let at = from + at;
        let after = at + quoted.len();
        if raw
            .get(after..)
            .is_some_and(|r| r.trim_start().starts_with(':'))
        {
            let newlines = raw.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
            return base.saturating_add(newlines as u32);
        }
        from = after;
    }
    base
}
