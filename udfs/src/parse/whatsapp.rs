//! WhatsApp chat export (`.txt`, "Export chat" → "Without media" or the
//! `_chat.txt` inside "With media").
//!
//! One message per header line, in one of two layouts that depend on the
//! phone, each with the date and time in the phone's locale:
//!
//! ```text
//! 03/10/2026, 18:21 - Bob Stone: text              Android, 24-hour
//! 10/3/26, 6:21 PM - Bob: text                     Android, 12-hour
//! [03/10/2026, 18:21:07] Bob Stone: text           iOS, 24-hour
//! [10/3/26, 6:21:07 PM] Bob: text                  iOS, 12-hour
//! ```
//!
//! Quirks handled here:
//!
//! * Newer exports put a narrow no-break space (U+202F) before AM/PM; iOS
//!   prefixes media and system lines, and their text, with a left-to-right
//!   mark (U+200E) and ends lines with CRLF. Dates may use `/`, `.` or `-`,
//!   the comma after the date may be missing, AM/PM may be lowercase or
//!   `a.m.`, and a four-digit first field means year/month/day.
//! * A line that does not start with a header continues the previous
//!   message (multi-line messages keep their line breaks).
//! * **Day/month order** is not written anywhere, so it is decided per file:
//!   if any header's first field is above 12 the file is day-first; else if
//!   any second field is above 12 it is month-first; else day-first for
//!   24-hour files and month-first for 12-hour files (the common locales:
//!   en-GB/most of Europe vs en-US). A header that is impossible under the
//!   chosen order is an error naming its line.
//! * **Time zone**: times are the phone's local time with no offset. They
//!   are read as UTC (the context carries no zone yet; the pipeline may
//!   shift them later), so they are consistent within and across exports
//!   made on the same phone.
//! * **System lines** have no author on Android ("Bob added Carol", "You
//!   created group "Harbor""); on iOS they carry the group's (or contact's)
//!   name as author and text starting with U+200E. Both become entries with
//!   no author (iOS: the author when it is not the chat's name) and
//!   `meta.service = "system"`. The end-to-end encryption notice at the top
//!   of every chat is boilerplate and skipped. An author candidate holding
//!   quotes is taken as part of a system line (`Bob changed the subject
//!   to "Trip: day 2"`), not as a name.
//! * **Media**: `<Media omitted>` (Android without media), `image omitted`
//!   (iOS), `IMG-…jpg (file attached)` (Android with media) and
//!   `<attached: 00000012-PHOTO-….jpg>` (iOS with media). The message is
//!   kept with `meta.media = "true"` (plus `media_kind` and `attachment`
//!   when known); its text is the caption (the lines after the media line)
//!   or, without one, a placeholder such as `[image]`, `[media]` or
//!   `[document report.pdf]`, so that something was sent is not lost.
//! * Deleted messages ("This message was deleted", "You deleted this
//!   message") are skipped; `<This message was edited>` is removed from the
//!   text and noted as `meta.edited = "true"` (the export has no edit time).
//!
//! Conversation: the file name names the chat ("WhatsApp Chat with Bob
//! Stone.txt", "WhatsApp Chat - Harbor crew.txt", plus a few translations);
//! it is both the conversation id and title. A bare `_chat.txt` (from a
//! "with media" zip) falls back to the author of the iOS encryption notice
//! (the chat's name), then to the file's own name. Messages have no ids, so
//! each id is `derived_id` over (UTC µs, author, text, occurrence number of
//! that exact triple): two exports of the same chat give the same ids to
//! the messages they share.
//!
//! Owner: when the chat is named after a person and exactly two authors
//! write in it, one of them that person, the other is the owner.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::export::{
    Entry, Export, Origin, ParseContext, check_entry_limit, derived_id, owner_beside,
};
use super::{ParseError, utf8};

/// The format name used in errors.
const FORMAT: &str = "WhatsApp chat";

/// Invisible marks WhatsApp sprinkles around names and text: BOM,
/// left-to-right/right-to-left marks, directional embeddings and isolates.
const MARKS: &[char] = &[
    '\u{feff}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{2066}', '\u{2067}',
    '\u{2068}', '\u{2069}',
];

/// File-name prefixes that precede the chat's name (English and a few
/// common translations), compared ignoring ASCII case.
const NAME_PREFIXES: &[&str] = &[
    "WhatsApp Chat with ",
    "WhatsApp Chat - ",
    "WhatsApp Chat – ",
    "WhatsApp-Chat mit ",
    "WhatsApp Chat mit ",
    "Chat de WhatsApp con ",
    "Conversa do WhatsApp com ",
    "Discussion WhatsApp avec ",
    "Chat WhatsApp con ",
    "WhatsApp-chat met ",
    "WhatsApp Chat met ",
];

/// Whether `head` (the first KiB of a file called `name`, lowercased name)
/// looks like a WhatsApp chat: its first non-empty line, after a BOM or
/// direction marks, is a message header.
pub(crate) fn sniff(_name: &str, head: &str) -> bool {
    head.lines()
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.trim_matches(MARKS).trim().is_empty())
        .is_some_and(|l| header(l).is_some())
}

