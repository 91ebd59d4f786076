//! The chat over a WebSocket, the retrieval plan's `used`, feedback and
//! its effects, conversation summaries, and the OpenAPI document, served
//! by the real binary. The language model is a local OpenAI-compatible
//! server this test starts.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Opens the chat socket at `path` with `headers`; the refusal's status
/// when the handshake is refused.
async fn open(base: &str, path: &str, headers: &[(&str, &str)]) -> Result<Socket, u16> {
    let url = format!("{}{path}", base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("the socket failed: {e}"),
    }
}

/// Sends `frame` and reads until the reply's last frame: the token
/// frames, then the `done` or `error` frame.
async fn say(socket: &mut Socket, frame: String) -> (Vec<Value>, Value) {
    socket.send(Message::Text(frame.into())).await.unwrap();
    let mut tokens = Vec::new();
    loop {
        let frame = socket.next().await.expect("the socket closed").unwrap();
        let Message::Text(text) = frame else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        match frame["type"].as_str() {
            Some("token") | Some("restart") => tokens.push(frame),
            _ => return (tokens, frame),
        }
    }
}

/// The text the token frames spell, restarts honoured.
fn spelt(tokens: &[Value]) -> String {
    let mut text = String::new();
    for t in tokens {
        match t["type"].as_str() {
            Some("restart") => text.clear(),
            _ => text.push_str(t["text"].as_str().unwrap()),
        }
    }
    text
}

fn served_alice() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let (summary, code) = ingest(dir.path(), "alice", &[&demo("alice")]);
    assert_eq!(code, 0, "{summary}");
    let server = serve(dir.path());
    (dir, server)
}

#[test]
fn the_socket_streams_tokens_then_the_reply_the_post_gives() {
    let (dir, server) = served_alice();
    let admin = server.admin.clone();
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let key = admin.trim_start_matches("Bearer ").to_string();
    runtime().block_on(async {
        let route = "/twin/alice/chat/ws";
        let mut socket = open(&server.base, route, &[("authorization", &admin)])
            .await
            .unwrap();
        let ask = json!({ "message": "Who is my sister?" }).to_string();
        let (tokens, done) = say(&mut socket, ask).await;
        assert_eq!(done["type"], "done", "{done}");
        assert!(tokens.len() >= 3, "{} token frames", tokens.len());
        assert_eq!(spelt(&tokens), done["answer"].as_str().unwrap());
        assert!(done["answer"].as_str().unwrap().contains("Ana"), "{done}");
        assert_eq!(done["answered_by"], "extractive");
        assert!(!done["citations"].as_array().unwrap().is_empty(), "{done}");
        let used = &done["used"];
        assert!(!used["passages"].as_array().unwrap().is_empty(), "{used}");
        assert_eq!(done["twin_turn"]["role"], "twin");
        let conversation = done["conversation_id"].as_str().unwrap().to_string();

        // A frame that is not a message is refused, and the socket stays.
        let (_, refused) = say(&mut socket, "hello?".into()).await;
        assert_eq!(
            (refused["type"].as_str(), refused["status"].as_u64()),
            (Some("error"), Some(400)),
            "{refused}"
        );
        let (_, refused) = say(
            &mut socket,
            json!({ "message": "hi", "conversation_id": "nope" }).to_string(),
        )
        .await;
        assert_eq!(refused["status"], 404, "{refused}");
        let next =
            json!({ "message": "And when does she visit?", "conversation_id": conversation });
        let (_, again) = say(&mut socket, next.to_string()).await;
        assert_eq!(again["conversation_id"], conversation.as_str(), "{again}");
        assert_eq!(again["twin_turn"]["seq"], 4);
        socket.close(None).await.unwrap();

        // A browser sends the key as a parameter; nobody else gets in.
        let mut browser = open(&server.base, &format!("{route}?key={key}"), &[])
            .await
            .unwrap();
        let (_, done) = say(
            &mut browser,
            json!({ "message": "Who is Ana?" }).to_string(),
        )
        .await;
        assert_eq!(done["type"], "done", "{done}");
        assert_eq!(open(&server.base, route, &[]).await.err(), Some(401));
        assert_eq!(
            open(&server.base, &format!("{route}?key=tlk_0_0"), &[])
                .await
                .err(),
            Some(401)
        );
        assert_eq!(
            open(&server.base, route, &[("authorization", &bob)])
                .await
                .err(),
            Some(403),
            "bob's key opened alice's chat"
        );
        assert_eq!(
            open(
                &server.base,
                route,
                &[
                    ("authorization", &admin),
                    ("origin", "https://evil.example")
                ]
            )
            .await
            .err(),
            Some(403),
            "a page of another site opened the socket"
        );
    });

    // Only the socket takes its key in the query.
    let (status, _) = http(
        &server.base,
        "GET",
        &format!("/twin/alice/conversations?key={key}"),
        None,
        &[],
    );
    assert_eq!(
        status, 401,
        "a route other than the socket took a key in its query"
    );

    // What the socket said is stored like the POST's turns.
    let (status, read) = http(
        &server.base,
        "GET",
        "/twin/alice/conversations?limit=10",
        None,
        &server.auth(),
    );
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["conversations"].as_array().unwrap().len(), 2, "{read}");
}

