use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use wasm_connect_sdk::{ConfigDef, ConfigProblem, ConfigType, Importance, Manifest, PluginKind};

use super::*;
use crate::config::providers::{ConfigProvider, EnvVarConfigProvider, ProviderError};
use crate::config::test_entries as entries;

/// Plugins as the catalog would list them, without compiling components.
struct Plugins(Vec<Manifest>);

impl PluginDefinitions for Plugins {
    fn manifest(&self, class: KindClass, name: &str) -> Result<Manifest, String> {
        self.0
            .iter()
            .find(|m| {
                KindClass::of(m.kind) == class
                    && (m.name == name || m.aliases.iter().any(|a| a == name))
            })
            .cloned()
            .ok_or_else(|| format!("Failed to find any {} plugin named '{name}'", class.noun()))
    }

    fn plugin_names(&self, class: KindClass) -> Vec<String> {
        let mut names: Vec<String> = self
            .0
            .iter()
            .filter(|m| KindClass::of(m.kind) == class)
            .map(|m| m.name.clone())
            .collect();
        names.sort();
        names
    }
}

fn plugins() -> Plugins {
    Plugins(vec![
        Manifest::new(
            PluginKind::SinkConnector,
            "wasmconnect.file.FileStreamSinkConnector",
            "1",
        )
        .aliases([
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "FileStreamSink",
        ])
        .config(
            ConfigDef::new("file", ConfigType::String)
                .importance(Importance::High)
                .doc("Destination filename."),
        ),
        Manifest::new(PluginKind::SourceConnector, "test.SecretSource", "1")
            .config(ConfigDef::new("user", ConfigType::String).group("Connection"))
            .config(ConfigDef::new("password", ConfigType::Password).group("Connection"))
            .config(ConfigDef::new("retries", ConfigType::Int).default_value("3"))
            .config(ConfigDef::new("secret.default", ConfigType::Password).default_value("pw")),
        Manifest::new(
            PluginKind::Transform,
            "wasmconnect.transforms.MaskField$Value",
            "1",
        )
        .aliases(["MaskField$Value"])
        .config(ConfigDef::new("fields", ConfigType::List).importance(Importance::High))
        .config(
            ConfigDef::new("replacement", ConfigType::String)
                .default_value("")
                .importance(Importance::Low),
        )
        .config(ConfigDef::new("negate", ConfigType::Int).default_value("0"))
        .config(
            ConfigDef::new("mask.style", ConfigType::String)
                .default_value("x")
                .group("Style"),
        ),
        Manifest::new(PluginKind::Transform, "wasmconnect.transforms.Filter", "1")
            .aliases(["Filter"]),
        Manifest::new(
            PluginKind::Predicate,
            "wasmconnect.predicates.TopicNameMatches",
            "1",
        )
        .aliases(["TopicNameMatches"])
        .config(ConfigDef::new("pattern", ConfigType::String).importance(Importance::High)),
        Manifest::new(
            PluginKind::Converter,
            "wasmconnect.converters.JsonConverter",
            "1",
        )
        .aliases(["JsonConverter"])
        .config(ConfigDef::new("schemas.enable", ConfigType::Boolean).default_value("true"))
        .config(ConfigDef::new("decimal.format", ConfigType::String).default_value("BASE64")),
    ])
}

fn sink(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut e = entries(&[
        ("name", "local-file-sink"),
        ("connector.class", "FileStreamSink"),
        ("file", "/tmp/out.txt"),
        ("topics", "a, b"),
    ]);
    e.extend(entries(extra));
    e
}

fn run(config: &[(String, String)]) -> ConfigInfos {
    Validation::new(&plugins(), config, None).unwrap().finish()
}

fn names(infos: &ConfigInfos) -> Vec<&str> {
    infos
        .configs
        .iter()
        .map(|c| c.value.name.as_str())
        .collect()
}

fn value<'a>(infos: &'a ConfigInfos, name: &str) -> &'a ConfigValueInfo {
    &infos
        .configs
        .iter()
        .find(|c| c.value.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(infos)))
        .value
}

fn definition<'a>(infos: &'a ConfigInfos, name: &str) -> &'a ConfigKeyInfo {
    infos
        .configs
        .iter()
        .find(|c| c.value.name == name)
        .and_then(|c| c.definition.as_ref())
        .unwrap_or_else(|| panic!("no definition of {name}"))
}

