//! The chat-log suite: ordered, scoped turns, numbered without races.

use std::sync::Arc;

use serde_json::json;

use super::scopes;
use crate::backend::chat_log::{ConversationChange, ConversationStatus};
use crate::backend::{BackendError, ChatLog, Role};

/// Concurrent writers in [`chat_log`]'s race check.
const WRITERS: i64 = 16;

/// The chat-log contract: turns in order and scoped to their owner, an
/// append to another user's conversation refused as not found, turn
/// numbers without gaps or repeats under concurrent writers, deletion of
/// one user's conversations that leaves the others', and the outbox of
/// turns still to learn.
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

    // Listed by latest turn, paged by number, retitled and archived by
    // their owner alone.
    let listed = log.conversations(&alice, 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|c| (c.id.as_str(), c.turns))
            .collect::<Vec<_>>(),
        [(race.as_str(), WRITERS), (c.as_str(), 2)]
    );
    assert!(
        listed
            .iter()
            .all(|c| c.status == "open" && c.last_message_at.is_some())
    );
    assert_eq!(log.conversations(&alice, 1).await.unwrap().len(), 1);
    assert!(log.conversations(&bob, 10).await.unwrap().is_empty());
    let page = log.turns_after(&alice, &race, 5, 3).await.unwrap();
    assert_eq!(page.iter().map(|t| t.seq).collect::<Vec<_>>(), [6, 7, 8]);
    assert!(
        log.turns_after(&bob, &race, 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let rename = ConversationChange {
        title: Some("Renamed".into()),
        status: Some(ConversationStatus::Archived),
    };
    let refused = log
        .change_conversation(&bob, &c, &rename)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, BackendError::NotFound { .. }),
        "{refused:?}"
    );
    assert_eq!(
        log.conversations(&alice, 10).await.unwrap()[1].title,
        "hello"
    );
    let changed = log.change_conversation(&alice, &c, &rename).await.unwrap();
    assert_eq!(
        (changed.title.as_str(), changed.status.as_str()),
        ("Renamed", "archived")
    );
    let reopened = log
        .change_conversation(
            &alice,
            &c,
            &ConversationChange {
                status: Some(ConversationStatus::Open),
                ..ConversationChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (reopened.title.as_str(), reopened.status.as_str()),
        ("Renamed", "open")
    );

    // The outbox holds the person's turns, oldest first, until they are
    // learnt; never the twin's; only their owner marks them.
    let pending = log.unlearnt(10_000).await.unwrap();
    assert!(pending.iter().all(|(_, t)| t.role == "user"), "{pending:?}");
    assert!(pending.windows(2).all(|w| w[0].1.id < w[1].1.id));
    assert!(log.unlearnt_count().await.unwrap() >= pending.len() as u64);
    let hi = pending
        .iter()
        .find(|(owner, t)| owner == &alice && t.conversation_id == c)
        .map(|(_, t)| t.id)
        .expect("alice's turn waits to be learnt");
    assert_eq!(log.mark_learnt(&bob, &[hi]).await.unwrap(), 0);
    assert_eq!(log.mark_learnt(&alice, &[hi]).await.unwrap(), 1);
    assert_eq!(log.mark_learnt(&alice, &[hi]).await.unwrap(), 0);
    let pending = log.unlearnt(10_000).await.unwrap();
    assert!(!pending.iter().any(|(_, t)| t.id == hi));
    assert!(pending.iter().any(|(_, t)| t.conversation_id == race));

    let b = log.start_conversation(&bob, "bob's").await.unwrap();
    log.append(&bob, &b, Role::User, "mine", &json!([]))
        .await
        .unwrap();
    assert_eq!(log.delete_scope(&alice).await.unwrap(), 2 + WRITERS as u64);
    assert!(!log.owns(&alice, &c).await.unwrap());
    assert!(log.turns(&alice, &race, 100).await.unwrap().is_empty());
    assert_eq!(log.turns(&bob, &b, 10).await.unwrap().len(), 1);
}
