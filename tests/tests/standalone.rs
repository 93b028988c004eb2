//! The seed scenario end to end: the user's own standalone files, a real
//! broker, the REST API, restarts with and without a clean stop, and bad
//! input that must not take the worker down.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(60);

/// The repository's `config/demo-connect-standalone.properties`, with only
/// the broker, ports and paths changed to fit the test.
fn seed_worker(dir: &Path, broker: &Broker, port: u16) -> std::path::PathBuf {
    let text =
        fs::read_to_string(repo_root().join("config/demo-connect-standalone.properties")).unwrap();
    let text = text
        .replace(
            "bootstrap.servers=localhost:9092",
            &format!("bootstrap.servers={}", broker.bootstrap),
        )
        .replace(
            "/tmp/connect.offsets",
            &dir.join("connect.offsets").display().to_string(),
        )
        .replace(
            "offset.flush.interval.ms=10000",
            "offset.flush.interval.ms=500",
        )
        .replace(
            "rest.port=8083",
            &format!("rest.port={port}\nrest.host.name=127.0.0.1"),
        );
    let text =
        format!("{text}\nconsumer.session.timeout.ms=2000\nconsumer.heartbeat.interval.ms=500\n");
    write(&dir.join("worker.properties"), &text)
}

#[test]
fn seed_sink_with_every_class_name() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let seed =
        fs::read_to_string(repo_root().join("config/demo-connect-file-sink.properties")).unwrap();
    let mut connectors = Vec::new();
    for (i, class) in [
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "FileStreamSink",
        "FileStreamSinkConnector",
    ]
    .iter()
    .enumerate()
    {
        let topic = format!("mytopic{i}");
        broker.create_topic(&topic, 1);
        let out = dir.path().join(format!("sink{i}.txt"));
        let text = seed
            .replace("name=local-file-sink", &format!("name=local-file-sink-{i}"))
            .replace(
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
                class,
            )
            .replace("/tmp/test.sink.txt", &out.display().to_string())
            .replace("topics=mytopic", &format!("topics={topic}"));
        connectors.push(write(
            &dir.path().join(format!("sink{i}.properties")),
            &text,
        ));
    }
    // And a sink on every topic matching topics.regex.
    broker.create_topic("regex-a", 1);
    broker.create_topic("regex-b", 1);
    broker.create_topic("not-regex", 1);
    let regex_out = dir.path().join("regex.txt");
    connectors.push(write(
        &dir.path().join("regex.properties"),
        &format!(
            "name=regex-sink\nconnector.class=FileStreamSink\nfile={}\ntopics.regex=regex-.*\n",
            regex_out.display()
        ),
    ));
    let worker_props = seed_worker(dir.path(), &broker, port);
    // Run from the repository root, so `plugin.path=target/plugins` resolves.
    let worker = Worker::start_in(&repo_root(), dir.path(), &worker_props, &connectors, port);

    for i in 0..3 {
        let values: Vec<String> = (0..50).map(|n| format!("record {i}-{n}")).collect();
        broker.produce(&format!("mytopic{i}"), &values);
    }
    for i in 0..3 {
        let out = dir.path().join(format!("sink{i}.txt"));
        let want: Vec<String> = (0..50).map(|n| format!("record {i}-{n}")).collect();
        wait_for(LONG, &format!("sink{i}.txt to hold 50 lines"), || {
            (lines(&out) == want).then_some(())
        });
    }
    broker.produce("regex-a", &["to a".to_owned()]);
    broker.produce("regex-b", &["to b".to_owned()]);
    broker.produce("not-regex", &["not me".to_owned()]);
    wait_for(LONG, "the regex sink to write both topics", || {
        let mut got = lines(&regex_out);
        got.sort();
        (got == ["to a", "to b"]).then_some(())
    });
    let (status, body) = worker.get("/connectors/local-file-sink-1/status").unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["connector"]["state"], "RUNNING", "{body}");
    assert_eq!(body["tasks"][0]["state"], "RUNNING", "{body}");
    assert_eq!(body["type"], "sink");
    assert!(worker.stop().success());
}

