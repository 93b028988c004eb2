//! Sandbox renewal with a real broker: Python plugins built with
//! componentize-py 0.25.1 never free the batches they return, so their
//! memory grows with every batch. With a low `plugin.memory.limit.bytes`
//! a task used to fail at the limit and be restarted, sending records
//! again; now it renews its sandbox at a clean boundary, and runs well
//! past that point with every record delivered exactly once, its status
//! RUNNING all along, renewals counted and no restart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::json;
use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(240);
const MIB: u64 = 1024 * 1024;

/// A folder with the two Python examples these tests use, built by
/// `examples/build.sh python` once per run (componentize-py;
/// `scripts/test.sh` installs it) and compiled into the engine's cache
/// before any worker starts: a Python component takes seconds to compile,
/// and two workers starting together would each compile it.
fn python_examples() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = build_examples(&["python"]);
        let dir = repo_root().join("target").join("renew-examples");
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["counter-source.wasm", "mask-route.wasm"] {
            std::fs::copy(out.join("python").join(name), dir.join(name)).unwrap();
        }
        warm_compile_cache(&dir);
        dir
    })
}

/// A broker with `topic` (one partition), and a worker on it whose
/// `plugin.path` has the Python examples, with `extra` worker settings.
fn start(topic: &str, extra: &str) -> (Broker, tempfile::TempDir, Worker) {
    let broker = Broker::start();
    broker.create_topic(topic, 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = format!("plugin.path={}\n{extra}", python_examples().display());
    let props = worker_properties(dir.path(), &broker, port, &extra);
    let worker = Worker::start(dir.path(), &props, &[], port);
    (broker, dir, worker)
}

/// Create the one-task connector `body`, check the renewal threshold its
/// task got (`renew_bytes`), and poll its status and metrics until its
/// counter `metric` reaches `count`. On every turn the task must be
/// RUNNING; at the end it must have renewed its sandbox at least twice,
/// never restarted, and said why in the log with the task named.
fn run_renewing(
    worker: &Worker,
    body: &serde_json::Value,
    renew_bytes: u64,
    metric: &str,
    count: u64,
) {
    let (status, reply) = worker
        .request("POST", "/connectors", Some(&body.to_string()))
        .unwrap();
    assert_eq!(status, 201, "{reply}");
    let connector = body["name"].as_str().unwrap();
    let (_, sandbox) = worker
        .get(&format!("/connectors/{connector}/tasks/0/sandbox"))
        .unwrap();
    assert_eq!(sandbox["memory_renew_bytes"], renew_bytes, "{sandbox}");

    let labels = format!("{{connector=\"{connector}\",task=\"0\"}}");
    let sample = format!("{metric}{labels}");
    let mut states = Vec::new();
    wait_for(LONG, &format!("{sample} to reach {count}"), || {
        let (_, st) = worker
            .get(&format!("/connectors/{connector}/tasks/0/status"))
            .ok()?;
        if st["state"] != "RUNNING" {
            states.push(st.to_string());
        }
        (worker.metric(&sample)? >= count as f64).then_some(())
    });
    let log = worker.log_text();
    assert!(
        states.is_empty(),
        "{connector}'s task left RUNNING: {states:?}\nlog:\n{log}"
    );

    let metrics = worker.get_text("/metrics").unwrap().1;
    let renewals = metric_value(
        &metrics,
        &format!("wasm_connect_task_sandbox_renewals_total{labels}"),
    )
    .unwrap_or(0.0);
    let restarts = metric_value(
        &metrics,
        &format!("wasm_connect_task_restarts_total{labels}"),
    );
    assert!(
        renewals >= 2.0,
        "{connector}: {renewals} renewals\nlog:\n{log}"
    );
    assert_eq!(restarts, Some(0.0), "{connector}: restarts\nlog:\n{log}");
    let renewing: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Renewing the task's sandbox"))
        .collect();
    assert_eq!(renewing.len() as f64, renewals, "{log}");
    assert!(
        renewing
            .iter()
            .all(|l| l.contains(&format!("[{connector}|task-0]"))
                && l.contains("of linear memory, above plugin.memory.renew.bytes")),
        "{renewing:#?}"
    );
    assert!(!log.contains("Task failed"), "{log}");
}

/// A Python source (CounterSource) renews its sandbox between batches,
/// at the default threshold (75% of its limit), and resumes from the
/// stored offsets: every number reaches the topic once.
#[test]
fn a_python_source_renews_its_sandbox_instead_of_failing() {
    // 1,000 numbers a batch grow the sandbox ~0.1 MiB; from ~14 MiB, it
    // would reach the 24 MiB limit after ~90 batches and fail, about
    // twice in this run.
    const COUNT: u64 = 200_000;
    let (broker, _dir, worker) = start("numbers", "");
    // A bad value is refused with the key named, and nothing is created.
    let bad = json!({"name": "bad", "config": {
        "connector.class": "examples.python.CounterSource", "topic": "numbers",
        "plugin.memory.renew.bytes": "lots",
    }});
    let (status, reply) = worker
        .request("POST", "/connectors", Some(&bad.to_string()))
        .unwrap();
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains(
            "Invalid value lots for configuration plugin.memory.renew.bytes: must be a whole number \
             of bytes, 0 or more (0 turns renewal off)"
        ),
        "{reply}"
    );
    let body = json!({"name": "count", "config": {
        "connector.class": "examples.python.CounterSource",
        "topic": "numbers", "max.count": COUNT.to_string(), "batch.size": "1000",
        "plugin.memory.limit.bytes": (24 * MIB).to_string(),
        "task.restart.backoff.ms": "100",
    }});
    let written = "kafka_connect_source_task_source_record_write_total";
    run_renewing(&worker, &body, 18 * MIB, written, COUNT);

    let mut got: Vec<u64> = broker
        .read_all("numbers", 1, COUNT as usize)
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(got.len() as u64, COUNT, "no number twice, none lost");
    got.sort_unstable();
    assert!(got.iter().copied().eq(0..COUNT), "every number once");
}

