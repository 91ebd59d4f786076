//! The twin learns from its chat: what a person says in one conversation
//! answers their questions in another, within moments, and a server that
//! stops before learning a turn learns it when it starts again. Served by
//! the real binary.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// How long a stored turn may take to become retrievable here (the bench
/// measures the real figure; this only bounds a broken learner).
const LEARNT_WITHIN: Duration = Duration::from_secs(60);

fn chat(server: &Server, user: &str, message: &str, conversation: Option<&str>) -> Value {
    let mut body = json!({ "message": message });
    if let Some(id) = conversation {
        body["conversation_id"] = json!(id);
    }
    let (status, reply) = http(
        &server.base,
        "POST",
        &format!("/twin/{user}/chat"),
        Some(&body),
        &server.auth(),
    );
    assert_eq!(status, 200, "{reply}");
    reply
}

/// The texts of `user`'s top search hits for `query`.
fn found(server: &Server, user: &str, query: &str) -> Vec<String> {
    let (status, body) = http(
        &server.base,
        "POST",
        &format!("/twin/{user}/search"),
        Some(&json!({ "query": query, "k": 5 })),
        &server.auth(),
    );
    assert_eq!(status, 200, "{body}");
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits until `user`'s search for `query` finds a passage holding `word`.
fn until_found(server: &Server, user: &str, query: &str, word: &str) -> Duration {
    let start = Instant::now();
    loop {
        if found(server, user, query).iter().any(|t| t.contains(word)) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < LEARNT_WITHIN,
            "{word:?} was not learnt within {LEARNT_WITHIN:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_fact_said_in_one_conversation_answers_a_question_in_another() {
    let dir = tempfile::tempdir().unwrap();
    for user in ["alice", "bob"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let server = serve(dir.path());
    let first = chat(
        &server,
        "alice",
        "I just adopted a cat named Pretzel.",
        None,
    );
    let first_id = first["conversation_id"].as_str().unwrap().to_string();
    chat(&server, "alice", "thanks!", Some(&first_id));
    chat(&server, "alice", "What is my cat called?", Some(&first_id));
    until_found(&server, "alice", "my cat", "Pretzel");

    let reply = chat(&server, "alice", "What is my cat called?", None);
    assert_ne!(reply["conversation_id"], first_id.as_str());
    assert_eq!(reply["answered_by"], "extractive", "{reply}");
    assert!(
        reply["answer"].as_str().unwrap().contains("Pretzel"),
        "{reply}"
    );
    let cited = reply["citations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["quote"].as_str().unwrap_or_default().contains("Pretzel"))
        .unwrap_or_else(|| panic!("the chat turn is not cited: {reply}"));
    assert_eq!(cited["source"]["uri"], format!("twin-chat/{first_id}"));
    assert_eq!(cited["source"]["message_id"], "1");

    // Nobody else learns it.
    assert!(
        !found(&server, "bob", "my cat Pretzel")
            .iter()
            .any(|t| t.contains("Pretzel")),
        "alice's chat reached bob"
    );
    drop(server);

    // The person's statement is an episode of theirs; small talk, bare
    // questions and the twin's own words are not.
    let learnt = episodes(dir.path(), "alice", Some("twin_chat"));
    let texts: Vec<&str> = learnt
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(texts.len(), 1, "{learnt:?}");
    assert!(
        texts[0].contains("I just adopted a cat named Pretzel"),
        "{texts:?}"
    );
    assert_eq!(learnt[0]["is_self"], true, "{learnt:?}");
    assert_eq!(learnt[0]["conversation_id"], first_id.as_str());
    assert!(episodes(dir.path(), "bob", Some("twin_chat")).is_empty());
}

#[test]
fn a_turn_stored_while_learning_is_off_is_learnt_when_a_server_starts() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, code) = ingest(dir.path(), "carol", &[&demo("carol")]);
    assert_eq!(code, 0, "{summary}");
    let quiet = serve_with(dir.path(), &[("TWINLAKE_SERVE_LEARN_FROM_CHAT", "false")]);
    chat(&quiet, "carol", "My bike is a green Brompton.", None);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !found(&quiet, "carol", "my bike")
            .iter()
            .any(|t| t.contains("Brompton")),
        "learnt with learning off"
    );
    drop(quiet);

    let server = serve(dir.path());
    until_found(&server, "carol", "my bike", "Brompton");
    drop(server);
    assert_eq!(episodes(dir.path(), "carol", Some("twin_chat")).len(), 1);
}

#[test]
fn a_fact_remembered_for_a_member_is_learnt_as_their_own_words() {
    let dir = tempfile::tempdir().unwrap();
    for user in ["alice", "bob"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let server = serve(dir.path());
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let as_bob = [("authorization", bob.as_str())];
    let remember = |user: &str, body: Value| {
        http(
            &server.base,
            "POST",
            &format!("/twin/{user}/remember"),
            Some(&body),
            &as_bob,
        )
    };

    let (status, kept) = remember("bob", json!({"fact": "I am allergic to kiwi fruit."}));
    assert_eq!(status, 202, "{kept}");
    assert_eq!(kept["learning"], true, "{kept}");
    assert_eq!(kept["turn"]["role"], "user", "{kept}");
    let conversation = kept["conversation_id"].as_str().unwrap().to_string();

    // Nothing to learn, someone else's twin, a conversation bob has not.
    let (status, said) = remember("bob", json!({"fact": "ok thanks"}));
    assert_eq!(status, 400, "{said}");
    assert!(
        said["error"].as_str().unwrap().starts_with("fact:"),
        "{said}"
    );
    let (status, other) = remember("alice", json!({"fact": "I hate kiwi."}));
    assert_eq!(status, 403, "{other}");
    let (status, missing) = remember(
        "bob",
        json!({"fact": "I love figs.", "conversation_id": "no-such-conversation"}),
    );
    assert_eq!(status, 404, "{missing}");

    until_found(&server, "bob", "kiwi allergy", "kiwi");
    assert!(
        !found(&server, "alice", "kiwi allergy")
            .iter()
            .any(|t| t.contains("kiwi")),
        "bob's fact reached alice"
    );
    // Remembered, not answered: the conversation holds bob's turn alone.
    let (status, stored) = http(
        &server.base,
        "GET",
        &format!("/twin/bob/conversations/{conversation}"),
        None,
        &as_bob,
    );
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["turns"].as_array().unwrap().len(), 1, "{stored}");
    drop(server);
    let learnt = episodes(dir.path(), "bob", Some("twin_chat"));
    assert_eq!(learnt.len(), 1, "{learnt:?}");
    assert_eq!(learnt[0]["is_self"], true, "{learnt:?}");
    assert!(episodes(dir.path(), "alice", Some("twin_chat")).is_empty());
}
