//! Bad input: every bad file is named with its reason, the exit code says
//! so, the good files of the same batch are ingested, and what was stored
//! before is untouched.

mod common;

use common::*;

#[test]
fn bad_files_are_reported_and_the_rest_of_the_batch_is_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Something already stored, which must survive.
    let (first, code) = ingest(
        &data,
        "dana",
        &[
            &demo("carol").join("availability.md"),
            &demo("alice").join("notes.md"),
        ],
    );
    assert_eq!(code, 0, "{first}");
    let lake_before = lake_files(&data);
    let memories_before = memory_ids(&data, "dana");
    assert!(!memories_before.is_empty(), "notes.md yields memories");

    let batch = dir.path().join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    let big = vec![b'a'; 20 * 1024 * 1024 + 1];
    std::fs::write(batch.join("huge.txt"), &big).unwrap();
    std::fs::write(batch.join("report.docx"), b"PK\x03\x04 not really a docx").unwrap();
    std::fs::write(
        batch.join("broken.pdf"),
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage",
    )
    .unwrap();
    std::fs::write(batch.join("empty.md"), b"").unwrap();
    std::fs::write(batch.join("latin1.txt"), b"caf\xe9 au lait\nline two").unwrap();
    std::fs::write(
        batch.join("good.txt"),
        "Dana keeps bees and sells honey at the Saturday market.",
    )
    .unwrap();

    let (summary, code) = ingest(&data, "dana", &[&batch]);
    assert_eq!(
        code, 1,
        "a batch with bad files must exit non-zero: {summary}"
    );
    let errors = summary["errors"].as_array().unwrap();
    let reason = |name: &str| -> String {
        errors
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not reported: {summary}"))["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason("huge.txt").contains("over the 20971520-byte limit"),
        "{}",
        reason("huge.txt")
    );
    assert!(
        reason("report.docx").contains("unsupported file type .docx"),
        "{}",
        reason("report.docx")
    );
    assert!(
        reason("broken.pdf").contains("corrupt"),
        "{}",
        reason("broken.pdf")
    );
    assert!(
        reason("empty.md").contains("empty"),
        "{}",
        reason("empty.md")
    );
    assert!(
        reason("latin1.txt").contains("invalid UTF-8 at byte 3 (line 1)"),
        "{}",
        reason("latin1.txt")
    );
    assert_eq!(errors.len(), 5, "{summary}");
    assert_eq!(summary["episodes"], 1, "{summary}");

    // The good file is searchable; the earlier data is intact.
    let hits = search(&data, "dana", "who keeps bees", 3);
    assert_eq!(file_of(&hits[0]), "good.txt");
    let hits = search(&data, "dana", "conference in Porto", 3);
    assert_eq!(file_of(&hits[0]), "availability.md");
    let lake_after = lake_files(&data);
    for entry in &lake_before {
        assert!(
            lake_after.contains(entry),
            "{} changed or vanished",
            entry.0
        );
    }
    assert_eq!(
        lake_after.len(),
        lake_before.len() + 3,
        "one chunks, one episodes and one sources object added"
    );
    let memories_after = memory_ids(&data, "dana");
    for id in &memories_before {
        assert!(memories_after.contains(id), "memory {id} lost");
    }

    // The human summary names each file too.
    let out = run(twinlake(&data)
        .args(["ingest", "--user", "dana"])
        .arg(batch.join("latin1.txt")));
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("latin1.txt") && text.contains("line 1"),
        "{text}"
    );
}

#[test]
fn unusable_arguments_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(twinlake(dir.path())
        .args(["ingest", "--user", "x"])
        .arg(dir.path().join("nope.txt")));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.txt"));
    let out = run(twinlake(dir.path()).args(["ingest", "--user", "../etc", "README.md"]));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid user id"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out =
        run(twinlake(dir.path()).args(["ingest", "--format", "docx", "--user", "x", "README.md"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown --format"));
    let out = run(twinlake(dir.path())
        .env("TWINLAKE_INGEST_TIME_ZONE", "Eastern Standard Time")
        .args(["ingest", "--user", "x"])
        .arg(demo("bob").join("journal.txt")));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("ingest.time_zone"),
        "{stderr}"
    );
}

#[test]
fn a_missing_model_is_one_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(twinlake(dir.path())
        .env("TWINLAKE_MODEL_DIR", dir.path().join("no-model"))
        .args(["search", "--user", "alice", "anything"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("model.onnx") && err.contains("make setup"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let out = run(twinlake(dir.path())
        .env(
            "TWINLAKE_MODEL_ORT_LIBRARY",
            dir.path().join("libonnxruntime.so"),
        )
        .args(["search", "--user", "alice", "anything"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ONNX Runtime library") && err.contains("make setup"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_malformed_bus_message_is_dead_lettered_and_the_rest_ingested() {
    use twinlake_core::Scope;
    use twinlake_core::backend::{Producer, Source};
    use twinlake_pipelines::bus::{FILES_DEAD_LETTER_TOPIC, FILES_TOPIC};
    use twinlake_pipelines::sources::files::FileEnvelope;
    use twinlake_stores::bus::embedded::EmbeddedBus;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Another producer writes to the bus: one garbage message, one good one.
    runtime.block_on(async {
        let bus = EmbeddedBus::open(&data.join("bus")).unwrap();
        bus.send(FILES_TOPIC, b"k", b"{not an envelope")
            .await
            .unwrap();
        // An envelope of an older producer: a local path, no bytes.
        let good = FileEnvelope::new(
            Scope::parse("default", "erin").unwrap(),
            demo("bob").join("journal.txt").display().to_string(),
        );
        bus.send(FILES_TOPIC, b"k", &good.to_payload())
            .await
            .unwrap();
    });

    let out = run(twinlake(&data).args(["pipeline", "run"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("malformed bus message") && stdout.contains("1 new episodes"),
        "{stdout}"
    );
    assert_eq!(
        file_of(&search(&data, "erin", "shellfish allergy", 1)[0]),
        "journal.txt"
    );

    runtime.block_on(async {
        let bus = EmbeddedBus::open(&data.join("bus")).unwrap();
        let letters = bus
            .open_consumer(FILES_DEAD_LETTER_TOPIC, "inspect")
            .unwrap()
            .poll(10)
            .await
            .unwrap();
        assert_eq!(letters.len(), 1);
        let letter: serde_json::Value = serde_json::from_slice(&letters[0].payload).unwrap();
        assert!(
            letter["error"].as_str().unwrap().contains("malformed"),
            "{letter}"
        );
        assert_eq!(letter["payload"], "{not an envelope");
        // Where it came from, to find or replay it.
        assert_eq!(letter["origin"]["topic"], FILES_TOPIC);
        assert_eq!(letter["origin"]["offset"], 0);
    });
    // Nothing is left to replay.
    let again = run(twinlake(&data).args(["pipeline", "run"]));
    assert!(again.status.success() && String::from_utf8_lossy(&again.stdout).contains("0 files"));
}
