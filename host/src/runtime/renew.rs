//! Sandbox renewal: a task whose plugins together use more linear memory
//! than `plugin.memory.renew.bytes` replaces its sandbox with a fresh one
//! at its next clean boundary, and creates its plugins again with the same
//! configuration — no failure, no restart backoff, its status stays
//! RUNNING.
//!
//! Why: WebAssembly memory never shrinks, and some guest runtimes never
//! free what they should (componentize-py 0.25.1 keeps every batch a
//! Python plugin returns, ~0.1–0.2 MiB per 1,000 records; BENCHMARKS.md,
//! "Python memory"). Such a task would otherwise fail at
//! `plugin.memory.limit.bytes` and be restarted, re-processing what it
//! did since its last commit. A fresh store from the cached
//! pre-instantiated components costs milliseconds (~2.5 ms for Python).
//!
//! This module holds the rules (the threshold, when a renewal is due) and
//! the sandbox swap; each task loop decides where its clean boundary is
//! and how its plugins stop and start (`sink/renew.rs`, `source.rs`).

use std::time::Instant;

use super::TaskContext;
use crate::config::MEMORY_RENEW;
use crate::plugin::engine::human_bytes;
use crate::plugin::{CallError, Limits, Sandbox};

/// The default threshold, in percent of `plugin.memory.limit.bytes`. A
/// renewal happens only between batches, so the quarter left is what the
/// plugins may still grow by within the batch that crosses the threshold
/// (and one-off peaks): at the default 256 MiB that is 64 MiB, hundreds of
/// batches of the Python leak.
pub(crate) const DEFAULT_PERCENT: u64 = 75;

/// The linear memory above which a task renews its sandbox, or None when
/// renewal is off: `plugin.memory.renew.bytes` when set below the limit,
/// [`DEFAULT_PERCENT`] of the limit when not set, off when set to 0 or to
/// the limit or more (the task would fail before it got there).
pub(crate) fn threshold(limits: &Limits) -> Option<u64> {
    match limits.renew_bytes {
        None => {
            let share = u128::from(limits.memory_bytes) * u128::from(DEFAULT_PERCENT) / 100;
            u64::try_from(share).ok().filter(|n| *n > 0)
        }
        Some(0) => None,
        Some(n) if n >= limits.memory_bytes => None,
        Some(n) => Some(n),
    }
}

/// Memory in MiB with one decimal, for the log.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// One task's renewal state.
pub(crate) struct Renewal {
    /// None: off (by configuration, or because a fresh sandbox is already
    /// above it).
    threshold: Option<u64>,
    /// A renewal stopped the task's plugins and has not created new ones
    /// yet (it failed half-way): the task's handles belong to a sandbox
    /// that is gone, so its clean-up must not call them.
    interrupted: bool,
    /// When the renewal under way began.
    began: Option<Instant>,
}

impl Renewal {
    /// The renewal state of a task whose plugins were just created in
    /// `sandbox`.
    pub(crate) fn new(ctx: &TaskContext, sandbox: &Sandbox) -> Self {
        let mut renewal = Self {
            threshold: threshold(&ctx.limits),
            interrupted: false,
            began: None,
        };
        renewal.check_fresh(ctx, sandbox);
        renewal
    }

    /// The plugins' memory when it is above the threshold: the task should
    /// renew its sandbox at this boundary. One field read: cheap enough
    /// for every batch.
    pub(crate) fn due(&self, sandbox: &Sandbox) -> Option<u64> {
        let threshold = self.threshold?;
        let used = sandbox.memory_used();
        (used > threshold).then_some(used)
    }

