//! A sink whose `put` misbehaves as its `mode` setting says, so the tests
//! can prove each misbehaviour is contained: `loop` (never returns),
//! `memory` (allocates without end), `recursion` (recurses without end),
//! `read-passwd` (reads a file it was not granted), `write-outside`
//! (writes a file it was not granted), `connect` (opens a socket to
//! `target`), `stdout` (writes 3 MB to its standard output). The last four
//! report what happened as an error, so the test can read it from the
//! task's trace.

use std::hint::black_box;

use wasm_connect_sdk::prelude::*;

/// The sink connector.
pub struct HostileSink {
    config: Config,
}

impl SinkConnector for HostileSink {
    type Task = HostileTask;

    fn manifest() -> Manifest {
        Manifest::new(PluginKind::SinkConnector, "test.HostileSink", "0.0.0")
            .description("Misbehaves on purpose, for the sandbox tests.")
            .config(ConfigDef::new("mode", ConfigType::String).doc("What to do in put()."))
            .config(
                ConfigDef::new("target", ConfigType::String)
                    .default_value("")
                    .doc("A path or host:port for the modes that need one."),
            )
    }

    fn start(config: Config) -> Result<Self> {
        Ok(Self { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>> {
        Ok(vec![self.config.clone()])
    }
}

/// The task.
pub struct HostileTask {
    mode: String,
    target: String,
}

impl SinkTask for HostileTask {
    fn start(config: Config) -> Result<Self> {
        Ok(Self {
            mode: config.get("mode").unwrap_or("").to_owned(),
            target: config.get("target").unwrap_or("").to_owned(),
        })
    }

    fn put(&mut self, records: &Batch) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        match self.mode.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    black_box(&hoard);
                }
            }
            "recursion" => {
                black_box(deep(black_box(u64::MAX)));
                Ok(())
            }
            "read-passwd" => Err(PluginError::data(
                match std::fs::read_to_string("/etc/passwd") {
                    Ok(text) => format!("READ SUCCEEDED: {} bytes", text.len()),
                    Err(e) => format!("reading /etc/passwd was refused: {e}"),
                },
            )),
            "write-outside" => Err(PluginError::data(match std::fs::write(&self.target, "x") {
                Ok(()) => format!("WRITE SUCCEEDED: {}", self.target),
                Err(e) => format!("writing {} was refused: {e}", self.target),
            })),
            "connect" => Err(PluginError::data(
                match std::net::TcpStream::connect(&self.target) {
                    Ok(_) => format!("CONNECT SUCCEEDED: {}", self.target),
                    Err(e) => format!("connecting to {} was refused: {e}", self.target),
                },
            )),
            "stdout" => {
                use std::io::Write;
                let mut out =
                    std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
                for i in 0..30_000 {
                    let _ = writeln!(out, "flood line {i} {}", "z".repeat(90));
                }
                let _ = out.flush();
                Err(PluginError::data("flooded stdout with 3 MB"))
            }
            "kafka" => Err(PluginError::data(
                match wasm_connect_sdk::kafka::Consumer::open("source", None) {
                    Ok(_) => "KAFKA OPEN SUCCEEDED".to_owned(),
                    Err(e) => format!("opening Kafka cluster source was refused: {}", e.message),
                },
            )),
            other => Err(PluginError::config(format!("unknown mode {other}"))),
        }
    }
}

/// Recurses `n` times, keeping a frame alive each time.
fn deep(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let frame = black_box([n; 16]);
    black_box(deep(n - 1)).wrapping_add(frame[3])
}

wasm_connect_sdk::export_plugins!(sink: [HostileSink]);
