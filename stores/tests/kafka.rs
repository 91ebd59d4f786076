//! The Kafka bus against librdkafka's mock cluster: in-process brokers
//! speaking the real Kafka protocol on loopback sockets (consumer groups,
//! offset commits, rebalances). The same tests run against a real broker
//! when `TWINLAKE_TEST_KAFKA` names one (`scripts/kafka-broker.sh start`
//! prints its address).
#![cfg(feature = "kafka")]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use twinlake_core::backend::bus::last_per_partition;
use twinlake_core::backend::{Bus, Producer, Source};
use twinlake_stores::bus::kafka::{KafkaBus, KafkaSource};

/// The brokers the tests use: a real one named by `TWINLAKE_TEST_KAFKA`,
/// else a fresh mock cluster (kept alive by the returned guard).
struct Brokers {
    bootstrap: String,
    mock: Option<MockCluster<'static, rdkafka::producer::DefaultProducerContext>>,
}

impl Brokers {
    fn start() -> Self {
        if let Ok(bootstrap) = std::env::var("TWINLAKE_TEST_KAFKA") {
            return Brokers {
                bootstrap,
                mock: None,
            };
        }
        let mock = MockCluster::new(3).expect("mock cluster");
        Brokers {
            bootstrap: mock.bootstrap_servers(),
            mock: Some(mock),
        }
    }

    /// A topic no other test uses, with `partitions` partitions.
    fn topic(&self, name: &str, partitions: i32) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let topic = format!("{name}-{}-{nanos}", std::process::id());
        if let Some(mock) = &self.mock {
            mock.create_topic(&topic, partitions, 1).unwrap();
        }
        topic
    }

    /// The bus, creating topics with `partitions` partitions on a real broker.
    fn bus(&self, partitions: i32) -> KafkaBus {
        // A short session, so a member that vanishes is replaced in seconds.
        KafkaBus::open(&format!(
            "kafka://{}?partitions={partitions}&replication=1&session.timeout.ms=6000&heartbeat.interval.ms=500",
            self.bootstrap
        ))
        .unwrap()
    }
}

/// How long one test may run before it fails rather than hang CI.
const DEADLINE: Duration = Duration::from_secs(240);

/// Runs `test` on its own runtime against fresh brokers that outlive it.
/// A consumer the test drops leaves its group on the blocking pool, and
/// the runtime's shutdown waits for that; were the mock cluster gone
/// first, leaving would never finish and the test would hang. So the
/// brokers are dropped last, the shutdown is bounded, and so is the test.
fn on_brokers(test: impl AsyncFnOnce(&Brokers)) {
    let brokers = Brokers::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let finished = runtime.block_on(async { tokio::time::timeout(DEADLINE, test(&brokers)).await });
    runtime.shutdown_timeout(Duration::from_secs(30));
    drop(brokers);
    assert!(
        finished.is_ok(),
        "the test did not finish within {DEADLINE:?}"
    );
}

/// What one group member did: every payload it read, and from which partitions.
#[derive(Debug, Default)]
struct Read {
    payloads: Vec<String>,
    partitions: Vec<u32>,
}

/// Reads and commits what `source` gets for `how_long`, into `read`.
async fn read_for(source: &mut KafkaSource, how_long: Duration, read: &mut Vec<String>) {
    let started = Instant::now();
    while started.elapsed() < how_long {
        let batch = source.poll(5).await.unwrap();
        read.extend(
            batch
                .iter()
                .map(|d| String::from_utf8(d.payload.clone()).unwrap()),
        );
        for d in last_per_partition(&batch) {
            source.commit(d).await.unwrap();
        }
    }
}

/// Reads `source` until it is caught up, committing after each batch.
async fn drain(mut source: KafkaSource) -> Read {
    let mut read = Read::default();
    loop {
        let batch = source.poll(7).await.unwrap();
        if batch.is_empty() {
            return read;
        }
        for d in &batch {
            read.payloads
                .push(String::from_utf8(d.payload.clone()).unwrap());
            read.partitions.push(d.partition);
        }
        for d in last_per_partition(&batch) {
            source.commit(d).await.unwrap();
        }
    }
}

async fn produce(bus: &KafkaBus, topic: &str, range: std::ops::Range<usize>) -> Vec<String> {
    let mut sent = Vec::new();
    for i in range {
        let key = format!("tenant/user-{}", i % 8);
        let payload = format!("m{i:04}");
        bus.send(topic, key.as_bytes(), payload.as_bytes())
            .await
            .unwrap();
        sent.push(payload);
    }
    sent
}

fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[test]
fn the_kafka_bus_passes_the_source_contract() {
    on_brokers(async |brokers| {
        // One partition: the contract checks the order of unrelated keys.
        let topic = brokers.topic("contract", 1);
        let bus = brokers.bus(1);
        let group = format!("{topic}-group");
        twinlake_core::contract::source(&bus, &topic, || {
            bus.open_consumer(&topic, &group).unwrap()
        })
        .await;
    });
}

