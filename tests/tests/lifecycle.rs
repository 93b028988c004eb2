//! Connector lifecycle against a real broker: pause and resume without
//! loss, stop + alter offsets + resume re-reading from the new offset (for
//! sources through the offsets file, for sinks through the consumer group),
//! connectors kept across worker restarts, and config provider secrets
//! that never show in REST output or logs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(60);

fn put(worker: &Worker, path: &str) -> u16 {
    worker.request("PUT", path, None).unwrap().0
}

/// Create connector `name` over REST; it must be new.
fn create(worker: &Worker, name: &str, config: &serde_json::Value) {
    let (status, body) = worker
        .request(
            "PUT",
            &format!("/connectors/{name}/config"),
            Some(&config.to_string()),
        )
        .unwrap();
    assert_eq!(status, 201, "{body}");
}

fn numbered(from: usize, to: usize) -> Vec<String> {
    (from..=to).map(|i| format!("line-{i}")).collect()
}

fn append_lines(path: &Path, lines: &[String]) {
    append(
        path,
        &lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    );
}

#[test]
fn source_pause_stop_alter_offsets_and_worker_restart() {
    let broker = Broker::start();
    broker.create_topic("lines", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let input = dir.path().join("in.txt");
    write(&input, "");
    let worker = Worker::start(dir.path(), &props, &[], port);
    let body = json!({"name": "src", "config": {
        "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": "lines"
    }});
    let (status, created) = worker
        .request("POST", "/connectors", Some(&body.to_string()))
        .unwrap();
    assert_eq!(status, 201, "{created}");
    append_lines(&input, &numbered(1, 5));
    assert_eq!(broker.read_all("lines", 1, 5), numbered(1, 5));

    // Paused: nothing moves; resumed: everything written meanwhile arrives.
    assert_eq!(put(&worker, "/connectors/src/pause"), 202);
    worker.wait_state("src", "PAUSED", 1);
    append_lines(&input, &numbered(6, 8));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        broker.read_all("lines", 1, 5).len(),
        5,
        "a paused source polls nothing"
    );
    assert_eq!(put(&worker, "/connectors/src/resume"), 202);
    worker.wait_state("src", "RUNNING", 1);
    assert_eq!(broker.read_all("lines", 1, 8), numbered(1, 8));

    // Stopped: no tasks; offsets readable, then rewound to line 4.
    assert_eq!(put(&worker, "/connectors/src/stop"), 204);
    worker.wait_state("src", "STOPPED", 0);
    let position = |n: usize| -> u64 { numbered(1, n).iter().map(|l| l.len() as u64 + 1).sum() };
    let partition = json!({"filename": input.display().to_string()});
    wait_for(LONG, "the source offset to reach the end", || {
        let (_, o) = worker.get("/connectors/src/offsets").ok()?;
        (o == json!({"offsets": [{"partition": partition, "offset": {"position": position(8)}}]}))
            .then_some(())
    });
    let alter = json!({"offsets": [{"partition": partition, "offset": {"position": position(3)}}]});
    let (status, msg) = worker
        .request("PATCH", "/connectors/src/offsets", Some(&alter.to_string()))
        .unwrap();
    assert_eq!(status, 200, "{msg}");
    assert!(
        msg["message"]
            .as_str()
            .unwrap()
            .contains("have been altered successfully"),
        "{msg}"
    );
    assert_eq!(
        worker.get("/connectors/src/offsets").unwrap().1,
        json!({"offsets": [{"partition": partition, "offset": {"position": position(3)}}]})
    );
    assert_eq!(put(&worker, "/connectors/src/resume"), 202);
    worker.wait_state("src", "RUNNING", 1);
    let mut expected = numbered(1, 8);
    expected.extend(numbered(4, 8));
    assert_eq!(
        broker.read_all("lines", 1, 13),
        expected,
        "re-read from line 4"
    );

    // Paused, then the worker stops: the REST-created connector comes back,
    // still paused, with no connector file on the command line.
    assert_eq!(put(&worker, "/connectors/src/pause"), 202);
    worker.wait_state("src", "PAUSED", 1);
    assert!(worker.stop().success());
    let worker = Worker::start(dir.path(), &props, &[], port);
    assert_eq!(worker.get("/connectors").unwrap(), (200, json!(["src"])));
    assert_eq!(
        worker.get("/connectors/src/config").unwrap().1,
        created["config"]
    );
    worker.wait_state("src", "PAUSED", 1);
    append_lines(&input, &numbered(9, 9));
    assert_eq!(put(&worker, "/connectors/src/resume"), 202);
    expected.push("line-9".into());
    assert_eq!(
        broker.read_all("lines", 1, 14),
        expected,
        "no loss, no new duplicates"
    );

    // Reset: the source starts from the beginning of the file.
    assert_eq!(put(&worker, "/connectors/src/stop"), 204);
    worker.wait_state("src", "STOPPED", 0);
    let (status, msg) = worker
        .request("DELETE", "/connectors/src/offsets", None)
        .unwrap();
    assert_eq!(status, 200, "{msg}");
    assert!(
        msg["message"]
            .as_str()
            .unwrap()
            .contains("have been reset successfully"),
        "{msg}"
    );
    assert_eq!(
        worker.get("/connectors/src/offsets").unwrap().1,
        json!({"offsets": []})
    );
    assert_eq!(put(&worker, "/connectors/src/resume"), 202);
    expected.extend(numbered(1, 9));
    assert_eq!(broker.read_all("lines", 1, 23), expected);

    // Deleted connectors stay deleted after a restart.
    assert_eq!(
        worker.request("DELETE", "/connectors/src", None).unwrap().0,
        204
    );
    assert!(worker.stop().success());
    let worker = Worker::start(dir.path(), &props, &[], port);
    assert_eq!(worker.get("/connectors").unwrap(), (200, json!([])));
}

