#![no_main]
//! The WhatsApp parser on arbitrary bytes.

use libfuzzer_sys::fuzz_target;
use twinlake_udfs::parse::Format;

fuzz_target!(|data: &[u8]| {
    twinlake_fuzz::run(Format::WhatsApp, "WhatsApp Chat with Bob.txt", data);
});
