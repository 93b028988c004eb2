//! Consuming many messages per call: a queue of the consumer's own into
//! which assigned partitions are forwarded, read with librdkafka's
//! `rd_kafka_consume_batch_queue`.
//!
//! Why: rdkafka's `poll` goes through librdkafka's event API, one message
//! per call. Each call reads the clock (librdkafka and rdkafka both), wraps
//! the message in an event and an `Arc`, and frees both when the message is
//! dropped; for a sink that moves 100-byte records this was a third of the
//! worker's CPU (BENCHMARKS.md, the FileStreamSink section). The batch call
//! takes up to N messages under one clock read. It cannot be used on the
//! consumer's own queue: there it would serve a rebalance by unassigning
//! everything (librdkafka does that when the application set no rebalance
//! callback, and rdkafka sets none, it uses events). So the consumer queue
//! keeps carrying rebalances, errors and commits to rdkafka's `poll`, and
//! each partition's fetch queue is forwarded here once it is assigned.
//!
//! Records fetched before their partition was forwarded are still on the
//! consumer queue: a reader keeps each partition's order by emptying the
//! consumer queue after its last [`BatchQueue::forward`] and before taking
//! from this queue.
//!
//! All `unsafe` of this crate's Kafka side lives here, in small blocks on
//! librdkafka calls whose contracts the comments quote.

use std::ffi::{CStr, CString, c_void};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::bindings as rdsys;
use rdkafka::consumer::{Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{IsError, KafkaError};
use rdkafka::message::{BorrowedHeaders, Message, Timestamp};

/// Called on a librdkafka thread when a message lands in an empty queue.
type ReadyFn = dyn Fn() + Send + Sync;

/// A batch queue failed.
#[derive(Debug, thiserror::Error)]
pub enum BatchQueueError {
    /// librdkafka would not create the queue.
    #[error("librdkafka could not create a consumer queue")]
    Create,
    /// The partition is unknown to the client (not assigned).
    #[error("cannot forward partition {topic}[{partition}]: unknown to the consumer")]
    Partition {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// `rd_kafka_consume_batch_queue` failed.
    #[error("consuming a batch failed: {0}")]
    Consume(KafkaError),
}

/// Partitions assigned and not yet forwarded to a [`BatchQueue`]: a
/// consumer context's `post_rebalance` (which runs inside rdkafka's `poll`)
/// notes them, the queue's owner forwards them
/// ([`BatchQueue::forward_pending`]) after that `poll`.
#[derive(Debug, Default)]
pub struct Unforwarded(Mutex<Vec<(String, i32)>>);

impl Unforwarded {
    /// Note the partitions of an assignment (a revocation needs nothing:
    /// its records are dropped by librdkafka wherever they wait).
    pub fn note(&self, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(list) = rebalance {
            let mut pending = match self.0.lock() {
                Ok(p) => p,
                Err(p) => p.into_inner(),
            };
            for e in list.elements() {
                pending.push((e.topic().to_owned(), e.partition()));
            }
        }
    }

    /// Whether every partition noted so far was forwarded.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        match self.0.lock() {
            Ok(p) => p.is_empty(),
            Err(p) => p.into_inner().is_empty(),
        }
    }

    fn take(&self) -> Vec<(String, i32)> {
        match self.0.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        }
    }
}

/// A queue of the consumer's own, read in batches. Holds the consumer so
/// that the consumer (whose `rd_kafka_t` the queue points into) is
/// destroyed only after the queue.
pub struct BatchQueue<C: ConsumerContext + 'static, K: Consumer<C>> {
    queue: NonNull<rdsys::rd_kafka_queue_t>,
    /// Pointers filled by librdkafka, reused across calls.
    buffer: Vec<*mut rdsys::rd_kafka_message_t>,
    /// The callback's box: its address is the queue's event opaque, so it
    /// must not move or drop while the callback is enabled.
    _ready: Box<Box<ReadyFn>>,
    consumer: Arc<K>,
    _context: PhantomData<fn() -> C>,
}

// SAFETY: librdkafka's queue and message functions are thread-safe (every
// queue operation takes the queue's lock); the pointers in `buffer` are
// only read by the owner of the `BatchQueue` (`take` needs `&mut self`).
#[allow(unsafe_code, reason = "see the SAFETY comment")]
unsafe impl<C: ConsumerContext + 'static, K: Consumer<C> + Send + Sync> Send for BatchQueue<C, K> {}

