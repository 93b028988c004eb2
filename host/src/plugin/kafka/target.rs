//! `ensure-topic`: topics a plugin needs in the worker's own cluster, made
//! as MirrorMaker makes the topics it replicates into (created with the
//! source's partition count when missing, left alone when present).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;

use super::{CapabilityError, KafkaGrant};
use crate::kafka::topics::{CreateTopicError, create_unless_exists};

/// How long a metadata request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// An admin client of the worker's cluster, shared by a store's calls.
pub type TargetAdmin = Arc<AdminClient<DefaultClientContext>>;

/// The partition count of `topic` in the worker's cluster, creating the
/// topic first when it is missing. `admin` is the store's client, made
/// here at the first call.
pub async fn ensure_topic(
    grant: &KafkaGrant,
    admin: &mut Option<TargetAdmin>,
    topic: &str,
    partitions: i32,
    replication_factor: i16,
) -> Result<i32, CapabilityError> {
    if grant.clusters.is_empty() {
        return Err(CapabilityError::NoGrant {
            connector: grant.connector.clone(),
        });
    }
    if topic.is_empty() || partitions < 1 || replication_factor == 0 || replication_factor < -1 {
        return Err(CapabilityError::BadRequest(format!(
            "cannot create topic '{topic}' with {partitions} partitions and replication factor \
             {replication_factor}: a topic needs a name, at least one partition, and a \
             replication factor of at least 1 (or -1 for the cluster's default)"
        )));
    }
    let unavailable = |reason: String| CapabilityError::Target {
        topic: topic.to_owned(),
        reason,
    };
    let Some(target) = &grant.target else {
        return Err(unavailable(
            "this sandbox has no Kafka cluster of its own".into(),
        ));
    };
    let admin = match admin {
        Some(admin) => admin.clone(),
        None => admin
            .insert(Arc::new(target.admin_config().create().map_err(|e| {
                unavailable(format!("cannot create an admin client: {e}"))
            })?))
            .clone(),
    };
    if let Some(count) = partition_count(&admin, topic).await? {
        return Ok(count);
    }
    match create_unless_exists(&admin, topic, partitions, i32::from(replication_factor)).await {
        Ok(true) => {
            tracing::info!(topic, partitions, "Created a topic for the connector");
            return Ok(partitions);
        }
        // Another task made it first: use what it made.
        Ok(false) => {}
        Err(CreateTopicError::Request(e)) => return Err(unavailable(e.to_string())),
        Err(CreateTopicError::Refused(code)) => {
            return Err(unavailable(format!(
                "creating it with {partitions} partitions and replication factor \
                 {replication_factor} failed: {code}"
            )));
        }
    }
    partition_count(&admin, topic)
        .await?
        .ok_or_else(|| unavailable("it was created but the cluster does not list it".into()))
}

/// The topic's partition count, or none when it does not exist. Asks for
/// every topic's metadata: asking for one topic by name may make a broker
/// with `auto.create.topics.enable` create it with its default partitions.
async fn partition_count(
    admin: &Arc<AdminClient<DefaultClientContext>>,
    topic: &str,
) -> Result<Option<i32>, CapabilityError> {
    let admin = admin.clone();
    let wanted = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let metadata = admin
            .inner()
            .fetch_metadata(None, TIMEOUT)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(
            metadata
                .topics()
                .iter()
                .find(|t| t.name() == wanted && t.error().is_none())
                .map(|t| t.partitions().len() as i32),
        )
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|reason| CapabilityError::Target {
        topic: topic.to_owned(),
        reason,
    })
}
