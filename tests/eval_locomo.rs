//! `twinlake eval locomo` end to end: the harness on a small synthetic
//! file (always), and the regression floor on a slice of the LoCoMo dev
//! file (../shared/eval/locomo-dev.json, which is not part of the repo).

mod common;

use std::path::PathBuf;

use common::{json, twinlake};
use serde_json::{Value, json as j};

/// recall@10 over categories 1-4 on conv-30 must stay at or above this.
/// Measured 0.810 with and without query expansion (`twinlake eval locomo
/// FILE --sample conv-30`, deterministic on one machine); plain BM25
/// scores 0.604 on that slice.
const RECALL_AT_10_FLOOR: f64 = 0.80;

fn turn(id: &str, speaker: &str, text: &str) -> Value {
    j!({"speaker": speaker, "dia_id": id, "text": text})
}

fn sample(id: &str, session: u32, turns: Vec<Value>, qa: Value) -> Value {
    let mut conversation = serde_json::Map::new();
    conversation.insert("speaker_a".into(), j!("Ines"));
    conversation.insert("speaker_b".into(), j!("Tomas"));
    conversation.insert(
        format!("session_{session}_date_time"),
        j!("4:12 pm on 3 March, 2023"),
    );
    conversation.insert(format!("session_{session}"), Value::Array(turns));
    j!({
        "sample_id": id,
        "conversation": conversation,
        "qa": qa,
        "observation": {"note": "Ines keeps a zebra called Stripes"},
    })
}

#[test]
fn the_harness_scores_each_conversation_in_its_own_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mini.json");
    let a = sample(
        "a",
        1,
        vec![
            turn(
                "D1:1",
                "Ines",
                "I finally adopted a greyhound from the shelter!",
            ),
            turn("D1:2", "Tomas", "Congratulations! What did you name her?"),
            turn(
                "D1:3",
                "Ines",
                "My dog is called Pepper. She loves the beach.",
            ),
            turn(
                "D1:4",
                "Tomas",
                "I am training for the Lisbon marathon in May.",
            ),
        ],
        j!([
            {"question": "What is the name of Ines's dog?", "answer": "Pepper", "evidence": ["D1:3"], "category": 4},
            {"question": "Which race is Tomas training for?", "answer": "x", "evidence": ["D1:4 D1:99"], "category": 4},
            {"question": "Unanswerable?", "adversarial_answer": "x", "evidence": [], "category": 5}
        ]),
    );
    let b = sample(
        "b",
        2,
        vec![
            turn(
                "D2:1",
                "Ines",
                "Our band plays at the harbour festival tonight.",
            ),
            turn(
                "D2:2",
                "Tomas",
                "I will bring my cousin, she plays the drums.",
            ),
        ],
        j!([{"question": "Where does the band play?", "answer": "harbour", "evidence": ["D:2:01"], "category": 4}]),
    );
    std::fs::write(&file, serde_json::to_vec(&j!([a, b])).unwrap()).unwrap();
    let out = dir.path().join("pred.json");
    let report = json(twinlake(&dir.path().join("data")).args([
        "eval",
        "locomo",
        file.to_str().unwrap(),
        "--json",
        "--k",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(report["samples"], 2);
    assert_eq!(report["turns"], 6);
    assert_eq!(report["questions"], 4);
    assert_eq!(report["questions_without_evidence"], 1);
    let overall = &report["twinlake"]["figures"]["overall"];
    assert_eq!(overall["questions"], 3);
    assert_eq!(overall["recall_at_1"], 1.0, "{report:#}");
    assert_eq!(report["bm25"]["figures"]["overall"]["questions"], 3);
    assert!(report["twinlake"]["latency"]["p95_ms"].as_f64().unwrap() > 0.0);

    let predictions: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let keys: Vec<&String> = predictions.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a#0", "a#1", "a#2", "b#0"]);
    assert_eq!(predictions["a#0"][0], "D1:3");
    // Each conversation is its own tenant: b's question sees only b's turns.
    let b_ids: Vec<&str> = predictions["b#0"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(b_ids[0], "D2:1");
    assert!(b_ids.iter().all(|id| id.starts_with("D2:")), "{b_ids:?}");
    assert!(predictions["a#0"].as_array().unwrap().len() <= 4);
}

#[test]
fn a_file_without_questions_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"[{"sample_id": "z", "conversation": {"speaker_a": "A"}}]"#,
    )
    .unwrap();
    let out = common::run(twinlake(&dir.path().join("data")).args([
        "eval",
        "locomo",
        file.to_str().unwrap(),
    ]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json: sample z: qa"), "{err}");
}

/// The LoCoMo dev file: $TWINLAKE_LOCOMO_DEV, else ../shared/eval beside
/// the repository, else /work/shared/eval (the team's machines).
fn dev_file() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("TWINLAKE_LOCOMO_DEV") {
        return (path != "skip").then(|| PathBuf::from(path));
    }
    [
        common::root().join("../shared/eval/locomo-dev.json"),
        PathBuf::from("/work/shared/eval/locomo-dev.json"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

#[test]
fn locomo_dev_recall_stays_above_its_floor() {
    let Some(file) = dev_file() else {
        if std::env::var("TWINLAKE_LOCOMO_DEV").as_deref() == Ok("skip") {
            eprintln!("TWINLAKE_LOCOMO_DEV=skip: LoCoMo regression not run");
            return;
        }
        panic!(
            "the LoCoMo dev file was not found: put it at ../shared/eval/locomo-dev.json, \
             point TWINLAKE_LOCOMO_DEV at it, or set TWINLAKE_LOCOMO_DEV=skip"
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let report = json(twinlake(&dir.path().join("data")).args([
        "eval",
        "locomo",
        file.to_str().unwrap(),
        "--sample",
        "conv-30",
        "--json",
    ]));
    let ours = report["twinlake"]["figures"]["overall"]["recall_at_10"]
        .as_f64()
        .unwrap();
    let bm25 = report["bm25"]["figures"]["overall"]["recall_at_10"]
        .as_f64()
        .unwrap();
    eprintln!("conv-30 recall@10: twinlake {ours:.3}, plain BM25 {bm25:.3}");
    assert!(
        ours >= RECALL_AT_10_FLOOR,
        "recall@10 {ours:.3} fell below {RECALL_AT_10_FLOOR}: {report:#}"
    );
    assert!(
        ours > bm25 + 0.1,
        "no clear margin over plain BM25 ({bm25:.3}): {report:#}"
    );
}
