//! What every fuzz target does: parse the bytes as one format under tight
//! limits. Any panic, hang or runaway allocation is a finding; errors are
//! the expected answer to garbage.

use std::path::Path;

use twinlake_udfs::parse::{Format, ParseContext, parse};

/// Limits small enough that a hostile input cannot hide behind them.
fn context(file_name: &str) -> ParseContext {
    ParseContext {
        file_name: file_name.to_string(),
        now_us: 1_790_000_000_000_000,
        horizon_days: 365,
        max_entries: 10_000,
        ..ParseContext::default()
    }
}

/// Parses `data` as `format`, and checks what an export promises: every
/// entry's byte range lies inside the input.
pub fn run(format: Format, file_name: &str, data: &[u8]) {
    if let Ok(twinlake_udfs::parse::Parsed::Export(export)) = parse(data, format, &context(file_name)) {
        for entry in &export.entries {
            assert!(entry.origin.byte_start <= entry.origin.byte_end, "{entry:?}");
            // Entries of a zip member cite bytes of the inflated member.
            if !entry.meta.contains_key("member") {
                assert!(entry.origin.byte_end as usize <= data.len(), "{entry:?}");
            }
        }
    }
}

/// Detects the format from `file_name` and the bytes, then parses.
pub fn detect_and_run(file_name: &str, data: &[u8]) {
    if let Some(format) = Format::detect(Path::new(file_name), &data[..data.len().min(4096)]) {
        run(format, file_name, data);
    }
}
