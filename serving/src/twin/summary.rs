//! Conversation summaries, made at breakpoints: every [`EVERY`] turns, on
//! request, when a conversation is closed (archived, or idle for
//! [`IDLE`]). Each summary extends the previous
//! one: the turns since it was made are summarised
//! ([`twinlake_udfs::extract::summary::summarize`], the same extractive
//! summariser distillation uses) and appended, and the oldest sentences
//! go once it passes [`MOST_CHARS`]. The summary is kept on the
//! conversation in the chat log; the next answer in the conversation
//! reads it ([`super::plan`]).
//!
//! Greetings and acknowledgements are stored but never summarised: the
//! summariser keeps only sentences of four words or more that share
//! content words with the rest.

use std::sync::Arc;
use std::time::Duration;

use twinlake_core::Scope;
use twinlake_core::backend::chat_log::{Conversation, ConversationChange, ConversationStatus};
use twinlake_core::backend::{ChatLog, Role};
use twinlake_udfs::extract::summary::{self as summariser, Line};

use crate::ServingError;
use crate::api::AppState;

/// Turns between two summaries.
pub const EVERY: i64 = summariser::WINDOW as i64;
/// A conversation idle this long is closed: 7 days.
pub const IDLE: Duration = Duration::from_secs(7 * 24 * 3600);
/// The longest summary kept, in characters.
pub const MOST_CHARS: usize = 2000;
/// Turns read for one summary at most.
const MOST_TURNS: usize = 1000;
/// Idle conversations closed in one sweep at most.
const SWEEP: usize = 200;

/// Why a summary is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakpoint {
    /// [`EVERY`] turns since the last.
    Turns,
    /// Its owner asked.
    Requested,
    /// The conversation was closed.
    Closed,
}

/// Whether a conversation summarised through turn `summarised_through`,
/// whose last turn is `last_seq`, is due a summary for its turn count.
pub fn due(summarised_through: i64, last_seq: i64) -> bool {
    last_seq - summarised_through >= EVERY
}

/// Whether `conversation` has been idle for [`IDLE`] at `now`.
pub fn idle(conversation: &Conversation, now: chrono::DateTime<chrono::Utc>) -> bool {
    let last = conversation
        .last_message_at
        .as_deref()
        .unwrap_or(&conversation.created_at);
    chrono::DateTime::parse_from_rfc3339(last).is_ok_and(|at| {
        now.signed_duration_since(at)
            .to_std()
            .is_ok_and(|d| d >= IDLE)
    })
}

/// Extends `conversation`'s summary with its turns since the last one;
/// returns the summary now (None while nothing worth keeping was said).
pub async fn summarise(
    log: &dyn ChatLog,
    scope: &Scope,
    conversation: &Conversation,
    why: Breakpoint,
) -> Result<Option<String>, ServingError> {
    let turns = log
        .turns_after(
            scope,
            &conversation.id,
            conversation.summarised_through,
            MOST_TURNS,
        )
        .await?;
    let Some(last) = turns.last() else {
        return Ok(conversation.summary.clone());
    };
    let twin = format!("{}'s twin", scope.user);
    let lines: Vec<Line<'_>> = turns
        .iter()
        .map(|t| Line {
            author: if t.role == Role::User.as_str() {
                scope.user.as_str()
            } else {
                &twin
            },
            text: &t.text,
        })
        .collect();
    let summary = extend(
        conversation.summary.as_deref(),
        summariser::summarize(&lines).as_deref(),
    );
    log.set_summary(
        scope,
        &conversation.id,
        summary.as_deref().unwrap_or_default(),
        last.seq,
    )
    .await?;
    tracing::debug!(conversation = %conversation.id, ?why, through = last.seq, "summarised");
    Ok(summary)
}

/// `previous` extended by `new`, cut from the front (whole sentences) to
/// [`MOST_CHARS`].
fn extend(previous: Option<&str>, new: Option<&str>) -> Option<String> {
    let joined = match (previous.filter(|p| !p.is_empty()), new) {
        (Some(p), Some(n)) => format!("{p} {n}"),
        (Some(p), None) => p.to_string(),
        (None, Some(n)) => n.to_string(),
        (None, None) => return None,
    };
    let mut out = joined.as_str();
    while out.chars().count() > MOST_CHARS {
        // Drop the oldest sentence; a text with no sentence end left is
        // cut at a character boundary.
        match out.find(['.', '!', '?']).map(|i| i + 1) {
            Some(end) if end < out.len() => out = out[end..].trim_start(),
            _ => {
                let skip = out.chars().count() - MOST_CHARS;
                let at = out.char_indices().nth(skip).map_or(0, |(i, _)| i);
                out = &out[at..];
            }
        }
    }
    Some(out.to_string())
}

