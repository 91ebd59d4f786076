//! iCalendar (RFC 5545) files, as Google Calendar, Apple Calendar and
//! Outlook export them: every busy event occurrence becomes one entry.
//!
//! The file is a tree of components, each a run of *content lines*
//! between `BEGIN:NAME` and `END:NAME`:
//!
//! ```text
//! BEGIN:VCALENDAR
//! PRODID:-//Google Inc//Google Calendar 70.9054//EN
//! X-WR-CALNAME:alice.martin@gmail.com
//! X-WR-TIMEZONE:Europe/Berlin
//! BEGIN:VTIMEZONE ... END:VTIMEZONE
//! BEGIN:VEVENT
//! DTSTART;TZID=Europe/Berlin:20261203T100000
//! DTEND;TZID=Europe/Berlin:20261203T110000
//! RRULE:FREQ=WEEKLY;BYDAY=TH
//! UID:7kq3c1l0d9r2v8m6p4n5b0a1@google.com
//! SUMMARY:Dentist appointment
//! END:VEVENT
//! END:VCALENDAR
//! ```
//!
//! Quirks handled here:
//! - *Folding*: a long line continues on the next one when that begins
//!   with a space or tab (which is dropped); lines end in CRLF or, in
//!   hand-edited files, LF. A leading byte-order mark is skipped.
//! - *Content lines* are `NAME;PARAM=value;PARAM="quoted: value":VALUE`;
//!   the first colon outside quotes ends the parameters. Parameter values
//!   may use RFC 6868 caret escapes (`^n`, `^'`, `^^`).
//! - *Text* values escape `\n`, `\,`, `\;` and `\\`.
//! - *Times* are `DATE` (`20261224`, all-day), UTC date-times
//!   (`20261203T090000Z`), date-times in a named zone (`TZID=...`) or
//!   *floating* local times. Google's birthday calendar writes dates with
//!   a meaningless `Z` (`RDATE;VALUE=DATE:20131210Z`, `RDATE:20131210Z`):
//!   read as dates. A TZID is resolved, in order ([`Zones::lookup`]):
//!   1. as an IANA name (chrono-tz; Google, Apple and Nextcloud write
//!      them), the database knowing the zone's whole history;
//!   2. as a Windows zone id or display name, as Outlook and Exchange
//!      write them (`W. Europe Standard Time`, `(UTC+01:00) Amsterdam,
//!      Berlin, Bern, Rome, Stockholm, Vienna`, older `(GMT+01:00) ...`),
//!      through CLDR's windowsZones table ([`windows_zones`]);
//!   3. via its VTIMEZONE's `X-LIC-LOCATION`, or as an IANA name after a
//!      path prefix (`/mozilla.org/20050126_1/Europe/Berlin`,
//!      `/freeassociation.sourceforge.net/Tzfile/Europe/London`);
//!   4. from the file's own VTIMEZONE of that TZID, its STANDARD/DAYLIGHT
//!      observances (TZOFFSETFROM/TZOFFSETTO, DTSTART, RRULE, RDATE)
//!      expanded into transitions ([`zones`]): custom names, and Lotus
//!      Notes' `GMT`, which is UK time with summer time (a TZID the
//!      database reads as a fixed UTC zone is read from its VTIMEZONE when
//!      the file has one);
//!   5. otherwise the zone is unknown: its times are read as written, as
//!      UTC, their entries flagged ([`Entry::flag_zone_unknown`]; meta
//!      `tz_fallback` keeps the TZID), and one warning per TZID names the
//!      line and property of its first use (`VEVENT.DTSTART;TZID=...`).
//!
//!   Floating times and all-day dates are in the calendar's
//!   `X-WR-TIMEZONE` (resolved the same way), else the user's configured
//!   `ingest.time_zone`, else read as UTC and flagged (meta `tz` =
//!   `floating`). Floating times get no warning: they are how RFC 5545
//!   writes "local wherever you are" and whole calendars use them, so a
//!   warning each would drown the rest, and --strict would refuse every
//!   such file; the flag on each entry says it. A local time in a DST gap
//!   moves forward by the gap; an ambiguous one takes the earlier instant
//!   (RFC 5545 §3.3.5), in VTIMEZONE-defined zones as in IANA ones.
//! - *Recurrence*: `RRULE` (see [`rrule`]) and `RDATE` add occurrences,
//!   `EXDATE` (possibly several lines, comma lists, with TZID) removes
//!   them, and a VEVENT with the same UID and a `RECURRENCE-ID` replaces
//!   the occurrence starting at that time (a moved or cancelled instance).
//!   Rules expand in the event's own zone, so wall-clock times survive DST
//!   changes, up to `ctx.now_us + ctx.horizon_days` (or UNTIL/COUNT). The
//!   first instance (DTSTART), RDATEs and overrides are always kept: they
//!   are written in the file, not computed. `RANGE=THISANDFUTURE` on a
//!   RECURRENCE-ID is treated as affecting that one instance (an
//!   approximation; Google never writes it).
//! - *One bad event* (a DTSTART, DTEND, DURATION, RDATE, EXDATE or
//!   RECURRENCE-ID that cannot be read, an RRULE the expander refuses, no
//!   DTSTART) is skipped with a warning naming its line and property
//!   (`VEVENT.DTSTART`); the rest of the calendar is read. A file broken
//!   as a whole (BEGIN/END structure, a line that is not a content line,
//!   invalid UTF-8) is still refused at its line.
//! - Only *busy* events become entries: `TRANSP:TRANSPARENT` ("show as
//!   free") and `STATUS:CANCELLED` are skipped. Google marks all-day
//!   events "free" unless the user chose "busy", so most birthdays and
//!   holidays yield nothing. VTODO, VJOURNAL and VALARM contents are
//!   ignored.
//!
//! Each entry: conversation = `X-WR-CALNAME` (else "calendar"); id = the
//! UID, "@", and the occurrence start in UTC (`20261203T090000Z`; for
//! all-day events the date, `20261224`; for an overridden instance its
//! RECURRENCE-ID, so a moved meeting keeps its id); text such as "Busy:
//! Dentist appointment at Praxis Dr. Weber, Thu 3 Dec 2026 10:00–11:00
//! (Europe/Berlin). Bring the insurance card."; meta summary, location,
//! recurring, rrule, status, tz, all_day (plus organizer, recurrence_id,
//! tz_fallback, zone_unknown when they apply). All-day events run from
//! local midnight to local midnight in the calendar's zone.
//!
//! Hostile input is bounded: BEGIN nesting deeper than [`MAX_DEPTH`] is
//! refused at the offending line, VTIMEZONE rules share a step budget and
//! keep at most 20,000 transitions each, every occurrence is counted against
//! `ctx.max_entries` before it is stored, recurrence expansion is capped
//! per rule and per file (see [`rrule`]), and what every occurrence copies
//! (summary, location, description line, UID) is clipped so a huge value on
//! a daily rule cannot multiply. Everything else is linear in the input;
//! nothing recurses.

mod rrule;
mod windows_zones;
mod zones;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;

use super::ParseError;
use super::export::{Entry, Export, Origin, ParseContext, check_entry_limit, derived_id};
use rrule::{Budget, Halt, Rule, Until};
use zones::{RawObservance, RawTimezone, Rules};

/// The format name errors carry.
const FORMAT: &str = "iCalendar";

/// Deepest BEGIN nesting accepted. Real files nest three deep
/// (VCALENDAR > VEVENT > VALARM, VCALENDAR > VTIMEZONE > STANDARD).
const MAX_DEPTH: usize = 16;

/// Candidate dates all recurrence rules of one file may examine together
/// (well under a second of work); beyond it the file is refused.
const FILE_STEP_BUDGET: u64 = 20_000_000;

/// The most characters of a SUMMARY, LOCATION or description line kept:
/// they are copied into every occurrence, so a hostile megabyte-long
/// summary on a daily rule must not multiply.
const MAX_TEXT_CHARS: usize = 1000;

/// The most characters kept of names copied into every entry (calendar
/// name, organizer, RRULE text).
const MAX_NAME_CHARS: usize = 300;

/// Longer UIDs are replaced by their hash in ids.
const MAX_UID_BYTES: usize = 255;

/// µs in a day.
const DAY_US: i64 = 86_400_000_000;

/// Whether `head` looks like an iCalendar file (detection is by the `.ics`
/// extension or the leading `BEGIN:VCALENDAR`).
#[allow(dead_code)]
pub(crate) fn sniff(name: &str, head: &str) -> bool {
    let head = head.trim_start_matches('\u{feff}').trim_start();
    name.ends_with(".ics")
        || head
            .get(..15)
            .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCALENDAR"))
}

/// Parses an iCalendar file into one entry per busy event occurrence.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let calendar = read_calendar(bytes)?;
    let mut export = Export::default();
    let mut emitter = Emitter::new(&calendar, ctx);
    let mut events = Vec::with_capacity(calendar.events.len());
    for raw in &calendar.events {
        // One event with a value that cannot be read is left out, not the
        // calendar; `judged` refuses the file under --strict.
        let read = emitter.zones.event(raw);
        for problem in emitter.zones.warnings.drain(..) {
            export.warn(problem);
        }
        match read {
            Ok(event) => events.push(event),
            Err(problem) => export.skip(problem),
        }
    }
    emitter.collect_overrides(&events);
    for event in &events {
        emitter.emit_event(event)?;
    }
    export.entries = emitter.entries;
    Ok(export)
}

// ---------------------------------------------------------------------------
// Lines.

/// One unfolded content line.
#[derive(Debug)]
struct Line<'a> {
    /// The text, continuation lines joined (borrowed when not folded).
    text: Cow<'a, str>,
    /// The 1-based line of its first physical line.
    line: u32,
    /// Byte offset of its first character.
    start: usize,
    /// One past its last content byte (line terminator excluded).
    end: usize,
}

/// Iterates the unfolded lines of a file, front to back, once.
///
/// Unfolding works on bytes, before UTF-8 decoding, because some writers
/// fold at 75 octets even inside a multi-byte character; each joined line
/// is then decoded on its own.
struct Lines<'a> {
    /// The whole file.
    src: &'a [u8],
    /// Where the next physical line starts.
    pos: usize,
    /// The 1-based number of that line.
    line: u32,
}

impl<'a> Lines<'a> {
    /// Lines of `src`, a leading byte-order mark skipped.
    fn new(src: &'a [u8]) -> Self {
        let pos = if src.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Lines { src, pos, line: 1 }
    }

