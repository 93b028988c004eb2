//! One conformance suite for plugins in Rust, Python and JavaScript: the
//! example plugins of `examples/` (a transform that masks a field and
//! routes by a header, a sink that appends records to a file, a source that
//! emits a counter), built with each language's own tools, give the same
//! answers to the same tests, through `wasm-connect plugin test` and in a
//! real worker with Kafka.
//!
//! The examples are built once per run by `examples/build.sh` (cargo,
//! componentize-py, componentize-js); `scripts/test.sh` installs the
//! Python and JavaScript tools.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use wasm_connect::plugin::contract::VERSION;
use wasm_connect_e2e::*;

const LANGUAGES: [&str; 3] = ["rust", "python", "js"];

/// Where `examples/build.sh` put the components: `<dir>/<language>/<example>.wasm`.
fn examples() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = build_examples(&[]);
        warm_compile_cache(&out);
        out
    })
}

fn example(language: &str, name: &str) -> String {
    examples()
        .join(language)
        .join(format!("{name}.wasm"))
        .display()
        .to_string()
}

const RECORDS: &str = r#"{"topic":"orders","partition":0,"offset":7,"headers":[{"key":"route","value":"eu-orders"}],"key":"k1","value":{"schema":{"type":"struct","name":"Customer","fields":[{"field":"id","type":"int64"},{"field":"email","type":"string","optional":true}]},"payload":{"id":1,"email":"ann@example.com"}}}
{"topic":"orders","value":{"schema":{"type":"struct","name":"Customer","fields":[{"field":"id","type":"int64"},{"field":"email","type":"string","optional":true}]},"payload":{"id":2,"email":null}}}
{"topic":"orders","headers":{"route":"us-orders","trace":"t-1"},"value":{"id":3,"email":"bob@example.com","tags":["a","b"]}}
{"topic":"orders","headers":[{"key":"route","value":{"schema":{"type":"bytes"},"payload":"YXNpYS1vcmRlcnM="}}],"value":{"name":"no email here"}}
{"topic":"orders","headers":[{"key":"route","value":""}],"value":"plain text"}
{"topic":"orders","timestamp":1700000000000,"value":null}
"#;

