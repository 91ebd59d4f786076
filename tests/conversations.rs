//! Conversations over HTTP: created, listed latest first, paged, renamed
//! and archived by their owner, and by nobody else. Served by the real
//! binary.

mod common;

use common::*;
use serde_json::{Value, json};

fn call(server: &Server, method: &str, path: &str, body: Option<Value>, key: &str) -> (u16, Value) {
    let headers: Vec<(&str, &str)> = if key.is_empty() {
        Vec::new()
    } else {
        vec![("authorization", key)]
    };
    http(&server.base, method, path, body.as_ref(), &headers)
}

fn seqs(page: &Value) -> Vec<i64> {
    page["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["seq"].as_i64().unwrap())
        .collect()
}

#[test]
fn conversations_are_listed_paged_renamed_and_archived_by_their_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path());
    let alice = create_key(dir.path(), "default", &["--user", "alice"]);
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);

    let (status, created) = call(
        &server,
        "POST",
        "/twin/alice/conversations",
        Some(json!({"title": "Trip"})),
        &alice,
    );
    assert_eq!(status, 201, "{created}");
    let trip = created["conversation"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["conversation"]["title"], "Trip");
    assert_eq!(created["conversation"]["turns"], 0);
    for question in ["Where are we going?", "When do we leave?"] {
        let (status, reply) = call(
            &server,
            "POST",
            "/twin/alice/chat",
            Some(json!({"message": question, "conversation_id": trip})),
            &alice,
        );
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["conversation_id"], trip.as_str());
    }
    let (_, other) = call(
        &server,
        "POST",
        "/twin/alice/chat",
        Some(json!({"message": "Who is coming?"})),
        &alice,
    );
    let other = other["conversation_id"].as_str().unwrap().to_string();

    let (status, listed) = call(&server, "GET", "/twin/alice/conversations", None, &alice);
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&str> = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other.as_str(), trip.as_str()], "latest first");
    assert_eq!(listed["conversations"][1]["turns"], 4);

    let path = format!("/twin/alice/conversations/{trip}");
    let (_, first) = call(&server, "GET", &format!("{path}?limit=3"), None, &alice);
    assert_eq!(seqs(&first), [1, 2, 3]);
    assert_eq!(first["next_after"], 3);
    assert_eq!(first["conversation"]["title"], "Trip");
    let (_, last) = call(
        &server,
        "GET",
        &format!("{path}?after=3&limit=3"),
        None,
        &alice,
    );
    assert_eq!(seqs(&last), [4]);
    assert_eq!(last["next_after"], Value::Null);

    // Renamed and archived: kept, but a new message starts a new one.
    let (status, changed) = call(
        &server,
        "PATCH",
        &path,
        Some(json!({"title": "Lisbon trip", "status": "archived"})),
        &alice,
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["conversation"]["title"], "Lisbon trip");
    assert_eq!(changed["conversation"]["status"], "archived");
    let (_, reply) = call(
        &server,
        "POST",
        "/twin/alice/chat",
        Some(json!({"message": "Are we still going?", "conversation_id": trip})),
        &alice,
    );
    assert_ne!(reply["conversation_id"], trip.as_str(), "{reply}");
    let (_, kept) = call(&server, "GET", &path, None, &alice);
    assert_eq!(seqs(&kept), [1, 2, 3, 4]);

    // Bad changes and pages name the problem.
    for (body, wanted) in [
        (json!({"status": "gone"}), "open or archived"),
        (json!({"title": "  "}), "title"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let (status, error) = call(&server, "PATCH", &path, Some(body), &alice);
        assert!(status == 400 || status == 422, "{status} {error}");
        assert!(error["error"].as_str().unwrap().contains(wanted), "{error}");
    }
    let (status, error) = call(&server, "GET", &format!("{path}?limit=0"), None, &alice);
    assert_eq!(status, 400, "{error}");

    // Nobody else lists, reads or changes them.
    for (method, route, body) in [
        ("GET", "/twin/alice/conversations".to_string(), None),
        (
            "POST",
            "/twin/alice/conversations".to_string(),
            Some(json!({})),
        ),
        ("GET", path.clone(), None),
        ("PATCH", path.clone(), Some(json!({"title": "mine now"}))),
    ] {
        let (status, _) = call(&server, method, &route, body.clone(), &bob);
        assert_eq!(status, 403, "bob {method} {route}");
        let (status, _) = call(&server, method, &route, body, "");
        assert_eq!(status, 401, "anonymous {method} {route}");
    }
    let stolen = format!("/twin/bob/conversations/{trip}");
    let (status, _) = call(&server, "GET", &stolen, None, &bob);
    assert_eq!(status, 404);
    let (status, _) = call(
        &server,
        "PATCH",
        &stolen,
        Some(json!({"title": "mine now"})),
        &bob,
    );
    assert_eq!(status, 404);
    let (_, bobs) = call(&server, "GET", "/twin/bob/conversations", None, &bob);
    assert_eq!(bobs["conversations"], json!([]));
    let (_, still) = call(&server, "GET", &path, None, &alice);
    assert_eq!(still["conversation"]["title"], "Lisbon trip");

    // The server's figures: for an admin key, counted by route pattern.
    let metrics = |key: &str| {
        let headers: Vec<(&str, &str)> = vec![("authorization", key)];
        http_text(&server.base, "GET", "/metrics", None, &headers)
    };
    assert_eq!(metrics(&alice).0, 403);
    assert_eq!(metrics("Bearer tlk_nope").0, 401);
    let (status, text) = metrics(&server.admin);
    assert_eq!(status, 200, "{text}");
    for line in [
        "twinlake_http_requests_total{method=\"POST\",route=\"/twin/{user}/chat\",status=\"200\"} 4",
        "twinlake_http_requests_total{method=\"GET\",route=\"/twin/{user}/conversations\",status=\"403\"} 1",
        "twinlake_chat_answers_total{answered_by=\"extractive\"} 4",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    assert!(!text.contains("alice") && !text.contains(&trip), "{text}");
}
