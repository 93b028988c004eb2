//! KafkaSourceConnector between two real broker processes (two clusters):
//! three topics with mixed keys, headers, null and empty values, and a
//! topic created while running, replicated through a `kill -9` of the
//! worker and its restart. Every record must arrive with the same key,
//! value, headers and timestamp, in its partition's order; nothing may be
//! lost, and the only records sent twice are those after the last offset
//! the worker stored (the last offset flush interval).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::producer::Producer;
use serde_json::json;
use wasm_connect::storage::OffsetStore;
use wasm_connect::storage::offsets::FileOffsetStore;
use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(120);
/// Sources topics at the start, with their partition counts.
const TOPICS: [(&str, i32); 3] = [("repl.a", 3), ("repl.b", 2), ("repl.c", 1)];
/// The topic created while the connector runs.
const LATE: (&str, i32) = ("repl.d", 2);
/// A secret only the host's consumer may see.
const SECRET: &str = "pw-0d1f9e-never-shown";

/// Record `i`: every shape Kafka allows, in turn.
fn record(i: usize) -> RawRecord {
    let key = match i % 5 {
        0 => None,
        1 => Some(Vec::new()),
        2 => Some(format!("key-{i}").into_bytes()),
        3 => Some(vec![0xff, 0x00, (i % 256) as u8]),
        _ => Some(format!("k{}", i % 3).into_bytes()),
    };
    let value = match i % 7 {
        3 => None,
        5 => Some(Vec::new()),
        6 => Some(vec![0u8, 1, 2, 0xfe, (i % 256) as u8]),
        _ => Some(format!("value {i} {}", "x".repeat(i % 40)).into_bytes()),
    };
    let headers = match i % 4 {
        0 => Vec::new(),
        1 => vec![("trace".to_owned(), Some(format!("t{i}").into_bytes()))],
        2 => vec![
            ("dup".to_owned(), Some(b"first".to_vec())),
            ("dup".to_owned(), None),
            ("empty".to_owned(), Some(Vec::new())),
        ],
        _ => vec![("bin".to_owned(), Some(vec![0xc3, 0x28, (i % 256) as u8]))],
    };
    RawRecord {
        key,
        value,
        headers,
        timestamp: Some(1_700_000_000_000 + i as i64 * 7),
    }
}