/// Closes a conversation of `scope`: summarises it, then archives it.
pub async fn close(
    log: &dyn ChatLog,
    scope: &Scope,
    conversation: &Conversation,
) -> Result<Conversation, ServingError> {
    summarise(log, scope, conversation, Breakpoint::Closed).await?;
    let archive = ConversationChange {
        status: Some(ConversationStatus::Archived),
        ..ConversationChange::default()
    };
    Ok(log
        .change_conversation(scope, &conversation.id, &archive)
        .await?)
}

/// Closes every open conversation idle for [`IDLE`] at `now`, up to a
/// sweep's worth; returns how many were closed.
pub async fn close_idle(
    log: &dyn ChatLog,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ServingError> {
    let before = now - chrono::Duration::from_std(IDLE).expect("7 days fit");
    let idle = log.idle_conversations(before, SWEEP).await?;
    for (scope, conversation) in &idle {
        close(log, scope, conversation).await?;
    }
    Ok(idle.len())
}

/// How often the server looks for idle conversations.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Closes idle conversations in the background: at once, then every
/// [`SWEEP_EVERY`]. The task ends with the runtime.
pub fn sweep_idle(state: &Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            match close_idle(state.backends.chat_log.as_ref(), chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "closed idle conversations"),
                Err(e) => tracing::warn!(error = %e, "closing idle conversations failed"),
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_extends_the_last_and_drops_its_oldest_sentences_when_long() {
        assert_eq!(extend(None, None), None);
        assert_eq!(extend(Some("A b c d."), None).as_deref(), Some("A b c d."));
        assert_eq!(
            extend(Some("First part."), Some("Second part.")).as_deref(),
            Some("First part. Second part.")
        );
        let long = "Old sentence here. ".repeat(200);
        let out = extend(Some(&long), Some("The newest sentence.")).unwrap();
        assert!(out.chars().count() <= MOST_CHARS, "{}", out.len());
        assert!(out.ends_with("The newest sentence."));
        assert!(
            out.starts_with("Old sentence here."),
            "cut at a sentence: {out:.40}"
        );
        let endless = "x".repeat(MOST_CHARS * 2);
        assert_eq!(
            extend(None, Some(&endless)).unwrap().chars().count(),
            MOST_CHARS
        );
    }

    #[tokio::test]
    async fn idle_conversations_are_summarised_and_closed_and_busy_ones_stay() {
        use twinlake_stores::chat_log::sqlite::SqliteChatLog;
        let log = SqliteChatLog::open_in_memory().unwrap();
        let alice = Scope::parse("t", "alice").unwrap();
        let quiet = log.start_conversation(&alice, "plans").await.unwrap();
        for text in [
            "We should book the mountain cabin for the long weekend.",
            "The mountain cabin has room for six people and a big kitchen.",
            "ok",
        ] {
            log.append(&alice, &quiet, Role::User, text, &serde_json::json!({}))
                .await
                .unwrap();
        }
        let now = chrono::Utc::now();
        assert_eq!(
            close_idle(&log, now).await.unwrap(),
            0,
            "nothing is a week old"
        );
        let closed = close_idle(&log, now + chrono::Duration::days(8))
            .await
            .unwrap();
        assert_eq!(closed, 1);
        let after = log.conversation(&alice, &quiet).await.unwrap().unwrap();
        assert_eq!(after.status, "archived");
        assert_eq!(after.summarised_through, 3);
        let summary = after.summary.unwrap();
        assert!(summary.contains("mountain cabin"), "{summary}");
        assert!(
            !summary.contains(": ok"),
            "acknowledgements are not summarised: {summary}"
        );
        assert_eq!(
            close_idle(&log, now + chrono::Duration::days(8))
                .await
                .unwrap(),
            0,
            "a closed conversation is not closed twice"
        );
    }

    #[test]
    fn idle_is_a_week_since_the_last_turn_or_the_start() {
        let now = chrono::Utc::now();
        let at = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339();
        let conversation = |last: Option<String>, created: String| Conversation {
            id: "c".into(),
            title: "t".into(),
            status: "open".into(),
            created_at: created,
            last_message_at: last,
            turns: 0,
            summary: None,
            summarised_through: 0,
        };
        assert!(idle(&conversation(Some(at(8)), at(30)), now));
        assert!(!idle(&conversation(Some(at(6)), at(30)), now));
        assert!(idle(&conversation(None, at(7)), now));
        assert!(!idle(&conversation(None, at(1)), now));
        let mut c = conversation(None, at(1));
        assert!(!due(c.summarised_through, 19) && due(c.summarised_through, 20));
        c.summarised_through = 20;
        assert!(!due(c.summarised_through, 39) && due(c.summarised_through, 40));
    }
}
