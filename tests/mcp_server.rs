//! The MCP server against the real MCP client: `tests/mcp/test_twin_tools.py`
//! runs the `mcp` Python SDK (from `vendor/python-mcp`, installed by
//! `scripts/setup.sh`) against `twinlake mcp` on stdio, then against `/mcp`
//! of a live `twinlake serve`, both over bob's and carol's demo footprints.

mod common;

use common::*;

/// Runs one suite of the Python test file with `env`; its report.
fn python_suite(suite: &str, env: &[(&str, &str)]) -> String {
    let python_path = root().join("vendor/python-mcp");
    assert!(
        python_path.is_dir(),
        "the MCP Python SDK is missing: run scripts/setup.sh"
    );
    let out = std::process::Command::new("python3")
        .current_dir(root().join("tests/mcp"))
        .args(["-m", "unittest", "-v", &format!("test_twin_tools.{suite}")])
        .env("PYTHONPATH", python_path)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{suite}:\n{report}");
    report
}

#[test]
fn a_real_mcp_client_drives_the_twins_over_stdio_and_http() {
    let dir = tempfile::tempdir().unwrap();
    for user in ["bob", "carol"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let secret = |header: &str| header.trim_start_matches("Bearer ").to_string();
    let bob = secret(&bob);
    let data = dir.path().to_string_lossy().into_owned();

    // stdio first: `twinlake mcp` opens the data directory itself, which
    // a running server would hold.
    let report = python_suite(
        "StdioTools",
        &[
            ("TWINLAKE_BIN", env!("CARGO_BIN_EXE_twinlake")),
            ("TWINLAKE_DATA_DIR", &data),
            ("TWINLAKE_BOB_KEY", &bob),
        ],
    );
    assert!(report.contains("Ran 7 tests"), "{report}");

    let server = serve(dir.path());
    let report = python_suite(
        "HttpTools",
        &[
            ("TWINLAKE_BASE", &server.base),
            ("TWINLAKE_KEY", &secret(&server.admin)),
            ("TWINLAKE_BOB_KEY", &bob),
        ],
    );
    assert!(report.contains("Ran 8 tests"), "{report}");
    drop(server);
    drop(dir);
}
