#![no_main]
//! The Html parser on arbitrary bytes.

use libfuzzer_sys::fuzz_target;
use twinlake_udfs::parse::Format;

fuzz_target!(|data: &[u8]| {
    twinlake_fuzz::run(Format::Html, "index.html", data);
});
