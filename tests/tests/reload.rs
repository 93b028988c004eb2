//! Hot reload against the real broker: a running file → Kafka → file
//! pipeline whose transform plugin (`tests/versioned`, `test.Stamp`) is
//! replaced by a new version mid-stream switches at a commit boundary with
//! no record lost or duplicated; a garbage file and a version that fails
//! to start leave the previous version running, with the reason reported.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wasm_connect_e2e::*;

/// Replace `dest` by `bytes` the way a deployment does: write beside it,
/// then rename over it.
fn replace(dest: &Path, bytes: &[u8]) {
    let temp = dest.with_extension("wasm.part");
    std::fs::write(&temp, bytes).unwrap();
    std::fs::rename(&temp, dest).unwrap();
}

/// The version of `test.Stamp` that `GET /connector-plugins` reports.
fn stamp_version(worker: &Worker) -> String {
    let (_, plugins) = worker
        .get("/connector-plugins?connectorsOnly=false")
        .unwrap();
    plugins
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["class"] == "test.Stamp")
        .map(|p| p["version"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The `last_reload` of `file` in `GET /plugin-files` once its state is
/// `state` and it is about the bytes `sha` (when given).
fn wait_reload(worker: &Worker, file: &Path, state: &str) -> Value {
    wait_for(
        Duration::from_secs(120),
        &format!("{} to be {state}", file.display()),
        || {
            let (_, files) = worker.get("/plugin-files").ok()?;
            let entry = files
                .as_array()?
                .iter()
                .find(|f| f["file"] == file.display().to_string())?
                .clone();
            (entry["last_reload"]["state"] == state).then_some(entry)
        },
    )
}

/// Appends numbered lines to `input` until told to stop; how many so far.
struct Writer {
    stop: Arc<AtomicBool>,
    written: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    fn start(input: PathBuf, from: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicUsize::new(from));
        let (s, w) = (stop.clone(), written.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let n = w.load(Ordering::Relaxed);
                append(&input, &format!("line-{n:05}\n"));
                w.store(n + 1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            stop,
            written,
            thread: Some(thread),
        }
    }

    fn count(&self) -> usize {
        self.written.load(Ordering::Relaxed)
    }

    fn finish(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap();
        self.count()
    }
}

/// Every output line is `line-<i>|v<source>|v<sink>` for i = 0..n, each
/// once and in order; returns the (source, sink) versions per line.
fn check_output(output: &Path, n: usize) -> Vec<(u32, u32)> {
    let lines = wait_for(
        Duration::from_secs(120),
        &format!("{n} lines in the sink's file"),
        || {
            let lines = lines(output);
            (lines.len() >= n).then_some(lines)
        },
    );
    assert_eq!(
        lines.len(),
        n,
        "no line twice: {:?}",
        &lines[n.min(lines.len())..]
    );
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let parts: Vec<&str> = line.split('|').collect();
            assert_eq!(parts.len(), 3, "line {i}: {line}");
            assert_eq!(
                parts[0],
                format!("line-{i:05}"),
                "lost or reordered: {line}"
            );
            let version = |p: &str| p.strip_prefix('v').unwrap().parse::<u32>().unwrap();
            (version(parts[1]), version(parts[2]))
        })
        .collect()
}

/// Versions change once, from old to new, never back.
fn switched_once(versions: &[u32], from: u32, to: u32, what: &str) {
    let first_new = versions.iter().position(|v| *v == to);
    let Some(first_new) = first_new else {
        panic!("{what}: no record went through version {to}: {versions:?}");
    };
    assert!(first_new > 0, "{what}: no record through version {from}");
    assert!(
        versions[..first_new].iter().all(|v| *v == from)
            && versions[first_new..].iter().all(|v| *v == to),
        "{what}: versions went back and forth: {versions:?}"
    );
}

