//! The real built-in plugins, loaded through wasmtime: discovery, calls
//! across the boundary, sandbox grants, and components that are not
//! plugins of this contract.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::path::Path;
use std::sync::Arc;

use wasm_connect::cli::builtin_plugin_dir;
use wasm_connect::config::connector::grants_for;
use wasm_connect::config::validate::validate_connector_config;
use wasm_connect::plugin::catalog::KindClass;
use wasm_connect::plugin::sandbox::ConverterTarget;
use wasm_connect::plugin::{Grants, PluginCatalog, PluginEngine, Sandbox};
use wasm_connect_sdk::{Batch, Record, Schema, SchemaType, Value};

fn entries(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn builtins() -> (Arc<PluginEngine>, PluginCatalog) {
    let engine = Arc::new(PluginEngine::new().unwrap());
    let dir = builtin_plugin_dir().expect("the build puts the built-in plugins in target/plugins");
    let catalog = PluginCatalog::load(&engine, &[dir]).await;
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    (engine, catalog)
}

#[tokio::test]
async fn builtins_answer_to_apache_names() {
    let (_, catalog) = builtins().await;
    for (class, name, full) in [
        (
            KindClass::Connector,
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "wasmconnect.file.FileStreamSinkConnector",
        ),
        (
            KindClass::Connector,
            "FileStreamSink",
            "wasmconnect.file.FileStreamSinkConnector",
        ),
        (
            KindClass::Connector,
            "FileStreamSourceConnector",
            "wasmconnect.file.FileStreamSourceConnector",
        ),
        (
            KindClass::Converter,
            "org.apache.kafka.connect.storage.StringConverter",
            "wasmconnect.converters.StringConverter",
        ),
        (
            KindClass::HeaderConverter,
            "ByteArrayConverter",
            "wasmconnect.converters.ByteArrayConverter",
        ),
        (
            KindClass::Connector,
            "KafkaSource",
            "wasmconnect.kafka.KafkaSourceConnector",
        ),
        (
            KindClass::Connector,
            "KafkaSourceConnector",
            "wasmconnect.kafka.KafkaSourceConnector",
        ),
    ] {
        assert_eq!(catalog.find(class, name).unwrap().name(), full);
    }
    let err = catalog
        .find(KindClass::Connector, "com.example.Nope")
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("Failed to find any connector plugin named 'com.example.Nope'. Available connectors: wasmconnect.datagen.DatagenConnector, wasmconnect.file.FileStreamSinkConnector, wasmconnect.file.FileStreamSourceConnector, wasmconnect.kafka.KafkaSourceConnector."), "{err}");
}

#[tokio::test]
async fn converters_work_across_the_boundary() {
    let (engine, catalog) = builtins().await;
    let string = catalog
        .find(KindClass::Converter, "StringConverter")
        .unwrap();
    let mut sandbox = Sandbox::new(engine, &Grants::default()).unwrap();
    let conv = sandbox
        .create_converter(&string, &vec![], ConverterTarget::Value)
        .await
        .unwrap();
    let raw = Batch::from_records(&[
        Record::new("t").with_value(None, Value::Bytes(b"hello".to_vec())),
        Record::new("t").with_value(None, Value::Null),
    ])
    .unwrap();
    let connect = sandbox.to_connect(&conv, raw).await.unwrap();
    let records = connect.to_records().unwrap();
    assert_eq!(records[0].value, Value::String("hello".into()));
    assert_eq!(
        records[0].value_schema.as_deref(),
        Some(&Schema::optional(SchemaType::String))
    );
    assert_eq!(records[1].value, Value::Null);
    let bytes = sandbox.from_connect(&conv, connect).await.unwrap();
    assert_eq!(
        bytes.to_records().unwrap()[0].value,
        Value::Bytes(b"hello".to_vec())
    );

    // A plugin error comes back as an error naming the plugin and the call.
    let bad = sandbox
        .create_converter(
            &string,
            &entries(&[("converter.encoding", "UTF-16")]),
            ConverterTarget::Key,
        )
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        bad.starts_with(
            "wasmconnect.converters.StringConverter failed in create(): Invalid value UTF-16"
        ),
        "{bad}"
    );
}

