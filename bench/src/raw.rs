//! The raw side: a plain rdkafka producer and consumer, with the client
//! settings wasm-connect's tasks use, run as a child process so that its
//! CPU time is its own. Each prints one JSON line with what it measured.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use wasm_connect::kafka::KafkaSettings;
use wasm_connect_plugin_datagen::{key_bytes, text_bytes};
use wasm_connect_sdk::layout::{Node, RecordDesc, TimestampType};
use wasm_connect_sdk::{Batch, Config, Converter, SinkTask, Target, Transform};

/// The settings a worker gives its tasks' clients in these benchmarks
/// (the e2e harness's worker file: short group timeouts for tansu).
pub fn settings(bootstrap: &str) -> KafkaSettings {
    KafkaSettings {
        bootstrap_servers: bootstrap.to_owned(),
        producer: Vec::new(),
        consumer: vec![
            ("session.timeout.ms".into(), "2000".into()),
            ("heartbeat.interval.ms".into(), "500".into()),
        ],
        admin: Vec::new(),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Which broker and topic, and how many records.
#[derive(clap::Args)]
pub struct Topic {
    #[arg(long)]
    bootstrap: String,
    #[arg(long)]
    topic: String,
    #[arg(long)]
    records: u64,
}

/// What to produce.
#[derive(clap::Args)]
pub struct ProduceArgs {
    #[command(flatten)]
    target: Topic,
    #[arg(long, default_value_t = 8)]
    key_size: usize,
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Records per second (none: as fast as the producer takes them).
    #[arg(long)]
    rate: Option<f64>,
    /// Values as JsonConverter writes datagen's 6-field structs
    /// (`schemas.enable=true`) instead of datagen's bytes.
    #[arg(long)]
    json: bool,
}

/// Counts acknowledgements, as a source task's delivery callback does.
struct Acks(Arc<AtomicU64>, Arc<AtomicU64>);

impl ClientContext for Acks {}

impl ProducerContext for Acks {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.0.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.1.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// Values for `--json`: datagen's struct records through the native
/// JsonConverter, in batches of 1,000.
fn json_values(records: u64, value_size: usize) -> Vec<Vec<u8>> {
    let config: Config = [
        ("topic", "x"),
        ("schema", "struct"),
        ("struct.fields", "6"),
        ("value.size", &value_size.to_string()),
        ("max.records", &records.to_string()),
    ]
    .into_iter()
    .collect();
    let settings = wasm_connect_plugin_datagen::Settings::parse(&config).unwrap();
    let mut generator = wasm_connect_plugin_datagen::Generator::new(&settings, 0);
    let mut json = wasm_connect_plugin_json::JsonConverter::configure(
        [("schemas.enable", "true")].into_iter().collect(),
        Target::Value,
    )
    .unwrap();
    let mut out = Vec::with_capacity(records as usize);
    while generator.remaining() > 0 {
        let count = generator.remaining().min(1000) as usize;
        let mut batch = generator.batch(count, "{}", 0).unwrap();
        json.from_connect(&mut batch).unwrap();
        for r in batch.iter() {
            match r.value().unwrap() {
                wasm_connect_sdk::ValueRef::Bytes(b) => out.push(b.to_vec()),
                other => panic!("JsonConverter wrote {other:?}"),
            }
        }
    }
    out
}

/// `produce`: datagen's records (same keys and values), with a plain
/// producer; prints `{"records", "seconds", "cpu_seconds"}`.
pub fn produce(args: &ProduceArgs) {
    let target = &args.target;
    let json = args
        .json
        .then(|| json_values(target.records, args.value_size));
    let acked = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let cpu0 = crate::proc::cpu("self");
    let started = Instant::now();
    let producer: ThreadedProducer<Acks> = settings(&target.bootstrap)
        .producer_config("bench-producer", &[])
        .create_with_context(Acks(acked.clone(), failed.clone()))
        .unwrap();
    let (mut key, mut value) = (Vec::new(), Vec::new());
    for id in 0..target.records {
        if let Some(rate) = args.rate {
            let due = started + Duration::from_secs_f64(id as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        key.clear();
        key_bytes(id, args.key_size, &mut key);
        let value: &[u8] = match &json {
            Some(values) => &values[id as usize],
            None => {
                value.clear();
                text_bytes(id, args.value_size, &mut value);
                &value
            }
        };
        let mut record = BaseRecord::to(&target.topic)
            .key(key.as_slice())
            .payload(value)
            .timestamp(now_ms());
        // As a source task does: wait while the producer's queue is full.
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => panic!("cannot produce: {e}"),
            }
        }
    }
    producer.flush(Duration::from_secs(300)).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        acked.load(Ordering::Relaxed),
        target.records,
        "not every record was acknowledged"
    );
    let cpu = crate::proc::cpu("self") - cpu0;
    println!(
        "{}",
        serde_json::json!({"records": target.records, "seconds": seconds, "cpu_seconds": cpu.as_secs_f64()})
    );
}

/// What to consume.
#[derive(clap::Args)]
pub struct ConsumeArgs {
    #[command(flatten)]
    target: Topic,
    /// The file the values go to, one per line.
    #[arg(long)]
    file: String,
    /// The group is `connect-<name>`, as a sink connector's.
    #[arg(long)]
    name: String,
    /// Run the natively compiled chain (ByteArrayConverter key,
    /// JsonConverter value, MaskField → InsertField → ReplaceField,
    /// FileStreamSink) instead of writing the values as they are.
    #[arg(long)]
    chain: bool,
    /// Take records with librdkafka's batch call on a queue of the
    /// consumer's own (`wasm_connect::kafka::batch`, what sink tasks use)
    /// instead of one `poll` per record.
    #[arg(long)]
    batch: bool,
    /// Extra consumer settings, `key=value` (repeatable): e.g. the
    /// librdkafka settings a worker's `consumer.*` gives its sink tasks,
    /// or `debug=fetch` to watch the fetch requests.
    #[arg(long = "set", value_parser = parse_setting)]
    settings: Vec<(String, String)>,
}

/// `key=value`.
pub fn parse_setting(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
}

/// The records per batch a sink task gets (`consumer.max.poll.records`).
const MAX_POLL_RECORDS: usize = wasm_connect::kafka::DEFAULT_MAX_POLL_RECORDS;
/// How often offsets are committed, as the benchmark's worker does.
const COMMIT_INTERVAL: Duration = Duration::from_secs(10);

/// The native form of the chain the `chain` scenario configures.
struct NativeChain {
    key: wasm_connect_plugin_converters::ByteArrayConverter,
    value: wasm_connect_plugin_json::JsonConverter,
    mask: wasm_connect_plugin_transforms::mask_field::MaskFieldValue,
    insert: wasm_connect_plugin_transforms::insert_field::InsertFieldValue,
    rename: wasm_connect_plugin_transforms::replace_field::ReplaceFieldValue,
    sink: wasm_connect_plugin_file::FileStreamSinkTask,
}

/// A transform of the chain: alias, class, settings.
pub type TransformSpec = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The chain's settings, shared with the wasm side's connector.
pub const CHAIN_TRANSFORMS: &[TransformSpec] = &[
    (
        "mask",
        "org.apache.kafka.connect.transforms.MaskField$Value",
        &[("fields", "f1")],
    ),
    (
        "insert",
        "org.apache.kafka.connect.transforms.InsertField$Value",
        &[("static.field", "origin"), ("static.value", "bench")],
    ),
    (
        "rename",
        "org.apache.kafka.connect.transforms.ReplaceField$Value",
        &[("renames", "f3:renamed")],
    ),
];

impl NativeChain {
    fn new(file: &str) -> Self {
        let config = |pairs: &[(&str, &str)]| -> Config { pairs.iter().copied().collect() };
        Self {
            key: Converter::configure(Config::new(), Target::Key).unwrap(),
            value: Converter::configure(config(&[("schemas.enable", "true")]), Target::Value)
                .unwrap(),
            mask: Transform::configure(config(CHAIN_TRANSFORMS[0].2)).unwrap(),
            insert: Transform::configure(config(CHAIN_TRANSFORMS[1].2)).unwrap(),
            rename: Transform::configure(config(CHAIN_TRANSFORMS[2].2)).unwrap(),
            sink: SinkTask::start(config(&[("file", file)])).unwrap(),
        }
    }

    /// What the host does with a batch, the plugin calls made directly:
    /// each step's output checked as the host checks a plugin's.
    fn put(&mut self, mut batch: Batch) {
        self.key.to_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        self.value.to_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        let batch = self.mask.apply(batch).unwrap();
        batch.validate().unwrap();
        let batch = self.insert.apply(batch).unwrap();
        batch.validate().unwrap();
        let batch = self.rename.apply(batch).unwrap();
        batch.validate().unwrap();
        self.sink.put(&batch).unwrap();
    }
}

/// A consumed message in a batch, as a sink task builds one: key and value
/// as bytes, no schemas (these records have no headers).
fn append(batch: &mut Batch, msg: &impl Message) {
    let topic = batch.intern_topic(msg.topic()).unwrap();
    let mut desc = RecordDesc {
        topic,
        partition: msg.partition(),
        offset: msg.offset(),
        ..RecordDesc::default()
    };
    if let Some(ts) = msg.timestamp().to_millis() {
        desc.set_timestamp(Some(ts), TimestampType::CreateTime);
    }
    if let Some(k) = msg.key() {
        let (start, len) = batch.push_bytes(k).unwrap();
        desc.key = Node::bytes(start, len);
    }
    if let Some(v) = msg.payload() {
        let (start, len) = batch.push_bytes(v).unwrap();
        desc.value = Node::bytes(start, len);
    }
    batch.push_desc(&desc);
}

/// Where the raw consumer's records go: the file (values, one a line) or
/// the native chain, a batch at a time.
struct Output {
    out: BufWriter<File>,
    chain: Option<NativeChain>,
    batch: Batch,
    /// Next offset per partition.
    offsets: Vec<(i32, i64)>,
}

impl Output {
    fn record(&mut self, msg: &impl Message) {
        match &mut self.chain {
            Some(_) => append(&mut self.batch, msg),
            None => {
                self.out
                    .write_all(msg.payload().unwrap_or_default())
                    .unwrap();
                self.out.write_all(b"\n").unwrap();
            }
        }
        match self.offsets.iter_mut().find(|(p, _)| *p == msg.partition()) {
            Some(slot) => slot.1 = msg.offset() + 1,
            None => self.offsets.push((msg.partition(), msg.offset() + 1)),
        }
    }

    /// The end of a batch: put it through the chain, or flush the file
    /// (FileStreamSink flushes after each `put`).
    fn end_batch(&mut self) {
        match &mut self.chain {
            Some(chain) => chain.put(std::mem::take(&mut self.batch)),
            None => self.out.flush().unwrap(),
        }
    }

    /// Flush the chain's sink and the file, fsync, then commit the offsets.
    fn commit<C: rdkafka::consumer::ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
        topic: &str,
    ) {
        if let Some(c) = &mut self.chain {
            SinkTask::flush(&mut c.sink, Vec::new()).unwrap();
        }
        self.out.flush().unwrap();
        self.out.get_ref().sync_data().unwrap();
        let mut list = TopicPartitionList::new();
        for (p, o) in &self.offsets {
            list.add_partition_offset(topic, *p, Offset::Offset(*o))
                .unwrap();
        }
        if list.count() > 0 {
            consumer.commit(&list, CommitMode::Sync).unwrap();
        }
    }
}

/// Notes the partitions assigned to the batch-reading consumer, which
/// forwards them to its queue.
#[derive(Default)]
struct Assigned(wasm_connect::kafka::batch::Unforwarded);

impl ClientContext for Assigned {}

impl rdkafka::consumer::ConsumerContext for Assigned {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &rdkafka::consumer::Rebalance<'_>) {
        self.0.note(rebalance);
    }
}

