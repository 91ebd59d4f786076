//! The HTTP API, served by the real binary on an ephemeral port.

mod common;

use common::*;
use serde_json::{Value, json};

/// POSTs `body` with the `authorization` header `key`.
fn post(base: &str, path: &str, body: Value, key: &str) -> (u16, Value) {
    http(base, "POST", path, Some(&body), &[("authorization", key)])
}

fn get(base: &str, path: &str, key: &str) -> Value {
    let (status, body) = http(base, "GET", path, None, &[("authorization", key)]);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[test]
fn health_search_chat_and_errors_over_http() {
    let dir = tempfile::tempdir().unwrap();
    for user in ["alice", "carol"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let server = serve(dir.path());
    let base = server.base.as_str();
    let key = server.admin.as_str();
    let acme = create_key(dir.path(), "acme", &["--admin"]);

    let health = get(base, "/health", "");
    assert_eq!(health["status"], "ok");

    // Search over HTTP equals search on the command line.
    let (status, body) = post(
        base,
        "/twin/carol/search",
        json!({"query": "which languages do I speak", "k": 3}),
        key,
    );
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "k results: {body}");
    assert!(
        results[0]["text"].as_str().unwrap().contains("Portuguese"),
        "{body}"
    );
    for r in results {
        assert!(
            r["score"].as_f64().unwrap() > 0.0 && r["source"]["byte_end"].as_u64().is_some(),
            "{r}"
        );
    }

    let (status, reply) = post(
        base,
        "/twin/alice/chat",
        json!({"message": "Where is the barbecue and when?"}),
        key,
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["grounded"], true, "{reply}");
    assert!(
        reply["answer"]
            .as_str()
            .unwrap()
            .contains("Saturday 12 December"),
        "{reply}"
    );
    let id = reply["conversation_id"].as_str().unwrap();
    let turns = get(base, &format!("/twin/alice/conversations/{id}"), key);
    assert_eq!(turns["turns"].as_array().unwrap().len(), 2, "{turns}");
    let (status, stolen) = http(
        base,
        "GET",
        &format!("/twin/carol/conversations/{id}"),
        None,
        &[("authorization", key)],
    );
    assert_eq!(status, 404, "carol read alice's conversation: {stolen}");
    assert!(stolen.get("turns").is_none(), "{stolen}");

    // Isolation by tenant: same user name, another tenant's key, nothing found.
    let (status, body) = post(
        base,
        "/twin/alice/search",
        json!({"query": "peanuts"}),
        &acme,
    );
    assert_eq!(
        (status, body["results"].as_array().unwrap().len()),
        (200, 0)
    );

    // Bad requests are 4xx with a message, never 500.
    let (status, body) = post(base, "/twin/..%2Fx/search", json!({"query": "x"}), key);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("invalid user id"),
        "{body}"
    );
    let (status, body) = post(base, "/twin/alice/search", json!({"query": "  "}), key);
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(base, "/twin/alice/search", json!({"q": "typo"}), key);
    assert_eq!(status, 422);
    assert!(
        body["error"].as_str().unwrap().contains("unknown field"),
        "{body}"
    );
    let (status, body) = post(
        base,
        "/twin/alice/chat",
        json!({"message": "hi", "conversation_id": "nope"}),
        key,
    );
    assert_eq!(status, 404, "an unknown conversation is not found: {body}");

    // While the server holds the data dir, a second process is told why it cannot open it.
    let out = run(twinlake(dir.path()).args(["search", "--user", "alice", "x"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in use by another twinlake process") && err.contains("serve"),
        "{err}"
    );
}