#[tokio::test]
async fn a_plugin_sees_only_what_its_config_grants() {
    let (engine, catalog) = builtins().await;
    let source = catalog
        .find(KindClass::Connector, "FileStreamSource")
        .unwrap();
    let sink = catalog
        .find(KindClass::Connector, "FileStreamSink")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The sink may write exactly where its `file` says.
    let out = dir.path().join("out.txt");
    let (config, grants) = grants_for(
        &sink.manifest.config,
        &entries(&[("file", out.to_str().unwrap())]),
        Path::new("/"),
    );
    let mut sandbox = Sandbox::new(engine.clone(), &grants).unwrap();
    let task = sandbox.create_sink_task(&sink, &config).await.unwrap();
    let batch =
        Batch::from_records(&[Record::new("t").with_value(None, "granted".into())]).unwrap();
    sandbox.put(&task, &batch.into()).await.unwrap();
    sandbox.flush(&task, &[]).await.unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "granted\n");

    // A source told to read a file nobody granted sees nothing: to the
    // plugin the file does not exist.
    let mut sandbox = Sandbox::new(engine, &Grants::default()).unwrap();
    let task = sandbox
        .create_source_task(
            &source,
            &entries(&[("file", "/etc/passwd"), ("topic", "t")]),
            &[],
        )
        .await
        .unwrap();
    assert!(sandbox.poll(&task).await.unwrap().is_empty());
}

async fn load_error(bytes: &[u8]) -> String {
    let engine = Arc::new(PluginEngine::new().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.wasm");
    std::fs::write(&file, bytes).unwrap();
    let catalog = PluginCatalog::load(&engine, &[dir.path().to_owned()]).await;
    assert!(catalog.plugins().is_empty());
    let problems: Vec<String> = catalog.problems().iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems[0].replace(&file.display().to_string(), "x.wasm")
}

#[tokio::test]
async fn files_that_are_not_plugins_are_named_and_explained() {
    assert_eq!(
        load_error(b"hello").await,
        "x.wasm: not a valid WebAssembly component: it is not a WebAssembly file (it does not start with \\0asm)"
    );
    assert_eq!(
        load_error(&wat::parse_str("(module)").unwrap()).await,
        "x.wasm: not a valid WebAssembly component: it is a core WebAssembly module, not a component: \
         build it for wasm32-wasip2 (or wrap it with `wasm-tools component new`)"
    );
    let v = wasm_connect::plugin::contract::VERSION;
    let worlds = "plugin, source-plugin, sink-plugin, converter-plugin, transform-plugin, config-provider-plugin";
    assert_eq!(
        load_error(&wat::parse_str("(component)").unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it does not export \
             wasm-connect:plugin/plugins@{v}, which every plugin exports; it exports nothing. Build it for one \
             of the worlds of wit/plugin.wit ({worlds}), contract {v}"
        )
    );
    let other_program = r#"(component
        (instance $i)
        (export "wasi:cli/run@0.2.0" (instance $i)))"#;
    assert_eq!(
        load_error(&wat::parse_str(other_program).unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it does not export \
             wasm-connect:plugin/plugins@{v}, which every plugin exports; it exports wasi:cli/run@0.2.0. \
             Build it for one of the worlds of wit/plugin.wit ({worlds}), contract {v}"
        )
    );
    let other_version = r#"(component
        (instance $i)
        (export "wasm-connect:plugin/plugins@0.1.0" (instance $i))
        (export "wasm-connect:plugin/transform@0.1.0" (instance $i)))"#;
    assert_eq!(
        load_error(&wat::parse_str(other_version).unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it was built for another contract \
             version: it exports wasm-connect:plugin/plugins@0.1.0, wasm-connect:plugin/transform@0.1.0 but this \
             host needs wasm-connect:plugin/plugins@{v} (contract {v}). Rebuild it against wit/plugin.wit of \
             contract {v}"
        )
    );
    let no_plugins = format!(
        r#"(component
        (instance $i)
        (export "wasm-connect:plugin/transform@{v}" (instance $i)))"#
    );
    assert_eq!(
        load_error(&wat::parse_str(no_plugins).unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it exports \
             wasm-connect:plugin/transform@{v} but not wasm-connect:plugin/plugins@{v}, which every plugin \
             exports. Build it for one of the worlds of wit/plugin.wit ({worlds}), contract {v}"
        )
    );
    let wrong_shape = format!(
        r#"(component
        (instance $i)
        (export "wasm-connect:plugin/plugins@{v}" (instance $i)))"#
    );
    let text = load_error(&wat::parse_str(wrong_shape).unwrap()).await;
    assert!(
        text.starts_with(&format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: its \
             wasm-connect:plugin/plugins@{v} does not match the contract: "
        )),
        "{text}"
    );
    assert!(text.contains("manifests"), "{text}");
    let http = r#"(component (import "wasi:http/types@0.2.3" (instance (export "f" (func)))))"#;
    assert_eq!(
        load_error(&wat::parse_str(http).unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it imports wasi:http/types@0.2.3, \
             and plugins are given no HTTP interface (only WASI 0.2 and wasm-connect:plugin/host@{v}, \
             wasm-connect:plugin/batch-ops@{v} and wasm-connect:plugin/kafka@{v}). A \
             JavaScript plugin built with componentize-js needs disableFeatures: ['http', 'fetch-event']"
        )
    );
    let old_host =
        r#"(component (import "wasm-connect:plugin/host@0.1.0" (instance (export "log" (func)))))"#;
    assert_eq!(
        load_error(&wat::parse_str(old_host).unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it imports \
             wasm-connect:plugin/host@0.1.0, but this host gives wasm-connect:plugin/host@{v}, \
             wasm-connect:plugin/batch-ops@{v} and wasm-connect:plugin/kafka@{v} (contract {v}). \
             Rebuild it against wit/plugin.wit of contract {v}"
        )
    );
    // A component of the previous contract also imports that contract's
    // host interface, which this host no longer provides: the message
    // still says what is wrong rather than which import failed to link.
    let previous = r#"(component
        (import "wasm-connect:plugin/host@0.2.0" (instance $host
            (export "log" (func (param "level" u8) (param "message" string)))))
        (instance $i)
        (export "wasm-connect:plugin/plugins@0.2.0" (instance $i)))"#;
    assert_eq!(
        load_error(&wat::parse_str(previous).unwrap()).await,
        format!(
            "x.wasm: not a wasm-connect plugin for wasm-connect:plugin@{v}: it was built for another contract \
             version: it exports wasm-connect:plugin/plugins@0.2.0 but this host needs \
             wasm-connect:plugin/plugins@{v} (contract {v}). Rebuild it against wit/plugin.wit of contract {v}"
        )
    );
}

