//! Kafka clients for tasks (rdkafka), built from the worker's `producer.*`
//! and `consumer.*` settings with the defaults Apache Kafka Connect uses.

pub mod batch;
pub mod embedded;
pub mod message;
pub mod topics;

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use std::time::Duration;

pub use embedded::EmbeddedBroker;

/// Java client settings librdkafka does not know; Kafka Connect users have
/// them in their files, so they are skipped (and said so) rather than
/// failing the client.
const JAVA_ONLY: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "max.poll.records",
    "buffer.memory",
    "max.block.ms",
    "interceptor.classes",
    "metric.reporters",
    "metrics.sample.window.ms",
    "metrics.num.samples",
    "metrics.recording.level",
    "partitioner.class",
];

/// Apache Kafka Connect's default for `consumer.max.poll.records`: the
/// most records a sink task gets per `put`.
pub const DEFAULT_MAX_POLL_RECORDS: usize = 500;

/// librdkafka's `fetch.queue.backoff.ms` for the consumers that move
/// records (sink tasks', and those the `kafka` capability opens for
/// plugins such as KafkaSourceConnector); librdkafka's default is 1000.
///
/// librdkafka prefetches each partition until its local queue holds
/// `queued.min.messages` (100,000) messages, and then does not look at that
/// partition again for `fetch.queue.backoff.ms`, however fast the queue is
/// drained. A sink task that drains faster than 100,000 records a second
/// (1 µs a record) therefore finds the queue empty and waits for the rest
/// of that second: with the default, Kafka → FileStreamSink moved records
/// in bursts of ~200,000 with ~0.9 s gaps between them, ~185,000 records/s
/// on an idle machine (BENCHMARKS.md, the FileStreamSink section, where
/// the raw consumer with the same settings shows the same gaps). Java's
/// consumer, which Apache Kafka Connect uses, has no such pause: it fetches
/// a partition again as soon as its buffered records are handed out. At
/// 10 ms a stall needs a drain rate above 10 million records a second,
/// and the cost is at most a hundred wake-ups a second of librdkafka's
/// broker thread while a queue is full. `consumer.fetch.queue.backoff.ms`
/// (or the connector's `consumer.override.`) still wins.
pub const FETCH_QUEUE_BACKOFF_MS: &str = "10";

/// A client that could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the {role} for {client_id}: {source}")]
pub struct ClientError {
    role: &'static str,
    client_id: String,
    #[source]
    source: rdkafka::error::KafkaError,
}

/// Everything needed to create the clients of tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// `bootstrap.servers`.
    pub bootstrap_servers: String,
    /// `producer.*` (prefix removed).
    pub producer: Vec<(String, String)>,
    /// `consumer.*` (prefix removed).
    pub consumer: Vec<(String, String)>,
    /// `admin.*` (prefix removed).
    pub admin: Vec<(String, String)>,
}

impl KafkaSettings {
    /// Add `settings` to `config`, skipping Java-only keys (said at debug
    /// level, by key only: values may be secrets).
    pub(crate) fn apply(config: &mut ClientConfig, settings: &[(String, String)], role: &str) {
        for (key, value) in settings {
            if JAVA_ONLY.contains(&key.as_str()) {
                tracing::debug!(key = %key, "Skipping Java-only {role} setting");
                continue;
            }
            config.set(key, value);
        }
    }

    /// Producer settings for a source task: Apache's choices (acks=all,
    /// retries without end, Java's murmur2 partitioning so records land on
    /// the partitions a Java producer would pick) plus idempotence, which
    /// keeps order without limiting in-flight requests to one. `overrides`
    /// are the connector's `producer.override.*`.
    pub fn producer_config(&self, client_id: &str, overrides: &[(String, String)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("client.id", client_id)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("message.timeout.ms", "0")
            .set("partitioner", "murmur2_random");
        Self::apply(&mut config, &self.producer, "producer");
        Self::apply(&mut config, overrides, "producer");
        config
    }

    /// Consumer settings for a sink task: group `connect-<connector>`,
    /// reading from the earliest offset when the group has none (Apache's
    /// default for sinks), offsets committed only by the task after a
    /// successful flush; a short `fetch.queue.backoff.ms` (see
    /// [`FETCH_QUEUE_BACKOFF_MS`]).
    pub fn consumer_config(
        &self,
        connector: &str,
        client_id: &str,
        overrides: &[(String, String)],
    ) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("group.id", format!("connect-{connector}"))
            .set("client.id", client_id)
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false")
            .set("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS);
        Self::apply(&mut config, &self.consumer, "consumer");
        Self::apply(&mut config, overrides, "consumer");
        config
    }

    /// Admin client settings (topic creation for dead letter queues).
    pub fn admin_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        Self::apply(&mut config, &self.admin, "admin");
        config
    }

