//! When a member is free, read from their calendar episodes themselves.
//!
//! Each calendar episode is one busy occurrence (the ICS reader already
//! expanded recurrences, applied overrides and dropped cancelled and
//! "show as free" events). A day is *away* when an all-day or multi-day
//! event covers it, or when events fill most of its waking hours; it is
//! *partly busy* when timed events take some of them. Days are the
//! member's own: midnight to midnight in the zone their calendar uses.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, TimeZone};
use twinlake_core::record::{Episode, SourceKind};
use twinlake_udfs::parse::dates::Tz;

/// One busy stretch of a member's calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct Busy {
    /// The calendar episode it is.
    pub episode_id: String,
    /// The event's title.
    pub title: String,
    /// When it starts, µs since the epoch.
    pub from_us: i64,
    /// When it ends, µs.
    pub to_us: i64,
    /// Whether it is a whole-day event.
    pub all_day: bool,
}

/// The waking hours of a day, which timed events are weighed against.
const WAKING: (u32, u32) = (9, 22);
/// Hours of waking time busy that make a day away.
const AWAY_HOURS: f32 = 6.0;
const HOUR_US: f32 = 3600.0 * 1e6;

/// A member's calendar: their busy stretches, in their zone.
#[derive(Clone, Debug)]
pub struct Calendar {
    busy: Vec<Busy>,
    zone: Tz,
}