/// A parsed header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    /// The three date fields as written.
    date: [u32; 3],
    /// Whether the first field is a four-digit year (year/month/day).
    year_first: bool,
    /// Hour as written (1-12 with `pm`, 0-23 without).
    hour: u32,
    /// Minute.
    minute: u32,
    /// Second (0 when the layout has none).
    second: u32,
    /// `Some(true)` for PM, `Some(false)` for AM, None for 24-hour.
    pm: Option<bool>,
    /// Byte offset in the line where the message (author and text) starts.
    body: usize,
}

/// A byte cursor over one line; it only ever advances over whole ASCII
/// bytes or whole known multi-byte sequences, so every offset it reports
/// is a char boundary.
struct Cursor<'a> {
    /// The line.
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
}

impl Cursor<'_> {
    /// The next byte.
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Consumes `prefix` if the rest starts with it.
    fn eat(&mut self, prefix: &[u8]) -> bool {
        if self
            .bytes
            .get(self.at..)
            .is_some_and(|r| r.starts_with(prefix))
        {
            self.at += prefix.len();
            true
        } else {
            false
        }
    }

    /// Consumes 1 to `max` ASCII digits; their value and count.
    fn number(&mut self, max: usize) -> Option<(u32, usize)> {
        let start = self.at;
        let mut value: u32 = 0;
        while self.at - start < max {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    self.at += 1;
                }
                _ => break,
            }
        }
        let digits = self.at - start;
        (digits > 0).then_some((value, digits))
    }

    /// Consumes spaces of any kind (ASCII, no-break, narrow no-break);
    /// how many.
    fn spaces(&mut self) -> usize {
        let mut n = 0;
        while self.eat(b" ") || self.eat("\u{a0}".as_bytes()) || self.eat("\u{202f}".as_bytes()) {
            n += 1;
        }
        n
    }

    /// Consumes leading direction marks and a BOM.
    fn marks(&mut self) {
        loop {
            let before = self.at;
            for mark in MARKS {
                let mut buf = [0u8; 4];
                self.eat(mark.encode_utf8(&mut buf).as_bytes());
            }
            if self.at == before {
                break;
            }
        }
    }
}

/// Parses the header at the start of `line`, or None when it has none.
fn header(line: &str) -> Option<Header> {
    let mut c = Cursor {
        bytes: line.as_bytes(),
        at: 0,
    };
    c.marks();
    let bracket = c.eat(b"[");
    // Date: three numbers with one separator, day/month/year in some order
    // or year/month/day.
    let (first, first_digits) = c.number(4)?;
    let sep = c.peek().filter(|b| matches!(b, b'/' | b'.' | b'-'))?;
    c.at += 1;
    let year_first = first_digits == 4;
    if !year_first && first_digits > 2 {
        return None;
    }
    let (second_field, _) = c.number(2)?;
    if !c.eat(&[sep]) {
        return None;
    }
    let (third, third_digits) = c.number(4)?;
    if (!year_first && third_digits != 2 && third_digits != 4) || (year_first && third_digits > 2) {
        return None;
    }
    c.eat(b".");
    let comma = c.eat(b",");
    if c.spaces() == 0 && !comma {
        return None;
    }
    c.spaces();
    // Time: H:MM or H:MM:SS, then AM/PM in any of its spellings.
    let (hour, _) = c.number(2)?;
    if !c.eat(b":") {
        return None;
    }
    let (minute, minute_digits) = c.number(2)?;
    if minute_digits != 2 {
        return None;
    }
    let mut second = 0;
    if c.eat(b":") {
        let (s, digits) = c.number(2)?;
        if digits != 2 {
            return None;
        }
        second = s;
    }
    let before_meridiem = c.at;
    c.spaces();
    let pm = meridiem(&mut c);
    if pm.is_none() {
        c.at = before_meridiem;
    }
    // Separator: "] " on iOS, " - " on Android.
    if bracket {
        if !c.eat(b"]") {
            return None;
        }
        c.spaces();
    } else {
        if c.spaces() == 0 {
            return None;
        }
        if !(c.eat(b"-") || c.eat("–".as_bytes())) {
            return None;
        }
        if c.spaces() == 0 && c.peek().is_some() {
            return None;
        }
    }
    Some(Header {
        date: [first, second_field, third],
        year_first,
        hour,
        minute,
        second,
        pm,
        body: c.at,
    })
}

/// Consumes `AM`/`PM` (any case, optionally dotted: `a.m.`); Some(true)
/// for PM.
fn meridiem(c: &mut Cursor) -> Option<bool> {
    let pm = match c.peek().map(|b| b.to_ascii_lowercase()) {
        Some(b'a') => false,
        Some(b'p') => true,
        _ => return None,
    };
    let start = c.at;
    c.at += 1;
    c.eat(b".");
    if c.peek().map(|b| b.to_ascii_lowercase()) != Some(b'm') {
        c.at = start;
        return None;
    }
    c.at += 1;
    c.eat(b".");
    Some(pm)
}

