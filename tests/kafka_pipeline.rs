//! The README's commands on the Kafka bus: `twinlake ingest` with
//! `TWINLAKE_BUS_URL=kafka://...` publishes its envelopes and consumes them
//! as a member of the ingest consumer group. Killed with SIGKILL mid-batch
//! and run again, it ends with exactly the lake and indexes of an
//! uninterrupted run on the embedded bus: nothing lost, nothing twice.
//! The brokers are librdkafka's mock cluster, hosted by this test process
//! and reached by the `twinlake` processes over loopback sockets.

mod common;

use std::time::{Duration, Instant};

use common::*;
use rdkafka::mocking::MockCluster;
use twinlake_pipelines::bus::{
    CHUNKS_DEAD_LETTER_TOPIC, CHUNKS_TOPIC, FILES_DEAD_LETTER_TOPIC, FILES_TOPIC,
};

#[test]
fn a_killed_ingest_on_kafka_resumes_to_the_embedded_end_state() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = codeword_corpus(dir.path(), 24);
    let clean = dir.path().join("clean");
    let killed = dir.path().join("killed");

    let (summary, code) = ingest(&clean, "erin", &[&corpus]);
    assert_eq!(
        (code, summary["episodes"].as_u64()),
        (0, Some(24)),
        "{summary}"
    );

    let mock = MockCluster::new(1).unwrap();
    mock.create_topic(FILES_TOPIC, 4, 1).unwrap();
    mock.create_topic(FILES_DEAD_LETTER_TOPIC, 1, 1).unwrap();
    // A short session, so the group soon hands the dead member's partitions on.
    let bus = format!(
        "kafka://{}?session.timeout.ms=6000&heartbeat.interval.ms=500",
        mock.bootstrap_servers()
    );
    let on_kafka = |cmd: &mut std::process::Command| {
        cmd.env("TWINLAKE_BUS_URL", &bus);
    };

    let mut cmd = twinlake(&killed);
    on_kafka(&mut cmd);
    let mut child = cmd
        .env("TWINLAKE_INGEST_FILES_PER_BATCH", "2")
        .args(["ingest", "--json", "--user", "erin"])
        .arg(&corpus)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    while episodes_in_lake(&killed) < 4 {
        assert!(Instant::now() < deadline, "ingest made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "ingest finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no commit, no leaving the group
    child.wait().unwrap();
    let partial = episodes_in_lake(&killed);
    assert!(partial < 24, "the kill came too late ({partial} episodes)");

    let mut cmd = twinlake(&killed);
    on_kafka(&mut cmd);
    let resumed = json(
        cmd.args(["ingest", "--json", "--user", "erin"])
            .arg(&corpus),
    );
    assert!(
        resumed["errors"].as_array().unwrap().is_empty(),
        "{resumed}"
    );

    assert_eq!(lake_files(&killed), lake_files(&clean), "lakes differ");
    let s = stats(&killed, "erin");
    assert_eq!(s, stats(&clean, "erin"));
    assert_eq!(s["episodes"], 24, "{s}");
    assert_eq!(s["lake_chunks"], s["vector_chunks"], "{s}");
    assert_eq!(s["lake_chunks"], s["text_chunks"], "{s}");
    for i in [0, 7, 23] {
        let hit = &search(&killed, "erin", &format!("kumquat{i}"), 1)[0];
        assert_eq!(file_of(hit), format!("doc-{i:02}.txt"));
    }
}

/// The producer example in docs/ (Python, confluent-kafka, as a producer on
/// another machine would run it) feeds a pipeline worker: a document and a
/// chat message it pushes are found by the owner's search, and by nobody
/// else's.
#[test]
fn the_python_producer_example_feeds_a_pipeline_worker() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let note = dir.path().join("garden-notes.md");
    std::fs::write(
        &note,
        "# Garden\n\nThe shed key hides under the blue flowerpot by the gate.\n",
    )
    .unwrap();

    let mock = MockCluster::new(1).unwrap();
    mock.create_topic(FILES_TOPIC, 2, 1).unwrap();
    mock.create_topic(FILES_DEAD_LETTER_TOPIC, 1, 1).unwrap();
    let produce = |args: &[&str]| {
        let out = std::process::Command::new("python3")
            .arg(root().join("docs/producer.py"))
            .env("PYTHONPATH", root().join("vendor/python"))
            .args(["--bootstrap", &mock.bootstrap_servers(), "--user", "frank"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "producer.py {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let sent = produce(&[note.to_str().unwrap()]);
    assert!(sent.contains("sent 1 envelopes"), "{sent}");
    produce(&[
        "--chat",
        "allotment",
        "--author",
        "Frank",
        "We finally adopted a kitten and named her Clementine.",
    ]);

    let out = run(twinlake(&data)
        .env(
            "TWINLAKE_BUS_URL",
            format!("kafka://{}", mock.bootstrap_servers()),
        )
        .args(["pipeline", "run"]));
    assert!(
        out.status.success(),
        "pipeline run: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );

    let hit = &search(&data, "frank", "where is the shed key", 1)[0];
    assert_eq!(file_of(hit), "garden-notes.md", "{hit}");
    let hit = &search(&data, "frank", "what is the kitten called", 1)[0];
    assert!(
        hit["text"].as_str().unwrap().contains("Clementine"),
        "{hit}"
    );
    assert_eq!(stats(&data, "frank")["episodes"], 2);
    assert!(search(&data, "erin", "shed key kitten", 5).is_empty());
}

/// The scale-out shape: two `pipeline run --follow` workers in one
/// consumer group share a lake and send their chunks to the chunks topic
/// (`ingest.index_writes = "chunks_topic"`) instead of indexing in their
/// own data directories; `pipeline index` applies that topic to one copy
/// of the indexes. The shared lake and that copy equal a one-process run
/// on the embedded bus, user by user, and no worker kept an index.
#[test]
fn two_workers_and_an_indexer_end_where_one_process_does() {
    let dir = tempfile::tempdir().unwrap();
    let users = ["ana", "ben", "cai", "dov"];
    let corpora: Vec<_> = users
        .iter()
        .map(|u| codeword_corpus(&dir.path().join(u), 5))
        .collect();
    let clean = dir.path().join("clean");
    for (user, corpus) in users.iter().zip(&corpora) {
        let (summary, code) = ingest(&clean, user, &[corpus]);
        assert_eq!(code, 0, "{summary}");
    }

    let mock = MockCluster::new(1).unwrap();
    for topic in [FILES_TOPIC, CHUNKS_TOPIC] {
        mock.create_topic(topic, 4, 1).unwrap();
    }
    for topic in [FILES_DEAD_LETTER_TOPIC, CHUNKS_DEAD_LETTER_TOPIC] {
        mock.create_topic(topic, 1, 1).unwrap();
    }
    let shared = dir.path().join("shared");
    let bus = format!(
        "kafka://{}?session.timeout.ms=6000&heartbeat.interval.ms=500",
        mock.bootstrap_servers()
    );
    let scaled = |data: &str| {
        let mut cmd = twinlake(&dir.path().join(data));
        cmd.env("TWINLAKE_BUS_URL", &bus)
            .env(
                "TWINLAKE_LAKE_URL",
                format!("file://{}", shared.join("lake").display()),
            )
            .env("TWINLAKE_INGEST_INDEX_WRITES", "chunks_topic");
        cmd
    };
    let workers: Vec<_> = ["w1", "w2"]
        .iter()
        .map(|w| {
            let mut cmd = scaled(w);
            KilledOnDrop(
                cmd.args(["pipeline", "run", "--follow"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    // `ingest` publishes and waits, as one more member, until the whole
    // group has stored everything.
    for (user, corpus) in users.iter().zip(&corpora) {
        let mut cmd = scaled("producer");
        let summary = json(cmd.args(["ingest", "--json", "--user", user]).arg(corpus));
        assert!(
            summary["errors"].as_array().unwrap().is_empty(),
            "{summary}"
        );
    }
    drop(workers);
    assert_eq!(lake_files(&shared), lake_files(&clean), "lakes differ");

    let out = run(scaled("indexer").args(["pipeline", "index"]));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("0 malformed"), "{said}");
    for user in users {
        let s = stats_with(scaled("indexer"), user);
        assert_eq!(s, stats(&clean, user), "{user}");
        assert!(s["vector_chunks"].as_u64().unwrap() > 0, "{s}");
        for worker in ["w1", "w2", "producer"] {
            let local = stats_with(scaled(worker), user);
            assert_eq!(
                local["vector_chunks"], 0,
                "{worker} indexed {user}: {local}"
            );
            assert_eq!(local["text_chunks"], 0, "{worker} indexed {user}: {local}");
        }
        for i in [0, 4] {
            let query = format!("kumquat{i}");
            let found = search_with(scaled("indexer"), user, &query, 3);
            let expected = search(&clean, user, &query, 3);
            assert_eq!(file_of(&found[0]), format!("doc-{i:02}.txt"), "{user}");
            assert_eq!(found[0]["chunk_id"], expected[0]["chunk_id"], "{user}");
            assert!(found.iter().all(|hit| !hit["chunk_id"].is_null()));
        }
    }

    // Applying the topic again (a new group) changes nothing.
    let again = run(scaled("indexer").args(["pipeline", "index", "--group", "replay"]));
    assert!(again.status.success());
    assert_eq!(stats_with(scaled("indexer"), "ana"), stats(&clean, "ana"));
}

/// A child process killed (SIGKILL) when dropped.
struct KilledOnDrop(std::process::Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
