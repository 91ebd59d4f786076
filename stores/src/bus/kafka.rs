//! The Kafka bus (`kafka://host:port[,host:port...][?key=value...]`), over
//! librdkafka.
//!
//! Producers key each message by its owner (tenant/user), and Kafka keeps
//! one key in one partition, so one person's stream stays in order while
//! the partitions spread people over the workers of a consumer group.
//! Sources are members of a consumer group with automatic commits off:
//! [`Source::commit`] commits one partition's position synchronously, and
//! the pipeline calls it only once every sink has stored the batch. A
//! worker that dies before committing leaves its partitions' messages to
//! the member the group reassigns them to (at-least-once; the sinks are
//! idempotent).
//!
//! A source is *caught up* when each partition of its topic is read to its
//! end: by this member for the partitions assigned to it, by the group's
//! committed position for the others. So `twinlake ingest`, one member of
//! the group among `pipeline run --follow` workers, returns once the whole
//! group has stored what was on the topic, not only its own share.
//!
//! Topics are created on first use with `partitions` partitions (default
//! 6) and the broker's default replication, unless `replication` is given.
//! `timeout.ms` bounds each call to the brokers (default 30 s).
//! Every other query key is handed to librdkafka as it is, for example
//! `session.timeout.ms=6000` or `security.protocol=ssl`.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use twinlake_core::backend::{BackendError, Bus, Delivery, Producer, Source, on_blocking_pool};

const BACKEND: &str = "kafka bus";
/// How long a network call to the brokers (metadata, offsets, a delivery
/// report) may take before the bus is reported unavailable, unless the URL
/// says otherwise (`timeout.ms`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `poll` waits for a first message before it checks whether the
/// source is caught up.
const IDLE_WAIT: Duration = Duration::from_millis(250);
/// Once a batch has its first message, how long `poll` waits for more.
const BATCH_WAIT: Duration = Duration::from_millis(20);
const DEFAULT_PARTITIONS: i32 = 6;

/// Where the brokers are and how to talk to them, parsed from a
/// `kafka://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaUrl {
    /// `bootstrap.servers`: comma-separated `host:port`.
    pub bootstrap: String,
    /// Partitions of a topic the bus creates.
    pub partitions: i32,
    /// Replication factor of a topic the bus creates; -1 is the broker's default.
    pub replication: i32,
    /// How long one call to the brokers may take.
    pub timeout: Duration,
    /// Other librdkafka properties, as given.
    pub properties: BTreeMap<String, String>,
}

impl KafkaUrl {
    /// Parses `kafka://host:port[,host:port...][?key=value&...]`.
    pub fn parse(url: &str) -> Result<Self, BackendError> {
        let invalid =
            |why: &str| BackendError::engine(BACKEND, format!("invalid bus url {url:?}: {why}"));
        let rest = url
            .strip_prefix("kafka://")
            .ok_or_else(|| invalid("it must start with kafka://"))?;
        let (hosts, query) = rest.split_once('?').unwrap_or((rest, ""));
        let hosts = hosts.trim_end_matches('/');
        if hosts.is_empty() || hosts.split(',').any(|h| !h.contains(':')) {
            return Err(invalid("name the brokers as host:port[,host:port...]"));
        }
        let mut parsed = KafkaUrl {
            bootstrap: hosts.to_string(),
            partitions: DEFAULT_PARTITIONS,
            replication: -1,
            timeout: DEFAULT_TIMEOUT,
            properties: BTreeMap::new(),
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| invalid(&format!("{pair:?} is not key=value")))?;
            let number = || {
                value
                    .parse::<i32>()
                    .map_err(|_| invalid(&format!("{key} must be a whole number, not {value:?}")))
            };
            match key {
                "partitions" => parsed.partitions = number()?.max(1),
                "replication" => parsed.replication = number()?,
                "timeout.ms" => {
                    parsed.timeout = Duration::from_millis(number()?.max(1) as u64);
                    // Deliveries give up when calls do.
                    parsed
                        .properties
                        .entry("message.timeout.ms".into())
                        .or_insert_with(|| value.into());
                }
                _ => {
                    parsed.properties.insert(key.into(), value.into());
                }
            }
        }
        Ok(parsed)
    }

    /// A client configuration for these brokers, with the given properties.
    fn client(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap);
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        config
    }
}

