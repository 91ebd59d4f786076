//! Dates as the export parsers read and write them: English month names
//! and the ISO 8601 form kept in entry meta.

use chrono::{DateTime, SecondsFormat};

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
