//! Helpers of `bench/kafka-replication.sh`: fill a source topic, copy it
//! with a plain rdkafka consume → produce pipe (the baseline the
//! KafkaSourceConnector is compared with), and time records arriving in a
//! target topic.
//!
//! ```text
//! kafka_pipe create <bootstrap> <topic> <partitions>
//! kafka_pipe fill  <bootstrap> <topic> <partitions> <count> <value-bytes>
//! kafka_pipe pipe  <source> <topic> <partitions> <target> <target-topic> <count>
//! kafka_pipe watch <bootstrap> <topic> <partitions> <count>
//! ```
//!
//! The pipe uses the worker's own producer settings
//! (`KafkaSettings::producer_config`: acks=all, idempotence, Java's
//! partitioner) and copies what the connector copies: key, value, headers,
//! timestamp and partition. `watch` prints the records per second between
//! the first record's arrival and the last's, so both sides are timed the
//! same way, start-up excluded (the watcher reads the target topic, so
//! both sides also share its cost on the target broker).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Headers, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use wasm_connect::kafka::KafkaSettings;

fn producer(bootstrap: &str) -> ThreadedProducer<DefaultProducerContext> {
    let settings = KafkaSettings {
        bootstrap_servers: bootstrap.to_owned(),
        producer: Vec::new(),
        consumer: Vec::new(),
        admin: Vec::new(),
    };
    settings
        .producer_config("bench-pipe", &[])
        .create()
        .unwrap()
}

fn send(producer: &ThreadedProducer<DefaultProducerContext>, mut r: BaseRecord<'_, [u8], [u8]>) {
    loop {
        match producer.send(r) {
            Ok(()) => return,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                r = back;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err((e, _)) => panic!("produce failed: {e}"),
        }
    }
}

fn fill(bootstrap: &str, topic: &str, partitions: i32, count: usize, width: usize) {
    let p = producer(bootstrap);
    let value = vec![b'x'; width];
    for i in 0..count {
        let key = format!("key-{}", i % 10_000);
        let id = i.to_string();
        let headers = OwnedHeaders::new().insert(Header {
            key: "id",
            value: Some(id.as_bytes()),
        });
        let r = BaseRecord::to(topic)
            .partition((i % partitions as usize) as i32)
            .key(key.as_bytes())
            .payload(value.as_slice())
            .headers(headers)
            .timestamp(1_700_000_000_000 + i as i64);
        send(&p, r);
    }
    p.flush(Duration::from_secs(300)).unwrap();
}

fn consumer(bootstrap: &str, topic: &str, partitions: i32) -> BaseConsumer {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-pipe")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    c.assign(&tpl).unwrap();
    c
}

fn pipe(source: &str, topic: &str, partitions: i32, target: &str, to: &str, count: usize) {
    let c = consumer(source, topic, partitions);
    let p = producer(target);
    let mut copied = 0;
    while copied < count {
        let Some(m) = c.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = m.unwrap();
        let mut headers = OwnedHeaders::new();
        if let Some(hs) = m.headers() {
            for h in hs.iter() {
                headers = headers.insert(Header {
                    key: h.key,
                    value: h.value,
                });
            }
        }
        let mut r = BaseRecord::to(to).partition(m.partition()).headers(headers);
        if let Some(k) = m.key() {
            r = r.key(k);
        }
        if let Some(v) = m.payload() {
            r = r.payload(v);
        }
        if let Some(ts) = m.timestamp().to_millis() {
            r = r.timestamp(ts);
        }
        send(&p, r);
        copied += 1;
    }
    p.flush(Duration::from_secs(300)).unwrap();
}

fn watch(bootstrap: &str, topic: &str, partitions: i32, count: i64) {
    // Records are counted by reading them: the test broker's end offsets
    // lag behind the records it holds (tansu 0.6 reports a partition's
    // last batch start, not its end).
    let c = consumer(bootstrap, topic, partitions);
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut start = None;
    let mut seen = 0i64;
    while seen < count {
        assert!(Instant::now() < deadline, "{topic} stopped at {seen}");
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(_)) => {
                seen += 1;
                start.get_or_insert_with(Instant::now);
            }
            Some(Err(e)) => panic!("reading {topic}: {e}"),
            None => {}
        }
    }
    let secs = start.map_or(0.0, |s| s.elapsed().as_secs_f64());
    // The first record started the clock: count the others.
    println!("{:.0} {secs:.3}", (seen - 1) as f64 / secs);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize| -> usize { args[i].parse().unwrap() };
    match args.first().map(String::as_str) {
        Some("create") => wasm_connect_e2e::create_topic(&args[1], &args[2], n(3) as i32),
        Some("fill") => fill(&args[1], &args[2], n(3) as i32, n(4), n(5)),
        Some("pipe") => pipe(&args[1], &args[2], n(3) as i32, &args[4], &args[5], n(6)),
        Some("watch") => watch(&args[1], &args[2], n(3) as i32, n(4) as i64),
        _ => panic!("usage: kafka_pipe fill|pipe|watch …"),
    }
}
