//! Reading and changing a connector's offsets over REST (KIP-875), and its
//! active topics (KIP-558). Source offsets live in the worker's offset
//! store; sink offsets are the consumer group `connect-<name>`'s committed
//! offsets in Kafka.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{Map, Value, json};

use super::worker::{Worker, WorkerError};
use crate::config::ConnectorType;
use crate::kafka::KafkaSettings;
use crate::storage::TargetState;

/// How long offset reads and writes against Kafka may take.
const KAFKA_TIMEOUT: Duration = Duration::from_secs(30);

/// Apache's answer after altering offsets (our connectors keep no offsets
/// of their own elsewhere, but a plugin might).
const ALTERED: &str = "The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.";
/// Apache's answer after resetting offsets.
const RESET: &str = "The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.";

/// One `{"partition": {…}, "offset": {…} | null}` of a request.
pub type OffsetEntry = (Map<String, Value>, Option<Map<String, Value>>);

impl Worker {
    /// `GET /connectors/{name}/offsets`: `{"offsets": [{partition, offset}]}`.
    pub async fn connector_offsets(&self, name: &str) -> Result<Value, WorkerError> {
        let stored = self.stored(name)?;
        let entries: Vec<Value> = match self.kind_of(&stored.config) {
            Some(ConnectorType::Sink) => {
                let kafka = self.shared.kafka.clone();
                let group = format!("connect-{name}");
                blocking(move || sink_offsets(&kafka, &group))
                    .await?
                    .into_iter()
                    .map(|(topic, partition, offset)| {
                        json!({
                            "partition": {"kafka_topic": topic, "kafka_partition": partition},
                            "offset": {"kafka_offset": offset},
                        })
                    })
                    .collect()
            }
            _ => self
                .shared
                .offsets
                .offsets(name)
                .into_iter()
                .filter_map(|o| {
                    let partition: Value = serde_json::from_str(&o.partition).ok()?;
                    let offset: Value = serde_json::from_str(&o.offset).ok()?;
                    Some(json!({"partition": partition, "offset": offset}))
                })
                .collect(),
        };
        Ok(json!({ "offsets": entries }))
    }

    /// `PATCH /connectors/{name}/offsets`: set (or, with a null offset,
    /// remove) the given partitions' offsets. Only for STOPPED connectors.
    pub async fn alter_offsets(
        &self,
        name: &str,
        offsets: Vec<OffsetEntry>,
    ) -> Result<Value, WorkerError> {
        let kind = self.check_stopped(name).await?;
        match kind {
            Some(ConnectorType::Sink) => {
                let changes = sink_changes(&offsets)?;
                let kafka = self.shared.kafka.clone();
                let group = format!("connect-{name}");
                blocking(move || alter_sink_offsets(&kafka, &group, changes)).await?;
            }
            _ => {
                let changes: Vec<(String, Option<String>)> = offsets
                    .into_iter()
                    .map(|(p, o)| {
                        (
                            Value::Object(p).to_string(),
                            o.map(|o| Value::Object(o).to_string()),
                        )
                    })
                    .collect();
                self.shared.offsets.commit(name, &changes)?;
            }
        }
        tracing::info!(connector = %name, "Altered the connector's offsets");
        Ok(json!({ "message": ALTERED }))
    }

    /// `DELETE /connectors/{name}/offsets`: forget every offset, so the
    /// connector starts from the beginning. Only for STOPPED connectors.
    pub async fn reset_offsets(&self, name: &str) -> Result<Value, WorkerError> {
        let kind = self.check_stopped(name).await?;
        match kind {
            Some(ConnectorType::Sink) => {
                let kafka = self.shared.kafka.clone();
                let group = format!("connect-{name}");
                delete_group(&kafka, &group).await?;
            }
            _ => {
                let all: Vec<(String, Option<String>)> = self
                    .shared
                    .offsets
                    .offsets(name)
                    .into_iter()
                    .map(|o| (o.partition, None))
                    .collect();
                self.shared.offsets.commit(name, &all)?;
            }
        }
        tracing::info!(connector = %name, "Reset the connector's offsets");
        Ok(json!({ "message": RESET }))
    }

    /// Offsets may change only while nothing runs that would overwrite
    /// them: the connector must be STOPPED (Apache's rule and message).
    async fn check_stopped(&self, name: &str) -> Result<Option<ConnectorType>, WorkerError> {
        let stored = self.stored(name)?;
        let running = self.running.lock().await;
        let has_tasks = running.get(name).is_some_and(|r| !r.tasks.is_empty());
        if stored.target_state != TargetState::Stopped || has_tasks {
            return Err(WorkerError::BadRequest(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
            )));
        }
        Ok(self.kind_of(&stored.config))
    }

    /// `GET /connectors/{name}/topics`: `{"<name>": {"topics": [...]}}`.
    pub fn active_topics(&self, name: &str) -> Result<Value, WorkerError> {
        self.stored(name)?;
        let mut out = Map::new();
        out.insert(
            name.to_owned(),
            json!({ "topics": self.shared.statuses.topics(name) }),
        );
        Ok(Value::Object(out))
    }

    /// `PUT /connectors/{name}/topics/reset`.
    pub fn reset_active_topics(&self, name: &str) -> Result<(), WorkerError> {
        self.stored(name)?;
        self.shared.statuses.reset_topics(name);
        Ok(())
    }
}

/// Run a blocking Kafka call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, WorkerError> + Send + 'static,
) -> Result<T, WorkerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| WorkerError::Kafka(format!("Kafka call failed: {e}")))?
}