    /// The physical line at `pos` (terminator stripped) and its end offset;
    /// moves past it.
    fn physical(&mut self) -> (&'a [u8], usize) {
        let rest = self.src.get(self.pos..).unwrap_or(&[]);
        let (len, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let raw = rest.get(..len).unwrap_or(&[]);
        let content = raw.strip_suffix(b"\r").unwrap_or(raw);
        let end = self.pos + content.len();
        if next > len {
            self.line = self.line.saturating_add(1);
        }
        self.pos += next;
        (content, end)
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Line<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.src.len() {
            return None;
        }
        let (start, line) = (self.pos, self.line);
        let (first, mut end) = self.physical();
        let mut bytes = Cow::Borrowed(first);
        while matches!(self.src.get(self.pos), Some(b' ' | b'\t')) {
            let (more, more_end) = self.physical();
            bytes
                .to_mut()
                .extend_from_slice(more.get(1..).unwrap_or(&[]));
            end = more_end;
        }
        let invalid = |e: std::str::Utf8Error| ParseError::InvalidUtf8 {
            // Exact for unfolded lines; within a folded one, close enough
            // to find it.
            offset: (start + e.valid_up_to()).min(end),
            line: line as usize,
        };
        let text = match bytes {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed).map_err(invalid),
            Cow::Owned(v) => String::from_utf8(v)
                .map(Cow::Owned)
                .map_err(|e| invalid(e.utf8_error())),
        };
        Some(text.map(|text| Line {
            text,
            line,
            start,
            end,
        }))
    }
}

/// A content line split into its parts (all borrowed from the line).
#[derive(Debug)]
struct Prop<'l> {
    /// The property name as written (compare case-insensitively).
    name: &'l str,
    /// The raw parameters between the name and the value separator.
    params: &'l str,
    /// The value, still escaped.
    value: &'l str,
}

/// Splits `NAME;PARAMS:VALUE`; None when the line has no such shape.
fn split_line(s: &str) -> Option<Prop<'_>> {
    let name_end = s.find([';', ':'])?;
    let name = s.get(..name_end)?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let after = s.get(name_end + 1..)?;
    if s.get(name_end..)?.starts_with(':') {
        return Some(Prop {
            name,
            params: "",
            value: after,
        });
    }
    // The value starts at the first colon outside a quoted parameter value
    // (`CN="Weber: Praxis"` holds one).
    let mut quoted = false;
    for (i, b) in after.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => {
                return Some(Prop {
                    name,
                    params: after.get(..i)?,
                    value: after.get(i + 1..)?,
                });
            }
            _ => {}
        }
    }
    None
}

/// The value of parameter `key` in raw `params` (quotes removed, RFC 6868
/// caret escapes decoded), if present.
fn param(params: &str, key: &str) -> Option<String> {
    let mut quoted = false;
    let mut from = 0;
    for (i, b) in params.bytes().chain(std::iter::once(b';')).enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => {
                let piece = params.get(from..i.min(params.len())).unwrap_or("");
                from = i + 1;
                if let Some((k, v)) = piece.split_once('=')
                    && k.trim().eq_ignore_ascii_case(key)
                {
                    return Some(decode_param(v.trim()));
                }
            }
            _ => {}
        }
    }
    None
}

/// Strips the quotes of a parameter value and decodes caret escapes.
fn decode_param(v: &str) -> String {
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\'') => out.push('"'),
            Some('^') => out.push('^'),
            Some(other) => {
                out.push('^');
                out.push(other);
            }
            None => out.push('^'),
        }
    }
    out
}

/// Decodes a TEXT value: `\n`/`\N` newline, `\,` `\;` `\\` literal; an
/// unknown escape keeps its character.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// At most `max` characters of `s`, with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s.to_string(),
    }
}

/// At most 40 characters of `s`, for messages.
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s.to_string(),
    }
}

/// A Malformed error at `line`.
fn malformed(line: u32, field: Option<String>, message: impl Into<String>) -> ParseError {
    ParseError::Malformed {
        format: FORMAT,
        message: message.into(),
        line: Some(line as usize),
        field,
    }
}

// ---------------------------------------------------------------------------
// Components.

/// The VEVENT properties kept for later (others are dropped while reading).
const EVENT_PROPS: &[&str] = &[
    "UID",
    "DTSTART",
    "DTEND",
    "DURATION",
    "RRULE",
    "RDATE",
    "EXDATE",
    "RECURRENCE-ID",
    "STATUS",
    "TRANSP",
    "SUMMARY",
    "LOCATION",
    "DESCRIPTION",
    "ORGANIZER",
];

/// One property of a VEVENT, owned.
#[derive(Debug)]
struct RawProp {
    /// Upper-case name.
    name: String,
    /// Raw parameters.
    params: String,
    /// Raw (escaped) value.
    value: String,
    /// Its 1-based line.
    line: u32,
}

/// A VEVENT as read: its properties and where it is.
#[derive(Debug)]
struct RawEvent {
    /// Its direct properties (not those of a nested VALARM).
    props: Vec<RawProp>,
    /// Byte range from `BEGIN:VEVENT` to the end of `END:VEVENT`, and the
    /// line of `BEGIN:VEVENT`.
    origin: Origin,
}

/// What the first pass keeps of a file.
#[derive(Debug, Default)]
struct Calendar {
    /// `X-WR-CALNAME`.
    name: Option<String>,
    /// `X-WR-TIMEZONE`.
    zone: Option<String>,
    /// VTIMEZONE TZID → what the VTIMEZONE says (the first of a TZID
    /// defined twice).
    timezones: HashMap<String, RawTimezone>,
    /// The VEVENTs, in file order.
    events: Vec<RawEvent>,
}

/// First pass: checks the BEGIN/END structure and keeps calendar
/// properties, VTIMEZONEs and VEVENT properties.
fn read_calendar(bytes: &[u8]) -> Result<Calendar, ParseError> {
    let mut calendar = Calendar::default();
    // Open components: upper-case name and BEGIN line.
    let mut stack: Vec<(String, u32)> = Vec::new();
    let mut event: Option<RawEvent> = None;
    // The VTIMEZONE being read: its TZID and what it says.
    let mut vtimezone: (Option<String>, RawTimezone) = (None, RawTimezone::default());
    let mut saw_calendar = false;
    for line in Lines::new(bytes) {
        let line = line?;
        if line.text.trim().is_empty() {
            continue;
        }
        let Some(prop) = split_line(&line.text) else {
            return Err(malformed(
                line.line,
                None,
                format!(
                    "expected a content line NAME:VALUE, found \"{}\"",
                    excerpt(&line.text)
                ),
            ));
        };
        let component = || {
            let name = prop.value.trim().to_ascii_uppercase();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(malformed(
                    line.line,
                    None,
                    format!("invalid component name \"{}\"", excerpt(prop.value)),
                ));
            }
            Ok(name)
        };
        if prop.name.eq_ignore_ascii_case("BEGIN") {
            let name = component()?;
            if stack.is_empty() && name != "VCALENDAR" {
                return Err(malformed(
                    line.line,
                    None,
                    format!("expected BEGIN:VCALENDAR, found BEGIN:{name}"),
                ));
            }
            if stack.len() >= MAX_DEPTH {
                return Err(malformed(
                    line.line,
                    None,
                    format!("components nested more than {MAX_DEPTH} deep (BEGIN:{name})"),
                ));
            }
            if stack.len() == 1 {
                match name.as_str() {
                    "VEVENT" => {
                        event = Some(RawEvent {
                            props: Vec::new(),
                            origin: Origin {
                                byte_start: line.start as u64,
                                byte_end: line.end as u64,
                                line: line.line,
                            },
                        })
                    }
                    "VTIMEZONE" => {
                        vtimezone = (
                            None,
                            RawTimezone {
                                line: line.line,
                                ..RawTimezone::default()
                            },
                        )
                    }
                    _ => {}
                }
            }
            if stack.len() == 2
                && stack.last().is_some_and(|(open, _)| open == "VTIMEZONE")
                && (name == "STANDARD" || name == "DAYLIGHT")
            {
                vtimezone.1.observances.push(RawObservance {
                    line: line.line,
                    props: Vec::new(),
                });
            }
            stack.push((name, line.line));
            continue;
        }
        if prop.name.eq_ignore_ascii_case("END") {
            let name = component()?;
            match stack.pop() {
                None => {
                    return Err(malformed(
                        line.line,
                        None,
                        format!("END:{name} without a matching BEGIN:{name}"),
                    ));
                }
                Some((open, at)) if open != name => {
                    return Err(malformed(
                        line.line,
                        None,
                        format!("END:{name} does not match BEGIN:{open} on line {at}"),
                    ));
                }
                Some(_) => {}
            }
            match (stack.len(), name.as_str()) {
                (0, _) => saw_calendar = true,
                (1, "VEVENT") => {
                    if let Some(mut done) = event.take() {
                        done.origin.byte_end = line.end as u64;
                        calendar.events.push(done);
                    }
                }
                (1, "VTIMEZONE") => {
                    if let (Some(id), timezone) = std::mem::take(&mut vtimezone) {
                        calendar.timezones.entry(id).or_insert(timezone);
                    }
                }
                _ => {}
            }
            continue;
        }
        let top = stack.last().map(|(name, _)| name.as_str());
        match (stack.len(), top) {
            (0, _) => {
                return Err(malformed(
                    line.line,
                    None,
                    format!(
                        "property {} outside BEGIN:VCALENDAR … END:VCALENDAR",
                        excerpt(prop.name)
                    ),
                ));
            }
            (1, _) => {
                if prop.name.eq_ignore_ascii_case("X-WR-CALNAME") && calendar.name.is_none() {
                    calendar.name = Some(clip(unescape(prop.value).trim(), MAX_NAME_CHARS));
                } else if prop.name.eq_ignore_ascii_case("X-WR-TIMEZONE") && calendar.zone.is_none()
                {
                    calendar.zone = Some(prop.value.trim().to_string());
                }
            }
            (2, Some("VEVENT")) => {
                let name = prop.name.to_ascii_uppercase();
                if let Some(event) = event.as_mut()
                    && EVENT_PROPS.contains(&name.as_str())
                {
                    event.props.push(RawProp {
                        name,
                        params: prop.params.to_string(),
                        value: prop.value.to_string(),
                        line: line.line,
                    });
                }
            }
            (2, Some("VTIMEZONE")) => {
                if prop.name.eq_ignore_ascii_case("TZID") {
                    vtimezone.0 = Some(prop.value.trim().to_string());
                } else if prop.name.eq_ignore_ascii_case("X-LIC-LOCATION") {
                    vtimezone.1.location = Some(prop.value.trim().to_string());
                }
            }
            (3, Some("STANDARD" | "DAYLIGHT"))
                if stack.get(1).is_some_and(|(open, _)| open == "VTIMEZONE") =>
            {
                let name = prop.name.to_ascii_uppercase();
                if let Some(observance) = vtimezone.1.observances.last_mut()
                    && zones::OBSERVANCE_PROPS.contains(&name.as_str())
                {
                    observance.props.push(RawProp {
                        name,
                        params: prop.params.to_string(),
                        value: prop.value.to_string(),
                        line: line.line,
                    });
                }
            }
            _ => {}
        }
    }
    if let Some((open, at)) = stack.last() {
        // The innermost open component: that is where the file stops.
        return Err(malformed(
            *at,
            None,
            format!("BEGIN:{open} is never closed (the file ends before END:{open})"),
        ));
    }
    if !saw_calendar {
        return Err(malformed(
            1,
            None,
            "not an iCalendar file: no BEGIN:VCALENDAR … END:VCALENDAR",
        ));
    }
    Ok(calendar)
}

