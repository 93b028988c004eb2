//! A bounded least-recently-used cache, as Apache's `LRUCache` (an
//! access-ordered `LinkedHashMap` that drops its eldest entry past
//! `schemas.cache.size`). Like Apache's, a size of zero or less caches
//! nothing.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// The cache.
#[derive(Debug)]
pub struct Lru<K, V> {
    capacity: usize,
    map: HashMap<K, (V, u64)>,
    order: BTreeMap<u64, K>,
    tick: u64,
}

impl<K: Hash + Eq + Clone, V: Clone> Lru<K, V> {
    /// A cache of at most `capacity` entries (`schemas.cache.size`).
    pub fn new(capacity: i32) -> Self {
        Self {
            capacity: usize::try_from(capacity).unwrap_or(0),
            map: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
        }
    }

    /// The value for `key`, marking it as recently used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.tick += 1;
        let tick = self.tick;
        let (value, used) = self.map.get_mut(key)?;
        let old = std::mem::replace(used, tick);
        if let Some(k) = self.order.remove(&old) {
            self.order.insert(tick, k);
        }
        Some(value.clone())
    }

    /// Remember `value` for `key`, dropping the least recently used entry
    /// when full.
    pub fn put(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        self.tick += 1;
        if let Some((_, old)) = self.map.insert(key.clone(), (value, self.tick)) {
            self.order.remove(&old);
        }
        self.order.insert(self.tick, key);
        while self.map.len() > self.capacity {
            match self.order.pop_first() {
                Some((_, eldest)) => {
                    self.map.remove(&eldest);
                }
                None => break,
            }
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used() {
        let mut c: Lru<String, i32> = Lru::new(2);
        c.put("a".into(), 1);
        c.put("b".into(), 2);
        assert_eq!(c.get("a"), Some(1));
        c.put("c".into(), 3);
        assert_eq!(c.get("b"), None);
        assert_eq!(c.get("a"), Some(1));
        assert_eq!(c.get("c"), Some(3));
        assert_eq!(c.len(), 2);
        let mut none: Lru<String, i32> = Lru::new(0);
        none.put("a".into(), 1);
        assert_eq!(none.len(), 0);
    }
}