    /// Whether a renewal stopped the plugins and failed before it created
    /// new ones (see [`Renewal::interrupted`]'s field).
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// The task stopped its plugins at a clean boundary, their memory at
    /// `used`: replace `sandbox` with a fresh one (the old one's resources
    /// dropped, its memory freed). The task then creates its plugins in it
    /// and calls [`Renewal::finish`].
    pub(crate) async fn replace(
        &mut self,
        ctx: &TaskContext,
        sandbox: &mut Sandbox,
        used: u64,
    ) -> Result<(), CallError> {
        let renew = self.threshold.unwrap_or_default();
        tracing::info!(
            used_bytes = used,
            renew_bytes = renew,
            "Renewing the task's sandbox: its plugins use {} of linear memory, above {MEMORY_RENEW} {}",
            mib(used),
            human_bytes(renew)
        );
        self.interrupted = true;
        self.began = Some(Instant::now());
        // Made while the task's span is current, as the first one was, so
        // the plugins' output stays attributed to the task.
        let fresh = Sandbox::with_limits(ctx.shared.engine.clone(), &ctx.grants, ctx.limits)?;
        let mut old = std::mem::replace(sandbox, fresh);
        old.close_all().await;
        Ok(())
    }

    /// The task created its plugins in the fresh sandbox: the renewal is
    /// done and counted.
    pub(crate) fn finish(&mut self, ctx: &TaskContext, sandbox: &Sandbox) {
        self.interrupted = false;
        let took = self.began.take().map(|b| b.elapsed());
        ctx.metrics.sandbox_renewals.inc();
        ctx.metrics.memory.set(sandbox.memory_used() as i64);
        ctx.report_started();
        tracing::info!(
            took_ms = took.map_or(0, |t| t.as_millis() as u64),
            used_bytes = sandbox.memory_used(),
            renewals = ctx.metrics.sandbox_renewals.get(),
            "Renewed the task's sandbox: its plugins now use {}",
            mib(sandbox.memory_used())
        );
        self.check_fresh(ctx, sandbox);
    }

    /// Plugins that are above the threshold as soon as they are created
    /// would renew after every batch for nothing: renewal is turned off
    /// for this run of the task, and the log says what to change.
    fn check_fresh(&mut self, ctx: &TaskContext, sandbox: &Sandbox) {
        let Some(threshold) = self.threshold else {
            return;
        };
        let used = sandbox.memory_used();
        if used >= threshold {
            tracing::warn!(
                used_bytes = used,
                renew_bytes = threshold,
                limit_bytes = ctx.limits.memory_bytes,
                "The task's plugins use {} of linear memory as soon as they are created, at or above \
                 {MEMORY_RENEW} {}: a fresh sandbox would not help, so this task does not renew its \
                 sandbox. Raise {MEMORY_RENEW} (or plugin.memory.limit.bytes)",
                mib(used),
                human_bytes(threshold)
            );
            self.threshold = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(memory_bytes: u64, renew_bytes: Option<u64>) -> Limits {
        Limits {
            memory_bytes,
            renew_bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn the_threshold_follows_the_setting_and_the_limit() {
        const MIB: u64 = 1024 * 1024;
        // Not set: three quarters of the limit, whatever the limit is.
        assert_eq!(threshold(&limits(256 * MIB, None)), Some(192 * MIB));
        assert_eq!(threshold(&limits(64 * MIB, None)), Some(48 * MIB));
        assert_eq!(
            threshold(&limits(u64::MAX, None)),
            Some(u64::MAX / 4 * 3 + 2)
        );
        assert_eq!(threshold(&limits(1, None)), None, "nothing to renew at");
        // Set below the limit: exactly that.
        assert_eq!(
            threshold(&limits(256 * MIB, Some(96 * MIB))),
            Some(96 * MIB)
        );
        assert_eq!(threshold(&limits(256 * MIB, Some(1))), Some(1));
        // 0, the limit or more: off.
        assert_eq!(threshold(&limits(256 * MIB, Some(0))), None);
        assert_eq!(threshold(&limits(256 * MIB, Some(256 * MIB))), None);
        assert_eq!(threshold(&limits(64 * MIB, Some(192 * MIB))), None);
    }

    #[test]
    fn memory_reads_in_mib() {
        assert_eq!(mib(97 * 1024 * 1024 + 300 * 1024), "97.3 MiB");
        assert_eq!(mib(0), "0.0 MiB");
    }
}
