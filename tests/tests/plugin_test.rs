//! `wasm-connect plugin test` on the built-in plugins: what it prints for
//! each kind, and the exact text of the errors users see.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]

use wasm_connect_e2e::*;

/// (exit ok, stdout, stderr) of `wasm-connect plugin test <args>` fed `stdin`.
fn plugin_test(args: &[&str], stdin: &str) -> (bool, String, String) {
    let answer = run_plugin_test(args, stdin);
    (answer.ok, answer.stdout, answer.stderr)
}

const CUSTOMER: &str = r#"{"topic":"customers","partition":2,"offset":41,"headers":[{"key":"h","value":"v"}],"key":"c1","value":{"schema":{"type":"struct","fields":[{"field":"email","type":"string"},{"field":"id","type":"int64"}],"optional":false},"payload":{"email":"a@b.c","id":1}}}"#;

#[test]
fn a_transform_prints_what_it_returns() {
    let (ok, out, err) = plugin_test(
        &["MaskField$Value", "--config", "fields=email"],
        &format!("{CUSTOMER}\n\n{CUSTOMER}\n"),
    );
    assert!(ok, "{err}");
    let masked = CUSTOMER
        .replace("a@b.c", "")
        .replace(
            r#"{"field":"email","type":"string"}"#,
            r#"{"type":"string","optional":false,"field":"email"}"#,
        )
        .replace(
            r#"{"field":"id","type":"int64"}"#,
            r#"{"type":"int64","optional":false,"field":"id"}"#,
        );
    assert_eq!(out, format!("{masked}\n{masked}\n"));
    // A dropped record prints nothing.
    let (ok, out, _) = plugin_test(&["Filter"], "{\"value\":1}\n");
    assert!(ok);
    assert_eq!(out, "");
}

#[test]
fn a_predicate_prints_one_answer_a_record() {
    let (ok, out, err) = plugin_test(
        &["TopicNameMatches", "-c", "pattern=cust.*"],
        &format!("{CUSTOMER}\n{{\"topic\":\"other\"}}\n"),
    );
    assert!(ok, "{err}");
    assert_eq!(out, "true\nfalse\n");
}

#[test]
fn a_converter_runs_both_ways() {
    let (ok, bytes, err) = plugin_test(
        &["JsonConverter", "--direction", "from-connect"],
        &format!("{CUSTOMER}\n"),
    );
    assert!(ok, "{err}");
    assert!(
        bytes.contains(r#""value":"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"email\"}"#),
        "{bytes}"
    );
    let (ok, back, err) = plugin_test(&["JsonConverter", "--direction", "to-connect"], &bytes);
    assert!(ok, "{err}");
    let (_, identity, _) = plugin_test(&["DropHeaders", "-c", "headers=nope"], CUSTOMER);
    assert_eq!(back, identity);
    // Bytes that are not UTF-8 are printed as base64, and read back.
    let (ok, raw, _) = plugin_test(
        &[
            "ByteArrayConverter",
            "--direction",
            "from-connect",
            "--target",
            "key",
        ],
        "{\"key\":{\"schema\":{\"type\":\"bytes\"},\"payload\":\"/wA=\"}}\n",
    );
    assert!(ok);
    assert_eq!(
        raw,
        "{\"topic\":\"test\",\"key_base64\":\"/wA=\",\"value\":null}\n"
    );
    let (ok, connect, _) = plugin_test(
        &[
            "ByteArrayConverter",
            "--direction",
            "to-connect",
            "--target",
            "key",
        ],
        &raw,
    );
    assert!(ok);
    assert_eq!(
        connect,
        "{\"topic\":\"test\",\"key\":{\"schema\":{\"type\":\"bytes\",\"optional\":true},\"payload\":\"/wA=\"},\"value\":null}\n"
    );
    // Header converters convert every header.
    let (ok, headers, err) = plugin_test(
        &["SimpleHeaderConverter", "--direction", "to-connect"],
        "{\"headers\":[{\"key\":\"n\",\"value\":\"42\"},{\"key\":\"b\",\"value\":\"true\"}]}\n",
    );
    assert!(ok, "{err}");
    assert_eq!(
        headers,
        "{\"topic\":\"test\",\"headers\":[{\"key\":\"n\",\"value\":{\"schema\":{\"type\":\"int8\",\"optional\":false},\"payload\":42}},\
         {\"key\":\"b\",\"value\":{\"schema\":{\"type\":\"boolean\",\"optional\":false},\"payload\":true}}],\"key\":null,\"value\":null}\n"
    );
}

#[test]
fn connectors_run_as_a_worker_runs_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lines.txt");
    let config = format!("file={}", file.display());
    let (ok, out, err) = plugin_test(
        &["FileStreamSink", "-c", &config, "-c", "topics=t"],
        "{\"topic\":\"t\",\"value\":\"one\"}\n{\"topic\":\"t\",\"value\":\"two\"}\n",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "{\"topic\":\"t\",\"partition\":0,\"offset\":2}\n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "one\ntwo\n");
    let (ok, out, err) = plugin_test(
        &[
            "FileStreamSource",
            "-c",
            &config,
            "-c",
            "topic=lines",
            "--max-records",
            "1",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(
        out.starts_with("{\"topic\":\"lines\",\"timestamp\":"),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "\"key\":null,\"value\":{{\"schema\":{{\"type\":\"string\",\"optional\":false}},\"payload\":\"one\"}},\
             \"source_partition\":{{\"filename\":\"{}\"}},\"source_offset\":{{\"position\":4}}}}\n",
            file.display()
        )),
        "{out}"
    );
}

#[test]
fn a_config_provider_answers_each_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("db.json"),
        r#"{"db":{"password":"s3cret"},"user":"app"}"#,
    )
    .unwrap();
    let config = format!("dir={}", dir.path().display());
    let (ok, out, err) = plugin_test(
        &["JsonFileConfigProvider", "-c", &config],
        "{\"path\":\"db.json\",\"keys\":[\"user\",\"db.password\",\"missing\"]}\n",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "{\"user\":\"app\",\"db.password\":\"s3cret\"}\n");
}