/// `consume`: read `records` records with a plain consumer (group
/// `connect-<name>`, the sink task's settings), write them to the file in
/// batches of up to `max.poll.records`, flushing after each as
/// FileStreamSink does, fsync and commit every 10 s and at the end.
/// Prints `{"ready": true}` once it has its partitions, then
/// `{"records", "seconds" (first record to last written), "cpu_seconds"}`.
pub fn consume(args: &ConsumeArgs) {
    let target = &args.target;
    let cpu0 = crate::proc::cpu("self");
    let config = settings(&target.bootstrap).consumer_config(
        &args.name,
        &format!("bench-consumer-{}", args.name),
        &args.settings,
    );
    let mut output = Output {
        out: BufWriter::with_capacity(
            64 * 1024,
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&args.file)
                .unwrap(),
        ),
        chain: args.chain.then(|| NativeChain::new(&args.file)),
        batch: Batch::new(),
        offsets: Vec::new(),
    };
    let seconds = if args.batch {
        let consumer: Arc<BaseConsumer<Assigned>> =
            Arc::new(config.create_with_context(Assigned::default()).unwrap());
        consumer.subscribe(&[target.topic.as_str()]).unwrap();
        let seconds = consume_batched(&consumer, target, &mut output);
        output.commit(&consumer, &target.topic);
        seconds
    } else {
        let consumer: BaseConsumer = config.create().unwrap();
        consumer.subscribe(&[target.topic.as_str()]).unwrap();
        let seconds = consume_polled(&consumer, target, &mut output);
        output.commit(&consumer, &target.topic);
        seconds
    };
    let done = target.records;
    let cpu = crate::proc::cpu("self") - cpu0;
    println!(
        "{}",
        serde_json::json!({"records": done, "seconds": seconds, "cpu_seconds": cpu.as_secs_f64()})
    );
}

