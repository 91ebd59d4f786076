//! Learning from the chat: what a person tells their twin becomes their
//! footprint, so a fact said in one conversation ("I just adopted a cat
//! named Miso") answers a question in another ("what is my cat called?").
//!
//! The chat log is the outbox. A chat stores the person's turn, not yet
//! learnt, and wakes the [`ChatLearner`]; the learner, one task per
//! server, takes the oldest unlearnt turns of every user, publishes each
//! as a `twin_chat` episode on the files topic
//! ([`twinlake_pipelines::sources::chat_turns`]), runs the pipeline until
//! it is caught up (embedded, indexed, distilled: the memories it yields
//! are chat memories, of low importance and with a TTL), and only then
//! marks the turns learnt. A server that stops anywhere in between
//! publishes the same turns again when it starts, and the pipeline stores
//! each once. Turns that come while a round runs wait for the next, so
//! under load one round learns many turns with one index commit.
//!
//! A turn that says nothing about the person is marked learnt without
//! being published: small talk ("thanks", "ok"), and questions alone
//! ("what is my cat called?"), which as passages would crowd out the
//! answers to the same question. The twin's own turns are never learnt:
//! they are its words, not the person's, and must not become memories
//! about them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use twinlake_core::Scope;
use twinlake_pipelines::bus::FILES_TOPIC;
use twinlake_pipelines::sources::chat_turns;
use twinlake_udfs::extract::small_talk::is_small_talk;

use super::answer::sentences;
use crate::ServingError;
use crate::api::AppState;

/// The most turns one round publishes.
const TURNS_PER_ROUND: usize = 256;
/// The wait before a failed round is tried again; it doubles up to
/// [`MOST_BACKOFF`] while rounds keep failing.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MOST_BACKOFF: Duration = Duration::from_secs(30);

/// The server's learner of chat turns: woken by every stored turn.
#[derive(Default)]
pub struct ChatLearner {
    wake: Notify,
}

impl ChatLearner {
    /// Says a turn was stored. Wakes made while a round runs start one
    /// more round after it.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts learning in the background: at once, for the turns a
    /// previous run left unlearnt, then whenever a turn is stored. The
    /// task ends with the runtime.
    /// Does nothing when `serve.learn_from_chat` is off.
    pub fn start(state: &Arc<AppState>) -> tokio::task::JoinHandle<()> {
        let state = state.clone();
        if !state.backends.config.serve.learn_from_chat {
            return tokio::spawn(async {});
        }
        state.learner.wake();
        tokio::spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            loop {
                state.learner.wake.notified().await;
                loop {
                    match learn_round(&state).await {
                        Ok(0) => break,
                        Ok(_) => backoff = FIRST_BACKOFF,
                        Err(e) => {
                            tracing::warn!(error = %e, retry_in = ?backoff, "learning chat turns failed");
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(MOST_BACKOFF);
                        }
                    }
                }
            }
        })
    }
}

/// Learns every turn waiting now, in rounds, and returns; for commands
/// that chat without a server (`twinlake ask`). Does nothing when
/// `serve.learn_from_chat` is off.
pub async fn learn_waiting(state: &AppState) -> Result<(), ServingError> {
    if state.backends.config.serve.learn_from_chat {
        while learn_round(state).await? > 0 {}
    }
    Ok(())
}

/// Publishes the oldest unlearnt turns, catches the pipeline up and marks
/// them learnt; returns how many turns it took (0: none were waiting).
async fn learn_round(state: &AppState) -> Result<usize, ServingError> {
    let log = &state.backends.chat_log;
    let turns = log.unlearnt(TURNS_PER_ROUND).await?;
    if turns.is_empty() {
        return Ok(0);
    }
    let bus = state.backends.bus()?;
    let mut taken: BTreeMap<Scope, Vec<i64>> = BTreeMap::new();
    let mut published = 0;
    for (scope, turn) in &turns {
        if tells_something(&turn.text) {
            let envelope = chat_turns::envelope(scope, turn);
            bus.send(
                FILES_TOPIC,
                envelope.key().as_bytes(),
                &envelope.to_payload(),
            )
            .await?;
            published += 1;
        }
        taken.entry(scope.clone()).or_default().push(turn.id);
    }
    if published > 0 {
        let run = state.catch_up().await?;
        for failure in &run.ingest.errors {
            // Dead-lettered with its origin, like any refused file.
            tracing::warn!(file = %failure.path.display(), error = %failure.error, "a chat turn was not learnt");
        }
    }
    for (scope, ids) in &taken {
        log.mark_learnt(scope, ids).await?;
    }
    tracing::debug!(turns = turns.len(), published, "learnt chat turns");
    Ok(turns.len())
}

/// Whether a turn tells something worth learning: not small talk, and
/// not questions alone.
pub(crate) fn tells_something(text: &str) -> bool {
    !is_small_talk(text) && !sentences(text).iter().all(|s| s.ends_with('?'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_learnt_and_small_talk_and_bare_questions_are_not() {
        assert!(tells_something("I just adopted a cat named Miso"));
        assert!(tells_something("I adopted a cat. What should she eat?"));
        for nothing in [
            "thanks!",
            "ok",
            "What is my cat called?",
            "Where? When?",
            "",
        ] {
            assert!(!tells_something(nothing), "{nothing:?}");
        }
    }
}
