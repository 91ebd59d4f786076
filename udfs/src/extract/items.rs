//! Memories from structured footprint: LinkedIn profile items, calendar
//! events and tweet hashtags. The parsers already put the fields in the
//! episode's `meta`; this reads them.

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;
use twinlake_core::memory::MemoryKind;
use twinlake_core::record::{Episode, SourceKind};

use super::{MemoryDraft, PROFILE_ITEM, Reader};

/// Confidence of one hashtag as an interest: a second use confirms it.
pub const HASHTAG: f32 = 0.6;

/// Every memory a structured item yields.
pub fn extract(reader: &Reader, episode: &Episode) -> Vec<MemoryDraft> {
    match episode.source_kind {
        SourceKind::LinkedIn => linkedin(reader, episode),
        SourceKind::Calendar => calendar(reader, episode),
        SourceKind::Twitter if episode.is_self => hashtags(reader, episode),
        _ => Vec::new(),
    }
}

fn meta<'a>(episode: &'a Episode, key: &str) -> &'a str {
    episode
        .meta
        .get(key)
        .map(String::as_str)
        .unwrap_or_default()
}

fn linkedin(reader: &Reader, e: &Episode) -> Vec<MemoryDraft> {
    let name = &reader.user_name;
    let item = |kind, predicate: &str, object: &str, sentence: String| {
        reader.draft(e, kind, predicate, object, sentence, PROFILE_ITEM)
    };
    let mut out = Vec::new();
    match meta(e, "kind") {
        "skill" => {
            let skill = meta(e, "skill");
            out.push(item(
                MemoryKind::Skill,
                "has_skill",
                skill,
                format!("{name} has the skill {skill}."),
            ));
        }
        "language" => {
            let language = meta(e, "language");
            out.push(item(
                MemoryKind::Skill,
                "speaks",
                language,
                format!("{name} speaks {language}."),
            ));
        }
        "position" => {
            let (title, company) = (meta(e, "title"), meta(e, "company"));
            let object = match (title.is_empty(), company.is_empty()) {
                (false, false) => format!("{title} at {company}"),
                (false, true) => title.to_string(),
                _ => company.to_string(),
            };
            if meta(e, "current") == "true" {
                out.push(item(
                    MemoryKind::Role,
                    "works_as",
                    &object,
                    format!("{name} works as {object}."),
                ));
            } else {
                let mut past = item(
                    MemoryKind::Biography,
                    "worked_as",
                    &object,
                    format!("{name} worked as {object}."),
                );
                // A finished position held until it ended.
                past.invalid_at_us = e.ends_at_us;
                out.push(past);
            }
        }
        "education" => {
            let (school, degree) = (meta(e, "school"), meta(e, "degree"));
            let object = if degree.is_empty() {
                school.to_string()
            } else {
                format!("{degree} at {school}")
            };
            out.push(item(
                MemoryKind::Biography,
                "studied",
                &object,
                format!("{name} studied {object}."),
            ));
        }
        "profile" => {
            let (headline, geo) = (meta(e, "headline"), meta(e, "geo_location"));
            if !headline.is_empty() {
                out.push(item(
                    MemoryKind::Role,
                    "headline",
                    headline,
                    format!("{name}: {headline}."),
                ));
            }
            if !geo.is_empty() {
                out.push(item(
                    MemoryKind::Biography,
                    "lives_in",
                    geo,
                    format!("{name} lives in {geo}."),
                ));
            }
        }
        _ => {}
    }
    out
}

/// A weekly commitment ("Fridays 18:30 Climbing") or a busy all-day
/// stretch ("away 14–18 Dec: Conference in Porto"); one-off meetings are
/// too fine-grained to be memories.
fn calendar(reader: &Reader, e: &Episode) -> Vec<MemoryDraft> {
    if meta(e, "status").eq_ignore_ascii_case("cancelled") {
        return Vec::new();
    }
    let summary = match meta(e, "summary") {
        "" => "busy",
        s => s,
    };
    let tz: Tz = meta(e, "tz").parse().unwrap_or(Tz::UTC);
    let Some(start) = DateTime::from_timestamp_micros(e.occurred_at_us) else {
        return Vec::new();
    };
    let start = start.with_timezone(&tz);
    let name = &reader.user_name;
    if meta(e, "recurring") == "true" && meta(e, "all_day") != "true" {
        let day = start.weekday();
        let end = e
            .ends_at_us
            .and_then(DateTime::from_timestamp_micros)
            .map(|t| t.with_timezone(&tz));
        let span = match end {
            Some(end) => format!(
                "{:02}:{:02}–{:02}:{:02}",
                start.hour(),
                start.minute(),
                end.hour(),
                end.minute()
            ),
            None => format!("{:02}:{:02}", start.hour(), start.minute()),
        };
        let object = format!("{}s {span} ({summary})", weekday_name(day));
        let mut draft = reader.draft(
            e,
            MemoryKind::Availability,
            "busy_weekly",
            &object,
            format!("{name} is busy every {object}."),
            PROFILE_ITEM,
        );
        // A weekly pattern holds from its first occurrence on.
        draft.turn = None;
        return vec![draft];
    }
    if meta(e, "all_day") == "true" {
        let object = format!("{} ({summary})", start.format("%a %-d %b %Y"));
        let mut draft = reader.draft(
            e,
            MemoryKind::Availability,
            "busy_day",
            &object,
            format!("{name} is busy all day on {object}."),
            PROFILE_ITEM,
        );
        draft.invalid_at_us = e.ends_at_us;
        return vec![draft];
    }
    Vec::new()
}

