//! Reading external Kafka clusters through the host (the WIT `kafka`
//! interface).
//!
//! A plugin cannot open network connections of its own, and must never hold
//! a cluster's credentials. Instead its connector's configuration grants a
//! cluster: a key the manifest declares with [`PathAccess::KafkaCluster`]
//! (for example `source.bootstrap.servers`, which grants the cluster
//! `source`), and the connector's `source.consumer.*` keys, which only the
//! host sees. The plugin then opens a [`Consumer`] on the cluster by name;
//! the host runs the client and hands over records in batches.
//!
//! ```no_run
//! use std::time::Duration;
//! use wasm_connect_sdk::kafka::{Consumer, PartitionStart, StartPosition};
//!
//! # fn main() -> wasm_connect_sdk::Result<()> {
//! let consumer = Consumer::open("source", None)?;
//! consumer.assign(&[PartitionStart::new("orders", 0, StartPosition::Earliest)])?;
//! let batch = consumer.poll(1000, Duration::from_millis(100))?;
//! for record in batch.iter() {
//!     let _key = record.key()?; // bytes or null, as in Kafka
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Outside a component (a plugin's native unit tests) there is no host:
//! [`Consumer::open`] and [`ensure_topic`] return an error saying so, and
//! [`granted_clusters`] is empty. Test plugin logic against a trait of your
//! own that [`Consumer`] implements.
//!
//! [`PathAccess::KafkaCluster`]: crate::PathAccess::KafkaCluster

use std::time::Duration;

use crate::batch::Batch;
#[cfg(not(target_arch = "wasm32"))]
use crate::error::PluginError;
use crate::plugin::{Result, TopicPartition};

/// Where to start reading a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// The oldest record the partition still holds.
    Earliest,
    /// The end of the partition: only records written from now on.
    Latest,
    /// The record at this offset (the next one to read). An offset the
    /// partition does not hold is reset as the cluster's
    /// `auto.offset.reset` says (`earliest` unless the connector's
    /// `<cluster>.consumer.auto.offset.reset` says otherwise).
    Offset(i64),
}

/// A partition and where to read it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionStart {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// Where to read from.
    pub position: StartPosition,
}

impl PartitionStart {
    /// Partition `partition` of `topic`, read from `position`.
    pub fn new(topic: impl Into<String>, partition: i32, position: StartPosition) -> Self {
        Self {
            topic: topic.into(),
            partition,
            position,
        }
    }
}

/// A topic of a cluster and its partition count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// The topic's name.
    pub name: String,
    /// How many partitions it has.
    pub partitions: i32,
}

/// The error every call gets outside a component, where no host runs.
#[cfg(not(target_arch = "wasm32"))]
fn no_host() -> PluginError {
    PluginError::config(
        "Kafka clusters are provided by the wasm-connect host: they can be used only inside a \
         plugin component, not in a native build",
    )
}

/// The most a single [`Consumer::poll`] waits: the host's own cap.
pub const MAX_POLL_WAIT: Duration = Duration::from_secs(10);

/// A consumer on a granted external cluster, run by the host. Dropping it
/// closes it.
pub struct Consumer {
    #[cfg(target_arch = "wasm32")]
    inner: wit::Consumer,
    /// Outside a component no consumer can exist: this field has no value.
    #[cfg(not(target_arch = "wasm32"))]
    never: std::convert::Infallible,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Consumer")
    }
}

#[cfg(target_arch = "wasm32")]
use crate::__bindings::wasm_connect::plugin::kafka as wit;

#[cfg(target_arch = "wasm32")]
fn partition_start(p: &PartitionStart) -> wit::PartitionStart {
    wit::PartitionStart {
        topic: p.topic.clone(),
        partition: p.partition,
        position: match p.position {
            StartPosition::Earliest => wit::StartPosition::Earliest,
            StartPosition::Latest => wit::StartPosition::Latest,
            StartPosition::Offset(o) => wit::StartPosition::Offset(o),
        },
    }
}

#[cfg(target_arch = "wasm32")]
fn topic_partitions(
    list: &[TopicPartition],
) -> Vec<crate::__bindings::wasm_connect::plugin::types::TopicPartition> {
    list.iter()
        .map(
            |t| crate::__bindings::wasm_connect::plugin::types::TopicPartition {
                topic: t.topic.clone(),
                partition: t.partition,
            },
        )
        .collect()
}

/// A whole wait in milliseconds, capped at [`MAX_POLL_WAIT`].
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn wait_ms(timeout: Duration) -> u32 {
    timeout.min(MAX_POLL_WAIT).as_millis() as u32
}

#[cfg(target_arch = "wasm32")]
impl Consumer {
    /// Open a consumer on the granted cluster `cluster`. `group_id` is the
    /// consumer group [`Consumer::subscribe`] joins (the connector's
    /// `<cluster>.consumer.group.id` wins when set); [`Consumer::assign`]
    /// never joins a group.
    pub fn open(cluster: &str, group_id: Option<&str>) -> Result<Self> {
        let inner =
            wit::Consumer::open(cluster, group_id).map_err(crate::guest::error_from_host)?;
        Ok(Self { inner })
    }