/// The trampoline librdkafka calls; `opaque` is the `ReadyFn` box.
#[allow(unsafe_code, reason = "FFI callback, see the SAFETY comment")]
unsafe extern "C" fn on_ready(_rk: *mut rdsys::rd_kafka_t, opaque: *mut c_void) {
    // SAFETY: `opaque` is the address of the `Box<ReadyFn>` inside
    // `BatchQueue::_ready`, which outlives the callback: `Drop` disables the
    // callback (under the queue's lock, so no call is running) before the
    // box is dropped.
    let ready = unsafe { &*(opaque as *const Box<ReadyFn>) };
    ready();
}

impl<C: ConsumerContext + 'static, K: Consumer<C>> BatchQueue<C, K> {
    /// A new, empty queue on `consumer`; `ready` is called (on a
    /// librdkafka thread, so it must be quick and must not call into the
    /// consumer) whenever a message lands in the queue while it is empty.
    pub fn new(
        consumer: Arc<K>,
        ready: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, BatchQueueError> {
        let rk = consumer.client().native_ptr();
        // SAFETY: `rk` is the live client of `consumer`, which the queue
        // keeps alive.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        let queue = NonNull::new(unsafe { rdsys::rd_kafka_queue_new(rk) })
            .ok_or(BatchQueueError::Create)?;
        let ready: Box<Box<ReadyFn>> = Box::new(Box::new(ready));
        let opaque = &*ready as *const Box<ReadyFn> as *mut c_void;
        // SAFETY: the queue is live; `opaque` stays valid until `Drop`
        // disables the callback (see `on_ready`).
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        unsafe {
            rdsys::rd_kafka_queue_cb_event_enable(queue.as_ptr(), Some(on_ready), opaque)
        };
        Ok(Self {
            queue,
            buffer: Vec::new(),
            _ready: ready,
            consumer,
            _context: PhantomData,
        })
    }

    /// Send the messages of an assigned partition here instead of to the
    /// consumer queue (those already fetched move along). Forwarding a
    /// partition again is harmless; a partition keeps its forward after it
    /// is revoked, until librdkafka forgets it.
    pub fn forward(&self, topic: &str, partition: i32) -> Result<(), BatchQueueError> {
        let unknown = || BatchQueueError::Partition {
            topic: topic.to_owned(),
            partition,
        };
        let name = CString::new(topic).map_err(|_| unknown())?;
        let rk = self.consumer.client().native_ptr();
        // SAFETY: `rk` is live (held through `self.consumer`), `name` is a
        // NUL-terminated string that outlives the call. The call returns a
        // new handle on the partition's fetch queue, or NULL.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        let fetchq = unsafe { rdsys::rd_kafka_queue_get_partition(rk, name.as_ptr(), partition) };
        let fetchq = NonNull::new(fetchq).ok_or_else(unknown)?;
        // SAFETY: both handles are live; forwarding takes its own reference
        // on our queue, so the partition's handle can be destroyed at once.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        unsafe {
            rdsys::rd_kafka_queue_forward(fetchq.as_ptr(), self.queue.as_ptr());
            rdsys::rd_kafka_queue_destroy(fetchq.as_ptr());
        }
        Ok(())
    }

    /// Forward the partitions noted in `pending` since the last call;
    /// returns whether there were any. A partition that cannot be
    /// forwarded goes to `failed` and keeps coming through the consumer
    /// queue.
    pub fn forward_pending(
        &self,
        pending: &Unforwarded,
        mut failed: impl FnMut(BatchQueueError),
    ) -> bool {
        let assigned = pending.take();
        for (topic, partition) in &assigned {
            if let Err(e) = self.forward(topic, *partition) {
                failed(e);
            }
        }
        !assigned.is_empty()
    }

    /// Take up to `max` messages, waiting at most `timeout` (librdkafka
    /// waits until it has `max` or the time is up; pass zero to take only
    /// what is there). The messages are freed when the [`Taken`] drops.
    pub fn take(&mut self, max: usize, timeout: Duration) -> Result<Taken<'_>, BatchQueueError> {
        self.buffer.clear();
        self.buffer.reserve(max);
        let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the queue is live and `buffer` has room for `max`
        // pointers; librdkafka writes at most `max` and returns how many
        // (or -1 on error, writing none).
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        let n = unsafe {
            rdsys::rd_kafka_consume_batch_queue(
                self.queue.as_ptr(),
                timeout_ms,
                self.buffer.as_mut_ptr(),
                max,
            )
        };
        let Ok(n) = usize::try_from(n) else {
            // SAFETY: reads librdkafka's thread-local last error.
            #[allow(unsafe_code, reason = "see the SAFETY comment")]
            let code = unsafe { rdsys::rd_kafka_last_error() };
            return Err(BatchQueueError::Consume(KafkaError::MessageConsumption(
                code.into(),
            )));
        };
        // SAFETY: librdkafka initialized the first `n` (≤ `max` ≤
        // capacity) pointers, each a message this queue now owns.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        unsafe {
            self.buffer.set_len(n.min(max))
        };
        Ok(Taken {
            messages: &mut self.buffer,
        })
    }
}