#[tokio::test]
async fn validation_reads_the_builtins_definitions() {
    let (_, catalog) = builtins().await;
    let config = entries(&[
        ("name", "sink"),
        (
            "connector.class",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
        ),
        ("topics", "in"),
        ("file", "/tmp/out.txt"),
        ("transforms", "mask"),
        (
            "transforms.mask.type",
            "org.apache.kafka.connect.transforms.MaskField$Value",
        ),
        ("transforms.mask.fields", "secret"),
        (
            "key.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        ("key.converter.schemas.enable", "false"),
    ]);
    let infos = validate_connector_config(&catalog, "FileStreamSink", &config, None).unwrap();
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_messages());
    let value = |name: &str| {
        infos
            .configs
            .iter()
            .find(|c| c.value.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .value
            .value
            .clone()
    };
    assert_eq!(
        value("transforms.mask.type").as_deref(),
        Some("wasmconnect.transforms.MaskField$Value")
    );
    assert_eq!(value("transforms.mask.fields").as_deref(), Some("secret"));
    assert_eq!(
        value("key.converter.schemas.enable").as_deref(),
        Some("false")
    );
    assert_eq!(
        value("key.converter").as_deref(),
        Some("wasmconnect.json.JsonConverter")
    );

    let mut broken = config.clone();
    broken.retain(|(k, _)| k != "file" && k != "transforms.mask.fields");
    let infos = validate_connector_config(&catalog, "FileStreamSink", &broken, None).unwrap();
    assert_eq!(
        infos.error_messages(),
        [
            "Missing required configuration \"transforms.mask.fields\" which has no default value.",
            "Missing required configuration \"file\" which has no default value.",
        ]
    );
}
