//! Hostile inputs against every export parser: a 20 MB single-line JSON, a
//! deeply nested JSON, a billion-laughs-style calendar, a zip bomb-shaped
//! archive. Each must end in an answer (entries or a clear error), never a
//! panic, a stack overflow or an unbounded allocation. Timing is not
//! asserted here; `scripts/fuzz.sh` runs the parsers under time and memory
//! limits.

use twinlake_udfs::parse::{Format, ParseContext, ParseError, Parsed, parse};

const JSON_FORMATS: &[(Format, &str)] = &[
    (Format::Telegram, "result.json"),
    (Format::Discord, "channel.json"),
    (Format::ChatGpt, "conversations.json"),
    (Format::Locomo, "locomo.json"),
    (Format::Twitter, "tweets.js"),
    (Format::Jsonl, "episodes.jsonl"),
];

fn ctx(name: &str) -> ParseContext {
    ParseContext {
        file_name: name.into(),
        now_us: 1_790_000_000_000_000,
        horizon_days: 365,
        max_entries: 10_000,
        ..ParseContext::default()
    }
}

fn entries(result: &Result<Parsed, ParseError>) -> usize {
    match result {
        Ok(Parsed::Export(e)) => e.entries.len(),
        _ => 0,
    }
}

#[test]
fn a_twenty_megabyte_single_line_json_is_answered() {
    // One giant string value on one line, in the place each format keeps text.
    let giant = "x".repeat(20 * 1024 * 1024);
    for (format, name) in JSON_FORMATS {
        let body = format!("{{\"messages\": [{{\"id\": 1, \"text\": \"{giant}");
        let result = parse(body.as_bytes(), *format, &ctx(name));
        assert!(
            result.is_err(),
            "{format:?}: a truncated giant line must be an error"
        );
        let message = result.unwrap_err().to_string();
        assert!(
            message.len() < 2_000,
            "{format:?}: the error must not echo the input"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for (format, name) in JSON_FORMATS {
        let result = parse(deep.as_bytes(), *format, &ctx(name));
        assert!(result.is_err(), "{format:?}");
    }
}

#[test]
fn entry_limits_hold_on_huge_exports() {
    // 20,001 JSONL lines against a limit of 10,000.
    let lines: String = (0..20_001)
        .map(|i| format!("{{\"text\": \"m{i}\"}}\n"))
        .collect();
    let result = parse(lines.as_bytes(), Format::Jsonl, &ctx("a.jsonl"));
    assert!(
        matches!(result, Err(ParseError::TooLarge { .. })),
        "{result:?}"
    );
}

#[test]
fn a_billion_laughs_calendar_is_refused_quickly() {
    // Thousands of nested components, then an event repeating every second day forever.
    let mut deep = String::from("BEGIN:VCALENDAR\r\n");
    for _ in 0..5_000 {
        deep.push_str("BEGIN:VEVENT\r\n");
    }
    let result = parse(deep.as_bytes(), Format::Calendar, &ctx("deep.ics"));
    assert!(result.is_err(), "deep nesting must be refused");

    let event = "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20200101T100000Z\r\nDTEND:20200101T110000Z\r\nSUMMARY:Again\r\nRRULE:FREQ=DAILY;COUNT=100000000\r\nEND:VEVENT\r\n";
    let many = format!("BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n", event.repeat(51));
    let started = std::time::Instant::now();
    let result = parse(many.as_bytes(), Format::Calendar, &ctx("many.ics"));
    // 51 daily events from 2020 to a year after "now" exceed the 10,000 entries allowed.
    assert!(
        matches!(result, Err(ParseError::TooLarge { .. })),
        "{result:?}"
    );
    assert!(entries(&result) == 0);
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_zip_whose_entries_claim_huge_sizes_is_refused() {
    let mut garbage = b"PK\x03\x04".to_vec();
    garbage.extend(std::iter::repeat_n(0xffu8, 64));
    let result = parse(&garbage, Format::LinkedIn, &ctx("export.zip"));
    let message = result.unwrap_err().to_string();
    assert!(message.to_lowercase().contains("zip"), "{message}");
}
