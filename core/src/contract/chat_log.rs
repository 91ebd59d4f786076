//! The chat-log suite: ordered, scoped turns, numbered without races.

use std::sync::Arc;

use serde_json::json;

use super::scopes;
use crate::backend::{BackendError, ChatLog, Role};

/// Concurrent writers in [`chat_log`]'s race check.
const WRITERS: i64 = 16;

/// The chat-log contract: turns in order and scoped to their owner, an
/// append to another user's conversation refused as not found, turn
/// numbers without gaps or repeats under concurrent writers, deletion of
/// one user's conversations that leaves the others'.
pub async fn chat_log(log: Arc<dyn ChatLog>) {
    let (alice, bob) = scopes();
    let c = log.start_conversation(&alice, "hello").await.unwrap();
    assert!(log.owns(&alice, &c).await.unwrap());
    assert!(!log.owns(&bob, &c).await.unwrap());
    log.append(&alice, &c, Role::User, "hi", &json!([]))
        .await
        .unwrap();
    log.append(&alice, &c, Role::Twin, "hello [1]", &json!([{"n": 1}]))
        .await
        .unwrap();
    let turns = log.turns(&alice, &c, 10).await.unwrap();
    assert_eq!(
        turns
            .iter()
            .map(|t| (t.seq, t.role.as_str()))
            .collect::<Vec<_>>(),
        [(1, "user"), (2, "twin")]
    );
    assert_eq!(turns[1].citations[0]["n"], 1);
    assert!(turns[0].id < turns[1].id);
    assert!(
        log.turns(&bob, &c, 10).await.unwrap().is_empty(),
        "bob read alice's conversation"
    );
    let refused = log
        .append(&bob, &c, Role::User, "sneaky", &json!([]))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, BackendError::NotFound { .. }),
        "{refused:?}"
    );
    assert_eq!(log.turns(&alice, &c, 1).await.unwrap()[0].seq, 2);

    // Concurrent writers never share or skip a number.
    let race = log.start_conversation(&alice, "race").await.unwrap();
    let writers: Vec<_> = (0..WRITERS)
        .map(|i| {
            let log = log.clone();
            let (alice, race) = (alice.clone(), race.clone());
            tokio::spawn(async move {
                log.append(&alice, &race, Role::User, &format!("turn {i}"), &json!([]))
                    .await
                    .unwrap()
                    .seq
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for w in writers {
        seqs.push(w.await.unwrap());
    }
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=WRITERS).collect::<Vec<_>>(),
        "turn numbers raced"
    );

    let b = log.start_conversation(&bob, "bob's").await.unwrap();
    log.append(&bob, &b, Role::User, "mine", &json!([]))
        .await
        .unwrap();
    assert_eq!(log.delete_scope(&alice).await.unwrap(), 2 + WRITERS as u64);
    assert!(!log.owns(&alice, &c).await.unwrap());
    assert!(log.turns(&alice, &race, 100).await.unwrap().is_empty());
    assert_eq!(log.turns(&bob, &b, 10).await.unwrap().len(), 1);
}
