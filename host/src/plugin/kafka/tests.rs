//! The capability against librdkafka's mock cluster (in process, on
//! loopback): denials, the batch layout of polled records, positions,
//! groups, and secrets kept out of errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use wasm_connect_sdk::{Batch, TimestampType, ValueRef};

use super::*;
use crate::plugin::convert::batch_from_wit;

/// A mock cluster (not `Send`: each test keeps it on its own thread).
struct Broker(MockCluster<'static, rdkafka::producer::DefaultProducerContext>);

impl Broker {
    fn start() -> Self {
        Self(MockCluster::new(1).unwrap())
    }
    fn bootstrap_servers(&self) -> String {
        self.0.bootstrap_servers()
    }
    fn create_topic(&self, topic: &str, partitions: i32) {
        self.0.create_topic(topic, partitions, 1).unwrap();
    }
}

fn grant(broker: Option<&Broker>, consumer: &[(&str, &str)]) -> KafkaGrant {
    KafkaGrant {
        clusters: broker
            .map(|b| ClusterGrant {
                name: "source".into(),
                bootstrap_servers: b.bootstrap_servers(),
                consumer: consumer
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            })
            .into_iter()
            .collect(),
        target: broker.map(|b| KafkaSettings {
            bootstrap_servers: b.bootstrap_servers(),
            producer: Vec::new(),
            consumer: Vec::new(),
            admin: Vec::new(),
        }),
        connector: "mirror".into(),
        client_id: "connector-consumer-mirror-0".into(),
    }
}

/// (partition, key, value, headers, timestamp) of a record to produce.
type Produced<'a> = (
    i32,
    Option<&'a [u8]>,
    Option<&'a [u8]>,
    Vec<(&'a str, Option<&'a [u8]>)>,
    i64,
);

fn produce(broker: &Broker, topic: &str, records: &[Produced<'_>]) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .create()
        .unwrap();
    for (partition, key, value, headers, ts) in records {
        let mut h = OwnedHeaders::new();
        for (k, v) in headers {
            h = h.insert(Header { key: k, value: *v });
        }
        let mut out = BaseRecord::<[u8], [u8]>::to(topic)
            .partition(*partition)
            .timestamp(*ts)
            .headers(h);
        if let Some(k) = key {
            out = out.key(*k);
        }
        if let Some(v) = value {
            out = out.payload(*v);
        }
        producer.send(out).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

/// Poll until `n` records came (or 20 s passed).
async fn poll_n(consumer: &KafkaConsumer, n: usize) -> Batch {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut all = Batch::new();
    while all.len() < n && Instant::now() < deadline {
        let polled = consumer.poll(1000, 200).await.unwrap();
        let batch = batch_from_wit(polled, None).unwrap();
        batch.validate().unwrap();
        all.append(batch).unwrap();
    }
    assert_eq!(all.len(), n, "records polled");
    all
}

fn bytes<'a>(v: ValueRef<'a>) -> Option<&'a [u8]> {
    match v {
        ValueRef::Null => None,
        ValueRef::Bytes(b) => Some(b),
        other => panic!("not bytes: {other:?}"),
    }
}

fn start(topic: &str, partition: i32, position: wit::StartPosition) -> wit::PartitionStart {
    wit::PartitionStart {
        topic: topic.into(),
        partition,
        position,
    }
}

fn tp(topic: &str, partition: i32) -> types::TopicPartition {
    types::TopicPartition {
        topic: topic.into(),
        partition,
    }
}

fn pairs(list: Vec<types::TopicPartition>) -> Vec<(String, i32)> {
    list.into_iter().map(|t| (t.topic, t.partition)).collect()
}

#[tokio::test]
async fn a_cluster_not_granted_is_denied_with_a_plugin_error() {
    let none = grant(None, &[]);
    let e = KafkaConsumer::open(&none, "source", None).err().unwrap();
    let wit = e.to_wit();
    assert_eq!(wit.kind, types::ErrorKind::Config);
    assert_eq!(
        wit.message,
        "Kafka cluster 'source' is not granted to connector 'mirror' (granted: none): a connector \
         grants a cluster with a key its plugin declares for it, such as source.bootstrap.servers"
    );
    let broker = Broker::start();
    let granted = grant(Some(&broker), &[]);
    let e = KafkaConsumer::open(&granted, "other", None).err().unwrap();
    assert!(e.to_string().contains("(granted: source)"), "{e}");
    let e = target::ensure_topic(&none, &mut None, "t", 1, -1)
        .await
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "connector 'mirror' granted no Kafka cluster, so its plugins may not create topics"
    );
    assert_eq!(e.to_wit().kind, types::ErrorKind::Config);
}

