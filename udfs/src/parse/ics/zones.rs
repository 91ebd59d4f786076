//! How the local times of one zone become UTC: a zone of the IANA database,
//! a zone the file defines only in its own VTIMEZONE, or a zone that cannot
//! be known.
//!
//! A VTIMEZONE (RFC 5545 §3.6.5) is a list of *observances*, `STANDARD`
//! and `DAYLIGHT` sub-components, each saying from which local time
//! (`DTSTART`, written in the offset in effect before it, `TZOFFSETFROM`)
//! a new offset (`TZOFFSETTO`) applies, and when again (`RRULE` such as
//! `FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`, `RDATE`s). Outlook writes one pair
//! starting in 1601; Apple and Mozilla one pair per rule change, with
//! `UNTIL` on the older ones. The onsets of every observance are expanded
//! once per zone into a sorted list of transitions (UTC instant, new
//! offset), up to [`RULES_UNTIL_YEAR`]; the offset at an instant is that
//! of the latest onset at or before it (before the first, the first
//! observance's `TZOFFSETFROM`).

use std::rc::Rc;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::rrule::{self, Budget, Halt};
use super::{RawProp, excerpt, parse_date_time, parse_until};

/// Transitions are computed up to the start of this year; later instants
/// keep the last offset.
const RULES_UNTIL_YEAR: i32 = 2200;

/// The most transitions kept for one defined zone (a real one has two a
/// year).
const MAX_TRANSITIONS: usize = 20_000;

/// µs in a day.
const DAY_US: i64 = 86_400_000_000;

/// The most candidate transitions looked at to read one local time (a
/// hostile zone may change offset many times a day).
const MAX_NEARBY: usize = 8;

/// How local times of one zone become UTC.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Rules {
    /// A zone of the IANA database (from an IANA or Windows name).
    Iana(Tz),
    /// A zone the file defines in its VTIMEZONE only.
    Defined(Rc<DefinedZone>),
    /// A zone that cannot be known: times are read as written, as UTC, and
    /// their entries flagged.
    Unknown,
}

impl Rules {
    /// `local` as µs since the epoch UTC (see [`to_utc_us`] for gaps and
    /// repeated hours).
    pub(super) fn to_utc_us(&self, local: NaiveDateTime) -> i64 {
        match self {
            Rules::Iana(tz) => to_utc_us(*tz, local),
            Rules::Defined(zone) => zone.to_utc_us(local),
            Rules::Unknown => local.and_utc().timestamp_micros(),
        }
    }

    /// The wall-clock time at `us` µs since the epoch.
    pub(super) fn local_at(&self, us: i64) -> NaiveDateTime {
        match self {
            Rules::Iana(tz) => local_at(*tz, us),
            Rules::Defined(zone) => utc_naive(us.saturating_add(zone.offset_at(us) * 1_000_000)),
            Rules::Unknown => utc_naive(us),
        }
    }

    /// Whether times in this zone are known instants.
    pub(super) fn is_known(&self) -> bool {
        !matches!(self, Rules::Unknown)
    }
}

/// `local` in `tz` as µs since the epoch. Ambiguous times (the repeated
/// hour in autumn) take the earlier instant; times in a spring-forward gap
/// use the offset before the gap, i.e. move forward by its length (RFC
/// 5545 §3.3.5).
pub(super) fn to_utc_us(tz: Tz, local: NaiveDateTime) -> i64 {
    if let Some(at) = tz.from_local_datetime(&local).earliest() {
        return at.timestamp_micros();
    }
    let before = local
        .checked_sub_days(Days::new(1))
        .map(|b| tz.offset_from_utc_datetime(&b).fix().local_minus_utc())
        .unwrap_or(0);
    local
        .checked_sub_signed(chrono::Duration::seconds(i64::from(before)))
        .unwrap_or(local)
        .and_utc()
        .timestamp_micros()
}

/// The wall-clock time in `tz` at `us` µs since the epoch.
pub(super) fn local_at(tz: Tz, us: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.with_timezone(&tz).naive_local())
        .unwrap_or_default()
}