#[test]
fn rest_source_connector_and_api_shapes() {
    let broker = Broker::start();
    broker.create_topic("mytopic", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let worker = Worker::start(dir.path(), &props, &[], port);

    let (status, root) = worker.get("/").unwrap();
    assert_eq!(status, 200);
    assert!(
        root["version"].is_string() && root["commit"].is_string(),
        "{root}"
    );
    assert_eq!(root["kafka_cluster_id"], "tansu_cluster");
    assert_eq!(worker.get("/connectors").unwrap(), (200, json!([])));

    // The user's own request body (config/file-source.json), path changed.
    let input = dir.path().join("input.txt");
    let body = fs::read_to_string(repo_root().join("config/file-source.json"))
        .unwrap()
        .replace("/tmp/test.txt", &input.display().to_string());
    let (status, created) = worker.request("POST", "/connectors", Some(&body)).unwrap();
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created,
        json!({
            "name": "my-source-connector",
            "config": {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "tasks.max": "1",
                "file": input.display().to_string(),
                "topic": "mytopic",
                "name": "my-source-connector"
            },
            "tasks": [{"connector": "my-source-connector", "task": 0}],
            "type": "source"
        })
    );
    let (status, dup) = worker.request("POST", "/connectors", Some(&body)).unwrap();
    assert_eq!(
        (status, dup["error_code"].clone()),
        (409, json!(409)),
        "{dup}"
    );
    assert_eq!(
        dup["message"],
        "Connector my-source-connector already exists"
    );

    append(&input, "alpha\nbeta\ngamma\n");
    let got = broker.read_all("mytopic", 1, 3);
    assert_eq!(got, vec!["alpha", "beta", "gamma"]);

    assert_eq!(
        worker.get("/connectors").unwrap(),
        (200, json!(["my-source-connector"]))
    );
    let (status, info) = worker.get("/connectors/my-source-connector").unwrap();
    assert_eq!(status, 200);
    assert_eq!(info, created);
    let (status, st) = worker
        .get("/connectors/my-source-connector/status")
        .unwrap();
    assert_eq!(status, 200);
    let worker_id = format!("127.0.0.1:{port}");
    assert_eq!(
        st,
        json!({
            "name": "my-source-connector",
            "connector": {"state": "RUNNING", "worker_id": worker_id},
            "tasks": [{"id": 0, "state": "RUNNING", "worker_id": worker_id}],
            "type": "source"
        })
    );

    let (status, _) = worker
        .request("DELETE", "/connectors/my-source-connector", None)
        .unwrap();
    assert_eq!(status, 204);
    let (status, gone) = worker.get("/connectors/my-source-connector").unwrap();
    assert_eq!(
        (status, gone),
        (
            404,
            json!({"error_code": 404, "message": "Connector my-source-connector not found"})
        )
    );
    let (status, gone) = worker
        .get("/connectors/my-source-connector/status")
        .unwrap();
    assert_eq!((status, gone["error_code"].clone()), (404, json!(404)));
    let (status, _) = worker
        .request("DELETE", "/connectors/my-source-connector", None)
        .unwrap();
    assert_eq!(status, 404);
    let (status, unknown) = worker.get("/no/such/path").unwrap();
    assert_eq!(
        (status, unknown),
        (
            404,
            json!({"error_code": 404, "message": "HTTP 404 Not Found"})
        )
    );

    // Bad bodies get 400 with a message naming the problem.
    let (status, bad) = worker
        .request("POST", "/connectors", Some("{not json"))
        .unwrap();
    assert_eq!(status, 400);
    assert!(
        bad["message"].as_str().unwrap().contains("not valid JSON"),
        "{bad}"
    );
    let mismatch = r#"{"name":"a","config":{"name":"b","connector.class":"FileStreamSource","file":"/tmp/x","topic":"t"}}"#;
    let (status, bad) = worker
        .request("POST", "/connectors", Some(mismatch))
        .unwrap();
    assert_eq!(status, 400);
    assert_eq!(
        bad["message"],
        "Connector name configuration (b) doesn't match connector name in the URL (a)"
    );
    let unknown_class = r#"{"name":"u","config":{"connector.class":"com.example.Missing"}}"#;
    let (status, bad) = worker
        .request("POST", "/connectors", Some(unknown_class))
        .unwrap();
    assert_eq!(status, 400);
    let message = bad["message"].as_str().unwrap();
    assert!(
        message.contains("com.example.Missing")
            && message.contains("FileStreamSourceConnector")
            && message.contains("plugin.path"),
        "{message}"
    );
    assert!(worker.stop().success());
}

