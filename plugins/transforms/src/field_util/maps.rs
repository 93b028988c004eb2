//! Maps with Java's `HashMap.put` semantics, and lookups of configured
//! names by the bytes of a key.

use std::collections::HashMap;
use std::sync::Arc;

use wasm_connect_sdk::layout::Node;
use wasm_connect_sdk::prelude::*;

use super::{child, java_class, key_bytes, new_map, push_text};

/// A map key: a string node already in the batch, or new text.
#[derive(Debug, Clone)]
pub enum Key {
    /// A key node of the input (usually a string).
    Node(Node),
    /// New text, appended when the map is built.
    Text(Arc<str>),
}

/// Past this many entries or names, lookups go through a hash map.
const LINEAR_SEARCH_MAX: usize = 16;

/// A map under construction with `HashMap.put` semantics: putting a key
/// that is there replaces its value (keeping its place); a new key goes
/// last. One is reused for every record of a batch.
#[derive(Default)]
pub struct PutMap {
    entries: Vec<(Key, Node)>,
    /// Key bytes → entry, built once the map is too big to search.
    index: Option<HashMap<Box<[u8]>, usize>>,
    /// Scratch for the built node's children.
    children: Vec<Node>,
}

impl PutMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an entry known not to collide (the input map's own entries).
    pub fn push(&mut self, key: Key, value: Node) {
        self.index = None;
        self.entries.push((key, value));
    }

    /// `map.put(key, value)`.
    pub fn put(&mut self, batch: &Batch, key: Key, value: Node) -> Result<()> {
        let found = match key_of(batch, &key)? {
            None => None,
            Some(wanted) => self.find(batch, wanted)?,
        };
        if let Some(entry) = found.and_then(|i| self.entries.get_mut(i)) {
            entry.1 = value;
            return Ok(());
        }
        if let (Some(index), Some(k)) = (&mut self.index, key_of(batch, &key)?) {
            index.insert(k.into(), self.entries.len());
        }
        self.entries.push((key, value));
        Ok(())
    }

    fn find(&mut self, batch: &Batch, wanted: &[u8]) -> Result<Option<usize>> {
        if self.entries.len() <= LINEAR_SEARCH_MAX {
            for (i, (k, _)) in self.entries.iter().enumerate() {
                if key_of(batch, k)? == Some(wanted) {
                    return Ok(Some(i));
                }
            }
            return Ok(None);
        }
        if self.index.is_none() {
            let mut index = HashMap::with_capacity(self.entries.len());
            for (i, (k, _)) in self.entries.iter().enumerate() {
                if let Some(k) = key_of(batch, k)? {
                    index.entry(k.into()).or_insert(i);
                }
            }
            self.index = Some(index);
        }
        Ok(self.index.as_ref().and_then(|m| m.get(wanted).copied()))
    }

    /// Build the map node (appending the text of new keys) and empty the
    /// map for the next record.
    pub fn build(&mut self, batch: &mut Batch) -> Result<Node> {
        self.index = None;
        self.children.clear();
        for (key, value) in self.entries.drain(..) {
            let key = match key {
                Key::Node(n) => n,
                Key::Text(t) => push_text(batch, &t)?,
            };
            self.children.push(key);
            self.children.push(value);
        }
        new_map(batch, &self.children)
    }
}

/// The bytes of a key, `None` for a key that is not a string.
fn key_of<'b>(batch: &'b Batch, key: &'b Key) -> Result<Option<&'b [u8]>> {
    match key {
        Key::Node(n) => key_bytes(batch, *n),
        Key::Text(t) => Ok(Some(t.as_bytes())),
    }
}

/// Entry `i` of a map node: its key and value.
#[inline]
pub fn entry(batch: &Batch, map: Node, i: usize) -> Result<(Node, Node)> {
    Ok((child(batch, map, 2 * i)?, child(batch, map, 2 * i + 1)?))
}

/// `map.get(name)`: the value of the first entry whose key is the string
/// `name`, null when there is none.
pub fn map_get(batch: &Batch, map: Node, name: &str) -> Result<Node> {
    for i in 0..map.a as usize {
        let (key, value) = entry(batch, map, i)?;
        if key_bytes(batch, key)? == Some(name.as_bytes()) {
            return Ok(value);
        }
    }
    Ok(Node::NULL)
}

/// Java's `ClassCastException` text for a map key that is not a string
/// where Apache casts keys to `String`.
pub fn key_not_string(key: Node) -> PluginError {
    let class = java_class(key, None);
    PluginError::data(format!(
        "class {class} cannot be cast to class java.lang.String ({class} and java.lang.String are in module java.base of loader 'bootstrap')"
    ))
}

/// Buffers a transform reuses for every record of a batch, so building a
/// record's new value allocates nothing once they have grown.
#[derive(Default)]
pub struct Scratch {
    /// A map being built.
    pub map: PutMap,
    /// The children of a struct being built.
    pub nodes: Vec<Node>,
}

/// Configured names (fields to keep, drop, rename or mask) looked up by
/// the bytes of a key: a scan for the usual handful, a hash map beyond.
pub struct NameMap<V> {
    entries: Vec<(Box<[u8]>, V)>,
    index: Option<HashMap<Box<[u8]>, usize>>,
}

impl<V> NameMap<V> {
    /// The map of `pairs`; a later pair for the same name wins, as in a
    /// Java `HashMap` filled in order.
    pub fn new(pairs: impl IntoIterator<Item = (String, V)>) -> Self {
        let mut entries: Vec<(Box<[u8]>, V)> = Vec::new();
        for (name, value) in pairs {
            let name: Box<[u8]> = name.into_bytes().into();
            match entries.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = value,
                None => entries.push((name, value)),
            }
        }
        let index = (entries.len() > LINEAR_SEARCH_MAX).then(|| {
            entries
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (n.clone(), i))
                .collect()
        });
        Self { entries, index }
    }

    /// The value for `name`.
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<&V> {
        let i = match &self.index {
            Some(index) => *index.get(name)?,
            None => self.entries.iter().position(|(n, _)| **n == *name)?,
        };
        self.entries.get(i).map(|(_, v)| v)
    }

    /// Whether `name` is there.
    #[inline]
    pub fn contains(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    /// Whether there are no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A set of configured names.
pub type NameSet = NameMap<()>;

/// The set of `names`.
pub fn name_set(names: impl IntoIterator<Item = String>) -> NameSet {
    NameMap::new(names.into_iter().map(|n| (n, ())))
}
