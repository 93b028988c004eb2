//! `wasm-connect-bench`: wasm-connect beside raw librdkafka clients on the
//! same broker in the same run, interleaved, with the ratio printed.
//!
//! Each scenario starts a tansu broker (memory storage) and a release
//! `wasm-connect` worker on loopback, then runs rounds of "wasm-connect"
//! and "raw" one after the other. The raw side is this binary started again
//! as a child process (`produce`, `consume`), built from the same rdkafka
//! crate with the client settings wasm-connect's tasks use
//! (`KafkaSettings::producer_config` / `consumer_config`), so each side's
//! CPU time is its own process's. Run it through `bench/run.sh`, which
//! builds both in release mode; BENCHMARKS.md has the results.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: a failure should stop loudly"
)]

mod latency;
mod proc;
mod raw;
mod scenarios;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "wasm-connect beside raw librdkafka, same broker, same run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// datagen → Kafka (ByteArrayConverter, no transforms) vs a raw producer.
    Source {
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
    /// Kafka → FileStreamSink vs a raw consumer writing the same file.
    Sink {
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// A consumer setting for both sides, `key=value` (repeatable):
        /// the worker's `consumer.<key>` and the raw consumer's.
        #[arg(long = "consumer", value_parser = raw::parse_setting)]
        consumer: Vec<(String, String)>,
    },
    /// Kafka → JsonConverter + 3 SMTs → FileStreamSink vs the same plugin
    /// code compiled natively behind a raw consumer; records per CPU-second.
    Chain {
        #[arg(long, default_value_t = 300_000)]
        records: u64,
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// A consumer setting for both sides, as for `sink`.
        #[arg(long = "consumer", value_parser = raw::parse_setting)]
        consumer: Vec<(String, String)>,
    },
    /// End-to-end latency at a fixed rate: datagen → Kafka → FileStreamSink
    /// vs a raw producer → Kafka → raw consumer writing a file.
    Latency {
        /// Records per second.
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 2)]
        rounds: u32,
    },
    /// (raw side) Produce datagen's records with a plain rdkafka producer.
    #[command(hide = true)]
    Produce(raw::ProduceArgs),
    /// (raw side) Consume with a plain rdkafka consumer into a file.
    #[command(hide = true)]
    Consume(raw::ConsumeArgs),
}

fn main() {
    match Cli::parse().command {
        Command::Source { records, rounds } => scenarios::source(records, rounds),
        Command::Sink {
            records,
            rounds,
            consumer,
        } => scenarios::sink(records, rounds, &consumer),
        Command::Chain {
            records,
            rounds,
            consumer,
        } => scenarios::chain(records, rounds, &consumer),
        Command::Latency {
            rate,
            seconds,
            rounds,
        } => latency::run(rate, seconds, rounds),
        Command::Produce(args) => raw::produce(&args),
        Command::Consume(args) => raw::consume(&args),
    }
}
