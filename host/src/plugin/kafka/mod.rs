//! The host-provided Kafka capability (the WIT `kafka` interface): plugins
//! read external Kafka clusters their connector grants, through clients the
//! host opens, so a plugin never holds a cluster's credentials and never
//! needs network access of its own.
//!
//! A connector grants a cluster with a key its plugin declares with access
//! `kafka-cluster` (`source.bootstrap.servers` grants `source`); the
//! connector's `source.consumer.*` keys are the client's settings. Both are
//! turned into a [`ClusterGrant`] by the worker
//! ([`crate::config::connector::kafka_grants`]), which also removes the
//! `*.consumer.*` keys from the configuration the plugin sees.

mod consumer;
mod target;
#[cfg(test)]
mod tests;

use std::fmt;

use wasmtime::component::Resource;

use super::bindings::wasm_connect::plugin::kafka as wit;
use super::bindings::wasm_connect::plugin::types;
use super::engine::TaskState;
use crate::kafka::KafkaSettings;

pub use consumer::KafkaConsumer;
pub use target::TargetAdmin;

/// The most Kafka consumers one sandbox (a task's plugins) may hold open
/// at once. Each is a librdkafka client with a thread per broker and its
/// own fetch buffers; a source task needs one, a task reading several
/// clusters one each.
pub const MAX_CONSUMERS: usize = 8;

/// An external cluster a connector's configuration grants its plugins.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterGrant {
    /// The name plugins open it by (`source` for `source.bootstrap.servers`).
    pub name: String,
    /// Its `bootstrap.servers`.
    pub bootstrap_servers: String,
    /// The connector's `<name>.consumer.*` settings, prefix removed. They may
    /// hold secrets: never shown, logged or given to a plugin.
    pub consumer: Vec<(String, String)>,
}

/// Shows the cluster and its bootstrap servers, and only the keys of its
/// settings: their values may be secrets.
impl fmt::Debug for ClusterGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterGrant")
            .field("name", &self.name)
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field(
                "consumer",
                &self.consumer.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a sandbox's plugins may do with Kafka: the external clusters they
/// may read, and the worker's own cluster for `ensure-topic`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaGrant {
    /// Clusters granted by the connector's configuration.
    pub clusters: Vec<ClusterGrant>,
    /// The worker's cluster, where topics are made sure of.
    pub target: Option<KafkaSettings>,
    /// The connector the plugins work for (default group id, messages).
    pub connector: String,
    /// The prefix of client ids (`connector-consumer-<name>-<task>`).
    pub client_id: String,
}

impl fmt::Debug for KafkaGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaGrant")
            .field("clusters", &self.clusters)
            .field("connector", &self.connector)
            .finish()
    }
}

impl KafkaGrant {
    /// The grant of cluster `name`, or the denial a plugin gets.
    pub fn cluster(&self, name: &str) -> Result<&ClusterGrant, CapabilityError> {
        self.clusters
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| CapabilityError::Denied {
                cluster: name.to_owned(),
                connector: self.connector.clone(),
                granted: self.granted(),
            })
    }

    /// The names of the granted clusters.
    pub fn granted(&self) -> Vec<String> {
        self.clusters.iter().map(|c| c.name.clone()).collect()
    }
}

/// Why a `kafka` call failed; each becomes the plugin's error (never a
/// trap) with a kind that says whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum CapabilityError {
    /// The connector granted no such cluster.
    #[error(
        "Kafka cluster '{cluster}' is not granted to connector '{connector}' (granted: {}): a connector grants a cluster with a key its plugin declares for it, such as {cluster}.bootstrap.servers",
        if .granted.is_empty() { "none".to_owned() } else { .granted.join(", ") }
    )]
    Denied {
        /// The cluster asked for.
        cluster: String,
        /// The connector.
        connector: String,
        /// What it did grant.
        granted: Vec<String>,
    },
    /// `ensure-topic` without any granted cluster.
    #[error(
        "connector '{connector}' granted no Kafka cluster, so its plugins may not create topics"
    )]
    NoGrant {
        /// The connector.
        connector: String,
    },
    /// The sandbox holds as many consumers as it may.
    #[error(
        "a plugin of connector '{connector}' holds {MAX_CONSUMERS} Kafka consumers already, the most a task may have open"
    )]
    TooMany {
        /// The connector.
        connector: String,
    },
    /// The plugin asked for something that cannot be (a negative offset,
    /// an empty topic name).
    #[error("{0}")]
    BadRequest(String),
    /// The client could not be created from the cluster's settings.
    #[error("cannot open a consumer on Kafka cluster '{cluster}': {reason}")]
    Open {
        /// The cluster.
        cluster: String,
        /// Why (with setting values hidden).
        reason: String,
    },
    /// The cluster did not answer as needed; the call may succeed later.
    #[error("{call} on Kafka cluster '{cluster}' failed: {reason}")]
    Unavailable {
        /// The cluster.
        cluster: String,
        /// The call.
        call: &'static str,
        /// Why.
        reason: String,
    },
    /// The worker's own cluster did not create or describe a topic; the
    /// call may succeed later.
    #[error("cannot make sure topic {topic} exists in the worker's Kafka cluster: {reason}")]
    Target {
        /// The topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// The consumer refused the request (it names an unassigned
    /// partition, for example).
    #[error("{call} on Kafka cluster '{cluster}' failed: {reason}")]
    Refused {
        /// The cluster.
        cluster: String,
        /// The call.
        call: &'static str,
        /// Why.
        reason: String,
    },
}