/// What MaskRoute makes of [`RECORDS`] with `mask.field=email`: the struct
/// and map fields masked (a null stays null), records routed by a text or
/// bytes header, the others as they were.
const MASKED: &str = r#"{"topic":"eu-orders","partition":0,"offset":7,"headers":[{"key":"route","value":"eu-orders"}],"key":"k1","value":{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":true,"field":"email"}],"optional":false,"name":"Customer"},"payload":{"id":1,"email":"****"}}}
{"topic":"orders","key":null,"value":{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":true,"field":"email"}],"optional":false,"name":"Customer"},"payload":{"id":2,"email":null}}}
{"topic":"us-orders","headers":[{"key":"route","value":"us-orders"},{"key":"trace","value":"t-1"}],"key":null,"value":{"id":3,"email":"****","tags":["a","b"]}}
{"topic":"asia-orders","headers":[{"key":"route","value":{"schema":{"type":"bytes","optional":false},"payload":"YXNpYS1vcmRlcnM="}}],"key":null,"value":{"name":"no email here"}}
{"topic":"orders","headers":[{"key":"route","value":""}],"key":null,"value":"plain text"}
{"topic":"orders","timestamp":1700000000000,"timestamp_type":"CreateTime","key":null,"value":null}
"#;

#[test]
fn mask_route_is_the_same_in_every_language() {
    for language in LANGUAGES {
        let out = plugin_test(
            &example(language, "mask-route"),
            &["-c", "mask.field=email"],
            RECORDS,
        );
        assert_eq!(out.stderr, "", "{language}");
        assert!(out.ok, "{language}");
        assert_eq!(out.stdout, MASKED, "{language}");
        // Batches of one record give the same answers.
        let one_by_one = plugin_test(
            &example(language, "mask-route"),
            &[
                "-c",
                "mask.field=email",
                "-c",
                "mask.with=?",
                "--batch-size",
                "1",
            ],
            RECORDS,
        );
        assert_eq!(one_by_one.stdout, MASKED.replace("****", "?"), "{language}");
    }
}

#[test]
fn mask_route_errors_are_the_same_in_every_language() {
    for language in LANGUAGES {
        let plugin = format!("examples.{language}.MaskRoute");
        let wrong_type = plugin_test(
            &example(language, "mask-route"),
            &["-c", "mask.field=email"],
            "{\"value\":\"fine\"}\n{\"value\":{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"email\",\"type\":\"int32\"}]},\"payload\":{\"email\":5}}}\n",
        );
        assert!(!wrong_type.ok, "{language}");
        assert_eq!(wrong_type.stdout, "", "{language}");
        assert_eq!(
            wrong_type.stderr,
            format!(
                "error: {plugin} failed in apply(): field email is int32; cannot set it to a string \
                 (record 1 of the batch) (stdin line 2)\n"
            ),
            "{language}"
        );
        let unconfigured = plugin_test(&example(language, "mask-route"), &[], RECORDS);
        assert!(!unconfigured.ok, "{language}");
        assert_eq!(
            unconfigured.stderr,
            format!(
                "error: the configuration of {plugin} is not valid:\n  - Missing required configuration \
                 \"mask.field\" which has no default value.\n"
            ),
            "{language}"
        );
    }
}

#[test]
fn file_sink_appends_the_same_lines_in_every_language() {
    let records = "{\"topic\":\"t\",\"value\":\"text stays text\"}\n\
                   {\"topic\":\"t\",\"value\":{\"id\":1,\"name\":\"Ann\",\"tags\":[\"a\"],\"ok\":true}}\n\
                   {\"topic\":\"t\",\"value\":{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"b\",\"type\":\"bytes\"},{\"field\":\"n\",\"type\":\"int32\",\"optional\":true}]},\"payload\":{\"b\":\"aGk=\",\"n\":null}}}\n\
                   {\"topic\":\"t\",\"partition\":3,\"offset\":9,\"value\":42}\n\
                   {\"topic\":\"t\",\"value\":null}\n";
    let lines = "text stays text\n{\"id\":1,\"name\":\"Ann\",\"tags\":[\"a\"],\"ok\":true}\n\
                 {\"b\":\"aGk=\",\"n\":null}\n42\nnull\n";
    for language in LANGUAGES {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out").join("records.txt");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let config = format!("file={}", file.display());
        let out = plugin_test(&example(language, "file-sink"), &["-c", &config], records);
        assert_eq!(out.stderr, "", "{language}");
        // flush() answers the offsets the runner gave: every one is safe.
        assert_eq!(
            out.stdout,
            "{\"topic\":\"t\",\"partition\":0,\"offset\":4}\n{\"topic\":\"t\",\"partition\":3,\"offset\":10}\n",
            "{language}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), lines, "{language}");
        // A second run appends.
        assert!(plugin_test(&example(language, "file-sink"), &["-c", &config], records).ok);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            format!("{lines}{lines}"),
            "{language}"
        );
        // The plugin is granted the folder of `file`, which must exist.
        let missing = dir.path().join("missing");
        let config = format!("file={}", missing.join("records.txt").display());
        let refused = plugin_test(&example(language, "file-sink"), &["-c", &config], records);
        assert!(!refused.ok, "{language}");
        assert!(
            refused.stderr.starts_with(&format!(
                "error: cannot grant access to {}: ",
                missing.display()
            )),
            "{language}: {}",
            refused.stderr
        );
    }
}

#[test]
fn counter_source_counts_the_same_in_every_language() {
    let expected: String = (0..5)
        .map(|n| {
            format!(
                "{{\"topic\":\"numbers\",\"key\":null,\"value\":{{\"schema\":{{\"type\":\"int64\",\"optional\":false}},\
                 \"payload\":{n}}},\"source_partition\":{{\"counter\":\"numbers\"}},\"source_offset\":{{\"next\":{}}}}}\n",
                n + 1
            )
        })
        .collect();
    for language in LANGUAGES {
        let source = example(language, "counter-source");
        let all = plugin_test(
            &source,
            &[
                "-c",
                "topic=numbers",
                "-c",
                "max.count=5",
                "-c",
                "batch.size=2",
            ],
            "",
        );
        assert_eq!(all.stderr, "", "{language}");
        assert_eq!(all.stdout, expected, "{language}");
        let first_three = plugin_test(
            &source,
            &[
                "-c",
                "topic=numbers",
                "-c",
                "max.count=-1",
                "--max-records",
                "3",
            ],
            "",
        );
        assert_eq!(
            first_three.stdout,
            expected
                .lines()
                .take(3)
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
            "{language}"
        );
        let bad = plugin_test(
            &source,
            &["-c", "topic=numbers", "-c", "batch.size=ten"],
            "",
        );
        assert!(!bad.ok, "{language}");
        assert_eq!(
            bad.stderr,
            format!(
                "error: the configuration of examples.{language}.CounterSource is not valid:\n  - Invalid value \
                 ten for configuration batch.size: Not a number of type INT\n"
            ),
            "{language}"
        );
    }
}

/// A component built for a world that lacks the interface of a kind its
/// manifest declares (a Python transform built with `-w sink-plugin`) is
/// refused with the file, the contract version and what is missing.
#[test]
fn a_plugin_built_for_the_wrong_world_is_explained() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("wrong-world.wasm");
    componentize_py(
        &root.join("examples/python/mask-route"),
        "sink-plugin",
        &wasm,
    );
    let out = plugin_test(&wasm.display().to_string(), &[], "");
    assert!(!out.ok);
    let v = VERSION;
    assert_eq!(
        out.stderr
            .replace(&wasm.display().to_string(), "wrong-world.wasm"),
        format!(
            "error: wrong-world.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: the manifest of \
             examples.python.MaskRoute declares a transformation, but the component does not export \
             wasm-connect:plugin/transform@{v} (it exports wasm-connect:plugin/plugins@{v}, \
             wasm-connect:plugin/sink@{v}); build it for a world that exports transform, such as transform-plugin\n"
        )
    );
}

/// Every kind of value the Python and JavaScript helpers hand to the host's
/// `batch-ops` (integers into int32, int64 and float fields, floats, bytes,
/// booleans, nulls; headers of each kind; routing) crosses both toolchains'
/// bindings and gives the same records: `tests/batch-ops/{python,js}`.
#[test]
fn batch_ops_take_every_kind_of_value_from_python_and_javascript() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let source = root.join("tests/batch-ops");
    let python = dir.path().join("python.wasm");
    componentize_py(&source.join("python"), "transform-plugin", &python);
    let js = dir.path().join("js.wasm");
    let status = Command::new("node")
        .current_dir(source.join("js"))
        .arg(root.join("sdk-js/build.mjs"))
        .args(["app.js", "transform-plugin"])
        .arg(&js)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("node is not installed: run scripts/test.sh");
    assert!(status.success());
    let records = concat!(
        r#"{"topic":"orders","headers":[{"key":"route","value":"eu-orders"}],"value":{"schema":{"type":"struct","fields":["#,
        r#"{"field":"id","type":"int32"},{"field":"score","type":"float"},{"field":"big","type":"int64"},"#,
        r#"{"field":"blob","type":"bytes","optional":true},{"field":"flag","type":"boolean"},"#,
        r#"{"field":"email","type":"string","optional":true},{"field":"name","type":"string","optional":true}]},"#,
        r#""payload":{"id":1,"score":2.0,"big":3,"blob":null,"flag":false,"email":"a@example.com","name":null}}}"#,
        "\n",
        r#"{"topic":"orders","value":{"id":1,"name":"ann","other":"x"}}"#,
        "\n",
    );
    let headers = concat!(
        r#"{"key":"n","value":5},{"key":"f","value":-1.25},{"key":"b","value":"AAE="},"#,
        r#"{"key":"none","value":null},{"key":"t","value":"x"}"#,
    );
    let expected = format!(
        concat!(
            r#"{{"topic":"eu-orders","headers":[{{"key":"route","value":"eu-orders"}},{headers}],"key":null,"#,
            r#""value":{{"schema":{{"type":"struct","fields":[{{"type":"int32","optional":false,"field":"id"}},"#,
            r#"{{"type":"float","optional":false,"field":"score"}},{{"type":"int64","optional":false,"field":"big"}},"#,
            r#"{{"type":"bytes","optional":true,"field":"blob"}},{{"type":"boolean","optional":false,"field":"flag"}},"#,
            r#"{{"type":"string","optional":true,"field":"email"}},{{"type":"string","optional":true,"field":"name"}}],"#,
            r#""optional":false}},"payload":{{"id":7,"score":0.5,"big":9007199254740993,"blob":"AQL/","flag":true,"#,
            r#""email":null,"name":null}}}}}}"#,
            "\n",
            r#"{{"topic":"orders","headers":[{headers}],"key":null,"value":{{"id":7,"name":"masked","other":"x"}}}}"#,
            "\n",
        ),
        headers = headers
    );
    for wasm in [&python, &js] {
        let out = plugin_test(&wasm.display().to_string(), &[], records);
        assert_eq!(out.stderr, "", "{}", wasm.display());
        assert!(out.ok, "{}", wasm.display());
        assert_eq!(out.stdout, expected, "{}", wasm.display());
    }
    // A refusal from the host reads as the helper's own would.
    let refused = plugin_test(
        &js.display().to_string(),
        &[],
        "{\"value\":{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"id\",\"type\":\"boolean\"}]},\"payload\":{\"id\":true}}}\n",
    );
    assert!(!refused.ok);
    assert_eq!(
        refused.stderr,
        "error: tests.js.BatchOpsProbe failed in apply(): field id is boolean; cannot set it to an int64 \
         (record 0 of the batch) (stdin line 1)\n"
    );
}

