//! Who words the twin's reply: one trait, [`Answerer`], with two
//! implementations. [`Extractive`] (the default, offline) quotes the
//! retrieved passages' own sentences ([`super::answer::compose`]);
//! [`LlmAnswerer`] asks a language model ([`crate::llm`]) to answer from
//! the same passages in the person's voice, and when no model answers,
//! answers extractively. Every reply says who answered.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use twinlake_core::config::LlmConfig;

use super::answer::{Answer, Citation, compose};
use super::plan::{Grounds, Used, memories_behind};
use super::prompt;
use super::search::SearchHit;
use crate::llm::LlmClient;
use crate::llm::breaker::BreakerState;
use crate::tokens::Tokens;

/// An answer, who gave it, and what it drew on.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Reply {
    /// The answer and its citations.
    #[serde(flatten)]
    pub answer: Answer,
    /// `extractive`, or the model that answered.
    pub answered_by: String,
    /// The turns, memories, facts and passages the answer drew on.
    pub used: Used,
}

/// Words the twin's reply to a question from what was retrieved.
pub trait Answerer: Send + Sync {
    /// The reply to `question` from `grounds`, its text sent to `tokens`
    /// as it is written. It always answers: a failure of a model falls
    /// back rather than fails the chat.
    fn answer<'a>(
        &'a self,
        question: &'a str,
        grounds: &'a Grounds,
        tokens: &'a Tokens,
    ) -> BoxFuture<'a, Reply>;

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

/// The grounded extractive composer: no model, no network. It quotes
/// passages alone, so it draws on the passages it cites and on the
/// memories distilled from them.
pub struct Extractive;

/// The name [`Extractive`] answers under.
pub const EXTRACTIVE: &str = "extractive";

impl Answerer for Extractive {
    fn answer<'a>(
        &'a self,
        question: &'a str,
        grounds: &'a Grounds,
        tokens: &'a Tokens,
    ) -> BoxFuture<'a, Reply> {
        Box::pin(async move {
            let answer = compose(question, &grounds.passages);
            tokens.words(&answer.answer);
            let cited = cited_passages(&answer, &grounds.passages);
            let used = Used {
                memories: Used::memories(memories_behind(grounds, &cited)),
                passages: Used::passages(cited),
                ..Used::default()
            };
            Reply {
                answer,
                answered_by: EXTRACTIVE.to_string(),
                used,
            }
        })
    }
}

/// Passages a model is given.
const PASSAGES: usize = 6;

/// A language model, then its fallback, then the extractive composer. The
/// model reads the whole plan, so a reply it words drew on the turns,
/// memories and facts it was given and on the passages it cites.
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

    fn answer<'a>(
        &'a self,
        question: &'a str,
        grounds: &'a Grounds,
        tokens: &'a Tokens,
    ) -> BoxFuture<'a, Reply> {
        Box::pin(async move {
            let hits = &grounds.passages[..grounds.passages.len().min(PASSAGES)];
            let messages = prompt::messages(grounds, hits, question);
            match self.client.complete(&messages, tokens).await {
                Ok(completion) => {
                    let answer = cited(completion.text, hits);
                    let used = Used {
                        messages: Used::turns(&grounds.history),
                        memories: Used::memories(&grounds.memories),
                        facts: Used::facts(&grounds.facts),
                        passages: Used::passages(cited_passages(&answer, hits)),
                    };
                    Reply {
                        answer,
                        answered_by: completion.model,
                        used,
                    }
                }
                Err(none) => {
                    tracing::warn!(error = %none, "answering extractively");
                    Extractive.answer(question, grounds, tokens).await
                }
            }
        })
    }
}

/// The passages of `hits` that `answer` cites.
fn cited_passages<'a>(answer: &Answer, hits: &'a [SearchHit]) -> Vec<&'a SearchHit> {
    hits.iter()
        .filter(|h| answer.citations.iter().any(|c| c.chunk_id == h.chunk_id))
        .collect()
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
