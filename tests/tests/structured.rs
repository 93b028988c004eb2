//! Structured data end to end: JsonConverter, a chain of SMTs guarded by a
//! predicate, `errors.tolerance`, and dead letter queues, against a real
//! broker — the records and bytes Apache Kafka Connect would produce.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]

use std::time::Duration;

use serde_json::json;
use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(60);

/// A sink with JsonConverter + MaskField + InsertField + Filter (guarded by
/// HasHeaderKey) gets exactly the good records, transformed; the DLQ gets
/// exactly the malformed ones with Apache's context headers.
#[test]
fn json_sink_with_an_smt_chain_and_a_dead_letter_queue() {
    let broker = Broker::start();
    broker.create_topic("orders", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let out = dir.path().join("orders.txt");
    let sink = write(
        &dir.path().join("sink.properties"),
        &format!(
            "name=json-sink
connector.class=FileStreamSink
file={}
topics=orders
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
transforms=mask,insert,drop
transforms.mask.type=org.apache.kafka.connect.transforms.MaskField$Value
transforms.mask.fields=secret
transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value
transforms.insert.static.field=origin
transforms.insert.static.value=e2e
transforms.drop.type=org.apache.kafka.connect.transforms.Filter
transforms.drop.predicate=isTest
predicates=isTest
predicates.isTest.type=org.apache.kafka.connect.transforms.predicates.HasHeaderKey
predicates.isTest.name=test
errors.tolerance=all
errors.log.enable=true
errors.deadletterqueue.topic.name=orders-dlq
errors.deadletterqueue.topic.replication.factor=1
errors.deadletterqueue.context.headers.enable=true
",
            out.display()
        ),
    );
    let worker = Worker::start(dir.path(), &props, &[sink], port);
    let filtered = TestRecord {
        value: Some(r#"{"id":2,"secret":"s2"}"#.into()),
        headers: vec![("test".into(), "yes".into())],
        ..TestRecord::default()
    };
    broker.produce_records(
        "orders",
        &[
            TestRecord::value(r#"{"id":1,"secret":"s1"}"#),
            TestRecord::value("{not json"),
            filtered,
            TestRecord::value(r#"{"id":3,"secret":"s3"}"#),
            TestRecord {
                key: Some("k".into()),
                value: Some("[1,2".into()),
                headers: vec![("trace".into(), "abc".into())],
            },
        ],
    );

    wait_for(LONG, "two transformed records in the sink file", || {
        (lines(&out).len() >= 2).then_some(())
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        lines(&out),
        vec!["{id=1, secret=, origin=e2e}", "{id=3, secret=, origin=e2e}"]
    );

    let dead = broker.read_records("orders-dlq", 2);
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert_eq!(dead[0].value.as_deref(), Some("{not json"));
    assert_eq!(dead[1].value.as_deref(), Some("[1,2"));
    assert_eq!(dead[1].key.as_deref(), Some("k"), "the original key bytes");
    assert_eq!(dead[1].header("trace"), Some("abc"), "the original headers");
    for (record, offset) in dead.iter().zip(["1", "4"]) {
        assert_eq!(record.header("__connect.errors.topic"), Some("orders"));
        assert_eq!(record.header("__connect.errors.partition"), Some("0"));
        assert_eq!(record.header("__connect.errors.offset"), Some(offset));
        assert_eq!(
            record.header("__connect.errors.connector.name"),
            Some("json-sink")
        );
        assert_eq!(record.header("__connect.errors.task.id"), Some("0"));
        assert_eq!(
            record.header("__connect.errors.stage"),
            Some("VALUE_CONVERTER")
        );
        assert_eq!(
            record.header("__connect.errors.class.name"),
            Some("org.apache.kafka.connect.json.JsonConverter")
        );
        assert_eq!(
            record.header("__connect.errors.exception.class.name"),
            Some("org.apache.kafka.connect.errors.DataException")
        );
        assert!(
            record
                .header("__connect.errors.exception.message")
                .is_some_and(|m| !m.is_empty())
        );
    }
    let (_, status) = worker.get("/connectors/json-sink/status").unwrap();
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
    assert!(
        worker
            .log_text()
            .contains("Error encountered in task json-sink-0. Executing stage 'VALUE_CONVERTER'")
    );
    assert!(worker.stop().success());
}

/// Without `errors.tolerance`, a record that cannot be converted fails its
/// task, with the cause in the status; the worker and other connectors go on.
#[test]
fn a_bad_record_fails_only_its_task() {
    let broker = Broker::start();
    broker.create_topic("in", 1);
    broker.create_topic("other", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let strict = write(
        &dir.path().join("strict.properties"),
        &format!(
            "name=strict\nconnector.class=FileStreamSink\nfile={}\ntopics=in\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n",
            dir.path().join("strict.txt").display()
        ),
    );
    let other_out = dir.path().join("other.txt");
    let other = write(
        &dir.path().join("other.properties"),
        &format!(
            "name=other\nconnector.class=FileStreamSink\nfile={}\ntopics=other\n",
            other_out.display()
        ),
    );
    let worker = Worker::start(dir.path(), &props, &[strict, other], port);
    broker.produce("in", &["{\"schema\": 1}".to_owned()]);
    let trace = wait_for(LONG, "the strict task to fail", || {
        let (_, s) = worker.get("/connectors/strict/status").ok()?;
        (s["tasks"][0]["state"] == "FAILED").then(|| {
            s["tasks"][0]["trace"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
    });
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert!(
        trace.contains("VALUE_CONVERTER") && trace.contains("JsonConverter"),
        "{trace}"
    );
    broker.produce("other", &["still flowing".to_owned()]);
    wait_for(LONG, "the other connector to keep working", || {
        (lines(&other_out) == ["still flowing"]).then_some(())
    });
    assert!(worker.stop().success());
}

/// A source chain: HoistField wraps each line in a struct, InsertField adds
/// a field, JsonConverter writes Apache's exact envelope. A record that a
/// transform cannot handle goes to the source dead letter queue (beyond
/// Apache, which has none for sources).
#[test]
fn source_chain_writes_apaches_json_and_a_source_dlq() {
    let broker = Broker::start();
    broker.create_topic("lines", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let input = dir.path().join("in.txt");
    let source = write(
        &dir.path().join("source.properties"),
        &format!(
            "name=json-source
connector.class=FileStreamSource
file={}
topic=lines
value.converter=org.apache.kafka.connect.json.JsonConverter
transforms=hoist,insert
transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value
transforms.hoist.field=line
transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value
transforms.insert.static.field=origin
transforms.insert.static.value=file
",
            input.display()
        ),
    );
    broker.create_topic("numbers", 1);
    let numbers = dir.path().join("numbers.txt");
    let cast = write(
        &dir.path().join("cast.properties"),
        &format!(
            "name=cast-source
connector.class=FileStreamSource
file={}
topic=numbers
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
transforms=cast
transforms.cast.type=org.apache.kafka.connect.transforms.Cast$Value
transforms.cast.spec=int32
errors.tolerance=all
errors.deadletterqueue.topic.name=numbers-dlq
errors.deadletterqueue.topic.replication.factor=1
errors.deadletterqueue.context.headers.enable=true
",
            numbers.display()
        ),
    );
    append(&input, "hello\n");
    append(&numbers, "7\noops\n8\n");
    let worker = Worker::start(dir.path(), &props, &[source, cast], port);
    let got = broker.read_all("lines", 1, 1);
    assert_eq!(
        got,
        vec![
            json!({
                "schema": {
                    "type": "struct",
                    "fields": [
                        {"type": "string", "optional": false, "field": "line"},
                        {"type": "string", "optional": true, "field": "origin"}
                    ],
                    "optional": false
                },
                "payload": {"line": "hello", "origin": "file"}
            })
            .to_string()
        ],
        "byte for byte what Apache's JsonConverter writes"
    );
    assert_eq!(broker.read_all("numbers", 1, 2), vec!["7", "8"]);
    let dead = broker.read_records("numbers-dlq", 1);
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].value.as_deref(), Some("oops"));
    assert_eq!(
        dead[0].header("__connect.errors.stage"),
        Some("TRANSFORMATION")
    );
    assert_eq!(
        dead[0].header("__connect.errors.class.name"),
        Some("org.apache.kafka.connect.transforms.Cast$Value")
    );
    assert_eq!(
        dead[0].header("__connect.errors.connector.name"),
        Some("cast-source")
    );
    // The failed line's offset still moves on: a restart does not read it again.
    assert!(worker.stop().success());
}