/// The exact text of each error `plugin test` prints; every one exits 1.
#[test]
fn errors_say_what_is_wrong() {
    let cases: Vec<(Vec<&str>, &str, String)> = vec![
        (
            vec!["MaskField$Value", "-c", "fields=email"],
            "{\"valeu\":1}\n",
            "error: stdin line 1: unknown field `valeu`, expected one of `topic`, `partition`, `offset`, `timestamp`, \
             `timestamp_type`, `headers`, `key`, `key_base64`, `value`, `value_base64`, `source_partition`, \
             `source_offset` at line 1 column 8\n"
                .into(),
        ),
        (
            vec!["MaskField$Value", "-c", "fields=email"],
            "{\"value\":{\"email\":\"x\"}}\n\n{\"value\":\"not a map\"}\n",
            "error: wasmconnect.transforms.MaskField$Value failed in apply(): Only Map objects supported in absence \
             of schema for [mask fields], found: java.lang.String (record 1 of the batch) (stdin line 3)\n"
                .into(),
        ),
        (
            vec!["MaskField$Value"],
            "",
            "error: the configuration of wasmconnect.transforms.MaskField$Value is not valid:\n  - Missing required \
             configuration \"fields\" which has no default value.\n"
                .into(),
        ),
        (
            vec!["MaskField$Value", "--config", "fields"],
            "",
            "error: --config fields: expected KEY=VALUE\n".into(),
        ),
        (
            vec!["com.example.Nope"],
            "",
            "error: no plugin named com.example.Nope among the built-in plugins; `wasm-connect plugin list \
             --plugin-path DIR` shows what there is, or give the path of a .wasm file\n"
                .into(),
        ),
        (
            vec!["JsonConverter"],
            "",
            "error: wasmconnect.json.JsonConverter is a converter: say which way with --direction from-connect \
             (records in, bytes out) or --direction to-connect (bytes in, records out)\n"
                .into(),
        ),
        (
            vec!["FileStreamSource", "-c", "topic=t", "-c", "batch.size=many"],
            "",
            "error: the configuration of wasmconnect.file.FileStreamSourceConnector is not valid:\n  - Missing \
             required configuration \"file\" which has no default value.\n  - Invalid value many for configuration \
             batch.size: Not a number of type INT\n  - file: Missing required configuration \"file\": \
             wasm-connect's FileStreamSource reads a file (reading the worker's standard input is not \
             supported)\n"
                .into(),
        ),
        (
            vec!["MaskField$Value", "-c", "fields=f", "-c", "plugin.memory.limit.bytes=lots"],
            "",
            "error: the configuration of wasmconnect.transforms.MaskField$Value is not valid:\n  - Invalid value lots \
             for configuration plugin.memory.limit.bytes: must be a positive whole number\n"
                .into(),
        ),
    ];
    for (args, stdin, expected) in cases {
        let (ok, out, err) = plugin_test(&args, stdin);
        assert!(!ok, "{args:?}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err, expected, "{args:?}");
    }
    // A file that holds several plugins needs --name; one that is no
    // plugin says why.
    let transforms = builtin("transforms.wasm");
    let (ok, _, err) = plugin_test(&[&transforms], "");
    assert!(!ok);
    assert!(
        err.starts_with(&format!(
            "error: {transforms} holds 29 plugins (wasmconnect.transforms.InsertField$Key, "
        )),
        "{err}"
    );
    assert!(err.ends_with("): name one with --name\n"), "{err}");
    let (ok, out, err) = plugin_test(&[&transforms, "--name", "Filter"], "{\"value\":1}\n");
    assert!(ok, "{err}");
    assert_eq!(out, "");
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, "not wasm").unwrap();
    let (ok, _, err) = plugin_test(&[junk.to_str().unwrap()], "");
    assert!(!ok);
    assert_eq!(
        err,
        format!(
            "error: {}: not a valid WebAssembly component: it is not a WebAssembly file (it does not start with \\0asm)\n",
            junk.display()
        )
    );
}

fn builtin(file: &str) -> String {
    wasm_connect::cli::builtin_plugin_dir()
        .expect("the build puts the built-in plugins in target/plugins")
        .join(file)
        .display()
        .to_string()
}
