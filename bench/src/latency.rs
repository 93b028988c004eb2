//! End-to-end latency at a fixed rate: from the moment a record is made
//! (its Kafka timestamp: datagen's poll, or the raw producer's send) to
//! the moment its line is in the sink's file (seen by a thread reading the
//! file every millisecond). wasm-connect: datagen → Kafka → FileStreamSink;
//! raw: producer → Kafka → consumer writing the file, same records.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;

use crate::scenarios::Env;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Watch `file` until `records` lines are in it; when each arrived (ms
/// since the epoch), by record id (the number each line starts with).
fn tail(file: PathBuf, records: u64) -> std::thread::JoinHandle<HashMap<u64, f64>> {
    std::thread::spawn(move || {
        let mut arrived = HashMap::new();
        let mut pending = Vec::new();
        let mut read_at = 0u64;
        let deadline = Instant::now() + Duration::from_secs(600);
        while (arrived.len() as u64) < records && Instant::now() < deadline {
            let mut new = Vec::new();
            if let Ok(mut f) = std::fs::File::open(&file) {
                use std::io::Seek;
                let _ = f.seek(std::io::SeekFrom::Start(read_at));
                let _ = f.read_to_end(&mut new);
            }
            if new.is_empty() {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            let now = now_ms();
            read_at += new.len() as u64;
            pending.extend_from_slice(&new);
            let complete = pending
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            for line in pending[..complete].split(|b| *b == b'\n') {
                let digits: String = line
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .map(|b| *b as char)
                    .collect();
                if let Ok(id) = digits.parse::<u64>() {
                    arrived.entry(id).or_insert(now);
                }
            }
            pending.drain(..complete);
        }
        arrived
    })
}

/// Each record's Kafka timestamp in `topic`, by id (its key).
fn timestamps(bootstrap: &str, topic: &str, records: u64) -> HashMap<u64, f64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-latency-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&list).unwrap();
    let mut out = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while (out.len() as u64) < records && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let id = std::str::from_utf8(m.key().unwrap_or_default())
                .ok()
                .and_then(|k| k.parse::<u64>().ok());
            if let (Some(id), Some(ts)) = (id, m.timestamp().to_millis()) {
                out.insert(id, ts as f64);
            }
        }
    }
    out
}

/// Latencies in ms, sorted.
fn latencies(made: &HashMap<u64, f64>, arrived: &HashMap<u64, f64>) -> Vec<f64> {
    let mut out: Vec<f64> = arrived
        .iter()
        .filter_map(|(id, at)| made.get(id).map(|m| at - m))
        .collect();
    out.sort_by(f64::total_cmp);
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn wasm_round(env: &Env, round: u32, rate: u64, records: u64) -> Vec<f64> {
    let topic = format!("lw{round}");
    env.broker.create_topic(&topic, 1);
    let file = env.dir.join(format!("lw{round}.txt"));
    let sink = format!("lsnk{round}");
    env.create(
        &sink,
        json!({"connector.class": "FileStreamSink", "topics": topic, "file": file.display().to_string()}),
    );
    // The sink has its partition before the first record is made.
    env.wait_metric("kafka_connect_sink_task_partition_count", &sink, 1.0);
    let tailer = tail(file.clone(), records);
    let source = format!("lgen{round}");
    env.create(
        &source,
        json!({
            "connector.class": "wasmconnect.datagen.DatagenConnector",
            "topic": topic,
            "max.records": records.to_string(),
            "records.per.second": rate.to_string(),
        }),
    );
    let arrived = tailer.join().unwrap();
    env.delete(&source);
    env.delete(&sink);
    let made = timestamps(&env.broker.bootstrap, &topic, records);
    let _ = std::fs::remove_file(file);
    latencies(&made, &arrived)
}

fn raw_round(env: &Env, round: u32, rate: u64, records: u64) -> Vec<f64> {
    let topic = format!("lr{round}");
    env.broker.create_topic(&topic, 1);
    let file: PathBuf = env.dir.join(format!("lr{round}.txt"));
    let mut args = env.args("consume", &topic, records);
    args.extend([
        "--file".into(),
        file.display().to_string(),
        "--name".into(),
        format!("lraw{round}"),
    ]);
    let mut consumer = env.spawn_raw(&args);
    // Wait for its partition, as for the sink connector.
    let stdout = consumer.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(ready.contains("ready"), "the raw consumer said {ready}");
    let tailer = tail(file.clone(), records);
    let mut args = env.args("produce", &topic, records);
    args.extend(["--rate".into(), rate.to_string()]);
    env.raw(&args);
    let arrived = tailer.join().unwrap();
    for _ in lines.by_ref() {}
    assert!(consumer.wait().unwrap().success());
    let made = timestamps(&env.broker.bootstrap, &topic, records);
    let _ = std::fs::remove_file(Path::new(&file));
    latencies(&made, &arrived)
}

/// Run `rounds` rounds of each side at `rate` records per second for
/// `seconds`, and print p50, p99 and the worst.
pub fn run(rate: u64, seconds: u64, rounds: u32) {
    let env = Env::start();
    let records = rate * seconds;
    println!(
        "\nEnd-to-end latency at {rate} records/s, {records} records of 100 bytes a side and round (ms, creation to line in file)"
    );
    println!("| round | side | records seen | p50 | p99 | max |");
    println!("| ---: | --- | ---: | ---: | ---: | ---: |");
    for round in 0..rounds {
        for (side, latencies) in [
            ("wasm-connect", wasm_round(&env, round, rate, records)),
            ("raw", raw_round(&env, round, rate, records)),
        ] {
            println!(
                "| {} | {side} | {} | {:.1} | {:.1} | {:.1} |",
                round + 1,
                latencies.len(),
                percentile(&latencies, 0.5),
                percentile(&latencies, 0.99),
                latencies.last().copied().unwrap_or_default(),
            );
        }
    }
    println!("load average now {}", crate::proc::load());
}
