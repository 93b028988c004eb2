//! [`KafkaConsumer`]: one plugin's consumer on a granted cluster. Every call
//! that may wait (metadata, polling, seeking, closing) runs on tokio's
//! blocking threads, so a plugin waiting for records never holds a thread
//! that moves records.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::BorrowedMessage;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use wasm_connect_sdk::{Batch, BatchError};

use super::{CapabilityError, KafkaGrant, redact};
use crate::kafka::message::append;
use crate::kafka::{FETCH_QUEUE_BACKOFF_MS, KafkaSettings};
use crate::plugin::bindings::wasm_connect::plugin::kafka as wit;
use crate::plugin::bindings::wasm_connect::plugin::types;
use crate::plugin::convert::batch_to_wit;

/// The longest a `poll` waits for its first record: a plugin asking for
/// more would hold its call (and its task's sandbox) for that long.
pub const MAX_POLL_WAIT: Duration = Duration::from_secs(10);
/// A polled batch stops growing once its data passes this size, so one
/// call never builds more than a few MiB in the plugin's memory (default
/// limit 256 MiB, shared by all of a task's plugins).
pub const MAX_BATCH_DATA: usize = 8 * 1024 * 1024;
/// How long a metadata request or a seek may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A consumer a plugin opened, as the host keeps it in the store's
/// resource table.
pub struct KafkaConsumer {
    cluster: String,
    /// Always set while the resource lives; taken by `Drop` to close the
    /// client off the async threads.
    inner: Option<Arc<BaseConsumer>>,
}

impl Drop for KafkaConsumer {
    fn drop(&mut self) {
        let Some(consumer) = self.inner.take() else {
            return;
        };
        // Closing leaves a group (when subscribed) and may wait on the
        // network: never on an async thread.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn_blocking(move || drop(consumer));
            }
            Err(_) => drop(consumer),
        }
    }
}

fn offset_of(position: &wit::StartPosition) -> Result<Offset, CapabilityError> {
    match position {
        wit::StartPosition::Earliest => Ok(Offset::Beginning),
        wit::StartPosition::Latest => Ok(Offset::End),
        wit::StartPosition::Offset(o) if *o >= 0 => Ok(Offset::Offset(*o)),
        wit::StartPosition::Offset(o) => Err(CapabilityError::BadRequest(format!(
            "offset {o} is negative: use start-position earliest or latest"
        ))),
    }
}

fn check_partition(topic: &str, partition: i32) -> Result<(), CapabilityError> {
    if topic.is_empty() {
        return Err(CapabilityError::BadRequest("a topic name is empty".into()));
    }
    if partition < 0 {
        return Err(CapabilityError::BadRequest(format!(
            "partition {partition} of topic {topic} is negative"
        )));
    }
    Ok(())
}

impl KafkaConsumer {
    /// Open a consumer on `cluster` as `grant` allows: the client gets the
    /// cluster's settings (which never leave the host), reads nothing until
    /// told to, and never commits offsets.
    pub fn open(
        grant: &KafkaGrant,
        cluster: &str,
        group_id: Option<&str>,
    ) -> Result<Self, CapabilityError> {
        let granted = grant.cluster(cluster)?;
        let mut config = ClientConfig::new();
        // librdkafka needs a group id even for assigned partitions (without
        // one, assign fails with "unknown group"); assigning never joins it.
        let group = group_id
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("wasm-connect-{}", grant.connector));
        config
            .set("client.id", format!("{}-{cluster}", grant.client_id))
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            // Without it a plugin draining faster than 100,000 records a
            // second waits a second at a time (see the constant).
            .set("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS);
        // The user's settings win (their group id too: ACLs may need it),
        // but the bootstrap servers are the granted ones.
        KafkaSettings::apply(&mut config, &granted.consumer, "consumer");
        config.set("bootstrap.servers", &granted.bootstrap_servers);
        let consumer: BaseConsumer = config.create().map_err(|e| CapabilityError::Open {
            cluster: cluster.to_owned(),
            reason: redact(&e.to_string(), &granted.consumer),
        })?;
        tracing::debug!(cluster, "A plugin opened a Kafka consumer");
        Ok(Self {
            cluster: cluster.to_owned(),
            inner: Some(Arc::new(consumer)),
        })
    }

