//! The chat-log suite: ordered, scoped turns, numbered without races.

use std::sync::Arc;

use serde_json::json;

use super::scopes;
use crate::backend::chat_log::{ConversationChange, ConversationStatus, Feedback, Rating};
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
    let answered = log
        .append(
            &alice,
            &c,
            Role::Twin,
            "hello [1]",
            &json!({"citations": [{"n": 1}]}),
        )
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
    assert_eq!(turns[1].metadata["citations"][0]["n"], 1);
    // One turn, read by its id by its owner alone.
    assert_eq!(
        log.turn(&alice, answered.id).await.unwrap().as_ref(),
        Some(&answered)
    );
    assert_eq!(log.turn(&bob, answered.id).await.unwrap(), None);
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

    // A summary covers turns up to a number; only the owner sets it.
    let refused = log.set_summary(&bob, &c, "stolen", 2).await.unwrap_err();
    assert!(
        matches!(refused, BackendError::NotFound { .. }),
        "{refused:?}"
    );
    log.set_summary(&alice, &c, "Alice said hi.", 2)
        .await
        .unwrap();
    let summarised = log.conversation(&alice, &c).await.unwrap().unwrap();
    assert_eq!(
        (summarised.summary.as_deref(), summarised.summarised_through),
        (Some("Alice said hi."), 2)
    );

    // Idle conversations are the open ones whose last turn came before a
    // time, of every owner.
    let future = chrono::Utc::now() + chrono::Duration::days(1);
    let idle = log.idle_conversations(future, 10_000).await.unwrap();
    assert!(idle.iter().any(|(o, x)| o == &alice && x.id == c));
    assert!(idle.iter().all(|(_, x)| x.status == "open"));
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    assert!(
        !log.idle_conversations(past, 10_000)
            .await
            .unwrap()
            .iter()
            .any(|(_, x)| x.id == c || x.id == race)
    );

    // Feedback is kept per owner, latest first.
    for (rating, memory) in [(Rating::Helpful, "m1"), (Rating::Incorrect, "m2")] {
        let given = Feedback {
            turn_id: answered.id,
            rating,
            comment: Some(format!("{} it was", rating.as_str())),
            memory_ids: vec![memory.to_string()],
            created_at: chrono::Utc::now().to_rfc3339(),
        };
        log.add_feedback(&alice, &given).await.unwrap();
    }
    let given = log.feedback(&alice, 10).await.unwrap();
    assert_eq!(
        given.iter().map(|f| f.rating).collect::<Vec<_>>(),
        [Rating::Incorrect, Rating::Helpful]
    );
    assert_eq!(given[0].memory_ids, ["m2"]);
    assert_eq!(log.feedback(&alice, 1).await.unwrap().len(), 1);
    assert!(log.feedback(&bob, 10).await.unwrap().is_empty());

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
    assert!(log.feedback(&alice, 10).await.unwrap().is_empty());
}
