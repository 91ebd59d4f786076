//! WhatsApp chat export (`.txt`, "Export chat" → "Without media" or the
//! `_chat.txt` inside "With media").
//!
//! One message per header line, in one of two layouts that depend on the
//! phone, each with the date and time in the phone's locale (the OS's
//! short date and time formats, so CLDR's patterns and day periods):
//!
//! ```text
//! 03/10/2026, 18:21 - Bob Stone: text              Android, 24-hour
//! 10/3/26, 6:21 PM - Bob: text                     Android, 12-hour
//! 3/11/24, 9:14 p. m. - Lucía: texto               Android, Spanish 12-hour
//! 13.6.2018 klo 21.25.15 - Aino: teksti           Finnish
//! [03/10/2026, 18:21:07] Bob Stone: text           iOS, 24-hour
//! [10/3/26, 6:21:07 PM] Bob: text                  iOS, 12-hour
//! ```
//!
//! Quirks handled here:
//!
//! * Newer exports put a narrow no-break space (U+202F) before AM/PM; iOS
//!   prefixes media and system lines, and their text, with a left-to-right
//!   mark (U+200E) and ends lines with CRLF. Dates may use `/`, `.` or `-`,
//!   the comma after the date may be missing, and a four-digit first field
//!   means year/month/day. Times are `H:MM[:SS]` or, in Finnish and some
//!   Android locales, `H.MM[.SS]`, after an optional `klo`.
//! * **Day periods**: `AM`/`PM` in any case, `a.m.`/`p.m.`, and Spanish
//!   locales' `a. m.`/`p. m.`, whose inner space is an ordinary, no-break
//!   (U+00A0) or narrow no-break (U+202F) space. The hour may be 0 with a
//!   day period (Spanish phones write "00:08 a. m." for 12:08 AM, CLDR's
//!   0-11 `K` hour): 0 and 12 AM are midnight, 0 and 12 PM noon. German,
//!   Dutch and Portuguese locales write 24-hour times (their 12-hour day
//!   periods are AM/PM in current CLDR). Layouts putting the day period
//!   before the time (Japanese 午後, Korean 오후) are not read.
//! * A line that does not start with a header continues the previous
//!   message (multi-line messages keep their line breaks).
//! * **Day/month order** is not written anywhere, so it is decided per file
//!   by the reading under which the messages run in time order, as an
//!   export lists them: each reading counts its faults (a header impossible
//!   under it, a header earlier than the one before) and the one with fewer
//!   wins. On a tie (a short chat, days all 12 or less within one month), a
//!   first field above 12 means day-first, a second above 12 month-first,
//!   else day-first for 24-hour files and for Spanish `a. m.` ones, and
//!   month-first for other 12-hour files (en-GB and most of Europe vs
//!   en-US). A header impossible under the chosen order (a month 13) is
//!   skipped with a warning naming its line and field `date`; the rest of
//!   the file is read (`--strict` refuses it).
//! * **Time zone**: times are the phone's local wall-clock time with no
//!   offset. They are read in the user's configured zone
//!   (`ingest.time_zone`) when there is one; without it, as UTC, and every
//!   entry is flagged `zone_unknown` (no warning: it is a fact about the
//!   whole format, not one record's fault).
//! * **System lines** have no author on Android ("Bob added Carol", "You
//!   created group "Harbor""); on iOS they carry the group's (or contact's)
//!   name as author and text starting with U+200E. Both become entries with
//!   no author and `meta.service = "system"`. In a group (more than one
//!   author besides the chat's name, or a "created group" line under it)
//!   every line under the group's name is a system line, marked or not, as
//!   in older iOS exports that have no U+200E; in a chat named after a
//!   person, only marked lines under that name are. An author candidate
//!   holding quotes is taken as part of a system line (`Bob changed the
//!   subject to "Trip: day 2"`), not as a name.
//! * **Encryption notice**: the boilerplate at the top of every chat is
//!   skipped in all its wordings: "Messages and calls are end-to-end
//!   encrypted..." (since 2021), the older "Messages to this group are now
//!   secured with end-to-end encryption. Tap for more info." and "Messages
//!   you send to this group/chat are now secured...", and as a system line
//!   its Spanish, German, Portuguese and French translations ("cifrados de
//!   extremo a extremo"...). Unmarked under a name (older iOS), it is
//!   recognised when its one line starts "Messages" and says end-to-end.
//! * **Media**: `<Media omitted>` (Android without media; also Spanish
//!   `<Multimedia omitido>`, German `<Medien ausgeschlossen>`, Portuguese
//!   `<Mídia oculta>`), `image omitted` (iOS), `IMG-…jpg (file attached)`
//!   (Android with media) and `<attached: 00000012-PHOTO-….jpg>` (iOS with
//!   media). The message is kept with `meta.media = "true"` (plus
//!   `media_kind` and `attachment` when known); its text is the caption
//!   (the lines after the media line) or, without one, a placeholder such
//!   as `[image]`, `[media]` or `[document report.pdf]`, so that something
//!   was sent is not lost.
//! * Deleted messages ("This message was deleted", "You deleted this
//!   message", Spanish "Se eliminó este mensaje.") are skipped; `<This
//!   message was edited>` is removed from the text and noted as
//!   `meta.edited = "true"` (the export has no edit time).
//! * **Detection**: a `.txt` whose first line looks like a chat header in
//!   any layout (`13. 6. 2018. 21:25:15 Name: text`, `[2018/06/13
//!   午後9:25:15] Name: text`), read here or not, is taken for a chat; one
//!   whose layout is not read is refused naming and quoting that line.
//!
//! Conversation: the file name names the chat ("WhatsApp Chat with Bob
//! Stone.txt", "WhatsApp Chat - Harbor crew.txt", plus a few translations);
//! it is both the conversation id and title. A bare `_chat.txt` (from a
//! "with media" zip) falls back to the author of the iOS encryption notice
//! (the chat's name), then to the file's own name. Messages have no ids, so
//! each id is `derived_id` over (UTC µs, author, text, occurrence number of
//! that exact triple), the µs being the wall-clock time as written taken as
//! UTC whatever the configured zone: two exports of the same chat give the
//! same ids to the messages they share, and configuring a zone later does
//! not change them.
//!
//! Owner: when the chat is named after a person and exactly two authors
//! write in it, one of them that person, the other is the owner.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use super::dates::local_time_us;
use super::export::{
    Entry, Export, Origin, ParseContext, check_entry_limit, derived_id, excerpt, field_error,
    owner_beside,
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
/// direction marks, is a message header, or at least looks like one
/// ([`looks_like_header`]): a chat in a layout this parser does not read
/// is then refused naming that line, rather than stored as plain text.
pub(crate) fn sniff(_name: &str, head: &str) -> bool {
    head.lines()
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.trim_matches(MARKS).trim().is_empty())
        .is_some_and(|l| header(l).is_some() || looks_like_header(l))
}