/// One message found by the first pass, before dates are interpreted.
struct Raw {
    /// Its header.
    header: Header,
    /// 1-based line of the header.
    line: u32,
    /// Byte offset of the header line.
    start: usize,
    /// Byte offset where author and text start.
    body: usize,
    /// One past the last byte of its last non-blank line.
    end: usize,
}

/// What the body of a message says, once classified.
struct Body {
    /// The author, None for a system line.
    author: Option<String>,
    /// The text, cleaned of marks and markers.
    text: String,
    /// `service`, `media`, `edited`...
    meta: BTreeMap<String, String>,
}

/// Parses a WhatsApp chat export.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = utf8(bytes)?;
    let raws = scan(text)?;

    // Day/month order, decided once per file.
    let first_over_12 = raws
        .iter()
        .any(|r| !r.header.year_first && r.header.date[0] > 12);
    let second_over_12 = raws
        .iter()
        .any(|r| !r.header.year_first && r.header.date[1] > 12);
    let twelve_hour = raws.iter().any(|r| r.header.pm.is_some());
    let day_first = if first_over_12 {
        true
    } else if second_over_12 {
        false
    } else {
        !twelve_hour
    };

    let from_file = chat_name(&ctx.file_name);
    let mut bodies = Vec::with_capacity(raws.len());
    for raw in &raws {
        bodies.push(classify(text.get(raw.body..raw.end).unwrap_or_default()));
    }
    // A bare `_chat.txt` does not name the chat, but iOS writes the
    // encryption notice under the chat's name.
    let name = from_file.or_else(|| {
        bodies.iter().find_map(|b| match b {
            Classified::Notice(Some(author)) => Some(author.clone()),
            _ => None,
        })
    });
    let fallback = file_stem(&ctx.file_name);
    let conversation = name
        .clone()
        .or_else(|| (!fallback.is_empty()).then(|| fallback.to_string()))
        .unwrap_or_else(|| "WhatsApp chat".to_string());

    let mut export = Export::default();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (raw, classified) in raws.iter().zip(bodies) {
        let body = match classified {
            Classified::Skip | Classified::Notice(_) => continue,
            Classified::Message(body) => body,
        };
        let timestamp_us = timestamp(&raw.header, day_first).ok_or_else(|| {
            let order = if raw.header.year_first {
                "year/month/day"
            } else if day_first {
                "day/month/year"
            } else {
                "month/day/year"
            };
            let [a, b, c] = raw.header.date;
            ParseError::Malformed {
                format: FORMAT,
                message: format!(
                    "impossible date or time {a}/{b}/{c} {}:{:02} (the file reads as {order})",
                    raw.header.hour, raw.header.minute
                ),
                line: Some(raw.line as usize),
                field: Some("date".into()),
            }
        })?;
        // The chat's own name as author of a system line is WhatsApp
        // speaking, not a person.
        let author = match body.author {
            Some(a) if body.meta.contains_key("service") && name.as_deref() == Some(a.as_str()) => {
                None
            }
            other => other,
        };
        let stamp = timestamp_us.to_string();
        let who = author.as_deref().unwrap_or_default();
        let key = derived_id(&[stamp.as_str(), who, body.text.as_str()]);
        let n = seen.entry(key).or_insert(0);
        let id = derived_id(&[
            stamp.as_str(),
            who,
            body.text.as_str(),
            n.to_string().as_str(),
        ]);
        *n += 1;
        check_entry_limit(FORMAT, ctx, export.entries.len() + 1)?;
        export.entries.push(Entry {
            conversation: conversation.clone(),
            conversation_title: Some(conversation.clone()),
            id,
            author,
            author_is_self: None,
            timestamp_us: Some(timestamp_us),
            ends_at_us: None,
            text: body.text,
            reply_to: None,
            origin: Origin {
                byte_start: raw.start as u64,
                byte_end: raw.end as u64,
                line: raw.line,
            },
            meta: body.meta,
        });
    }
    if let Some(other) = name.as_deref() {
        if let Some(owner) = owner_beside(&export.entries, other) {
            export.owner_names.push(owner);
        }
    }
    Ok(export)
}

/// First pass: the header lines and the extent of each message. Errors when
/// the first non-blank line is not a header (not a WhatsApp chat).
fn scan(text: &str) -> Result<Vec<Raw>, ParseError> {
    let mut raws: Vec<Raw> = Vec::new();
    let mut pos = 0;
    let mut line_no: u32 = 0;
    while pos < text.len() {
        line_no = line_no.saturating_add(1);
        let end = text
            .get(pos..)
            .and_then(|r| r.find('\n'))
            .map_or(text.len(), |i| pos + i);
        let line = text.get(pos..end).unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        let blank = line.trim_matches(MARKS).trim().is_empty();
        if let Some(h) = header(line) {
            raws.push(Raw {
                header: h,
                line: line_no,
                start: pos,
                body: pos + h.body,
                end: pos + line.len(),
            });
        } else if let Some(last) = raws.last_mut() {
            if !blank {
                last.end = pos + line.len();
            }
        } else if !blank {
            return Err(no_header(line_no));
        }
        pos = end + 1;
    }
    if raws.is_empty() {
        return Err(no_header(1));
    }
    Ok(raws)
}

