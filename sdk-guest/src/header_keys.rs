//! [`RecentKeys`]: header keys stored once per batch.
//!
//! Records of one batch almost always carry the same one to three header
//! keys (`route`, `trace-id`, ...). Every batch builder (the SDK's
//! [`crate::Batch`], the host's sink and Kafka consumer) stores each such
//! key's bytes once and points every header descriptor with that key at the
//! same bytes. That saves bytes, and it lets a helper in any language find
//! a header by comparing key offsets: compare the bytes of one descriptor's
//! key, then every descriptor with the same `(start, length)` has that key.
//! A key at another offset may still be equal (plugins are not bound to
//! share keys), so a helper that misses on offsets compares bytes.
//!
//! The memo is a hint, never trusted: a hit is only taken after comparing
//! the bytes it points at, so a memo left over from data that was taken or
//! truncated can never give a wrong key.

/// How many distinct keys are remembered. Headers usually repeat one to
/// three keys; a fourth slot covers one more without making the miss path
/// (a compare per slot) costly.
const SLOTS: usize = 4;

/// The last few distinct header keys stored in a batch's data, as
/// `(start, length)` ranges, most recently used first (a key every record
/// carries stays in the memo however many others come and go).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecentKeys {
    slots: [(u32, u32); SLOTS],
    /// How many slots are filled.
    filled: u8,
}

impl RecentKeys {
    /// A memo with nothing in it.
    pub const fn new() -> Self {
        Self {
            slots: [(0, 0); SLOTS],
            filled: 0,
        }
    }

    /// The range of a remembered key equal to `key` in `data`, if any; it
    /// becomes the most recently used.
    #[inline]
    pub fn find(&mut self, data: &[u8], key: &[u8]) -> Option<(u32, u32)> {
        let filled = usize::from(self.filled);
        let at = self.slots[..filled].iter().position(|&(start, len)| {
            len as usize == key.len()
                && data.get(start as usize..start as usize + len as usize) == Some(key)
        })?;
        self.slots[..=at].rotate_right(1);
        Some(self.slots[0])
    }

    /// Remember that a key's bytes are at `range` of the data, forgetting
    /// the least recently used key when the memo is full.
    #[inline]
    pub fn remember(&mut self, range: (u32, u32)) {
        if usize::from(self.filled) < SLOTS {
            self.filled += 1;
        }
        self.slots[..usize::from(self.filled)].rotate_right(1);
        self.slots[0] = range;
    }

    /// Forget every key (the data they point into was replaced).
    pub fn clear(&mut self) {
        *self = Self::new();
    }
}

/// The memo is not part of a batch's value: two batches with equal data
/// and descriptors are equal whatever they remember.
impl PartialEq for RecentKeys {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(data: &mut Vec<u8>, key: &[u8]) -> (u32, u32) {
        let start = data.len() as u32;
        data.extend_from_slice(key);
        (start, key.len() as u32)
    }

    #[test]
    fn repeated_keys_are_found_mixed_keys_stay_apart() {
        let mut data = Vec::new();
        let mut keys = RecentKeys::new();
        let mut ranges = Vec::new();
        for key in [&b"route"[..], b"trace", b"route", b"rout", b"trace", b""] {
            let found = keys.find(&data, key);
            let range = found.unwrap_or_else(|| push(&mut data, key));
            if found.is_none() {
                keys.remember(range);
            }
            ranges.push(range);
        }
        assert_eq!(ranges[0], ranges[2]);
        assert_eq!(ranges[1], ranges[4]);
        assert_ne!(ranges[3], ranges[0], "a prefix is another key");
        for (range, key) in
            ranges
                .iter()
                .zip([&b"route"[..], b"trace", b"route", b"rout", b"trace", b""])
        {
            let (start, len) = (range.0 as usize, range.1 as usize);
            assert_eq!(&data[start..start + len], key);
        }
        assert_eq!(data, b"routetracerout");
    }

    #[test]
    fn a_stale_memo_is_never_believed() {
        let mut data = b"route".to_vec();
        let mut keys = RecentKeys::new();
        keys.remember((0, 5));
        data.clear();
        assert_eq!(keys.find(&data, b"route"), None, "range past the data");
        data.extend_from_slice(b"other");
        assert_eq!(keys.find(&data, b"route"), None, "other bytes there now");
        assert_eq!(keys.find(&data, b"other"), Some((0, 5)));
    }

    #[test]
    fn the_least_recently_used_of_five_keys_is_forgotten() {
        let mut data = Vec::new();
        let mut keys = RecentKeys::new();
        for key in [&b"a"[..], b"b", b"c", b"d"] {
            let range = push(&mut data, key);
            keys.remember(range);
        }
        // "a" is used again, so "b" is the one a fifth key pushes out.
        assert_eq!(keys.find(&data, b"a"), Some((0, 1)));
        let range = push(&mut data, b"e");
        keys.remember(range);
        assert_eq!(keys.find(&data, b"b"), None);
        for (key, at) in [(&b"a"[..], 0), (b"c", 2), (b"d", 3), (b"e", 4)] {
            assert_eq!(keys.find(&data, key), Some((at, 1)));
        }
    }
}