/// Whether `line` starts like a chat header in any locale's layout, read
/// or not: an optional `[`, a date of three numbers (separated by `/`, `.`
/// or `-`, maybe with spaces: `13. 6. 2018.`), a few non-digits (a comma,
/// `klo`, a day period), a time `H:MM` or `H.MM` (maybe with seconds), and
/// within a few characters more a `]`, `-`, `–` or `:` before the author.
fn looks_like_header(line: &str) -> bool {
    let b = line.trim_start_matches(MARKS).as_bytes();
    let mut i = usize::from(b.first() == Some(&b'['));
    let digits = |i: &mut usize, max: usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        *i > start && b.get(*i).is_none_or(|c| !c.is_ascii_digit())
    };
    // Up to `max` bytes that are not digits, ending where `stop` holds.
    let gap = |i: &mut usize, max: usize, stop: &dyn Fn(&[u8]) -> bool| {
        let start = *i;
        while *i < b.len() && *i - start <= max {
            if stop(&b[*i..]) {
                return true;
            }
            if b[*i].is_ascii_digit() {
                return false;
            }
            *i += 1;
        }
        false
    };
    for field in 0..3 {
        if !digits(&mut i, 4) {
            return false;
        }
        if field < 2 {
            if !matches!(b.get(i), Some(b'/' | b'.' | b'-')) {
                return false;
            }
            i += 1;
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
        }
    }
    let date_end = i;
    if !gap(&mut i, 16, &|r| r[0].is_ascii_digit()) || i == date_end {
        return false;
    }
    if !digits(&mut i, 2) || !matches!(b.get(i), Some(b':' | b'.')) {
        return false;
    }
    i += 1;
    if !digits(&mut i, 2) {
        return false;
    }
    if matches!(b.get(i), Some(b':' | b'.')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        if !digits(&mut i, 2) {
            return false;
        }
    }
    gap(&mut i, 16, &|r| {
        matches!(r[0], b']' | b'-' | b':') || r.starts_with("–".as_bytes())
    })
}

