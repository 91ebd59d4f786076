//! Replay safety: an ingest killed with SIGKILL midway and run again ends
//! with exactly the lake and indexes of an uninterrupted run.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn a_killed_ingest_resumes_to_the_same_end_state() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = codeword_corpus(dir.path(), 32);
    let clean = dir.path().join("clean");
    let killed = dir.path().join("killed");

    let (summary, code) = ingest(&clean, "erin", &[&corpus]);
    assert_eq!(
        (code, summary["episodes"].as_u64()),
        (0, Some(32)),
        "{summary}"
    );

    let mut child = twinlake(&killed)
        .env("TWINLAKE_INGEST_FILES_PER_BATCH", "2")
        .args(["ingest", "--json", "--user", "erin"])
        .arg(&corpus)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while episodes_in_lake(&killed) < 4 {
        assert!(Instant::now() < deadline, "ingest made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "ingest finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = episodes_in_lake(&killed);
    assert!(
        partial < 32,
        "the kill came too late to test anything ({partial} episodes)"
    );

    let (resumed, code) = ingest(&killed, "erin", &[&corpus]);
    assert_eq!(code, 0, "{resumed}");

    assert_eq!(lake_files(&killed), lake_files(&clean), "lakes differ");
    assert_eq!(stats(&killed, "erin"), stats(&clean, "erin"));
    let s = stats(&killed, "erin");
    assert_eq!(s["episodes"], 32, "{s}");
    assert_eq!(s["lake_chunks"], s["vector_chunks"], "{s}");
    assert_eq!(s["lake_chunks"], s["text_chunks"], "{s}");
    for i in [0, 5, 17, 31] {
        let query = format!("kumquat{i}");
        let a = search(&killed, "erin", &query, 1);
        let b = search(&clean, "erin", &query, 1);
        assert_eq!(file_of(&a[0]), format!("doc-{i:02}.txt"));
        assert_eq!(a[0]["chunk_id"], b[0]["chunk_id"]);
    }
    // Nothing is left waiting on the bus.
    let (again, _) = ingest(&killed, "erin", &[&corpus]);
    assert_eq!(
        (again["episodes"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(32)),
        "{again}"
    );
}