impl<C: ConsumerContext + 'static, K: Consumer<C>> Drop for BatchQueue<C, K> {
    fn drop(&mut self) {
        // SAFETY: the queue is live. Disabling the callback takes the
        // queue's lock, which librdkafka holds while it calls the callback,
        // so after this no call is running and `ready` may drop. Destroying
        // our handle disables the queue: partitions still forwarded here
        // have their messages freed on arrival (their offsets were never
        // given out, so nothing is lost: they are read again).
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        unsafe {
            rdsys::rd_kafka_queue_cb_event_enable(self.queue.as_ptr(), None, std::ptr::null_mut());
            rdsys::rd_kafka_queue_destroy(self.queue.as_ptr());
        }
    }
}

/// Messages taken by one [`BatchQueue::take`]; freed on drop.
pub struct Taken<'q> {
    messages: &'q mut Vec<*mut rdsys::rd_kafka_message_t>,
}

impl Taken<'_> {
    /// How many messages (errors included).
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether nothing was taken.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The messages in queue order; a consumer error comes as `Err`.
    pub fn iter(&self) -> impl Iterator<Item = Result<QueuedMessage<'_>, KafkaError>> {
        // The topic name of the message before: a batch's messages mostly
        // share one topic handle, whose name is then measured and checked
        // once, not once a message. Every message of `self` (so every
        // handle it holds) lives until `self` drops.
        let mut last: Option<(*mut rdsys::rd_kafka_topic_t, &str)> = None;
        self.messages.iter().map(move |&ptr| {
            // SAFETY: `ptr` is a message librdkafka returned to us and
            // that is destroyed only when `self` drops, after this borrow.
            #[allow(unsafe_code, reason = "see the SAFETY comment")]
            let msg = unsafe { &*ptr };
            let known = last
                .filter(|(rkt, _)| *rkt == msg.rkt)
                .map(|(_, name)| name);
            let m = QueuedMessage::new(msg, known)?;
            last = Some((msg.rkt, m.topic));
            Ok(m)
        })
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        for ptr in self.messages.drain(..) {
            // SAFETY: each pointer is a message librdkafka gave us, freed
            // exactly once (drained from the buffer).
            #[allow(unsafe_code, reason = "see the SAFETY comment")]
            unsafe {
                rdsys::rd_kafka_message_destroy(ptr)
            };
        }
    }
}

/// A message borrowed from a [`Taken`].
pub struct QueuedMessage<'a> {
    msg: &'a rdsys::rd_kafka_message_t,
    topic: &'a str,
}

impl<'a> QueuedMessage<'a> {
    /// The message, with its topic's name when already known (`topic`, the
    /// name of the same topic handle).
    fn new(msg: &'a rdsys::rd_kafka_message_t, topic: Option<&'a str>) -> Result<Self, KafkaError> {
        if msg.err.is_error() {
            return Err(match msg.err {
                rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__PARTITION_EOF => {
                    KafkaError::PartitionEOF(msg.partition)
                }
                e => KafkaError::MessageConsumption(e.into()),
            });
        }
        let bad_topic =
            || KafkaError::MessageConsumption(rdkafka::types::RDKafkaErrorCode::UnknownTopic);
        if msg.rkt.is_null() {
            return Err(bad_topic());
        }
        if let Some(topic) = topic {
            return Ok(Self { msg, topic });
        }
        // SAFETY: a message without error has its topic handle set; the
        // name lives as long as the handle, which the message holds.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        let name = unsafe { CStr::from_ptr(rdsys::rd_kafka_topic_name(msg.rkt)) };
        // Kafka topic names are ASCII ([a-zA-Z0-9._-]).
        let topic = name.to_str().map_err(|_| bad_topic())?;
        Ok(Self { msg, topic })
    }

    fn slice(ptr: *const c_void, len: usize) -> Option<&'a [u8]> {
        if ptr.is_null() {
            return None;
        }
        // SAFETY: librdkafka's key and payload pointers point to `len`
        // bytes owned by the message, which outlives `'a`.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, len) })
    }
}

