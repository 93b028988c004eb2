//! The component's plugins: Apache's class names as aliases, every Apache
//! configuration key declared.

// Test helpers outside #[test] functions may stop loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wasm_connect_plugin_transforms::Plugins;
use wasm_connect_sdk::{PluginKind, PluginSet};

/// Every Apache SMT and predicate is here, named
/// `wasmconnect.transforms.<Class>` with the Apache class as its alias.
#[test]
fn every_plugin_has_its_apache_name() {
    let manifests = Plugins::registry().manifests();
    for m in &manifests {
        let apache = m
            .name
            .replacen("wasmconnect.", "org.apache.kafka.connect.", 1);
        assert_eq!(m.aliases, vec![apache], "{}", m.name);
        let predicate = m.name.contains(".predicates.");
        assert_eq!(
            m.kind,
            if predicate {
                PluginKind::Predicate
            } else {
                PluginKind::Transform
            },
            "{}",
            m.name
        );
    }
    let mut names: Vec<&str> = manifests
        .iter()
        .map(|m| m.name.trim_start_matches("wasmconnect.transforms."))
        .collect();
    names.sort();
    let mut want = vec![
        "ExtractField$Key",
        "ExtractField$Value",
        "Flatten$Key",
        "Flatten$Value",
        "HoistField$Key",
        "HoistField$Value",
        "InsertField$Key",
        "InsertField$Value",
        "MaskField$Key",
        "MaskField$Value",
        "ReplaceField$Key",
        "ReplaceField$Value",
        "SetSchemaMetadata$Key",
        "SetSchemaMetadata$Value",
        "ValueToKey",
        "Cast$Key",
        "Cast$Value",
        "DropHeaders",
        "Filter",
        "HeaderFrom$Key",
        "HeaderFrom$Value",
        "InsertHeader",
        "RegexRouter",
        "TimestampConverter$Key",
        "TimestampConverter$Value",
        "TimestampRouter",
        "predicates.HasHeaderKey",
        "predicates.RecordIsTombstone",
        "predicates.TopicNameMatches",
    ];
    want.sort();
    assert_eq!(names, want);
}