/// Print `{"ready": true}` once `consumer` has its partitions.
fn announce_ready<C: rdkafka::consumer::ConsumerContext>(
    consumer: &BaseConsumer<C>,
    ready: &mut bool,
) {
    if !*ready && consumer.assignment().is_ok_and(|a| a.count() > 0) {
        *ready = true;
        println!("{}", serde_json::json!({"ready": true}));
    }
}

/// One `poll` per record (what rdkafka offers); returns the seconds from
/// the first record to the last written.
fn consume_polled(consumer: &BaseConsumer, target: &Topic, output: &mut Output) -> f64 {
    let mut ready = false;
    let mut first: Option<Instant> = None;
    let mut done = 0u64;
    let mut next_commit = Instant::now() + COMMIT_INTERVAL;
    while done < target.records {
        let Some(m) = consumer.poll(Duration::from_millis(100)) else {
            announce_ready(consumer, &mut ready);
            continue;
        };
        first.get_or_insert_with(Instant::now);
        let mut next = Some(m);
        let mut taken = 0;
        while let Some(m) = next.take() {
            output.record(&m.unwrap());
            taken += 1;
            if taken < MAX_POLL_RECORDS && done + (taken as u64) < target.records {
                next = consumer.poll(Duration::ZERO);
            }
        }
        output.end_batch();
        done += taken as u64;
        if Instant::now() >= next_commit {
            output.commit(consumer, &target.topic);
            next_commit = Instant::now() + COMMIT_INTERVAL;
        }
    }
    first.map_or(0.0, |f| f.elapsed().as_secs_f64())
}

