//! The external Kafka clusters a connector's configuration grants its
//! plugins (the WIT `kafka` interface), and the configuration the plugin
//! sees without their client settings.
//!
//! A key the plugin's manifest declares with access `kafka-cluster` holds a
//! cluster's bootstrap servers; the key without its `.bootstrap.servers`
//! suffix is the cluster's name, and the connector's `<name>.consumer.*`
//! keys are the cluster's client settings. Those may hold credentials
//! (`sasl.password`, `ssl.key.password`, possibly resolved from config
//! providers), so they go to the host's client only: the plugin's copy of
//! the configuration leaves them out.

use wasm_connect_sdk::{ConfigDef, PathAccess};

use super::{get, with_prefix};
use crate::plugin::kafka::ClusterGrant;

/// The suffix of a cluster key; what comes before it names the cluster.
const BOOTSTRAP_SUFFIX: &str = ".bootstrap.servers";

/// The name of the cluster a `kafka-cluster` key grants.
pub fn cluster_name(key: &str) -> &str {
    key.strip_suffix(BOOTSTRAP_SUFFIX)
        .filter(|n| !n.is_empty())
        .unwrap_or(key)
}

/// The prefix of the client settings of cluster `name`.
fn settings_prefix(name: &str) -> String {
    format!("{name}.consumer.")
}

/// The clusters `entries` grant through the keys `defs` declare with access
/// `kafka-cluster` (an empty value grants nothing), and `entries` without
/// any `<cluster>.consumer.*` key of a declared cluster: what the plugin
/// may see.
pub fn kafka_grants(
    defs: &[ConfigDef],
    entries: &[(String, String)],
) -> (Vec<(String, String)>, Vec<ClusterGrant>) {
    let declared: Vec<&str> = defs
        .iter()
        .filter(|d| d.access == PathAccess::KafkaCluster)
        .map(|d| d.name.as_str())
        .collect();
    let mut clusters = Vec::new();
    for key in &declared {
        let name = cluster_name(key);
        let Some(servers) = get(entries, key).map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        if clusters.iter().any(|c: &ClusterGrant| c.name == name) {
            continue;
        }
        clusters.push(ClusterGrant {
            name: name.to_owned(),
            bootstrap_servers: servers.to_owned(),
            consumer: with_prefix(entries, &settings_prefix(name)),
        });
    }
    let prefixes: Vec<String> = declared
        .iter()
        .map(|k| settings_prefix(cluster_name(k)))
        .collect();
    let visible = entries
        .iter()
        .filter(|(k, _)| !prefixes.iter().any(|p| k.starts_with(p.as_str())))
        .cloned()
        .collect();
    (visible, clusters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_entries as entries;
    use wasm_connect_sdk::ConfigType;

    fn defs() -> Vec<ConfigDef> {
        vec![
            ConfigDef::new("source.bootstrap.servers", ConfigType::String)
                .access(PathAccess::KafkaCluster),
            ConfigDef::new("topics", ConfigType::List),
        ]
    }

    #[test]
    fn a_declared_key_grants_its_cluster_and_hides_its_settings() {
        let (visible, clusters) = kafka_grants(
            &defs(),
            &entries(&[
                ("source.bootstrap.servers", " 127.0.0.1:9092 "),
                ("source.consumer.security.protocol", "SASL_SSL"),
                ("source.consumer.sasl.password", "hunter2"),
                ("topics", "a,b"),
                ("other.consumer.x", "kept: not a declared cluster"),
            ]),
        );
        assert_eq!(
            visible,
            entries(&[
                ("source.bootstrap.servers", " 127.0.0.1:9092 "),
                ("topics", "a,b"),
                ("other.consumer.x", "kept: not a declared cluster"),
            ])
        );
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].name, "source");
        assert_eq!(clusters[0].bootstrap_servers, "127.0.0.1:9092");
        assert_eq!(
            clusters[0].consumer,
            entries(&[
                ("security.protocol", "SASL_SSL"),
                ("sasl.password", "hunter2")
            ])
        );
        // Debug output never shows a setting's value.
        let shown = format!("{clusters:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("sasl.password"), "{shown}");
    }

    #[test]
    fn no_value_no_grant() {
        let (visible, clusters) = kafka_grants(
            &defs(),
            &entries(&[("source.bootstrap.servers", ""), ("source.consumer.a", "1")]),
        );
        assert!(clusters.is_empty());
        assert_eq!(visible, entries(&[("source.bootstrap.servers", "")]));
        // A plugin that declares nothing grants nothing and sees everything.
        let all = entries(&[
            ("source.bootstrap.servers", "h:1"),
            ("source.consumer.a", "1"),
        ]);
        let (visible, clusters) = kafka_grants(&[], &all);
        assert!(clusters.is_empty());
        assert_eq!(visible, all);
    }

    #[test]
    fn cluster_names() {
        assert_eq!(cluster_name("source.bootstrap.servers"), "source");
        assert_eq!(cluster_name("a.b.bootstrap.servers"), "a.b");
        assert_eq!(cluster_name("upstream"), "upstream");
        assert_eq!(cluster_name(".bootstrap.servers"), ".bootstrap.servers");
    }
}