fn weekday_name(day: chrono::Weekday) -> &'static str {
    match day {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

fn hashtags(reader: &Reader, e: &Episode) -> Vec<MemoryDraft> {
    if meta(e, "retweet") == "true" {
        return Vec::new();
    }
    meta(e, "hashtags")
        .split(',')
        .map(str::trim)
        .filter(|t| t.len() > 1)
        .map(|tag| {
            reader.draft(
                e,
                MemoryKind::Interest,
                "tweets_about",
                tag,
                format!("{} tweets about #{tag}.", reader.user_name),
                HASHTAG,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::test_support::message;

    fn bob() -> Reader {
        Reader::new("Bob Stone", &[])
    }

    fn item(kind: SourceKind, meta: &[(&str, &str)]) -> Episode {
        let mut e = message("Bob Stone", true, "");
        e.source_kind = kind;
        e.meta = meta
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        e
    }

    #[test]
    fn linkedin_items_become_skills_roles_and_biography() {
        let skill = extract(
            &bob(),
            &item(
                SourceKind::LinkedIn,
                &[("kind", "skill"), ("skill", "Rust")],
            ),
        );
        assert_eq!(
            (skill[0].kind, skill[0].object.as_str()),
            (MemoryKind::Skill, "Rust")
        );
        let current = item(
            SourceKind::LinkedIn,
            &[
                ("kind", "position"),
                ("title", "Backend Engineer"),
                ("company", "Northwind Labs"),
                ("current", "true"),
            ],
        );
        let role = extract(&bob(), &current);
        assert_eq!(role[0].kind, MemoryKind::Role);
        assert_eq!(role[0].object, "Backend Engineer at Northwind Labs");
        let mut past = item(
            SourceKind::LinkedIn,
            &[
                ("kind", "position"),
                ("title", "Developer"),
                ("company", "Kiezpay"),
            ],
        );
        past.ends_at_us = Some(9_000_000);
        let bio = extract(&bob(), &past);
        assert_eq!(
            (bio[0].kind, bio[0].invalid_at_us),
            (MemoryKind::Biography, Some(9_000_000))
        );
    }

    #[test]
    fn weekly_events_become_one_availability_pattern() {
        // Friday 4 Dec 2026, 18:30–21:00 in Berlin (17:30Z).
        let mut friday = item(
            SourceKind::Calendar,
            &[
                ("summary", "Climbing"),
                ("recurring", "true"),
                ("tz", "Europe/Berlin"),
                ("all_day", "false"),
            ],
        );
        friday.occurred_at_us = 1_796_405_400_000_000;
        friday.ends_at_us = Some(friday.occurred_at_us + 9_000_000_000);
        let found = extract(&bob(), &friday);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "Fridays 18:30–21:00 (Climbing)");
        let mut next = friday.clone();
        next.occurred_at_us += 7 * 86_400_000_000;
        next.ends_at_us = next.ends_at_us.map(|t| t + 7 * 86_400_000_000);
        assert_eq!(
            extract(&bob(), &next)[0].object,
            found[0].object,
            "one key per weekly slot"
        );
        let cancelled = item(
            SourceKind::Calendar,
            &[("status", "CANCELLED"), ("recurring", "true")],
        );
        assert!(extract(&bob(), &cancelled).is_empty());
    }

    #[test]
    fn hashtags_of_own_tweets_are_interests() {
        let tweet = item(SourceKind::Twitter, &[("hashtags", "cello,rustlang")]);
        let found = extract(&bob(), &tweet);
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|d| d.kind == MemoryKind::Interest && d.confidence == HASHTAG)
        );
        let retweet = item(
            SourceKind::Twitter,
            &[("hashtags", "cello"), ("retweet", "true")],
        );
        assert!(extract(&bob(), &retweet).is_empty());
    }
}