/// Up to `max.poll.records` records per librdkafka call, as a sink task
/// reads them; returns the seconds from the first record to the last
/// written.
fn consume_batched(
    consumer: &Arc<BaseConsumer<Assigned>>,
    target: &Topic,
    output: &mut Output,
) -> f64 {
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<()>(1);
    let mut queue = wasm_connect::kafka::batch::BatchQueue::new(consumer.clone(), move || {
        let _ = ready_tx.try_send(());
    })
    .unwrap();
    let mut ready = false;
    let mut first: Option<Instant> = None;
    let mut done = 0u64;
    let mut next_commit = Instant::now() + COMMIT_INTERVAL;
    while done < target.records {
        // Forward first (as a sink task does), then the consumer queue:
        // rebalances, and records fetched before their partition was
        // forwarded (they come before the queue's).
        queue.forward_pending(&consumer.context().0, |e| panic!("{e}"));
        let want = MAX_POLL_RECORDS.min((target.records - done) as usize);
        let mut polled = 0;
        while polled < want {
            let Some(m) = consumer.poll(Duration::ZERO) else {
                break;
            };
            output.record(&m.unwrap());
            polled += 1;
        }
        if polled > 0 {
            first.get_or_insert_with(Instant::now);
            output.end_batch();
            done += polled as u64;
            continue;
        }
        if queue.forward_pending(&consumer.context().0, |e| panic!("{e}")) {
            continue;
        }
        let taken = queue.take(want, Duration::ZERO).unwrap();
        if taken.is_empty() {
            drop(taken);
            announce_ready(consumer, &mut ready);
            let _ = ready_rx.recv_timeout(Duration::from_millis(100));
            continue;
        }
        first.get_or_insert_with(Instant::now);
        for m in taken.iter() {
            output.record(&m.unwrap());
        }
        done += taken.len() as u64;
        drop(taken);
        output.end_batch();
        if Instant::now() >= next_commit {
            output.commit(consumer, &target.topic);
            next_commit = Instant::now() + COMMIT_INTERVAL;
        }
    }
    first.map_or(0.0, |f| f.elapsed().as_secs_f64())
}