/// Counts of what a restart did to the lines of a source file.
fn lost_and_duplicated(expected: &[String], got: &[String]) -> (usize, usize) {
    let got_set: BTreeSet<&String> = got.iter().collect();
    let lost = expected.iter().filter(|l| !got_set.contains(l)).count();
    let duplicated = got.len() - got_set.len();
    (lost, duplicated)
}

#[test]
fn restarts_resume_from_stored_offsets() {
    let broker = Broker::start();
    broker.create_topic("lines", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let input = dir.path().join("input.txt");
    let output = dir.path().join("output.txt");
    let props = worker_properties(dir.path(), &broker, port, "");
    let source = write(
        &dir.path().join("source.properties"),
        &format!(
            "name=file-source\nconnector.class=FileStreamSource\nfile={}\ntopic=lines\n",
            input.display()
        ),
    );
    let sink = write(
        &dir.path().join("sink.properties"),
        &format!(
            "name=file-sink\nconnector.class=FileStreamSink\nfile={}\ntopics=lines\n",
            output.display()
        ),
    );
    let connectors = vec![source, sink];
    let mut expected: Vec<String> = (0..200).map(|n| format!("line {n}")).collect();
    append(&input, &(expected.join("\n") + "\n"));

    // 1. Clean stop after everything arrived: nothing may be duplicated.
    let worker = Worker::start(dir.path(), &props, &connectors, port);
    wait_for(LONG, "200 lines in the sink", || {
        (lines(&output).len() >= 200).then_some(())
    });
    assert!(worker.stop().success());
    assert_eq!(lines(&output), expected);

    // The offsets file is Apache's: key ["file-source",{"filename":…}],
    // value {"position": <bytes after the last line terminator>}.
    let stored = wasm_connect::storage::java_serialization::decode_byte_map(
        &fs::read(dir.path().join("connect.offsets")).unwrap(),
    )
    .unwrap();
    let key =
        serde_json::to_vec(&json!(["file-source", {"filename": input.display().to_string()}]))
            .unwrap();
    let value = stored
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.clone())
        .expect("offset stored under Apache's key");
    let size = fs::metadata(&input).unwrap().len();
    assert_eq!(
        String::from_utf8(value).unwrap(),
        format!("{{\"position\":{size}}}")
    );

    // 2. Restart: only new lines flow; a partial line waits for its newline.
    let worker = Worker::start(dir.path(), &props, &connectors, port);
    let more: Vec<String> = (200..300).map(|n| format!("line {n}")).collect();
    append(&input, &(more.join("\n") + "\npartial"));
    expected.extend(more);
    wait_for(LONG, "300 lines in the sink", || {
        (lines(&output).len() >= 300).then_some(())
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        lines(&output),
        expected,
        "a clean restart duplicates or loses nothing, and holds back the partial line"
    );
    append(&input, " line\n");
    expected.push("partial line".into());
    wait_for(LONG, "the completed partial line", || {
        (lines(&output).len() >= 301).then_some(())
    });

    // 3. kill -9 while lines are being written, then restart.
    let writer = {
        let input = input.clone();
        std::thread::spawn(move || {
            for chunk in 0..40 {
                let text: String = (0..10)
                    .map(|i| format!("burst {}\n", chunk * 10 + i))
                    .collect();
                append(&input, &text);
                std::thread::sleep(Duration::from_millis(25));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(400));
    worker.kill9();
    writer.join().unwrap();
    expected.extend((0..400).map(|n| format!("burst {n}")));
    let worker = Worker::start(dir.path(), &props, &connectors, port);
    wait_for(LONG, "every line after kill -9", || {
        let (lost, _) = lost_and_duplicated(&expected, &lines(&output));
        (lost == 0).then_some(())
    });
    let got = lines(&output);
    let (lost, duplicated) = lost_and_duplicated(&expected, &got);
    println!(
        "kill -9 and restart: lost {lost}, duplicated {duplicated} of {} lines",
        expected.len()
    );
    assert_eq!(lost, 0);
    let in_topic = broker.read_all("lines", 1, expected.len());
    let (lost_in_topic, _) = lost_and_duplicated(&expected, &in_topic);
    assert_eq!(lost_in_topic, 0, "every line reached the topic");
    assert!(worker.stop().success());
}

#[test]
fn bad_plugins_and_bad_connector_files_do_not_stop_the_others() {
    let broker = Broker::start();
    broker.create_topic("good", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let junk = dir.path().join("junk");
    fs::create_dir_all(&junk).unwrap();
    write(&junk.join("not-a-plugin.wasm"), "this is not wasm");
    let missing = dir.path().join("no-such-dir");
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        &format!("plugin.path={},{}", missing.display(), junk.display()),
    );
    let output = dir.path().join("good.txt");
    let good = write(
        &dir.path().join("good.properties"),
        &format!(
            "name=good\nconnector.class=FileStreamSink\nfile={}\ntopics=good\n",
            output.display()
        ),
    );
    let unknown = write(
        &dir.path().join("unknown.properties"),
        "name=unknown\nconnector.class=com.example.NoSuchConnector\ntopics=good\n",
    );
    let malformed = write(
        &dir.path().join("malformed.properties"),
        "name=bad\n\nfile=\\u12G4\n",
    );
    let worker = Worker::start(dir.path(), &props, &[good, unknown, malformed], port);

    broker.produce("good", &["still works".to_owned()]);
    wait_for(LONG, "the good sink to write", || {
        (lines(&output) == ["still works"]).then_some(())
    });

    let (status, st) = worker.get("/connectors/unknown/status").unwrap();
    assert_eq!(status, 200);
    assert_eq!(st["connector"]["state"], "FAILED", "{st}");
    let trace = st["connector"]["trace"].as_str().unwrap();
    assert!(
        trace.contains("com.example.NoSuchConnector")
            && trace.contains("FileStreamSinkConnector")
            && trace.contains("plugin.path"),
        "{trace}"
    );
    let log = worker.log_text();
    assert!(
        log.contains(&format!(
            "plugin.path entry {} does not exist",
            missing.display()
        )),
        "{log}"
    );
    assert!(
        log.contains(
            "not-a-plugin.wasm: not a valid WebAssembly component: it is not a WebAssembly file"
        ),
        "{log}"
    );
    assert!(
        log.contains("malformed.properties: line 3: malformed"),
        "{log}"
    );
    assert_eq!(
        worker.get("/connectors").unwrap(),
        (200, json!(["good", "unknown"]))
    );
    assert!(worker.stop().success());
}

#[test]
fn a_bad_worker_file_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let props = write(
        &dir.path().join("w.properties"),
        "bootstrap.servers=127.0.0.1:1\nvalue.converter=x\nrest.port=eighty\n",
    );
    let out = std::process::Command::new(binary())
        .arg("standalone")
        .arg(&props)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: worker config {} has 2 errors:",
            props.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("Missing required configuration \"key.converter\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("Invalid value eighty for configuration rest.port"),
        "{stderr}"
    );
}

#[test]
fn plugins_list_names_every_builtin() {
    let out = std::process::Command::new(binary())
        .args(["plugins", "list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "source            wasmconnect.file.FileStreamSourceConnector",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "FileStreamSink,",
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.converters.ByteArrayConverter",
        "file.wasm",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
}
