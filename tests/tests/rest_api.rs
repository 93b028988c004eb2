//! The REST API's contract: every endpoint's status code and JSON shape,
//! every error in Apache's `{"error_code", "message"}` form, and the
//! lifecycle endpoints against a real broker.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use wasm_connect_e2e::*;

const LONG: Duration = Duration::from_secs(60);

fn source_body(name: &str, file: &Path, topic: &str) -> String {
    json!({
        "name": name,
        "config": {
            "connector.class": "FileStreamSource",
            "tasks.max": "1",
            "file": file.display().to_string(),
            "topic": topic,
        }
    })
    .to_string()
}

fn sink_config(file: &Path, topic: &str) -> Value {
    json!({
        "connector.class": "FileStreamSink",
        "tasks.max": "1",
        "file": file.display().to_string(),
        "topics": topic,
    })
}

/// Produce `value` and wait until the sink wrote it: the sink's consumer
/// has joined its group and works (the test broker's group coordinator
/// cannot cope with members that leave mid-join, so each lifecycle change
/// below waits for this before the next).
fn flows(worker: &Worker, broker: &Broker, output: &Path, value: &str) {
    broker.produce("contract", &[value.to_string()]);
    arrives(worker, output, value);
}

/// Wait until the sink wrote `value`.
fn arrives(worker: &Worker, output: &Path, value: &str) {
    for _ in 0..600 {
        if lines(output).iter().any(|l| l == value) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "{value} never reached {}: {:?}\nlog:\n{}",
        output.display(),
        lines(output),
        worker.log_text()
    );
}

fn error(status: u16, message: &str) -> (u16, Value) {
    (status, json!({"error_code": status, "message": message}))
}