/// A parsed header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    /// The three date fields as written.
    date: [u32; 3],
    /// Whether the first field is a four-digit year (year/month/day).
    year_first: bool,
    /// Hour as written (0-12 with `pm`, 0-23 without).
    hour: u32,
    /// Minute.
    minute: u32,
    /// Second (0 when the layout has none).
    second: u32,
    /// `Some(true)` for PM, `Some(false)` for AM, None for 24-hour.
    pm: Option<bool>,
    /// Whether the day period is spelt `a. m.` / `p. m.`, as Spanish
    /// locales write it (all of which write dates day-first).
    spanish_meridiem: bool,
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
    // Finnish puts "klo" (o'clock) between date and time.
    if c.eat(b"klo") && c.spaces() == 0 {
        return None;
    }
    // Time: H:MM or H:MM:SS (H.MM.SS in Finnish and some Android locales),
    // then AM/PM in any of its spellings.
    let (hour, _) = c.number(2)?;
    let time_sep = c.peek().filter(|b| matches!(b, b':' | b'.'))?;
    c.at += 1;
    let (minute, minute_digits) = c.number(2)?;
    if minute_digits != 2 {
        return None;
    }
    let mut second = 0;
    if c.eat(&[time_sep]) {
        let (s, digits) = c.number(2)?;
        if digits != 2 {
            return None;
        }
        second = s;
    }
    let before_meridiem = c.at;
    c.spaces();
    let period = meridiem(&mut c);
    if period.is_none() {
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
        pm: period.map(|(pm, _)| pm),
        spanish_meridiem: period.is_some_and(|(_, spaced)| spaced),
        body: c.at,
    })
}

/// Consumes `AM`/`PM` in any case and in the spellings locales give it:
/// `am`, `a.m.` (en-CA, en-AU...), and `a. m.` / `p. m.` (Spanish locales,
/// whose CLDR day periods put a no-break space between the letters);
/// whether it is PM, and whether it was spelt with that inner space.
fn meridiem(c: &mut Cursor) -> Option<(bool, bool)> {
    let pm = match c.peek().map(|b| b.to_ascii_lowercase()) {
        Some(b'a') => false,
        Some(b'p') => true,
        _ => return None,
    };
    let start = c.at;
    c.at += 1;
    // The space is only allowed after a dot: "a m" is no spelling of AM.
    let spaced = c.eat(b".") && c.spaces() > 0;
    if c.peek().map(|b| b.to_ascii_lowercase()) != Some(b'm') {
        c.at = start;
        return None;
    }
    c.at += 1;
    c.eat(b".");
    Some((pm, spaced))
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
    let day_first = day_first(&raws);

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
    let group = name.as_deref().is_some_and(|n| is_group(&bodies, n));

    let mut export = Export::default();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (raw, classified) in raws.iter().zip(bodies) {
        let mut body = match classified {
            Classified::Skip | Classified::Notice(_) => continue,
            Classified::Message(body) => body,
        };
        let Some(written) = wall_clock(&raw.header, day_first) else {
            export.skip(impossible_date(raw, day_first));
            continue;
        };
        // The chat's own name as author is WhatsApp speaking, not a
        // person: always in a group (a group never writes), and in a chat
        // with one person when the line is marked as a system line.
        let by_chat = body.author.is_some() && body.author == name;
        if by_chat && (group || body.meta.contains_key("service")) {
            body.author = None;
            if !body.meta.contains_key("media") {
                body.meta
                    .insert("service".to_string(), "system".to_string());
            }
        }
        let author = body.author;
        // Ids come from the time as written, not as placed in a zone, so
        // that configuring `ingest.time_zone` later keeps them.
        let stamp = written.and_utc().timestamp_micros().to_string();
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
        let (timestamp_us, zone_known) = local_time_us(written, ctx.time_zone);
        check_entry_limit(FORMAT, ctx, export.entries.len() + 1)?;
        let mut entry = Entry {
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
        };
        if !zone_known {
            entry.flag_zone_unknown();
        }
        export.entries.push(entry);
    }
    if let Some(other) = name.as_deref() {
        if let Some(owner) = owner_beside(&export.entries, other) {
            export.owner_names.push(owner);
        }
    }
    Ok(export)
}

