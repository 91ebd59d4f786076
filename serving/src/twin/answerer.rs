//! Who words the twin's reply: one trait, [`Answerer`], with two
//! implementations. [`Extractive`] (the default, offline) quotes the
//! retrieved passages' own sentences ([`super::answer::compose`]);
//! [`LlmAnswerer`] asks a language model ([`crate::llm`]) to answer from
//! the same passages in the person's voice, and when no model answers,
//! answers extractively. Every reply says who answered.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use twinlake_core::backend::Turn;
use twinlake_core::config::LlmConfig;
use twinlake_udfs::extract::style::VoiceProfile;

use super::answer::{Answer, Citation, compose};
use super::prompt;
use super::search::SearchHit;
use crate::llm::LlmClient;
use crate::llm::breaker::BreakerState;

/// What an answer may draw on.
pub struct Grounds<'a> {
    /// The person's name, as their twin calls them.
    pub name: &'a str,
    /// How they write, when known.
    pub voice: Option<&'a VoiceProfile>,
    /// The passages retrieved for the question, best first.
    pub hits: &'a [SearchHit],
    /// The conversation's last turns before the question, oldest first.
    pub history: &'a [Turn],
}

/// An answer and who gave it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Reply {
    /// The answer and its citations.
    #[serde(flatten)]
    pub answer: Answer,
    /// `extractive`, or the model that answered.
    pub answered_by: String,
}

/// Words the twin's reply to a question from what was retrieved.
pub trait Answerer: Send + Sync {
    /// The reply to `question` from `grounds`. It always answers: a
    /// failure of a model falls back rather than fails the chat.
    fn answer<'a>(&'a self, question: &'a str, grounds: &'a Grounds<'a>) -> BoxFuture<'a, Reply>;

    /// Whether it writes in the person's voice, so the chat loads their
    /// name and voice profile for it.
    fn uses_voice(&self) -> bool {
        false
    }

    /// The breaker of each model it asks, for metrics.
    fn breakers(&self) -> Vec<(String, BreakerState)> {
        Vec::new()
    }
}

/// The answerer `config` asks for: a language model when `llm.base_url`
/// is set, else the extractive composer.
pub fn from_config(config: &LlmConfig) -> Arc<dyn Answerer> {
    match LlmClient::new(config) {
        Some(client) => Arc::new(LlmAnswerer { client }),
        None => Arc::new(Extractive),
    }
}

/// The grounded extractive composer: no model, no network.
pub struct Extractive;

/// The name [`Extractive`] answers under.
pub const EXTRACTIVE: &str = "extractive";

impl Answerer for Extractive {
    fn answer<'a>(&'a self, question: &'a str, grounds: &'a Grounds<'a>) -> BoxFuture<'a, Reply> {
        Box::pin(async move {
            Reply {
                answer: compose(question, grounds.hits),
                answered_by: EXTRACTIVE.to_string(),
            }
        })
    }
}

/// Passages a model is given.
const PASSAGES: usize = 6;

/// A language model, then its fallback, then the extractive composer.
pub struct LlmAnswerer {
    client: LlmClient,
}

impl LlmAnswerer {
    /// The client it asks.
    pub fn client(&self) -> &LlmClient {
        &self.client
    }
}

impl Answerer for LlmAnswerer {
    fn uses_voice(&self) -> bool {
        true
    }

    fn breakers(&self) -> Vec<(String, BreakerState)> {
        self.client.breaker_states()
    }

    fn answer<'a>(&'a self, question: &'a str, grounds: &'a Grounds<'a>) -> BoxFuture<'a, Reply> {
        Box::pin(async move {
            let hits = &grounds.hits[..grounds.hits.len().min(PASSAGES)];
            let messages = prompt::messages(grounds, hits, question);
            match self.client.complete(&messages).await {
                Ok(completion) => Reply {
                    answer: cited(completion.text, hits),
                    answered_by: completion.model,
                },
                Err(none) => {
                    tracing::warn!(error = %none, "answering extractively");
                    Extractive.answer(question, grounds).await
                }
            }
        })
    }
}

/// A model's text with the passages it cites (`[n]`, numbered as given)
/// as citations; grounded when it cites any.
fn cited(text: String, hits: &[SearchHit]) -> Answer {
    let citations: Vec<Citation> = hits
        .iter()
        .enumerate()
        .filter(|(i, _)| text.contains(&format!("[{}]", i + 1)))
        .map(|(i, hit)| Citation {
            n: i + 1,
            chunk_id: hit.chunk_id.clone(),
            source: hit.source.clone(),
            quote: hit.text.clone(),
        })
        .collect();
    Answer {
        grounded: !citations.is_empty(),
        answer: text.trim().to_string(),
        citations,
    }
}
