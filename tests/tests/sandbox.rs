//! The sandbox against deliberately hostile plugins (`tests/hostile`):
//! each misbehaviour fails only its own task, with a trace that says which
//! plugin, which call and why, while the worker and other connectors carry
//! on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use wasm_connect_e2e::*;

/// Build the hostile plugin for wasm32-wasip2 and put it into `dir`.
fn hostile_plugin(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    build_test_plugin("hostile", &[], &plugins.join("hostile.wasm"));
    plugins
}

#[test]
fn hostile_plugins_fail_only_their_own_task() {
    let broker = Broker::start();
    broker.create_topic("hostile", 1);
    broker.create_topic("lines", 1);
    broker.produce("hostile", &["bait".to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let plugins = hostile_plugin(dir.path());
    let port = free_port();
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        &format!("plugin.path={}", plugins.display()),
    );
    let worker = Worker::start(dir.path(), &props, &[], port);

    // A well-behaved connector beside them.
    let input = dir.path().join("in.txt");
    write(&input, "");
    let healthy = json!({"name": "healthy", "config": {
        "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": "lines"
    }});
    assert_eq!(
        worker
            .request("POST", "/connectors", Some(&healthy.to_string()))
            .unwrap()
            .0,
        201
    );

    let outside = dir.path().join("not-granted").join("x.txt");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    let cases = [
        (
            "loop",
            String::new(),
            "ran longer than its 2000 ms time limit in put()",
        ),
        ("memory", String::new(), "exceeded its 64 MiB memory limit"),
        (
            "recursion",
            String::new(),
            "overflowed its call stack (recursion too deep) (in wasm_connect_test_hostile::deep) in put()",
        ),
        (
            "read-passwd",
            String::new(),
            "reading /etc/passwd was refused",
        ),
        (
            "write-outside",
            outside.display().to_string(),
            "was refused",
        ),
        ("connect", format!("127.0.0.1:{port}"), "was refused"),
        ("stdout", String::new(), "flooded stdout with 3 MB"),
        (
            "kafka",
            String::new(),
            "opening Kafka cluster source was refused: Kafka cluster 'source' is not granted to \
             connector 'h-kafka' (granted: none)",
        ),
    ];
    for (mode, target, _) in &cases {
        let body = json!({"name": format!("h-{mode}"), "config": {
            "connector.class": "test.HostileSink",
            "topics": "hostile",
            "mode": mode,
            "target": target,
            "plugin.memory.limit.bytes": "67108864",
            "plugin.call.timeout.ms": "2000",
            "task.restart.max.attempts": "0",
        }});
        let (status, created) = worker
            .request("POST", "/connectors", Some(&body.to_string()))
            .unwrap();
        assert_eq!(status, 201, "{mode}: {created}");
    }
    for (mode, _, expected) in &cases {
        let name = format!("h-{mode}");
        let trace = wait_for(Duration::from_secs(90), &format!("{name} to fail"), || {
            let (_, st) = worker
                .get(&format!("/connectors/{name}/tasks/0/status"))
                .ok()?;
            (st["state"] == "FAILED").then(|| st["trace"].as_str().unwrap_or("").to_owned())
        });
        assert!(trace.contains(expected), "{mode}: {trace}");
        assert!(
            trace.contains("test.HostileSink"),
            "{mode}: the trace names the plugin: {trace}"
        );
        assert!(!trace.contains("SUCCEEDED"), "{mode} escaped: {trace}");
        // The connector itself is fine; only its task failed.
        let (_, st) = worker.get(&format!("/connectors/{name}/status")).unwrap();
        assert_eq!(st["connector"]["state"], "RUNNING", "{mode}: {st}");
    }
    assert!(
        !outside.exists(),
        "the hostile plugin wrote outside its grants"
    );

    // Explicit grants open exactly what they name, and the task's sandbox
    // is visible over REST.
    let granted_dir = dir.path().join("granted");
    std::fs::create_dir_all(&granted_dir).unwrap();
    let body = json!({"name": "h-granted", "config": {
        "connector.class": "test.HostileSink",
        "topics": "hostile",
        "mode": "connect",
        "target": format!("127.0.0.1:{port}"),
        "plugin.grant.hosts": format!("127.0.0.1:{port}"),
        "plugin.grant.write.paths": granted_dir.display().to_string(),
        "plugin.memory.limit.bytes": "67108864",
        "task.restart.max.attempts": "0",
    }});
    assert_eq!(
        worker
            .request("POST", "/connectors", Some(&body.to_string()))
            .unwrap()
            .0,
        201
    );
    let (status, sandbox) = worker.get("/connectors/h-granted/tasks/0/sandbox").unwrap();
    assert_eq!(status, 200, "{sandbox}");
    assert_eq!(
        sandbox,
        json!({
            "id": {"connector": "h-granted", "task": 0},
            "paths": [{"path": granted_dir.display().to_string(), "access": "read_write"}],
            "hosts": [format!("127.0.0.1:{port}")],
            "kafka_clusters": [],
            "memory_limit_bytes": 67108864,
            "memory_renew_bytes": 50331648,
            "call_timeout_ms": 60000,
            "environment": false
        })
    );
    let trace = wait_for(Duration::from_secs(60), "h-granted to report", || {
        let (_, st) = worker.get("/connectors/h-granted/tasks/0/status").ok()?;
        (st["state"] == "FAILED").then(|| st["trace"].as_str().unwrap_or("").to_owned())
    });
    assert!(
        trace.contains(&format!("CONNECT SUCCEEDED: 127.0.0.1:{port}")),
        "a granted host is reachable: {trace}\n{}",
        worker.log_text()
    );

    // Beyond Apache: a failed task restarts by itself, with growing waits,
    // a bounded number of times; the status shows the attempts.
    let body = json!({"name": "h-restarts", "config": {
        "connector.class": "test.HostileSink",
        "topics": "hostile",
        "mode": "read-passwd",
        "task.restart.max.attempts": "2",
        "task.restart.backoff.ms": "300",
    }});
    assert_eq!(
        worker
            .request("POST", "/connectors", Some(&body.to_string()))
            .unwrap()
            .0,
        201
    );
    let mut seen = Vec::new();
    let failed = wait_for(Duration::from_secs(90), "h-restarts to give up", || {
        let (_, st) = worker.get("/connectors/h-restarts/tasks/0/status").ok()?;
        let state = st["state"].as_str().unwrap_or("").to_owned();
        let trace = st["trace"].as_str().unwrap_or("").to_owned();
        if state == "RESTARTING" && !seen.contains(&trace) {
            seen.push(trace.clone());
        }
        (state == "FAILED").then_some(trace)
    });
    assert!(
        failed.contains("reading /etc/passwd was refused")
            && failed.contains("(gave up after 2 automatic restart(s))"),
        "{failed}"
    );
    assert!(
        seen.iter()
            .any(|t| t.contains("(automatic restart 1 of 2 in 300 ms)")),
        "{seen:?}"
    );

    // The flood reached the log attributed to its task, cut to the rate.
    let log = worker.log_text();
    assert!(
        log.len() < 1024 * 1024,
        "the log holds {} bytes after a 3 MB flood",
        log.len()
    );
    assert!(
        log.lines()
            .any(|l| l.contains("[h-stdout|task-0]") && l.contains("flood line 0 ")),
        "plugin output is attributed to its connector and task"
    );

    // The worker and the other connector carry on.
    append(&input, "still\nhere\n");
    assert_eq!(broker.read_all("lines", 1, 2), vec!["still", "here"]);
    let (_, st) = worker.get("/connectors/healthy/status").unwrap();
    assert_eq!(st["tasks"][0]["state"], "RUNNING", "{st}");
    assert!(
        worker.stop().success(),
        "the worker stops cleanly afterwards"
    );
}