/// A local OpenAI-compatible endpoint that streams one answer citing [1],
/// and keeps every request; its base URL.
fn language_model() -> (String, Arc<Mutex<Vec<Value>>>) {
    let prompts: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = prompts.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime().block_on(async move {
            let app = axum::Router::new().route(
                "/v1/chat/completions",
                axum::routing::post(move |axum::Json(request): axum::Json<Value>| {
                    let seen = seen.clone();
                    async move {
                        seen.lock().unwrap().push(request);
                        let mut body = String::new();
                        for piece in ["Ana is ", "your sister ", "[1]."] {
                            let event = json!({"choices": [{"delta": {"content": piece}}]});
                            body.push_str(&format!("data: {event}\n\n"));
                        }
                        body.push_str("data: [DONE]\n\n");
                        ([("content-type", "text/event-stream")], body)
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (format!("http://{}/v1", rx.recv().unwrap()), prompts)
}

/// The confidence of each of `user`'s memories valid now, by id.
fn confidence(server: &Server, user: &str) -> std::collections::HashMap<String, f64> {
    let (status, body) = http(
        &server.base,
        "GET",
        &format!("/twin/{user}/memories"),
        None,
        &server.auth(),
    );
    assert_eq!(status, 200, "{body}");
    body["memories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["memory_id"].as_str().unwrap().to_string(),
                m["confidence"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn feedback_lowers_the_confidence_of_what_a_wrong_reply_used_and_reshapes_the_voice() {
    let dir = tempfile::tempdir().unwrap();
    for user in ["alice", "bob"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let (llm, prompts) = language_model();
    let server = serve_with(
        dir.path(),
        &[
            ("TWINLAKE_LLM_BASE_URL", llm.as_str()),
            ("TWINLAKE_LLM_MODEL", "local-test-model"),
        ],
    );
    let chat = |message: &str| {
        let (status, reply) = http(
            &server.base,
            "POST",
            "/twin/alice/chat",
            Some(&json!({ "message": message })),
            &server.auth(),
        );
        assert_eq!(status, 200, "{reply}");
        reply
    };
    let reply = chat("Who is Ana?");
    assert_eq!(reply["answered_by"], "local-test-model", "{reply}");
    // The model read the whole plan: memories, and the graph's facts
    // about the entity the question names.
    let used = &reply["used"];
    let used_memories: Vec<String> = used["memories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["memory_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!used_memories.is_empty(), "{used}");
    assert!(
        used["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["text"].as_str().unwrap_or_default().contains("Ana")),
        "{used}"
    );
    let system = prompts.lock().unwrap()[0]["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(system.contains("What you remember about"), "{system}");
    assert!(system.contains("Known facts:"), "{system}");

    // Marked incorrect, the memories it drew on lose confidence.
    let before = confidence(&server, "alice");
    let turn = reply["twin_turn"]["id"].as_i64().unwrap();
    let rate = |path: String, body: Value, key: &[(&str, &str)]| {
        http(&server.base, "POST", &path, Some(&body), key)
    };
    let feedback = format!("/twin/alice/messages/{turn}/feedback");
    let (status, kept) = rate(
        feedback.clone(),
        json!({"rating": "incorrect"}),
        &server.auth(),
    );
    assert_eq!(status, 201, "{kept}");
    assert_eq!(kept["feedback"]["memory_ids"], json!(used_memories));
    let after = confidence(&server, "alice");
    for id in &used_memories {
        if let (Some(was), Some(now)) = (before.get(id), after.get(id)) {
            assert!((now - was * 0.7).abs() < 1e-4, "{id}: {was} -> {now}");
        }
    }
    let untouched = before
        .iter()
        .find(|(id, _)| !used_memories.contains(id))
        .expect("a memory the reply did not use");
    assert_eq!(after.get(untouched.0), Some(untouched.1));

    // Rated off-voice, the next prompt carries the person's words.
    let (status, _) = rate(
        feedback.clone(),
        json!({"rating": "off_voice", "comment": "I never say 'indeed'"}),
        &server.auth(),
    );
    assert_eq!(status, 201);
    chat("Does Ana like cake?");
    let system = prompts.lock().unwrap().last().unwrap()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(system.contains("I never say 'indeed'"), "{system}");
    assert!(system.contains("did not sound like them"), "{system}");

    // Refusals name the problem; nobody rates another's reply.
    let user_turn = reply["user_turn"]["id"].as_i64().unwrap();
    for (path, body, status, wanted) in [
        (
            feedback.clone(),
            json!({"rating": "meh"}),
            400,
            "helpful, incorrect, insightful, off_voice",
        ),
        (
            format!("/twin/alice/messages/{user_turn}/feedback"),
            json!({"rating": "helpful"}),
            400,
            "twin's replies",
        ),
        (
            "/twin/alice/messages/x/feedback".into(),
            json!({"rating": "helpful"}),
            400,
            "not a number",
        ),
        (
            "/twin/alice/messages/999999/feedback".into(),
            json!({"rating": "helpful"}),
            404,
            "no message",
        ),
        (
            feedback.clone(),
            json!({"rating": "helpful", "comment": "x".repeat(2001)}),
            400,
            "at most 2000",
        ),
    ] {
        let (got, error) = rate(path.clone(), body, &server.auth());
        assert_eq!(got, status, "{path}: {error}");
        assert!(error["error"].as_str().unwrap().contains(wanted), "{error}");
    }
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let bobs = [("authorization", bob.as_str())];
    let (status, _) = rate(feedback.clone(), json!({"rating": "incorrect"}), &bobs);
    assert_eq!(status, 403, "bob rated alice's reply");
    let (status, _) = rate(
        format!("/twin/bob/messages/{turn}/feedback"),
        json!({"rating": "incorrect"}),
        &bobs,
    );
    assert_eq!(status, 404, "alice's turn is not bob's");
    let (status, _) = rate(feedback, json!({"rating": "incorrect"}), &[]);
    assert_eq!(status, 401);
}

#[test]
fn conversations_are_summarised_every_twenty_turns_on_request_and_when_archived() {
    let (_dir, server) = served_alice();
    let auth = server.auth();
    let say = |message: &str, conversation: Option<&str>| {
        let mut body = json!({ "message": message });
        if let Some(id) = conversation {
            body["conversation_id"] = json!(id);
        }
        let (status, reply) = http(&server.base, "POST", "/twin/alice/chat", Some(&body), &auth);
        assert_eq!(status, 200, "{reply}");
        reply["conversation_id"].as_str().unwrap().to_string()
    };
    let read = |id: &str| {
        let path = format!("/twin/alice/conversations/{id}?limit=1");
        let (status, body) = http(&server.base, "GET", &path, None, &auth);
        assert_eq!(status, 200, "{body}");
        body["conversation"].clone()
    };
    let id = say(
        "We are planning the team barbecue for Saturday afternoon.",
        None,
    );
    for i in 0..8 {
        say(
            &format!("Remember that item number {i} for the barbecue is ready."),
            Some(&id),
        );
    }
    assert_eq!(read(&id)["summarised_through"], 0, "not yet 20 turns");
    say(
        "Thanks, that is all for the barbecue planning today.",
        Some(&id),
    );
    let summarised = read(&id);
    assert_eq!(summarised["summarised_through"], 20, "{summarised}");
    let summary = summarised["summary"].as_str().unwrap().to_string();
    assert!(summary.contains("barbecue"), "{summary}");

    // On request, the summary is extended, not replaced.
    say(
        "My sister Ana will bring her apple cake to the barbecue.",
        Some(&id),
    );
    let path = format!("/twin/alice/conversations/{id}/summary");
    let (status, body) = http(&server.base, "POST", &path, None, &auth);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversation"]["summarised_through"], 22);
    let extended = body["conversation"]["summary"].as_str().unwrap();
    assert!(extended.starts_with(&summary), "{extended}");

    // Archiving closes the conversation with a last summary.
    say(
        "The barbecue grill needs new charcoal before Saturday.",
        Some(&id),
    );
    let archive = json!({ "status": "archived" });
    let (status, body) = http(
        &server.base,
        "PATCH",
        &format!("/twin/alice/conversations/{id}"),
        Some(&archive),
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversation"]["summarised_through"], 24, "{body}");
    let (status, _) = http(
        &server.base,
        "POST",
        "/twin/bob/conversations/x/summary",
        None,
        &auth,
    );
    assert_eq!(status, 404);
}

#[test]
fn the_openapi_document_lists_routes_the_server_serves() {
    let (_dir, server) = served_alice();
    let (status, doc) = http(&server.base, "GET", "/openapi.json", None, &[]);
    assert_eq!(status, 200, "{doc}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    for wanted in [
        "/twin/{user}/chat",
        "/twin/{user}/chat/ws",
        "/twin/{user}/messages/{id}/feedback",
        "/twin/{user}/conversations/{id}/summary",
        "/twin/{user}/search",
        "/metrics",
    ] {
        assert!(paths.contains_key(wanted), "{wanted} is not described");
    }
    assert!(
        doc["components"]["securitySchemes"]["api_key"].is_object(),
        "{doc}"
    );
    // Every route described is served: without a key, a twin route says
    // 401, never 404 or 405.
    for (path, methods) in paths {
        let concrete = path.replace("{user}", "alice").replace("{id}", "1");
        for method in methods.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            let body = (method != "GET").then(|| json!({}));
            let (status, reply) = http(&server.base, &method, &concrete, body.as_ref(), &[]);
            let public = ["/health"].contains(&path.as_str());
            let expected = if public { 200 } else { 401 };
            assert_eq!(status, expected, "{method} {path}: {reply}");
        }
    }
}
