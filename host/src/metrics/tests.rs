use std::time::Duration;

use super::*;

fn sample<'a>(text: &'a str, line_start: &str) -> Option<&'a str> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
}

#[test]
fn a_scrape_shows_each_task_under_apaches_names() {
    let metrics = Metrics::default();
    let src = metrics.add_task("orders", 0, TaskKind::Source, &["mask".into()]);
    let sink = metrics.add_task("archive", 1, TaskKind::Sink, &[]);
    src.poll_total.inc_by(1000);
    src.write_total.inc_by(998);
    src.batch_size.observe(1000.0);
    src.offset_commit(true, Duration::from_millis(3));
    src.offset_commit(false, Duration::from_millis(5));
    src.transform(0).unwrap().observe(0.0002);
    sink.read_total.inc_by(7);
    sink.send_total.inc_by(6);
    sink.sandbox_renewals.inc();
    metrics.worker().connector_startup_attempts.inc();
    let text = metrics
        .render(vec![ConnectorState {
            name: "orders".into(),
            state: "running".into(),
            tasks: vec!["running".into()],
        }])
        .unwrap();
    let src_labels = r#"{connector="orders",task="0"}"#;
    let sink_labels = r#"{connector="archive",task="1"}"#;
    let at = |name: &str, labels: &str| sample(&text, &format!("{name}{labels} "));
    assert_eq!(
        at(
            "kafka_connect_source_task_source_record_poll_total",
            src_labels
        ),
        Some("1000")
    );
    assert_eq!(
        at(
            "kafka_connect_source_task_source_record_write_total",
            src_labels
        ),
        Some("998")
    );
    assert_eq!(
        at(
            "kafka_connect_sink_task_sink_record_read_total",
            sink_labels
        ),
        Some("7")
    );
    assert_eq!(
        at(
            "kafka_connect_sink_task_sink_record_send_total",
            sink_labels
        ),
        Some("6")
    );
    assert_eq!(
        at(
            "kafka_connect_connector_task_offset_commit_success_percentage",
            src_labels
        ),
        Some("50.0")
    );
    assert_eq!(
        at("kafka_connect_connector_task_batch_size_count", src_labels),
        Some("1")
    );
    assert_eq!(
        at(
            "wasm_connect_task_transform_time_seconds_count",
            r#"{connector="orders",task="0",transform="mask"}"#
        ),
        Some("1")
    );
    assert_eq!(
        at("kafka_connect_worker_connector_startup_attempts_total", ""),
        Some("1")
    );
    assert_eq!(
        at(
            "kafka_connect_worker_connector_running_task_count",
            r#"{connector="orders"}"#
        ),
        Some("1")
    );
    // Source metrics only for source tasks, and the other way round.
    assert_eq!(
        at(
            "kafka_connect_source_task_source_record_poll_total",
            sink_labels
        ),
        None
    );
    assert_eq!(
        at("kafka_connect_sink_task_sink_record_read_total", src_labels),
        None
    );
    assert_eq!(
        at("wasm_connect_task_sandbox_renewals_total", sink_labels),
        Some("1")
    );
    assert_eq!(
        at("wasm_connect_task_sandbox_renewals_total", src_labels),
        Some("0")
    );
    assert!(text.ends_with("# EOF\n"), "{text}");

    // A task that went away leaves the scrape.
    metrics.remove_task(&sink);
    let text = metrics.render(vec![]).unwrap();
    assert!(!text.contains("archive"), "{text}");
}

#[test]
fn a_task_registered_again_replaces_the_old_one() {
    let metrics = Metrics::default();
    let old = metrics.add_task("c", 0, TaskKind::Sink, &[]);
    let new = metrics.add_task("c", 0, TaskKind::Sink, &[]);
    new.read_total.inc_by(3);
    // The old one's removal must not take the new one with it.
    metrics.remove_task(&old);
    let text = metrics.render(vec![]).unwrap();
    assert_eq!(
        sample(
            &text,
            r#"kafka_connect_sink_task_sink_record_read_total{connector="c",task="0"} "#
        ),
        Some("3")
    );
}
