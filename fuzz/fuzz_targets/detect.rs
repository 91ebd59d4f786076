#![no_main]
//! Format detection then parsing, with the file name fuzzed too: the
//! first line of the input is taken as the name.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(0);
    let name = String::from_utf8_lossy(&data[..split]);
    twinlake_fuzz::detect_and_run(&name, &data[(split + 1).min(data.len())..]);
});