fn object_keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn the_json_has_apaches_shape() {
    let json = serde_json::to_value(run(&sink(&[]))).unwrap();
    assert_eq!(
        object_keys(&json),
        ["name", "error_count", "groups", "configs"]
    );
    assert_eq!(json["name"], "FileStreamSink");
    assert_eq!(json["error_count"], 0);
    let first = &json["configs"][0];
    assert_eq!(object_keys(first), ["definition", "value"]);
    assert_eq!(
        object_keys(&first["definition"]),
        [
            "name",
            "type",
            "required",
            "default_value",
            "importance",
            "documentation",
            "group",
            "width",
            "display_name",
            "dependents",
            "order"
        ]
    );
    assert_eq!(
        object_keys(&first["value"]),
        ["name", "value", "recommended_values", "errors", "visible"]
    );
    assert_eq!(
        first,
        &json!({
            "definition": {
                "name": "name",
                "type": "STRING",
                "required": true,
                "default_value": null,
                "importance": "HIGH",
                "documentation": "Globally unique name to use for this connector.",
                "group": "Common",
                "width": "MEDIUM",
                "display_name": "Connector name",
                "dependents": [],
                "order": 1
            },
            "value": {
                "name": "name",
                "value": "local-file-sink",
                "recommended_values": [],
                "errors": [],
                "visible": true
            }
        })
    );
    let file = json["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == "file")
        .unwrap();
    assert_eq!(
        file["definition"],
        json!({
            "name": "file",
            "type": "STRING",
            "required": true,
            "default_value": null,
            "importance": "HIGH",
            "documentation": "Destination filename.",
            "group": null,
            "width": "NONE",
            "display_name": "file",
            "dependents": [],
            "order": -1
        })
    );
}

#[test]
fn a_valid_sink_has_no_errors_and_apaches_key_order() {
    let infos = run(&sink(&[]));
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_messages());
    assert_eq!(
        names(&infos),
        [
            "name",
            "connector.class",
            "tasks.max",
            "key.converter",
            "value.converter",
            "header.converter",
            "transforms",
            "predicates",
            "config.action.reload",
            "errors.retry.timeout",
            "errors.retry.delay.max.ms",
            "errors.tolerance",
            "errors.log.enable",
            "errors.log.include.messages",
            "topics",
            "topics.regex",
            "errors.deadletterqueue.topic.name",
            "errors.deadletterqueue.topic.replication.factor",
            "errors.deadletterqueue.context.headers.enable",
            "file",
        ]
    );
    assert_eq!(
        infos.groups,
        ["Common", "Transforms", "Predicates", "Error Handling"]
    );
    // Values as Apache prints them: defaults filled in, lists re-joined.
    assert_eq!(value(&infos, "tasks.max").value.as_deref(), Some("1"));
    assert_eq!(value(&infos, "topics").value.as_deref(), Some("a,b"));
    assert_eq!(value(&infos, "transforms").value.as_deref(), Some(""));
    assert_eq!(
        value(&infos, "errors.tolerance").value.as_deref(),
        Some("none")
    );
    assert_eq!(value(&infos, "key.converter").value, None);
    assert_eq!(
        value(&infos, "config.action.reload").value.as_deref(),
        Some("restart")
    );
    let rf = definition(&infos, "errors.deadletterqueue.topic.replication.factor");
    assert_eq!(
        (rf.config_type, rf.default_value.as_deref()),
        ("SHORT", Some("3"))
    );
    assert_eq!(definition(&infos, "key.converter").config_type, "CLASS");
    assert!(!definition(&infos, "key.converter").required);
}

