//! Memories and the knowledge graph through the real binary: the demo
//! team's profiles, a contradiction over time, as-of queries, the graph,
//! isolation between users, the HTTP routes and the extraction eval.

mod common;

use common::*;
use serde_json::Value;

fn ingested() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for user in ["alice", "bob", "carol"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
        assert!(
            summary["memories"]["memories"].as_u64().unwrap() > 0,
            "{summary}"
        );
    }
    // Alice was distilled before Bob and Carol existed: a rerun resolves
    // them as members.
    let out =
        run(twinlake(dir.path()).args(["job", "distill-memories", "--user", "alice", "--json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn profile(dir: &std::path::Path, user: &str) -> Value {
    json(twinlake(dir).args(["profile", "--user", user, "--json"]))
}

/// The objects of a profile section, lowercase.
fn objects(profile: &Value, section: &str) -> Vec<String> {
    profile[section]
        .as_array()
        .unwrap_or_else(|| panic!("no {section} in {profile}"))
        .iter()
        .map(|i| i["object"].as_str().unwrap().to_lowercase())
        .collect()
}

fn has(profile: &Value, section: &str, object: &str) -> bool {
    objects(profile, section).iter().any(|o| o.contains(object))
}

#[test]
fn profiles_history_graph_and_api_on_the_demo_team() {
    let dir = ingested();
    let dir = dir.path();

    // The planted facts, each in the right section.
    let alice = profile(dir, "alice");
    assert_eq!(alice["name"], "Alice Martin", "{alice}");
    for (section, object) in [
        ("dealbreakers", "peanuts"),
        ("preferences", "sourdough bread"),
        ("dislikes", "cilantro"),
        ("dislikes", "loud bars"),
        ("relationships", "ana"),
        ("relationships", "jonas"),
        ("skills", "user research"),
        ("roles", "product designer"),
    ] {
        assert!(
            has(&alice, section, object),
            "alice {section} lacks {object}: {:?}",
            objects(&alice, section)
        );
    }
    let bob = profile(dir, "bob");
    for (section, object) in [
        ("dealbreakers", "shellfish"),
        ("skills", "rust"),
        ("skills", "postgresql"),
        ("dislikes", "long flights"),
        ("availability", "fridays 18:30"),
        ("availability", "before 10"),
    ] {
        assert!(
            has(&bob, section, object),
            "bob {section} lacks {object}: {:?}",
            objects(&bob, section)
        );
    }
    let carol = profile(dir, "carol");
    for (section, object) in [
        ("dealbreakers", "vegetarian"),
        ("dealbreakers", "cats"),
        ("skills", "portuguese"),
        ("skills", "causal inference"),
        ("dislikes", "the cold"),
        ("availability", "wednesdays 19:30"),
    ] {
        assert!(
            has(&carol, section, object),
            "carol {section} lacks {object}: {:?}",
            objects(&carol, section)
        );
    }
    // Every item cites the episodes it came from, in the user's own files.
    for (user, p) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
        for section in ["dealbreakers", "skills", "relationships", "preferences"] {
            for item in p[section].as_array().unwrap() {
                let citations = item["citations"].as_array().unwrap();
                assert!(!citations.is_empty(), "{item}");
                assert!(item["confidence"].as_f64().unwrap() >= 0.6, "{item}");
                for c in citations {
                    let uri = c["uri"].as_str().unwrap();
                    assert!(uri.starts_with(&format!("{user}/")), "{user} cites {uri}");
                }
            }
        }
    }
    // Relationships to other members name the member.
    let bob_in_alice = alice["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["object"] == "Bob")
        .unwrap_or_else(|| panic!("{}", alice["relationships"]));
    assert_eq!(bob_in_alice["member"], "bob");
    // Nothing of one user in another's profile: only Alice's own words say
    // she is allergic to peanuts.
    assert!(!has(&bob, "dealbreakers", "peanut") && !has(&carol, "dealbreakers", "peanut"));

    // The contradiction: Carol loved sushi in September and went off raw
    // fish in November. Now only the dislike holds; both stay in history.
    assert!(has(&carol, "dislikes", "raw fish"));
    assert!(
        !has(&carol, "preferences", "sushi"),
        "{:?}",
        objects(&carol, "preferences")
    );
    let then = json(twinlake(dir).args([
        "memories",
        "--user",
        "carol",
        "--kind",
        "preference",
        "--as-of",
        "2026-10-01",
        "--json",
    ]));
    let sushi = then
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["object"] == "sushi")
        .unwrap_or_else(|| panic!("as of October carol liked sushi: {then}"));
    let id = sushi["memory_id"].as_str().unwrap();
    let history =
        json(twinlake(dir).args(["memories", "--user", "carol", "--history", id, "--json"]));
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["object"], "sushi");
    assert_eq!(history[1]["object"], "raw fish");
    assert_eq!(history[0]["superseded_by"], history[1]["memory_id"]);
    assert_eq!(history[0]["invalid_at_us"], history[1]["valid_at_us"]);
    assert!(history[0]["expired_at_us"].as_i64().is_some());

    // A rerun over the same episodes keeps ids and when each was learnt.
    let before = json(twinlake(dir).args(["memories", "--user", "carol", "--json"]));
    let out = run(twinlake(dir).args(["job", "distill-memories", "--user", "carol"]));
    assert!(out.status.success());
    let after = json(twinlake(dir).args(["memories", "--user", "carol", "--json"]));
    assert_eq!(before, after);

    // The graph: Alice's sister, two hops from Alice's documents.
    let out = run(twinlake(dir).args(["graph", "--user", "alice", "Ana"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("via SISTER") && text.contains("Alice Martin (User)"),
        "{text}"
    );

    // Bad input names the problem.
    let out = run(twinlake(dir).args(["memories", "--user", "carol", "--kind", "hobby"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown memory kind \"hobby\""));
    let out = run(twinlake(dir).args(["memories", "--user", "carol", "--as-of", "last week"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a time"));

    // The same over HTTP.
    let server = serve(dir);
    let base = server.base.as_str();
    let auth = server.auth();
    let (status, body) = http(base, "GET", "/twin/carol/profile", None, &auth);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, carol, "the API and the CLI agree");
    let (status, body) = http(
        base,
        "GET",
        "/twin/carol/memories?kind=dislike",
        None,
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["memories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["object"] == "raw fish")
    );
    let (status, body) = http(
        base,
        "GET",
        &format!("/twin/carol/memories/{id}/history"),
        None,
        &auth,
    );
    assert_eq!(
        (status, body["history"].as_array().unwrap().len()),
        (200, 2),
        "{body}"
    );
    let (status, body) = http(
        base,
        "GET",
        &format!("/twin/alice/memories/{id}/history"),
        None,
        &auth,
    );
    assert_eq!(status, 404, "alice reads carol's memory: {body}");
    let (status, body) = http(base, "GET", "/twin/carol/memories?kind=hobby", None, &auth);
    assert_eq!(status, 400, "{body}");
    let (status, body) = http(
        base,
        "GET",
        "/twin/alice/graph?entity=Ana&depth=1",
        None,
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["neighbours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["via"]["relation"] == "SISTER"),
        "{body}"
    );
    let (status, body) = http(base, "GET", "/twin/bob/graph?entity=Ana", None, &auth);
    assert_eq!(status, 404, "bob's graph has no Ana: {body}");
    let (status, body) = http(
        base,
        "GET",
        "/twin/alice/profile",
        None,
        &[("authorization", &create_key(dir, "acme", &["--admin"]))],
    );
    assert_eq!(status, 200);
    assert_eq!(
        body["dealbreakers"].as_array().unwrap().len(),
        0,
        "other tenant: {body}"
    );
    // Search ranks memories beside passages.
    let (status, body) = http(
        base,
        "POST",
        "/twin/alice/search",
        Some(&serde_json::json!({"query": "what am I allergic to", "k": 5})),
        &auth,
    );
    assert_eq!(status, 200);
    let memories = body["memories"].as_array().unwrap();
    assert!(
        memories[0]["sentence"]
            .as_str()
            .unwrap()
            .contains("peanuts"),
        "{body}"
    );
    assert!(
        !memories[0]["source_episodes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_extraction_eval_stays_above_its_floor() {
    let report = json(
        twinlake(tempfile::tempdir().unwrap().path())
            .args(["eval", "memories", "--json"])
            .arg(root().join("data/eval/memories-dev.json")),
    );
    let overall = &report["overall"];
    // Measured 1.00 / 1.00 on the dev file; the floor leaves room for
    // deliberate trade-offs, not for regressions of a whole kind.
    assert!(overall["precision"].as_f64().unwrap() >= 0.9, "{report}");
    assert!(overall["recall"].as_f64().unwrap() >= 0.9, "{report}");
    for (kind, score) in report["kinds"].as_object().unwrap() {
        assert!(score["recall"].as_f64().unwrap() >= 0.5, "{kind}: {score}");
    }
}

#[test]
fn a_broken_eval_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"cases\": [\n  {\"id\": \"x\", \"user\": \"X\", \"episodes\": [], \"expected\": [{\"kind\": 3}]}\n]}").unwrap();
    let out = run(twinlake(dir.path()).args(["eval", "memories"]).arg(&bad));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("bad.json") && err.contains("line 2"), "{err}");
}