#[test]
fn errors_and_shapes_of_every_endpoint() {
    let broker = Broker::start();
    broker.create_topic("contract", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = worker_properties(dir.path(), &broker, port, "");
    let worker = Worker::start(dir.path(), &props, &[], port);

    // Health (KIP-1017) once started.
    assert_eq!(
        worker.get("/health").unwrap(),
        (
            200,
            json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})
        )
    );

    // Unknown paths, wrong methods, bad bodies.
    assert_eq!(
        worker.get("/nope").unwrap(),
        error(404, "HTTP 404 Not Found")
    );
    assert_eq!(
        worker.request("DELETE", "/connectors", None).unwrap(),
        error(405, "HTTP 405 Method Not Allowed")
    );
    let (status, _, body) = worker
        .request_raw("POST", "/connectors", Some(("text/plain", b"name=x")))
        .unwrap();
    assert_eq!((status, &body["error_code"]), (415, &json!(415)), "{body}");
    let (status, body) = worker
        .request("POST", "/connectors", Some("{\"name\": \"x\", "))
        .unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Request body is not valid JSON: EOF while parsing"),
        "{body}"
    );
    let huge = format!(
        "{{\"name\": \"big\", \"config\": {{\"x\": \"{}\"}}}}",
        "a".repeat(5 * 1024 * 1024)
    );
    let (status, _, body) = worker
        .request_raw(
            "POST",
            "/connectors",
            Some(("application/json", huge.as_bytes())),
        )
        .unwrap();
    assert_eq!((status, &body["error_code"]), (413, &json!(413)), "{body}");

    let input = dir.path().join("in.txt");
    write(&input, "");
    let mismatch = json!({"name": "a", "config": {"name": "b", "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": "contract"}});
    assert_eq!(
        worker
            .request("POST", "/connectors", Some(&mismatch.to_string()))
            .unwrap(),
        error(
            400,
            "Connector name configuration (b) doesn't match connector name in the URL (a)"
        )
    );
    let bad_state = json!({"name": "a", "initial_state": "SLEEPING", "config": {"connector.class": "FileStreamSource"}});
    let (status, body) = worker
        .request("POST", "/connectors", Some(&bad_state.to_string()))
        .unwrap();
    assert_eq!(status, 400, "{body}");

    // Created STOPPED: no tasks, config kept.
    let mut stopped: Value =
        serde_json::from_str(&source_body("stopped", &input, "contract")).unwrap();
    stopped["initial_state"] = json!("STOPPED");
    let (status, location, created) = worker
        .request_raw(
            "POST",
            "/connectors",
            Some(("application/json", stopped.to_string().as_bytes())),
        )
        .unwrap();
    assert_eq!(status, 201, "{created}");
    assert_eq!(location.as_deref(), Some("/connectors/stopped"));
    assert_eq!(created["tasks"], json!([]));
    let worker_id = format!("127.0.0.1:{port}");
    assert_eq!(
        worker.get("/connectors/stopped/status").unwrap(),
        (
            200,
            json!({"name": "stopped", "connector": {"state": "STOPPED", "worker_id": worker_id}, "tasks": [], "type": "source"})
        )
    );
    assert_eq!(
        worker.get("/connectors/stopped/tasks").unwrap(),
        (200, json!([]))
    );

    // PUT creates (201 + Location), then replaces (200); PATCH merges and
    // removes keys given as null.
    let output = dir.path().join("out.txt");
    let (status, location, body) = worker
        .request_raw(
            "PUT",
            "/connectors/sink/config",
            Some((
                "application/json",
                sink_config(&output, "contract").to_string().as_bytes(),
            )),
        )
        .unwrap();
    assert_eq!(
        (status, location.as_deref()),
        (201, Some("/connectors/sink")),
        "{body}"
    );
    assert_eq!(body["type"], "sink");
    assert_eq!(body["tasks"], json!([{"connector": "sink", "task": 0}]));
    flows(&worker, &broker, &output, "one");
    let mut replaced = sink_config(&output, "contract");
    replaced["errors.tolerance"] = json!("all");
    let (status, body) = worker
        .request(
            "PUT",
            "/connectors/sink/config",
            Some(&replaced.to_string()),
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["config"]["errors.tolerance"], "all");
    flows(&worker, &broker, &output, "two");
    let (status, body) = worker
        .request(
            "PATCH",
            "/connectors/sink/config",
            Some(r#"{"errors.tolerance": null, "errors.log.enable": "true"}"#),
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["config"],
        json!({
            "connector.class": "FileStreamSink",
            "tasks.max": "1",
            "file": output.display().to_string(),
            "topics": "contract",
            "name": "sink",
            "errors.log.enable": "true"
        })
    );
    flows(&worker, &broker, &output, "three");
    assert_eq!(
        worker
            .request("PATCH", "/connectors/nope/config", Some("{}"))
            .unwrap(),
        error(404, "Connector nope not found")
    );
    let (status, body) = worker
        .request(
            "PUT",
            "/connectors/sink/config",
            Some(
                r#"{"connector.class": "FileStreamSink", "tasks.max": "x", "topics": "contract", "errors.tolerance": "sometimes"}"#,
            ),
        )
        .unwrap();
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("tasks.max") && message.contains("errors.tolerance"),
        "every problem is named: {message}"
    );
    let (status, body) = worker
        .request(
            "PUT",
            "/connectors/nofile/config",
            Some(r#"{"connector.class": "FileStreamSink", "topics": "contract"}"#),
        )
        .unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("file"),
        "the plugin's own check runs before anything starts: {body}"
    );
    assert_eq!(worker.get("/connectors/nofile").unwrap().0, 404);
    assert_eq!(
        worker.get("/connectors/sink/config").unwrap().1["errors.log.enable"],
        "true",
        "a rejected PUT changes nothing"
    );

    // Task status and the ids that do not exist.
    worker.wait_state("sink", "RUNNING", 1);
    assert_eq!(
        worker.get("/connectors/sink/tasks/0/status").unwrap(),
        (
            200,
            json!({"id": 0, "state": "RUNNING", "worker_id": worker_id})
        )
    );
    assert_eq!(
        worker.get("/connectors/sink/tasks/7/status").unwrap(),
        error(404, "Task sink-7 not found")
    );
    assert_eq!(
        worker.get("/connectors/sink/tasks/x/status").unwrap(),
        error(404, "HTTP 404 Not Found")
    );

    // Pause, resume, restarts.
    let (status, _) = worker
        .request("PUT", "/connectors/sink/pause", None)
        .unwrap();
    assert_eq!(status, 202);
    worker.wait_state("sink", "PAUSED", 1);
    broker.produce("contract", &["four".to_string()]);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !lines(&output).contains(&"four".to_string()),
        "a paused sink puts nothing"
    );
    let (status, _) = worker
        .request("PUT", "/connectors/sink/resume", None)
        .unwrap();
    assert_eq!(status, 202);
    worker.wait_state("sink", "RUNNING", 1);
    arrives(&worker, &output, "four");
    assert_eq!(
        worker
            .request("POST", "/connectors/sink/restart", None)
            .unwrap(),
        (204, Value::Null)
    );
    flows(&worker, &broker, &output, "five");
    let (status, body) = worker
        .request("POST", "/connectors/sink/restart?includeTasks=true", None)
        .unwrap();
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["connector"]["state"], "RESTARTING", "{body}");
    assert_eq!(body["tasks"][0]["state"], "RESTARTING", "{body}");
    worker.wait_state("sink", "RUNNING", 1);
    flows(&worker, &broker, &output, "six");
    let (status, body) = worker
        .request(
            "POST",
            "/connectors/sink/restart?includeTasks=true&onlyFailed=true",
            None,
        )
        .unwrap();
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body["connector"]["state"], "RUNNING",
        "nothing failed, nothing restarts: {body}"
    );
    assert_eq!(
        worker
            .request("POST", "/connectors/sink/tasks/0/restart", None)
            .unwrap(),
        (204, Value::Null)
    );
    flows(&worker, &broker, &output, "seven");
    assert_eq!(
        worker
            .request("POST", "/connectors/sink/tasks/3/restart", None)
            .unwrap(),
        error(404, "Task sink-3 not found")
    );
    assert_eq!(
        worker
            .request("PUT", "/connectors/nope/pause", None)
            .unwrap(),
        error(404, "Connector nope not found")
    );

    // Every record exactly once, in order, across all those changes.
    assert_eq!(
        lines(&output),
        ["one", "two", "three", "four", "five", "six", "seven"],
        "log:\n{}",
        worker.log_text()
    );

    // Active topics (KIP-558).
    assert_eq!(
        worker.get("/connectors/sink/topics").unwrap(),
        (200, json!({"sink": {"topics": ["contract"]}}))
    );
    assert_eq!(
        worker
            .request("PUT", "/connectors/sink/topics/reset", None)
            .unwrap(),
        (202, Value::Null)
    );
    assert_eq!(
        worker.get("/connectors/sink/topics").unwrap(),
        (200, json!({"sink": {"topics": []}}))
    );

    // Offsets can change only while STOPPED.
    let committed = json!({"offsets": [{
        "partition": {"kafka_topic": "contract", "kafka_partition": 0},
        "offset": {"kafka_offset": 7}
    }]});
    wait_for(LONG, "the sink's offsets to be committed", || {
        let (status, body) = worker.get("/connectors/sink/offsets").ok()?;
        (status == 200 && body == committed).then_some(())
    });
    assert_eq!(
        worker
            .request("DELETE", "/connectors/sink/offsets", None)
            .unwrap(),
        error(
            400,
            "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/sink/stop' endpoint"
        )
    );
    assert_eq!(
        worker
            .request(
                "PATCH",
                "/connectors/sink/offsets",
                Some(r#"{"offsets": []}"#)
            )
            .unwrap(),
        error(
            400,
            "Partitions / offsets need to be provided for an alter offsets request"
        )
    );

    // Plugins of every kind.
    let (_, all) = worker
        .get("/connector-plugins?connectorsOnly=false")
        .unwrap();
    let kinds: std::collections::BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for kind in [
        "source",
        "sink",
        "converter",
        "header_converter",
        "transformation",
        "predicate",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {all}");
    }
    let (_, connectors) = worker.get("/connector-plugins").unwrap();
    assert!(
        connectors
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["type"] == "source" || p["type"] == "sink")
    );

    // A plugin's configuration definitions, and validation with every
    // problem at once.
    let (status, defs) = worker
        .get("/connector-plugins/FileStreamSink/config")
        .unwrap();
    assert_eq!(status, 200, "{defs}");
    let file_def = defs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "file")
        .unwrap_or_else(|| panic!("no file key in {defs}"));
    for key in [
        "type",
        "required",
        "default_value",
        "importance",
        "documentation",
        "group",
        "width",
        "display_name",
        "dependents",
        "order",
    ] {
        assert!(file_def.get(key).is_some(), "{key} missing from {file_def}");
    }
    assert_eq!(
        worker.get("/connector-plugins/NoSuchThing/config").unwrap(),
        error(404, "Unknown plugin NoSuchThing.")
    );
    let (status, v) = worker
        .request(
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            Some(r#"{"connector.class": "FileStreamSink", "name": "v", "tasks.max": "0", "topics": "a", "topics.regex": "b.*", "errors.tolerance": "maybe", "transforms": "t", "transforms.t.type": "NoSuchTransform"}"#),
        )
        .unwrap();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["name"], "FileStreamSink");
    assert!(v["error_count"].as_u64().unwrap() >= 4, "{v}");
    assert!(
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Common"),
        "{v}"
    );
    let value_of = |key: &str| -> Value {
        v["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == key)
            .map(|c| c["value"].clone())
            .unwrap_or_else(|| panic!("{key} missing from {v}"))
    };
    // `file` is the plugin's own check (FileStreamSink needs a file).
    for key in ["tasks.max", "errors.tolerance", "transforms.t.type", "file"] {
        let value = value_of(key);
        assert!(
            !value["errors"].as_array().unwrap().is_empty(),
            "{key}: {value}"
        );
        for field in ["name", "value", "recommended_values", "errors", "visible"] {
            assert!(value.get(field).is_some(), "{field} missing from {value}");
        }
    }
    let (status, ok_v) = worker
        .request(
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            Some(&json!({"connector.class": "FileStreamSink", "name": "v", "topics": "a", "file": output.display().to_string()}).to_string()),
        )
        .unwrap();
    assert_eq!((status, &ok_v["error_count"]), (200, &json!(0)), "{ok_v}");
    let (status, mismatch) = worker
        .request(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(r#"{"connector.class": "FileStreamSink", "name": "v"}"#),
        )
        .unwrap();
    assert_eq!(
        (status, &mismatch["error_code"]),
        (400, &json!(400)),
        "{mismatch}"
    );

    // Log levels at run time.
    let (status, all) = worker.get("/admin/loggers").unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        all["root"],
        json!({"level": "INFO", "last_modified": null}),
        "{all}"
    );
    let (status, changed) = worker
        .request(
            "PUT",
            "/admin/loggers/wasm_connect::rest",
            Some(r#"{"level": "debug"}"#),
        )
        .unwrap();
    assert_eq!((status, changed), (200, json!(["wasm_connect::rest"])));
    let (_, level) = worker.get("/admin/loggers/wasm_connect::rest").unwrap();
    assert_eq!(level["level"], "DEBUG");
    assert!(level["last_modified"].as_u64().unwrap() > 0, "{level}");
    let (_, inherited) = worker
        .get("/admin/loggers/wasm_connect::rest::connectors")
        .unwrap();
    assert_eq!(inherited, json!({"level": "DEBUG", "last_modified": null}));
    assert_eq!(
        worker
            .request("PUT", "/admin/loggers/x", Some(r#"{"level": "LOUD"}"#))
            .unwrap(),
        error(404, "invalid log level 'LOUD'.")
    );
    assert_eq!(
        worker
            .request("PUT", "/admin/loggers/x", Some(r#"{}"#))
            .unwrap(),
        error(
            400,
            "Desired 'level' parameter was not specified in request."
        )
    );
    let (status, _) = worker
        .request(
            "PUT",
            "/admin/loggers/x?scope=cluster",
            Some(r#"{"level": "WARN"}"#),
        )
        .unwrap();
    assert_eq!(status, 204);

    // Delete.
    assert_eq!(
        worker.request("DELETE", "/connectors/sink", None).unwrap(),
        (204, Value::Null)
    );
    assert_eq!(
        worker.get("/connectors/sink").unwrap(),
        error(404, "Connector sink not found")
    );
    assert_eq!(
        worker.get("/connectors").unwrap(),
        (200, json!(["stopped"]))
    );
}