    /// Run `f` with the client on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &self,
        call: &'static str,
        f: impl FnOnce(&BaseConsumer) -> Result<T, CapabilityError> + Send + 'static,
    ) -> Result<T, CapabilityError> {
        let consumer = self.inner.clone().ok_or_else(|| CapabilityError::Refused {
            cluster: self.cluster.clone(),
            call,
            reason: "the consumer is closed".into(),
        })?;
        tokio::task::spawn_blocking(move || f(&consumer))
            .await
            .map_err(|e| CapabilityError::Unavailable {
                cluster: self.cluster.clone(),
                call,
                reason: format!("the call did not finish: {e}"),
            })?
    }

    fn refused(
        &self,
        call: &'static str,
    ) -> impl Fn(rdkafka::error::KafkaError) -> CapabilityError + Send + 'static + use<> {
        let cluster = self.cluster.clone();
        move |e| CapabilityError::Refused {
            cluster: cluster.clone(),
            call,
            reason: e.to_string(),
        }
    }

    /// Every topic but internal ones (`__…`), with its partition count.
    pub async fn topics(&self) -> Result<Vec<wit::TopicInfo>, CapabilityError> {
        let cluster = self.cluster.clone();
        self.blocking("topics", move |c| {
            let metadata = c.fetch_metadata(None, REQUEST_TIMEOUT).map_err(|e| {
                CapabilityError::Unavailable {
                    cluster,
                    call: "topics",
                    reason: e.to_string(),
                }
            })?;
            let mut out: Vec<wit::TopicInfo> = metadata
                .topics()
                .iter()
                .filter(|t| !t.name().starts_with("__") && t.error().is_none())
                .map(|t| wit::TopicInfo {
                    name: t.name().to_owned(),
                    partitions: t.partitions().len() as i32,
                })
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    /// Add partitions to the assignment, each from its position.
    pub async fn assign(&self, partitions: &[wit::PartitionStart]) -> Result<(), CapabilityError> {
        let mut list = TopicPartitionList::new();
        for p in partitions {
            check_partition(&p.topic, p.partition)?;
            list.add_partition_offset(&p.topic, p.partition, offset_of(&p.position)?)
                .map_err(self.refused("assign"))?;
        }
        let refused = self.refused("assign");
        self.blocking("assign", move |c| {
            c.incremental_assign(&list).map_err(refused)
        })
        .await
    }

    /// Remove partitions from the assignment.
    pub async fn unassign(
        &self,
        partitions: &[types::TopicPartition],
    ) -> Result<(), CapabilityError> {
        let list = partition_list(partitions)?;
        let refused = self.refused("unassign");
        self.blocking("unassign", move |c| {
            c.incremental_unassign(&list).map_err(refused)
        })
        .await
    }

    /// Join the group for `topics`.
    pub async fn subscribe(&self, topics: &[String]) -> Result<(), CapabilityError> {
        if topics.iter().any(String::is_empty) {
            return Err(CapabilityError::BadRequest(
                "subscribe was given an empty topic name".into(),
            ));
        }
        let topics = topics.to_vec();
        let refused = self.refused("subscribe");
        self.blocking("subscribe", move |c| {
            let names: Vec<&str> = topics.iter().map(String::as_str).collect();
            c.subscribe(&names).map_err(refused)
        })
        .await
    }

    /// The partitions read now.
    pub async fn assignment(&self) -> Result<Vec<types::TopicPartition>, CapabilityError> {
        let refused = self.refused("assignment");
        self.blocking("assignment", move |c| {
            let list = c.assignment().map_err(refused)?;
            Ok(list
                .elements()
                .iter()
                .map(|e| types::TopicPartition {
                    topic: e.topic().to_owned(),
                    partition: e.partition(),
                })
                .collect())
        })
        .await
    }

    /// Move an assigned partition to another position.
    pub async fn seek(&self, to: &wit::PartitionStart) -> Result<(), CapabilityError> {
        check_partition(&to.topic, to.partition)?;
        let offset = offset_of(&to.position)?;
        let (topic, partition) = (to.topic.clone(), to.partition);
        let refused = self.refused("seek");
        self.blocking("seek", move |c| {
            c.seek(&topic, partition, offset, REQUEST_TIMEOUT)
                .map_err(refused)
        })
        .await
    }

    /// Stop fetching partitions.
    pub async fn pause(&self, partitions: &[types::TopicPartition]) -> Result<(), CapabilityError> {
        let list = partition_list(partitions)?;
        let refused = self.refused("pause");
        self.blocking("pause", move |c| c.pause(&list).map_err(refused))
            .await
    }

    /// Fetch paused partitions again.
    pub async fn resume(
        &self,
        partitions: &[types::TopicPartition],
    ) -> Result<(), CapabilityError> {
        let list = partition_list(partitions)?;
        let refused = self.refused("resume");
        self.blocking("resume", move |c| c.resume(&list).map_err(refused))
            .await
    }

    /// The records available now, as a batch: wait up to `timeout_ms` for
    /// the first, then take what is already fetched, up to `max_records`.
    pub async fn poll(
        &self,
        max_records: u32,
        timeout_ms: u32,
    ) -> Result<types::Batch, CapabilityError> {
        let wait = Duration::from_millis(u64::from(timeout_ms)).min(MAX_POLL_WAIT);
        let max = max_records as usize;
        let cluster = self.cluster.clone();
        self.blocking("poll", move |c| {
            let mut batch = Batch::new();
            let deadline = Instant::now() + wait;
            while batch.len() < max && batch.data().len() < MAX_BATCH_DATA {
                // After the first record, only what is already fetched.
                let wait = if batch.is_empty() {
                    deadline.saturating_duration_since(Instant::now())
                } else {
                    Duration::ZERO
                };
                match c.poll(wait) {
                    None => break,
                    Some(Ok(message)) => push(&mut batch, &message).map_err(|reason| {
                        CapabilityError::Refused {
                            cluster: cluster.clone(),
                            call: "poll",
                            reason,
                        }
                    })?,
                    // A consumer error (a partition's offset out of range
                    // with auto.offset.reset=error, a broker error) ends
                    // the batch; the records before it are delivered.
                    Some(Err(e)) if !batch.is_empty() => {
                        tracing::debug!(cluster = %cluster, "Kafka poll error after {} records: {e}", batch.len());
                        break;
                    }
                    Some(Err(e)) => {
                        return Err(CapabilityError::Unavailable {
                            cluster,
                            call: "poll",
                            reason: e.to_string(),
                        });
                    }
                }
            }
            Ok(batch_to_wit(batch))
        })
        .await
    }
}

fn partition_list(
    partitions: &[types::TopicPartition],
) -> Result<TopicPartitionList, CapabilityError> {
    let mut list = TopicPartitionList::new();
    for p in partitions {
        check_partition(&p.topic, p.partition)?;
        list.add_partition(&p.topic, p.partition);
    }
    Ok(list)
}

/// Append a polled message to `batch` (the sink task's own builder), or
/// say why it cannot take it.
fn push(batch: &mut Batch, m: &BorrowedMessage<'_>) -> Result<(), String> {
    append(batch, m, true).map(drop).map_err(|e| match e {
        BatchError::TooLarge => too_large(),
        other => other.to_string(),
    })
}

fn too_large() -> String {
    format!(
        "a polled batch outgrew the {} GiB a batch can address",
        u32::MAX as u64 / (1 << 30) + 1
    )
}