/// A bus on a Kafka cluster (or any broker speaking its protocol).
pub struct KafkaBus {
    url: KafkaUrl,
    producer: FutureProducer,
    admin: AdminClient<DefaultClientContext>,
    /// Topics known to exist, so each is created at most once per process.
    topics: Mutex<HashSet<String>>,
}

impl KafkaBus {
    /// Connects to the brokers of `url` (lazily: a broker that is down is
    /// reported by the first call that needs it).
    pub fn open(url: &str) -> Result<Self, BackendError> {
        let url = KafkaUrl::parse(url)?;
        let producer = url
            .client()
            // Durable and in order: every in-sync replica acknowledges, and
            // retries never reorder or duplicate a key's messages.
            .set("enable.idempotence", "true")
            .set("acks", "all")
            // Java clients' partitioner, so producers in any language put
            // one person's messages in the same partition.
            .set("partitioner", "murmur2_random")
            .create()
            .map_err(|e| unavailable(&url, e))?;
        let admin = url.client().create().map_err(|e| unavailable(&url, e))?;
        Ok(KafkaBus {
            url,
            producer,
            admin,
            topics: Mutex::new(HashSet::new()),
        })
    }

    /// Creates `topic` unless it exists (or was seen to exist). A broker
    /// that refuses the admin API (librdkafka's mock cluster does) leaves
    /// creation to its automatic topic creation.
    async fn ensure_topic(&self, topic: &str) -> Result<(), BackendError> {
        if self.topics.lock().expect("topics lock").contains(topic) {
            return Ok(());
        }
        // Look first: most processes start on topics that exist, and a
        // broker without the admin API (the mock cluster) would hold a
        // creation request until it times out.
        if self.topic_exists(topic).await? {
            self.topics
                .lock()
                .expect("topics lock")
                .insert(topic.to_string());
            return Ok(());
        }
        let new = NewTopic::new(
            topic,
            self.url.partitions,
            TopicReplication::Fixed(self.url.replication),
        );
        let options = AdminOptions::new()
            .operation_timeout(Some(self.url.timeout))
            .request_timeout(Some(self.url.timeout));
        match self.admin.create_topics([&new], &options).await {
            Ok(results) => {
                for result in results {
                    match result {
                        Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                        Err((name, code)) => {
                            return Err(BackendError::engine(
                                BACKEND,
                                format!("creating topic {name} on {}: {code}", self.url.bootstrap),
                            ));
                        }
                    }
                }
            }
            Err(e) => {
                tracing::debug!(topic, error = %e, "topic not created; relying on auto-creation")
            }
        }
        self.topics
            .lock()
            .expect("topics lock")
            .insert(topic.to_string());
        Ok(())
    }

    /// Whether the brokers know `topic`, with at least one partition.
    async fn topic_exists(&self, topic: &str) -> Result<bool, BackendError> {
        let producer = self.producer.clone();
        let (url, topic) = (self.url.clone(), topic.to_string());
        on_blocking_pool(BACKEND, move || {
            let metadata = producer
                .client()
                .fetch_metadata(Some(&topic), url.timeout)
                .map_err(|e| unavailable(&url, e))?;
            Ok(metadata
                .topics()
                .iter()
                .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty()))
        })
        .await
    }

    /// A new member of consumer group `group` reading `topic` (which must
    /// exist, or be created by the broker on first use), starting at the
    /// group's committed position.
    pub fn open_consumer(&self, topic: &str, group: &str) -> Result<KafkaSource, BackendError> {
        let consumer: StreamConsumer = self.group_consumer(group)?;
        consumer
            .subscribe(&[topic])
            .map_err(|e| unavailable(&self.url, e))?;
        Ok(KafkaSource {
            consumer: Some(Arc::new(consumer)),
            topic: topic.to_string(),
            bootstrap: self.url.bootstrap.clone(),
            timeout: self.url.timeout,
        })
    }

    /// A consumer of this cluster in `group`, with commits left to the caller.
    fn group_consumer<C: rdkafka::config::FromClientConfig>(
        &self,
        group: &str,
    ) -> Result<C, BackendError> {
        self.url
            .client()
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .map_err(|e| unavailable(&self.url, e))
    }
}

