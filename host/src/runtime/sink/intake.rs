//! Where a sink task's records come from, a batch at a time.
//!
//! Two queues: rdkafka's consumer queue, served by its `poll` (rebalances,
//! errors, commit results, and records fetched before their partition was
//! forwarded), and the task's [`BatchQueue`], which gets every assigned
//! partition's records once forwarded and is read up to
//! `max.poll.records` per librdkafka call (see `kafka::batch` for why).
//! A partition's records reach the consumer queue only until it is
//! forwarded, so emptying the consumer queue after the last forward and
//! before taking from the batch queue keeps each partition in order.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use rdkafka::Message;
use rdkafka::consumer::MessageStream;
use rdkafka::error::KafkaResult;
use rdkafka::message::BorrowedMessage;
use tokio::sync::Notify;
use tokio::time::{Instant, sleep_until};
use wasm_connect_sdk::Batch;

use super::{RebalanceLog, SinkConsumer, SinkContext, append, rewind};
use crate::kafka::batch::{BatchQueue, Unforwarded};
use crate::runtime::{Control, TaskError};

/// The batch queue of a sink task's consumer.
type SinkQueue = BatchQueue<SinkContext, SinkConsumer>;

/// Records read in one turn.
#[derive(Default)]
pub(super) struct Intaken {
    /// The records, as consumed (bytes, no schemas).
    pub raw: Batch,
    /// Next offset per (topic index in `raw`, partition): a few entries a
    /// batch, nothing allocated per message.
    pub consumed: Vec<(u32, i32, i64)>,
}

impl Intaken {
    fn add<M: Message>(&mut self, m: KafkaResult<M>, read_headers: bool) -> Result<(), TaskError> {
        match m {
            Ok(msg) => {
                let topic = append(&mut self.raw, &msg, read_headers)
                    .map_err(|e| TaskError::Other(e.to_string()))?;
                let (partition, next_offset) = (msg.partition(), msg.offset() + 1);
                match self
                    .consumed
                    .iter_mut()
                    .find(|(t, p, _)| *t == topic && *p == partition)
                {
                    Some(slot) => slot.2 = next_offset,
                    None => self.consumed.push((topic, partition, next_offset)),
                }
            }
            Err(e) => tracing::warn!("Consumer error: {e}"),
        }
        Ok(())
    }
}

/// A waker that only notes that it was woken: rdkafka's stream wakes the
/// polling task after consuming a non-message event (a commit result, a
/// rebalance), which tells "served an event, maybe more behind it" apart
/// from "empty".
#[derive(Default)]
struct Woken(std::sync::atomic::AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A sink task's two queues.
pub(super) struct Intake<'c> {
    messages: MessageStream<'c, SinkContext>,
    queue: SinkQueue,
    /// Notified by librdkafka when the batch queue gets a message.
    ready: Arc<Notify>,
    unforwarded: Arc<Unforwarded>,
    /// Woken when the consumer notes an assignment change, which the task
    /// loop handles between batches (a revocation waits for it).
    changed: Arc<Notify>,
    read_headers: bool,
    max_records: usize,
    /// The waker `buffered` polls the consumer queue with, and its flag.
    woken: Arc<Woken>,
    waker: Waker,
    /// Records and data bytes of the last batch read: the next one gets
    /// that much room up front, instead of growing record by record.
    last_size: (usize, usize),
}

impl<'c> Intake<'c> {
    pub(super) fn new(
        consumer: &'c Arc<SinkConsumer>,
        log: &RebalanceLog,
        read_headers: bool,
        max_records: usize,
    ) -> Result<Self, TaskError> {
        let woken = Arc::new(Woken::default());
        let ready = Arc::new(Notify::new());
        let notify = ready.clone();
        let queue = BatchQueue::new(consumer.clone(), move || notify.notify_one())
            .map_err(|e| TaskError::Other(e.to_string()))?;
        Ok(Self {
            // One stream for the task's life: a `recv()` per message would
            // register and drop a waker each time.
            messages: consumer.stream(),
            queue,
            ready,
            unforwarded: log.unforwarded.clone(),
            changed: log.changed.clone(),
            read_headers,
            max_records,
            waker: Waker::from(woken.clone()),
            woken,
            last_size: (0, 0),
        })
    }

