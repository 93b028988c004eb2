//! Metrics and logs while records move: `/metrics` scraped during and
//! after a datagen → Kafka → FileStreamSink pipeline, its counters checked
//! against the records moved, and log lines checked for their connector
//! and task.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::time::Duration;

use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(90);

/// Records the pipeline moves: enough for several batches, few enough to
/// take seconds at the rate below.
const RECORDS: u64 = 3000;

#[test]
fn metrics_count_the_records_a_pipeline_moves() {
    let broker = Broker::start();
    broker.create_topic("gen", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let out = dir.path().join("out.txt");
    let worker_props = worker_properties(dir.path(), &broker, port, "");
    let source = write(
        &dir.path().join("gen.properties"),
        &format!(
            "name=gen\nconnector.class=wasmconnect.datagen.DatagenConnector\ntopic=gen\n\
             max.records={RECORDS}\nrecords.per.second=1500\nschema=string\nvalue.size=40\n\
             batch.size=200\n"
        ),
    );
    let sink = write(
        &dir.path().join("sink.properties"),
        &format!(
            "name=sink\nconnector.class=FileStreamSink\ntopics=gen\nfile={}\n\
             transforms=route\ntransforms.route.type=RegexRouter\n\
             transforms.route.regex=gen\ntransforms.route.replacement=copied\n",
            out.display()
        ),
    );
    let worker = Worker::start(dir.path(), &worker_props, &[source, sink], port);
    let src = r#"{connector="gen",task="0"}"#;
    let snk = r#"{connector="sink",task="0"}"#;

    // While it runs: counters move, never past what was made. The task's
    // series appear once it has started, which a loaded machine delays.
    wait_for(LONG, "the source task's series in /metrics", || {
        let (status, text) = worker.get_text("/metrics").ok()?;
        assert_eq!(status, 200);
        text.contains("# TYPE kafka_connect_source_task_source_record_poll counter")
            .then_some(())
    });
    let midway = wait_for(LONG, "records to start flowing", || {
        let polled = worker.metric(&format!(
            "kafka_connect_source_task_source_record_poll_total{src}"
        ))?;
        (polled > 0.0 && polled < RECORDS as f64).then_some(polled)
    });
    assert!(midway <= RECORDS as f64);

    // When done: every counter equals the records moved.
    wait_for(LONG, "every record in the file", || {
        (lines(&out).len() as u64 >= RECORDS).then_some(())
    });
    let metric = |name: &str, labels: &str| worker.metric(&format!("{name}{labels}"));
    wait_for(LONG, "the counters to settle", || {
        let written = metric("kafka_connect_source_task_source_record_write_total", src)?;
        let sent = metric("kafka_connect_sink_task_sink_record_send_total", snk)?;
        (written == RECORDS as f64 && sent == RECORDS as f64).then_some(())
    });
    let (_, text) = worker.get_text("/metrics").unwrap();
    let at = |name: &str, labels: &str| metric_value(&text, &format!("{name}{labels}"));
    let n = Some(RECORDS as f64);
    assert_eq!(
        at("kafka_connect_source_task_source_record_poll_total", src),
        n,
        "{text}"
    );
    assert_eq!(
        at("kafka_connect_source_task_source_record_write_total", src),
        n
    );
    assert_eq!(at("kafka_connect_sink_task_sink_record_read_total", snk), n);
    assert_eq!(at("kafka_connect_sink_task_sink_record_send_total", snk), n);
    // A batch never holds more than batch.size records.
    let polls = at("kafka_connect_connector_task_batch_size_count", src).unwrap();
    assert!(polls >= (RECORDS / 200) as f64, "{polls} polls");
    let le_256 = text
        .lines()
        .find(|l| {
            l.starts_with("kafka_connect_connector_task_batch_size_bucket{")
                && l.contains(r#"connector="gen""#)
                && l.contains(r#"le="256.0""#)
        })
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert_eq!(le_256, Some(polls), "{text}");
    // Each converter and the transform were timed once per batch.
    let converted = at(
        "wasm_connect_task_convert_time_seconds_count",
        r#"{connector="sink",task="0",converter="value"}"#,
    )
    .unwrap();
    let transformed = at(
        "wasm_connect_task_transform_time_seconds_count",
        r#"{connector="sink",task="0",transform="route"}"#,
    )
    .unwrap();
    assert!(
        converted >= 1.0 && converted == transformed,
        "{converted} vs {transformed}"
    );
    assert_eq!(
        at("kafka_connect_sink_task_partition_count", snk),
        Some(1.0)
    );
    assert_eq!(
        at("kafka_connect_task_error_record_errors_total", snk),
        Some(0.0)
    );
    assert!(at("wasm_connect_task_plugin_memory_bytes", src).unwrap() > 0.0);
    assert_eq!(at("kafka_connect_worker_connector_count", ""), Some(2.0));
    assert_eq!(
        at(
            "kafka_connect_worker_connector_running_task_count",
            r#"{connector="gen"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        at(
            "kafka_connect_connector_status",
            r#"{connector="sink",status="running"}"#
        ),
        Some(1.0)
    );
    // Offsets were committed on both sides.
    wait_for(LONG, "offset commits", || {
        let s = worker.metric(&format!(
            "kafka_connect_connector_task_offset_commit_success_total{src}"
        ))?;
        let k = worker.metric(&format!(
            "kafka_connect_connector_task_offset_commit_success_total{snk}"
        ))?;
        (s >= 1.0 && k >= 1.0).then_some(())
    });

    // What datagen made is what arrived, in order: record i is its id, a
    // space and letters from the i-th on.
    let got = lines(&out);
    for (i, line) in got.iter().enumerate().take(RECORDS as usize) {
        let mut expected = Vec::new();
        wasm_connect_plugin_datagen::text_bytes(i as u64, 40, &mut expected);
        assert_eq!(line.as_bytes(), expected, "line {i}");
    }

    // Deleting a connector takes its tasks out of the scrape.
    let (status, _) = worker.request("DELETE", "/connectors/gen", None).unwrap();
    assert_eq!(status, 204);
    wait_for(LONG, "the deleted connector's metrics to go", || {
        let (_, text) = worker.get_text("/metrics").ok()?;
        (!text.contains(r#"connector="gen""#)).then_some(())
    });
    let log = worker.log_text();
    worker.stop();
    // Every line the tasks logged names them.
    assert!(
        log.contains("[gen|task-0]") && log.contains("[sink|task-0]"),
        "{log}"
    );
}

/// The JSON log lines of a task carry its connector and task; a plugin's
/// own log calls are attributed the same way, and their level changes at
/// run time through `/admin/loggers`.
#[test]
fn json_logs_name_the_connector_and_task_and_levels_change_at_run_time() {
    let broker = Broker::start();
    broker.create_topic("j", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker_props = worker_properties(dir.path(), &broker, port, "");
    let worker = Worker::start_with_args(
        dir.path(),
        dir.path(),
        &worker_props,
        &[],
        port,
        &["--log-format", "json"],
    );
    let sink = |name: &str| {
        format!(
            r#"{{"name": "{name}", "config": {{"connector.class": "FileStreamSink", "topics": "j", "file": "{}"}}}}"#,
            dir.path().join(format!("{name}.txt")).display()
        )
    };
    let lines = || -> Vec<serde_json::Value> {
        worker
            .log_text()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    let task_started = |connector: &str| {
        lines().into_iter().find(|l| {
            l["fields"]["message"] == "Sink task started" && l["span"]["connector"] == connector
        })
    };
    // FileStreamSink logs "Appending records to …" at DEBUG when it starts.
    let (status, _) = worker
        .request("POST", "/connectors", Some(&sink("quiet")))
        .unwrap();
    assert_eq!(status, 201);
    let started = wait_for(LONG, "quiet's task to start", || task_started("quiet"));
    assert_eq!(started["span"]["task"], 0, "{started}");
    let (status, _) = worker
        .request(
            "PUT",
            "/admin/loggers/plugin",
            Some(r#"{"level": "DEBUG"}"#),
        )
        .unwrap();
    assert_eq!(status, 200);
    let (status, _) = worker
        .request("POST", "/connectors", Some(&sink("loud")))
        .unwrap();
    assert_eq!(status, 201);
    wait_for(LONG, "loud's task to start", || task_started("loud"));

    let plugin_line = |connector: &str| {
        lines().into_iter().find(|l| {
            l["target"] == "plugin"
                && l["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Appending records to"))
                && l["span"]["connector"] == connector
        })
    };
    let line = wait_for(LONG, "the plugin's debug line", || plugin_line("loud"));
    assert_eq!(line["level"], "DEBUG");
    assert_eq!(line["span"]["task"], 0, "{line}");
    assert!(
        plugin_line("quiet").is_none(),
        "DEBUG was off when quiet started"
    );
    worker.stop();
}