/// A consumer in group `group` that never joins it: it only reads and
/// commits offsets, as Apache's admin client does.
fn group_consumer(kafka: &KafkaSettings, group: &str) -> Result<BaseConsumer, WorkerError> {
    kafka
        .consumer_config(
            group.trim_start_matches("connect-"),
            &format!("{group}-offsets"),
            &[],
        )
        .create()
        .map_err(|e| WorkerError::Kafka(format!("Cannot create a consumer for group {group}: {e}")))
}

/// The committed offsets of `group`: `(topic, partition, offset)`, for
/// every partition of every topic the cluster has.
fn sink_offsets(
    kafka: &KafkaSettings,
    group: &str,
) -> Result<Vec<(String, i32, i64)>, WorkerError> {
    let consumer = group_consumer(kafka, group)?;
    let metadata = consumer
        .fetch_metadata(None, KAFKA_TIMEOUT)
        .map_err(|e| WorkerError::Kafka(format!("Cannot list the cluster's topics: {e}")))?;
    let mut list = TopicPartitionList::new();
    for topic in metadata.topics() {
        for p in topic.partitions() {
            list.add_partition(topic.name(), p.id());
        }
    }
    if list.count() == 0 {
        return Ok(Vec::new());
    }
    let committed = consumer
        .committed_offsets(list, KAFKA_TIMEOUT)
        .map_err(|e| {
            WorkerError::Kafka(format!(
                "Cannot read the committed offsets of group {group}: {e}"
            ))
        })?;
    let mut out: Vec<(String, i32, i64)> = committed
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some((e.topic().to_owned(), e.partition(), o)),
            _ => None,
        })
        .collect();
    out.sort();
    Ok(out)
}

/// A sink offsets request as `(topic, partition, offset or None)`, with
/// Apache's checks: each partition names `kafka_topic` and
/// `kafka_partition`, each offset is `{"kafka_offset": n}` with n ≥ 0.
fn sink_changes(offsets: &[OffsetEntry]) -> Result<Vec<(String, i32, Option<i64>)>, WorkerError> {
    let bad = |m: String| WorkerError::BadRequest(m);
    offsets
        .iter()
        .map(|(partition, offset)| {
            let topic = match partition.get("kafka_topic") {
                Some(Value::String(t)) if !t.is_empty() => t.clone(),
                _ => {
                    return Err(bad(format!(
                        "The partition for a sink connector offset must contain the key 'kafka_topic' with a non-empty string value: {}",
                        Value::Object(partition.clone())
                    )));
                }
            };
            let number = match partition.get("kafka_partition") {
                Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
                Some(Value::String(s)) => s.trim().parse::<i32>().ok(),
                _ => None,
            };
            let Some(number) = number.filter(|n| *n >= 0) else {
                return Err(bad(format!(
                    "The partition for a sink connector offset must contain the key 'kafka_partition' with a non-negative integer value: {}",
                    Value::Object(partition.clone())
                )));
            };
            let offset = match offset {
                None => None,
                Some(o) => {
                    let n = match o.get("kafka_offset") {
                        Some(Value::Number(n)) => n.as_i64(),
                        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
                        _ => None,
                    };
                    match n.filter(|n| *n >= 0) {
                        Some(n) => Some(n),
                        None => {
                            return Err(bad(format!(
                                "The offset for a sink connector must contain the key 'kafka_offset' with a non-negative integer value: {}",
                                Value::Object(o.clone())
                            )));
                        }
                    }
                }
            };
            Ok((topic, number, offset))
        })
        .collect()
}

/// Commit the new offsets of a group whose members are all gone. Removing
/// single partitions has no call in the Kafka client library here, so a
/// request that removes any deletes the group and commits what remains.
fn alter_sink_offsets(
    kafka: &KafkaSettings,
    group: &str,
    changes: Vec<(String, i32, Option<i64>)>,
) -> Result<(), WorkerError> {
    let removes = changes.iter().any(|(_, _, o)| o.is_none());
    let mut target: Vec<(String, i32, i64)> = if removes {
        sink_offsets(kafka, group)?
    } else {
        Vec::new()
    };
    for (topic, partition, offset) in changes {
        target.retain(|(t, p, _)| !(*t == topic && *p == partition));
        if let Some(o) = offset {
            target.push((topic, partition, o));
        }
    }
    if removes {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| WorkerError::Kafka(e.to_string()))?;
        runtime.block_on(delete_group(kafka, group))?;
    }
    if target.is_empty() {
        return Ok(());
    }
    let mut list = TopicPartitionList::new();
    for (topic, partition, offset) in &target {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .map_err(|e| {
                WorkerError::BadRequest(format!("Invalid offset for {topic}-{partition}: {e}"))
            })?;
    }
    let consumer = group_consumer(kafka, group)?;
    consumer.commit(&list, CommitMode::Sync).map_err(|e| {
        WorkerError::Kafka(format!(
            "Cannot commit the new offsets of group {group}: {e}"
        ))
    })
}

/// Delete consumer group `group` (all its committed offsets). A group
/// that does not exist has nothing to reset.
async fn delete_group(kafka: &KafkaSettings, group: &str) -> Result<(), WorkerError> {
    let admin: AdminClient<DefaultClientContext> = kafka
        .admin_config()
        .create()
        .map_err(|e| WorkerError::Kafka(format!("Cannot create an admin client: {e}")))?;
    let opts = AdminOptions::new().operation_timeout(Some(KAFKA_TIMEOUT));
    let results = admin
        .delete_groups(&[group], &opts)
        .await
        .map_err(|e| WorkerError::Kafka(format!("Cannot delete group {group}: {e}")))?;
    for result in results {
        match result {
            Ok(_) => {}
            Err((_, RDKafkaErrorCode::GroupIdNotFound)) => {}
            Err((g, code)) => {
                return Err(WorkerError::Kafka(format!(
                    "Cannot delete group {g}: {code}"
                )));
            }
        }
    }
    Ok(())
}
