//! The throughput scenarios: each round runs wasm-connect, then the raw
//! client, on the same broker, and prints both and their ratio.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wasm_connect_e2e::{Broker, Worker, free_port, metric_value, wait_for, worker_properties};

use crate::proc::{cpu_of, load};

/// How long a side may take before the benchmark gives up.
const GIVE_UP: Duration = Duration::from_secs(600);

/// A broker and a worker, and a folder for their files.
pub struct Env {
    pub broker: Broker,
    pub worker: Worker,
    pub dir: PathBuf,
    /// Extra consumer settings, given to the worker's sink tasks and to
    /// the raw consumers alike.
    pub consumer: Vec<(String, String)>,
    _tmp: TempDir,
}

/// A folder removed on drop (the files are large).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Env {
    /// Start a broker and a worker with ByteArrayConverter keys and values
    /// (the worker's other settings are the e2e harness's) and offsets
    /// flushed every 10 s.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// [`Env::start`], the worker's sink consumers also given `consumer`
    /// (as `consumer.<key>=<value>` lines of its file).
    pub fn start_with(consumer: &[(String, String)]) -> Self {
        let dir = std::env::temp_dir().join(format!("wasm-connect-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tmp = TempDir(dir.clone());
        // Set by bench/run.sh: the worker logs warnings only.
        let broker = Broker::start();
        let port = free_port();
        let mut extra = "key.converter=org.apache.kafka.connect.converters.ByteArrayConverter\n\
             value.converter=org.apache.kafka.connect.converters.ByteArrayConverter\n\
             offset.flush.interval.ms=10000\n"
            .to_owned();
        for (k, v) in consumer {
            extra.push_str(&format!("consumer.{k}={v}\n"));
        }
        let props = worker_properties(&dir, &broker, port, &extra);
        let worker = Worker::start(&dir, &props, &[], port);
        println!(
            "machine: {} cores, load average {} (1, 5, 15 min)",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load()
        );
        Self {
            broker,
            worker,
            dir,
            consumer: consumer.to_vec(),
            _tmp: tmp,
        }
    }

    /// Create a connector over REST.
    pub fn create(&self, name: &str, config: Value) {
        let body = json!({"name": name, "config": config}).to_string();
        let (status, answer) = self
            .worker
            .request("POST", "/connectors", Some(&body))
            .unwrap();
        assert_eq!(status, 201, "{answer}");
    }

    /// Delete a connector.
    pub fn delete(&self, name: &str) {
        let (status, _) = self
            .worker
            .request("DELETE", &format!("/connectors/{name}"), None)
            .unwrap();
        assert_eq!(status, 204);
    }

    /// When task 0 of `connector`'s metric `name` was first seen at
    /// `at_least`, scraping every 100 ms (`wait_for`'s pace): the time is
    /// up to 100 ms late, which is why the sink rounds time their side by
    /// its output file instead ([`FileWatch`]).
    pub fn wait_metric(&self, name: &str, connector: &str, at_least: f64) -> Instant {
        let sample = format!(r#"{name}{{connector="{connector}",task="0"}}"#);
        wait_for(GIVE_UP, &sample, || {
            let (_, text) = self.worker.get_text("/metrics").ok()?;
            let reached = metric_value(&text, &sample).is_some_and(|v| v >= at_least);
            reached.then(Instant::now)
        })
    }

    /// Records per batch task 0 of `connector` saw on average, from its
    /// batch-size histogram.
    pub fn mean_batch(&self, connector: &str) -> f64 {
        let labels = format!(r#"{{connector="{connector}",task="0"}}"#);
        let (_, text) = self.worker.get_text("/metrics").unwrap_or_default();
        let get = |name: &str| metric_value(&text, &format!("{name}{labels}")).unwrap_or(0.0);
        get("kafka_connect_connector_task_batch_size_sum")
            / get("kafka_connect_connector_task_batch_size_count").max(1.0)
    }

    /// Run this binary as a raw-side child (`produce` or `consume`) and
    /// return the JSON line it ends with.
    pub fn raw(&self, args: &[String]) -> Value {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "raw side {args:?} failed");
        let text = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(text.lines().last().unwrap_or_default()).unwrap()
    }

    /// Start a raw-side child whose output is read as it goes.
    pub fn spawn_raw(&self, args: &[String]) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap()
    }

    /// Arguments naming this broker.
    pub fn args(&self, command: &str, topic: &str, records: u64) -> Vec<String> {
        vec![
            command.into(),
            "--bootstrap".into(),
            self.broker.bootstrap.clone(),
            "--topic".into(),
            topic.into(),
            "--records".into(),
            records.to_string(),
        ]
    }
}

/// Each round's wasm-connect and raw sides.
type Rounds = Vec<(Side, Side)>;

/// One side of one round.
#[derive(Clone, Copy)]
struct Side {
    seconds: f64,
    cpu: f64,
    broker_cpu: f64,
}

impl Side {
    fn from_raw(v: &Value, broker_cpu: f64) -> Self {
        Self {
            seconds: v["seconds"].as_f64().unwrap(),
            cpu: v["cpu_seconds"].as_f64().unwrap(),
            broker_cpu,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Print each round and the medians as Markdown table rows. `per_cpu`:
/// compare records per CPU-second rather than per second.
fn report(title: &str, records: u64, rounds: &[(Side, Side)], per_cpu: bool) {
    let n = records as f64;
    println!(
        "\n{title}: {records} records a side and round; load average now {}",
        load()
    );
    println!(
        "| round | wasm-connect rec/s | raw rec/s | ratio | wasm-connect CPU s | raw CPU s | wasm-connect rec/CPU-s | raw rec/CPU-s | per-CPU ratio | broker CPU s (wasm / raw) |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    for (i, (w, r)) in rounds.iter().enumerate() {
        let ratio = r.seconds / w.seconds;
        let cpu_ratio = r.cpu / w.cpu;
        ratios.push(ratio);
        cpu_ratios.push(cpu_ratio);
        println!(
            "| {} | {:.0} | {:.0} | {:.0}% | {:.2} | {:.2} | {:.0} | {:.0} | {:.0}% | {:.2} / {:.2} |",
            i + 1,
            n / w.seconds,
            n / r.seconds,
            100.0 * ratio,
            w.cpu,
            r.cpu,
            n / w.cpu,
            n / r.cpu,
            100.0 * cpu_ratio,
            w.broker_cpu,
            r.broker_cpu,
        );
    }
    let (ratio, cpu_ratio) = (median(ratios), median(cpu_ratios));
    println!(
        "median ratio (wasm-connect / raw): {:.0}% records per second, {:.0}% records per CPU-second{}",
        100.0 * ratio,
        100.0 * cpu_ratio,
        if per_cpu { " (the goal's measure)" } else { "" }
    );
}

/// `datagen → Kafka` vs a raw producer of the same records.
pub fn source(records: u64, rounds: u32) {
    let env = Env::start();
    let mut results = Vec::new();
    for round in 0..rounds {
        let (wasm_topic, raw_topic) = (format!("w{round}"), format!("r{round}"));
        env.broker.create_topic(&wasm_topic, 1);
        env.broker.create_topic(&raw_topic, 1);
        let name = format!("gen{round}");
        let (cpu0, broker0) = (cpu_of(env.worker.pid()), cpu_of(env.broker.pid()));
        let started = Instant::now();
        env.create(
            &name,
            json!({
                "connector.class": "wasmconnect.datagen.DatagenConnector",
                "topic": wasm_topic,
                "max.records": records.to_string(),
                "key.size": "8",
                "value.size": "100",
            }),
        );
        let done = env.wait_metric(
            "kafka_connect_source_task_source_record_write_total",
            &name,
            records as f64,
        );
        let wasm = Side {
            seconds: (done - started).as_secs_f64(),
            cpu: (cpu_of(env.worker.pid()) - cpu0).as_secs_f64(),
            broker_cpu: (cpu_of(env.broker.pid()) - broker0).as_secs_f64(),
        };
        println!(
            "round {}: wasm-connect polled {:.0} records a batch",
            round + 1,
            env.mean_batch(&name)
        );
        env.delete(&name);
        let broker0 = cpu_of(env.broker.pid());
        let out = env.raw(&env.args("produce", &raw_topic, records));
        let raw = Side::from_raw(&out, (cpu_of(env.broker.pid()) - broker0).as_secs_f64());
        results.push((wasm, raw));
    }
    report(
        "datagen → Kafka (ByteArrayConverter, no transforms) vs a raw rdkafka producer",
        records,
        &results,
        false,
    );
}

/// Put `records` records in `topic` with a raw producer (not measured).
fn preload(env: &Env, topic: &str, records: u64, json: bool) {
    env.broker.create_topic(topic, 1);
    let mut args = env.args("produce", topic, records);
    if json {
        args.push("--json".into());
    }
    env.raw(&args);
}

/// The sink connector's settings for `scenario`.
fn sink_config(file: &Path, topic: &str, chain: bool) -> Value {
    let mut config = json!({
        "connector.class": "FileStreamSink",
        "topics": topic,
        "file": file.display().to_string(),
    });
    if chain {
        config["value.converter"] = json!("org.apache.kafka.connect.json.JsonConverter");
        config["value.converter.schemas.enable"] = json!("true");
        let aliases: Vec<&str> = crate::raw::CHAIN_TRANSFORMS.iter().map(|t| t.0).collect();
        config["transforms"] = json!(aliases.join(","));
        for (alias, class, settings) in crate::raw::CHAIN_TRANSFORMS {
            config[format!("transforms.{alias}.type")] = json!(class);
            for (k, v) in *settings {
                config[format!("transforms.{alias}.{k}")] = json!(v);
            }
        }
    }
    config
}

/// Kafka → sink, wasm-connect vs raw, on `records` preloaded records.
/// With `raw_batch`, each round also runs the raw side reading with
/// librdkafka's batch call (as sink tasks do), returned second.
fn sink_rounds(
    env: &Env,
    topic: &str,
    records: u64,
    rounds: u32,
    chain: bool,
    raw_batch: bool,
) -> (Rounds, Rounds) {
    let mut results = Vec::new();
    let mut batch_results = Vec::new();
    for round in 0..rounds {
        let name = format!("snk{round}");
        let wasm_file = env.dir.join(format!("w{round}.txt"));
        let raw_file = env.dir.join(format!("r{round}.txt"));
        let (cpu0, broker0) = (cpu_of(env.worker.pid()), cpu_of(env.broker.pid()));
        let watch = FileWatch::start(wasm_file.clone());
        env.create(&name, sink_config(&wasm_file, topic, chain));
        env.wait_metric(
            "kafka_connect_sink_task_sink_record_send_total",
            &name,
            records as f64,
        );
        let (first, done) = watch.finish();
        let wasm = Side {
            seconds: (done - first).as_secs_f64(),
            cpu: (cpu_of(env.worker.pid()) - cpu0).as_secs_f64(),
            broker_cpu: (cpu_of(env.broker.pid()) - broker0).as_secs_f64(),
        };
        println!(
            "round {}: wasm-connect read {:.0} records a batch",
            round + 1,
            env.mean_batch(&name)
        );
        env.delete(&name);
        let w = std::fs::read(&wasm_file).unwrap();
        let raw_side = |batch: bool| {
            let broker0 = cpu_of(env.broker.pid());
            let mut args = env.args("consume", topic, records);
            let group = if batch { "rawb" } else { "raw" };
            args.extend([
                "--file".into(),
                raw_file.display().to_string(),
                "--name".into(),
                format!("{group}{round}"),
            ]);
            if chain {
                args.push("--chain".into());
            }
            if batch {
                args.push("--batch".into());
            }
            for (k, v) in &env.consumer {
                args.extend(["--set".into(), format!("{k}={v}")]);
            }
            let out = env.raw(&args);
            let raw = Side::from_raw(&out, (cpu_of(env.broker.pid()) - broker0).as_secs_f64());
            // Both wrote the same file.
            let r = std::fs::read(&raw_file).unwrap();
            assert!(
                w == r,
                "round {round}: the two files differ ({} vs {} bytes, raw batch {batch})",
                w.len(),
                r.len()
            );
            let _ = std::fs::remove_file(&raw_file);
            raw
        };
        let raw = raw_side(false);
        if raw_batch {
            batch_results.push((wasm, raw_side(true)));
        }
        assert_eq!(w.iter().filter(|b| **b == b'\n').count() as u64, records);
        if round == 0 && chain {
            let line = String::from_utf8_lossy(&w[..w.iter().position(|b| *b == b'\n').unwrap()])
                .into_owned();
            println!("first line of the chain's output: {line}");
        }
        let _ = std::fs::remove_file(&wasm_file);
        results.push((wasm, raw));
    }
    (results, batch_results)
}

/// When a file got its first bytes and its last, seen by polling its size
/// every millisecond from a thread of the benchmark. The sink side is timed
/// by its output, as the raw consumer times itself (first record to last
/// written), not by scraping `/metrics`: a scrape costs the worker CPU, and
/// at the pace the scrapes go (`wait_metric`, 100 ms apart) the times
/// would be off by up to that much, a third of a 1M-record round.
struct FileWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(Instant, u64)>>,
}

impl FileWatch {
    fn start(path: PathBuf) -> Self {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut changes: Vec<(Instant, u64)> = Vec::new();
            let mut size = 0;
            loop {
                let now = Instant::now();
                let len = std::fs::metadata(&path).map_or(0, |m| m.len());
                if len != size {
                    size = len;
                    changes.push((now, len));
                }
                // Done once asked to stop and the size has held for 100 ms
                // (the last write may still be on its way when the worker
                // counts the records as put).
                let quiet = changes
                    .last()
                    .is_none_or(|(t, _)| now.duration_since(*t) > Duration::from_millis(100));
                if stopping.load(Ordering::Relaxed) && quiet {
                    return changes;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Self { stop, thread }
    }

    /// Wait for the size to settle; returns when the file first had bytes
    /// and when it last grew.
    fn finish(self) -> (Instant, Instant) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let changes = self.thread.join().unwrap();
        let first = changes.iter().find(|(_, len)| *len > 0).unwrap().0;
        (first, changes.last().unwrap().0)
    }
}

/// Kafka → FileStreamSink vs a raw consumer writing the same file.
pub fn sink(records: u64, rounds: u32, consumer: &[(String, String)]) {
    let env = Env::start_with(consumer);
    preload(&env, "data", records, false);
    let (results, batch_results) = sink_rounds(&env, "data", records, rounds, false, true);
    report(
        "Kafka → FileStreamSink (ByteArrayConverter) vs a raw rdkafka consumer writing the same file",
        records,
        &results,
        false,
    );
    report(
        "The same, the raw consumer reading with librdkafka's batch call as sink tasks do",
        records,
        &batch_results,
        false,
    );
}

/// Kafka → JsonConverter + 3 SMTs → FileStreamSink vs the same plugin code
/// compiled natively behind a raw consumer.
pub fn chain(records: u64, rounds: u32, consumer: &[(String, String)]) {
    let env = Env::start_with(consumer);
    preload(&env, "json", records, true);
    let (results, _) = sink_rounds(&env, "json", records, rounds, true, false);
    report(
        "Kafka → JsonConverter + MaskField, InsertField, ReplaceField → FileStreamSink vs the same chain as native Rust",
        records,
        &results,
        true,
    );
}
