//! What plugins write to their standard output and error: every line goes
//! to the worker's log, attributed to the connector and task (the span the
//! sandbox was made in), at most [`RATE_BYTES`] a second per stream so a
//! plugin that floods its output cannot flood the worker's log or slow it
//! down; what is over the rate is dropped and counted.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Bytes a second one stream may put into the log (with a burst of as
/// much again).
pub const RATE_BYTES: f64 = 64.0 * 1024.0;
/// The longest line logged; longer ones are cut into pieces.
const MAX_LINE: usize = 8 * 1024;

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

struct State {
    partial: Vec<u8>,
    /// Token bucket: bytes that may still be logged now.
    allowance: f64,
    refilled: Instant,
    dropped: u64,
}

/// One plugin store's stdout or stderr.
#[derive(Clone)]
pub struct PluginOutput {
    inner: Arc<Inner>,
}

struct Inner {
    stream: Stream,
    span: tracing::Span,
    state: Mutex<State>,
}

impl Drop for Inner {
    /// When the store goes away, say what was dropped since the last report.
    fn drop(&mut self) {
        let dropped = match self.state.get_mut() {
            Ok(s) => s.dropped,
            Err(p) => p.into_inner().dropped,
        };
        if dropped > 0 {
            self.span.in_scope(|| {
                tracing::warn!(target: "plugin", stream = ?self.stream, dropped_bytes = dropped, "Plugin output over the log rate was dropped");
            });
        }
    }
}

impl PluginOutput {
    /// Output attributed to the current span (a task's or connector's).
    pub fn new(stream: Stream) -> Self {
        Self {
            inner: Arc::new(Inner {
                stream,
                span: tracing::Span::current(),
                state: Mutex::new(State {
                    partial: Vec::new(),
                    allowance: RATE_BYTES,
                    refilled: Instant::now(),
                    dropped: 0,
                }),
            }),
        }
    }

    fn write(&self, buf: &[u8]) {
        let this = &*self.inner;
        let mut state = match this.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let now = Instant::now();
        let earned = now.duration_since(state.refilled).as_secs_f64() * RATE_BYTES;
        state.allowance = (state.allowance + earned).min(2.0 * RATE_BYTES);
        state.refilled = now;
        if state.dropped > 0 && state.allowance >= RATE_BYTES {
            let dropped = std::mem::take(&mut state.dropped);
            this.span.in_scope(|| {
                tracing::warn!(target: "plugin", stream = ?this.stream, dropped_bytes = dropped, "Plugin output over the log rate was dropped");
            });
        }
        state.partial.extend_from_slice(buf);
        while let Some(end) = line_end(&state.partial) {
            let line: Vec<u8> = state.partial.drain(..end).collect();
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            if state.allowance < line.len() as f64 {
                state.dropped += line.len() as u64;
                continue;
            }
            state.allowance -= line.len() as f64;
            this.span.in_scope(|| match this.stream {
                Stream::Stdout => tracing::info!(target: "plugin::stdout", "{text}"),
                Stream::Stderr => tracing::warn!(target: "plugin::stderr", "{text}"),
            });
        }
    }
}

/// Where the first line in `buf` ends: after its newline, or at
/// [`MAX_LINE`] bytes.
fn line_end(buf: &[u8]) -> Option<usize> {
    match buf.iter().position(|b| *b == b'\n') {
        Some(i) if i < MAX_LINE => Some(i + 1),
        _ if buf.len() >= MAX_LINE => Some(MAX_LINE),
        _ => None,
    }
}

impl IsTerminal for PluginOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for PluginOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for PluginOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_newlines_or_the_longest_line() {
        assert_eq!(line_end(b"ab\ncd"), Some(3));
        assert_eq!(line_end(b"abc"), None);
        assert_eq!(line_end(&vec![b'x'; MAX_LINE + 5]), Some(MAX_LINE));
    }

    #[test]
    fn a_flood_is_cut_to_the_rate() {
        let out = PluginOutput::new(Stream::Stdout);
        let line = vec![b'y'; 1023];
        let mut chunk = line.clone();
        chunk.push(b'\n');
        for _ in 0..1000 {
            out.write(&chunk);
        }
        let state = out.inner.state.lock().unwrap();
        // 1000 KiB written at once; about the burst (128 KiB) was logged.
        assert!(state.dropped > 800 * 1024, "{}", state.dropped);
        assert!(state.partial.is_empty());
    }
}
