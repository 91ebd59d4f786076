//! The typed Python client (`clients/python/`) against the real server:
//! its unittest suite, run by the system's python3 with the standard
//! library alone, calls a `twinlake serve` holding bob's and carol's demo
//! footprints, as a planner agent would.

mod common;

use common::*;

#[test]
fn the_python_client_drives_a_live_server() {
    let dir = tempfile::tempdir().unwrap();
    for user in ["bob", "carol"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let server = serve(dir.path());
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let secret = |header: &str| header.trim_start_matches("Bearer ").to_string();
    let out = std::process::Command::new("python3")
        .current_dir(root().join("clients/python"))
        .args(["-m", "unittest", "discover", "-v", "-s", "tests"])
        .env("TWINLAKE_BASE", &server.base)
        .env("TWINLAKE_KEY", secret(&server.admin))
        .env("TWINLAKE_BOB_KEY", secret(&bob))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("Ran 3 tests"), "{report}");
    drop(dir);
}