// ---------------------------------------------------------------------------
// Times and zones.

/// A resolved time zone.
#[derive(Clone, Debug, PartialEq)]
struct Zone {
    /// How its local times become UTC.
    rules: Rules,
    /// Its name in entries (meta `tz`, the sentence): the IANA name, or
    /// the TZID a VTIMEZONE defines, or the unknown TZID as written, or
    /// [`FLOATING`].
    name: String,
    /// The TZID the file gave when it could not be resolved.
    fallback: Option<String>,
}

/// The name of the zone floating times are in when neither the calendar
/// (`X-WR-TIMEZONE`) nor the user's configuration says.
const FLOATING: &str = "floating";

impl Zone {
    /// An IANA zone.
    fn iana(tz: Tz) -> Zone {
        Zone {
            rules: Rules::Iana(tz),
            name: tz.name().to_string(),
            fallback: None,
        }
    }

    /// UTC, for `Z` times.
    fn utc() -> Zone {
        Zone::iana(Tz::UTC)
    }

    /// `local` as µs since the epoch UTC.
    fn to_utc_us(&self, local: NaiveDateTime) -> i64 {
        self.rules.to_utc_us(local)
    }

    /// The wall-clock time at `us`.
    fn local_at(&self, us: i64) -> NaiveDateTime {
        self.rules.local_at(us)
    }
}

/// A DTSTART-like value.
#[derive(Clone, Debug, PartialEq)]
enum When {
    /// A date (all-day).
    Date(NaiveDate),
    /// A wall-clock time in a zone (UTC for `Z` times).
    At(NaiveDateTime, Zone),
}

/// A DURATION value: nominal days and exact seconds (signed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    /// Weeks and days.
    days: i64,
    /// Hours, minutes and seconds.
    seconds: i64,
}

/// `YYYYMMDD`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(4..6)?, num(6..8)?)
}

/// `YYYYMMDDTHHMMSS` with an optional `Z`: the time and whether it is UTC.
fn parse_date_time(s: &str) -> Option<(NaiveDateTime, bool)> {
    let (body, utc) = match s.strip_suffix(['Z', 'z']) {
        Some(body) => (body, true),
        None => (s, false),
    };
    let (date, time) = body.split_once(['T', 't'])?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| time.get(r).and_then(|p| p.parse::<u32>().ok());
    // A leap second (60) is kept as :59, as chrono has no 60.
    let time = NaiveTime::from_hms_opt(num(0..2)?, num(2..4)?, num(4..6)?.min(59))?;
    Some((parse_date(date)?.and_time(time), utc))
}

/// A DURATION (`P1D`, `PT1H30M`, `-P2W`); None when malformed.
fn parse_duration(s: &str) -> Option<Span> {
    let s = s.trim();
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let (mut days, mut seconds, mut in_time, mut number) = (0i64, 0i64, false, None::<i64>);
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            '0'..='9' => {
                let digit = i64::from(c as u8 - b'0');
                number = Some(number.unwrap_or(0).checked_mul(10)?.checked_add(digit)?);
            }
            'T' if !in_time && number.is_none() => in_time = true,
            unit => {
                let n = number.take()?;
                any = true;
                match (unit, in_time) {
                    ('W', false) => days = days.checked_add(n.checked_mul(7)?)?,
                    ('D', false) => days = days.checked_add(n)?,
                    ('H', true) => seconds = seconds.checked_add(n.checked_mul(3600)?)?,
                    ('M', true) => seconds = seconds.checked_add(n.checked_mul(60)?)?,
                    ('S', true) => seconds = seconds.checked_add(n)?,
                    _ => return None,
                }
            }
        }
    }
    (any && number.is_none()).then_some(Span {
        days: sign * days,
        seconds: sign * seconds,
    })
}

/// `d` as an RFC 5545 date, `20261224`.
fn date_stamp(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// `us` as an RFC 5545 UTC date-time, `20261203T090000Z`.
fn utc_stamp(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .map(|t| {
            let t = t.naive_utc();
            format!(
                "{}T{:02}{:02}{:02}Z",
                date_stamp(t.date()),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_default()
}

/// Resolves TZIDs (cached) and reads event properties.
struct Zones<'c> {
    /// The calendar being read.
    calendar: &'c Calendar,
    /// The zone floating times and all-day dates are in: the calendar's
    /// `X-WR-TIMEZONE`, else the user's `ingest.time_zone`, else unknown.
    default: Zone,
    /// TZID → resolved zone.
    cache: HashMap<String, Zone>,
    /// Expansion steps left for computing VTIMEZONE rules, shared by all
    /// the file's zones.
    budget: Budget,
    /// Doubts found since last drained (an unknown TZID, once each).
    warnings: Vec<ParseError>,
}

/// The most TZIDs resolved and remembered per file; past it a TZID is
/// resolved again on each use (and an unknown one not warned about again).
const MAX_CACHED_ZONES: usize = 1024;

/// Expansion steps all VTIMEZONE rules of one file may take together (a
/// real zone from 1601 to 2200 takes about 40,000).
const ZONE_STEP_BUDGET: u64 = 2_000_000;

impl<'c> Zones<'c> {
    /// Zones for `calendar`.
    fn new(calendar: &'c Calendar, ctx: &ParseContext) -> Self {
        let mut zones = Zones {
            calendar,
            default: Zone {
                rules: Rules::Unknown,
                name: FLOATING.to_string(),
                fallback: None,
            },
            cache: HashMap::new(),
            budget: Budget {
                remaining: ZONE_STEP_BUDGET,
            },
            warnings: Vec::new(),
        };
        let declared = calendar
            .zone
            .as_deref()
            .and_then(|name| zones.lookup(name).ok());
        if let Some(zone) = declared.or_else(|| ctx.time_zone.map(Zone::iana)) {
            zones.default = zone;
        }
        zones
    }

    /// The zone a TZID names, warning once about one that cannot be known
    /// (naming `prop`, where it is first used).
    fn resolve(&mut self, tzid: &str, prop: &RawProp) -> Zone {
        if let Some(zone) = self.cache.get(tzid) {
            return zone.clone();
        }
        let zone = match self.lookup(tzid) {
            Ok(zone) => zone,
            Err(why) => {
                self.warnings.push(malformed(
                    prop.line,
                    Some(format!("VEVENT.{};TZID={}", prop.name, excerpt(tzid))),
                    format!(
                        "unknown time zone \"{}\" ({why}); its times are read as written, as UTC",
                        excerpt(tzid)
                    ),
                ));
                Zone {
                    rules: Rules::Unknown,
                    name: clip(tzid, MAX_NAME_CHARS),
                    fallback: Some(clip(tzid, MAX_NAME_CHARS)),
                }
            }
        };
        if self.cache.len() < MAX_CACHED_ZONES {
            self.cache.insert(tzid.to_string(), zone.clone());
        }
        zone
    }

    /// Looks up a zone name: an IANA name, a Windows zone id or display
    /// name, the VTIMEZONE's `X-LIC-LOCATION`, an IANA name after a path
    /// prefix, or the VTIMEZONE's own rules, in that order (the database
    /// knows a named zone's whole history; a VTIMEZONE often only its
    /// current rules). The error says why none applies.
    fn lookup(&mut self, tzid: &str) -> Result<Zone, String> {
        let named = |name: &str| {
            let name = name.trim();
            name.parse::<Tz>()
                .ok()
                .or_else(|| windows_zones::iana_name(name).and_then(|n| n.parse::<Tz>().ok()))
        };
        let raw = self.calendar.timezones.get(tzid);
        // Lotus Notes names UK time "GMT" and defines its summer time in
        // the VTIMEZONE; the database's GMT never changes. A TZID that the
        // database reads as a fixed UTC zone is read from its VTIMEZONE
        // when the file has one.
        let fixed = |name: &str| {
            let name = name.trim();
            ["GMT", "UTC", "UCT", "Zulu", "Universal", "Greenwich"]
                .iter()
                .any(|f| name.eq_ignore_ascii_case(f))
                || name
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("Etc/"))
        };
        let own_rules = raw.filter(|_| fixed(tzid));
        let found = own_rules
            .is_none()
            .then(|| named(tzid))
            .flatten()
            .or_else(|| raw.and_then(|raw| raw.location.as_deref()).and_then(named))
            .or_else(|| {
                // "/mozilla.org/20050126_1/Europe/Berlin",
                // "/freeassociation.sourceforge.net/Tzfile/Europe/London":
                // IANA names have at most three parts, so only the last
                // three suffixes are tried (a TZID of a million slashes
                // costs three lookups, not a million).
                tzid.rmatch_indices('/')
                    .take(3)
                    .find_map(|(i, _)| tzid.get(i + 1..).and_then(|n| n.parse::<Tz>().ok()))
            });
        if let Some(tz) = found {
            return Ok(Zone::iana(tz));
        }
        let Some(raw) = raw else {
            return Err("not an IANA or Windows zone name, and no VTIMEZONE defines it".into());
        };
        match zones::compile(raw, &mut self.budget) {
            Ok(defined) => Ok(Zone {
                rules: Rules::Defined(Rc::new(defined)),
                name: clip(tzid, MAX_NAME_CHARS),
                fallback: None,
            }),
            Err(why) => Err(format!(
                "its VTIMEZONE on line {} cannot be used: {why}",
                raw.line
            )),
        }
    }

    /// The time value of `prop`.
    fn when(&mut self, prop: &RawProp) -> Result<When, ParseError> {
        let mut times = self.times(prop, std::iter::once(prop.value.as_str()))?;
        // One item in, one value out.
        times
            .pop()
            .ok_or_else(|| malformed(prop.line, None, "missing time value"))
    }

    /// All time values of `prop`, a comma list (PERIOD values give their
    /// start).
    fn when_list(&mut self, prop: &RawProp) -> Result<Vec<When>, ParseError> {
        let items = prop
            .value
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.split('/').next().unwrap_or(v));
        self.times(prop, items)
    }

    /// Reads `items` as time values of `prop`. Its parameters are read and
    /// its TZID resolved once, however long the list: a hostile EXDATE
    /// with a huge parameter section and many values stays linear.
    fn times<'v>(
        &mut self,
        prop: &RawProp,
        items: impl Iterator<Item = &'v str>,
    ) -> Result<Vec<When>, ParseError> {
        let kind = param(&prop.params, "VALUE").map(|v| v.to_ascii_uppercase());
        let mut local_zone: Option<Zone> = None;
        let mut out = Vec::new();
        for value in items {
            let value = value.trim();
            let bad = |expected: &str| {
                malformed(
                    prop.line,
                    Some(format!("VEVENT.{}", prop.name)),
                    format!("invalid {expected} \"{}\"", excerpt(value)),
                )
            };
            // Google's birthday calendar writes dates with a Z
            // ("RDATE;VALUE=DATE:20131210Z"); a Z means nothing on a date.
            let date = value
                .strip_suffix(['Z', 'z'])
                .filter(|d| d.len() == 8)
                .unwrap_or(value);
            if kind.as_deref() == Some("DATE") || (kind.is_none() && date.len() == 8) {
                let date = parse_date(date).ok_or_else(|| bad("date (expected YYYYMMDD)"))?;
                out.push(When::Date(date));
                continue;
            }
            let (local, utc) = parse_date_time(value)
                .ok_or_else(|| bad("date-time (expected YYYYMMDDTHHMMSS, optionally with Z)"))?;
            let zone = if utc {
                Zone::utc()
            } else {
                match &local_zone {
                    Some(zone) => zone.clone(),
                    None => {
                        let zone = match param(&prop.params, "TZID") {
                            Some(tzid) => self.resolve(&tzid, prop),
                            None => self.default.clone(),
                        };
                        local_zone = Some(zone.clone());
                        zone
                    }
                }
            };
            out.push(When::At(local, zone));
        }
        Ok(out)
    }

    /// The UTC instant of a time value (dates at local midnight in the
    /// calendar's zone).
    fn instant(&self, when: &When) -> i64 {
        match when {
            When::Date(d) => self.default.to_utc_us(d.and_time(NaiveTime::MIN)),
            When::At(local, zone) => zone.to_utc_us(*local),
        }
    }

    /// Reads one VEVENT's properties.
    fn event<'e>(&mut self, raw: &'e RawEvent) -> Result<Event<'e>, ParseError> {
        let mut event = Event {
            raw,
            uid: None,
            start: None,
            end: None,
            duration: None,
            rule: None,
            rdates: Vec::new(),
            exdates: Vec::new(),
            recurrence_id: None,
            status: None,
            transparent: false,
            summary: String::new(),
            location: String::new(),
            description: String::new(),
            organizer: None,
            zone_unknown: false,
        };
        for prop in &raw.props {
            let text = || clip(unescape(&prop.value).trim(), MAX_TEXT_CHARS);
            match prop.name.as_str() {
                "UID" => {
                    let uid = prop.value.trim();
                    // Real UIDs are short; a huge one would be copied into
                    // every occurrence's id, so it is hashed instead.
                    event.uid = Some(if uid.len() > MAX_UID_BYTES {
                        derived_id(&["uid", uid])
                    } else {
                        uid.to_string()
                    });
                }
                "DTSTART" => event.start = Some(self.when(prop)?),
                "DTEND" => event.end = Some(self.when(prop)?),
                "DURATION" => {
                    event.duration = Some(parse_duration(&prop.value).ok_or_else(|| {
                        malformed(
                            prop.line,
                            Some("VEVENT.DURATION".into()),
                            format!(
                                "invalid duration \"{}\" (expected e.g. PT1H30M or P1D)",
                                excerpt(&prop.value)
                            ),
                        )
                    })?)
                }
                "RRULE" if event.rule.is_none() => {
                    let rule = rrule::parse(&prop.value, parse_until)
                        .map_err(|m| malformed(prop.line, Some("VEVENT.RRULE".into()), m))?;
                    event.rule = Some((rule, clip(prop.value.trim(), MAX_NAME_CHARS), prop.line));
                }
                "RDATE" => event.rdates.extend(self.when_list(prop)?),
                "EXDATE" => event.exdates.extend(self.when_list(prop)?),
                "RECURRENCE-ID" => event.recurrence_id = Some(self.when(prop)?),
                "STATUS" => event.status = Some(prop.value.trim().to_ascii_uppercase()),
                "TRANSP" => {
                    event.transparent = prop.value.trim().eq_ignore_ascii_case("TRANSPARENT")
                }
                "SUMMARY" => event.summary = text(),
                "LOCATION" => event.location = text(),
                "DESCRIPTION" => {
                    // Only the first line is used (in the sentence).
                    let full = unescape(&prop.value);
                    let first = full.lines().map(str::trim).find(|l| !l.is_empty());
                    event.description = clip(first.unwrap_or(""), MAX_TEXT_CHARS);
                }
                "ORGANIZER" => {
                    let v = prop.value.trim();
                    let address = v
                        .get(..7)
                        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
                        .and_then(|_| v.get(7..))
                        .unwrap_or(v);
                    event.organizer = Some(clip(address, MAX_NAME_CHARS));
                }
                _ => {}
            }
        }
        if event.start.is_none() {
            return Err(malformed(
                raw.origin.line,
                Some("VEVENT.DTSTART".into()),
                "event has no DTSTART",
            ));
        }
        let unknown = |w: &When| matches!(w, When::At(_, zone) if !zone.rules.is_known());
        event.zone_unknown = [&event.start, &event.end, &event.recurrence_id]
            .into_iter()
            .flatten()
            .chain(&event.rdates)
            .any(unknown);
        Ok(event)
    }
}

