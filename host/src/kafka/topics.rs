//! Creating a topic unless it exists, as Kafka Connect and MirrorMaker
//! do for the topics they need: the dead letter queue, and the target
//! topics a plugin asks for through the `kafka` capability.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// How long a topic creation may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a topic could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateTopicError {
    /// The request did not reach the cluster or got no answer.
    #[error("{0}")]
    Request(#[from] KafkaError),
    /// The cluster refused it (a replication factor above its broker
    /// count, an invalid name, no authorization…).
    #[error("{0}")]
    Refused(RDKafkaErrorCode),
}

/// Create `topic` with `partitions` partitions and `replication` replicas
/// (-1: the cluster's default) unless it exists. True when this call made
/// it; false when it was there already (another task may have made it
/// first, which is not an error).
pub async fn create_unless_exists(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
    partitions: i32,
    replication: i32,
) -> Result<bool, CreateTopicError> {
    let results = admin
        .create_topics(
            &[NewTopic::new(
                topic,
                partitions,
                TopicReplication::Fixed(replication),
            )],
            &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
        )
        .await?;
    let mut created = false;
    for result in results {
        match result {
            Ok(_) => created = true,
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(CreateTopicError::Refused(code)),
        }
    }
    Ok(created)
}