/// Whether the file's headers read day-first. The order is written nowhere,
/// but an export lists messages in the order they were sent, so the reading
/// under which the headers run in time order is the right one: each reading
/// counts its faults (a header whose date is impossible under it, a header
/// earlier than the one before), and the one with fewer wins. Headers whose
/// two first fields are equal read alike either way, so a short or
/// single-day chat may tie; then a first field above 12 means day-first, a
/// second above 12 month-first, and otherwise the locale default decides:
/// day-first for 24-hour files, month-first for 12-hour ones (en-GB and
/// most of Europe vs en-US), except 12-hour files spelling the day period
/// `a. m.`, which come from Spanish locales and are day-first.
fn day_first(raws: &[Raw]) -> bool {
    let faults = |day_first: bool| {
        let mut faults = 0usize;
        let mut last = None;
        for raw in raws {
            match wall_clock(&raw.header, day_first) {
                None => faults += 1,
                Some(t) => {
                    if last.is_some_and(|l| t < l) {
                        faults += 1;
                    }
                    last = Some(t);
                }
            }
        }
        faults
    };
    let (as_day_first, as_month_first) = (faults(true), faults(false));
    if as_day_first != as_month_first {
        return as_day_first < as_month_first;
    }
    let day_month = || raws.iter().filter(|r| !r.header.year_first);
    if day_month().any(|r| r.header.date[0] > 12) {
        true
    } else if day_month().any(|r| r.header.date[1] > 12) {
        false
    } else {
        let twelve_hour = raws.iter().any(|r| r.header.pm.is_some());
        !twelve_hour || raws.iter().any(|r| r.header.spanish_meridiem)
    }
}

/// The problem with a header whose date or time does not exist under the
/// file's day/month order, naming its line.
fn impossible_date(raw: &Raw, day_first: bool) -> ParseError {
    let h = &raw.header;
    let order = if h.year_first {
        "year/month/day"
    } else if day_first {
        "day/month/year"
    } else {
        "month/day/year"
    };
    let [a, b, c] = h.date;
    field_error(
        FORMAT,
        raw.line,
        "date",
        format!(
            "impossible date or time {a}/{b}/{c} {}:{:02} (the file reads as {order})",
            h.hour, h.minute
        ),
    )
}