impl Message for QueuedMessage<'_> {
    type Headers = BorrowedHeaders;

    fn key(&self) -> Option<&[u8]> {
        Self::slice(self.msg.key, self.msg.key_len)
    }

    fn payload(&self) -> Option<&[u8]> {
        Self::slice(self.msg.payload, self.msg.len)
    }

    /// Always `None`: the message is shared, read-only.
    #[allow(unsafe_code, reason = "the trait's method is unsafe")]
    unsafe fn payload_mut(&mut self) -> Option<&mut [u8]> {
        None
    }

    fn topic(&self) -> &str {
        self.topic
    }

    fn partition(&self) -> i32 {
        self.msg.partition
    }

    fn offset(&self) -> i64 {
        self.msg.offset
    }

    fn timestamp(&self) -> Timestamp {
        use rdsys::rd_kafka_timestamp_type_t as T;
        let mut kind = T::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        // SAFETY: the message is live; the call only reads it.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        let ts = unsafe { rdsys::rd_kafka_message_timestamp(self.msg, &mut kind) };
        match kind {
            _ if ts == -1 => Timestamp::NotAvailable,
            T::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE => Timestamp::NotAvailable,
            T::RD_KAFKA_TIMESTAMP_CREATE_TIME => Timestamp::CreateTime(ts),
            T::RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME => Timestamp::LogAppendTime(ts),
        }
    }

    fn headers(&self) -> Option<&BorrowedHeaders> {
        let mut headers = std::ptr::null_mut();
        let msg = self.msg as *const rdsys::rd_kafka_message_t as *mut _;
        // SAFETY: the message is live; librdkafka parses its headers once
        // and keeps them with the message (the pointer lives as long).
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        let err = unsafe { rdsys::rd_kafka_message_headers(msg, &mut headers) };
        if err.is_error() || headers.is_null() {
            return None;
        }
        // SAFETY: `BorrowedHeaders` is rdkafka's zero-sized stand-in whose
        // address *is* the native header list (rdkafka 0.39 makes it the
        // same way, `BorrowedHeaders::from_native_ptr`); the list lives as
        // long as the message, which `&self` borrows.
        #[allow(unsafe_code, reason = "see the SAFETY comment")]
        Some(unsafe { &*(headers as *const BorrowedHeaders) })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::Instant;

    use rdkafka::consumer::BaseConsumer;
    use rdkafka::message::{Header, Headers, OwnedHeaders};
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    use rdkafka::{ClientConfig, ClientContext};

    use super::*;

    /// Notes assigned partitions, as a sink task's context does.
    #[derive(Default)]
    struct Assigned(Unforwarded);

    impl ClientContext for Assigned {}

    impl ConsumerContext for Assigned {
        fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
            self.0.note(rebalance);
        }
    }

    /// A consumer of group `g` on a mock cluster, reading from the start,
    /// committing nothing by itself, joining quickly.
    pub(crate) fn group_consumer_config(bootstrap: &str) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", bootstrap)
            .set("group.id", "g")
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "false")
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "500");
        config
    }

    /// `m` is record `2 * offset + partition` as produced below, the next
    /// of its partition.
    fn check(m: &impl Message, next: &mut [i64; 2]) {
        let text = |b: Option<&[u8]>| String::from_utf8(b.unwrap().to_vec()).unwrap();
        let (partition, offset) = (m.partition(), m.offset());
        assert_eq!(offset, next[partition as usize], "partition {partition}");
        next[partition as usize] += 1;
        let i = 2 * offset + i64::from(partition);
        assert_eq!(text(m.key()), format!("k{i}"));
        assert_eq!(text(m.payload()), format!("v{i}"));
        assert_eq!(m.timestamp(), Timestamp::CreateTime(1_000 + i));
        let headers = m.headers().unwrap();
        assert_eq!(headers.count(), 1);
        let header = headers.get(0);
        assert_eq!((header.key, text(header.value)), ("h", format!("v{i}")));
    }

    fn producer(bootstrap: &str) -> ThreadedProducer<DefaultProducerContext> {
        ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .create()
            .unwrap()
    }

    /// A group consumer that notes its assignments, subscribed to `topics`.
    fn subscribed(bootstrap: &str, topics: &[&str]) -> Arc<BaseConsumer<Assigned>> {
        let consumer: Arc<BaseConsumer<Assigned>> = Arc::new(
            group_consumer_config(bootstrap)
                .create_with_context(Assigned::default())
                .unwrap(),
        );
        consumer.subscribe(topics).unwrap();
        consumer
    }

    /// Every record of a subscribed topic comes through the consumer
    /// queue (before its partition is forwarded) or the batch queue, whole
    /// (key, value, headers, timestamp) and in order within its
    /// partition; the ready callback fires.
    #[test]
    fn batches_hold_every_record_in_partition_order() {
        let cluster = MockCluster::<DefaultProducerContext>::new(1).unwrap();
        cluster.create_topic("t", 2, 1).unwrap();
        let bootstrap = cluster.bootstrap_servers();
        let producer = producer(&bootstrap);
        const N: i32 = 2_000;
        for i in 0..N {
            let key = format!("k{i}");
            let value = format!("v{i}");
            let headers = OwnedHeaders::new().insert(Header {
                key: "h",
                value: Some(value.as_bytes()),
            });
            producer
                .send(
                    BaseRecord::to("t")
                        .partition(i % 2)
                        .key(&key)
                        .payload(&value)
                        .timestamp(1_000 + i64::from(i))
                        .headers(headers),
                )
                .unwrap();
        }
        producer.flush(Duration::from_secs(10)).unwrap();

        let consumer = subscribed(&bootstrap, &["t"]);
        let rang = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let bell = rang.clone();
        let mut queue = BatchQueue::new(consumer.clone(), move || {
            bell.store(true, std::sync::atomic::Ordering::Relaxed)
        })
        .unwrap();

        let mut next = [0i64; 2];
        let (mut from_consumer, mut from_queue) = (0, 0);
        let deadline = Instant::now() + Duration::from_secs(30);
        while next.iter().sum::<i64>() < i64::from(N) {
            assert!(Instant::now() < deadline, "only {next:?} read");
            if let Some(m) = consumer.poll(Duration::ZERO) {
                let m = m.unwrap();
                check(&m, &mut next);
                from_consumer += 1;
                continue;
            }
            if queue.forward_pending(&consumer.context().0, |e| panic!("{e}")) {
                continue;
            }
            let taken = queue.take(300, Duration::from_millis(50)).unwrap();
            assert!(taken.len() <= 300);
            for m in taken.iter() {
                let m = m.unwrap();
                check(&m, &mut next);
                from_queue += 1;
            }
        }
        assert_eq!(from_consumer + from_queue, N);
        assert!(from_queue > 0, "nothing came through the batch queue");
        assert!(rang.load(std::sync::atomic::Ordering::Relaxed));
        assert!(matches!(
            queue.forward("t\0", 0),
            Err(BatchQueueError::Partition { .. })
        ));
    }

    /// A batch mixing topics names each message's own topic (the name is
    /// looked up again whenever the topic handle changes).
    #[test]
    fn mixed_topics_keep_their_names() {
        let cluster = MockCluster::<DefaultProducerContext>::new(1).unwrap();
        cluster.create_topic("t", 1, 1).unwrap();
        cluster.create_topic("other", 1, 1).unwrap();
        let bootstrap = cluster.bootstrap_servers();
        let producer = producer(&bootstrap);
        const N: usize = 1_000;
        for i in 0..N {
            let topic = if i % 3 == 0 { "other" } else { "t" };
            let value = format!("{topic}:{i}");
            producer
                .send(BaseRecord::<(), _>::to(topic).payload(&value))
                .unwrap();
        }
        producer.flush(Duration::from_secs(10)).unwrap();
        let consumer = subscribed(&bootstrap, &["t", "other"]);
        let mut queue = BatchQueue::new(consumer.clone(), || {}).unwrap();
        let (mut seen, mut mixed) = (0, false);
        let deadline = Instant::now() + Duration::from_secs(30);
        let check = |topic: &str, payload: Option<&[u8]>| {
            let value = String::from_utf8(payload.unwrap().to_vec()).unwrap();
            assert_eq!(value.split(':').next(), Some(topic), "{value}");
        };
        while seen < N {
            assert!(Instant::now() < deadline, "only {seen} read");
            if let Some(m) = consumer.poll(Duration::ZERO) {
                let m = m.unwrap();
                check(m.topic(), m.payload());
                seen += 1;
                continue;
            }
            if queue.forward_pending(&consumer.context().0, |e| panic!("{e}")) {
                continue;
            }
            let taken = queue.take(N, Duration::from_millis(50)).unwrap();
            let mut topics = std::collections::BTreeSet::new();
            for m in taken.iter() {
                let m = m.unwrap();
                check(m.topic(), m.payload());
                topics.insert(m.topic().to_owned());
                seen += 1;
            }
            mixed |= topics.len() == 2;
        }
        assert!(mixed, "no batch held both topics");
    }
}