/// The error for a file that does not start with a message header.
fn no_header(line: u32) -> ParseError {
    ParseError::Malformed {
        format: FORMAT,
        message: "no message header found: expected lines like \
                  \"03/10/2026, 18:21 - Name: text\" or \"[03/10/2026, 18:21:07] Name: text\""
            .into(),
        line: Some(line as usize),
        field: None,
    }
}

/// What a message body turned out to be.
enum Classified {
    /// A deleted message or an empty one.
    Skip,
    /// The end-to-end encryption notice, with its author on iOS.
    Notice(Option<String>),
    /// Something to keep.
    Message(Body),
}

/// Splits a body (everything after the header, continuation lines
/// included) into author and text, and recognises system lines, media and
/// deletions.
fn classify(body: &str) -> Classified {
    let body = body.trim_start_matches(MARKS);
    let (author, rest) = split_author(body);
    // iOS marks system and media text with a leading U+200E.
    let marked = rest.starts_with('\u{200e}');
    let normalized = if rest.contains('\r') {
        std::borrow::Cow::Owned(rest.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(rest)
    };
    let mut meta = BTreeMap::new();
    let mut trimmed = normalized.trim_matches(MARKS).trim();
    if let Some(before) = trimmed.strip_suffix("<This message was edited>") {
        meta.insert("edited".to_string(), "true".to_string());
        trimmed = before.trim_end_matches(MARKS).trim_end();
    }
    if matches!(
        trimmed,
        "" | "This message was deleted"
            | "This message was deleted."
            | "You deleted this message"
            | "You deleted this message."
    ) {
        return Classified::Skip;
    }
    let system = author.is_none() || marked;
    if system && trimmed.contains("end-to-end encrypted") {
        return Classified::Notice(author);
    }
    let (first_line, caption) = match trimmed.split_once('\n') {
        Some((first, rest)) => (first, rest.trim()),
        None => (trimmed, ""),
    };
    let text = if let Some((kind, attachment)) = media(first_line) {
        meta.insert("media".to_string(), "true".to_string());
        if let Some(kind) = kind {
            meta.insert("media_kind".to_string(), kind.to_string());
        }
        let label = match (kind, attachment) {
            (Some("document"), Some(file)) => format!("[document {}]", document_name(file)),
            (Some(kind), _) => format!("[{kind}]"),
            (None, _) => "[media]".to_string(),
        };
        if let Some(file) = attachment {
            meta.insert("attachment".to_string(), file.to_string());
        }
        if caption.is_empty() {
            label
        } else {
            caption.to_string()
        }
    } else {
        if system {
            meta.insert("service".to_string(), "system".to_string());
        }
        trimmed.to_string()
    };
    Classified::Message(Body { author, text, meta })
}

/// Splits `Name: text` into author and text, looking only at the header
/// line. No author when it has no `": "` (an Android system line) or when
/// the candidate cannot be a name (it holds quotes, as in `Bob changed the
/// subject to "Trip: day 2"`).
fn split_author(body: &str) -> (Option<String>, &str) {
    let first_line = body.split('\n').next().unwrap_or_default();
    let split = match first_line.find(": ") {
        Some(i) => body.get(..i).zip(body.get(i + 2..)),
        // "Name:" alone, the text starting on the next line.
        None => first_line
            .trim_end_matches('\r')
            .strip_suffix(':')
            .and_then(|name| {
                Some((
                    name,
                    body.get(first_line.len()..)?
                        .trim_start_matches(['\r', '\n']),
                ))
            }),
    };
    let Some((name, rest)) = split else {
        return (None, body);
    };
    let name = name.trim_matches(MARKS).trim();
    let plausible =
        !name.is_empty() && !name.contains(['"', '“', '”']) && name.chars().count() <= 100;
    if plausible {
        (Some(name.to_string()), rest)
    } else {
        (None, body)
    }
}

/// Recognises a media line; the kind (None when unknown) and the attached
/// file name.
fn media(line: &str) -> Option<(Option<&'static str>, Option<&str>)> {
    let line = line.trim_matches(MARKS).trim();
    if line.eq_ignore_ascii_case("<Media omitted>") {
        return Some((None, None));
    }
    if let Some(start) = line.find("<attached: ") {
        let name = line
            .get(start + "<attached: ".len()..)
            .and_then(|r| r.split_once('>'))
            .map(|(n, _)| n.trim())
            .filter(|n| !n.is_empty());
        return Some((name.map(kind_of_file), name));
    }
    if let Some(name) = line.strip_suffix(" (file attached)") {
        let name = name.trim_matches(MARKS).trim();
        return Some((Some(kind_of_file(name)), Some(name)));
    }
    if let Some(what) = line.strip_suffix(" omitted") {
        let what = what.trim_matches(MARKS).trim();
        let kind = match what.to_ascii_lowercase().as_str() {
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            "sticker" => "sticker",
            "gif" => "GIF",
            "contact card" => "contact card",
            "document" => "document",
            w if w.ends_with("document") => "document",
            _ => return None,
        };
        return Some((Some(kind), None));
    }
    None
}

/// The kind of an attached file from its name: iOS names them
/// `00000012-PHOTO-2025-10-14-20-17-10.jpg`, Android `IMG-20251003-WA0012.jpg`.
fn kind_of_file(name: &str) -> &'static str {
    let upper = name.to_ascii_uppercase();
    let ext = upper.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    if upper.contains("-PHOTO-") || upper.starts_with("IMG-") {
        "image"
    } else if upper.contains("-VIDEO-") || upper.starts_with("VID-") {
        "video"
    } else if upper.contains("-AUDIO-") || upper.starts_with("PTT-") || upper.starts_with("AUD-") {
        "audio"
    } else if upper.contains("-STICKER-") || upper.starts_with("STK-") {
        "sticker"
    } else if upper.contains("-GIF-") {
        "GIF"
    } else if matches!(ext, "JPG" | "JPEG" | "PNG" | "HEIC" | "WEBP") {
        "image"
    } else if matches!(ext, "MP4" | "MOV" | "3GP") {
        "video"
    } else if matches!(ext, "OPUS" | "OGG" | "M4A" | "MP3" | "AAC") {
        "audio"
    } else if ext == "VCF" {
        "contact card"
    } else {
        "document"
    }
}