#[tokio::test]
async fn polled_records_keep_everything_kafka_has() {
    let broker = Broker::start();
    broker.create_topic("orders", 2);
    produce(
        &broker,
        "orders",
        &[
            (0, None, Some(b"v0"), vec![], 1_000),
            (
                0,
                Some(b""),
                Some(b""),
                vec![("a", Some(b"1")), ("a", None), ("b", Some(b""))],
                2_000,
            ),
            (1, Some(b"k"), None, vec![("z", Some(b"\xff\x00"))], 3_000),
        ],
    );
    let g = grant(Some(&broker), &[]);
    let consumer = KafkaConsumer::open(&g, "source", None).unwrap();
    let topics = consumer.topics().await.unwrap();
    assert!(
        topics
            .iter()
            .any(|t| t.name == "orders" && t.partitions == 2),
        "{topics:?}"
    );
    consumer
        .assign(&[
            start("orders", 0, wit::StartPosition::Earliest),
            start("orders", 1, wit::StartPosition::Offset(0)),
        ])
        .await
        .unwrap();
    let batch = poll_n(&consumer, 3).await;
    let mut seen = Vec::new();
    for r in batch.iter() {
        assert_eq!(r.topic().unwrap(), "orders");
        let desc = r.desc();
        assert_eq!(desc.timestamp_type(), TimestampType::CreateTime);
        assert_eq!(desc.source_partition, wasm_connect_sdk::layout::NONE);
        let headers: Vec<(String, Option<Vec<u8>>)> = r
            .header_descs()
            .unwrap()
            .map(|h| {
                let key = batch.str(h.key_start, h.key_len, "key").unwrap().to_owned();
                (
                    key,
                    bytes(batch.value(h.value, "h").unwrap()).map(<[u8]>::to_vec),
                )
            })
            .collect();
        seen.push((
            r.partition().unwrap(),
            r.offset().unwrap(),
            r.timestamp().unwrap(),
            bytes(r.key().unwrap()).map(<[u8]>::to_vec),
            bytes(r.value().unwrap()).map(<[u8]>::to_vec),
            headers,
        ));
    }
    seen.sort_by_key(|s| (s.0, s.1));
    assert_eq!(
        seen,
        vec![
            (0, 0, 1_000, None, Some(b"v0".to_vec()), vec![]),
            (
                0,
                1,
                2_000,
                Some(vec![]),
                Some(vec![]),
                vec![
                    ("a".into(), Some(b"1".to_vec())),
                    ("a".into(), None),
                    ("b".into(), Some(vec![]))
                ]
            ),
            (
                1,
                0,
                3_000,
                Some(b"k".to_vec()),
                None,
                vec![("z".into(), Some(vec![0xff, 0]))]
            ),
        ]
    );
    // Nothing more: an empty batch after the wait.
    let empty = consumer.poll(10, 50).await.unwrap();
    assert!(empty.records.is_empty());
}

