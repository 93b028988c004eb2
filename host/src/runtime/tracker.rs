//! Which source offsets may be committed: an offset becomes committable
//! only when Kafka acknowledged its record and every record the task
//! produced before it (Apache's `SubmittedRecords`, kept simpler: one
//! queue per task, as a task's records are acknowledged nearly in order).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// One produced record, until it and everything before it are acknowledged.
struct Pending {
    /// Index into `partitions`, when the record has a source partition.
    partition: Option<u32>,
    /// The record's source offset (JSON), if any.
    offset: Option<String>,
    acked: bool,
}

#[derive(Default)]
struct Inner {
    /// Sequence number of `pending[0]`.
    base: u64,
    pending: VecDeque<Pending>,
    partitions: Vec<String>,
    partition_index: HashMap<String, u32>,
    /// Latest offset per partition whose record and all before it are acked,
    /// not yet taken by a commit.
    committable: HashMap<u32, String>,
    /// The first delivery failure; the task fails on it.
    failure: Option<String>,
}

impl Inner {
    /// The index of a source partition, added when new.
    fn partition(&mut self, p: &str) -> u32 {
        match self.partition_index.get(p) {
            Some(i) => *i,
            None => {
                let i = self.partitions.len() as u32;
                self.partitions.push(p.to_owned());
                self.partition_index.insert(p.to_owned(), i);
                i
            }
        }
    }

    fn advance(&mut self) {
        while self.pending.front().is_some_and(|p| p.acked) {
            if let Some(done) = self.pending.pop_front() {
                self.base += 1;
                if let (Some(partition), Some(offset)) = (done.partition, done.offset) {
                    self.committable.insert(partition, offset);
                }
            }
        }
    }
}

/// Shared between a source task's loop (which submits records) and the
/// producer's delivery callback (which acknowledges them).
#[derive(Clone, Default)]
pub struct Tracker {
    inner: Arc<Mutex<Inner>>,
}

impl Tracker {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Register a record about to be produced; returns its sequence number,
    /// which the delivery callback passes back to [`Tracker::ack`].
    pub fn submit(&self, partition: Option<&str>, offset: Option<String>) -> u64 {
        let mut inner = self.lock();
        let partition = partition.map(|p| inner.partition(p));
        let seq = inner.base + inner.pending.len() as u64;
        inner.pending.push_back(Pending {
            partition,
            offset,
            acked: false,
        });
        seq
    }

    /// Register the records of one batch, in the order they will be
    /// produced, under one lock; returns the sequence number of the first
    /// (the others follow it). Only a record that carries a position needs
    /// one: the last record of each source partition in a batch is enough,
    /// since an offset is committable only when its record and all before
    /// it were acknowledged.
    pub fn submit_all<'a>(
        &self,
        positions: impl IntoIterator<Item = Option<(&'a str, &'a str)>>,
    ) -> u64 {
        let mut inner = self.lock();
        let first = inner.base + inner.pending.len() as u64;
        for position in positions {
            let (partition, offset) = match position {
                Some((partition, offset)) => {
                    let index = inner.partition(partition);
                    (Some(index), Some(offset.to_owned()))
                }
                None => (None, None),
            };
            inner.pending.push_back(Pending {
                partition,
                offset,
                acked: false,
            });
        }
        first
    }

    /// Kafka acknowledged record `seq`.
    pub fn ack(&self, seq: u64) {
        let mut inner = self.lock();
        let Some(i) = seq.checked_sub(inner.base) else {
            return;
        };
        if let Some(p) = inner.pending.get_mut(i as usize) {
            p.acked = true;
        }
        inner.advance();
    }

    /// Kafka could not take record `seq`.
    pub fn fail(&self, reason: String) {
        let mut inner = self.lock();
        if inner.failure.is_none() {
            inner.failure = Some(reason);
        }
    }

    /// The first delivery failure, if any.
    pub fn failure(&self) -> Option<String> {
        self.lock().failure.clone()
    }

    /// Records produced but not yet acknowledged.
    pub fn in_flight(&self) -> usize {
        self.lock().pending.len()
    }

    /// Take the offsets that became committable since the last call:
    /// `(partition JSON, offset JSON)`.
    pub fn take_committable(&self) -> Vec<(String, String)> {
        let mut inner = self.lock();
        let committable = std::mem::take(&mut inner.committable);
        let mut out: Vec<(String, String)> = committable
            .into_iter()
            .filter_map(|(p, o)| inner.partitions.get(p as usize).map(|p| (p.clone(), o)))
            .collect();
        out.sort();
        out
    }

    /// Put offsets back that could not be stored, unless newer ones arrived.
    pub fn restore(&self, offsets: Vec<(String, String)>) {
        let mut inner = self.lock();
        for (partition, offset) in offsets {
            if let Some(i) = inner.partition_index.get(&partition).copied() {
                inner.committable.entry(i).or_insert(offset);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_wait_for_every_earlier_ack() {
        let t = Tracker::default();
        let a = t.submit(Some("p"), Some("1".into()));
        let b = t.submit(Some("p"), Some("2".into()));
        let c = t.submit(Some("q"), Some("9".into()));
        t.ack(b);
        t.ack(c);
        assert!(t.take_committable().is_empty(), "a is not acked yet");
        t.ack(a);
        assert_eq!(
            t.take_committable(),
            vec![("p".into(), "2".into()), ("q".into(), "9".into())]
        );
        assert!(t.take_committable().is_empty());
        assert_eq!(t.in_flight(), 0);
    }

    #[test]
    fn restore_does_not_override_newer_offsets() {
        let t = Tracker::default();
        let a = t.submit(Some("p"), Some("1".into()));
        t.ack(a);
        let taken = t.take_committable();
        let b = t.submit(Some("p"), Some("2".into()));
        t.ack(b);
        t.restore(taken);
        assert_eq!(t.take_committable(), vec![("p".into(), "2".into())]);
    }

    #[test]
    fn a_batch_submitted_at_once_commits_in_order() {
        let t = Tracker::default();
        let first = t.submit_all([None, Some(("p", "2")), None, Some(("q", "9"))]);
        assert_eq!(t.in_flight(), 4);
        for seq in [first + 3, first + 1, first + 2] {
            t.ack(seq);
        }
        assert!(
            t.take_committable().is_empty(),
            "the first is not acked yet"
        );
        t.ack(first);
        assert_eq!(
            t.take_committable(),
            vec![("p".into(), "2".into()), ("q".into(), "9".into())]
        );
        assert_eq!(t.submit(None, None), first + 4);
    }

    #[test]
    fn failed_records() {
        let t = Tracker::default();
        t.submit(None, None);
        assert_eq!(t.in_flight(), 1);
        t.fail("boom".into());
        t.fail("second".into());
        assert_eq!(t.failure().as_deref(), Some("boom"));
    }
}