impl CapabilityError {
    /// The error the plugin gets.
    pub fn to_wit(&self) -> types::PluginError {
        let kind = match self {
            Self::Denied { .. } | Self::NoGrant { .. } | Self::Open { .. } => {
                types::ErrorKind::Config
            }
            Self::BadRequest(_) | Self::Refused { .. } | Self::TooMany { .. } => {
                types::ErrorKind::Fatal
            }
            Self::Unavailable { .. } | Self::Target { .. } => types::ErrorKind::Retriable,
        };
        types::PluginError {
            kind,
            message: self.to_string(),
            record: None,
        }
    }
}

/// `text` with every setting value of `settings` (3 characters or more)
/// replaced by `[hidden]`: client errors may quote a value, and values may
/// be secrets.
pub(crate) fn redact(text: &str, settings: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (_, value) in settings {
        if value.len() >= 3 {
            out = out.replace(value.as_str(), "[hidden]");
        }
    }
    out
}

type WitResult<T> = Result<T, types::PluginError>;

fn plugin_result<T>(r: Result<T, CapabilityError>) -> WitResult<T> {
    r.map_err(|e| {
        tracing::debug!("A plugin's Kafka call failed: {e}");
        e.to_wit()
    })
}

impl TaskState {
    fn consumer(&self, handle: &Resource<KafkaConsumer>) -> WitResult<&KafkaConsumer> {
        self.table.get(handle).map_err(|e| {
            CapabilityError::BadRequest(format!("no such Kafka consumer: {e}")).to_wit()
        })
    }
}

impl wit::Host for TaskState {
    async fn granted_clusters(&mut self) -> Vec<String> {
        self.kafka.granted()
    }

    async fn ensure_topic(
        &mut self,
        topic: String,
        partitions: i32,
        replication_factor: i16,
    ) -> WitResult<i32> {
        plugin_result(
            target::ensure_topic(
                &self.kafka,
                &mut self.kafka_admin,
                &topic,
                partitions,
                replication_factor,
            )
            .await,
        )
    }
}

impl wit::HostConsumer for TaskState {
    async fn open(
        &mut self,
        cluster: String,
        group_id: Option<String>,
    ) -> WitResult<Resource<KafkaConsumer>> {
        // A denial says what is wrong even when the sandbox is full.
        plugin_result(self.kafka.cluster(&cluster).map(|_| ()))?;
        if self.kafka_consumers >= MAX_CONSUMERS {
            return plugin_result(Err(CapabilityError::TooMany {
                connector: self.kafka.connector.clone(),
            }));
        }
        let consumer = plugin_result(KafkaConsumer::open(
            &self.kafka,
            &cluster,
            group_id.as_deref(),
        ))?;
        let handle = self.table.push(consumer).map_err(|e| {
            CapabilityError::BadRequest(format!("cannot keep another Kafka consumer: {e}")).to_wit()
        })?;
        self.kafka_consumers += 1;
        Ok(handle)
    }

    async fn topics(&mut self, me: Resource<KafkaConsumer>) -> WitResult<Vec<wit::TopicInfo>> {
        plugin_result(self.consumer(&me)?.topics().await)
    }

    async fn assign(
        &mut self,
        me: Resource<KafkaConsumer>,
        partitions: Vec<wit::PartitionStart>,
    ) -> WitResult<()> {
        plugin_result(self.consumer(&me)?.assign(&partitions).await)
    }

    async fn unassign(
        &mut self,
        me: Resource<KafkaConsumer>,
        partitions: Vec<types::TopicPartition>,
    ) -> WitResult<()> {
        plugin_result(self.consumer(&me)?.unassign(&partitions).await)
    }

    async fn subscribe(
        &mut self,
        me: Resource<KafkaConsumer>,
        topics: Vec<String>,
    ) -> WitResult<()> {
        plugin_result(self.consumer(&me)?.subscribe(&topics).await)
    }

    async fn assignment(
        &mut self,
        me: Resource<KafkaConsumer>,
    ) -> WitResult<Vec<types::TopicPartition>> {
        plugin_result(self.consumer(&me)?.assignment().await)
    }

    async fn seek(
        &mut self,
        me: Resource<KafkaConsumer>,
        to: wit::PartitionStart,
    ) -> WitResult<()> {
        plugin_result(self.consumer(&me)?.seek(&to).await)
    }

    async fn pause(
        &mut self,
        me: Resource<KafkaConsumer>,
        partitions: Vec<types::TopicPartition>,
    ) -> WitResult<()> {
        plugin_result(self.consumer(&me)?.pause(&partitions).await)
    }

    async fn resume(
        &mut self,
        me: Resource<KafkaConsumer>,
        partitions: Vec<types::TopicPartition>,
    ) -> WitResult<()> {
        plugin_result(self.consumer(&me)?.resume(&partitions).await)
    }

    async fn poll(
        &mut self,
        me: Resource<KafkaConsumer>,
        max_records: u32,
        timeout_ms: u32,
    ) -> WitResult<types::Batch> {
        plugin_result(self.consumer(&me)?.poll(max_records, timeout_ms).await)
    }

    async fn drop(&mut self, me: Resource<KafkaConsumer>) -> wasmtime::Result<()> {
        // Closing happens in the consumer's own Drop, off the async threads.
        self.table.delete(me)?;
        self.kafka_consumers = self.kafka_consumers.saturating_sub(1);
        Ok(())
    }
}