#[test]
fn two_members_split_the_partitions_and_together_read_everything() {
    on_brokers(async |brokers| {
        let topic = brokers.topic("split", 4);
        let bus = brokers.bus(4);
        let sent = produce(&bus, &topic, 0..80).await;
        let group = format!("{topic}-group");
        assert_eq!(bus.lag(&topic, &group).await.unwrap(), 80);

        let a = tokio::spawn(drain(bus.open_consumer(&topic, &group).unwrap()));
        let b = tokio::spawn(drain(bus.open_consumer(&topic, &group).unwrap()));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());

        assert!(
            !a.payloads.is_empty() && !b.payloads.is_empty(),
            "one member did all the work: a read {}, b read {}",
            a.payloads.len(),
            b.payloads.len()
        );
        let all: Vec<String> = a.payloads.iter().chain(&b.payloads).cloned().collect();
        assert_eq!(sorted_unique(all), sent, "a message was lost");
        // Each member returned only once the whole group had committed.
        assert_eq!(bus.lag(&topic, &group).await.unwrap(), 0);
        // One person's messages stay in one partition, in the order sent.
        let mut by_key: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for member in [&a, &b] {
            for p in &member.payloads {
                let i: usize = p[1..].parse().unwrap();
                by_key.entry(i % 8).or_default().push(p.clone());
            }
        }
        for (key, payloads) in by_key {
            let mut in_order = payloads.clone();
            in_order.sort();
            in_order.dedup();
            let mut seen = payloads;
            seen.dedup();
            assert!(
                seen.windows(2).all(|w| w[0] <= w[1]) || seen.len() != in_order.len(),
                "user-{key} read out of order: {seen:?}"
            );
        }
    });
}

#[test]
fn a_member_that_dies_before_committing_leaves_its_batch_to_the_group() {
    on_brokers(async |brokers| {
        let topic = brokers.topic("crash", 2);
        let bus = brokers.bus(2);
        let sent = produce(&bus, &topic, 0..30).await;
        let group = format!("{topic}-group");

        let mut doomed = bus.open_consumer(&topic, &group).unwrap();
        let batch = doomed.poll(10).await.unwrap();
        assert!(!batch.is_empty());
        drop(doomed); // dies mid-batch: nothing of it committed

        let survivor = drain(bus.open_consumer(&topic, &group).unwrap()).await;
        assert_eq!(sorted_unique(survivor.payloads.clone()), sent);
        for lost in &batch {
            let p = String::from_utf8(lost.payload.clone()).unwrap();
            assert!(
                survivor.payloads.contains(&p),
                "{p} was lost with the dead member"
            );
        }
        assert_eq!(bus.lag(&topic, &group).await.unwrap(), 0);
    });
}

#[test]
fn a_rebalance_while_messages_flow_loses_nothing() {
    on_brokers(async |brokers| {
        let topic = brokers.topic("rebalance", 4);
        let bus = std::sync::Arc::new(brokers.bus(4));
        let group = format!("{topic}-group");

        let producer = {
            let (bus, topic) = (bus.clone(), topic.clone());
            tokio::spawn(async move {
                let mut sent = Vec::new();
                for round in 0..10 {
                    sent.extend(produce(&bus, &topic, round * 20..(round + 1) * 20).await);
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                sent
            })
        };
        // The first member starts alone; a second joins while messages flow
        // (a rebalance), and the first leaves before the end (another one).
        let mut first = bus.open_consumer(&topic, &group).unwrap();
        let mut read = Vec::new();
        read_for(&mut first, Duration::from_millis(800), &mut read).await;
        let second = tokio::spawn(drain(bus.open_consumer(&topic, &group).unwrap()));
        read_for(&mut first, Duration::from_millis(800), &mut read).await;
        drop(first);
        let sent = producer.await.unwrap();
        // The second member is caught up only once all that was sent is in.
        // Both members read at once: a member that joined but is not read
        // holds its partitions, and the other would wait for them forever.
        let rest = tokio::spawn(drain(bus.open_consumer(&topic, &group).unwrap()));
        let (second, rest) = (second.await.unwrap(), rest.await.unwrap());
        read.extend(second.payloads);
        read.extend(rest.payloads);
        assert_eq!(
            sorted_unique(read),
            sent,
            "a message was lost in a rebalance"
        );
        assert_eq!(bus.lag(&topic, &group).await.unwrap(), 0);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_broker_is_named() {
    // Nothing listens on port 1; the send fails within its timeout, naming the brokers.
    let bus = KafkaBus::open("kafka://127.0.0.1:1?timeout.ms=2000").unwrap();
    let err = bus.send("t", b"k", b"v").await.unwrap_err().to_string();
    assert!(err.contains("kafka://127.0.0.1:1"), "{err}");
}
