//! The embedded broker behind `bootstrap.servers=embedded`: librdkafka's
//! in-process mock cluster, listening on loopback.
//!
//! It is for trying wasm-connect without installing Kafka. It keeps data in
//! memory only (lost when the worker stops), and each partition keeps at
//! most 5 MiB or 100,000 messages, silently dropping older ones.

use std::sync::mpsc;
use std::thread::JoinHandle;

use rdkafka::mocking::MockCluster;

/// Partitions of topics the embedded broker creates on first use.
const BROKERS: i32 = 1;

/// Why the embedded broker did not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the embedded broker: {0}")]
pub struct EmbeddedError(String);

/// A running embedded broker; stops when dropped.
pub struct EmbeddedBroker {
    bootstrap: String,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedBroker {
    /// Start it. The mock cluster is not `Send`, so a thread of its own
    /// owns it until the broker is dropped.
    pub fn start() -> Result<Self, EmbeddedError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("embedded-broker".into())
            .spawn(move || match MockCluster::new(BROKERS) {
                Ok(cluster) => {
                    let _ = ready_tx.send(Ok(cluster.bootstrap_servers()));
                    // Block until told to stop (or the sender is dropped).
                    let _ = stop_rx.recv();
                    drop(cluster);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                }
            })
            .map_err(|e| EmbeddedError(e.to_string()))?;
        let bootstrap = ready_rx
            .recv()
            .map_err(|e| EmbeddedError(e.to_string()))?
            .map_err(EmbeddedError)?;
        Ok(Self {
            bootstrap,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Its `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