    /// `consumer.max.poll.records` (or its connector override).
    pub fn max_poll_records(&self, overrides: &[(String, String)]) -> usize {
        overrides
            .iter()
            .chain(self.consumer.iter())
            .find(|(k, _)| k == "max.poll.records")
            .and_then(|(_, v)| v.trim().parse().ok())
            .filter(|n: &usize| *n > 0)
            .unwrap_or(DEFAULT_MAX_POLL_RECORDS)
    }

    /// Create a client from `config`, naming the role in the error.
    pub fn create<C: rdkafka::config::FromClientConfig>(
        config: &ClientConfig,
        role: &'static str,
        client_id: &str,
    ) -> Result<C, ClientError> {
        config.create().map_err(|source| ClientError {
            role,
            client_id: client_id.to_owned(),
            source,
        })
    }

    /// The cluster's id, for `GET /` (blocking; call off the async threads).
    pub fn cluster_id(&self, timeout: Duration) -> Option<String> {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        Self::apply(&mut config, &self.consumer, "consumer");
        let consumer: BaseConsumer = config.create().ok()?;
        consumer.client().fetch_cluster_id(timeout)
    }
}

/// Implements rdkafka's `ClientContext` for a context type with a
/// `span: tracing::Span` field: librdkafka's log lines and client errors
/// are written in that task's span ([`client_log`], [`client_error`]).
/// One definition for every task-owned client (sink consumer, source
/// producer, dead letter queue producer).
macro_rules! span_client_context {
    ($context:ty) => {
        impl rdkafka::ClientContext for $context {
            fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
                $crate::kafka::client_log(&self.span, level, fac, message);
            }
            fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
                $crate::kafka::client_error(&self.span, error, reason);
            }
        }
    };
}
pub(crate) use span_client_context;

/// A librdkafka log line, attributed to `span` (the task whose client wrote
/// it): librdkafka calls from its own threads, outside the task's span.
/// Target `rdkafka`, the logger `/admin/loggers` knows it by.
pub(crate) fn client_log(
    span: &tracing::Span,
    level: rdkafka::config::RDKafkaLogLevel,
    facility: &str,
    message: &str,
) {
    use rdkafka::config::RDKafkaLogLevel as L;
    span.in_scope(|| match level {
        L::Emerg | L::Alert | L::Critical | L::Error => {
            tracing::error!(target: "rdkafka", facility, "{message}")
        }
        L::Warning => tracing::warn!(target: "rdkafka", facility, "{message}"),
        L::Notice | L::Info => tracing::info!(target: "rdkafka", facility, "{message}"),
        L::Debug => tracing::debug!(target: "rdkafka", facility, "{message}"),
    });
}

/// A librdkafka client error, attributed to `span` as [`client_log`] does.
pub(crate) fn client_error(span: &tracing::Span, error: rdkafka::error::KafkaError, reason: &str) {
    span.in_scope(|| tracing::warn!(target: "rdkafka", "Kafka client error: {error}: {reason}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_only_keys_are_skipped_and_overrides_win() {
        let settings = KafkaSettings {
            bootstrap_servers: "127.0.0.1:1".into(),
            producer: vec![
                ("key.serializer".into(), "x".into()),
                ("linger.ms".into(), "7".into()),
            ],
            consumer: vec![("max.poll.records".into(), "42".into())],
            admin: Vec::new(),
        };
        let p = settings.producer_config("c", &[("linger.ms".into(), "9".into())]);
        assert_eq!(p.get("linger.ms"), Some("9"));
        assert_eq!(p.get("key.serializer"), None);
        assert_eq!(p.get("partitioner"), Some("murmur2_random"));
        let c = settings.consumer_config("sink", "c", &[]);
        assert_eq!(c.get("group.id"), Some("connect-sink"));
        assert_eq!(c.get("max.poll.records"), None);
        assert_eq!(settings.max_poll_records(&[]), 42);
    }

    /// Sink consumers do not pause a partition for librdkafka's default
    /// second once 100,000 records are prefetched, unless told to.
    #[test]
    fn sink_consumers_back_off_briefly_and_the_user_wins() {
        let mut settings = KafkaSettings {
            bootstrap_servers: "127.0.0.1:1".into(),
            producer: Vec::new(),
            consumer: Vec::new(),
            admin: Vec::new(),
        };
        let c = settings.consumer_config("sink", "c", &[]);
        assert_eq!(c.get("fetch.queue.backoff.ms"), Some("10"));
        // librdkafka takes the value (it rejects what it does not know).
        let _: BaseConsumer = c.create().unwrap();
        settings.consumer = vec![("fetch.queue.backoff.ms".into(), "500".into())];
        let c = settings.consumer_config("sink", "c", &[]);
        assert_eq!(c.get("fetch.queue.backoff.ms"), Some("500"));
        let c = settings.consumer_config(
            "sink",
            "c",
            &[("fetch.queue.backoff.ms".into(), "7".into())],
        );
        assert_eq!(c.get("fetch.queue.backoff.ms"), Some("7"));
    }
}
