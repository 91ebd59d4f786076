//! The LLM client: chat completions from any OpenAI-compatible endpoint
//! (`[llm]`: a local server, a hosted API), streamed.
//!
//! A call asks the configured model, then the fallback model; each model
//! is asked through its [`breaker::Breaker`] (skipped while it is open)
//! with up to `retries` more attempts, backing off, for failures that may
//! pass (a 5xx, a 429, a timeout, a dropped connection). An attempt must
//! finish, last token included, within `timeout_ms`, so a server that
//! trickles its answer cannot hold a chat. The first model that answers
//! answers; when none does, the caller hears every reason, and the twin
//! answers extractively ([`crate::twin::answerer`]).

pub mod breaker;
pub mod stream;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use twinlake_core::config::LlmConfig;

use self::breaker::{Breaker, BreakerState};
use self::stream::{EventStream, excerpt, whole};
use crate::tokens::Tokens;

/// The wait before the first retry of an attempt; each next waits twice
/// as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Why a model did not answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LlmError {
    /// The endpoint answered with an error status.
    #[error("the endpoint answered {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of its body.
        body: String,
    },
    /// The attempt did not finish in time.
    #[error("no complete answer within {} ms (llm.timeout_ms)", .0.as_millis())]
    Timeout(Duration),
    /// The connection failed or dropped.
    #[error("the endpoint could not be reached: {0}")]
    Transport(String),
    /// The answer is not a chat completion.
    #[error("the answer is malformed: {0}")]
    Malformed(String),
    /// The answer holds no text.
    #[error("the answer is empty")]
    Empty,
    /// The model's breaker is open after failures in a row.
    #[error("skipped: {0} failed calls in a row opened its breaker")]
    BreakerOpen(u32),
}

impl LlmError {
    /// Whether another attempt may succeed.
    fn may_pass(&self) -> bool {
        match self {
            LlmError::Status { status, .. } => *status >= 500 || *status == 429,
            LlmError::Timeout(_) | LlmError::Transport(_) => true,
            LlmError::Malformed(_) | LlmError::Empty | LlmError::BreakerOpen(_) => false,
        }
    }
}

/// One message of the conversation sent to the model.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    /// Its text.
    pub content: String,
}

/// A model's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The model that answered.
    pub model: String,
    /// What it said.
    pub text: String,
}

/// Why no model answered: each model asked, with its reason.
#[derive(Debug, thiserror::Error)]
#[error("no model answered: {}", .0.iter().map(|(m, e)| format!("{m}: {e}")).collect::<Vec<_>>().join("; "))]
pub struct NoAnswer(pub Vec<(String, LlmError)>);

/// A client of one OpenAI-compatible endpoint, shared by every chat.
pub struct LlmClient {
    http: reqwest::Client,
    config: LlmConfig,
    breakers: Mutex<HashMap<String, Breaker>>,
}

impl LlmClient {
    /// A client for `config`; None when no endpoint is configured.
    pub fn new(config: &LlmConfig) -> Option<Self> {
        if config.base_url.trim().is_empty() {
            return None;
        }
        Some(LlmClient {
            http: reqwest::Client::new(),
            config: config.clone(),
            breakers: Mutex::new(HashMap::new()),
        })
    }

    /// The models asked, in order: the model, then the fallback.
    pub fn models(&self) -> Vec<&str> {
        [&self.config.model, &self.config.fallback_model]
            .into_iter()
            .map(|m| m.trim())
            .filter(|m| !m.is_empty())
            .collect()
    }

    /// Each model's breaker state now, for metrics and health.
    pub fn breaker_states(&self) -> Vec<(String, BreakerState)> {
        let now = Instant::now();
        let breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        self.models()
            .into_iter()
            .map(|m| {
                let state = breakers
                    .get(m)
                    .map_or(BreakerState::Closed, |b| b.state(now));
                (m.to_string(), state)
            })
            .collect()
    }

    /// Asks the models in turn for a reply to `messages`, sending its text
    /// to `tokens` as it comes (a [`crate::tokens::Token::Restart`] before
    /// another attempt when a failed one had sent some).
    pub async fn complete(
        &self,
        messages: &[ChatMessage],
        tokens: &Tokens,
    ) -> Result<Completion, NoAnswer> {
        let mut reasons = Vec::new();
        for model in self.models() {
            if !self.breaker(model, |b| b.allow(Instant::now())) {
                reasons.push((
                    model.to_string(),
                    LlmError::BreakerOpen(self.config.breaker_failures.max(1)),
                ));
                continue;
            }
            let answered = self.with_retries(model, messages, tokens).await;
            self.breaker(model, |b| b.record(answered.is_ok(), Instant::now()));
            match answered {
                Ok(text) => {
                    return Ok(Completion {
                        model: model.to_string(),
                        text,
                    });
                }
                Err(e) => {
                    tracing::warn!(model, error = %e, "the language model did not answer");
                    reasons.push((model.to_string(), e));
                }
            }
        }
        Err(NoAnswer(reasons))
    }

    fn breaker<T>(&self, model: &str, f: impl FnOnce(&mut Breaker) -> T) -> T {
        let mut breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        let breaker = breakers.entry(model.to_string()).or_insert_with(|| {
            Breaker::new(
                self.config.breaker_failures,
                Duration::from_millis(self.config.breaker_cooldown_ms),
            )
        });
        f(breaker)
    }

    async fn with_retries(
        &self,
        model: &str,
        messages: &[ChatMessage],
        tokens: &Tokens,
    ) -> Result<String, LlmError> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            let timeout = Duration::from_millis(self.config.timeout_ms.max(1));
            let sent = AtomicBool::new(false);
            let result =
                tokio::time::timeout(timeout, self.attempt(model, messages, tokens, &sent))
                    .await
                    .unwrap_or(Err(LlmError::Timeout(timeout)));
            if result.is_err() && sent.load(Ordering::Relaxed) {
                tokens.restart();
            }
            match result {
                Err(e) if e.may_pass() && attempt < self.config.retries => {
                    attempt += 1;
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                other => return other,
            }
        }
    }

    /// One request, read to its end; `sent` says whether any text went to
    /// `tokens`.
    async fn attempt(
        &self,
        model: &str,
        messages: &[ChatMessage],
        tokens: &Tokens,
        sent: &AtomicBool,
    ) -> Result<String, LlmError> {
        let url = format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        );
        let mut request = self.http.post(&url).json(&serde_json::json!({
            "model": model,
            "messages": messages,
            "stream": true,
        }));
        if !self.config.api_key.is_empty() {
            request = request.bearer_auth(&self.config.api_key);
        }
        let transport = |e: reqwest::Error| LlmError::Transport(e.without_url().to_string());
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(LlmError::Status {
                status: status.as_u16(),
                body: excerpt(&body),
            });
        }
        let streamed = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let text = if streamed {
            let mut events = EventStream::default();
            while let Some(piece) = response.chunk().await.map_err(transport)? {
                let text = events.feed(&piece)?;
                if !text.is_empty() {
                    sent.store(true, Ordering::Relaxed);
                    tokens.text(&text);
                }
            }
            events.finish()?
        } else {
            let text = whole(&response.bytes().await.map_err(transport)?)?;
            sent.store(true, Ordering::Relaxed);
            tokens.words(&text);
            text
        };
        if text.trim().is_empty() {
            return Err(LlmError::Empty);
        }
        Ok(text)
    }
}