#[async_trait]
impl Producer for KafkaBus {
    async fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<u64, BackendError> {
        self.ensure_topic(topic).await?;
        let record = FutureRecord::to(topic).key(key).payload(payload);
        let delivered = self
            .producer
            .send(record, self.url.timeout)
            .await
            .map_err(|(e, _)| unavailable(&self.url, e))?;
        Ok(delivered.offset.max(0) as u64)
    }
}

#[async_trait]
impl Bus for KafkaBus {
    async fn consumer(&self, topic: &str, group: &str) -> Result<Box<dyn Source>, BackendError> {
        self.ensure_topic(topic).await?;
        Ok(Box::new(self.open_consumer(topic, group)?))
    }

    async fn lag(&self, topic: &str, group: &str) -> Result<u64, BackendError> {
        self.ensure_topic(topic).await?;
        // A consumer that never joins the group: it only reads the group's
        // committed offsets.
        let reader: BaseConsumer = self.group_consumer(group)?;
        let url = self.url.clone();
        let topic = topic.to_string();
        on_blocking_pool(BACKEND, move || {
            let ends = partition_ends(&reader, &topic, None, url.timeout)
                .map_err(|e| unavailable(&url, e))?;
            Ok(ends.iter().map(|end| end.remaining()).sum())
        })
        .await
    }
}

/// A member of a consumer group reading one topic.
pub struct KafkaSource {
    /// Taken only when the source is dropped (see its `Drop`).
    consumer: Option<Arc<StreamConsumer>>,
    topic: String,
    bootstrap: String,
    timeout: Duration,
}

#[async_trait]
impl Source for KafkaSource {
    async fn poll(&mut self, max: usize) -> Result<Vec<Delivery>, BackendError> {
        let mut batch = Vec::new();
        loop {
            let wait = if batch.is_empty() {
                IDLE_WAIT
            } else {
                BATCH_WAIT
            };
            match tokio::time::timeout(wait, self.consumer().recv()).await {
                Ok(Ok(message)) => {
                    batch.push(Delivery {
                        topic: message.topic().to_string(),
                        partition: message.partition().max(0) as u32,
                        offset: message.offset().max(0) as u64,
                        key: message.key().unwrap_or_default().to_vec(),
                        payload: message.payload().unwrap_or_default().to_vec(),
                    });
                    if batch.len() >= max.max(1) {
                        return Ok(batch);
                    }
                }
                Ok(Err(e)) => return Err(self.unavailable(e)),
                Err(_) if !batch.is_empty() => return Ok(batch),
                // Nothing came: done if every partition is read to its end,
                // else wait on (the group may still be assigning partitions,
                // or another member is still storing its share).
                Err(_) => {
                    if self.caught_up().await? {
                        return Ok(batch);
                    }
                }
            }
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), BackendError> {
        let mut position = TopicPartitionList::new();
        position
            .add_partition_offset(
                &delivery.topic,
                delivery.partition as i32,
                Offset::Offset(delivery.offset as i64 + 1),
            )
            .map_err(|e| self.unavailable(e))?;
        let consumer = self.consumer().clone();
        let committed = on_blocking_pool(BACKEND, move || {
            Ok(consumer.commit(&position, CommitMode::Sync))
        })
        .await?;
        match committed {
            Ok(()) => Ok(()),
            // The partition moved to another member in a rebalance: that
            // member replays from the last commit, and the sinks are
            // idempotent, so nothing is lost by not committing here.
            Err(e) if lost_to_rebalance(&e) => {
                tracing::info!(partition = delivery.partition, error = %e, "commit skipped: partition reassigned");
                Ok(())
            }
            Err(e) => Err(self.unavailable(e)),
        }
    }
}

impl Drop for KafkaSource {
    /// Leaving the group waits on the brokers (the consumer's own `Drop`
    /// polls until it is closed), so it is done on the blocking pool when
    /// there is a runtime to own it.
    fn drop(&mut self) {
        let consumer = self.consumer.take();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn_blocking(move || drop(consumer));
        }
    }
}

impl KafkaSource {
    fn consumer(&self) -> &Arc<StreamConsumer> {
        self.consumer
            .as_ref()
            .expect("the consumer is taken only on drop")
    }