    /// Every topic of the cluster (internal ones left out) with its
    /// partition count.
    pub fn topics(&self) -> Result<Vec<TopicInfo>> {
        Ok(self
            .inner
            .topics()
            .map_err(crate::guest::error_from_host)?
            .into_iter()
            .map(|t| TopicInfo {
                name: t.name,
                partitions: t.partitions,
            })
            .collect())
    }

    /// Add partitions to those the consumer reads, each from its position.
    pub fn assign(&self, partitions: &[PartitionStart]) -> Result<()> {
        let list: Vec<wit::PartitionStart> = partitions.iter().map(partition_start).collect();
        self.inner
            .assign(&list)
            .map_err(crate::guest::error_from_host)
    }

    /// Stop reading these partitions.
    pub fn unassign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.inner
            .unassign(&topic_partitions(partitions))
            .map_err(crate::guest::error_from_host)
    }

    /// Join the consumer group and read what it gives this member of
    /// `topics` (names starting with `^` are regular expressions).
    pub fn subscribe(&self, topics: &[String]) -> Result<()> {
        self.inner
            .subscribe(topics)
            .map_err(crate::guest::error_from_host)
    }

    /// The partitions the consumer reads now.
    pub fn assignment(&self) -> Result<Vec<TopicPartition>> {
        Ok(self
            .inner
            .assignment()
            .map_err(crate::guest::error_from_host)?
            .into_iter()
            .map(|t| TopicPartition {
                topic: t.topic,
                partition: t.partition,
            })
            .collect())
    }

    /// Read an assigned partition from another position.
    pub fn seek(&self, to: &PartitionStart) -> Result<()> {
        self.inner
            .seek(&partition_start(to))
            .map_err(crate::guest::error_from_host)
    }

    /// Stop fetching these partitions until [`Consumer::resume`].
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.inner
            .pause(&topic_partitions(partitions))
            .map_err(crate::guest::error_from_host)
    }

    /// Fetch paused partitions again.
    pub fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.inner
            .resume(&topic_partitions(partitions))
            .map_err(crate::guest::error_from_host)
    }

    /// The records available now (at most `max_records`), waiting up to
    /// `timeout` (at most [`MAX_POLL_WAIT`]) for the first. Keys, values
    /// and header values are bytes or null; each record has its topic,
    /// Kafka partition, offset and timestamp. The batch can be returned
    /// from a source task's `poll` once its records have a source
    /// partition and offset.
    pub fn poll(&self, max_records: u32, timeout: Duration) -> Result<Batch> {
        self.inner
            .poll(max_records, wait_ms(timeout))
            .map(crate::guest::batch_from_host)
            .map_err(crate::guest::error_from_host)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Consumer {
    /// Open a consumer on the granted cluster `cluster` (in a component;
    /// natively this is an error: there is no host).
    pub fn open(_cluster: &str, _group_id: Option<&str>) -> Result<Self> {
        Err(no_host())
    }

    /// Every topic of the cluster with its partition count.
    pub fn topics(&self) -> Result<Vec<TopicInfo>> {
        match self.never {}
    }

    /// Add partitions to those the consumer reads.
    pub fn assign(&self, _partitions: &[PartitionStart]) -> Result<()> {
        match self.never {}
    }

    /// Stop reading these partitions.
    pub fn unassign(&self, _partitions: &[TopicPartition]) -> Result<()> {
        match self.never {}
    }

    /// Join the consumer group for `topics`.
    pub fn subscribe(&self, _topics: &[String]) -> Result<()> {
        match self.never {}
    }

    /// The partitions the consumer reads now.
    pub fn assignment(&self) -> Result<Vec<TopicPartition>> {
        match self.never {}
    }

    /// Read an assigned partition from another position.
    pub fn seek(&self, _to: &PartitionStart) -> Result<()> {
        match self.never {}
    }

    /// Stop fetching these partitions.
    pub fn pause(&self, _partitions: &[TopicPartition]) -> Result<()> {
        match self.never {}
    }

    /// Fetch paused partitions again.
    pub fn resume(&self, _partitions: &[TopicPartition]) -> Result<()> {
        match self.never {}
    }

    /// The records available now.
    pub fn poll(&self, _max_records: u32, _timeout: Duration) -> Result<Batch> {
        match self.never {}
    }
}

/// The names of the clusters the plugin's connector granted (none outside
/// a component).
pub fn granted_clusters() -> Vec<String> {
    #[cfg(target_arch = "wasm32")]
    {
        wit::granted_clusters()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Vec::new()
    }
}

/// Make sure `topic` exists in the worker's own cluster, creating it with
/// `partitions` partitions and `replication_factor` replicas (-1: the
/// cluster's default) when missing; returns its partition count. Only for
/// plugins whose connector granted a cluster.
pub fn ensure_topic(topic: &str, partitions: i32, replication_factor: i16) -> Result<i32> {
    #[cfg(target_arch = "wasm32")]
    {
        wit::ensure_topic(topic, partitions, replication_factor)
            .map_err(crate::guest::error_from_host)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (topic, partitions, replication_factor);
        Err(no_host())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natively_there_is_no_host() {
        let err = Consumer::open("source", None).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Config);
        assert!(err.message.contains("only inside a plugin component"));
        assert!(ensure_topic("t", 1, -1).is_err());
        assert!(granted_clusters().is_empty());
        assert_eq!(wait_ms(Duration::from_secs(60)), 10_000);
        assert_eq!(wait_ms(Duration::from_millis(250)), 250);
    }
}