    /// Read a batch of up to `max.poll.records` records, waiting (until
    /// `wake`, a stop, an assignment change, or records) when none is
    /// there; the batch is empty when nothing came.
    pub(super) async fn next(
        &mut self,
        wake: Instant,
        subscribed: bool,
        stop: &mut Control,
    ) -> Result<Intaken, TaskError> {
        let mut got = Intaken::default();
        got.raw.reserve(self.last_size.0, self.last_size.1);
        self.fill(&mut got)?;
        if got.raw.is_empty() {
            self.wait_and_fill(&mut got, wake, subscribed, stop).await?;
        }
        if !got.raw.is_empty() {
            self.last_size = (got.raw.len(), got.raw.data().len());
        }
        Ok(got)
    }

    /// Nothing was waiting: wait (until `wake`, a stop, an assignment
    /// change, or records), then read what came.
    async fn wait_and_fill(
        &mut self,
        got: &mut Intaken,
        wake: Instant,
        subscribed: bool,
        stop: &mut Control,
    ) -> Result<(), TaskError> {
        let first = tokio::select! {
            m = self.messages.next(), if subscribed => m,
            _ = self.ready.notified() => None,
            _ = self.changed.notified() => None,
            _ = sleep_until(wake) => None,
            _ = crate::runtime::stopped(stop) => None,
        };
        if let Some(m) = first {
            got.add(m, self.read_headers)?;
        }
        self.fill(got)
    }

    /// While paused: wait (until `wake`, a change of state, or records)
    /// and seek back every partition whose records arrive (one assigned
    /// during the pause; see [`rewind`]).
    pub(super) async fn paused(
        &mut self,
        consumer: &SinkConsumer,
        wake: Instant,
        subscribed: bool,
        stop: &mut Control,
        rewound: &mut Vec<(String, i32)>,
    ) -> Result<(), TaskError> {
        tokio::select! {
            m = self.messages.next(), if subscribed => {
                if let Some(Ok(msg)) = m {
                    rewind(consumer, &msg, rewound);
                }
            }
            _ = self.ready.notified() => {}
            _ = self.changed.notified() => {}
            _ = sleep_until(wake) => {}
            _ = crate::runtime::changed(stop) => {}
        }
        self.forward_assigned();
        let taken = self
            .queue
            .take(self.max_records, Duration::ZERO)
            .map_err(|e| TaskError::Other(e.to_string()))?;
        for msg in taken.iter().flatten() {
            rewind(consumer, &msg, rewound);
        }
        Ok(())
    }

    /// Read what is waiting, up to `max.poll.records`, without waiting:
    /// the consumer queue until it is empty after the last forward, then
    /// the batch queue.
    ///
    /// Partitions are forwarded first, before the consumer queue is read:
    /// from then on their new records go to the batch queue, and the
    /// consumer queue only holds older ones, which it gives first. Waiting
    /// for the consumer queue to run dry before forwarding (as this did)
    /// meant never forwarding while the fetcher kept it full: a task that
    /// never waited for records read every record one `poll` at a time.
    fn fill(&mut self, got: &mut Intaken) -> Result<(), TaskError> {
        self.forward_assigned();
        loop {
            while got.raw.len() < self.max_records {
                match buffered(&mut self.messages, &self.woken, &self.waker) {
                    Some(m) => got.add(m, self.read_headers)?,
                    None => break,
                }
            }
            if got.raw.len() >= self.max_records {
                return Ok(());
            }
            // A rebalance served while reading (rdkafka runs
            // `post_rebalance` inside its `poll`): forward its partitions,
            // then read what reached the consumer queue before that.
            if !self.forward_assigned() {
                break;
            }
        }
        let taken = self
            .queue
            .take(self.max_records - got.raw.len(), Duration::ZERO)
            .map_err(|e| TaskError::Other(e.to_string()))?;
        for m in taken.iter() {
            got.add(m, self.read_headers)?;
        }
        Ok(())
    }