/// Reads an RRULE `UNTIL` value.
fn parse_until(value: &str) -> Option<Until> {
    if let Some(date) = parse_date(value) {
        return Some(Until::Date(date));
    }
    let (local, utc) = parse_date_time(value)?;
    Some(if utc {
        Until::Utc(local.and_utc().timestamp_micros())
    } else {
        Until::Local(local)
    })
}

// ---------------------------------------------------------------------------
// Events.

/// A VEVENT with its values read.
#[derive(Debug)]
struct Event<'e> {
    /// Where it came from.
    raw: &'e RawEvent,
    /// `UID`.
    uid: Option<String>,
    /// `DTSTART` (always set once read).
    start: Option<When>,
    /// `DTEND`.
    end: Option<When>,
    /// `DURATION`.
    duration: Option<Span>,
    /// `RRULE`: the rule, its text and line.
    rule: Option<(Rule, String, u32)>,
    /// `RDATE`s.
    rdates: Vec<When>,
    /// `EXDATE`s.
    exdates: Vec<When>,
    /// `RECURRENCE-ID`: this event replaces that instance of its series.
    recurrence_id: Option<When>,
    /// `STATUS`, upper-case.
    status: Option<String>,
    /// `TRANSP:TRANSPARENT` (shown as free).
    transparent: bool,
    /// `SUMMARY`, unescaped.
    summary: String,
    /// `LOCATION`, unescaped.
    location: String,
    /// The first non-empty line of `DESCRIPTION`, unescaped.
    description: String,
    /// `ORGANIZER` address.
    organizer: Option<String>,
    /// Whether one of its times (DTSTART, DTEND, RDATE, RECURRENCE-ID) is
    /// in a zone that cannot be known.
    zone_unknown: bool,
}

impl Event<'_> {
    /// Whether it blocks time: not free, not cancelled.
    fn busy(&self) -> bool {
        !self.transparent && self.status.as_deref() != Some("CANCELLED")
    }

    /// Its UID, or one derived from what it says when it has none.
    fn uid(&self) -> String {
        match &self.uid {
            Some(uid) if !uid.is_empty() => uid.clone(),
            _ => {
                let start = self
                    .raw
                    .props
                    .iter()
                    .find(|p| p.name == "DTSTART")
                    .map_or("", |p| p.value.as_str());
                derived_id(&["ics", start, &self.summary])
            }
        }
    }
}

/// Instances of a series replaced by RECURRENCE-ID events.
#[derive(Clone, Debug, Default)]
struct Overridden {
    /// Replaced start instants (µs UTC).
    instants: HashSet<i64>,
    /// Replaced dates (all-day series).
    dates: HashSet<NaiveDate>,
}

/// One occurrence, ready to become an entry.
struct Occurrence<'a> {
    /// Local start (in `tz`).
    local: NaiveDateTime,
    /// Start, µs UTC.
    start: i64,
    /// End, µs UTC.
    end: i64,
    /// The zone times are shown in.
    zone: &'a Zone,
    /// Whole days (all-day events), else None.
    days: Option<i64>,
    /// The stamp after `UID@` in the id.
    stamp: String,
}

/// Second pass: turns events into entries.
struct Emitter<'c> {
    /// Zone resolution.
    zones: Zones<'c>,
    /// The conversation (calendar name).
    conversation: String,
    /// The limits.
    ctx: &'c ParseContext,
    /// End of recurrence expansion, µs UTC.
    horizon_us: i64,
    /// Expansion budget for the file.
    budget: Budget,
    /// UID → instances replaced by overrides (shared, so several masters
    /// with one UID cost no copies).
    overridden: HashMap<String, Rc<Overridden>>,
    /// Ids handed out, to number exact repeats.
    ids: HashMap<String, u32>,
    /// The entries so far.
    entries: Vec<Entry>,
}

