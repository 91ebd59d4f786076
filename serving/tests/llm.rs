//! The LLM answerer against a local OpenAI-compatible server this test
//! starts: a streamed answer, a 500, a timeout, malformed JSON, a slow
//! trickle, a retry, the breaker, the fallback model, and the extractive
//! composer when no model answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use twinlake_core::backend::Turn;
use twinlake_core::config::LlmConfig;
use twinlake_core::record::{SourceKind, SourceRef};
use twinlake_serving::llm::{ChatMessage, LlmClient, LlmError};
use twinlake_serving::tokens::{Token, Tokens};
use twinlake_serving::twin::answerer;
use twinlake_serving::twin::plan::Grounds;
use twinlake_serving::twin::search::SearchHit;

/// Requests seen per model, and what each request asked.
#[derive(Clone, Default)]
struct Seen {
    calls: Arc<Mutex<HashMap<String, usize>>>,
    prompts: Arc<Mutex<Vec<Value>>>,
}

impl Seen {
    fn calls(&self, model: &str) -> usize {
        self.calls.lock().unwrap().get(model).copied().unwrap_or(0)
    }
}

fn sse(tokens: &[&str]) -> String {
    let mut body = String::new();
    for t in tokens {
        let event = serde_json::json!({"choices": [{"delta": {"content": t}}]});
        body.push_str(&format!("data: {event}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    body
}

/// The fake endpoint: each model name is a behaviour.
async fn completions(State(seen): State<Seen>, Json(request): Json<Value>) -> Response {
    let model = request["model"].as_str().unwrap_or_default().to_string();
    let call = {
        let mut calls = seen.calls.lock().unwrap();
        let n = calls.entry(model.clone()).or_default();
        *n += 1;
        *n
    };
    seen.prompts.lock().unwrap().push(request.clone());
    let stream =
        |body: String| ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response();
    match model.as_str() {
        "streaming" => stream(sse(&["Your cat ", "is called ", "Miso [1]."])),
        "whole" => Json(serde_json::json!({
            "choices": [{"message": {"role": "assistant", "content": "Miso, says [2]."}}]
        }))
        .into_response(),
        "broken" => (StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response(),
        "flaky" if call == 1 => (StatusCode::SERVICE_UNAVAILABLE, "warming up").into_response(),
        "flaky" => stream(sse(&["Miso [1]."])),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            stream(sse(&["too late"]))
        }
        "garbage" => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"choices\": [ not json",
        )
            .into_response(),
        "trickle" => {
            let pieces = futures::stream::unfold(0, |i| async move {
                if i == 40 {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                let event = serde_json::json!({"choices": [{"delta": {"content": "word "}}]});
                Some((Ok::<_, std::io::Error>(format!("data: {event}\n\n")), i + 1))
            });
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream")
                .body(Body::from_stream(pieces))
                .unwrap()
        }
        _ => (StatusCode::NOT_FOUND, "no such model").into_response(),
    }
}

/// Starts the fake endpoint; its base URL (with `/v1`).
async fn endpoint(seen: Seen) -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

fn config(base_url: &str, model: &str, fallback: &str) -> LlmConfig {
    LlmConfig {
        base_url: base_url.into(),
        model: model.into(),
        fallback_model: fallback.into(),
        timeout_ms: 700,
        retries: 1,
        breaker_failures: 2,
        breaker_cooldown_ms: 60_000,
        ..LlmConfig::default()
    }
}

fn question() -> Vec<ChatMessage> {
    vec![ChatMessage {
        role: "user",
        content: "What is my cat called?".into(),
    }]
}

fn hit(text: &str, uri: &str) -> SearchHit {
    SearchHit {
        rank: 1,
        score: 1.0,
        bm25: None,
        dense: None,
        chunk_id: format!("chunk-{uri}"),
        episode_id: "e".into(),
        text: text.into(),
        source: SourceRef {
            uri: uri.into(),
            byte_start: 0,
            byte_end: text.len() as u64,
            page: None,
            message_id: None,
            line: None,
        },
        source_kind: SourceKind::TwinChat,
        author: None,
    }
}

#[tokio::test]
async fn streamed_and_whole_answers_are_read() {
    let seen = Seen::default();
    let base = endpoint(seen.clone()).await;
    let client = LlmClient::new(&config(&base, "streaming", "")).unwrap();
    let done = client.complete(&question(), &Tokens::none()).await.unwrap();
    assert_eq!(done.model, "streaming");
    assert_eq!(done.text, "Your cat is called Miso [1].");
    let client = LlmClient::new(&config(&base, "whole", "")).unwrap();
    assert_eq!(
        client
            .complete(&question(), &Tokens::none())
            .await
            .unwrap()
            .text,
        "Miso, says [2]."
    );
    assert!(
        LlmClient::new(&LlmConfig::default()).is_none(),
        "no base_url, no client"
    );
}

#[tokio::test]
async fn each_failure_is_named_and_the_fallback_model_answers() {
    let seen = Seen::default();
    let base = endpoint(seen.clone()).await;
    for (model, expected) in [
        ("broken", "500"),
        ("slow", "700 ms"),
        ("garbage", "not JSON"),
        ("trickle", "700 ms"),
    ] {
        let client = LlmClient::new(&config(&base, model, "streaming")).unwrap();
        let done = client.complete(&question(), &Tokens::none()).await.unwrap();
        assert_eq!(done.model, "streaming", "{model} fell back");
        let alone = LlmClient::new(&config(&base, model, "")).unwrap();
        let none = alone
            .complete(&question(), &Tokens::none())
            .await
            .unwrap_err();
        let (failed, reason) = &none.0[0];
        assert_eq!(failed, model);
        assert!(reason.to_string().contains(expected), "{model}: {reason}");
    }
    // A 500 and a timeout are tried again once; malformed JSON is not.
    assert_eq!(seen.calls("broken"), 4, "2 calls x 2 attempts");
    assert_eq!(seen.calls("garbage"), 2, "2 calls x 1 attempt");
}

#[tokio::test]
async fn a_failure_that_passes_is_retried() {
    let seen = Seen::default();
    let base = endpoint(seen.clone()).await;
    let client = LlmClient::new(&config(&base, "flaky", "")).unwrap();
    assert_eq!(
        client
            .complete(&question(), &Tokens::none())
            .await
            .unwrap()
            .text,
        "Miso [1]."
    );
    assert_eq!(seen.calls("flaky"), 2);
}

#[tokio::test]
async fn an_open_breaker_skips_its_model_without_calling_it() {
    let seen = Seen::default();
    let base = endpoint(seen.clone()).await;
    let client = LlmClient::new(&config(&base, "broken", "streaming")).unwrap();
    for _ in 0..2 {
        assert_eq!(
            client
                .complete(&question(), &Tokens::none())
                .await
                .unwrap()
                .model,
            "streaming"
        );
    }
    let calls = seen.calls("broken");
    let states = client.breaker_states();
    assert_eq!(states[0].0, "broken");
    assert_eq!(states[0].1.as_str(), "open");
    assert_eq!(
        client
            .complete(&question(), &Tokens::none())
            .await
            .unwrap()
            .model,
        "streaming"
    );
    assert_eq!(
        seen.calls("broken"),
        calls,
        "an open breaker still called its model"
    );
    let alone = LlmClient::new(&config(&base, "broken", "")).unwrap();
    for _ in 0..2 {
        alone
            .complete(&question(), &Tokens::none())
            .await
            .unwrap_err();
    }
    let none = alone
        .complete(&question(), &Tokens::none())
        .await
        .unwrap_err();
    assert!(matches!(none.0[0].1, LlmError::BreakerOpen(2)), "{none}");
}

#[tokio::test]
async fn the_answerer_cites_what_the_model_cites_and_falls_back_to_extractive() {
    let seen = Seen::default();
    let base = endpoint(seen.clone()).await;
    let hits = [
        hit("I just adopted a cat named Miso.", "twin-chat/c1"),
        hit("The barbecue is on Saturday.", "notes.md"),
    ];
    let history = [
        Turn {
            id: 1,
            conversation_id: "c2".into(),
            seq: 1,
            role: "user".into(),
            text: "Hi twin".into(),
            metadata: serde_json::json!({}),
            created_at: "2026-12-07T10:00:00+00:00".into(),
        },
        Turn {
            id: 2,
            conversation_id: "c2".into(),
            seq: 2,
            role: "twin".into(),
            text: "Hello Alice".into(),
            metadata: serde_json::json!({}),
            created_at: "2026-12-07T10:00:01+00:00".into(),
        },
    ];
    let grounds = Grounds {
        name: "Alice Martin".into(),
        passages: hits.to_vec(),
        history: history.to_vec(),
        ..Grounds::default()
    };
    let none = Tokens::none();
    let model = answerer::from_config(&config(&base, "streaming", ""));
    let reply = model
        .answer("What is my cat called?", &grounds, &none)
        .await;
    assert_eq!(reply.answered_by, "streaming");
    // It drew on the conversation it read and the passage it cited.
    assert_eq!(reply.used.messages.len(), 2);
    assert_eq!(reply.used.passages.len(), 1);
    assert_eq!(reply.used.passages[0].uri, "twin-chat/c1");
    assert_eq!(reply.answer.answer, "Your cat is called Miso [1].");
    assert!(reply.answer.grounded);
    assert_eq!(reply.answer.citations.len(), 1);
    assert_eq!(reply.answer.citations[0].source.uri, "twin-chat/c1");
    // The prompt holds the persona, the numbered passages and the question.
    let prompt = seen.prompts.lock().unwrap().last().cloned().unwrap();
    let system = prompt["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Alice Martin"), "{system}");
    assert!(
        system.contains("[1] (twin-chat/c1) I just adopted a cat named Miso."),
        "{system}"
    );
    assert!(system.contains("[2] (notes.md)"), "{system}");
    // Then the conversation so far, then the question.
    assert_eq!(prompt["messages"][1]["role"], "user");
    assert_eq!(prompt["messages"][2]["role"], "assistant");
    assert_eq!(prompt["messages"][2]["content"], "Hello Alice");
    assert_eq!(prompt["messages"][3]["content"], "What is my cat called?");
    assert_eq!(prompt["stream"], true);

    let down = answerer::from_config(&config(&base, "broken", "garbage"));
    let reply = down.answer("What is my cat called?", &grounds, &none).await;
    assert_eq!(reply.answered_by, "extractive");
    assert!(
        reply.used.messages.is_empty(),
        "the composer reads no turns"
    );
    assert_eq!(reply.used.passages[0].uri, "twin-chat/c1");
    assert!(
        reply.answer.answer.contains("Miso"),
        "{}",
        reply.answer.answer
    );

    let offline = answerer::from_config(&LlmConfig::default());
    assert_eq!(
        offline
            .answer("What is my cat called?", &grounds, &none)
            .await
            .answered_by,
        "extractive"
    );
}

/// The text `tokens` received after the last restart, and how many
/// pieces and restarts came.
fn received(mut rx: tokio::sync::mpsc::UnboundedReceiver<Token>) -> (String, usize, usize) {
    let (mut text, mut pieces, mut restarts) = (String::new(), 0, 0);
    while let Ok(token) = rx.try_recv() {
        match token {
            Token::Text(piece) => {
                text.push_str(&piece);
                pieces += 1;
            }
            Token::Restart => {
                text.clear();
                restarts += 1;
            }
        }
    }
    (text, pieces, restarts)
}

#[tokio::test]
async fn tokens_stream_as_they_come_and_a_failed_attempt_is_voided() {
    let seen = Seen::default();
    let base = endpoint(seen.clone()).await;
    let client = LlmClient::new(&config(&base, "streaming", "")).unwrap();
    let (tokens, rx) = Tokens::channel();
    let done = client.complete(&question(), &tokens).await.unwrap();
    drop(tokens);
    let (text, pieces, restarts) = received(rx);
    assert_eq!(text, done.text);
    assert_eq!(restarts, 0);
    assert!(pieces >= 1);

    // The trickle sends words, then times out: its words are voided
    // before the fallback's answer streams.
    let client = LlmClient::new(&config(&base, "trickle", "streaming")).unwrap();
    let (tokens, rx) = Tokens::channel();
    let done = client.complete(&question(), &tokens).await.unwrap();
    drop(tokens);
    let (text, pieces, restarts) = received(rx);
    assert_eq!(done.model, "streaming");
    assert_eq!(text, "Your cat is called Miso [1].");
    assert!(
        restarts >= 1 && pieces > 3,
        "{pieces} pieces, {restarts} restarts"
    );
}