/// Whether the chat named `name` is a group, in which case every line
/// written under that name is a system line (iOS writes group notices
/// under the group's name, older exports without the U+200E mark). A chat
/// named after a person has that person and the owner as authors; a group
/// has more, or a line under its name saying it was created (`created
/// group “Name”`, with the quotes WhatsApp puts around the name).
fn is_group(bodies: &[Classified], name: &str) -> bool {
    let mut others: Vec<&str> = Vec::new();
    for body in bodies {
        let Classified::Message(body) = body else {
            continue;
        };
        match body.author.as_deref() {
            Some(a) if a == name => {
                // WhatsApp quotes the group's name: "Bob created group “Harbor”".
                let created = [
                    " created group “",
                    " created group \"",
                    " created this group",
                ];
                if created.iter().any(|p| body.text.contains(p)) {
                    return true;
                }
            }
            Some(a) if !body.meta.contains_key("service") => {
                if !others.contains(&a) {
                    others.push(a);
                    if others.len() > 1 {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
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
            return Err(no_header(line_no, line));
        }
        pos = end + 1;
    }
    if raws.is_empty() {
        return Err(no_header(1, ""));
    }
    Ok(raws)
}

/// What a message header looks like, for errors.
const EXPECTED: &str = "expected lines like \"03/10/2026, 18:21 - Name: text\" or \"[03/10/2026, 18:21:07] Name: text\"";

/// The error for a file whose first non-blank line, `text` at `line`, is
/// not a message header; a line that looks like one in a layout this
/// parser does not read is quoted, so the user sees what did not match.
fn no_header(line: u32, text: &str) -> ParseError {
    let message = if looks_like_header(text) {
        format!(
            "message header layout not recognised: \"{}\"; {EXPECTED} (a file that is not a chat export: ingest it with --format text)",
            excerpt(text.trim_matches(MARKS), 60)
        )
    } else {
        format!("no message header found: {EXPECTED}")
    };
    ParseError::Malformed {
        format: FORMAT,
        message,
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
            | "Se eliminó este mensaje."
            | "Eliminaste este mensaje."
    ) {
        return Classified::Skip;
    }
    let system = author.is_none() || marked;
    if is_encryption_notice(trimmed, system) {
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

/// How the end-to-end encryption notice says "end-to-end", in English and
/// the translations of the locales whose other markers are read here.
const END_TO_END: &[&str] = &[
    "end-to-end",
    "de extremo a extremo",
    "Ende-zu-Ende",
    "ponta a ponta",
    "de bout en bout",
];

/// Whether `text` (one message, trimmed) is the encryption notice at the
/// top of a chat, in any of its wordings: "Messages and calls are
/// end-to-end encrypted..." (since 2021), and the older "Messages to this
/// group are now secured with end-to-end encryption. Tap for more info.",
/// "Messages you send to this group/chat are now secured...". As a system
/// line (no author, or iOS's U+200E mark) any wording mentioning
/// end-to-end is it; older iOS exports have no mark and write it under the
/// chat's name, so an unmarked one-line text is the notice when it starts
/// with "Messages" and says end-to-end.
fn is_encryption_notice(text: &str, system: bool) -> bool {
    if text.contains('\n') {
        return false;
    }
    if system {
        END_TO_END.iter().any(|p| text.contains(p))
    } else {
        text.starts_with("Messages ") && text.contains("end-to-end encrypt")
    }
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

/// Android's placeholder for media left out of a "without media" export,
/// in English, Spanish, German and Portuguese.
const OMITTED: &[&str] = &[
    "<Media omitted>",
    "<Multimedia omitido>",
    "<Medien ausgeschlossen>",
    "<Mídia oculta>",
];

/// Recognises a media line; the kind (None when unknown) and the attached
/// file name.
fn media(line: &str) -> Option<(Option<&'static str>, Option<&str>)> {
    let line = line.trim_matches(MARKS).trim();
    if OMITTED.iter().any(|o| line.eq_ignore_ascii_case(o)) {
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

/// The wall-clock time a header writes, under the file's day/month order;
/// None when that date or time does not exist.
fn wall_clock(h: &Header, day_first: bool) -> Option<NaiveDateTime> {
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
        // 1-12 in most locales; 0-11 in those whose clock writes midnight
        // as "00:08 a. m." (CLDR's `K` hour, seen in Spanish exports).
        Some(pm) => {
            if h.hour > 12 {
                return None;
            }
            (h.hour % 12) + if pm { 12 } else { 0 }
        }
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    date.and_hms_opt(hour, h.minute, h.second)
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
    use super::super::export::testing;
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
    const ANDROID_ES_12H: &[u8] = include_bytes!(
        "../../fixtures/whatsapp/android_es_12h/Chat de WhatsApp con Lucía Fernández.txt"
    );
    const IOS_24H_MONTH_FIRST: &[u8] =
        include_bytes!("../../fixtures/whatsapp/ios_24h_month_first/_chat.txt");
    const IOS_2017_GROUP: &[u8] =
        include_bytes!("../../fixtures/whatsapp/ios_2017_group/_chat.txt");

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
        // Both orders contradicted: the impossible header is skipped with a
        // warning naming it (issue 17: it used to refuse the whole file).
        let export = parse(
            b"13/04/2025, 10:00 - A: x\n04/14/2025, 10:00 - A: y\n",
            &ctx("c.txt"),
        )
        .unwrap();
        assert_eq!(export.entries.len(), 1);
        let ParseError::Malformed { line, message, .. } = &export.warnings[0].problem else {
            panic!("{:?}", export.warnings)
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
    fn spanish_12_hour_export() {
        let file = "Chat de WhatsApp con Lucía Fernández.txt";
        let export = parse(ANDROID_ES_12H, &ctx(file)).unwrap();
        let e = &export.entries;
        // The Spanish encryption notice and the deleted message are skipped.
        assert_eq!(e.len(), 7);
        assert!(export.warnings.is_empty());
        assert!(e.iter().all(|x| x.conversation == "Lucía Fernández"));
        assert_eq!(e[0].author.as_deref(), Some("Lucía Fernández"));
        // Day-first ("a. m." is a Spanish locale's), "p. m." with U+202F
        // before and U+00A0 inside.
        assert_eq!(e[0].timestamp_us, Some(us("2024-11-02T21:14:00Z")));
        assert_eq!(e[2].timestamp_us, Some(us("2024-11-02T23:58:00Z")));
        // "00:08 a. m." is eight past midnight, "00:30 p. m." half past noon.
        assert_eq!(e[3].timestamp_us, Some(us("2024-11-03T00:08:00Z")));
        assert_eq!(
            e[3].text,
            "Va, nos vemos\nLlevo las chamarras por si hace frío"
        );
        assert_origin(ANDROID_ES_12H, &e[3], "Alice Martin: Va, nos vemos");
        assert_eq!(e[4].text, "[media]");
        assert_eq!(e[4].meta.get("media").map(String::as_str), Some("true"));
        assert_eq!(e[5].timestamp_us, Some(us("2024-11-03T12:31:00Z")));
        assert_eq!(e[6].timestamp_us, Some(us("2024-11-03T19:02:00Z")));
        assert_eq!(export.owner_names, vec!["Alice Martin"]);
    }

    #[test]
    fn day_period_spellings() {
        let pm = |line: &str| header(line).and_then(|h| h.pm);
        for line in [
            "3/11/24, 9:14 p. m. - A: x",
            "3/11/24, 9:14\u{a0}p.\u{a0}m. - A: x",
            "3/11/24, 9:14\u{202f}p.\u{202f}m. - A: x",
            "3/11/24, 9:14\u{202f}p.\u{a0}m. - A: x",
            "3/11/24, 9:14 p.m. - A: x",
            "3/11/24, 9:14 PM - A: x",
            "[3/11/24, 9:14:05 p. m.] A: x",
        ] {
            assert_eq!(pm(line), Some(true), "{line:?}");
        }
        assert_eq!(pm("3/11/24, 00:08 a. m. - A: x"), Some(false));
        // "a m" without a dot is not a day period, and the line no header.
        assert!(header("3/11/24, 9:14 a m - A: x").is_none());
        let one = |text: &str| {
            let export = parse(text.as_bytes(), &ctx("c.txt")).unwrap();
            export.entries[0].timestamp_us
        };
        assert_eq!(
            one("14/11/24, 00:08 a. m. - A: x\n"),
            Some(us("2024-11-14T00:08:00Z"))
        );
        assert_eq!(
            one("14/11/24, 12:08 a. m. - A: x\n"),
            Some(us("2024-11-14T00:08:00Z"))
        );
        assert_eq!(
            one("14/11/24, 00:08 p. m. - A: x\n"),
            Some(us("2024-11-14T12:08:00Z"))
        );
        // Ambiguous 12-hour dates spelt "a. m." are Spanish: day-first.
        assert_eq!(
            one("3/11/24, 9:14 a. m. - A: x\n"),
            Some(us("2024-11-03T09:14:00Z"))
        );
        // Finnish: "klo" and dotted times; dotted 12-hour times.
        assert_eq!(
            one("13.6.2018 klo 21.25.15 - A: x\n"),
            Some(us("2018-06-13T21:25:15Z"))
        );
        assert_eq!(
            one("03-06-2018, 01.55 PM - A: x\n"),
            Some(us("2018-03-06T13:55:00Z"))
        );
    }

    #[test]
    fn month_first_export_with_small_days_reads_in_order() {
        let export = parse(IOS_24H_MONTH_FIRST, &ctx("_chat.txt")).unwrap();
        let e = &export.entries;
        assert_eq!(e.len(), 9);
        // Named by the notice under the contact's name.
        assert!(e.iter().all(|x| x.conversation == "Priya Raman"));
        // Every day is 12 or less and the file is 24-hour, which alone
        // would say day-first; read that way it jumps from September back
        // to March. Month-first, it runs in order.
        assert_eq!(e[0].timestamp_us, Some(us("2025-01-05T19:02:11Z")));
        assert_eq!(e[2].timestamp_us, Some(us("2025-01-09T08:15:03Z")));
        assert_eq!(e[3].timestamp_us, Some(us("2025-02-03T21:47:30Z")));
        assert_eq!(e[3].text, "[image]");
        assert_eq!(e[6].timestamp_us, Some(us("2025-03-01T17:20:09Z")));
        assert_eq!(e[8].timestamp_us, Some(us("2025-03-08T14:58:40Z")));
        assert!(e.windows(2).all(|w| w[0].timestamp_us <= w[1].timestamp_us));
        assert_eq!(export.owner_names, vec!["Alice Martin"]);
    }

    #[test]
    fn date_order_follows_time_order() {
        let first = |text: &str| {
            let export = parse(text.as_bytes(), &ctx("c.txt")).unwrap();
            export.entries[0].timestamp_us
        };
        // Day-first, days all 12 or less, 12-hour (whose default is
        // month-first): read month-first, the dates would jump back from
        // December to January.
        assert_eq!(
            first(
                "1/11/24, 9:00 AM - A: x\n5/11/24, 9:00 AM - B: y\n\
                 2/12/24, 9:00 AM - A: z\n1/1/25, 9:00 AM - B: w\n"
            ),
            Some(us("2024-11-01T09:00:00Z"))
        );
        // A small step back (a phone clock put back an hour) is one fault
        // under both readings: the tie keeps the locale default.
        assert_eq!(
            first("03/04/2025, 10:00 - A: x\n03/04/2025, 09:30 - B: y\n"),
            Some(us("2025-04-03T10:00:00Z"))
        );
    }

    #[test]
    fn older_notices_are_system_lines_not_messages() {
        let export = parse(IOS_2017_GROUP, &ctx("_chat.txt")).unwrap();
        let e = &export.entries;
        let texts: Vec<&str> = e.iter().map(|x| x.text.as_str()).collect();
        // The 2016-era notice is skipped like today's; it names the chat.
        assert_eq!(
            texts,
            vec![
                "Maya Cohen created group “Book club”",
                "Maya Cohen added you",
                "Welcome! First pick: The Left Hand of Darkness",
                "Maya Cohen added Tom Harris",
                "Great choice. When do we meet?",
                "Last Sunday of the month works for me",
                "Tom Harris changed this group's icon",
                "Reminder: today at 5, at the library café",
            ]
        );
        assert!(e.iter().all(|x| x.conversation == "Book club"));
        // Lines under the group's name, unmarked in exports of that age,
        // are WhatsApp speaking.
        for i in [0, 1, 3, 6] {
            assert_eq!(e[i].author, None, "{}", e[i].text);
            assert_eq!(e[i].meta.get("service").map(String::as_str), Some("system"));
        }
        assert_eq!(e[2].author.as_deref(), Some("Maya Cohen"));
        assert!(!e[2].meta.contains_key("service"));
        assert_eq!(e[7].timestamp_us, Some(us("2017-03-26T16:00:31Z")));

        // Android's older wordings have no author and are skipped too.
        let text = "12/03/2016, 10:15 - Messages you send to this group are now secured with end-to-end encryption. Tap for more info.\n\
                    12/03/2016, 10:15 - Messages to this group are now secured with end-to-end encryption. Tap for more info.\n\
                    12/03/2016, 10:16 - Maya Cohen: Welcome!\n";
        let export = parse(text.as_bytes(), &ctx("WhatsApp Chat with Book club.txt")).unwrap();
        assert_eq!(export.entries.len(), 1);
        assert_eq!(export.entries[0].text, "Welcome!");
        // In a chat with one person, the person's own words stay theirs.
        let text = "[12/03/2017, 10:15:02] Tom Harris: Messages to me are encrypted, right?\n\
                    [12/03/2017, 10:16:02] Tom Harris: I created group chats for work\n";
        let export = parse(text.as_bytes(), &ctx("WhatsApp Chat - Tom Harris.txt")).unwrap();
        assert!(
            export
                .entries
                .iter()
                .all(|x| x.author.as_deref() == Some("Tom Harris"))
        );
    }

    #[test]
    fn impossible_header_is_skipped_with_a_warning() {
        let text = "03/10/2025, 18:21 - Bob: first\n\
                    14/13/2025, 09:00 - Bob: month 13\n\
                    14/10/2025, 21:17 - Alice: last\n";
        let export = parse(text.as_bytes(), &ctx("c.txt")).unwrap();
        let texts: Vec<&str> = export.entries.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, vec!["first", "last"]);
        assert_eq!(export.warnings.len(), 1);
        let warning = &export.warnings[0];
        assert!(warning.skipped);
        assert_eq!(
            warning.problem,
            field_error(
                FORMAT,
                2,
                "date",
                "impossible date or time 14/13/2025 9:00 (the file reads as day/month/year)"
            )
        );
        assert!(
            warning.to_string().contains("line 2, field date"),
            "{warning}"
        );
        // --strict refuses the file with the same words.
        let strict = parse(text.as_bytes(), &ctx("c.txt"))
            .and_then(|e| e.judged(true))
            .unwrap_err();
        assert_eq!(strict, warning.problem);
        // A file of nothing but impossible headers is refused.
        let (_, line, field) = testing::malformed(
            parse(b"31/31/2025, 09:00 - Bob: x\n", &ctx("c.txt")).and_then(|e| e.judged(false)),
        );
        assert_eq!((line, field.as_deref()), (Some(1), Some("date")));
    }

    #[test]
    fn times_without_zone_are_flagged_or_read_in_the_configured_zone() {
        let file = "WhatsApp Chat with Bob Stone.txt";
        let unzoned = parse(ANDROID_24H, &ctx(file)).unwrap();
        assert!(unzoned.entries.iter().all(Entry::zone_unknown));
        let lisbon = ParseContext {
            time_zone: Some("Europe/Lisbon".parse().unwrap()),
            ..ctx(file)
        };
        let zoned = parse(ANDROID_24H, &lisbon).unwrap();
        assert!(zoned.entries.iter().all(|x| !x.zone_unknown()));
        // 18:21 in Lisbon in October (summer time) is 17:21 UTC.
        assert_eq!(
            zoned.entries[0].timestamp_us,
            Some(us("2025-10-03T17:21:00Z"))
        );
        // Ids follow the time as written: a zone configured later keeps them.
        let ids = |e: &Export| e.entries.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&unzoned), ids(&zoned));
        assert!(zoned.warnings.is_empty() && unzoned.warnings.is_empty());
    }

    #[test]
    fn chat_like_layouts_not_read_are_sniffed_and_refused_naming_the_line() {
        // Layouts other parsers' fixtures show, which this one does not read.
        for line in [
            "13. 6. 2018. 21:25:15 Maya: hi",
            "13.06.18 21.25.15: Maya: hi",
            "[2018/06/13 午後9:25:15] Maya: hi",
        ] {
            assert!(sniff("x.txt", line), "{line:?}");
            let text = format!("\n{line}\n{line}\n");
            let (message, at, _) = testing::malformed(parse(text.as_bytes(), &ctx("x.txt")));
            assert_eq!(at, Some(2), "{line:?}");
            assert!(message.contains("layout not recognised"), "{message}");
            assert!(message.contains("Maya: hi"), "{message}");
        }
        // Prose and notes that only mention a date are not chats.
        assert!(!sniff("x.txt", "Meeting on 03/10/2025 at 18:21"));
        assert!(!sniff("x.txt", "03/10/2025 was a good day"));
        assert!(!sniff("x.txt", "1.2.3 release notes"));
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