/// Produce `count` records from number `first`, spread over the partitions
/// of `topics`, to the broker at `bootstrap`.
fn produce_spread(bootstrap: &str, topics: &[(&str, i32)], first: usize, count: usize) {
    let producer = producer(bootstrap);
    for i in first..first + count {
        let (topic, partitions) = topics[i % topics.len()];
        send_raw(
            &producer,
            topic,
            (i / topics.len()) as i32 % partitions,
            &record(i),
        );
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn connector_file(dir: &Path, source: &Broker, secrets: &Path) -> std::path::PathBuf {
    write(
        &dir.join("mirror.properties"),
        &format!(
            "name=mirror\n\
             connector.class=KafkaSource\n\
             tasks.max=2\n\
             source.bootstrap.servers={}\n\
             source.consumer.sasl.password=${{file:{}:pw}}\n\
             source.consumer.fetch.wait.max.ms=100\n\
             topics.regex=repl\\\\..*\n\
             topic.rename.format=copy.${{topic}}\n\
             topics.refresh.interval.ms=1000\n\
             replication.factor=1\n\
             poll.batch.size=500\n\
             key.converter=ByteArrayConverter\n\
             value.converter=ByteArrayConverter\n\
             header.converter=ByteArrayConverter\n",
            source.bootstrap,
            secrets.display()
        ),
    )
}

/// The offsets stored in the worker's offsets file: the last offset
/// written per source topic partition.
fn stored_offsets(path: &Path) -> BTreeMap<(String, i32), i64> {
    let Ok(store) = FileOffsetStore::open(path) else {
        return BTreeMap::new();
    };
    store
        .offsets("mirror")
        .into_iter()
        .map(|o| {
            let p: serde_json::Value = serde_json::from_str(&o.partition).unwrap();
            let off: serde_json::Value = serde_json::from_str(&o.offset).unwrap();
            assert_eq!(p["cluster"], "source", "{p}");
            (
                (
                    p["topic"].as_str().unwrap().to_owned(),
                    p["partition"].as_i64().unwrap() as i32,
                ),
                off["offset"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn topics_replicate_between_clusters_through_a_kill_9() {
    let source = Broker::start();
    let target = Broker::start();
    for (topic, partitions) in TOPICS {
        source.create_topic(topic, partitions);
    }
    source.create_topic("other", 1);
    source.produce_raw("other", 0, &[record(0)]);
    produce_spread(&source.bootstrap, &TOPICS, 0, 600);

    let dir = tempfile::tempdir().unwrap();
    let secrets = write(
        &dir.path().join("secrets.properties"),
        &format!("pw={SECRET}\n"),
    );
    let port = free_port();
    let props = worker_properties(
        dir.path(),
        &target,
        port,
        &format!(
            "offset.flush.interval.ms=2000\n\
             config.providers=file\n\
             config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n\
             config.providers.file.param.allowed.paths={}\n",
            dir.path().display()
        ),
    );
    let connector = connector_file(dir.path(), &source, &secrets);
    let worker = Worker::start(dir.path(), &props, std::slice::from_ref(&connector), port);
    worker.wait_state("mirror", "RUNNING", 2);

    // The plugin never sees the source's client settings; the sandbox says
    // which cluster it may read.
    let (_, tasks) = worker.get("/connectors/mirror/tasks").unwrap();
    let shown = tasks.to_string();
    assert!(!shown.contains("source.consumer."), "{shown}");
    assert!(shown.contains("\"task.index\":\"1\""), "{shown}");
    let (_, sandbox) = worker.get("/connectors/mirror/tasks/0/sandbox").unwrap();
    assert_eq!(
        sandbox["kafka_clusters"],
        json!([{"name": "source", "bootstrap_servers": source.bootstrap}])
    );

    // Records keep coming while the worker is killed and restarted; a new
    // topic appears meanwhile.
    let producing = Arc::new(AtomicBool::new(true));
    let feeder = {
        let producing = producing.clone();
        let bootstrap = source.bootstrap.clone();
        std::thread::spawn(move || {
            let mut all: Vec<(&str, i32)> = TOPICS.to_vec();
            let mut next = 600;
            for round in 0..16 {
                if round == 3 {
                    create_topic(&bootstrap, LATE.0, LATE.1);
                    all.push(LATE);
                }
                produce_spread(&bootstrap, &all, next, 250);
                next += 250;
                std::thread::sleep(Duration::from_millis(250));
            }
            producing.store(false, Ordering::SeqCst);
            next
        })
    };
    // Kill when the target holds records whose offsets are not stored yet
    // (they will be sent again), while the feeder is still producing.
    let offsets_file = dir.path().join("connect.offsets");
    wait_for(LONG, "records past the stored offsets mid-stream", || {
        let stored: i64 = stored_offsets(&offsets_file).values().map(|o| o + 1).sum();
        let copied: i64 = TOPICS
            .iter()
            .map(|(t, p)| target.count(&format!("copy.{t}"), *p))
            .sum();
        (stored > 0 && copied >= stored + 100).then_some(())
    });
    assert!(
        producing.load(Ordering::SeqCst),
        "the kill must come while records are still produced"
    );
    let log_before = worker.log_text();
    worker.kill9();

    // What the worker stored before it died: resumption starts after it.
    let stored = stored_offsets(&offsets_file);
    assert!(!stored.is_empty(), "offsets were stored before the kill");

    let worker = Worker::start(dir.path(), &props, &[connector], port);
    worker.wait_state("mirror", "RUNNING", 2);
    let produced = feeder.join().unwrap();
    assert_eq!(produced, 600 + 16 * 250);

    // The new topic was created in the target as in the source.
    wait_for(LONG, "copy.repl.d in the target", || {
        target.topics().contains_key("copy.repl.d").then_some(())
    });
    let target_topics = target.topics();
    for (topic, partitions) in TOPICS.iter().chain([&LATE]) {
        assert_eq!(
            target_topics.get(&format!("copy.{topic}")),
            Some(partitions),
            "copy.{topic} has the source's partitions: {target_topics:?}"
        );
    }
    assert!(
        !target_topics.contains_key("copy.other"),
        "{target_topics:?}"
    );

    let mut duplicates = 0;
    let mut total = 0;
    for (topic, partitions) in TOPICS.iter().chain([&LATE]) {
        for partition in 0..*partitions {
            let expected = source.read_raw(topic, partition, 1);
            let copied = target.read_raw(&format!("copy.{topic}"), partition, expected.len());
            let resumed_at = stored
                .get(&(topic.to_string(), partition))
                .map_or(0, |o| (*o + 1) as usize);
            // The target holds the records up to some point before the
            // kill, then everything from the stored offset on again.
            let before_kill = copied.len() + resumed_at;
            assert!(
                before_kill >= expected.len(),
                "{topic}-{partition}: records lost: {} of {} arrived, resumed at {resumed_at}",
                copied.len(),
                expected.len()
            );
            let sent_before = before_kill - expected.len();
            assert!(
                sent_before >= resumed_at,
                "{topic}-{partition}: the restart resumed at {resumed_at} but only {sent_before} records had arrived"
            );
            let want: Vec<&RawRecord> = expected[..sent_before]
                .iter()
                .chain(&expected[resumed_at..])
                .collect();
            assert_eq!(want.len(), copied.len());
            for (n, (got, want)) in copied.iter().zip(want).enumerate() {
                assert_eq!(got, want, "{topic}-{partition}: record {n} of the target");
            }
            duplicates += sent_before - resumed_at;
            total += expected.len();
        }
    }
    assert_eq!(
        total, produced,
        "every record produced to repl.* was checked"
    );
    // Sent twice: exactly the records after the last stored offset of
    // each partition (checked above), i.e. those of the last flush
    // interval; usually some, since the kill came with records unstored.
    eprintln!("{total} records replicated; {duplicates} sent twice after the kill -9");

    // The secret reached the host's client only.
    let log = format!("{log_before}{}", worker.log_text());
    assert!(!log.contains(SECRET), "the secret is in the worker log");
    let (_, config) = worker.get("/connectors/mirror/config").unwrap();
    assert!(!config.to_string().contains(SECRET), "{config}");
}

#[test]
fn validation_lists_the_connectors_problems() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let worker = Worker::start(dir.path(), &props, &[], port);
    let body = json!({
        "connector.class": "KafkaSourceConnector",
        "name": "bad",
        "topics": "a",
        "topics.regex": "b.*",
        "topic.rename.format": "no spaces/${topic}",
    });
    let (status, result) = worker
        .request(
            "PUT",
            "/connector-plugins/KafkaSource/config/validate",
            Some(&body.to_string()),
        )
        .unwrap();
    assert_eq!(status, 200, "{result}");
    let errors = |key: &str| -> Vec<String> {
        result["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == key)
            .map(|c| {
                c["value"]["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        errors("source.bootstrap.servers"),
        ["Missing required configuration \"source.bootstrap.servers\" which has no default value."]
    );
    assert_eq!(
        errors("topics.regex"),
        ["topics and topics.regex are mutually exclusive options, but both are set."]
    );
    assert!(
        errors("topic.rename.format")[0].contains("legal Kafka topic name"),
        "{result}"
    );
    let (_, defs) = worker.get("/connector-plugins/KafkaSource/config").unwrap();
    let names: Vec<&str> = defs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    // Every key is documented (the plugin's unit test names them all).
    assert!(names.contains(&"source.bootstrap.servers"), "{defs}");
    assert!(names.contains(&"preserve.partitions"), "{defs}");
    assert!(
        defs.as_array()
            .unwrap()
            .iter()
            .all(|d| !d["documentation"].as_str().unwrap_or("").is_empty()),
        "{defs}"
    );
}