#[tokio::test]
async fn positions_pauses_and_the_assignment() {
    let broker = Broker::start();
    broker.create_topic("log", 2);
    let five: Vec<Produced<'_>> = (0..5)
        .map(|i| (0, None, Some(b"x".as_slice()), vec![], i))
        .collect();
    produce(&broker, "log", &five);
    let g = grant(Some(&broker), &[]);
    let consumer = KafkaConsumer::open(&g, "source", None).unwrap();
    consumer
        .assign(&[start("log", 0, wit::StartPosition::Offset(3))])
        .await
        .unwrap();
    let batch = poll_n(&consumer, 2).await;
    assert_eq!(batch.record(0).unwrap().offset(), Some(3));
    // At most max-records at a time.
    consumer
        .seek(&start("log", 0, wit::StartPosition::Earliest))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut first = Batch::new();
    while first.is_empty() && Instant::now() < deadline {
        first = batch_from_wit(consumer.poll(2, 200).await.unwrap(), None).unwrap();
    }
    assert_eq!(first.len(), 2);
    assert_eq!(first.record(0).unwrap().offset(), Some(0));

    consumer
        .assign(&[start("log", 1, wit::StartPosition::Latest)])
        .await
        .unwrap();
    let mut assigned = pairs(consumer.assignment().await.unwrap());
    assigned.sort();
    assert_eq!(assigned, vec![("log".into(), 0), ("log".into(), 1)]);

    // A paused partition delivers nothing until resumed.
    poll_n(&consumer, 3).await;
    consumer.pause(&[tp("log", 0)]).await.unwrap();
    produce(&broker, "log", &[(0, None, Some(b"later"), vec![], 9)]);
    let held = consumer.poll(10, 1000).await.unwrap();
    assert!(held.records.is_empty(), "a paused partition was read");
    consumer.resume(&[tp("log", 0)]).await.unwrap();
    let resumed = poll_n(&consumer, 1).await;
    assert_eq!(resumed.record(0).unwrap().offset(), Some(5));

    consumer.unassign(&[tp("log", 1)]).await.unwrap();
    assert_eq!(
        pairs(consumer.assignment().await.unwrap()),
        vec![("log".into(), 0)]
    );

    let bad = consumer
        .assign(&[start("log", 0, wit::StartPosition::Offset(-2))])
        .await
        .err()
        .unwrap();
    assert_eq!(
        bad.to_string(),
        "offset -2 is negative: use start-position earliest or latest"
    );
}

#[tokio::test]
async fn subscribe_joins_the_group_and_reads_matching_topics() {
    let broker = Broker::start();
    broker.create_topic("events.a", 1);
    produce(&broker, "events.a", &[(0, None, Some(b"1"), vec![], 1)]);
    let g = grant(
        Some(&broker),
        &[
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "500"),
        ],
    );
    let consumer = KafkaConsumer::open(&g, "source", Some("mirror-group")).unwrap();
    consumer
        .subscribe(&["^events\\..*".to_owned()])
        .await
        .unwrap();
    let batch = poll_n(&consumer, 1).await;
    assert_eq!(batch.record(0).unwrap().topic().unwrap(), "events.a");
    assert_eq!(
        pairs(consumer.assignment().await.unwrap()),
        vec![("events.a".into(), 0)]
    );
}

// `ensure-topic` needs CreateTopics, which the mock cluster does not
// answer: the replication end-to-end test (tests/tests/kafka_source.rs)
// covers it against a real broker.

#[tokio::test]
async fn client_errors_never_show_setting_values() {
    let broker = Broker::start();
    let g = grant(Some(&broker), &[("security.protocol", "s3cret-protocol")]);
    let e = KafkaConsumer::open(&g, "source", None).err().unwrap();
    let text = e.to_string();
    assert!(!text.contains("s3cret-protocol"), "{text}");
    assert!(text.contains("[hidden]"), "{text}");
    assert!(
        text.starts_with("cannot open a consumer on Kafka cluster 'source'"),
        "{text}"
    );
    assert_eq!(e.to_wit().kind, types::ErrorKind::Config);
}

#[tokio::test]
async fn a_sandbox_holds_a_bounded_number_of_consumers() {
    use crate::plugin::{Grants, Limits, PluginEngine};
    use wit::HostConsumer;
    let broker = Broker::start();
    let engine = PluginEngine::new().unwrap();
    let grants = Grants {
        kafka: grant(Some(&broker), &[]),
        ..Grants::default()
    };
    let mut store = engine.new_store(&grants, Limits::default()).unwrap();
    let state = store.data_mut();
    let mut open = Vec::new();
    for _ in 0..MAX_CONSUMERS {
        open.push(state.open("source".into(), None).await.unwrap());
    }
    let refused = state.open("source".into(), None).await.err().unwrap();
    assert_eq!(refused.kind, types::ErrorKind::Fatal);
    assert_eq!(
        refused.message,
        "a plugin of connector 'mirror' holds 8 Kafka consumers already, the most a task may have open"
    );
    // Dropping one makes room for another.
    HostConsumer::drop(state, open.pop().unwrap())
        .await
        .unwrap();
    assert!(state.open("source".into(), None).await.is_ok());
    let denied = state.open("elsewhere".into(), None).await.err().unwrap();
    assert_eq!(denied.kind, types::ErrorKind::Config);
}
