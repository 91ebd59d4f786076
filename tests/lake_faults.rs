//! Faults stay where they are: one user's unreadable lake object fails
//! only that user's requests, with an error naming the object relative to
//! the lake, while every other user's stats, episodes, search, uploads and
//! the rebuild of the indexes go on.

mod common;

use std::path::PathBuf;

use common::*;

/// `user`'s Parquet objects of `table`, as (absolute path, path relative
/// to the lake).
fn objects(data: &std::path::Path, user: &str, table: &str) -> Vec<(PathBuf, String)> {
    let lake = data.join("lake");
    let mut found: Vec<(PathBuf, String)> = walk(&lake)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .map(|p| {
            let relative = p.strip_prefix(&lake).unwrap().display().to_string();
            (p, relative)
        })
        .filter(|(_, r)| r.contains(&format!("/user={user}/{table}/")))
        .collect();
    found.sort();
    found
}

#[test]
fn a_corrupt_lake_object_fails_only_its_owner_and_is_named_relative_to_the_lake() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (_, code) = ingest(data, "alice", &[&demo("alice").join("notes.md")]);
    assert_eq!(code, 0);
    let (_, code) = ingest(
        data,
        "bob",
        &[
            &demo("bob").join("journal.txt"),
            &demo("bob").join("trip-ideas.md"),
        ],
    );
    assert_eq!(code, 0);
    let alice_before = stats(data, "alice");
    let bob_chunks = objects(data, "bob", "chunks");
    assert_eq!(bob_chunks.len(), 2, "{bob_chunks:?}");
    let (victim, named) = &bob_chunks[0];
    std::fs::write(victim, b"PAR1 not a parquet file at all PAR1").unwrap();
    let server_path = data.display().to_string();

    // Alice is untouched: stats, episodes and search all answer as before.
    assert_eq!(stats(data, "alice"), alice_before);
    assert!(!episodes(data, "alice", None).is_empty());
    let hits = search(data, "alice", "what am I allergic to", 3);
    assert!(!hits.is_empty());

    // Bob's own requests that read the object fail, naming it, never the
    // server's path; those that do not (his episodes) still answer.
    let out = run(twinlake(data).args(["stats", "--json", "--user", "bob"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "stats read a corrupt object");
    assert!(stderr.contains(named.as_str()), "{stderr}");
    assert!(!stderr.contains(&server_path), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!episodes(data, "bob", None).is_empty());

    // The rebuild goes user by user: it names the object, leaves its
    // chunks out, and loads everything else (exit 3: done, with losses).
    let out = run(twinlake(data).args(["job", "rebuild-indexes", "--json"]));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["users"], 2, "{report}");
    assert_eq!(
        report["unreadable"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    assert_eq!(
        report["unreadable"][0]["object"],
        named.as_str(),
        "{report}"
    );
    let alice_after = stats(data, "alice");
    assert_eq!(alice_after["vector_chunks"], alice_before["lake_chunks"]);
    assert_eq!(alice_after["text_chunks"], alice_before["lake_chunks"]);
    let bob_readable = search(data, "bob", "trip ideas journal", 10);
    assert!(
        !bob_readable.is_empty(),
        "bob's readable object was left out too"
    );

    // Over HTTP: Alice's upload and profile work; Bob's upload is stored,
    // and its failure names his object.
    let server = serve(data);
    let auth = server.auth();
    let (status, body) = http_bytes(
        &server.base,
        "POST",
        "/twin/alice/upload?filename=pets.txt",
        Some(("text/plain", b"My cat Miso sleeps on the piano.".as_slice())),
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(&server.base, "GET", "/twin/alice/profile", None, &auth);
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_bytes(
        &server.base,
        "POST",
        "/twin/bob/upload?filename=tools.txt",
        Some((
            "text/plain",
            b"I keep my tools in the blue shed.".as_slice(),
        )),
        &auth,
    );
    let error = body["error"].as_str().unwrap_or_default();
    assert_eq!(status, 500, "{body}");
    assert!(error.contains(named.as_str()), "{body}");
    assert!(!error.contains(&server_path), "{body}");

    // An unreadable episodes object, which ingest checks new files
    // against: Bob's next file is refused naming it, and never blocks the
    // bus for Alice, whose upload after it is stored.
    let (episodes_object, episodes_named) = &objects(data, "bob", "episodes")[0];
    std::fs::write(episodes_object, b"PAR1 garbage PAR1").unwrap();
    let (status, body) = http_bytes(
        &server.base,
        "POST",
        "/twin/bob/upload?filename=bikes.txt",
        Some(("text/plain", b"My bike is a green Dutch bike.".as_slice())),
        &auth,
    );
    assert_eq!(status, 422, "{body}");
    let error = body["errors"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains(episodes_named.as_str()), "{body}");
    assert!(!error.contains(&server_path), "{body}");
    let (status, body) = http_bytes(
        &server.base,
        "POST",
        "/twin/alice/upload?filename=plants.txt",
        Some(("text/plain", b"I water the fern on Sundays.".as_slice())),
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["episodes"], 1, "{body}");
}