/// All three languages in one worker, with Kafka: each language's counter
/// source writes to its topic, and each language's file sink reads that
/// topic and one the test fills, through that language's MaskRoute.
#[test]
fn every_language_runs_in_a_worker() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let people = [
        r#"{"id":1,"email":"ann@example.com"}"#,
        r#"{"id":2,"email":null}"#,
    ];
    for language in LANGUAGES {
        broker.create_topic(&format!("numbers-{language}"), 1);
        broker.create_topic(&format!("people-{language}"), 1);
        broker.produce_records(
            &format!("people-{language}"),
            &people
                .iter()
                .map(|p| TestRecord {
                    value: Some((*p).to_owned()),
                    headers: vec![("route".into(), "elsewhere".into())],
                    ..TestRecord::default()
                })
                .collect::<Vec<_>>(),
        );
    }
    let port = free_port();
    let props = worker_properties(
        dir.path(),
        &broker,
        port,
        &format!(
            "plugin.path={}\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter.schemas.enable=false",
            examples().display()
        ),
    );
    let worker = Worker::start(dir.path(), &props, &[], port);
    for language in LANGUAGES {
        let source = serde_json::json!({"name": format!("count-{language}"), "config": {
            "connector.class": format!("examples.{language}.CounterSource"),
            "topic": format!("numbers-{language}"), "max.count": "5", "batch.size": "2",
        }});
        let sink = serde_json::json!({"name": format!("file-{language}"), "config": {
            "connector.class": format!("examples.{language}.FileAppendSink"),
            "topics": format!("numbers-{language},people-{language}"),
            "file": dir.path().join(format!("out-{language}.txt")).display().to_string(),
            "transforms": "mask",
            "transforms.mask.type": format!("examples.{language}.MaskRoute"),
            "transforms.mask.mask.field": "email",
        }});
        for body in [source, sink] {
            let (status, reply) = worker
                .request("POST", "/connectors", Some(&body.to_string()))
                .unwrap();
            assert_eq!(status, 201, "{reply}");
        }
    }
    let mut expected: Vec<String> = (0..5).map(|n| n.to_string()).collect();
    expected.push(r#"{"id":1,"email":"****"}"#.into());
    expected.push(r#"{"id":2,"email":null}"#.into());
    expected.sort();
    for language in LANGUAGES {
        let file = dir.path().join(format!("out-{language}.txt"));
        let mut got = wait_for(
            Duration::from_secs(180),
            &format!("{language}'s sink to write 7 lines"),
            || {
                let got = lines(&file);
                (got.len() >= expected.len()).then_some(got)
            },
        );
        got.sort();
        assert_eq!(got, expected, "{language}: log:\n{}", worker.log_text());
    }
    for language in LANGUAGES {
        for name in [format!("count-{language}"), format!("file-{language}")] {
            let (_, status) = worker.get(&format!("/connectors/{name}/status")).unwrap();
            assert_eq!(status["tasks"][0]["state"], "RUNNING", "{name}: {status}");
        }
    }
}

/// A Python or JavaScript component takes seconds to compile: once
/// `examples()` has loaded each one, a new process (a restarted worker,
/// another `plugin test`) takes it from the compile cache.
#[test]
fn python_and_javascript_plugins_load_from_the_compile_cache() {
    let out = Command::new(binary())
        .args(["plugin", "list", "--plugin-path"])
        .arg(examples())
        .env("WASM_CONNECT_LOG", "wasm_connect::plugin=debug")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let log = String::from_utf8_lossy(&out.stderr);
    for language in ["python", "js"] {
        for name in ["mask-route", "file-sink", "counter-source"] {
            let file = example(language, name);
            let line = log
                .lines()
                .find(|l| l.contains("Compiled plugin file") && l.contains(&file))
                .unwrap_or_else(|| panic!("no load of {file} in the log:\n{log}"));
            assert!(line.contains("cache=Hit"), "{line}");
        }
    }
}

/// The helpers' own unit tests, natively: Python's against the bindings
/// componentize-py generates from the WIT, JavaScript's on node.
#[test]
fn the_helpers_pass_their_own_tests() {
    let root = repo_root();
    let bindings = tempfile::tempdir().unwrap();
    let generated = Command::new("componentize-py")
        .arg("-d")
        .arg(root.join("wit"))
        .args(["-w", "plugin", "bindings"])
        .arg(bindings.path())
        .output()
        .expect("componentize-py is not installed: run scripts/test.sh");
    assert!(generated.status.success(), "{generated:?}");
    let python_path = format!(
        "{}:{}",
        bindings.path().display(),
        root.join("sdk-python").display()
    );
    for (what, mut cmd) in [
        ("python3 -m unittest", {
            let mut c = Command::new("python3");
            c.args(["-m", "unittest", "discover", "-s"])
                .arg(root.join("sdk-python/tests"))
                .env("PYTHONPATH", &python_path);
            c
        }),
        ("node --test", {
            let mut c = Command::new("node");
            c.arg("--test").arg(root.join("sdk-js/test/batch.test.mjs"));
            c
        }),
    ] {
        run_ok(&mut cmd, what);
    }
}

/// `wasm-connect plugin test <plugin> <args>` fed `stdin`.
/// Build the Python app in `project` (module `app`, with the helper) for
/// `world` into `out`.
fn componentize_py(project: &Path, world: &str, out: &Path) {
    let root = repo_root();
    let status = Command::new("componentize-py")
        .current_dir(project)
        .arg("-d")
        .arg(root.join("wit"))
        .args(["-w", world, "componentize", "-p", ".", "-p"])
        .arg(root.join("sdk-python"))
        .args(["app", "-o"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("componentize-py is not installed: run scripts/test.sh");
    assert!(
        status.success(),
        "componentize-py failed for {}",
        project.display()
    );
}

fn plugin_test(plugin: &str, args: &[&str], stdin: &str) -> Answer {
    let mut all = vec![plugin];
    all.extend_from_slice(args);
    run_plugin_test(&all, stdin)
}