#[test]
fn a_new_plugin_version_is_switched_to_without_losing_or_repeating_records() {
    let dir = tempfile::tempdir().unwrap();
    let builds = dir.path().join("builds");
    let v1 = build_test_plugin("versioned", &[], &builds.join("v1.wasm"));
    let v2 = build_test_plugin(
        "versioned",
        &[("WASM_CONNECT_TEST_VERSION", "2.0.0")],
        &builds.join("v2.wasm"),
    );
    let broken = build_test_plugin(
        "versioned",
        &[("WASM_CONNECT_TEST_VERSION", "broken")],
        &builds.join("broken.wasm"),
    );
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let stamp = plugins.join("stamp.wasm");
    std::fs::copy(&v1, &stamp).unwrap();

    let broker = Broker::start();
    broker.create_topic("reload", 1);
    let port = free_port();
    let cache = dir.path().join("cache");
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        &format!(
            "plugin.path={}\nplugin.reload.interval.ms=200\nplugin.cache.dir={}",
            plugins.display(),
            cache.display()
        ),
    );
    let worker = Worker::start(dir.path(), &props, &[], port);
    assert_eq!(stamp_version(&worker), "1.0.0");

    let input = dir.path().join("in.txt");
    let output = dir.path().join("out.txt");
    write(&input, "");
    let connectors = [
        json!({"name": "reload-source", "config": {
            "connector.class": "FileStreamSource", "file": input.display().to_string(),
            "topic": "reload", "transforms": "stamp", "transforms.stamp.type": "test.Stamp",
        }}),
        json!({"name": "reload-sink", "config": {
            "connector.class": "FileStreamSink", "file": output.display().to_string(),
            "topics": "reload", "transforms": "stamp", "transforms.stamp.type": "test.Stamp",
        }}),
    ];
    for c in &connectors {
        let (status, body) = worker
            .request("POST", "/connectors", Some(&c.to_string()))
            .unwrap();
        assert_eq!(status, 201, "{body}");
    }
    worker.wait_state("reload-source", "RUNNING", 1);
    worker.wait_state("reload-sink", "RUNNING", 1);

    // Mid-stream, version 2 replaces version 1.
    let writer = Writer::start(input.clone(), 0);
    wait_for(Duration::from_secs(60), "records through version 1", || {
        (lines(&output).len() >= 50).then_some(())
    });
    replace(&stamp, &std::fs::read(&v2).unwrap());
    let entry = wait_reload(&worker, &stamp, "SWITCHED");
    let mut switched: Vec<String> = entry["last_reload"]["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    switched.sort();
    assert_eq!(switched, ["reload-sink", "reload-source"], "{entry}");
    assert_eq!(entry["plugins"][0]["version"], "2.0.0", "{entry}");
    assert_eq!(stamp_version(&worker), "2.0.0");
    let at_switch = writer.count();
    wait_for(Duration::from_secs(60), "records after the switch", || {
        (writer.count() > at_switch + 50).then_some(())
    });
    let written = writer.finish();
    let versions = check_output(&output, written);
    let (sources, sinks): (Vec<u32>, Vec<u32>) = versions.into_iter().unzip();
    switched_once(&sources, 1, 2, "source");
    switched_once(&sinks, 1, 2, "sink");
    assert_eq!(
        broker.read_all("reload", 1, written).len(),
        written,
        "each line was produced once"
    );

    // Garbage bytes: not loaded, the previous version keeps running.
    replace(&stamp, b"this is not a WebAssembly component");
    let entry = wait_reload(&worker, &stamp, "FAILED");
    let reason = entry["last_reload"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("stamp.wasm") && reason.contains("not a WebAssembly file"),
        "{entry}"
    );
    assert_eq!(entry["plugins"][0]["version"], "2.0.0", "{entry}");
    assert_eq!(stamp_version(&worker), "2.0.0");

    // A version that fails to start: the connectors go back to version 2.
    replace(&stamp, &std::fs::read(&broken).unwrap());
    let entry = wait_for(
        Duration::from_secs(120),
        "the broken version to be refused",
        || {
            let entry = wait_reload(&worker, &stamp, "FAILED");
            entry["last_reload"]["reason"]
                .as_str()?
                .contains("refuses to start")
                .then_some(entry)
        },
    );
    let reason = entry["last_reload"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("failed to start with it") && reason.contains("test.Stamp"),
        "{entry}"
    );
    assert_eq!(stamp_version(&worker), "2.0.0");
    worker.wait_state("reload-source", "RUNNING", 1);
    worker.wait_state("reload-sink", "RUNNING", 1);
    let log = worker.log_text();
    assert!(
        log.lines().any(|l| l.contains("stamp.wasm")
            && l.contains("not used, going back to the previous one")
            && l.contains("refuses to start")),
        "the log names the file and the reason"
    );

    // Records still flow, through version 2, none lost or repeated.
    let writer = Writer::start(input.clone(), written);
    wait_for(Duration::from_secs(60), "more records", || {
        (writer.count() > written + 30).then_some(())
    });
    let total = writer.finish();
    let versions = check_output(&output, total);
    assert!(
        versions[written..].iter().all(|v| *v == (2, 2)),
        "{:?}",
        &versions[written..]
    );

    // The compile cache holds the versions it compiled.
    let entries = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .filter(|f| f.path().extension().is_some_and(|e| e == "cwasm"))
        .count();
    assert!(entries >= 3, "{entries} cache entries");
    assert!(worker.stop().success());
}