/// `us` µs since the epoch as a naive UTC date-time.
fn utc_naive(us: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// A VTIMEZONE as read: its observances' properties, compiled only when a
/// TZID needs them.
#[derive(Debug, Default)]
pub(super) struct RawTimezone {
    /// The line of `BEGIN:VTIMEZONE`.
    pub(super) line: u32,
    /// `X-LIC-LOCATION` (an IANA name Mozilla and Google add).
    pub(super) location: Option<String>,
    /// The `STANDARD` and `DAYLIGHT` sub-components, in file order.
    pub(super) observances: Vec<RawObservance>,
}

/// One `STANDARD` or `DAYLIGHT` sub-component as read.
#[derive(Debug, Default)]
pub(super) struct RawObservance {
    /// The line of its BEGIN.
    pub(super) line: u32,
    /// Its `TZOFFSETFROM`, `TZOFFSETTO`, `DTSTART`, `RRULE` and `RDATE`s.
    pub(super) props: Vec<RawProp>,
}

/// The observance properties kept while reading (others are dropped).
pub(super) const OBSERVANCE_PROPS: &[&str] =
    &["TZOFFSETFROM", "TZOFFSETTO", "DTSTART", "RRULE", "RDATE"];

/// A zone computed from a VTIMEZONE's observances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DefinedZone {
    /// The offset before the first transition, in seconds east of UTC.
    initial: i64,
    /// (UTC instant in µs, offset in seconds from then on), sorted.
    transitions: Vec<(i64, i64)>,
}

impl DefinedZone {
    /// The offset (seconds east of UTC) in effect at `us` µs UTC.
    fn offset_at(&self, us: i64) -> i64 {
        let i = self.transitions.partition_point(|&(t, _)| t <= us);
        match i.checked_sub(1).and_then(|i| self.transitions.get(i)) {
            Some(&(_, offset)) => offset,
            None => self.initial,
        }
    }

    /// `local` as µs UTC: the offset in effect at the instant it names;
    /// when two do (the repeated hour), the earlier instant; when none
    /// does (a gap), the offset before the gap, as for IANA zones.
    fn to_utc_us(&self, local: NaiveDateTime) -> i64 {
        let naive = local.and_utc().timestamp_micros();
        let before = self.offset_at(naive.saturating_sub(DAY_US));
        let from = self
            .transitions
            .partition_point(|&(t, _)| t < naive.saturating_sub(DAY_US));
        let mut candidates = vec![before];
        candidates.extend(
            self.transitions
                .iter()
                .skip(from)
                .take_while(|&&(t, _)| t <= naive.saturating_add(DAY_US))
                .take(MAX_NEARBY)
                .map(|&(_, offset)| offset),
        );
        let valid = candidates
            .iter()
            .filter(|&&offset| self.offset_at(naive.saturating_sub(offset * 1_000_000)) == offset)
            .max();
        let offset = valid.copied().unwrap_or(before);
        naive.saturating_sub(offset * 1_000_000)
    }
}

/// An observance's values, read.
struct Observance {
    /// `TZOFFSETFROM`, seconds.
    from: i64,
    /// `TZOFFSETTO`, seconds.
    to: i64,
    /// `DTSTART`, local time in the `from` offset.
    start: NaiveDateTime,
    /// `RRULE`.
    rule: Option<rrule::Rule>,
    /// `RDATE`s, local times in the `from` offset.
    rdates: Vec<NaiveDateTime>,
}

/// A UTC offset `+HHMM`, `-HHMM` or `+HHMMSS`, in seconds.
fn parse_offset(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|p| p.parse::<i64>().ok());
    let (h, m) = (num(0..2)?, num(2..4)?);
    let sec = if digits.len() == 6 { num(4..6)? } else { 0 };
    (h < 24 && m < 60 && sec < 60).then_some(sign * (h * 3600 + m * 60 + sec))
}