    /// Forward the partitions assigned since the last call to the batch
    /// queue; returns whether there were any.
    fn forward_assigned(&mut self) -> bool {
        self.queue.forward_pending(&self.unforwarded, |e| {
            tracing::warn!("Reading a partition one record at a time: {e}")
        })
    }
}

/// The next message if one is already waiting in the consumer queue; never
/// waits (a batch takes what is there, as Apache's `poll` does). Goes on
/// past non-message events (commit results, rebalances) that rdkafka
/// serves on the way.
fn buffered<'a>(
    messages: &mut MessageStream<'a, SinkContext>,
    woken: &Woken,
    waker: &Waker,
) -> Option<KafkaResult<BorrowedMessage<'a>>> {
    let mut cx = Context::from_waker(waker);
    loop {
        match std::pin::Pin::new(&mut *messages).poll_next(&mut cx) {
            Poll::Ready(m) => return m,
            Poll::Pending if woken.0.swap(false, std::sync::atomic::Ordering::Relaxed) => {}
            Poll::Pending => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use rdkafka::ClientConfig;
    use rdkafka::consumer::Consumer;
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

    use super::super::RebalanceLog;
    use super::*;
    use crate::storage::TargetState;

    /// A partition is forwarded to the batch queue even while the consumer
    /// queue holds a batch's worth of its records (which is how a fast
    /// fetcher keeps it), and every record still comes once, in order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn partitions_are_forwarded_while_the_consumer_queue_is_full() {
        let cluster = MockCluster::<DefaultProducerContext>::new(1).unwrap();
        cluster.create_topic("t", 1, 1).unwrap();
        let bootstrap = cluster.bootstrap_servers();
        // One message set, so one fetch response: the first record and the
        // rest of the batch land in the consumer queue together.
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("linger.ms", "1000")
            .create()
            .unwrap();
        const N: i64 = 5_000;
        for i in 0..N {
            let value = format!("v{i}");
            producer
                .send(BaseRecord::<(), _>::to("t").payload(&value))
                .unwrap();
        }
        producer.flush(Duration::from_secs(10)).unwrap();

        let log = Arc::new(RebalanceLog::default());
        let consumer: Arc<SinkConsumer> = Arc::new(
            crate::kafka::batch::tests::group_consumer_config(&bootstrap)
                .create_with_context(SinkContext {
                    log: log.clone(),
                    span: tracing::Span::none(),
                })
                .unwrap(),
        );
        consumer.subscribe(&["t"]).unwrap();
        let mut intake = Intake::new(&consumer, &log, false, 500).unwrap();
        let (_control, mut stop) = tokio::sync::watch::channel(TargetState::Started);

        let mut next = 0i64;
        let mut forwarded_at_first_batch = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while next < N {
            assert!(std::time::Instant::now() < deadline, "only {next} read");
            // As a task waits (for its next commit): the assignment is
            // served while waiting, and the wait goes on until records come.
            let wake = Instant::now() + Duration::from_secs(10);
            let got = intake.next(wake, true, &mut stop).await.unwrap();
            assert!(got.raw.len() <= 500);
            if !got.raw.is_empty() && forwarded_at_first_batch.is_none() {
                forwarded_at_first_batch = Some(log.unforwarded.is_empty());
            }
            for r in got.raw.iter() {
                assert_eq!(r.offset(), Some(next));
                next += 1;
            }
        }
        assert_eq!(
            forwarded_at_first_batch,
            Some(true),
            "the partition was still not forwarded after the first batch"
        );
    }
}