#[test]
fn sink_offsets_are_the_consumer_groups() {
    let broker = Broker::start();
    broker.create_topic("events", 1);
    broker.produce("events", &numbered(1, 6));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let output = dir.path().join("out.txt");
    let worker = Worker::start(dir.path(), &props, &[], port);
    let config = json!({"connector.class": "FileStreamSink", "file": output.display().to_string(), "topics": "events"});
    create(&worker, "snk", &config);
    wait_for(LONG, "the sink to write 6 lines", || {
        (lines(&output).len() == 6).then_some(())
    });

    assert_eq!(put(&worker, "/connectors/snk/stop"), 204);
    worker.wait_state("snk", "STOPPED", 0);
    let partition = json!({"kafka_topic": "events", "kafka_partition": 0});
    assert_eq!(
        worker.get("/connectors/snk/offsets").unwrap(),
        (
            200,
            json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 6}}]})
        )
    );
    // Bad requests name the problem.
    let (status, bad) = worker
        .request("PATCH", "/connectors/snk/offsets", Some(r#"{"offsets": [{"partition": {"kafka_topic": "events"}, "offset": {"kafka_offset": 1}}]}"#))
        .unwrap();
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["message"].as_str().unwrap().contains("kafka_partition"),
        "{bad}"
    );

    let alter = json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 4}}]});
    let (status, msg) = worker
        .request("PATCH", "/connectors/snk/offsets", Some(&alter.to_string()))
        .unwrap();
    assert_eq!(status, 200, "{msg}");
    assert_eq!(
        worker.get("/connectors/snk/offsets").unwrap().1,
        json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 4}}]})
    );
    assert_eq!(put(&worker, "/connectors/snk/resume"), 202);
    let mut expected = numbered(1, 6);
    expected.extend(numbered(5, 6));
    wait_for(LONG, "records 5 and 6 again", || {
        (lines(&output) == expected).then_some(())
    });

    // Reset: the group's offsets are gone; the sink reads from the start.
    assert_eq!(put(&worker, "/connectors/snk/stop"), 204);
    worker.wait_state("snk", "STOPPED", 0);
    let (status, msg) = worker
        .request("DELETE", "/connectors/snk/offsets", None)
        .unwrap();
    assert_eq!(status, 200, "{msg}");
    assert_eq!(
        worker.get("/connectors/snk/offsets").unwrap().1,
        json!({"offsets": []})
    );
    assert_eq!(put(&worker, "/connectors/snk/resume"), 202);
    expected.extend(numbered(1, 6));
    wait_for(LONG, "every record again", || {
        (lines(&output) == expected).then_some(())
    });
}

