//! The model sidecar against the in-process model: the same vectors for
//! the same texts, over a real HTTP server on loopback and the same client
//! workers use (`model.url`).

use std::sync::Arc;

use twinlake_core::backend::{BackendError, Embedder};
use twinlake_core::config::Config;
use twinlake_stores::embedder::in_process::InProcess;
use twinlake_stores::embedder::sidecar::Sidecar;
use twinlake_stores::{StoreError, embedder};

/// Starts the sidecar over `model` on a free loopback port; its base URL.
async fn start(model: Arc<InProcess>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, twinlake_serving::sidecar::router(model))
            .await
            .unwrap();
    });
    base
}

fn model_config() -> twinlake_core::config::ModelConfig {
    let dir = tempfile::tempdir().unwrap();
    let mut model = Config::defaults(dir.path()).model;
    model.threads = 1;
    model
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_through_the_sidecar_equal_in_process_ones() {
    let config = model_config();
    let model = Arc::new(InProcess::load(&config).await.unwrap());
    let base = start(model.clone()).await;
    // The same resolver workers use: model.url picks the sidecar.
    let remote = embedder::open(&twinlake_core::config::ModelConfig {
        url: base.clone(),
        ..config
    })
    .await
    .unwrap();
    assert_eq!(remote.dim(), model.dim());

    let long = "We are planning the barbecue at Carol's house next month. ".repeat(60);
    let texts: Vec<String> = vec![
        "I am allergic to peanuts".into(),
        long,
        "café ☕ naïve — “quoted”".into(),
    ];
    let here = model.embed(texts.clone()).await.unwrap();
    let there = remote.embed(texts).await.unwrap();
    // JSON carries each f32 in its shortest exact form: equal, not close.
    assert_eq!(here, there);

    let words: Vec<String> = ["violin", "clarinet", "violin"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    let here = model.embed_words(words.clone()).await.unwrap();
    let there = remote.embed_words(words).await.unwrap();
    assert_eq!(here, there);
    assert_eq!(there.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors_and_a_missing_sidecar_is_named() {
    let model = Arc::new(InProcess::load(&model_config()).await.unwrap());
    let base = start(model).await;
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        client
            .post(format!("{base}/v1/embeddings"))
            .json(&body)
            .send()
    };
    let wrong = post(serde_json::json!({"model": "gpt-4", "input": "hi"}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("gpt-4"), "{body}");
    let empty = post(serde_json::json!({"model": embedder::MODEL_NAME, "input": []}))
        .await
        .unwrap();
    assert_eq!(empty.status(), 400);
    // One text, as the OpenAI API also takes it.
    let one = post(serde_json::json!({"model": embedder::MODEL_NAME, "input": "hi"}))
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    let body: serde_json::Value = one.json().await.unwrap();
    assert_eq!(body["data"][0]["embedding"].as_array().unwrap().len(), 384);
    assert!(body["usage"]["prompt_tokens"].as_u64().unwrap() >= 1);

    // Nothing listens on port 1.
    let err = Sidecar::connect("http://127.0.0.1:1").await.err().unwrap();
    assert!(
        matches!(
            &err,
            StoreError::Backend(BackendError::Unavailable { url, .. }) if url == "http://127.0.0.1:1"
        ),
        "{err}"
    );
}
