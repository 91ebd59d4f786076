//! The bus, with Kafka's consumer-group semantics: a consumer group reads
//! from its committed position, and commits only after every sink has
//! stored what it read. A crash between the two replays the uncommitted
//! messages (at-least-once delivery); the sinks are idempotent, so the
//! result is effectively-once.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::BackendError;

/// One message read from a bus topic, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The topic it was read from.
    pub topic: String,
    /// Its partition.
    pub partition: u32,
    /// Its offset within the partition.
    pub offset: u64,
    /// The message key (records with one key stay in order).
    pub key: Vec<u8>,
    /// The message body.
    pub payload: Vec<u8>,
}

/// A consumer-group reader of a bus topic.
#[async_trait]
pub trait Source: Send {
    /// Up to `max` messages after this group's position; empty when caught up.
    /// Polling again without committing returns the next messages, but a
    /// restart resumes from the last commit.
    async fn poll(&mut self, max: usize) -> Result<Vec<Delivery>, BackendError>;
    /// Commits the group's position past `delivery` (and every earlier
    /// message of its partition). Call only once every sink has stored it.
    async fn commit(&mut self, delivery: &Delivery) -> Result<(), BackendError>;
}

/// A writer to bus topics.
#[async_trait]
pub trait Producer: Send + Sync {
    /// Appends a message durably; returns its offset.
    async fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<u64, BackendError>;
}

/// A bus: a producer of its topics, and consumer-group sources of them.
#[async_trait]
pub trait Bus: Producer {
    /// A consumer of `topic` in consumer group `group`, starting at the
    /// group's committed position.
    async fn consumer(&self, topic: &str, group: &str) -> Result<Box<dyn Source>, BackendError>;
    /// Messages of `topic` that `group` has not committed yet.
    async fn lag(&self, topic: &str, group: &str) -> Result<u64, BackendError>;
}

/// The deliveries a consumer commits after a batch: the last one of each
/// partition (committing it covers the partition's earlier ones).
pub fn last_per_partition(deliveries: &[Delivery]) -> Vec<&Delivery> {
    let mut last: BTreeMap<(&str, u32), &Delivery> = BTreeMap::new();
    for d in deliveries {
        let entry = last.entry((d.topic.as_str(), d.partition)).or_insert(d);
        if d.offset >= entry.offset {
            *entry = d;
        }
    }
    last.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(partition: u32, offset: u64) -> Delivery {
        Delivery {
            topic: "t".into(),
            partition,
            offset,
            key: Vec::new(),
            payload: Vec::new(),
        }
    }

    #[test]
    fn each_partition_commits_its_last_delivery() {
        let batch = [d(1, 4), d(0, 7), d(1, 5), d(0, 8), d(2, 0)];
        let commits: Vec<(u32, u64)> = last_per_partition(&batch)
            .into_iter()
            .map(|d| (d.partition, d.offset))
            .collect();
        assert_eq!(commits, [(0, 8), (1, 5), (2, 0)]);
        assert!(last_per_partition(&[]).is_empty());
    }
}