/// When a rebalance takes partitions from a sink task, what it put is
/// flushed and committed before it gives them up (Apache's
/// `onPartitionsRevoked`), not at the next flush interval: the next owner
/// starts after the records already written.
#[test]
fn revoked_partitions_are_committed_before_they_move() {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let broker = Broker::start();
    broker.create_topic("moving", 2);
    for partition in 0..2 {
        let records: Vec<RawRecord> = (0..50)
            .map(|i| RawRecord {
                key: None,
                value: Some(format!("p{partition}-{i}").into_bytes()),
                headers: Vec::new(),
                timestamp: None,
            })
            .collect();
        broker.produce_raw("moving", partition, &records);
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // No commit by the interval during the test.
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        "offset.flush.interval.ms=600000\n",
    );
    let output = dir.path().join("out.txt");
    let worker = Worker::start(dir.path(), &props, &[], port);
    let config = json!({"connector.class": "FileStreamSink", "file": output.display().to_string(), "topics": "moving"});
    create(&worker, "mv", &config);
    wait_for(LONG, "the sink to write 100 lines", || {
        (lines(&output).len() == 100).then_some(())
    });
    assert_eq!(
        worker.get("/connectors/mv/offsets").unwrap().1,
        json!({"offsets": []})
    );

    // Another member joins the sink's group: the task's partitions are
    // revoked (and then shared).
    let other: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .set("group.id", "connect-mv")
        .set("enable.auto.commit", "false")
        .set("session.timeout.ms", "6000")
        .create()
        .unwrap();
    other.subscribe(&["moving"]).unwrap();
    let at = |p: i32| json!({"partition": {"kafka_topic": "moving", "kafka_partition": p}, "offset": {"kafka_offset": 50}});
    wait_for(LONG, "both partitions committed at 50", || {
        let _ = other.poll(Duration::from_millis(100));
        let (_, body) = worker.get("/connectors/mv/offsets").ok()?;
        let mut got = body["offsets"].as_array()?.clone();
        got.sort_by_key(|o| o["partition"]["kafka_partition"].as_i64());
        (got == [at(0), at(1)]).then_some(())
    });
    assert_eq!(lines(&output).len(), 100);
}

/// FileStreamSink hands a batch's lines to the host and goes on before they
/// are written; a write that fails still stops the offsets: the next
/// `put` or `flush` reports it, and nothing is committed.
#[test]
fn a_sink_write_that_fails_later_commits_nothing() {
    let broker = Broker::start();
    broker.create_topic("events", 1);
    broker.produce("events", &numbered(1, 6));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "offset.flush.interval.ms=300\n");
    let worker = Worker::start(dir.path(), &props, &[], port);
    // Every write to /dev/full fails (ENOSPC), after it opens fine (and it
    // has nothing to sync: that is no error).
    let config =
        json!({"connector.class": "FileStreamSink", "file": "/dev/full", "topics": "events"});
    create(&worker, "snk", &config);
    // The batch was handed over before its write failed: the flush (or
    // the next put) says so, in words.
    wait_for(LONG, "the failed write to be reported", || {
        worker
            .log_text()
            .contains("cannot write to /dev/full: No space left on device")
            .then_some(())
    });
    assert_eq!(
        worker.get("/connectors/snk/offsets").unwrap(),
        (200, json!({"offsets": []}))
    );
}

