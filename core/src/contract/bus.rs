//! The bus suite: a consumer group's source resumes from its last commit.

use crate::backend::{Producer, Source};

/// The source contract for a bus: `producer` appends to `topic`,
/// `consumer` opens a fresh consumer (as after a restart) of one group.
pub async fn source<P, S, F>(producer: &P, topic: &str, mut consumer: F)
where
    P: Producer,
    S: Source,
    F: FnMut() -> S,
{
    for i in 0..5u8 {
        producer.send(topic, &[i], &[b'm', i]).await.unwrap();
    }
    let mut first = consumer();
    let batch = first.poll(3).await.unwrap();
    assert_eq!(
        batch.iter().map(|d| d.payload[1]).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    first.commit(&batch[1]).await.unwrap();
    let more = first.poll(10).await.unwrap();
    assert_eq!(
        more.iter().map(|d| d.payload[1]).collect::<Vec<_>>(),
        vec![3, 4]
    );
    drop(first); // crash: message 2 was delivered but never committed

    let mut second = consumer();
    let replay = second.poll(10).await.unwrap();
    assert_eq!(
        replay.iter().map(|d| d.payload[1]).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    second.commit(replay.last().unwrap()).await.unwrap();
    assert!(second.poll(10).await.unwrap().is_empty());
    drop(second);
    assert!(
        consumer().poll(10).await.unwrap().is_empty(),
        "commit was not durable"
    );
}