    /// The partitions the group has assigned to this member now.
    pub fn assigned_partitions(&self) -> Vec<u32> {
        self.consumer()
            .assignment()
            .map(|list| {
                list.elements()
                    .iter()
                    .map(|e| e.partition().max(0) as u32)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether each partition of the topic is read to its end.
    async fn caught_up(&self) -> Result<bool, BackendError> {
        let consumer = self.consumer().clone();
        let (topic, timeout) = (self.topic.clone(), self.timeout);
        let ends = on_blocking_pool(BACKEND, move || {
            let position = consumer.position().ok();
            Ok(partition_ends(
                &*consumer,
                &topic,
                position.as_ref(),
                timeout,
            ))
        })
        .await?
        .map_err(|e| self.unavailable(e))?;
        Ok(ends.iter().all(|end| end.remaining() == 0))
    }

    fn unavailable(&self, e: KafkaError) -> BackendError {
        BackendError::Unavailable {
            backend: BACKEND,
            url: format!("kafka://{}", self.bootstrap),
            message: e.to_string(),
        }
    }
}

/// How far one partition is read: the position reached, and its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PartitionEnd {
    read_to: i64,
    end: i64,
}

impl PartitionEnd {
    fn remaining(&self) -> u64 {
        (self.end - self.read_to).max(0) as u64
    }
}

/// Each partition of `topic`: where the group (or, for partitions in
/// `position`, this member) has read to, and its high watermark. A
/// partition nobody has committed is read from its start.
fn partition_ends<C: Consumer>(
    consumer: &C,
    topic: &str,
    position: Option<&TopicPartitionList>,
    timeout: Duration,
) -> Result<Vec<PartitionEnd>, KafkaError> {
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Ok(Vec::new());
    }
    let mut wanted = TopicPartitionList::new();
    for &p in &partitions {
        wanted.add_partition(topic, p);
    }
    let committed = consumer.committed_offsets(wanted, timeout)?;
    let offset_in = |list: Option<&TopicPartitionList>, p: i32| match list
        .and_then(|l| l.find_partition(topic, p))?
        .offset()
    {
        Offset::Offset(n) => Some(n),
        _ => None,
    };
    partitions
        .into_iter()
        .map(|p| {
            let (start, end) = consumer.fetch_watermarks(topic, p, timeout)?;
            let read_to = offset_in(position, p)
                .or_else(|| offset_in(Some(&committed), p))
                .unwrap_or(start);
            Ok(PartitionEnd { read_to, end })
        })
        .collect()
}

/// Whether a commit failed only because the group moved the partition.
fn lost_to_rebalance(e: &KafkaError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::RebalanceInProgress
                | RDKafkaErrorCode::IllegalGeneration
                | RDKafkaErrorCode::UnknownMemberId
                | RDKafkaErrorCode::AssignmentLost
                | RDKafkaErrorCode::FencedInstanceId
        )
    )
}

fn unavailable(url: &KafkaUrl, e: KafkaError) -> BackendError {
    BackendError::Unavailable {
        backend: BACKEND,
        url: format!("kafka://{}", url.bootstrap),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_brokers_topic_settings_and_client_properties() {
        let url = KafkaUrl::parse(
            "kafka://a:9092,b:9092?partitions=12&session.timeout.ms=6000&timeout.ms=500",
        )
        .unwrap();
        assert_eq!(url.bootstrap, "a:9092,b:9092");
        assert_eq!(url.timeout, Duration::from_millis(500));
        assert_eq!(
            url.properties.get("message.timeout.ms").map(String::as_str),
            Some("500")
        );
        assert_eq!((url.partitions, url.replication), (12, -1));
        assert_eq!(
            url.properties.get("session.timeout.ms").map(String::as_str),
            Some("6000")
        );
        assert_eq!(
            KafkaUrl::parse("kafka://h:1/").unwrap().partitions,
            DEFAULT_PARTITIONS
        );

        for (bad, why) in [
            ("kafka://", "host:port"),
            ("kafka://host", "host:port"),
            ("kafka://h:1?partitions=many", "whole number"),
            ("kafka://h:1?oops", "key=value"),
        ] {
            let err = KafkaUrl::parse(bad).unwrap_err().to_string();
            assert!(err.contains(why) && err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn a_partition_is_caught_up_at_its_end() {
        let end = |read_to, end| PartitionEnd { read_to, end };
        assert_eq!(end(3, 10).remaining(), 7);
        assert_eq!(end(10, 10).remaining(), 0);
        assert_eq!(end(12, 10).remaining(), 0);
    }
}