impl<'c> Emitter<'c> {
    /// An emitter for `calendar`.
    fn new(calendar: &'c Calendar, ctx: &'c ParseContext) -> Self {
        let conversation = calendar
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "calendar".to_string());
        let horizon_us = ctx
            .now_us
            .saturating_add(i64::from(ctx.horizon_days).saturating_mul(DAY_US));
        Emitter {
            zones: Zones::new(calendar, ctx),
            conversation,
            ctx,
            horizon_us,
            budget: Budget {
                remaining: FILE_STEP_BUDGET,
            },
            overridden: HashMap::new(),
            ids: HashMap::new(),
            entries: Vec::new(),
        }
    }

    /// Notes which series instances RECURRENCE-ID events replace.
    fn collect_overrides(&mut self, events: &[Event<'_>]) {
        for event in events {
            let Some(rid) = &event.recurrence_id else {
                continue;
            };
            let key = Rc::make_mut(self.overridden.entry(event.uid()).or_default());
            match rid {
                When::Date(d) => {
                    key.dates.insert(*d);
                }
                When::At(..) => {
                    key.instants.insert(self.zones.instant(rid));
                }
            }
        }
    }

    /// Emits every busy occurrence of `event`.
    fn emit_event(&mut self, event: &Event<'_>) -> Result<(), ParseError> {
        if !event.busy() {
            return Ok(());
        }
        let Some(start) = &event.start else {
            return Ok(());
        };
        let uid = event.uid();
        let (start_local, zone) = match start {
            When::Date(d) => (d.and_time(NaiveTime::MIN), self.zones.default.clone()),
            When::At(local, zone) => (*local, zone.clone()),
        };
        let zone = &zone;
        let all_day = matches!(start, When::Date(_));
        let start_us = zone.to_utc_us(start_local);
        let length = self.length(event, start_local, start_us, all_day);

        if let Some(rid) = &event.recurrence_id {
            // An overridden instance: emitted once, its id from the
            // instance it replaces.
            let stamp = match rid {
                When::Date(d) => date_stamp(*d),
                When::At(..) => utc_stamp(self.zones.instant(rid)),
            };
            let occurrence = self.occurrence(start_local, start_us, zone, length, stamp);
            return self.push(event, &uid, occurrence);
        }

        let excluded = Overridden {
            instants: event
                .exdates
                .iter()
                .filter(|w| matches!(w, When::At(..)))
                .map(|w| self.zones.instant(w))
                .collect(),
            dates: event
                .exdates
                .iter()
                .filter_map(|w| match w {
                    When::Date(d) => Some(*d),
                    When::At(..) => None,
                })
                .collect(),
        };
        let replaced = self.overridden.get(&uid).cloned().unwrap_or_default();
        let skip = |local: NaiveDateTime, utc: i64| {
            excluded.instants.contains(&utc)
                || excluded.dates.contains(&local.date())
                || replaced.instants.contains(&utc)
                || replaced.dates.contains(&local.date())
        };
        let stamp_of = |local: NaiveDateTime, utc: i64| {
            if all_day {
                date_stamp(local.date())
            } else {
                utc_stamp(utc)
            }
        };
        let mut seen: HashSet<i64> = HashSet::new();
        let track = !event.rdates.is_empty();

        match &event.rule {
            None => {
                if !skip(start_local, start_us) {
                    let stamp = stamp_of(start_local, start_us);
                    let occurrence = self.occurrence(start_local, start_us, zone, length, stamp);
                    self.push(event, &uid, occurrence)?;
                }
                if track {
                    seen.insert(start_us);
                }
            }
            Some((rule, _, line)) => {
                let horizon = self.horizon_us;
                let mut budget = std::mem::replace(&mut self.budget, Budget { remaining: 0 });
                let result = rrule::expand(
                    rule,
                    start_local,
                    horizon,
                    |local| zone.to_utc_us(local),
                    &mut budget,
                    |local, utc| {
                        if track {
                            seen.insert(utc);
                        }
                        if skip(local, utc) {
                            return Ok(());
                        }
                        let occurrence =
                            self.occurrence(local, utc, zone, length, stamp_of(local, utc));
                        self.push(event, &uid, occurrence)
                    },
                );
                self.budget = budget;
                match result {
                    Ok(false) => {}
                    Ok(true) => tracing::warn!(
                        line = *line,
                        uid = %uid,
                        "recurrence rule expansion cut short after {} candidate dates",
                        rrule::MAX_RULE_STEPS
                    ),
                    Err(Halt::Emit(e)) => return Err(e),
                    Err(Halt::Budget) => {
                        return Err(ParseError::TooLarge {
                            format: FORMAT,
                            message: format!(
                                "recurrence rules need more than {FILE_STEP_BUDGET} expansion steps \
                                 (RRULE on line {line})"
                            ),
                        });
                    }
                }
            }
        }
        for rdate in &event.rdates {
            let local = match rdate {
                When::Date(d) => d.and_time(start_local.time()),
                When::At(local, own) => zone.local_at(own.to_utc_us(*local)),
            };
            let utc = zone.to_utc_us(local);
            if !seen.insert(utc) || skip(local, utc) {
                continue;
            }
            let occurrence = self.occurrence(local, utc, zone, length, stamp_of(local, utc));
            self.push(event, &uid, occurrence)?;
        }
        Ok(())
    }

    /// How long each occurrence lasts: whole days for all-day events, else
    /// µs (from DTEND, else DURATION, else zero / one day).
    fn length(
        &self,
        event: &Event<'_>,
        start_local: NaiveDateTime,
        start_us: i64,
        all_day: bool,
    ) -> Length {
        if all_day {
            let days = match (&event.end, event.duration) {
                (Some(When::Date(end)), _) => (*end - start_local.date()).num_days(),
                (Some(When::At(end, _)), _) => (end.date() - start_local.date()).num_days(),
                (None, Some(span)) => span
                    .days
                    .saturating_add(span.seconds.saturating_add(86_399) / 86_400),
                (None, None) => 1,
            };
            return Length::Days(days.clamp(1, 366 * 100));
        }
        let us = match (&event.end, event.duration) {
            (Some(end), _) => {
                let end_us = match end {
                    When::Date(d) => self.zones.instant(&When::Date(*d)),
                    When::At(local, zone) => zone.to_utc_us(*local),
                };
                end_us.saturating_sub(start_us)
            }
            (None, Some(span)) => span
                .days
                .saturating_mul(DAY_US)
                .saturating_add(span.seconds.saturating_mul(1_000_000)),
            (None, None) => 0,
        };
        Length::Micros(us.max(0))
    }

    /// An occurrence starting at `local` (`utc`).
    fn occurrence<'a>(
        &self,
        local: NaiveDateTime,
        utc: i64,
        zone: &'a Zone,
        length: Length,
        stamp: String,
    ) -> Occurrence<'a> {
        let (end, days) = match length {
            Length::Micros(us) => (utc.saturating_add(us), None),
            Length::Days(days) => {
                let end_local = local
                    .checked_add_days(Days::new(days.unsigned_abs()))
                    .unwrap_or(local);
                (zone.to_utc_us(end_local), Some(days))
            }
        };
        Occurrence {
            local,
            start: utc,
            end,
            zone,
            days,
            stamp,
        }
    }

    /// Stores one entry, after the entry limit check.
    fn push(
        &mut self,
        event: &Event<'_>,
        uid: &str,
        occ: Occurrence<'_>,
    ) -> Result<(), ParseError> {
        check_entry_limit(FORMAT, self.ctx, self.entries.len() + 1)?;
        let base = format!("{uid}@{}", occ.stamp);
        let seen = self.ids.entry(base.clone()).or_insert(0);
        *seen += 1;
        // Two events sharing a UID and start (a file merged from two
        // exports) keep distinct ids.
        let id = if *seen == 1 {
            base
        } else {
            format!("{base}#{seen}")
        };
        let mut meta = BTreeMap::new();
        if !event.summary.is_empty() {
            meta.insert("summary".into(), event.summary.clone());
        }
        if !event.location.is_empty() {
            meta.insert("location".into(), event.location.clone());
        }
        let recurring =
            event.rule.is_some() || !event.rdates.is_empty() || event.recurrence_id.is_some();
        meta.insert("recurring".into(), recurring.to_string());
        if let Some((_, text, _)) = &event.rule {
            meta.insert("rrule".into(), text.clone());
        }
        if let Some(status) = &event.status {
            meta.insert("status".into(), status.clone());
        }
        meta.insert("tz".into(), occ.zone.name.clone());
        meta.insert("all_day".into(), occ.days.is_some().to_string());
        if let Some(tzid) = &occ.zone.fallback {
            meta.insert("tz_fallback".into(), tzid.clone());
        }
        if let Some(organizer) = &event.organizer {
            meta.insert("organizer".into(), organizer.clone());
        }
        if event.recurrence_id.is_some() {
            meta.insert("recurrence_id".into(), occ.stamp.clone());
        }
        let mut entry = Entry {
            conversation: self.conversation.clone(),
            conversation_title: Some(self.conversation.clone()),
            id,
            author: None,
            author_is_self: None,
            timestamp_us: Some(occ.start),
            ends_at_us: Some(occ.end),
            text: sentence(event, &occ),
            reply_to: None,
            origin: event.raw.origin,
            meta,
        };
        if event.zone_unknown || !occ.zone.rules.is_known() {
            entry.flag_zone_unknown();
        }
        self.entries.push(entry);
        Ok(())
    }
}

/// How long occurrences last.
#[derive(Clone, Copy, Debug)]
enum Length {
    /// Exact µs (timed events).
    Micros(i64),
    /// Whole local days (all-day events).
    Days(i64),
}