/// A document's name without iOS's `00000015-` counter.
fn document_name(file: &str) -> &str {
    match file.split_once('-') {
        Some((counter, rest))
            if counter.len() == 8 && counter.bytes().all(|b| b.is_ascii_digit()) =>
        {
            rest
        }
        _ => file,
    }
}

/// UTC µs of a header under the file's day/month order; None when the date
/// or time does not exist.
fn timestamp(h: &Header, day_first: bool) -> Option<i64> {
    let [a, b, c] = h.date;
    let (year, month, day) = if h.year_first {
        (a, b, c)
    } else if day_first {
        (c, b, a)
    } else {
        (c, a, b)
    };
    let year = if year < 100 { 2000 + year } else { year };
    let hour = match h.pm {
        None => h.hour,
        Some(pm) => {
            if !(1..=12).contains(&h.hour) {
                return None;
            }
            (h.hour % 12) + if pm { 12 } else { 0 }
        }
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = date.and_hms_opt(hour, h.minute, h.second)?;
    Some(time.and_utc().timestamp_micros())
}

/// The chat's name from the file name, when it follows WhatsApp's
/// "WhatsApp Chat with <name>.txt" pattern.
fn chat_name(file_name: &str) -> Option<String> {
    let stem = file_stem(file_name);
    for prefix in NAME_PREFIXES {
        let Some(head) = stem.get(..prefix.len()) else {
            continue;
        };
        if head.eq_ignore_ascii_case(prefix) {
            let name = stem.get(prefix.len()..).unwrap_or_default().trim();
            if !name.is_empty() {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// The file name without its extension, a copy counter (" (1)") or a
/// generic `_chat` name.
fn file_stem(file_name: &str) -> &str {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let mut stem = name;
    for ext in [".txt", ".text", ".log", ".zip"] {
        if lower.ends_with(ext) {
            stem = name.get(..name.len() - ext.len()).unwrap_or(name);
            break;
        }
    }
    let stem = stem.trim();
    // "WhatsApp Chat with Bob (1)": a second download of the same chat.
    let stem = match stem.rsplit_once(" (") {
        Some((base, n))
            if n.ends_with(')')
                && n.len() > 1
                && n[..n.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => stem,
    };
    if stem.eq_ignore_ascii_case("_chat") || stem.eq_ignore_ascii_case("chat") {
        ""
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANDROID_24H: &[u8] =
        include_bytes!("../../fixtures/whatsapp/android_24h/WhatsApp Chat with Bob Stone.txt");
    const ANDROID_24H_LATER: &[u8] = include_bytes!(
        "../../fixtures/whatsapp/android_24h_later/WhatsApp Chat with Bob Stone.txt"
    );
    const IOS_12H: &[u8] =
        include_bytes!("../../fixtures/whatsapp/ios_12h/WhatsApp Chat - Harbor crew.txt");
    const ANDROID_12H: &[u8] =
        include_bytes!("../../fixtures/whatsapp/android_12h/WhatsApp Chat with Carol Diaz.txt");

    fn ctx(file_name: &str) -> ParseContext {
        ParseContext {
            file_name: file_name.to_string(),
            ..ParseContext::default()
        }
    }

    fn us(iso: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(iso)
            .unwrap()
            .timestamp_micros()
    }

    /// The origin's line is the header line of a message whose body starts
    /// with `start`, and its byte range covers exactly that message.
    fn assert_origin(file: &[u8], entry: &Entry, start: &str) {
        let text = std::str::from_utf8(file).unwrap();
        let line = text.lines().nth(entry.origin.line as usize - 1).unwrap();
        assert!(line.contains(start), "line {}: {line:?}", entry.origin.line);
        let slice = &text[entry.origin.byte_start as usize..entry.origin.byte_end as usize];
        assert!(slice.starts_with(line.trim_end_matches('\r')), "{slice:?}");
        assert!(
            !slice.ends_with('\n') && !slice.ends_with('\r'),
            "{slice:?}"
        );
    }

    #[test]
    fn android_24_hour_export() {
        let export = parse(ANDROID_24H, &ctx("WhatsApp Chat with Bob Stone.txt")).unwrap();
        let e = &export.entries;
        // 14 headers: the encryption notice and the deleted message are
        // skipped.
        assert_eq!(e.len(), 12);
        assert!(e.iter().all(|x| x.conversation == "Bob Stone"
            && x.conversation_title.as_deref() == Some("Bob Stone")
            && x.author_is_self.is_none()));
        assert_eq!(e[0].author.as_deref(), Some("Bob Stone"));
        assert_eq!(e[0].text, "Are we still on for the ferry on Saturday?");
        // Day-first (a day 14 appears), read as UTC.
        assert_eq!(e[0].timestamp_us, Some(us("2025-10-03T18:21:00Z")));
        assert_origin(ANDROID_24H, &e[0], "Bob Stone: Are we still on");
        assert_eq!(
            e[1].text,
            "Yes! Meet at Pier 4 at 7:40.\nTickets are on the harbour site, I'll buy them tonight."
        );
        assert_origin(ANDROID_24H, &e[1], "Alice Martin: Yes! Meet");
        assert!(
            std::str::from_utf8(ANDROID_24H).unwrap()
                [e[1].origin.byte_start as usize..e[1].origin.byte_end as usize]
                .ends_with("buy them tonight.")
        );

        let omitted = &e[3];
        assert_eq!(omitted.text, "[media]");
        assert_eq!(omitted.meta.get("media").map(String::as_str), Some("true"));
        let captioned = &e[4];
        assert_eq!(captioned.text, "The view from the upper deck last time");
        assert_eq!(
            captioned.meta.get("media_kind").map(String::as_str),
            Some("image")
        );
        assert_eq!(
            captioned.meta.get("attachment").map(String::as_str),
            Some("IMG-20251003-WA0012.jpg")
        );
        // Exact repeats in the same minute get different, stable ids.
        assert_eq!((e[5].text.as_str(), e[6].text.as_str()), ("😍", "😍"));
        assert_ne!(e[5].id, e[6].id);
        let ids: std::collections::HashSet<_> = e.iter().map(|x| &x.id).collect();
        assert_eq!(ids.len(), e.len());

        let edited = &e[7];
        assert_eq!(edited.text, "Running 10 min late, sorry!");
        assert_eq!(edited.meta.get("edited").map(String::as_str), Some("true"));
        let multi = &e[8];
        assert_eq!(
            multi.text,
            "No worries, I'll hold the queue\n\nPacking list for the boat:\n- sunscreen\n- warm layer"
        );
        assert_origin(ANDROID_24H, multi, "No worries");
        assert_eq!(multi.timestamp_us, Some(us("2025-10-04T07:05:00Z")));
        // Only the first ": " separates the author.
        assert_eq!(e[10].text, "That's the café I mentioned: 12:30 tomorrow?");
        assert_eq!(e[11].timestamp_us, Some(us("2025-10-14T21:17:00Z")));
        assert_eq!(export.owner_names, vec!["Alice Martin"]);
    }

    #[test]
    fn ios_12_hour_group_export() {
        let export = parse(IOS_12H, &ctx("WhatsApp Chat - Harbor crew.txt")).unwrap();
        let e = &export.entries;
        let texts: Vec<&str> = e.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Bob Stone created group “Harbor crew”",
                "Bob Stone added you",
                "Hi all! Sharing the packing list for Saturday\n- sunscreen\n- warm layer\n- snacks",
                "Bob Stone added Dan Okafor",
                "Thanks for the list, I'll bring the snacks",
                "[image]",
                "[image]",
                "Do we need wetsuits?",
                "Only if you plan to swim 🙂",
                "[document tide_table_october.pdf]",
                "See you at 7:40 at the pier",
                "Carol Diaz changed the group description",
            ]
        );
        // System lines under the group's name have no author.
        assert_eq!(e[0].author, None);
        assert_eq!(e[0].meta.get("service").map(String::as_str), Some("system"));
        assert_eq!(e[2].author.as_deref(), Some("Carol Diaz"));
        assert!(!e[2].meta.contains_key("service"));
        assert_origin(IOS_12H, &e[2], "Carol Diaz: Hi all!");
        // Month-first (a second field of 14), 12-hour with U+202F.
        assert_eq!(e[2].timestamp_us, Some(us("2025-10-14T20:13:27Z")));
        // 12 AM is midnight, 12 PM noon.
        assert_eq!(e[9].timestamp_us, Some(us("2025-10-15T00:04:51Z")));
        assert_eq!(e[11].timestamp_us, Some(us("2025-10-15T12:00:02Z")));
        assert_eq!(
            e[6].meta.get("attachment").map(String::as_str),
            Some("00000012-PHOTO-2025-10-14-20-17-10.jpg")
        );
        assert_origin(IOS_12H, &e[6], "<attached: 00000012-PHOTO");
        assert_eq!(e[10].meta.get("edited").map(String::as_str), Some("true"));
        assert!(e.iter().all(|x| x.conversation == "Harbor crew"));
        // Four people write: the export does not say which is the owner.
        assert!(export.owner_names.is_empty());
    }

    #[test]
    fn android_12_hour_ambiguous_dates_are_month_first() {
        let export = parse(ANDROID_12H, &ctx("WhatsApp Chat with Carol Diaz.txt")).unwrap();
        let e = &export.entries;
        assert_eq!(e.len(), 6);
        assert_eq!(e[0].timestamp_us, Some(us("2025-11-02T09:14:00Z")));
        assert_eq!(e[3].timestamp_us, Some(us("2025-11-02T12:05:00Z")));
        assert_eq!(e[4].timestamp_us, Some(us("2025-11-03T00:40:00Z")));
        assert_eq!(e[5].author, None);
        assert_eq!(
            e[5].text,
            "Your security code with Carol Diaz changed. Tap to learn more."
        );
        assert_eq!(e[5].meta.get("service").map(String::as_str), Some("system"));
        assert_eq!(export.owner_names, vec!["Alice Martin"]);
    }

    #[test]
    fn date_order_is_decided_per_file() {
        let parse_one =
            |text: &str| parse(text.as_bytes(), &ctx("chat.txt")).unwrap().entries[0].timestamp_us;
        // Ambiguous 24-hour: day-first.
        assert_eq!(
            parse_one("03/04/2025, 10:00 - A: x\n"),
            Some(us("2025-04-03T10:00:00Z"))
        );
        // Ambiguous 12-hour: month-first.
        assert_eq!(
            parse_one("03/04/2025, 10:00 am - A: x\n"),
            Some(us("2025-03-04T10:00:00Z"))
        );
        // A later first field above 12 makes the whole file day-first.
        assert_eq!(
            parse_one("03/04/25, 10:00 AM - A: x\n13/04/25, 10:00 AM - A: y\n"),
            Some(us("2025-04-03T10:00:00Z"))
        );
        // A second field above 12 makes it month-first.
        assert_eq!(
            parse_one("[03/04/2025, 10:00:00] A: x\n[03/14/2025, 10:00:00] A: y\n"),
            Some(us("2025-03-04T10:00:00Z"))
        );
        // German dots, no comma; ISO-like year first.
        assert_eq!(
            parse_one("03.04.25 10:00 - A: x\n"),
            Some(us("2025-04-03T10:00:00Z"))
        );
        assert_eq!(
            parse_one("[2025-04-03 10:00:00] A: x\n"),
            Some(us("2025-04-03T10:00:00Z"))
        );
        // Both orders contradicted: the impossible header is named.
        let err = parse(
            b"13/04/2025, 10:00 - A: x\n04/14/2025, 10:00 - A: y\n",
            &ctx("c.txt"),
        )
        .unwrap_err();
        let ParseError::Malformed { line, message, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*line, Some(2));
        assert!(message.contains("day/month/year"), "{message}");
    }

    #[test]
    fn overlapping_exports_share_ids() {
        let old = parse(ANDROID_24H, &ctx("WhatsApp Chat with Bob Stone.txt")).unwrap();
        let new = parse(ANDROID_24H_LATER, &ctx("WhatsApp Chat with Bob Stone.txt")).unwrap();
        let shared: Vec<&Entry> = new
            .entries
            .iter()
            .filter(|n| old.entries.iter().any(|o| o.id == n.id))
            .collect();
        // The later export repeats the last five kept messages of the older.
        assert_eq!(shared.len(), 5);
        for entry in shared {
            let twin = old.entries.iter().find(|o| o.id == entry.id).unwrap();
            assert_eq!(
                (&twin.text, &twin.author, twin.timestamp_us),
                (&entry.text, &entry.author, entry.timestamp_us)
            );
            assert_ne!(twin.origin, entry.origin);
        }
        assert_eq!(new.entries.len(), 7);
    }

    #[test]
    fn conversation_from_file_name() {
        assert_eq!(
            chat_name("WhatsApp Chat with Bob Stone.txt").as_deref(),
            Some("Bob Stone")
        );
        assert_eq!(
            chat_name("WhatsApp Chat - Harbor crew.txt").as_deref(),
            Some("Harbor crew")
        );
        assert_eq!(
            chat_name("whatsapp chat with Harbor crew (2).txt").as_deref(),
            Some("Harbor crew")
        );
        assert_eq!(
            chat_name("WhatsApp-Chat mit Oma.txt").as_deref(),
            Some("Oma")
        );
        assert_eq!(chat_name("_chat.txt"), None);
        // A bare _chat.txt from iOS is named by its encryption notice.
        let text = "[10/14/25, 8:11:03 PM] Harbor crew: \u{200e}Messages and calls are end-to-end encrypted.\n\
                    [10/14/25, 8:12:00 PM] Bob: hi\n";
        let export = parse(text.as_bytes(), &ctx("_chat.txt")).unwrap();
        assert_eq!(export.entries[0].conversation, "Harbor crew");
        let export = parse(b"03/04/2025, 10:00 - A: x\n", &ctx("family.txt")).unwrap();
        assert_eq!(export.entries[0].conversation, "family");
    }

    #[test]
    fn files_without_headers_are_refused_clearly() {
        let err = parse(b"\n\nDear diary,\ntoday I sailed.\n", &ctx("diary.txt")).unwrap_err();
        assert_eq!(
            err,
            ParseError::Malformed {
                format: FORMAT,
                message: "no message header found: expected lines like \
                          \"03/10/2026, 18:21 - Name: text\" or \"[03/10/2026, 18:21:07] Name: text\""
                    .into(),
                line: Some(3),
                field: None,
            }
        );
        assert!(err.to_string().contains("line 3"));
        assert!(parse(b" \n\r\n", &ctx("x.txt")).is_err());
        assert!(matches!(
            parse(b"03/04/2025, 10:00 - A: \xff\n", &ctx("x.txt")),
            Err(ParseError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn headers_and_system_lines() {
        let h = header("\u{200e}[10/3/26, 6:21:07\u{202f}PM] Bob: hi").unwrap();
        assert_eq!(
            (h.date, h.hour, h.minute, h.second, h.pm),
            ([10, 3, 26], 6, 21, 7, Some(true))
        );
        assert!(header("10/3/26, 6:21 p.m. - Bob: hi").is_some_and(|h| h.pm == Some(true)));
        assert!(header("03/10/2026, 18:21 - Bob Stone: text").is_some());
        assert!(header("12:30 works").is_none());
        assert!(header("2025 was a good year").is_none());
        assert!(header("1/2/3").is_none());
        assert!(header("[1/2/2025, 10:00").is_none());
        let text = "03/10/2025, 18:20 - You created group \"Harbor: day 2\"\n03/10/2025, 18:21 - Bob: hi\n";
        let export = parse(text.as_bytes(), &ctx("WhatsApp Chat with Harbor.txt")).unwrap();
        assert_eq!(export.entries[0].author, None);
        assert_eq!(
            export.entries[0].text,
            "You created group \"Harbor: day 2\""
        );
    }

    #[test]
    fn sniffing() {
        let head = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert!(sniff(
            "whatsapp chat with bob stone.txt",
            &head(ANDROID_24H)
        ));
        assert!(sniff("_chat.txt", &head(IOS_12H)));
        assert!(sniff("x.txt", &head(ANDROID_12H)));
        assert!(sniff(
            "x.txt",
            "\u{feff}\u{200e}[10/3/26, 6:21:07 PM] Bob: hi"
        ));
        assert!(!sniff(
            "notes.txt",
            "Meeting notes\n03/10/2025, 18:21 - Bob: hi"
        ));
        assert!(!sniff("notes.txt", ""));
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long = "1".repeat(100_000);
        let inputs: Vec<String> = vec![
            "[".into(),
            "1/1/1, 1:1".into(),
            "99/99/9999, 99:99 - A: b".into(),
            "00/00/00, 00:00 - : ".into(),
            "1/1/25, 0:00 PM - A: b".into(),
            "1/1/25, 13:00 AM - A: b".into(),
            "[1/1/25, 1:00:00 PM]".into(),
            "1/1/25, 1:00 - \u{200e}".into(),
            "1/1/25, 1:00 - A: <attached: >".into(),
            "1/1/25, 1:00 - A: \u{202f}é omitted".into(),
            format!("1/1/25, 1:00 - {long}: x"),
            format!("{long}/1/25, 1:00 - A: x"),
            "1/1/25, 1:00 - A:\n\n\n".into(),
            "\u{feff}\u{200e}\u{200f}\u{202a}".into(),
            "1/1/25, 1:00 \u{2013}".into(),
        ];
        for input in inputs {
            let _ = parse(input.as_bytes(), &ctx("x.txt"));
            let _ = sniff("x.txt", &input);
        }
    }

    #[test]
    fn entry_limit_is_enforced() {
        let ctx = ParseContext {
            max_entries: 2,
            ..ctx("x.txt")
        };
        assert!(matches!(
            parse(ANDROID_24H, &ctx),
            Err(ParseError::TooLarge { .. })
        ));
    }
}
