//! Dates as the export parsers read and write them: English month names
//! and the ISO 8601 form kept in entry meta.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone};
/// A zone of the IANA database, as `ingest.time_zone` names one.
pub use chrono_tz::Tz;

/// English month names, lowercase, January first.
pub const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// 1-12 for an English month name or its three-letter abbreviation, in any
/// case ("May", "sep", "DECEMBER").
pub fn month_number(name: &str) -> Option<u32> {
    let name = name.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == name || (name.len() == 3 && m.starts_with(name.as_str())))
        .map(|i| i as u32 + 1)
}

/// µs since the epoch as `2025-10-03T16:32:05Z` (empty when out of range).
pub(super) fn iso_utc(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The zone `ingest.time_zone` names: None when it is empty, else the IANA
/// zone, or a message saying why the name is not one.
pub fn zone_named(name: &str) -> Result<Option<Tz>, String> {
    if name.trim().is_empty() {
        return Ok(None);
    }
    name.trim().parse().map(Some).map_err(|_| {
        format!(
            "{name:?} is not an IANA time zone name (such as Europe/Lisbon or America/New_York)"
        )
    })
}

/// A wall-clock time the file gives with no zone (a WhatsApp header, a
/// floating calendar time), as µs since the epoch UTC, and whether its zone
/// was known. With `zone` (the user's configured `ingest.time_zone`) it is
/// read in that zone: a time skipped by a DST jump moves forward an hour,
/// a repeated one takes its first occurrence. Without one it is read as
/// UTC and `false` comes back, so the caller flags its entry
/// ([`super::Entry::flag_zone_unknown`]) rather than pass it off as exact.
pub fn local_time_us(naive: NaiveDateTime, zone: Option<Tz>) -> (i64, bool) {
    let Some(zone) = zone else {
        return (naive.and_utc().timestamp_micros(), false);
    };
    let resolved = zone.from_local_datetime(&naive).earliest().or_else(|| {
        zone.from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    });
    match resolved {
        Some(t) => (t.timestamp_micros(), true),
        None => (naive.and_utc().timestamp_micros(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn zone_names_are_iana_or_refused() {
        assert_eq!(zone_named(""), Ok(None));
        assert_eq!(
            zone_named("Europe/Lisbon"),
            Ok(Some(chrono_tz::Europe::Lisbon))
        );
        let refused = zone_named("Eastern Standard Time").unwrap_err();
        assert!(refused.contains("Eastern Standard Time"), "{refused}");
    }

    #[test]
    fn local_times_are_read_in_the_configured_zone_or_flagged() {
        let lisbon: Tz = "Europe/Lisbon".parse().unwrap();
        // Summer time: UTC+1.
        assert_eq!(
            local_time_us(naive("2026-07-01 12:00"), Some(lisbon)),
            (naive("2026-07-01 11:00").and_utc().timestamp_micros(), true)
        );
        // No zone: read as UTC, and said to be unknown.
        assert_eq!(
            local_time_us(naive("2026-07-01 12:00"), None),
            (
                naive("2026-07-01 12:00").and_utc().timestamp_micros(),
                false
            )
        );
        // 01:30 does not exist in Lisbon on 2026-03-29 (clocks go 01:00 -> 02:00).
        let (gap, known) = local_time_us(naive("2026-03-29 01:30"), Some(lisbon));
        assert!(known);
        assert_eq!(gap, naive("2026-03-29 01:30").and_utc().timestamp_micros());
    }
}
