//! KafkaSourceConnector: replicates topics of another Kafka cluster into
//! the cluster the worker writes to, record for record (keys, values,
//! headers, timestamps and, where the target has it, the partition).
//!
//! The plugin never connects to Kafka itself: its connector's
//! `source.bootstrap.servers` grants it the cluster `source`, and the host
//! runs the consumer (with the connector's `source.consumer.*` settings,
//! which the plugin never sees) behind the WIT `kafka` interface. Polled
//! records arrive as a batch whose bytes the plugin hands back untouched;
//! with ByteArrayConverter for keys, values and headers nothing is decoded
//! or encoded on the way.
//!
//! Positions are source offsets in the worker's offset store, partition
//! `{"cluster":…,"topic":…,"partition":N}`, offset `{"offset":N}`; a task
//! resumes after the stored offset, or from the earliest offset of a
//! partition with none. Nothing is committed on the source cluster.

pub mod assign;
pub mod offsets;
pub mod rewrite;
pub mod settings;
pub mod task;

use wasm_connect_sdk::prelude::*;

use settings::{Settings, TASK_COUNT, TASK_INDEX};
use task::{HostSource, Replicator};

wasm_connect_sdk::export_plugins!(source: [KafkaSourceConnector]);

/// The connector: checks the configuration and makes `tasks.max` task
/// configurations; each task finds its own share of the partitions
/// ([`assign`]), so new topics need no new task configurations.
pub struct KafkaSourceConnector {
    config: Config,
}

impl SourceConnector for KafkaSourceConnector {
    type Task = KafkaSourceTask;

    fn manifest() -> Manifest {
        let mut m = Manifest::new(
            PluginKind::SourceConnector,
            "wasmconnect.kafka.KafkaSourceConnector",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["KafkaSourceConnector", "KafkaSource"])
        .description(
            "Replicates topics from another Kafka cluster: keys, values, headers, timestamps \
             and partitions, resuming from offsets stored by the worker.",
        );
        for def in settings::definitions() {
            m = m.config(def);
        }
        m
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        Settings::problems(config)
            .into_iter()
            .map(|(key, e)| ConfigProblem {
                name: key.to_owned(),
                message: e.message,
            })
            .collect()
    }

    fn start(config: Config) -> Result<Self> {
        Settings::parse(&config)?;
        Ok(Self { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>> {
        let count = max_tasks.max(1);
        Ok((0..count)
            .map(|index| {
                let mut c = self.config.clone();
                c.set(TASK_INDEX, index.to_string());
                c.set(TASK_COUNT, count.to_string());
                c
            })
            .collect())
    }
}

/// A task: a [`Replicator`] over the host's consumer.
pub struct KafkaSourceTask(Replicator<HostSource>);

impl SourceTask for KafkaSourceTask {
    fn start(config: Config, offsets: Vec<SourceOffset>) -> Result<Self> {
        Replicator::new(&config, &offsets, HostSource::open()?).map(Self)
    }

    fn poll(&mut self) -> Result<Batch> {
        self.0.poll()
    }

    fn commit(&mut self, offsets: &[SourceOffset]) -> Result<()> {
        self.0.committed(offsets);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_connect_sdk::PluginSet;

    #[test]
    fn the_manifest_documents_every_key() {
        let m = &Plugins::registry().manifests()[0];
        assert_eq!(m.name, "wasmconnect.kafka.KafkaSourceConnector");
        assert_eq!(m.aliases, ["KafkaSourceConnector", "KafkaSource"]);
        let names: Vec<&str> = m.config.iter().map(|d| d.name.as_str()).collect();
        for key in [
            "source.bootstrap.servers",
            "topics",
            "topics.regex",
            "topic.rename.format",
            "poll.batch.size",
            "preserve.headers",
            "preserve.timestamps",
            "preserve.partitions",
        ] {
            assert!(names.contains(&key), "{key} is not documented");
        }
        assert!(m.config.iter().all(|d| !d.documentation.is_empty()));
        let bootstrap = m
            .config
            .iter()
            .find(|d| d.name == "source.bootstrap.servers")
            .unwrap();
        assert_eq!(bootstrap.access, PathAccess::KafkaCluster);
        assert_eq!(bootstrap.default_value, None, "required");
    }

    #[test]
    fn one_task_config_per_task_each_with_its_place() {
        let mut c = Config::new();
        c.set("source.bootstrap.servers", "h:1");
        c.set("topics", "a");
        let mut connector = KafkaSourceConnector::start(c).unwrap();
        let tasks = connector.task_configs(3).unwrap();
        assert_eq!(tasks.len(), 3);
        for (i, t) in tasks.iter().enumerate() {
            assert_eq!(settings::task_place(t).unwrap(), (i as u32, 3));
            assert_eq!(t.get("topics"), Some("a"));
        }
    }

    #[test]
    fn outside_a_component_a_task_says_why_it_cannot_start() {
        let mut c = Config::new();
        c.set("source.bootstrap.servers", "h:1");
        c.set("topics", "a");
        let e = KafkaSourceTask::start(c, Vec::new()).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Config);
    }
}