#[test]
fn secrets_from_config_providers_never_show() {
    let broker = Broker::start();
    broker.create_topic("tokens", 1);
    let dir = tempfile::tempdir().unwrap();
    let secret = "s3cr3t-Zq9-never-print-me";
    let secrets = write(
        &dir.path().join("secrets.properties"),
        &format!("token={secret}\n"),
    );
    let port = free_port();
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        &format!(
            "config.providers=file\n\
             config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n\
             config.providers.file.param.allowed.paths={}\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter.schemas.enable=false\n",
            dir.path().display()
        ),
    );
    let input = dir.path().join("in.txt");
    write(&input, "hello\n");
    let reference = format!("${{file:{}:token}}", secrets.display());
    let worker = Worker::start(dir.path(), &props, &[], port);
    let body = json!({"name": "tok", "config": {
        "connector.class": "FileStreamSource",
        "file": input.display().to_string(),
        "topic": "tokens",
        "transforms": "hoist,token",
        "transforms.hoist.type": "HoistField$Value",
        "transforms.hoist.field": "line",
        "transforms.token.type": "InsertField$Value",
        "transforms.token.static.field": "token",
        "transforms.token.static.value": reference,
    }});
    let (status, created) = worker
        .request("POST", "/connectors", Some(&body.to_string()))
        .unwrap();
    assert_eq!(status, 201, "{created}");

    // Resolved where it is used: in the records.
    let got = broker.read_all("tokens", 1, 1);
    assert_eq!(
        got,
        vec![format!(r#"{{"line":"hello","token":"{secret}"}}"#)]
    );

    // Never in what the REST API shows or the log.
    let mut shown = Vec::new();
    for path in [
        "/connectors/tok",
        "/connectors/tok/config",
        "/connectors/tok/tasks",
        "/connectors/tok/status",
        "/connectors?expand=info&expand=status",
    ] {
        let (status, body) = worker.get(path).unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        shown.push(body.to_string());
    }
    let (_, tasks) = worker.get("/connectors/tok/tasks").unwrap();
    assert_eq!(
        tasks[0]["config"]["transforms.token.static.value"].as_str(),
        Some(reference.as_str()),
        "task configs keep the reference: {tasks}"
    );
    let (_, validated) = worker
        .request(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(&body["config"].to_string()),
        )
        .unwrap();
    shown.push(validated.to_string());
    // Change the connector (a restart with the secret) before reading the log.
    let (status, _) = worker
        .request(
            "PATCH",
            "/connectors/tok/config",
            Some(r#"{"batch.size": "10"}"#),
        )
        .unwrap();
    assert_eq!(status, 200);
    worker.wait_state("tok", "RUNNING", 1);
    for text in shown {
        assert!(!text.contains(secret), "secret shown: {text}");
    }
    assert!(worker.stop().success());
    let log = std::fs::read_to_string(worker_log(dir.path())).unwrap();
    assert!(log.contains("tok"), "the log is the worker's");
    assert!(!log.contains(secret), "secret logged:\n{log}");
    let stored = std::fs::read_to_string(dir.path().join("connect.connectors.json")).unwrap();
    assert!(
        stored.contains("${file:") && !stored.contains(secret),
        "{stored}"
    );
}

/// The first worker log written in `dir`.
fn worker_log(dir: &Path) -> std::path::PathBuf {
    dir.join("worker.log")
}

/// A config provider written as a plugin (the built-in
/// JsonFileConfigProvider): it resolves secrets from JSON files in the one
/// directory it is granted, and nothing else.
#[test]
fn a_config_provider_plugin_resolves_from_its_directory_only() {
    let broker = Broker::start();
    broker.create_topic("tokens", 1);
    let dir = tempfile::tempdir().unwrap();
    let secret = "json-s3cr3t-Kw7-never-print-me";
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    write(
        &secrets.join("app.json"),
        &format!(r#"{{"db": {{"token": "{secret}"}}}}"#),
    );
    let port = free_port();
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        &format!(
            "config.providers=json\n\
             config.providers.json.class=JsonFileConfigProvider\n\
             config.providers.json.param.dir={}\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter.schemas.enable=false\n",
            secrets.display()
        ),
    );
    let input = dir.path().join("in.txt");
    write(&input, "hello\n");
    let worker = Worker::start(dir.path(), &props, &[], port);
    let body = |name: &str, reference: &str| {
        json!({"name": name, "config": {
            "connector.class": "FileStreamSource",
            "file": input.display().to_string(),
            "topic": "tokens",
            "transforms": "hoist,token",
            "transforms.hoist.type": "HoistField$Value",
            "transforms.hoist.field": "line",
            "transforms.token.type": "InsertField$Value",
            "transforms.token.static.field": "token",
            "transforms.token.static.value": reference,
        }})
        .to_string()
    };
    let (status, created) = worker
        .request(
            "POST",
            "/connectors",
            Some(&body("ok", "${json:app.json:db.token}")),
        )
        .unwrap();
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        broker.read_all("tokens", 1, 1),
        vec![format!(r#"{{"line":"hello","token":"{secret}"}}"#)]
    );
    let (_, tasks) = worker.get("/connectors/ok/tasks").unwrap();
    assert!(!tasks.to_string().contains(secret), "{tasks}");

    // Outside its directory: refused with the provider's reason, and the
    // worker's own files are out of the plugin's reach anyway.
    let (status, refused) = worker
        .request(
            "POST",
            "/connectors",
            Some(&body("bad", "${json:../worker.properties:x}")),
        )
        .unwrap();
    assert_eq!(status, 400, "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("JsonFileConfigProvider") && message.contains("not a file inside"),
        "{message}"
    );
    assert_eq!(worker.get("/connectors").unwrap().1, json!(["ok"]));
    assert!(worker.stop().success());
    let log = std::fs::read_to_string(worker_log(dir.path())).unwrap();
    assert!(!log.contains(secret), "secret logged:\n{log}");
}

/// Two sink tasks in one group: the partitions move between them (the
/// second task's join revokes and reassigns), and every record is written,
/// those produced once the group is settled exactly once and in their
/// partition's order (the tasks read each partition through a queue it is
/// forwarded to after every assignment).
#[test]
fn two_sink_tasks_share_the_partitions_across_a_rebalance() {
    let broker = Broker::start();
    broker.create_topic("shared", 2);
    let wave = |name: &str| -> Vec<String> {
        let mut all = Vec::new();
        for partition in 0..2 {
            let values: Vec<String> = (0..200)
                .map(|i| format!("{name}-p{partition}-{i:03}"))
                .collect();
            let records: Vec<RawRecord> = values
                .iter()
                .map(|v| RawRecord {
                    key: None,
                    value: Some(v.clone().into_bytes()),
                    headers: Vec::new(),
                    timestamp: None,
                })
                .collect();
            broker.produce_raw("shared", partition, &records);
            all.extend(values);
        }
        all.sort();
        all
    };
    let first = wave("a");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let output = dir.path().join("out.txt");
    let worker = Worker::start(dir.path(), &props, &[], port);
    let config = json!({"connector.class": "FileStreamSink", "file": output.display().to_string(), "topics": "shared", "tasks.max": "2"});
    create(&worker, "two", &config);
    wait_for(LONG, "every record of the first wave", || {
        let mut seen = lines(&output);
        seen.sort();
        seen.dedup();
        (seen == first).then_some(())
    });
    worker.wait_state("two", "RUNNING", 2);
    // Let the group settle (tansu's joins take ~1 s with the test settings).
    std::thread::sleep(Duration::from_secs(3));
    let before = lines(&output).len();
    let second = wave("b");
    wait_for(LONG, "every record of the second wave", || {
        let mut seen: Vec<String> = lines(&output)[before..]
            .iter()
            .filter(|l| l.starts_with("b-"))
            .cloned()
            .collect();
        seen.sort();
        (seen == second).then_some(())
    });
    for partition in 0..2 {
        let prefix = format!("b-p{partition}-");
        let order: Vec<String> = lines(&output)
            .into_iter()
            .filter(|l| l.starts_with(&prefix))
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "partition {partition} in order");
    }
}