/// How a day fits a member.
#[derive(Clone, Debug, PartialEq)]
pub enum DayFit<'a> {
    /// Nothing in the calendar.
    Free,
    /// Some waking hours taken: how many, and by what.
    Partly { hours: f32, by: Vec<&'a Busy> },
    /// Away or taken all day, by this.
    Away(&'a Busy),
}

impl Calendar {
    /// The calendar of `episodes` (the calendar ones; the rest are left
    /// alone). Its zone is the one most of its events give, else
    /// `fallback`, else UTC.
    pub fn of(episodes: &[&Episode], fallback: Option<Tz>) -> Self {
        let mut zones: HashMap<&str, usize> = HashMap::new();
        let busy = episodes
            .iter()
            .filter(|e| e.source_kind == SourceKind::Calendar)
            .filter_map(|e| {
                if let Some(zone) = e.meta.get("tz") {
                    *zones.entry(zone.as_str()).or_default() += 1;
                }
                Some(Busy {
                    episode_id: e.episode_id.clone(),
                    title: e
                        .meta
                        .get("summary")
                        .cloned()
                        .or_else(|| e.title.clone())
                        .unwrap_or_else(|| "busy".into()),
                    from_us: e.occurred_at_us,
                    to_us: e.ends_at_us?,
                    all_day: e.meta.get("all_day").is_some_and(|v| v == "true"),
                })
            })
            .collect();
        let zone = zones
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .and_then(|(name, _)| name.parse::<Tz>().ok())
            .or(fallback)
            .unwrap_or(Tz::UTC);
        Calendar { busy, zone }
    }

    /// The zone its days are counted in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// `time` of `date` in the calendar's zone, µs since the epoch.
    fn at(&self, date: NaiveDate, time: NaiveTime) -> i64 {
        let naive = date.and_time(time);
        self.zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp_micros())
            .unwrap_or_else(|| naive.and_utc().timestamp_micros())
    }

    fn hour(&self, date: NaiveDate, hour: u32) -> i64 {
        self.at(
            date,
            NaiveTime::from_hms_opt(hour.min(23), 0, 0).expect("an hour"),
        )
    }

    /// How `date` fits the member.
    pub fn day(&self, date: NaiveDate) -> DayFit<'_> {
        let start = self.hour(date, 0);
        let end = date
            .succ_opt()
            .map(|next| self.hour(next, 0))
            .unwrap_or(start + (24.0 * HOUR_US) as i64);
        let waking = (self.hour(date, WAKING.0), self.hour(date, WAKING.1));
        self.fit((start, end), waking, AWAY_HOURS)
    }

    /// How the hours `from` to `to` of `date` fit the member: away when
    /// an all-day event covers the day or events take half the slot.
    pub fn slot(&self, date: NaiveDate, from: NaiveTime, to: NaiveTime) -> DayFit<'_> {
        let span = (self.at(date, from), self.at(date, to));
        let half = (span.1 - span.0) as f32 / HOUR_US / 2.0;
        self.fit(span, span, half)
    }

    /// How the stretch `span` fits: events in it count by their overlap
    /// with `counted`; `away` hours of it (or an event covering all of
    /// `counted`, or an all-day one) make it away.
    fn fit(&self, span: (i64, i64), counted: (i64, i64), away: f32) -> DayFit<'_> {
        let (start, end) = span;
        let (wake, sleep) = counted;
        let mut by = Vec::new();
        let mut hours = 0.0f32;
        for busy in &self.busy {
            if busy.to_us <= start || busy.from_us >= end {
                continue;
            }
            if busy.all_day || (busy.from_us <= wake && busy.to_us >= sleep) {
                return DayFit::Away(busy);
            }
            let overlap = busy.to_us.min(sleep) - busy.from_us.max(wake);
            if overlap > 0 {
                hours += overlap as f32 / HOUR_US;
                by.push(busy);
            }
        }
        if hours >= away {
            return DayFit::Away(by[0]);
        }
        if by.is_empty() {
            DayFit::Free
        } else {
            DayFit::Partly { hours, by }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use twinlake_core::Scope;

    use super::*;

    fn event(id: &str, from: &str, to: &str, all_day: bool) -> Episode {
        let us = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_micros()
        };
        let scope = Scope::parse("t", "bob").unwrap();
        let mut e = Episode::document(&scope, id, "/cal.ics", 1);
        e.source_kind = SourceKind::Calendar;
        e.occurred_at_us = us(from);
        e.ends_at_us = Some(us(to));
        e.meta = BTreeMap::from([
            ("summary".to_string(), id.to_string()),
            ("tz".to_string(), "Europe/Berlin".to_string()),
            ("all_day".to_string(), all_day.to_string()),
        ]);
        e
    }

    /// Climbing 18:30-21:00 Berlin time on Friday 4 December.
    fn climbing() -> Episode {
        event(
            "climbing",
            "2026-12-04T17:30:00Z",
            "2026-12-04T20:00:00Z",
            false,
        )
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_are_away_partly_busy_or_free_in_the_members_zone() {
        let events = [
            // A multi-day trip, all day from 14 to 18 December (DTEND 19).
            event(
                "porto",
                "2026-12-13T23:00:00Z",
                "2026-12-18T23:00:00Z",
                true,
            ),
            climbing(),
            // Late on the 5th in Berlin, but the 5th in UTC too: 23:30 local.
            event(
                "late",
                "2026-12-05T22:30:00Z",
                "2026-12-05T23:30:00Z",
                false,
            ),
        ];
        let refs: Vec<&Episode> = events.iter().collect();
        let calendar = Calendar::of(&refs, None);
        assert_eq!(calendar.zone(), Tz::Europe__Berlin);
        assert!(matches!(calendar.day(day("2026-12-14")), DayFit::Away(b) if b.title == "porto"));
        assert!(matches!(calendar.day(day("2026-12-18")), DayFit::Away(_)));
        // The trip ends at midnight Berlin time: the 19th is free.
        assert_eq!(calendar.day(day("2026-12-19")), DayFit::Free);
        match calendar.day(day("2026-12-04")) {
            DayFit::Partly { hours, by } => {
                assert!((hours - 2.5).abs() < 0.01, "{hours}");
                assert_eq!(by[0].title, "climbing");
            }
            other => panic!("{other:?}"),
        }
        // 23:30 local is after the waking hours: the day stays free.
        assert_eq!(calendar.day(day("2026-12-05")), DayFit::Free);
    }

    #[test]
    fn a_slot_is_away_when_events_take_half_of_it() {
        let events = [
            climbing(),
            // A call 17:00-17:30 Berlin time.
            event(
                "call",
                "2026-12-04T16:00:00Z",
                "2026-12-04T16:30:00Z",
                false,
            ),
        ];
        let refs: Vec<&Episode> = events.iter().collect();
        let calendar = Calendar::of(&refs, None);
        let at = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        // 18:00-22:00: climbing takes 2.5 of its 4 hours.
        assert!(matches!(
            calendar.slot(day("2026-12-04"), at(18, 0), at(22, 0)),
            DayFit::Away(b) if b.title == "climbing"
        ));
        // 16:00-19:00: the call and half an hour of climbing, 1 of 3 hours.
        match calendar.slot(day("2026-12-04"), at(16, 0), at(19, 0)) {
            DayFit::Partly { hours, by } => {
                assert!((hours - 1.0).abs() < 0.01, "{hours}");
                assert_eq!(by.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        // The morning is free, though the day is partly busy.
        assert_eq!(
            calendar.slot(day("2026-12-04"), at(9, 0), at(12, 0)),
            DayFit::Free
        );
        assert!(matches!(
            calendar.day(day("2026-12-04")),
            DayFit::Partly { .. }
        ));
    }
}