/// English weekday abbreviations, Monday first (chrono's `%a`, without
/// its format-string parsing on every call).
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// English month abbreviations.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Busy: Dentist appointment at Praxis Dr. Weber, Thu 3 Dec 2026
/// 10:00–11:00 (Europe/Berlin). <first line of the description>"
fn sentence(event: &Event<'_>, occ: &Occurrence<'_>) -> String {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let day = |d: NaiveDate| {
        format!(
            "{} {} {} {}",
            WEEKDAYS[d.weekday().num_days_from_monday() as usize % 7],
            d.day(),
            MONTHS[d.month0() as usize % 12],
            d.year()
        )
    };
    let hm = |t: NaiveDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
    let when = match occ.days {
        Some(days) => {
            let first = occ.local.date();
            let last = first.checked_add_days(Days::new(days.unsigned_abs().saturating_sub(1)));
            match last {
                Some(last) if last != first => format!("{} – {} (all day)", day(first), day(last)),
                _ => format!("{} (all day)", day(first)),
            }
        }
        None => {
            let end = occ.zone.local_at(occ.end);
            let zone = &occ.zone.name;
            let start = occ.local;
            if occ.end <= occ.start {
                format!("{} {} ({zone})", day(start.date()), hm(start))
            } else if end.date() == start.date() {
                format!("{} {}–{} ({zone})", day(start.date()), hm(start), hm(end))
            } else {
                format!(
                    "{} {} – {} {} ({zone})",
                    day(start.date()),
                    hm(start),
                    day(end.date()),
                    hm(end)
                )
            }
        }
    };
    let mut text = String::from("Busy");
    if !event.summary.is_empty() {
        text.push_str(": ");
        text.push_str(&one_line(&event.summary));
    }
    if !event.location.is_empty() {
        text.push_str(" at ");
        text.push_str(&one_line(&event.location));
    }
    text.push_str(", ");
    text.push_str(&when);
    text.push('.');
    if !event.description.is_empty() {
        text.push(' ');
        text.push_str(&event.description);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-01T00:00:00Z.
    const NOW_US: i64 = 1_793_491_200_000_000;

    fn ctx() -> ParseContext {
        ParseContext {
            file_name: "basic.ics".into(),
            now_us: NOW_US,
            horizon_days: 365,
            max_entries: 10_000,
            ..ParseContext::default()
        }
    }

    fn us(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_micros()
    }

    fn basic() -> Export {
        parse(include_bytes!("../../../fixtures/ics/basic.ics"), &ctx()).unwrap()
    }

    fn with_uid<'a>(export: &'a Export, uid: &str) -> Vec<&'a Entry> {
        export
            .entries
            .iter()
            .filter(|e| e.id.starts_with(&format!("{uid}@")))
            .collect()
    }

    /// The refusal of a file (judged as `parse::parse` judges it: a file
    /// whose every event was skipped is refused with the first reason).
    fn err_of(ics: &str) -> ParseError {
        parse(ics.as_bytes(), &ctx())
            .and_then(|e| e.judged(false))
            .unwrap_err()
    }

    /// The file at `fixtures/ics/<path>`, parsed with `ctx`.
    fn fixture(path: &str, ctx: &ParseContext) -> Export {
        let full = format!("{}/fixtures/ics/{path}", env!("CARGO_MANIFEST_DIR"));
        parse(&std::fs::read(&full).unwrap(), ctx).unwrap()
    }

    /// The entries whose summary is `summary`, in file order.
    fn with_summary<'a>(export: &'a Export, summary: &str) -> Vec<&'a Entry> {
        export
            .entries
            .iter()
            .filter(|e| e.meta.get("summary").map(String::as_str) == Some(summary))
            .collect()
    }

    /// The start times of `entries`.
    fn starts(entries: &[&Entry]) -> Vec<i64> {
        entries.iter().map(|e| e.timestamp_us.unwrap()).collect()
    }

    fn wrap(body: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:Europe/Berlin\r\n{body}END:VCALENDAR\r\n"
        )
    }

    #[test]
    fn single_events_read_with_text_zone_and_origin() {
        let export = basic();
        let dentist = with_uid(&export, "2v6k1c9q3m7h5t0r8n4b2x6j1p@google.com");
        assert_eq!(dentist.len(), 1);
        let e = dentist[0];
        assert_eq!(e.conversation, "alice.martin@gmail.com");
        assert_eq!(
            e.conversation_title.as_deref(),
            Some("alice.martin@gmail.com")
        );
        assert_eq!(
            e.id,
            "2v6k1c9q3m7h5t0r8n4b2x6j1p@google.com@20261203T090000Z"
        );
        assert_eq!(e.timestamp_us, Some(us("2026-12-03T09:00:00Z")));
        assert_eq!(e.ends_at_us, Some(us("2026-12-03T10:00:00Z")));
        assert_eq!(e.author, None);
        assert_eq!(e.author_is_self, None);
        // Folded lines joined, escapes decoded, first description line kept.
        assert_eq!(
            e.text,
            "Busy: Dentist appointment at Praxis Dr. Weber, Hauptstraße 5; Berlin, \
             Thu 3 Dec 2026 10:00–11:00 (Europe/Berlin). Bring the insurance card, please."
        );
        assert_eq!(e.meta["summary"], "Dentist appointment");
        assert_eq!(
            e.meta["location"],
            "Praxis Dr. Weber, Hauptstraße 5; Berlin"
        );
        assert_eq!(e.meta["tz"], "Europe/Berlin");
        assert_eq!(e.meta["all_day"], "false");
        assert_eq!(e.meta["recurring"], "false");
        assert_eq!(e.meta["status"], "CONFIRMED");
        assert_eq!(e.meta["organizer"], "alice.martin@gmail.com");
        let src = include_str!("../../../fixtures/ics/basic.ics");
        let slice = &src[e.origin.byte_start as usize..e.origin.byte_end as usize];
        assert!(slice.starts_with("BEGIN:VEVENT") && slice.ends_with("END:VEVENT"));
        assert!(slice.contains("UID:2v6k1c9q3m7h5t0r8n4b2x6j1p@google.com"));
        assert_eq!(
            e.origin.line,
            super::super::export::line_of(src, e.origin.byte_start as usize)
        );

        // A UTC event stays in UTC.
        let call = with_uid(&export, "0c9f8e7d6b5a4c3b2a1f0e9d8c@google.com")[0];
        assert_eq!(call.timestamp_us, Some(us("2026-11-17T16:30:00Z")));
        assert_eq!(call.ends_at_us, Some(us("2026-11-17T17:15:00Z")));
        assert_eq!(call.meta["tz"], "UTC");
        assert!(
            call.text.contains("Tue 17 Nov 2026 16:30–17:15 (UTC)"),
            "{}",
            call.text
        );
    }

    #[test]
    fn all_day_events_span_local_midnights() {
        let export = basic();
        let e = with_uid(&export, "3d2c1b0a9f8e7d6c5b4a3f2e1d@google.com")[0];
        assert_eq!(e.id, "3d2c1b0a9f8e7d6c5b4a3f2e1d@google.com@20261224");
        assert_eq!(e.timestamp_us, Some(us("2026-12-24T00:00:00+01:00")));
        assert_eq!(e.ends_at_us, Some(us("2026-12-25T00:00:00+01:00")));
        assert_eq!(e.meta["all_day"], "true");
        assert_eq!(e.meta["tz"], "Europe/Berlin");
        assert_eq!(
            e.text,
            "Busy: Christmas Eve at Eltern, Hamburg, Thu 24 Dec 2026 (all day)."
        );
    }

    #[test]
    fn cancelled_and_transparent_events_are_skipped() {
        let export = basic();
        assert!(with_uid(&export, "9e8d7c6b5a4f3e2d1c0b9a8f7e@google.com").is_empty());
        assert!(with_uid(&export, "1a2b3c4d5e6f7a8b9c0d1e2f3a@google.com").is_empty());
        assert!(
            export
                .entries
                .iter()
                .all(|e| !e.text.contains("Focus time"))
        );
        assert!(
            export
                .entries
                .iter()
                .all(|e| !e.text.contains("Team lunch"))
        );
    }

    #[test]
    fn weekly_series_keeps_wall_time_across_dst_with_exdate_and_override() {
        let export = basic();
        let standup = with_uid(&export, "4q1v7k2n8m3p6s9u0w5y2a7c1e@google.com");
        // Weekly on Monday 10:00 Berlin from 5 Oct 2026 until 28 Dec 2026
        // (UNTIL): 13 Mondays, minus the EXDATE on 2 Nov; the 16 Nov one is
        // moved to Tuesday 17 Nov 14:00.
        let starts: Vec<i64> = standup.iter().map(|e| e.timestamp_us.unwrap()).collect();
        assert_eq!(standup.len(), 12, "{starts:?}");
        // Summer time: 10:00 CEST = 08:00Z; winter: 10:00 CET = 09:00Z.
        assert!(starts.contains(&us("2026-10-05T08:00:00Z")));
        assert!(starts.contains(&us("2026-10-19T08:00:00Z")));
        assert!(starts.contains(&us("2026-10-26T09:00:00Z")));
        assert!(starts.contains(&us("2026-12-28T09:00:00Z")));
        assert!(!starts.contains(&us("2026-11-02T09:00:00Z")), "EXDATE kept");
        assert!(
            !starts.contains(&us("2026-11-16T09:00:00Z")),
            "overridden instance kept"
        );
        assert!(
            !starts.contains(&us("2027-01-04T09:00:00Z")),
            "UNTIL ignored"
        );
        let moved = standup
            .iter()
            .find(|e| e.timestamp_us == Some(us("2026-11-17T13:00:00Z")))
            .expect("override");
        assert_eq!(
            moved.id,
            "4q1v7k2n8m3p6s9u0w5y2a7c1e@google.com@20261116T090000Z"
        );
        assert_eq!(moved.meta["recurrence_id"], "20261116T090000Z");
        assert!(
            moved.text.starts_with("Busy: Team standup (moved)"),
            "{}",
            moved.text
        );
        let first = standup
            .iter()
            .find(|e| e.timestamp_us == Some(us("2026-10-05T08:00:00Z")))
            .unwrap();
        assert_eq!(first.meta["recurring"], "true");
        assert_eq!(
            first.meta["rrule"],
            "FREQ=WEEKLY;WKST=MO;UNTIL=20261228T235959Z;BYDAY=MO"
        );
        assert!(
            first
                .text
                .contains("Mon 5 Oct 2026 10:00–10:15 (Europe/Berlin)")
        );
        // Ids are unique.
        let ids: HashSet<&str> = export.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), export.entries.len());
    }

    #[test]
    fn monthly_first_monday_respects_count_and_multiple_exdates() {
        let export = basic();
        let review = with_uid(&export, "8h2j4k6l8m0n1p3q5r7s9t0u2v@google.com");
        let mut starts: Vec<i64> = review.iter().map(|e| e.timestamp_us.unwrap()).collect();
        starts.sort();
        // COUNT=6 from 2 Nov 2026: Nov, Dec, Jan, Feb, Mar, Apr (first
        // Mondays); Jan and Mar are excluded by two EXDATE forms.
        assert_eq!(
            starts,
            [
                us("2026-11-02T14:00:00+01:00"),
                us("2026-12-07T14:00:00+01:00"),
                us("2027-02-01T14:00:00+01:00"),
                us("2027-04-05T14:00:00+02:00"),
            ]
        );
    }

    #[test]
    fn horizon_bounds_open_ended_rules() {
        let export = basic();
        // Yearly birthday, all-day, no end: up to now + 365 days.
        let birthday = with_uid(&export, "6f5e4d3c2b1a0f9e8d7c6b5a4f@google.com");
        let ids: Vec<&str> = birthday.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "6f5e4d3c2b1a0f9e8d7c6b5a4f@google.com@20240312",
                "6f5e4d3c2b1a0f9e8d7c6b5a4f@google.com@20250312",
                "6f5e4d3c2b1a0f9e8d7c6b5a4f@google.com@20260312",
                "6f5e4d3c2b1a0f9e8d7c6b5a4f@google.com@20270312",
            ]
        );
        let horizon = NOW_US + 365 * DAY_US;
        assert!(
            export
                .entries
                .iter()
                .filter(|e| e.meta["recurring"] == "true" && !e.meta.contains_key("recurrence_id"))
                .all(|e| e.timestamp_us.unwrap() <= horizon)
        );
    }

    #[test]
    fn unknown_tzid_is_read_as_utc_and_flagged_prefixed_ones_resolve() {
        let ics = wrap(
            "BEGIN:VEVENT\r\nUID:x1\r\nDTSTART;TZID=\"Mars/Olympus\":20260115T100000\r\n\
             DTEND;TZID=\"Mars/Olympus\":20260115T103000\r\nSUMMARY:Odd zone\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:x2\r\nDTSTART;TZID=/mozilla.org/20050126_1/Europe/Paris:20260715T100000\r\n\
             SUMMARY:Prefixed zone\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:x3\r\nDTSTART:20260715T100000\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n",
        );
        let export = parse(ics.as_bytes(), &ctx()).unwrap();
        // Issue 17: an unknown TZID used to take the calendar's zone
        // silently; it is now read as written, flagged and warned about.
        let e = &export.entries[0];
        assert_eq!(e.timestamp_us, Some(us("2026-01-15T10:00:00Z")));
        assert_eq!(e.meta["tz"], "Mars/Olympus");
        assert_eq!(e.meta["tz_fallback"], "Mars/Olympus");
        assert!(e.zone_unknown());
        assert_eq!(export.warnings.len(), 1, "{:?}", export.warnings);
        let e = &export.entries[1];
        assert!(!e.zone_unknown());
        assert_eq!(e.timestamp_us, Some(us("2026-07-15T08:00:00Z")));
        assert_eq!(e.meta["tz"], "Europe/Paris");
        assert!(!e.meta.contains_key("tz_fallback"));
        assert_eq!(e.ends_at_us, e.timestamp_us);
        // A floating time is in the calendar's X-WR-TIMEZONE.
        let e = &export.entries[2];
        assert_eq!(e.timestamp_us, Some(us("2026-07-15T08:00:00Z")));
        assert!(!e.zone_unknown());
    }

    #[test]
    fn outlook_windows_tzids_map_to_iana_zones() {
        let export = fixture("outlook/windows-tzids.ics", &ctx());
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        assert!(export.entries.iter().all(|e| !e.zone_unknown()));
        assert_eq!(export.entries.len(), 7);
        // "W. Europe Standard Time", quoted: 10:30 CEST.
        let planning = with_summary(&export, "Quartalsplanung Q4");
        assert_eq!(starts(&planning), [us("2026-10-20T08:30:00Z")]);
        assert_eq!(planning[0].ends_at_us, Some(us("2026-10-20T09:30:00Z")));
        assert_eq!(planning[0].meta["tz"], "Europe/Berlin");
        assert!(!planning[0].meta.contains_key("tz_fallback"));
        assert!(
            planning[0]
                .text
                .contains("Tue 20 Oct 2026 10:30–11:30 (Europe/Berlin)"),
            "{}",
            planning[0].text
        );
        // A weekly series keeps 09:00 local across the end of summer time
        // (25 Oct 2026).
        let jour_fixe = with_summary(&export, "Jour fixe Vertrieb");
        assert_eq!(
            starts(&jour_fixe),
            [
                us("2026-10-20T07:00:00Z"),
                us("2026-10-27T08:00:00Z"),
                us("2026-11-03T08:00:00Z"),
            ]
        );
        let boston = with_summary(&export, "Sync with Boston office");
        assert_eq!(starts(&boston), [us("2026-11-10T14:00:00Z")]);
        assert_eq!(boston[0].meta["tz"], "America/New_York");
        let tokyo = with_summary(&export, "Dinner with Haruto Sato");
        assert_eq!(starts(&tokyo), [us("2026-12-01T09:00:00Z")]);
        assert_eq!(tokyo[0].meta["tz"], "Asia/Tokyo");
        // The display-name form of the same Windows zone.
        let party = with_summary(&export, "Weihnachtsfeier Planung");
        assert_eq!(starts(&party), [us("2026-12-15T13:00:00Z")]);
        assert_eq!(party[0].ends_at_us, Some(us("2026-12-15T14:00:00Z")));
        assert_eq!(party[0].meta["tz"], "Europe/Berlin");
    }

    #[test]
    fn custom_tzids_are_read_from_their_vtimezone_in_summer_and_winter() {
        let export = fixture("lotus-notes/custom-tzids.ics", &ctx());
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        assert!(export.entries.iter().all(|e| !e.zone_unknown()));
        // Lotus Notes' "GMT" is UK time with summer time (its VTIMEZONE),
        // not the database's fixed GMT; its rules carry BYHOUR/BYMINUTE.
        let review = with_summary(&export, "Supplier review");
        assert_eq!(
            starts(&review),
            [us("2026-07-21T13:00:00Z"), us("2026-12-08T14:00:00Z")]
        );
        assert_eq!(review[0].ends_at_us, Some(us("2026-07-21T14:00:00Z")));
        assert_eq!(review[0].meta["tz"], "GMT");
        assert!(
            review[0].text.contains("Tue 21 Jul 2026 14:00–15:00 (GMT)"),
            "{}",
            review[0].text
        );
        // A name no database knows, defined only by the file.
        let walk = with_summary(&export, "Site walk-round");
        assert_eq!(
            starts(&walk),
            [us("2026-06-15T07:30:00Z"), us("2026-01-12T08:30:00Z")]
        );
        assert_eq!(walk[0].meta["tz"], "Office Hours (Leeds)");
        assert!(!walk[0].meta.contains_key("tz_fallback"));
    }

    #[test]
    fn vtimezone_rules_resolve_gaps_and_repeated_hours_like_the_database() {
        let src = include_str!("../../../fixtures/ics/lotus-notes/custom-tzids.ics");
        let zone = src
            .split("BEGIN:VEVENT")
            .next()
            .unwrap()
            .replace("END:VCALENDAR\r\n", "");
        let ics = format!(
            "{zone}BEGIN:VEVENT\r\nUID:gap\r\nDTSTART;TZID=\"Office Hours (Leeds)\":20260329T013000\r\n\
             END:VEVENT\r\nBEGIN:VEVENT\r\nUID:twice\r\n\
             DTSTART;TZID=\"Office Hours (Leeds)\":20261025T013000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let export = parse(ics.as_bytes(), &ctx()).unwrap();
        // 01:30 does not exist on 29 Mar 2026 (01:00 GMT -> 02:00 BST): it
        // is read with the offset before the gap. 01:30 happens twice on 25
        // Oct: the earlier (BST) instant.
        assert_eq!(
            starts(&export.entries.iter().collect::<Vec<_>>()),
            [us("2026-03-29T01:30:00Z"), us("2026-10-25T00:30:00Z")]
        );
    }

    #[test]
    fn google_birthday_rdates_with_a_z_are_dates() {
        let export = fixture("google-birthdays/birthdays.ics", &ctx());
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        // Yearly from 2013 up to the horizon (1 Nov 2027); the RDATE
        // repeats DTSTART and adds nothing.
        let lena = with_summary(&export, "Lena Hoffmann's birthday");
        assert_eq!(lena.len(), 14);
        assert_eq!(lena[0].id, "2013_BIRTHDAY_self@google.com@20131210");
        assert_eq!(lena[0].timestamp_us, Some(us("2013-12-10T00:00:00+01:00")));
        assert_eq!(lena[0].ends_at_us, Some(us("2013-12-11T00:00:00+01:00")));
        assert_eq!(lena[0].meta["all_day"], "true");
        assert!(!lena[0].zone_unknown());
        // Shown as free: no entries.
        assert!(with_summary(&export, "Jonas Becker's birthday").is_empty());
        // A comma list of dates with Z, all repeats of the rule.
        let anniversary = with_summary(&export, "Wedding anniversary: Lena & Max");
        assert_eq!(anniversary.len(), 9);
        assert_eq!(
            anniversary[1].id,
            "2019_ANNIVERSARY_5d2e8f1a6b3c4e07@google.com@20200622"
        );
    }

    #[test]
    fn undefined_tzid_is_flagged_with_one_warning_and_refused_under_strict() {
        let export = fixture("wild/unknown-zone-and-bad-events.ics", &ctx());
        let office: Vec<&Entry> = export
            .entries
            .iter()
            .filter(|e| e.meta.get("tz_fallback").map(String::as_str) == Some("Custom/Office"))
            .collect();
        // Read as written (09:00 as UTC) and flagged, not silently UTC.
        assert_eq!(
            starts(&office),
            [us("2026-11-05T09:00:00Z"), us("2026-11-12T09:00:00Z")]
        );
        assert_eq!(office[0].ends_at_us, Some(us("2026-11-05T10:00:00Z")));
        assert!(office.iter().all(|e| e.zone_unknown()));
        // One warning for the TZID, at its first use, though two events
        // (four properties) use it.
        let doubts: Vec<_> = export.warnings.iter().filter(|w| !w.skipped).collect();
        assert_eq!(doubts.len(), 1, "{:?}", export.warnings);
        let ParseError::Malformed {
            line,
            field,
            message,
            ..
        } = &doubts[0].problem
        else {
            panic!("{:?}", doubts[0]);
        };
        assert_eq!(*line, Some(9));
        assert_eq!(field.as_deref(), Some("VEVENT.DTSTART;TZID=Custom/Office"));
        assert!(
            message.contains("unknown time zone \"Custom/Office\""),
            "{message}"
        );
        // The entries' other times are exact.
        let delivery = with_summary(&export, "Lieferung Firma Krause");
        assert_eq!(starts(&delivery), [us("2026-11-10T13:00:00Z")]);
        assert!(!delivery[0].zone_unknown());

        let strict = export.clone().judged(true).unwrap_err();
        assert_eq!(strict, doubts[0].problem);
        assert!(strict.to_string().contains("line 9"), "{strict}");
    }

    #[test]
    fn one_bad_event_is_skipped_with_its_line_and_field() {
        let export = fixture("wild/unknown-zone-and-bad-events.ics", &ctx());
        assert_eq!(export.entries.len(), 4);
        assert!(with_summary(&export, "Kaputter Termin").is_empty());
        assert!(with_summary(&export, "Maschinen prüfen").is_empty());
        let skipped: Vec<(Option<usize>, Option<String>, String)> = export
            .warnings
            .iter()
            .filter(|w| w.skipped)
            .map(|w| match &w.problem {
                ParseError::Malformed {
                    line,
                    field,
                    message,
                    ..
                } => (*line, field.clone(), message.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert_eq!(skipped[0].0, Some(24));
        assert_eq!(skipped[0].1.as_deref(), Some("VEVENT.DTSTART"));
        assert!(skipped[0].2.contains("20261106T250000"), "{}", skipped[0].2);
        assert_eq!(skipped[1].0, Some(33));
        assert_eq!(skipped[1].1.as_deref(), Some("VEVENT.RRULE"));
        assert!(skipped[1].2.contains("BYHOUR=7,15"), "{}", skipped[1].2);
        assert!(export.warnings[1].to_string().ends_with("record skipped"));
        // The file still ingests; --strict refuses it at its first warning.
        assert!(export.clone().judged(false).is_ok());
        assert!(export.judged(true).is_err());
    }

    #[test]
    fn floating_times_use_the_configured_zone_or_are_flagged() {
        // No X-WR-TIMEZONE and no configured zone: 16:00 read as UTC,
        // flagged, and no per-event warning.
        let export = fixture("wild/unknown-zone-and-bad-events.ics", &ctx());
        let beer = with_summary(&export, "Feierabendbier");
        assert_eq!(starts(&beer), [us("2026-11-11T16:00:00Z")]);
        assert!(beer[0].zone_unknown());
        assert_eq!(beer[0].meta["tz"], "floating");
        assert_eq!(export.warnings.len(), 3, "{:?}", export.warnings);
        // The user's ingest.time_zone places it.
        let berlin = ParseContext {
            time_zone: Some(chrono_tz::Europe::Berlin),
            ..ctx()
        };
        let export = fixture("wild/unknown-zone-and-bad-events.ics", &berlin);
        let beer = with_summary(&export, "Feierabendbier");
        assert_eq!(starts(&beer), [us("2026-11-11T15:00:00Z")]);
        assert!(!beer[0].zone_unknown());
        assert_eq!(beer[0].meta["tz"], "Europe/Berlin");
        // An unknown TZID stays unknown whatever the configured zone.
        assert!(
            export
                .entries
                .iter()
                .filter(|e| e.meta.contains_key("tz_fallback"))
                .all(|e| e.zone_unknown())
        );
    }

    #[test]
    fn dst_gap_moves_forward() {
        let ics = wrap(
            "BEGIN:VEVENT\r\nUID:gap\r\nDTSTART;TZID=Europe/Berlin:20260329T023000\r\n\
             DURATION:PT1H\r\nEND:VEVENT\r\n",
        );
        let export = parse(ics.as_bytes(), &ctx()).unwrap();
        // 02:30 does not exist that night; it is read with the +01:00 offset.
        assert_eq!(
            export.entries[0].timestamp_us,
            Some(us("2026-03-29T01:30:00Z"))
        );
        assert_eq!(
            export.entries[0].ends_at_us,
            Some(us("2026-03-29T02:30:00Z"))
        );
    }

    #[test]
    fn structure_errors_name_the_line() {
        let err = err_of(&wrap(
            "BEGIN:VEVENT\r\nUID:a\r\nBEGIN:VALARM\r\nEND:VEVENT\r\n",
        ));
        let shown = err.to_string();
        assert!(
            shown.contains("END:VEVENT does not match BEGIN:VALARM on line 6"),
            "{shown}"
        );
        assert!(shown.contains("(line 7)"), "{shown}");

        let err = err_of("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\n");
        assert!(
            err.to_string().contains("BEGIN:VEVENT is never closed"),
            "{err}"
        );
        assert!(err.to_string().contains("line 2"), "{err}");

        let err = err_of("BEGIN:VCALENDAR\r\nthis is not a property\r\nEND:VCALENDAR\r\n");
        assert!(err.to_string().contains("(line 2)"), "{err}");

        let err = err_of("Hello, world\n");
        assert!(matches!(err, ParseError::Malformed { .. }), "{err}");
        let err = err_of("BEGIN:VEVENT\r\nEND:VEVENT\r\n");
        assert!(
            err.to_string().contains("expected BEGIN:VCALENDAR"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_line_and_property() {
        let err = err_of(&wrap(
            "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Europe/Berlin:20261332T100000\r\nEND:VEVENT\r\n",
        ));
        let ParseError::Malformed {
            line,
            field,
            message,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(*line, Some(6));
        assert_eq!(field.as_deref(), Some("VEVENT.DTSTART"));
        assert!(message.contains("20261332T100000"), "{message}");

        let err = err_of(&wrap(
            "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:No start\r\nEND:VEVENT\r\n",
        ));
        assert!(err.to_string().contains("no DTSTART"), "{err}");

        let rule = |r: &str| {
            err_of(&wrap(&format!(
                "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T100000Z\r\nRRULE:{r}\r\nEND:VEVENT\r\n"
            )))
            .to_string()
        };
        let shown = rule("FREQ=SECONDLY;COUNT=5");
        assert!(shown.contains("FREQ=SECONDLY is not supported"), "{shown}");
        assert!(shown.contains("(line 7, field VEVENT.RRULE)"), "{shown}");
        let shown = rule("FREQ=DAILY;BYHOUR=9,10");
        assert!(shown.contains("BYHOUR=9,10 is not supported"), "{shown}");
        let shown = rule("FREQ=DAILY;COLOR=red");
        assert!(shown.contains("unknown RRULE part COLOR=red"), "{shown}");
        let shown = rule("FREQ=DAILY;UNTIL=tomorrow");
        assert!(shown.contains("UNTIL=tomorrow"), "{shown}");
    }

    #[test]
    fn deep_nesting_fails_fast() {
        let mut ics = String::from("BEGIN:VCALENDAR\r\n");
        for _ in 0..100_000 {
            ics.push_str("BEGIN:X-NEST\r\n");
        }
        let started = std::time::Instant::now();
        let err = err_of(&ics);
        assert!(started.elapsed().as_secs() < 2);
        assert!(
            err.to_string().contains("nested more than 16 deep"),
            "{err}"
        );
        assert!(err.to_string().contains("line 17"), "{err}");
    }

    #[test]
    fn huge_count_is_bounded_by_horizon_and_entry_limit() {
        let ics = wrap(
            "BEGIN:VEVENT\r\nUID:flood\r\nDTSTART;TZID=Europe/Berlin:20261101T080000\r\n\
             DURATION:PT5M\r\nRRULE:FREQ=DAILY;COUNT=100000000\r\nSUMMARY:Flood\r\nEND:VEVENT\r\n",
        );
        let started = std::time::Instant::now();
        let export = parse(ics.as_bytes(), &ctx()).unwrap();
        assert!(started.elapsed().as_secs() < 2);
        // 1 Nov 2026 08:00 Berlin = 07:00Z, up to now + 365 days.
        assert_eq!(export.entries.len(), 365);

        let small = ParseContext {
            max_entries: 100,
            ..ctx()
        };
        let err = parse(ics.as_bytes(), &small).unwrap_err();
        assert!(matches!(err, ParseError::TooLarge { .. }), "{err:?}");

        // Many rules that never match share the file budget.
        let mut many = String::new();
        for i in 0..2_000 {
            many.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:never{i}\r\nDTSTART:19000101T000000Z\r\n\
                 RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\n"
            ));
        }
        let started = std::time::Instant::now();
        let err = parse(wrap(&many).as_bytes(), &ctx()).unwrap_err();
        assert!(started.elapsed().as_secs() < 10);
        assert!(err.to_string().contains("expansion steps"), "{err}");
    }

    #[test]
    fn hostile_values_stay_linear_and_small() {
        let started = std::time::Instant::now();
        let days = vec!["MO"; 200_000].join(",");
        let pad = "x".repeat(200_000);
        let exdates = vec!["20261102T100000"; 50_000].join(",");
        let summary = "S".repeat(100_000);
        let uid = "u".repeat(10_000);
        let ics = wrap(&format!(
            "BEGIN:VEVENT\r\nUID:days\r\nDTSTART:19000101T090000Z\r\n\
             RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYDAY={days}\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:ex\r\nDTSTART;TZID=Europe/Berlin:20261102T100000\r\n\
             EXDATE;X-PAD={pad};TZID=Europe/Berlin:{exdates}\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20261101T090000Z\r\n\
             RRULE:FREQ=DAILY\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        ));
        let export = parse(ics.as_bytes(), &ctx()).unwrap();
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        // "days" never matches; "ex" is excluded; the long one repeats daily.
        assert_eq!(export.entries.len(), 1 + 365);
        assert!(
            export
                .entries
                .iter()
                .all(|e| e.text.len() < 4_000 && e.id.len() < 100)
        );
        assert!(export.entries[1].meta["summary"].ends_with('…'));
    }

    #[test]
    fn rdates_add_instances_once() {
        let ics = wrap(
            "BEGIN:VEVENT\r\nUID:r\r\nDTSTART;TZID=Europe/Berlin:20261102T090000\r\n\
             DURATION:PT30M\r\nRRULE:FREQ=DAILY;COUNT=2\r\n\
             RDATE;TZID=Europe/Berlin:20261103T090000,20261110T090000\r\n\
             RDATE;VALUE=PERIOD:20261120T120000Z/PT1H\r\nSUMMARY:Check-in\r\nEND:VEVENT\r\n",
        );
        let export = parse(ics.as_bytes(), &ctx()).unwrap();
        let starts: Vec<i64> = export
            .entries
            .iter()
            .map(|e| e.timestamp_us.unwrap())
            .collect();
        assert_eq!(
            starts,
            [
                us("2026-11-02T08:00:00Z"),
                us("2026-11-03T08:00:00Z"),
                us("2026-11-10T08:00:00Z"),
                us("2026-11-20T12:00:00Z"),
            ]
        );
        assert!(export.entries.iter().all(|e| e.meta["recurring"] == "true"));
    }

    #[test]
    fn lines_unfold_and_params_parse() {
        let text = "A;X=\"a:b;c\";Y=1:val\r\n ue\r\n\tmore\nB:x\n";
        let lines: Vec<Line> = Lines::new(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "A;X=\"a:b;c\";Y=1:valuemore");
        assert_eq!(lines[1].line, 4);
        let prop = split_line(&lines[0].text).unwrap();
        assert_eq!(prop.value, "valuemore");
        assert_eq!(param(prop.params, "x").as_deref(), Some("a:b;c"));
        assert_eq!(param(prop.params, "Y").as_deref(), Some("1"));
        assert_eq!(param(prop.params, "Z"), None);
        assert_eq!(unescape(r"a\, b\; c\\n\nd"), "a, b; c\\n\nd");
        assert_eq!(
            parse_duration("PT1H30M"),
            Some(Span {
                days: 0,
                seconds: 5400
            })
        );
        assert_eq!(
            parse_duration("-P1W2D"),
            Some(Span {
                days: -9,
                seconds: 0
            })
        );
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT1D"), None);

        // A fold inside a multi-byte character (some writers cut at 75
        // octets regardless) is joined before decoding.
        let split = b"SUMMARY:Stra\xC3\r\n \x9Fe\r\n";
        let lines: Vec<Line> = Lines::new(split).collect::<Result<_, _>>().unwrap();
        assert_eq!(lines[0].text, "SUMMARY:Straße");
        let err = parse(b"BEGIN:VCALENDAR\r\nSUMMARY:\xFF\r\n", &ctx()).unwrap_err();
        assert_eq!(
            err,
            ParseError::InvalidUtf8 {
                offset: 25,
                line: 2
            }
        );
    }

    #[test]
    fn sniff_accepts_vcalendar_heads() {
        assert!(sniff("x", "\u{feff}BEGIN:VCALENDAR\r\nVERSION:2.0"));
        assert!(sniff("x", "begin:vcalendar\n"));
        assert!(!sniff("x", "BEGIN:VCARD\r\n"));
    }
}