#[test]
fn a_source_has_no_sink_keys() {
    let infos = run(&entries(&[
        ("name", "s"),
        ("connector.class", "test.SecretSource"),
        ("user", "u"),
        ("password", "p"),
    ]));
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_messages());
    let names = names(&infos);
    assert!(!names.contains(&"topics"));
    assert_eq!(
        names[names.len() - 4..],
        ["user", "password", "retries", "secret.default"]
    );
    assert_eq!(
        infos.groups,
        [
            "Common",
            "Transforms",
            "Predicates",
            "Error Handling",
            "Connection"
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut config = sink(&[
        ("tasks.max", "zero"),
        ("transforms", "mask"),
        ("transforms.mask.type", "com.example.Nope"),
        ("errors.tolerance", "some"),
    ]);
    config.retain(|(k, _)| k != "file");
    let infos = run(&config);
    assert_eq!(infos.error_count, 4, "{:?}", infos.error_messages());
    assert_eq!(
        value(&infos, "tasks.max").errors,
        ["Invalid value zero for configuration tasks.max: Not a number of type INT"]
    );
    assert_eq!(value(&infos, "tasks.max").value, None);
    assert_eq!(
        value(&infos, "transforms.mask.type").errors,
        [
            "Invalid value com.example.Nope for configuration transforms.mask.type: Failed to find any transformation plugin named 'com.example.Nope'"
        ]
    );
    assert_eq!(value(&infos, "transforms.mask.type").value, None);
    assert_eq!(
        value(&infos, "file").errors,
        ["Missing required configuration \"file\" which has no default value."]
    );
    assert_eq!(
        value(&infos, "errors.tolerance").errors,
        ["Invalid value some for configuration errors.tolerance: String must be one of: none, all"]
    );
    // Nothing is embedded for a class that is not found.
    assert!(!names(&infos).contains(&"transforms.mask.negate"));
    assert_eq!(infos.error_messages().len(), 4);
}

#[test]
fn a_problem_of_two_keys_counts_twice() {
    let infos = run(&sink(&[("topics.regex", "a.*")]));
    let both = "topics and topics.regex are mutually exclusive options, but both are set.";
    assert_eq!(value(&infos, "topics").errors, [both]);
    assert_eq!(value(&infos, "topics.regex").errors, [both]);
    assert_eq!(infos.error_count, 2);
}

#[test]
fn transforms_and_predicates_are_embedded_as_apache_embeds_them() {
    let infos = run(&sink(&[
        ("transforms", "mask,drop"),
        ("transforms.mask.type", "MaskField$Value"),
        ("transforms.mask.fields", "a , b"),
        ("transforms.mask.predicate", "p"),
        ("transforms.mask.negate", "TRUE"),
        ("transforms.drop.type", "Filter"),
        ("predicates", "p"),
        ("predicates.p.type", "TopicNameMatches"),
    ]));
    assert_eq!(
        infos.error_messages(),
        ["Missing required configuration \"predicates.p.pattern\" which has no default value."]
    );
    let names = names(&infos);
    let start = names
        .iter()
        .position(|n| *n == "transforms.mask.type")
        .unwrap();
    assert_eq!(
        names[start..names.len() - 1],
        [
            "transforms.mask.type",
            // Required first, then by importance, then by name; grouped
            // keys after the others.
            "transforms.mask.fields",
            "transforms.mask.negate",
            "transforms.mask.predicate",
            "transforms.mask.replacement",
            "transforms.mask.mask.style",
            "transforms.drop.type",
            "transforms.drop.negate",
            "transforms.drop.predicate",
            "predicates.p.type",
            "predicates.p.pattern",
        ]
    );
    let mask_type = definition(&infos, "transforms.mask.type");
    assert_eq!(
        (
            mask_type.config_type,
            mask_type.required,
            mask_type.order,
            mask_type.width,
            mask_type.group.as_deref(),
            mask_type.display_name.as_str(),
            mask_type.documentation.as_str(),
        ),
        (
            "CLASS",
            true,
            0,
            "LONG",
            Some("Transforms: mask"),
            "Transformation type for mask",
            "Class for the 'mask' transformation.",
        )
    );
    assert_eq!(
        value(&infos, "transforms.mask.type").recommended_values,
        [
            "wasmconnect.transforms.Filter",
            "wasmconnect.transforms.MaskField$Value"
        ]
    );
    assert_eq!(
        value(&infos, "transforms.mask.type").value.as_deref(),
        Some("wasmconnect.transforms.MaskField$Value")
    );
    let orders: Vec<i32> = [
        "transforms.mask.fields",
        "transforms.mask.negate",
        "transforms.mask.predicate",
        "transforms.mask.replacement",
        "transforms.mask.mask.style",
    ]
    .iter()
    .map(|n| definition(&infos, n).order)
    .collect();
    assert_eq!(orders, [1, 2, 3, 4, 5]);
    // The implicit negate masks the plugin's own key of that name.
    let negate = definition(&infos, "transforms.mask.negate");
    assert_eq!(
        (negate.config_type, negate.display_name.as_str()),
        ("BOOLEAN", "negate")
    );
    assert_eq!(
        value(&infos, "transforms.mask.negate").value.as_deref(),
        Some("true")
    );
    assert_eq!(
        value(&infos, "transforms.mask.fields").value.as_deref(),
        Some("a,b")
    );
    assert_eq!(
        definition(&infos, "transforms.mask.mask.style")
            .group
            .as_deref(),
        Some("Transforms: mask: Style")
    );
    assert_eq!(
        definition(&infos, "predicates.p.type").display_name,
        "Predicate type for p"
    );
    assert_eq!(
        infos.groups,
        [
            "Common",
            "Transforms",
            "Predicates",
            "Error Handling",
            "Transforms: mask",
            "Transforms: mask: Style",
            "Transforms: drop",
            "Predicates: p",
        ]
    );
}

#[test]
fn negate_without_a_predicate_is_a_problem_of_the_type() {
    let infos = run(&sink(&[
        ("transforms", "drop"),
        ("transforms.drop.type", "Filter"),
        ("transforms.drop.negate", "true"),
    ]));
    assert_eq!(
        value(&infos, "transforms.drop.type").errors,
        [
            "Config 'transforms.drop.negate' was provided but there is no config 'transforms.drop.predicate' defining a predicate to be negated."
        ]
    );
    assert_eq!(infos.error_count, 1);
}

#[test]
fn overridden_converters_and_their_keys() {
    let infos = run(&sink(&[
        ("key.converter", "JsonConverter"),
        ("key.converter.schemas.enable", "maybe"),
        ("value.converter", "com.example.Nope"),
    ]));
    assert_eq!(
        value(&infos, "key.converter").value.as_deref(),
        Some("wasmconnect.converters.JsonConverter")
    );
    assert_eq!(value(&infos, "value.converter").value, None);
    assert_eq!(
        value(&infos, "value.converter").errors,
        [
            "Invalid value com.example.Nope for configuration value.converter: Failed to find any converter plugin named 'com.example.Nope'"
        ]
    );
    assert_eq!(
        value(&infos, "key.converter.schemas.enable").errors,
        [
            "Invalid value maybe for configuration key.converter.schemas.enable: Expected value to be either true or false"
        ]
    );
    assert_eq!(
        value(&infos, "key.converter.decimal.format")
            .value
            .as_deref(),
        Some("BASE64")
    );
    assert_eq!(infos.error_count, 2);
    assert_eq!(
        names(&infos)[names(&infos).len() - 2..],
        [
            "key.converter.schemas.enable",
            "key.converter.decimal.format"
        ]
    );
}

/// A provider whose lookups of path `broken` fail.
#[derive(Debug)]
struct Broken;

impl ConfigProvider for Broken {
    fn get(&self, path: &str, _keys: &[String]) -> Result<BTreeMap<String, String>, ProviderError> {
        Err(ProviderError::Failed(format!("cannot reach {path}")))
    }
}

#[test]
fn secrets_stay_hidden() {
    let mut providers = ConfigProviders::new();
    let env = EnvVarConfigProvider::with_vars(
        entries(&[
            ("PW", "hunter2-pw"),
            ("USER", "alice-s3cret"),
            ("RETRIES", "bogus-s3cret"),
        ]),
        &[],
    )
    .unwrap();
    providers.register("env", Arc::new(env));
    providers.register("vault", Arc::new(Broken));
    let config = entries(&[
        ("name", "s"),
        ("connector.class", "test.SecretSource"),
        ("user", "${env:USER}"),
        ("password", "${env:PW}"),
        ("retries", "${env:RETRIES}"),
        ("errors.tolerance", "${vault:broken:tolerance}"),
    ]);
    let mut validation = Validation::new(&plugins(), &config, Some(&providers)).unwrap();
    // The plugin sees the resolved values.
    assert_eq!(
        get(validation.resolved_config(), "password"),
        Some("hunter2-pw")
    );
    assert!(!format!("{validation:?}").contains("s3cret"));
    validation.add_plugin_problems([ConfigProblem {
        name: "user".into(),
        message: "user alice-s3cret is locked".into(),
    }]);
    let infos = validation.finish();
    let text = serde_json::to_string(&infos).unwrap();
    assert!(!text.contains("s3cret"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(value(&infos, "password").value.as_deref(), Some("[hidden]"));
    assert_eq!(value(&infos, "user").value.as_deref(), Some("${env:USER}"));
    assert_eq!(value(&infos, "user").errors, ["user ${env:USER} is locked"]);
    assert_eq!(
        value(&infos, "retries").errors,
        ["Invalid value ${env:RETRIES} for configuration retries: Not a number of type INT"]
    );
    assert_eq!(
        value(&infos, "errors.tolerance").errors,
        [
            "Cannot resolve the variables for config provider 'vault' (path 'broken') in configuration errors.tolerance: cannot reach broken"
        ]
    );
    // The unresolved text is not checked as a value as well.
    assert_eq!(infos.error_count, 3, "{:?}", infos.error_messages());
    let hidden = definition(&infos, "secret.default");
    assert_eq!(hidden.default_value.as_deref(), Some("[hidden]"));
    assert_eq!(
        value(&infos, "secret.default").value.as_deref(),
        Some("[hidden]")
    );
}

#[test]
fn plugin_problems_join_the_hosts() {
    let mut config = sink(&[]);
    config.retain(|(k, _)| k != "file");
    let mut validation = Validation::new(&plugins(), &config, None).unwrap();
    assert_eq!(
        validation.plugin_name(),
        "wasmconnect.file.FileStreamSinkConnector"
    );
    assert_eq!(validation.kind(), ConnectorType::Sink);
    validation.add_plugin_problems([
        // The same problem in the plugin's words: dropped.
        ConfigProblem {
            name: "file".into(),
            message: "Missing required configuration \"file\": writing to stdout is not supported"
                .into(),
        },
        ConfigProblem {
            name: "tasks.max".into(),
            message: "this connector runs one task".into(),
        },
        ConfigProblem {
            name: "undefined.key".into(),
            message: "unexpected".into(),
        },
    ]);
    let infos = validation.finish();
    assert_eq!(infos.error_count, 3, "{:?}", infos.error_messages());
    assert_eq!(
        value(&infos, "tasks.max").errors,
        ["this connector runs one task"]
    );
    assert_eq!(value(&infos, "file").errors.len(), 1);
    // A key nothing defines comes first, without a definition.
    assert_eq!(infos.configs[0].definition, None);
    assert_eq!(infos.configs[0].value.name, "undefined.key");
    assert_eq!(infos.configs[0].value.errors, ["unexpected"]);
}

#[test]
fn requests_that_cannot_be_validated() {
    let p = plugins();
    let err = Validation::new(&p, &entries(&[("name", "x")]), None).unwrap_err();
    assert_eq!(err, ValidateError::NoConnectorClass);
    assert_eq!(err.status_code(), 400);
    let err = Validation::new(&p, &entries(&[("connector.class", "Nope")]), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Failed to find any connector plugin named 'Nope'"
    );
    assert_eq!(err.status_code(), 500);

    let body = |class: &str| entries(&[("connector.class", class)]);
    for (path, class) in [
        (
            "FileStreamSink",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
        ),
        ("FileStreamSinkConnector", "FileStreamSink"),
        ("wasmconnect.file.FileStreamSinkConnector", "FileStreamSink"),
    ] {
        assert_eq!(
            check_plugin_path(&p, path, &body(class)),
            Ok(()),
            "{path} {class}"
        );
    }
    assert_eq!(check_plugin_path(&p, "Anything", &[]), Ok(()));
    let err = check_plugin_path(&p, "FileStreamSource", &body("FileStreamSink")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Included connector type FileStreamSink does not match request type FileStreamSource"
    );
    assert_eq!(err.status_code(), 400);
    assert_eq!(
        validate_connector_config(&p, "FileStreamSource", &body("FileStreamSink"), None),
        Err(err)
    );
    let ok = validate_connector_config(&p, "FileStreamSink", &sink(&[]), None).unwrap();
    assert_eq!(ok.error_count, 0);
}

#[test]
fn a_plugins_own_keys_for_get_config() {
    let keys = plugin_config_keys(&[
        ConfigDef::new("flag", ConfigType::Boolean).default_value("TRUE"),
        ConfigDef::new("secret", ConfigType::Password).default_value("pw"),
    ]);
    let json = serde_json::to_value(&keys).unwrap();
    assert_eq!(json[0]["default_value"], "true");
    assert_eq!(json[0]["required"], false);
    assert_eq!(json[0]["importance"], "MEDIUM");
    assert_eq!(json[1]["default_value"], "[hidden]");
    assert_eq!(json[1]["type"], "PASSWORD");
}

#[test]
fn a_plugin_definition_of_a_framework_key_takes_its_place() {
    let p = Plugins(vec![
        Manifest::new(PluginKind::SinkConnector, "test.Sink", "1").config(
            ConfigDef::new("topics", ConfigType::List)
                .importance(Importance::Low)
                .doc("Our topics."),
        ),
    ]);
    let infos = Validation::new(
        &p,
        &entries(&[
            ("name", "n"),
            ("connector.class", "test.Sink"),
            ("topics", "t"),
        ]),
        None,
    )
    .unwrap()
    .finish();
    assert_eq!(infos.error_count, 0);
    let names = names(&infos);
    assert_eq!(names.iter().filter(|n| **n == "topics").count(), 1);
    assert_eq!(names[14], "topics");
    assert_eq!(definition(&infos, "topics").documentation, "Our topics.");
}