/// An observance RRULE without the `BYHOUR`, `BYMINUTE` and `BYSECOND`
/// parts that only repeat its DTSTART's time, as Lotus Notes writes them
/// (`FREQ=YEARLY;BYMINUTE=0;BYHOUR=2;BYDAY=-1SU;BYMONTH=3`): the rule
/// expander does not take them, and they change nothing.
fn without_start_time(rule: &str, start: NaiveDateTime) -> String {
    use chrono::Timelike;
    rule.split(';')
        .filter(|part| {
            let Some((key, value)) = part.split_once('=') else {
                return true;
            };
            let own = match key.trim().to_ascii_uppercase().as_str() {
                "BYHOUR" => start.hour(),
                "BYMINUTE" => start.minute(),
                "BYSECOND" => start.second(),
                _ => return true,
            };
            value.trim().parse::<u32>().ok() != Some(own)
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads one observance; the error names its line and property.
fn observance(raw: &RawObservance) -> Result<Observance, String> {
    let get = |name: &str| raw.props.iter().find(|p| p.name == name);
    let offset = |name: &str| -> Result<i64, String> {
        let prop =
            get(name).ok_or_else(|| format!("observance on line {} has no {name}", raw.line))?;
        parse_offset(&prop.value).ok_or_else(|| {
            format!(
                "invalid {name} \"{}\" on line {} (expected e.g. +0100)",
                excerpt(&prop.value),
                prop.line
            )
        })
    };
    let (from, to) = (offset("TZOFFSETFROM")?, offset("TZOFFSETTO")?);
    let local = |prop: &RawProp, value: &str| {
        parse_date_time(value.trim())
            .map(|(local, _)| local)
            .ok_or_else(|| {
                format!(
                    "invalid {} \"{}\" on line {}",
                    prop.name,
                    excerpt(value),
                    prop.line
                )
            })
    };
    let start = get("DTSTART")
        .ok_or_else(|| format!("observance on line {} has no DTSTART", raw.line))
        .and_then(|p| local(p, &p.value))?;
    let rule = match get("RRULE") {
        Some(p) => Some(
            rrule::parse(&without_start_time(&p.value, start), parse_until)
                .map_err(|m| format!("{m} (line {})", p.line))?,
        ),
        None => None,
    };
    let mut rdates = Vec::new();
    for p in raw.props.iter().filter(|p| p.name == "RDATE") {
        for value in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            rdates.push(local(p, value)?);
        }
    }
    Ok(Observance {
        from,
        to,
        start,
        rule,
        rdates,
    })
}

/// Compiles a VTIMEZONE into transitions, spending `budget` on recurrence
/// expansion. The error says why the zone cannot be used.
pub(super) fn compile(raw: &RawTimezone, budget: &mut Budget) -> Result<DefinedZone, String> {
    let observances = raw
        .observances
        .iter()
        .map(observance)
        .collect::<Result<Vec<_>, _>>()?;
    if observances.is_empty() {
        return Err("it has no STANDARD or DAYLIGHT observance".into());
    }
    let until_us = NaiveDate::from_ymd_opt(RULES_UNTIL_YEAR, 1, 1)
        .map(|d| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_micros()
        })
        .unwrap_or(i64::MAX);
    // (UTC onset, offset from, offset to).
    let mut onsets: Vec<(i64, i64, i64)> = Vec::new();
    for obs in &observances {
        let utc_of = |local: NaiveDateTime| {
            local
                .and_utc()
                .timestamp_micros()
                .saturating_sub(obs.from * 1_000_000)
        };
        match &obs.rule {
            None => onsets.push((utc_of(obs.start), obs.from, obs.to)),
            Some(rule) => {
                let result = rrule::expand(rule, obs.start, until_us, utc_of, budget, |_, utc| {
                    if onsets.len() >= MAX_TRANSITIONS {
                        return Err(());
                    }
                    onsets.push((utc, obs.from, obs.to));
                    Ok(())
                });
                match result {
                    Ok(_) | Err(Halt::Emit(())) => {}
                    Err(Halt::Budget) => {
                        return Err("its rules need too many expansion steps".into());
                    }
                }
            }
        }
        for &rdate in obs.rdates.iter().take(MAX_TRANSITIONS) {
            onsets.push((utc_of(rdate), obs.from, obs.to));
        }
    }
    onsets.sort_unstable();
    onsets.truncate(MAX_TRANSITIONS);
    let initial = onsets.first().map_or(0, |&(_, from, _)| from);
    Ok(DefinedZone {
        initial,
        transitions: onsets.iter().map(|&(t, _, to)| (t, to)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("+0100"), Some(3600));
        assert_eq!(parse_offset("-0430"), Some(-16200));
        assert_eq!(parse_offset("+053000"), Some(19800));
        assert_eq!(parse_offset("0100"), None);
        assert_eq!(parse_offset("+2500"), None);
    }

    #[test]
    fn every_windows_zone_names_a_known_iana_zone() {
        for (id, _, iana) in super::super::windows_zones::WINDOWS_ZONES {
            assert!(iana.parse::<Tz>().is_ok(), "{id} -> {iana}");
        }
        assert_eq!(
            super::super::windows_zones::iana_name(
                "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"
            ),
            Some("Europe/Berlin")
        );
        assert_eq!(
            super::super::windows_zones::iana_name("eastern standard time"),
            Some("America/New_York")
        );
    }
}