/// A sink whose chain holds a Python transform (MaskRoute, in the task's
/// sandbox beside the built-in converters and FileStreamSink) renews its
/// sandbox between batches at an explicit threshold, keeping its consumer
/// and assignment: every record is written once, the partition is
/// assigned once.
#[test]
fn a_sink_with_a_python_transform_renews_its_sandbox_between_batches() {
    // ~0.17 MiB per 1,000 records returned: the 32 MiB limit would be
    // reached after ~80,000 records.
    const COUNT: usize = 150_000;
    let (broker, dir, worker) = start(
        "people",
        &format!(
            "value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter.schemas.enable=false\nplugin.memory.renew.bytes={}",
            24 * MIB
        ),
    );
    let people: Vec<String> = (0..COUNT)
        .map(|i| format!(r#"{{"id":{i},"email":"person{i}@example.com"}}"#))
        .collect();
    broker.produce("people", &people);
    let out = dir.path().join("out.txt");
    let body = json!({"name": "masked", "config": {
        "connector.class": "FileStreamSink",
        "topics": "people",
        "file": out.display().to_string(),
        "transforms": "mask",
        "transforms.mask.type": "examples.python.MaskRoute",
        "transforms.mask.mask.field": "email",
        "plugin.memory.limit.bytes": (32 * MIB).to_string(),
        "task.restart.backoff.ms": "100",
    }});
    let sent = "kafka_connect_sink_task_sink_record_send_total";
    run_renewing(&worker, &body, 24 * MIB, sent, COUNT as u64);
    let log = worker.log_text();
    assert_eq!(
        log.matches("Partitions assigned").count(),
        1,
        "no rebalance:\n{log}"
    );

    let mut got = wait_for(LONG, "every record in the file", || {
        let got = lines(&out);
        (got.len() >= COUNT).then_some(got)
    });
    std::thread::sleep(Duration::from_secs(1));
    got.extend(lines(&out).into_iter().skip(got.len()));
    assert_eq!(got.len(), COUNT, "no record twice, none lost");
    got.sort_unstable();
    let mut expected: Vec<String> = (0..COUNT)
        .map(|i| format!("{{id={i}, email=****}}"))
        .collect();
    expected.sort_unstable();
    let differ: Vec<_> = got
        .iter()
        .zip(&expected)
        .filter(|(g, e)| g != e)
        .take(3)
        .collect();
    assert!(differ.is_empty(), "every record once, masked: {differ:?}");
}
