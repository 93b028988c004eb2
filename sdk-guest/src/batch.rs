//! [`Batch`]: records in the packed layout that crosses the sandbox, with
//! checked views for reading and builders for writing.
//!
//! The host and plugins share this code, so both sides agree on the layout
//! by construction. Everything read from a batch is bounds-checked: for the
//! host, plugin output is untrusted; for a plugin, a bad batch is a clear
//! error rather than a trap.

use std::fmt;
use std::sync::Arc;

use crate::data::{Field, Header, Record, Schema, SchemaType, Struct, Value};
use crate::error::PluginError;
use crate::header_keys::RecentKeys;
use crate::layout::{
    HEADER_COUNT_AT, HEADER_KEY_AT, HEADER_SCHEMA_AT, HEADER_SIZE, HEADER_START_AT,
    HEADER_VALUE_AT, HeaderDesc, NODE_SIZE, NONE, Node, NodeKind, Part, RECORD_SIZE, RecordDesc,
    SOURCE_OFFSET_AT, SOURCE_PARTITION_AT, TAG_AT, TOPIC_AT, u32_at, u64_at,
};

/// How deeply values and schemas may nest. Connect data in the wild rarely
/// nests past ten levels; the limit keeps the host's recursion bounded when
/// a plugin returns something hostile.
pub const MAX_DEPTH: usize = 64;

/// Why a batch could not be read or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// A descriptor list's length is not a multiple of its entry size.
    #[error(
        "the batch's `{list}` holds {len} bytes, which is not a whole number of {size}-byte entries"
    )]
    Misaligned {
        /// Which list.
        list: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The entry size.
        size: usize,
    },
    /// An index points past the end of a table.
    #[error("{what} refers to {table} entry {index}, but the batch has {len}")]
    IndexOutOfRange {
        /// What holds the index.
        what: String,
        /// The table.
        table: &'static str,
        /// The index.
        index: u64,
        /// The table's length.
        len: usize,
    },
    /// A byte range lies outside `data`.
    #[error("{what} spans bytes {start}..{end}, but the batch data has {len} bytes")]
    RangeOutOfData {
        /// What holds the range.
        what: String,
        /// Start.
        start: u64,
        /// End (exclusive).
        end: u64,
        /// The data length.
        len: usize,
    },
    /// Text is not UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// What holds the text.
        what: String,
    },
    /// A node's kind byte is unknown.
    #[error("{what} has unknown value kind {kind}")]
    UnknownKind {
        /// What holds the node.
        what: String,
        /// The kind byte.
        kind: u8,
    },
    /// A node's children do not come after it, or a schema refers to a
    /// schema that does not come before it (this rule makes cycles
    /// impossible).
    #[error(
        "{what} refers to entry {target}, which breaks the order rule (children come after their node; a schema names only earlier schemas)"
    )]
    BadOrder {
        /// What holds the reference.
        what: String,
        /// The target index.
        target: u64,
    },
    /// Values or schemas nest too deeply.
    #[error("a value or schema nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The batch would exceed what u32 offsets can address.
    #[error("the batch would exceed 4 GiB of data or 4 billion entries")]
    TooLarge,
    /// A value does not fit the schema given for it.
    #[error("{what}: a {found} value does not fit schema type {expected}")]
    SchemaMismatch {
        /// Which value.
        what: String,
        /// The value's kind.
        found: &'static str,
        /// The schema's type.
        expected: &'static str,
    },
    /// A returned batch breaks a rule of the contract beyond the layout.
    #[error("{0}")]
    Contract(String),
    /// A struct value has no struct schema.
    #[error("{what}: a struct value needs a struct schema")]
    StructWithoutSchema {
        /// Which value.
        what: String,
    },
}

/// A schema in a batch's schema table: [`Schema`] with references made
/// indexes (the WIT `schema` record).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDef {
    /// The type.
    pub schema_type: SchemaType,
    /// Whether null is allowed.
    pub optional: bool,
    /// The name.
    pub name: Option<String>,
    /// The version.
    pub version: Option<i32>,
    /// Documentation.
    pub doc: Option<String>,
    /// Parameters.
    pub parameters: Vec<(String, String)>,
    /// Default value: index into the batch's nodes.
    pub default_value: Option<u32>,
    /// Map key schema index.
    pub key_schema: Option<u32>,
    /// Array item or map value schema index.
    pub value_schema: Option<u32>,
    /// Struct fields: name and schema index.
    pub fields: Vec<(String, u32)>,
}

/// Records in the packed layout (see [`crate::layout`] and the WIT).
///
/// `data` is append-only ([`Batch::push_bytes`]): bytes a batch received
/// from the host are never changed, so a plugin returns only what it added
/// (the WIT's `data-base` rule) and most bytes cross the boundary once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// Every variable-length byte.
    data: Vec<u8>,
    /// How many leading bytes of `data` the other side already has.
    shared: u32,
    /// Record descriptors.
    pub records: Vec<u8>,
    /// Header descriptors.
    pub headers: Vec<u8>,
    /// Value nodes.
    pub nodes: Vec<u8>,
    /// Topic table.
    pub topics: Vec<String>,
    /// Schema table.
    pub schemas: Vec<SchemaDef>,
    /// Schemas recently added by `Arc`, so pushing many records that share
    /// one schema does not rebuild and compare it each time.
    schema_cache: SchemaCache,
    /// Header keys recently added to `data`, so records that repeat a key
    /// share one copy of it ([`Batch::push_header_key`]).
    header_keys: RecentKeys,
    /// Source partition table (JSON objects).
    pub source_partitions: Vec<String>,
}

/// `(schema, its index in the table)` for schemas added by `Arc`. The
/// `Arc`s are kept alive so a pointer is never reused for another schema.
#[derive(Debug, Clone, Default)]
struct SchemaCache(Vec<(Arc<Schema>, u32)>);

/// How many schemas the cache remembers; batches rarely hold more.
const SCHEMA_CACHE_SIZE: usize = 16;

/// The cache is a memo of the table, not part of a batch's value.
impl PartialEq for SchemaCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A borrowed view of a value inside a batch; reading it never allocates.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    /// Null.
    Null,
    /// A boolean.
    Boolean(bool),
    /// An 8-bit integer.
    Int8(i8),
    /// A 16-bit integer.
    Int16(i16),
    /// A 32-bit integer.
    Int32(i32),
    /// A 64-bit integer.
    Int64(i64),
    /// A 32-bit float.
    Float32(f32),
    /// A 64-bit float.
    Float64(f64),
    /// Text.
    String(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
    /// An array's items.
    Array(Children<'a>),
    /// A map's entries (keys and values alternate).
    Map(Children<'a>),
    /// A struct's field values, in schema order.
    Struct(Children<'a>),
}

impl ValueRef<'_> {
    /// The kind's name, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ValueRef::Null => "null",
            ValueRef::Boolean(_) => "boolean",
            ValueRef::Int8(_) => "int8",
            ValueRef::Int16(_) => "int16",
            ValueRef::Int32(_) => "int32",
            ValueRef::Int64(_) => "int64",
            ValueRef::Float32(_) => "float",
            ValueRef::Float64(_) => "double",
            ValueRef::String(_) => "string",
            ValueRef::Bytes(_) => "bytes",
            ValueRef::Array(_) => "array",
            ValueRef::Map(_) => "map",
            ValueRef::Struct(_) => "struct",
        }
    }
}

/// The child nodes of an array, map or struct.
#[derive(Debug, Clone, Copy)]
pub struct Children<'a> {
    batch: &'a Batch,
    first: u32,
    /// Number of child nodes (for a map: twice the entries).
    count: u32,
}

impl<'a> Children<'a> {
    /// Number of child nodes (a map has two per entry).
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The raw child node `i`.
    pub fn node(&self, i: usize) -> Result<Node, BatchError> {
        if i >= self.count as usize {
            return Err(BatchError::IndexOutOfRange {
                what: "a child lookup".into(),
                table: "children",
                index: i as u64,
                len: self.count as usize,
            });
        }
        self.batch.node(self.first as usize + i)
    }

    /// Child `i` as a value.
    pub fn get(&self, i: usize) -> Result<ValueRef<'a>, BatchError> {
        let node = self.node(i)?;
        self.batch.value(node, "a child value")
    }
}

/// A read-only view of one record of a batch.
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    batch: &'a Batch,
    index: usize,
    desc: RecordDesc,
}

impl<'a> RecordView<'a> {
    /// The record's position in its batch.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The raw descriptor.
    pub fn desc(&self) -> &RecordDesc {
        &self.desc
    }

    /// The topic.
    pub fn topic(&self) -> Result<&'a str, BatchError> {
        self.batch.topic(self.desc.topic)
    }

    /// The Kafka partition, if set.
    pub fn partition(&self) -> Option<i32> {
        (self.desc.partition >= 0).then_some(self.desc.partition)
    }

    /// The Kafka offset, if set.
    pub fn offset(&self) -> Option<i64> {
        (self.desc.offset >= 0).then_some(self.desc.offset)
    }

    /// The timestamp, if set.
    pub fn timestamp(&self) -> Option<i64> {
        self.desc.timestamp()
    }

    /// The key.
    pub fn key(&self) -> Result<ValueRef<'a>, BatchError> {
        self.batch.value(self.desc.key, "the record key")
    }

    /// The value.
    pub fn value(&self) -> Result<ValueRef<'a>, BatchError> {
        self.batch.value(self.desc.value, "the record value")
    }

    /// The key's schema, if any.
    pub fn key_schema(&self) -> Result<Option<&'a SchemaDef>, BatchError> {
        self.batch.schema_def(self.desc.key_schema)
    }

    /// The value's schema, if any.
    pub fn value_schema(&self) -> Result<Option<&'a SchemaDef>, BatchError> {
        self.batch.schema_def(self.desc.value_schema)
    }

    /// The source partition (JSON object), if set.
    pub fn source_partition(&self) -> Result<Option<&'a str>, BatchError> {
        let index = self.desc.source_partition;
        if index == NONE {
            return Ok(None);
        }
        self.batch
            .source_partitions
            .get(index as usize)
            .map(|s| Some(s.as_str()))
            .ok_or_else(|| BatchError::IndexOutOfRange {
                what: format!("record {}", self.index),
                table: "source-partitions",
                index: u64::from(index),
                len: self.batch.source_partitions.len(),
            })
    }

    /// The source offset (JSON object), if set.
    pub fn source_offset(&self) -> Result<Option<&'a str>, BatchError> {
        if self.desc.source_offset_len == 0 {
            return Ok(None);
        }
        self.batch
            .str(
                self.desc.source_offset_start,
                self.desc.source_offset_len,
                "the source offset",
            )
            .map(Some)
    }

    /// The headers' descriptors.
    pub fn header_descs(&self) -> Result<impl Iterator<Item = HeaderDesc> + 'a, BatchError> {
        let start = self.desc.header_start as usize;
        let end = start + self.desc.header_count as usize;
        let available = self.batch.header_count();
        if end > available {
            return Err(BatchError::IndexOutOfRange {
                what: format!("record {}", self.index),
                table: "headers",
                index: end as u64,
                len: available,
            });
        }
        let batch = self.batch;
        Ok((start..end).filter_map(move |j| batch.header_desc(j).ok()))
    }

    /// This record as an owned [`Record`]. For many records, resolve the
    /// schemas once with [`Batch::resolve_schemas`] and use
    /// [`RecordView::to_record_with`].
    pub fn to_record(&self) -> Result<Record, BatchError> {
        self.to_record_with(&self.batch.resolve_schemas()?)
    }

    /// This record as an owned [`Record`], its schemas taken from `schemas`.
    pub fn to_record_with(&self, schemas: &Schemas) -> Result<Record, BatchError> {
        let b = self.batch;
        let key_schema = schemas.get(self.desc.key_schema)?.cloned();
        let value_schema = schemas.get(self.desc.value_schema)?.cloned();
        let key = b.to_value(self.desc.key, key_schema.as_ref(), 0)?;
        let value = b.to_value(self.desc.value, value_schema.as_ref(), 0)?;
        let mut headers = Vec::with_capacity(self.desc.header_count as usize);
        for h in self.header_descs()? {
            let schema = schemas.get(h.schema)?.cloned();
            headers.push(Header {
                key: b.str(h.key_start, h.key_len, "a header key")?.to_owned(),
                value: b.to_value(h.value, schema.as_ref(), 0)?,
                schema,
            });
        }
        Ok(Record {
            topic: self.topic()?.to_owned(),
            partition: self.partition(),
            offset: self.offset(),
            timestamp: self.timestamp(),
            timestamp_type: self.desc.timestamp_type(),
            key_schema,
            key,
            value_schema,
            value,
            headers,
            source_partition: self.source_partition()?.map(str::to_owned),
            source_offset: self.source_offset()?.map(str::to_owned),
        })
    }
}

/// A batch's schema table as [`Schema`] trees, built once per batch.
#[derive(Debug, Clone, Default)]
pub struct Schemas(Vec<Arc<Schema>>);

impl Schemas {
    /// The schema at `index`, or `None` for [`NONE`].
    pub fn get(&self, index: u32) -> Result<Option<&Arc<Schema>>, BatchError> {
        if index == NONE {
            return Ok(None);
        }
        self.0
            .get(index as usize)
            .map(Some)
            .ok_or_else(|| out_of_range("schemas", index as usize, self.0.len()))
    }
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// A batch from its parts, as received from the other side of the
    /// boundary: `data` is complete, and the first `shared` bytes of it are
    /// bytes that side already has (0 on the host; the whole input in a
    /// plugin).
    #[allow(clippy::too_many_arguments, reason = "one argument per WIT field")]
    pub fn from_parts(
        data: Vec<u8>,
        shared: u32,
        records: Vec<u8>,
        headers: Vec<u8>,
        nodes: Vec<u8>,
        topics: Vec<String>,
        schemas: Vec<SchemaDef>,
        source_partitions: Vec<String>,
    ) -> Self {
        let shared = shared.min(u32::try_from(data.len()).unwrap_or(u32::MAX));
        Self {
            data,
            shared,
            schema_cache: SchemaCache::default(),
            header_keys: RecentKeys::new(),
            records,
            headers,
            nodes,
            topics,
            schemas,
            source_partitions,
        }
    }

    /// Every variable-length byte.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Mark every byte of `data` as held by the other side (a plugin calls
    /// this on a batch it received).
    pub fn share_all(&mut self) {
        self.shared = u32::try_from(self.data.len()).unwrap_or(u32::MAX);
    }

    /// Split off what to send back: `(data-base, the bytes after it)`.
    /// Bytes the other side has stay behind; only appended ones move.
    pub fn take_unshared_data(&mut self) -> (u32, Vec<u8>) {
        let base = self.shared;
        let tail = self.data.split_off(base as usize);
        (base, tail)
    }

    /// Take the data out (the host sends it whole).
    pub fn take_data(&mut self) -> Vec<u8> {
        self.shared = 0;
        self.header_keys.clear();
        std::mem::take(&mut self.data)
    }

    /// A batch holding `records`.
    pub fn from_records<'r>(
        records: impl IntoIterator<Item = &'r Record>,
    ) -> Result<Self, BatchError> {
        let mut batch = Self::new();
        for record in records {
            batch.push_record(record)?;
        }
        Ok(batch)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len() / RECORD_SIZE
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of header descriptors.
    pub fn header_count(&self) -> usize {
        self.headers.len() / HEADER_SIZE
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len() / NODE_SIZE
    }

    /// The descriptor of record `i`.
    pub fn desc(&self, i: usize) -> Result<RecordDesc, BatchError> {
        Ok(RecordDesc::read(entry(&self.records, i, "records")?))
    }

    /// Overwrite the descriptor of record `i`.
    pub fn set_desc(&mut self, i: usize, desc: &RecordDesc) -> Result<(), BatchError> {
        desc.write(entry_mut(&mut self.records, i, "records")?);
        Ok(())
    }

    /// The node and schema index of record `i`'s key or value, read without
    /// decoding the rest of the descriptor (converters touch only these).
    pub fn part(&self, i: usize, part: Part) -> Result<(Node, u32), BatchError> {
        let bytes: &[u8; RECORD_SIZE] = entry(&self.records, i, "records")?;
        let (schema_at, node_at) = part.positions();
        Ok((Node::read_at(bytes, node_at), u32_at(bytes, schema_at)))
    }

    /// Replace record `i`'s key or value and its schema index.
    pub fn set_part(
        &mut self,
        i: usize,
        part: Part,
        node: Node,
        schema: u32,
    ) -> Result<(), BatchError> {
        let bytes: &mut [u8; RECORD_SIZE] = entry_mut(&mut self.records, i, "records")?;
        let (schema_at, node_at) = part.positions();
        bytes[schema_at..schema_at + 4].copy_from_slice(&schema.to_le_bytes());
        node.write_at(bytes, node_at);
        Ok(())
    }

    /// Whether every record's `part` is bytes or null with no schema (a
    /// batch as read from Kafka). Reads only those bytes of each
    /// descriptor: the host's ByteArrayConverter fast path asks it of
    /// every batch a sink reads.
    pub fn parts_are_raw(&self, part: Part) -> bool {
        let (schema_at, node_at) = part.positions();
        self.records.chunks_exact(RECORD_SIZE).all(|r| {
            u32_at(r, schema_at) == NONE
                && matches!(
                    NodeKind::from_u8(r[node_at]),
                    Some(NodeKind::Bytes | NodeKind::Null)
                )
        })
    }

    /// Point every record's `part` at schema `schema` (an index into the
    /// schema table, or [`NONE`]), leaving its node as it is.
    pub fn set_part_schemas(&mut self, part: Part, schema: u32) {
        let (schema_at, _) = part.positions();
        for r in self.records.chunks_exact_mut(RECORD_SIZE) {
            r[schema_at..schema_at + 4].copy_from_slice(&schema.to_le_bytes());
        }
    }

    /// Make room for `records` more records holding `data` more bytes, so
    /// a batch built one record at a time grows at most once.
    pub fn reserve(&mut self, records: usize, data: usize) {
        self.records.reserve(records.saturating_mul(RECORD_SIZE));
        self.data.reserve(data);
    }

    /// Record `i`'s index into the topic table (routing transforms change
    /// only this word of a descriptor).
    pub fn topic_index(&self, i: usize) -> Result<u32, BatchError> {
        let bytes: &[u8; RECORD_SIZE] = entry(&self.records, i, "records")?;
        Ok(u32_at(bytes, TOPIC_AT))
    }

    /// Point record `i` at another entry of the topic table.
    pub fn set_topic_index(&mut self, i: usize, topic: u32) -> Result<(), BatchError> {
        let bytes: &mut [u8; RECORD_SIZE] = entry_mut(&mut self.records, i, "records")?;
        bytes[TOPIC_AT..TOPIC_AT + 4].copy_from_slice(&topic.to_le_bytes());
        Ok(())
    }

    /// Record `i`'s tag (the host's mark; [`NONE`] when unset), read
    /// without decoding the rest of the descriptor.
    pub fn tag(&self, i: usize) -> Result<u32, BatchError> {
        let bytes: &[u8; RECORD_SIZE] = entry(&self.records, i, "records")?;
        Ok(u32_at(bytes, TAG_AT))
    }

    /// Record `i`'s headers: the first header's index and the count.
    pub fn header_range(&self, i: usize) -> Result<(u32, u32), BatchError> {
        let bytes: &[u8; RECORD_SIZE] = entry(&self.records, i, "records")?;
        Ok((
            u32_at(bytes, HEADER_START_AT),
            u32_at(bytes, HEADER_COUNT_AT),
        ))
    }

    /// Give record `i` other headers: `count` header descriptors from `start`.
    pub fn set_header_range(&mut self, i: usize, start: u32, count: u32) -> Result<(), BatchError> {
        let bytes: &mut [u8; RECORD_SIZE] = entry_mut(&mut self.records, i, "records")?;
        bytes[HEADER_START_AT..HEADER_START_AT + 4].copy_from_slice(&start.to_le_bytes());
        bytes[HEADER_COUNT_AT..HEADER_COUNT_AT + 4].copy_from_slice(&count.to_le_bytes());
        Ok(())
    }

    /// Append a node to the arena; returns its index. A compound node's
    /// children must come after it (reserve them with
    /// [`Batch::reserve_nodes`] first and fill them with [`Batch::set_node`]).
    pub fn push_node(&mut self, node: Node) -> Result<u32, BatchError> {
        let index = self.reserve_nodes(1)?;
        self.set_node(index as usize, node)?;
        Ok(index)
    }

    /// Append a record descriptor (its ranges must already be in the batch).
    pub fn push_desc(&mut self, desc: &RecordDesc) {
        let mut bytes = [0u8; RECORD_SIZE];
        desc.write(&mut bytes);
        self.records.extend_from_slice(&bytes);
    }

    /// Record `i`.
    pub fn record(&self, i: usize) -> Result<RecordView<'_>, BatchError> {
        Ok(RecordView {
            batch: self,
            index: i,
            desc: self.desc(i)?,
        })
    }

    /// Every record, in order. A record whose descriptor cannot be read
    /// (only possible when the descriptor list is misaligned) is skipped;
    /// call [`Batch::validate`] first to rule that out.
    pub fn iter(&self) -> impl Iterator<Item = RecordView<'_>> {
        (0..self.len()).filter_map(|i| self.record(i).ok())
    }

    /// Header descriptor `j`.
    pub fn header_desc(&self, j: usize) -> Result<HeaderDesc, BatchError> {
        Ok(HeaderDesc::read(entry(&self.headers, j, "headers")?))
    }

    /// Overwrite header descriptor `j`.
    pub fn set_header_desc(&mut self, j: usize, desc: &HeaderDesc) -> Result<(), BatchError> {
        desc.write(entry_mut(&mut self.headers, j, "headers")?);
        Ok(())
    }

    /// Node `j` of the node arena.
    pub fn node(&self, j: usize) -> Result<Node, BatchError> {
        Ok(Node::read(entry(&self.nodes, j, "nodes")?))
    }

    /// Overwrite node `j` of the arena.
    pub fn set_node(&mut self, j: usize, node: Node) -> Result<(), BatchError> {
        node.write(entry_mut(&mut self.nodes, j, "nodes")?);
        Ok(())
    }

    /// Reserve `count` null nodes at the end of the arena; returns the first.
    pub fn reserve_nodes(&mut self, count: usize) -> Result<u32, BatchError> {
        let first = self.node_count();
        let end = first.checked_add(count).ok_or(BatchError::TooLarge)?;
        if end > NONE as usize {
            return Err(BatchError::TooLarge);
        }
        self.nodes.resize(end * NODE_SIZE, 0);
        u32::try_from(first).map_err(|_| BatchError::TooLarge)
    }

    /// The topic at `index`.
    pub fn topic(&self, index: u32) -> Result<&str, BatchError> {
        self.topics
            .get(index as usize)
            .map(String::as_str)
            .ok_or_else(|| BatchError::IndexOutOfRange {
                what: "a record".into(),
                table: "topics",
                index: u64::from(index),
                len: self.topics.len(),
            })
    }

    /// The schema at `index`, or `None` for [`NONE`].
    pub fn schema_def(&self, index: u32) -> Result<Option<&SchemaDef>, BatchError> {
        if index == NONE {
            return Ok(None);
        }
        self.schemas
            .get(index as usize)
            .map(Some)
            .ok_or_else(|| BatchError::IndexOutOfRange {
                what: "a schema reference".into(),
                table: "schemas",
                index: u64::from(index),
                len: self.schemas.len(),
            })
    }

    /// `len` bytes of data from `start`.
    pub fn bytes(&self, start: u32, len: u32, what: &str) -> Result<&[u8], BatchError> {
        let (s, e) = (start as usize, start as usize + len as usize);
        self.data
            .get(s..e)
            .ok_or_else(|| BatchError::RangeOutOfData {
                what: what.to_owned(),
                start: s as u64,
                end: e as u64,
                len: self.data.len(),
            })
    }

    /// `len` bytes of UTF-8 text from `start`.
    pub fn str(&self, start: u32, len: u32, what: &str) -> Result<&str, BatchError> {
        std::str::from_utf8(self.bytes(start, len, what)?).map_err(|_| BatchError::InvalidUtf8 {
            what: what.to_owned(),
        })
    }

    /// The value a node holds.
    pub fn value(&self, node: Node, what: &str) -> Result<ValueRef<'_>, BatchError> {
        let kind = NodeKind::from_u8(node.kind).ok_or_else(|| BatchError::UnknownKind {
            what: what.to_owned(),
            kind: node.kind,
        })?;
        let children = |count: u64| -> Result<Children<'_>, BatchError> {
            let first = node.b;
            let end = first.saturating_add(count);
            if end > self.node_count() as u64 {
                return Err(BatchError::IndexOutOfRange {
                    what: what.to_owned(),
                    table: "nodes",
                    index: end,
                    len: self.node_count(),
                });
            }
            Ok(Children {
                batch: self,
                first: first as u32,
                count: count as u32,
            })
        };
        Ok(match kind {
            NodeKind::Null => ValueRef::Null,
            NodeKind::Boolean => ValueRef::Boolean(node.b != 0),
            NodeKind::Int8 => ValueRef::Int8(node.b as i8),
            NodeKind::Int16 => ValueRef::Int16(node.b as i16),
            NodeKind::Int32 => ValueRef::Int32(node.b as i32),
            NodeKind::Int64 => ValueRef::Int64(node.b as i64),
            NodeKind::Float32 => ValueRef::Float32(f32::from_bits(node.b as u32)),
            NodeKind::Float64 => ValueRef::Float64(f64::from_bits(node.b)),
            NodeKind::String => ValueRef::String(self.str(offset32(node.b)?, node.a, what)?),
            NodeKind::Bytes => ValueRef::Bytes(self.bytes(offset32(node.b)?, node.a, what)?),
            NodeKind::Array => ValueRef::Array(children(u64::from(node.a))?),
            NodeKind::Map => ValueRef::Map(children(2 * u64::from(node.a))?),
            NodeKind::Struct => ValueRef::Struct(children(u64::from(node.a))?),
        })
    }

    /// The schema at `index` as a tree, or `None` for [`NONE`].
    pub fn schema_tree(&self, index: u32) -> Result<Option<Arc<Schema>>, BatchError> {
        Ok(self.resolve_schemas()?.get(index)?.cloned())
    }

    /// Every schema of the table as a tree. Schemas refer only to earlier
    /// ones, so one pass in order builds them all, sharing subtrees.
    pub fn resolve_schemas(&self) -> Result<Schemas, BatchError> {
        let mut built: Vec<Arc<Schema>> = Vec::with_capacity(self.schemas.len());
        for (i, def) in self.schemas.iter().enumerate() {
            let earlier = |r: u32| -> Result<Arc<Schema>, BatchError> {
                built.get(r as usize).cloned().ok_or(BatchError::BadOrder {
                    what: format!("schema {i}"),
                    target: u64::from(r),
                })
            };
            let mut fields = Vec::with_capacity(def.fields.len());
            for (name, field_schema) in &def.fields {
                fields.push(Field {
                    name: name.clone(),
                    schema: earlier(*field_schema)?,
                });
            }
            let schema = Schema {
                schema_type: def.schema_type,
                optional: def.optional,
                name: def.name.clone(),
                version: def.version,
                doc: def.doc.clone(),
                parameters: def.parameters.clone(),
                default: None,
                key_schema: def.key_schema.map(earlier).transpose()?,
                value_schema: def.value_schema.map(earlier).transpose()?,
                fields,
            };
            let schema = match def.default_value {
                None => Arc::new(schema),
                Some(node_index) => {
                    // The default is read against the schema itself (its
                    // own default is not needed to read it).
                    let plain = Arc::new(schema);
                    let value = self.to_value(self.node(node_index as usize)?, Some(&plain), 0)?;
                    let mut with_default = (*plain).clone();
                    with_default.default = Some(value);
                    Arc::new(with_default)
                }
            };
            built.push(schema);
        }
        Ok(Schemas(built))
    }

    /// Record `i`'s key or value as an owned value with its schema.
    pub fn part_value(
        &self,
        i: usize,
        part: Part,
        schemas: &Schemas,
    ) -> Result<(Option<Arc<Schema>>, Value), BatchError> {
        let (node, schema) = self.part(i, part)?;
        let schema = schemas.get(schema)?.cloned();
        let value = self.to_value(node, schema.as_ref(), 0)?;
        Ok((schema, value))
    }

    /// Replace record `i`'s key or value (and its schema) with `value`.
    pub fn set_part_value(
        &mut self,
        i: usize,
        part: Part,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<(), BatchError> {
        let schema_index = match schema {
            Some(s) => self.add_schema_arc(s)?,
            None => NONE,
        };
        let node = self.encode_value(value, schema.map(|s| &**s), 0)?;
        self.set_part(i, part, node, schema_index)
    }

    /// The owned value a node holds, read against `schema` (needed for
    /// struct field names).
    pub fn to_value(
        &self,
        node: Node,
        schema: Option<&Arc<Schema>>,
        depth: usize,
    ) -> Result<Value, BatchError> {
        if depth > MAX_DEPTH {
            return Err(BatchError::TooDeep);
        }
        Ok(match self.value(node, "a value")? {
            ValueRef::Null => Value::Null,
            ValueRef::Boolean(v) => Value::Boolean(v),
            ValueRef::Int8(v) => Value::Int8(v),
            ValueRef::Int16(v) => Value::Int16(v),
            ValueRef::Int32(v) => Value::Int32(v),
            ValueRef::Int64(v) => Value::Int64(v),
            ValueRef::Float32(v) => Value::Float32(v),
            ValueRef::Float64(v) => Value::Float64(v),
            ValueRef::String(s) => Value::String(s.to_owned()),
            ValueRef::Bytes(b) => Value::Bytes(b.to_vec()),
            ValueRef::Array(items) => {
                let item_schema = schema.and_then(|s| s.value_schema.as_ref());
                let mut out = Vec::with_capacity(items.len());
                for i in 0..items.len() {
                    out.push(self.to_value(items.node(i)?, item_schema, depth + 1)?);
                }
                Value::Array(out)
            }
            ValueRef::Map(entries) => {
                let key_schema = schema.and_then(|s| s.key_schema.as_ref());
                let value_schema = schema.and_then(|s| s.value_schema.as_ref());
                let mut out = Vec::with_capacity(entries.len() / 2);
                for i in 0..entries.len() / 2 {
                    let k = self.to_value(entries.node(2 * i)?, key_schema, depth + 1)?;
                    let v = self.to_value(entries.node(2 * i + 1)?, value_schema, depth + 1)?;
                    out.push((k, v));
                }
                Value::Map(out)
            }
            ValueRef::Struct(values) => {
                let schema = match schema {
                    Some(s) if s.schema_type == SchemaType::Struct => s,
                    _ => return Err(struct_without_schema()),
                };
                check_struct_len(values.len(), schema.fields.len())?;
                let mut out = Vec::with_capacity(values.len());
                for (i, field) in schema.fields.iter().enumerate() {
                    out.push(self.to_value(values.node(i)?, Some(&field.schema), depth + 1)?);
                }
                Value::Struct(Struct {
                    schema: schema.clone(),
                    values: out,
                })
            }
        })
    }

    /// Append bytes to `data`; returns their start and length.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(u32, u32), BatchError> {
        let start = u32::try_from(self.data.len()).map_err(|_| BatchError::TooLarge)?;
        let len = u32::try_from(bytes.len()).map_err(|_| BatchError::TooLarge)?;
        start.checked_add(len).ok_or(BatchError::TooLarge)?;
        self.data.extend_from_slice(bytes);
        Ok((start, len))
    }

    /// The range of a header key in `data`: the bytes of an equal key this
    /// batch recently stored, or `key` appended. Records that repeat a key
    /// (the usual case) thus share one copy, and header descriptors with
    /// equal keys have equal `(start, length)`.
    pub fn push_header_key(&mut self, key: &[u8]) -> Result<(u32, u32), BatchError> {
        if let Some(found) = self.header_keys.find(&self.data, key) {
            return Ok(found);
        }
        let range = self.push_bytes(key)?;
        self.header_keys.remember(range);
        Ok(range)
    }

    /// The index of `topic` in the topic table, adding it when new.
    pub fn intern_topic(&mut self, topic: &str) -> Result<u32, BatchError> {
        intern(&mut self.topics, topic)
    }

    /// The index of `partition` (a JSON object) in the source partition
    /// table, adding it when new.
    pub fn intern_source_partition(&mut self, partition: &str) -> Result<u32, BatchError> {
        intern(&mut self.source_partitions, partition)
    }

    /// Add `schema` (and the schemas it refers to) to the schema table,
    /// reusing an equal entry; returns its index.
    pub fn add_schema(&mut self, schema: &Schema) -> Result<u32, BatchError> {
        self.add_schema_at(schema, 0)
    }

    /// [`Batch::add_schema`] for a shared schema: adding the same `Arc`
    /// again (one schema for many records) is a pointer comparison.
    pub fn add_schema_arc(&mut self, schema: &Arc<Schema>) -> Result<u32, BatchError> {
        let cached = self
            .schema_cache
            .0
            .iter()
            .find(|(s, _)| Arc::ptr_eq(s, schema))
            .map(|(_, i)| *i);
        // The table is public; only trust the memo while it still matches.
        if let Some(i) = cached
            && self.schemas.get(i as usize).is_some_and(|d| {
                d.schema_type == schema.schema_type
                    && d.name == schema.name
                    && d.fields.len() == schema.fields.len()
            })
        {
            return Ok(i);
        }
        let index = self.add_schema(schema)?;
        let cache = &mut self.schema_cache.0;
        if cache.len() >= SCHEMA_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((schema.clone(), index));
        Ok(index)
    }

    fn add_schema_at(&mut self, schema: &Schema, depth: usize) -> Result<u32, BatchError> {
        if depth > MAX_DEPTH {
            return Err(BatchError::TooDeep);
        }
        // Children first, so every reference points backwards.
        let key_schema = match &schema.key_schema {
            Some(s) => Some(self.add_schema_at(s, depth + 1)?),
            None => None,
        };
        let value_schema = match &schema.value_schema {
            Some(s) => Some(self.add_schema_at(s, depth + 1)?),
            None => None,
        };
        let mut fields = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            fields.push((
                field.name.clone(),
                self.add_schema_at(&field.schema, depth + 1)?,
            ));
        }
        let mut def = SchemaDef {
            schema_type: schema.schema_type,
            optional: schema.optional,
            name: schema.name.clone(),
            version: schema.version,
            doc: schema.doc.clone(),
            parameters: schema.parameters.clone(),
            default_value: None,
            key_schema,
            value_schema,
            fields,
        };
        if schema.default.is_none()
            && let Some(existing) = self.schemas.iter().position(|s| *s == def)
        {
            return u32::try_from(existing).map_err(|_| BatchError::TooLarge);
        }
        if let Some(default) = &schema.default {
            let slot = self.reserve_nodes(1)?;
            let node = self.encode_value(default, Some(schema), depth + 1)?;
            self.set_node(slot as usize, node)?;
            def.default_value = Some(slot);
        }
        let index = u32::try_from(self.schemas.len()).map_err(|_| BatchError::TooLarge)?;
        if index == NONE {
            return Err(BatchError::TooLarge);
        }
        self.schemas.push(def);
        Ok(index)
    }

    /// Encode `value` as a node, appending its bytes and children; the
    /// value is checked against `schema` when one is given.
    pub fn encode_value(
        &mut self,
        value: &Value,
        schema: Option<&Schema>,
        depth: usize,
    ) -> Result<Node, BatchError> {
        if depth > MAX_DEPTH {
            return Err(BatchError::TooDeep);
        }
        if let Some(schema) = schema {
            check_fits(value, schema)?;
        }
        Ok(match value {
            Value::Null => Node::NULL,
            Value::Boolean(v) => Node::new(NodeKind::Boolean, 0, u64::from(*v)),
            Value::Int8(v) => Node::new(NodeKind::Int8, 0, i64::from(*v) as u64),
            Value::Int16(v) => Node::new(NodeKind::Int16, 0, i64::from(*v) as u64),
            Value::Int32(v) => Node::new(NodeKind::Int32, 0, i64::from(*v) as u64),
            Value::Int64(v) => Node::new(NodeKind::Int64, 0, *v as u64),
            Value::Float32(v) => Node::new(NodeKind::Float32, 0, u64::from(v.to_bits())),
            Value::Float64(v) => Node::new(NodeKind::Float64, 0, v.to_bits()),
            Value::String(s) => {
                let (start, len) = self.push_bytes(s.as_bytes())?;
                Node::string(start, len)
            }
            Value::Bytes(b) => {
                let (start, len) = self.push_bytes(b)?;
                Node::bytes(start, len)
            }
            Value::Array(items) => {
                let item_schema = schema.and_then(|s| s.value_schema.as_deref());
                let first = self.reserve_nodes(items.len())?;
                for (i, item) in items.iter().enumerate() {
                    let node = self.encode_value(item, item_schema, depth + 1)?;
                    self.set_node(first as usize + i, node)?;
                }
                Node::new(NodeKind::Array, count32(items.len())?, u64::from(first))
            }
            Value::Map(entries) => {
                let key_schema = schema.and_then(|s| s.key_schema.as_deref());
                let value_schema = schema.and_then(|s| s.value_schema.as_deref());
                let first = self.reserve_nodes(entries.len() * 2)?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    let kn = self.encode_value(k, key_schema, depth + 1)?;
                    self.set_node(first as usize + 2 * i, kn)?;
                    let vn = self.encode_value(v, value_schema, depth + 1)?;
                    self.set_node(first as usize + 2 * i + 1, vn)?;
                }
                Node::new(NodeKind::Map, count32(entries.len())?, u64::from(first))
            }
            Value::Struct(s) => {
                let first = self.reserve_nodes(s.values.len())?;
                for (i, (field, v)) in s.schema.fields.iter().zip(&s.values).enumerate() {
                    let node = self.encode_value(v, Some(&field.schema), depth + 1)?;
                    self.set_node(first as usize + i, node)?;
                }
                Node::new(NodeKind::Struct, count32(s.values.len())?, u64::from(first))
            }
        })
    }

    /// Append `record`.
    pub fn push_record(&mut self, record: &Record) -> Result<(), BatchError> {
        let mut desc = RecordDesc {
            topic: self.intern_topic(&record.topic)?,
            partition: record.partition.unwrap_or(-1),
            offset: record.offset.unwrap_or(-1),
            ..RecordDesc::default()
        };
        desc.set_timestamp(record.timestamp, record.timestamp_type);
        if let Some(schema) = &record.key_schema {
            desc.key_schema = self.add_schema_arc(schema)?;
        }
        if let Some(schema) = &record.value_schema {
            desc.value_schema = self.add_schema_arc(schema)?;
        }
        desc.key = self.encode_value(&record.key, record.key_schema.as_deref(), 0)?;
        desc.value = self.encode_value(&record.value, record.value_schema.as_deref(), 0)?;
        desc.header_start = count32(self.header_count())?;
        desc.header_count = count32(record.headers.len())?;
        for header in &record.headers {
            self.push_header(header)?;
        }
        if let Some(partition) = &record.source_partition {
            desc.source_partition = self.intern_source_partition(partition)?;
        }
        if let Some(offset) = &record.source_offset {
            let (start, len) = self.push_bytes(offset.as_bytes())?;
            desc.source_offset_start = start;
            desc.source_offset_len = len;
        }
        self.push_desc(&desc);
        Ok(())
    }

    /// Append a header descriptor for `header`; returns its index. The
    /// caller points a record at it. Its key shares the bytes of an equal
    /// key stored recently ([`Batch::push_header_key`]).
    pub fn push_header(&mut self, header: &Header) -> Result<u32, BatchError> {
        let (key_start, key_len) = self.push_header_key(header.key.as_bytes())?;
        let schema = match &header.schema {
            Some(s) => self.add_schema_arc(s)?,
            None => NONE,
        };
        let value = self.encode_value(&header.value, header.schema.as_deref(), 0)?;
        self.push_header_desc(key_start, key_len, schema, value)
    }

    /// Add a header of raw bytes without a schema (as consumed from Kafka;
    /// `None` is a null value), its key stored once per batch; returns its
    /// index. Like [`Batch::push_header`], records point at it by range.
    pub fn push_bytes_header(
        &mut self,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> Result<u32, BatchError> {
        let (key_start, key_len) = self.push_header_key(key)?;
        let value = match value {
            Some(v) => {
                let (start, len) = self.push_bytes(v)?;
                Node::bytes(start, len)
            }
            None => Node::NULL,
        };
        self.push_header_desc(key_start, key_len, NONE, value)
    }

    fn push_header_desc(
        &mut self,
        key_start: u32,
        key_len: u32,
        schema: u32,
        value: Node,
    ) -> Result<u32, BatchError> {
        let index = count32(self.header_count())?;
        let mut bytes = [0u8; HEADER_SIZE];
        HeaderDesc {
            key_start,
            key_len,
            schema,
            value,
        }
        .write(&mut bytes);
        self.headers.extend_from_slice(&bytes);
        Ok(index)
    }

    /// Apply `f` to every record, as an owned [`Record`], and build a batch
    /// of what it returns (`None` drops the record). An error is tagged
    /// with the index of the record that caused it, so the host can skip
    /// just that record under `errors.tolerance=all`.
    pub fn map_records(
        &self,
        mut f: impl FnMut(Record) -> Result<Option<Record>, PluginError>,
    ) -> Result<Batch, PluginError> {
        let schemas = self.resolve_schemas()?;
        let mut out = Batch::new();
        for i in 0..self.len() {
            let record = self
                .record(i)
                .and_then(|r| r.to_record_with(&schemas))
                .map_err(|e| PluginError::from(e).at_record(i))?;
            let mapped = f(record).map_err(|e| match e.record {
                Some(_) => e,
                None => e.at_record(i),
            })?;
            if let Some(r) = mapped {
                out.push_record(&r)
                    .map_err(|e| PluginError::from(e).at_record(i))?;
                // The output record came from input record i: keep its tag.
                let tag = self.desc(i).map(|d| d.tag).unwrap_or(NONE);
                let last = out.len() - 1;
                let mut desc = out.desc(last)?;
                desc.tag = tag;
                out.set_desc(last, &desc)?;
            }
        }
        Ok(out)
    }

    /// A batch holding records `range` of this one. Tables and data are
    /// cloned whole (descriptors may point anywhere in them).
    pub fn slice(&self, range: std::ops::Range<usize>) -> Result<Batch, BatchError> {
        let bytes = self
            .records
            .get(range.start * RECORD_SIZE..range.end * RECORD_SIZE)
            .ok_or_else(|| out_of_range("records", range.end, self.len()))?;
        let mut out = self.clone();
        out.shared = 0;
        out.records = bytes.to_vec();
        Ok(out)
    }

    /// Append every record of `other` (which must be valid), moving its
    /// bytes, nodes, headers and table entries in and rewriting its
    /// indexes and ranges to point at them.
    pub fn append(&mut self, other: Batch) -> Result<(), BatchError> {
        let data_shift = count32(self.data.len())?;
        let node_shift = count32(self.node_count())?;
        let header_shift = count32(self.header_count())?;
        let schema_shift = count32(self.schemas.len())?;
        let shift = |v: u32, by: u32| v.checked_add(by).ok_or(BatchError::TooLarge);
        let shift_ref = |v: u32, by: u32| if v == NONE { Ok(NONE) } else { shift(v, by) };
        let move_node = |n: Node| -> Result<Node, BatchError> {
            let by = match NodeKind::from_u8(n.kind) {
                Some(NodeKind::String | NodeKind::Bytes) => u64::from(data_shift),
                Some(NodeKind::Array | NodeKind::Map | NodeKind::Struct) => u64::from(node_shift),
                _ => 0,
            };
            Ok(Node {
                b: n.b.checked_add(by).ok_or(BatchError::TooLarge)?,
                ..n
            })
        };
        self.data.extend_from_slice(&other.data);
        if self.data.len() > u32::MAX as usize {
            return Err(BatchError::TooLarge);
        }
        for j in 0..other.node_count() {
            let node = move_node(other.node(j)?)?;
            let mut bytes = [0u8; NODE_SIZE];
            node.write(&mut bytes);
            self.nodes.extend_from_slice(&bytes);
        }
        for def in &other.schemas {
            let mut def = def.clone();
            def.key_schema = def.key_schema.map(|r| shift(r, schema_shift)).transpose()?;
            def.value_schema = def
                .value_schema
                .map(|r| shift(r, schema_shift))
                .transpose()?;
            def.default_value = def
                .default_value
                .map(|r| shift(r, node_shift))
                .transpose()?;
            for (_, r) in &mut def.fields {
                *r = shift(*r, schema_shift)?;
            }
            self.schemas.push(def);
        }
        for j in 0..other.header_count() {
            let mut h = other.header_desc(j)?;
            h.key_start = shift(h.key_start, data_shift)?;
            h.schema = shift_ref(h.schema, schema_shift)?;
            h.value = move_node(h.value)?;
            let mut bytes = [0u8; HEADER_SIZE];
            h.write(&mut bytes);
            self.headers.extend_from_slice(&bytes);
        }
        for i in 0..other.len() {
            let mut d = other.desc(i)?;
            d.topic = self.intern_topic(other.topic(d.topic)?)?;
            d.header_start = shift(d.header_start, header_shift)?;
            d.key_schema = shift_ref(d.key_schema, schema_shift)?;
            d.value_schema = shift_ref(d.value_schema, schema_shift)?;
            if d.source_partition != NONE {
                let partition = other
                    .source_partitions
                    .get(d.source_partition as usize)
                    .ok_or_else(|| {
                        out_of_range(
                            "source-partitions",
                            d.source_partition as usize,
                            other.source_partitions.len(),
                        )
                    })?;
                d.source_partition = self.intern_source_partition(partition)?;
            }
            d.source_offset_start = shift(d.source_offset_start, data_shift)?;
            d.key = move_node(d.key)?;
            d.value = move_node(d.value)?;
            self.push_desc(&d);
        }
        Ok(())
    }

    /// Give every record the tag of its position (the host marks a batch
    /// this way before plugins see it).
    pub fn tag_positions(&mut self) -> Result<(), BatchError> {
        // Only the tag's four bytes of each descriptor change.
        for (i, desc) in self.records.chunks_exact_mut(RECORD_SIZE).enumerate() {
            desc[TAG_AT..TAG_AT + 4].copy_from_slice(&count32(i)?.to_le_bytes());
        }
        Ok(())
    }

    /// Every record as an owned [`Record`].
    pub fn to_records(&self) -> Result<Vec<Record>, BatchError> {
        let schemas = self.resolve_schemas()?;
        let mut out = Vec::with_capacity(self.len());
        for i in 0..self.len() {
            out.push(self.record(i)?.to_record_with(&schemas)?);
        }
        Ok(out)
    }

    /// Keep only the records for which `keep` is true, in order. Their
    /// bytes, headers and nodes stay where they are (descriptors may point
    /// anywhere), so this costs one descriptor copy per kept record.
    pub fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut write = 0;
        for read in 0..self.len() {
            if keep(read) {
                if read != write {
                    self.records.copy_within(
                        read * RECORD_SIZE..(read + 1) * RECORD_SIZE,
                        write * RECORD_SIZE,
                    );
                }
                write += 1;
            }
        }
        self.records.truncate(write * RECORD_SIZE);
    }

    /// Check every index and range in the batch, so later reads fail only
    /// on text that is not UTF-8. The host calls this on everything a
    /// plugin returns.
    pub fn validate(&self) -> Result<(), BatchError> {
        // Every batch a plugin returns is checked, so the check is on the
        // path of every record: a pass of plain comparisons over the
        // descriptor bytes first, and only when it finds something wrong
        // the walk that names what (the same rules, slower: it decodes
        // each descriptor and builds the message).
        if self.layout_ok() {
            return Ok(());
        }
        self.first_problem()
    }

    /// Whether every index and range is in bounds: [`Batch::first_problem`]'s
    /// rules as comparisons only. Never more lenient than it (a property
    /// test compares the two on hostile batches).
    fn layout_ok(&self) -> bool {
        if !self.records.len().is_multiple_of(RECORD_SIZE)
            || !self.headers.len().is_multiple_of(HEADER_SIZE)
            || !self.nodes.len().is_multiple_of(NODE_SIZE)
            || self.data.len() > u32::MAX as usize
        {
            return false;
        }
        let data = self.data.len() as u64;
        let nodes = self.node_count() as u64;
        let headers = self.header_count() as u64;
        let schemas = self.schemas.len();
        let schema_ok = |s: u32| s == NONE || (s as usize) < schemas;
        for (i, def) in self.schemas.iter().enumerate() {
            let earlier = |s: &u32| (*s as usize) < i;
            if !(def.key_schema.iter().all(earlier)
                && def.value_schema.iter().all(earlier)
                && def.fields.iter().all(|(_, s)| earlier(s))
                && def.default_value.is_none_or(|n| u64::from(n) < nodes))
            {
                return false;
            }
        }
        let (node_list, _) = self.nodes.as_chunks::<NODE_SIZE>();
        for (j, n) in node_list.iter().enumerate() {
            if !node_ok(n, Some(j as u64), data, nodes) {
                return false;
            }
        }
        let (header_list, _) = self.headers.as_chunks::<HEADER_SIZE>();
        for h in header_list {
            if u64::from(u32_at(h, HEADER_KEY_AT)) + u64::from(u32_at(h, HEADER_KEY_AT + 4)) > data
                || !schema_ok(u32_at(h, HEADER_SCHEMA_AT))
                || !node_ok(&node_bytes(h, HEADER_VALUE_AT), None, data, nodes)
            {
                return false;
            }
        }
        let (record_list, _) = self.records.as_chunks::<RECORD_SIZE>();
        let (topics, partitions) = (self.topics.len(), self.source_partitions.len());
        for r in record_list {
            let partition = u32_at(r, SOURCE_PARTITION_AT);
            if u32_at(r, TOPIC_AT) as usize >= topics
                || u64::from(u32_at(r, HEADER_START_AT)) + u64::from(u32_at(r, HEADER_COUNT_AT))
                    > headers
                || !schema_ok(u32_at(r, Part::Key.positions().0))
                || !schema_ok(u32_at(r, Part::Value.positions().0))
                || (partition != NONE && partition as usize >= partitions)
                || u64::from(u32_at(r, SOURCE_OFFSET_AT))
                    + u64::from(u32_at(r, SOURCE_OFFSET_AT + 4))
                    > data
                || !node_ok(&node_bytes(r, Part::Key.positions().1), None, data, nodes)
                || !node_ok(&node_bytes(r, Part::Value.positions().1), None, data, nodes)
            {
                return false;
            }
        }
        true
    }

    /// The first index or range out of bounds, named (see
    /// [`Batch::validate`]).
    fn first_problem(&self) -> Result<(), BatchError> {
        for (list, len, size) in [
            ("records", self.records.len(), RECORD_SIZE),
            ("headers", self.headers.len(), HEADER_SIZE),
            ("nodes", self.nodes.len(), NODE_SIZE),
        ] {
            if len % size != 0 {
                return Err(BatchError::Misaligned { list, len, size });
            }
        }
        if self.data.len() > u32::MAX as usize {
            return Err(BatchError::TooLarge);
        }
        for (i, def) in self.schemas.iter().enumerate() {
            let what = || format!("schema {i}");
            let refs = def
                .key_schema
                .iter()
                .chain(def.value_schema.iter())
                .chain(def.fields.iter().map(|(_, s)| s));
            for target in refs {
                if *target as usize >= i {
                    return Err(BatchError::BadOrder {
                        what: what(),
                        target: u64::from(*target),
                    });
                }
            }
            if let Some(node) = def.default_value
                && node as usize >= self.node_count()
            {
                return Err(BatchError::IndexOutOfRange {
                    what: what(),
                    table: "nodes",
                    index: u64::from(node),
                    len: self.node_count(),
                });
            }
        }
        for j in 0..self.node_count() {
            let node = self.node(j)?;
            self.check_node(node, Some(j), &|| format!("node {j}"))?;
        }
        for j in 0..self.header_count() {
            let h = self.header_desc(j)?;
            let what = || format!("header {j}");
            self.check_range(u64::from(h.key_start), u64::from(h.key_len), &what)?;
            self.check_schema_ref(h.schema, &what)?;
            self.check_node(h.value, None, &what)?;
        }
        for i in 0..self.len() {
            let d = self.desc(i)?;
            let what = || format!("record {i}");
            if d.topic as usize >= self.topics.len() {
                return Err(BatchError::IndexOutOfRange {
                    what: what(),
                    table: "topics",
                    index: u64::from(d.topic),
                    len: self.topics.len(),
                });
            }
            let header_end = u64::from(d.header_start) + u64::from(d.header_count);
            if header_end > self.header_count() as u64 {
                return Err(BatchError::IndexOutOfRange {
                    what: what(),
                    table: "headers",
                    index: header_end,
                    len: self.header_count(),
                });
            }
            self.check_schema_ref(d.key_schema, &what)?;
            self.check_schema_ref(d.value_schema, &what)?;
            if d.source_partition != NONE
                && d.source_partition as usize >= self.source_partitions.len()
            {
                return Err(BatchError::IndexOutOfRange {
                    what: what(),
                    table: "source-partitions",
                    index: u64::from(d.source_partition),
                    len: self.source_partitions.len(),
                });
            }
            self.check_range(
                u64::from(d.source_offset_start),
                u64::from(d.source_offset_len),
                &what,
            )?;
            self.check_node(d.key, None, &what)?;
            self.check_node(d.value, None, &what)?;
        }
        Ok(())
    }

    fn check_schema_ref(&self, index: u32, what: &dyn Fn() -> String) -> Result<(), BatchError> {
        if index != NONE && index as usize >= self.schemas.len() {
            return Err(BatchError::IndexOutOfRange {
                what: what(),
                table: "schemas",
                index: u64::from(index),
                len: self.schemas.len(),
            });
        }
        Ok(())
    }

    fn check_range(
        &self,
        start: u64,
        len: u64,
        what: &dyn Fn() -> String,
    ) -> Result<(), BatchError> {
        // A node's start is a u64: saturate rather than wrap past the end.
        let end = start.saturating_add(len);
        if end > self.data.len() as u64 {
            return Err(BatchError::RangeOutOfData {
                what: what(),
                start,
                end,
                len: self.data.len(),
            });
        }
        Ok(())
    }

    /// Check one node; `at` is its index when it lives in the arena (its
    /// children must then come after it).
    fn check_node(
        &self,
        node: Node,
        at: Option<usize>,
        what: &dyn Fn() -> String,
    ) -> Result<(), BatchError> {
        let kind = NodeKind::from_u8(node.kind).ok_or_else(|| BatchError::UnknownKind {
            what: what(),
            kind: node.kind,
        })?;
        let children = match kind {
            NodeKind::String | NodeKind::Bytes => {
                return self.check_range(node.b, u64::from(node.a), what);
            }
            NodeKind::Array | NodeKind::Struct => u64::from(node.a),
            NodeKind::Map => 2 * u64::from(node.a),
            _ => return Ok(()),
        };
        if let Some(at) = at
            && children > 0
            && node.b <= at as u64
        {
            return Err(BatchError::BadOrder {
                what: what(),
                target: node.b,
            });
        }
        let end = node.b.saturating_add(children);
        if end > self.node_count() as u64 {
            return Err(BatchError::IndexOutOfRange {
                what: what(),
                table: "nodes",
                index: end,
                len: self.node_count(),
            });
        }
        Ok(())
    }
}

/// Writes a value as Java's `toString()` would (see [`Value`]'s `Display`);
/// strings and bytes are written without copying.
impl fmt::Display for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Null => f.write_str("null"),
            ValueRef::Boolean(v) => write!(f, "{v}"),
            ValueRef::Int8(v) => write!(f, "{v}"),
            ValueRef::Int16(v) => write!(f, "{v}"),
            ValueRef::Int32(v) => write!(f, "{v}"),
            ValueRef::Int64(v) => write!(f, "{v}"),
            ValueRef::Float32(v) => f.write_str(&crate::java::float_to_string(*v)),
            ValueRef::Float64(v) => f.write_str(&crate::java::double_to_string(*v)),
            ValueRef::String(s) => f.write_str(s),
            ValueRef::Bytes(b) => crate::java::write_bytes(f, b),
            ValueRef::Array(c) | ValueRef::Map(c) | ValueRef::Struct(c) => {
                // Compound values need their schema for field names; callers
                // that have one use `Batch::to_value`. Without it, print the
                // items.
                f.write_str("[")?;
                for i in 0..c.len() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match c.get(i) {
                        Ok(v) => write!(f, "{v}")?,
                        Err(_) => f.write_str("?")?,
                    }
                }
                f.write_str("]")
            }
        }
    }
}

/// Whether a node (16 bytes) is in bounds: a known kind, its bytes inside
/// `data`, its children inside the arena and, for a node of the arena at
/// index `at`, after it ([`Batch::check_node`]'s rules).
#[inline(always)]
fn node_ok(n: &[u8; NODE_SIZE], at: Option<u64>, data: u64, nodes: u64) -> bool {
    let a = u64::from(u32_at(n, 4));
    let b = u64_at(n, 8);
    let children = match n[0] {
        0..=7 => return true,
        8 | 9 => return b.saturating_add(a) <= data,
        10 | 12 => a,
        11 => 2 * a,
        _ => return false,
    };
    if let Some(at) = at
        && children > 0
        && b <= at
    {
        return false;
    }
    b.saturating_add(children) <= nodes
}

/// The 16 bytes of the node at byte `at` of a descriptor.
#[inline(always)]
fn node_bytes(desc: &[u8], at: usize) -> [u8; NODE_SIZE] {
    let mut n = [0u8; NODE_SIZE];
    n.copy_from_slice(&desc[at..at + NODE_SIZE]);
    n
}

/// Entry `i` of a list of fixed-size descriptors.
fn entry<'a, const N: usize>(
    list: &'a [u8],
    i: usize,
    table: &'static str,
) -> Result<&'a [u8; N], BatchError> {
    list.get(i * N..(i + 1) * N)
        .and_then(|s| <&[u8; N]>::try_from(s).ok())
        .ok_or_else(|| out_of_range(table, i, list.len() / N))
}

/// Entry `i` of a list of fixed-size descriptors, to overwrite.
fn entry_mut<'a, const N: usize>(
    list: &'a mut [u8],
    i: usize,
    table: &'static str,
) -> Result<&'a mut [u8; N], BatchError> {
    let len = list.len() / N;
    list.get_mut(i * N..(i + 1) * N)
        .and_then(|s| <&mut [u8; N]>::try_from(s).ok())
        .ok_or_else(|| out_of_range(table, i, len))
}

fn out_of_range(table: &'static str, index: usize, len: usize) -> BatchError {
    BatchError::IndexOutOfRange {
        what: "a lookup".into(),
        table,
        index: index as u64,
        len,
    }
}

fn intern(table: &mut Vec<String>, item: &str) -> Result<u32, BatchError> {
    // Tables are small (topics, source partitions of one task), and the
    // last entry is the most likely hit, so search from the end.
    if let Some(found) = table.iter().rposition(|t| t == item) {
        return u32::try_from(found).map_err(|_| BatchError::TooLarge);
    }
    let index = u32::try_from(table.len()).map_err(|_| BatchError::TooLarge)?;
    if index == NONE {
        return Err(BatchError::TooLarge);
    }
    table.push(item.to_owned());
    Ok(index)
}

fn count32(n: usize) -> Result<u32, BatchError> {
    u32::try_from(n).map_err(|_| BatchError::TooLarge)
}

fn offset32(b: u64) -> Result<u32, BatchError> {
    u32::try_from(b).map_err(|_| BatchError::TooLarge)
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "boolean",
        Value::Int8(_) => "int8",
        Value::Int16(_) => "int16",
        Value::Int32(_) => "int32",
        Value::Int64(_) => "int64",
        Value::Float32(_) => "float",
        Value::Float64(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        Value::Struct(_) => "struct",
    }
}

/// A struct value read without a struct schema.
pub(crate) fn struct_without_schema() -> BatchError {
    BatchError::StructWithoutSchema {
        what: "a value".into(),
    }
}

/// A struct value must have one value per field of its schema.
pub(crate) fn check_struct_len(values: usize, fields: usize) -> Result<(), BatchError> {
    if values == fields {
        return Ok(());
    }
    Err(BatchError::SchemaMismatch {
        what: format!("a struct with {values} values for {fields} fields"),
        found: "struct",
        expected: "struct",
    })
}

/// Whether `value` fits `schema` at the top level (Apache's
/// `ConnectSchema.validateValue`, without descending: children are checked
/// as they are encoded).
fn check_fits(value: &Value, schema: &Schema) -> Result<(), BatchError> {
    let ok = match (value, schema.schema_type) {
        (Value::Null, _) => schema.optional || schema.default.is_some(),
        (Value::Boolean(_), SchemaType::Boolean)
        | (Value::Int8(_), SchemaType::Int8)
        | (Value::Int16(_), SchemaType::Int16)
        | (Value::Int32(_), SchemaType::Int32)
        | (Value::Int64(_), SchemaType::Int64)
        | (Value::Float32(_), SchemaType::Float32)
        | (Value::Float64(_), SchemaType::Float64)
        | (Value::String(_), SchemaType::String)
        | (Value::Bytes(_), SchemaType::Bytes)
        | (Value::Array(_), SchemaType::Array)
        | (Value::Map(_), SchemaType::Map) => true,
        (Value::Struct(s), SchemaType::Struct) => s.values.len() == schema.fields.len(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(BatchError::SchemaMismatch {
            what: schema.name.clone().unwrap_or_else(|| "a value".to_owned()),
            found: value_kind(value),
            expected: if value.is_null() {
                "(required, no default)"
            } else {
                schema.schema_type.name()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Part, TimestampType};

    fn person() -> Arc<Schema> {
        Arc::new(
            Schema::structure(vec![
                Field {
                    name: "name".into(),
                    schema: Arc::new(Schema::new(SchemaType::String)),
                },
                Field {
                    name: "age".into(),
                    schema: Arc::new(Schema::optional(SchemaType::Int32)),
                },
                Field {
                    name: "tags".into(),
                    schema: Arc::new(Schema::map(
                        Arc::new(Schema::new(SchemaType::String)),
                        Arc::new(Schema::array(Arc::new(Schema::new(SchemaType::Float64)))),
                    )),
                },
            ])
            .named("Person"),
        )
    }

    fn sample_records() -> Vec<Record> {
        let schema = person();
        let mut s = Struct::new(schema.clone());
        s.put("name", "ann".into());
        s.put("age", Value::Int32(41));
        s.put(
            "tags",
            Value::Map(vec![(
                "x".into(),
                Value::Array(vec![Value::Float64(1.5), Value::Float64(-2.0)]),
            )]),
        );
        let mut with_default = Schema::optional(SchemaType::Int64);
        with_default.default = Some(Value::Int64(9));
        vec![
            Record {
                topic: "people".into(),
                partition: Some(3),
                offset: Some(77),
                timestamp: Some(1_700_000_000_000),
                timestamp_type: TimestampType::CreateTime,
                key_schema: Some(Arc::new(with_default)),
                key: Value::Int64(5),
                value_schema: Some(schema.clone()),
                value: Value::Struct(s),
                headers: vec![Header {
                    key: "h".into(),
                    schema: None,
                    value: Value::Bytes(vec![0, 1, 255]),
                }],
                source_partition: Some(r#"{"filename":"/a"}"#.into()),
                source_offset: Some(r#"{"position":12}"#.into()),
            },
            Record::new("other")
                .with_value(None, Value::Array(vec![Value::Boolean(true), Value::Null])),
            Record::new("people").with_value(Some(schema), Value::Null),
        ]
    }

    #[test]
    fn records_round_trip_through_a_batch() {
        let mut records = sample_records();
        // A null struct with a required schema does not fit.
        let err = Batch::from_records(&records).unwrap_err();
        assert!(matches!(err, BatchError::SchemaMismatch { .. }), "{err}");
        records[2].value_schema = Some(Arc::new((*person()).clone().into_optional()));
        let batch = Batch::from_records(&records).unwrap();
        batch.validate().unwrap();
        assert_eq!(batch.len(), 3);
        assert_eq!(batch.topics, vec!["people", "other"]);
        assert_eq!(batch.to_records().unwrap(), records);
    }

    #[test]
    fn raw_parts_are_found_and_given_a_schema_in_place() {
        let raw = Batch::from_records(&[
            Record::new("t").with_value(None, Value::Bytes(b"a".to_vec())),
            Record::new("t").with_value(None, Value::Null),
        ])
        .unwrap();
        let mut batch = raw.clone();
        assert!(batch.parts_are_raw(Part::Value) && batch.parts_are_raw(Part::Key));
        let schema = batch
            .add_schema(&Schema::optional(SchemaType::Bytes))
            .unwrap();
        batch.set_part_schemas(Part::Value, schema);
        batch.validate().unwrap();
        for i in 0..2 {
            assert_eq!(
                batch.part(i, Part::Value).unwrap(),
                (raw.part(i, Part::Value).unwrap().0, schema)
            );
            assert_eq!(
                batch.part(i, Part::Key).unwrap(),
                raw.part(i, Part::Key).unwrap()
            );
        }
        // Now it has a schema; text, or any schema, is not raw.
        assert!(!batch.parts_are_raw(Part::Value));
        let text = Batch::from_records(&[
            Record::new("t").with_value(None, Value::Bytes(b"a".to_vec())),
            Record::new("t").with_value(None, "b".into()),
        ])
        .unwrap();
        assert!(!text.parts_are_raw(Part::Value));
    }

    #[test]
    fn equal_schemas_are_sent_once() {
        let schema = person();
        let records: Vec<Record> = (0..100)
            .map(|i| {
                let mut s = Struct::new(schema.clone());
                s.put("name", format!("n{i}").into());
                s.put("tags", Value::Map(vec![]));
                Record::new("t").with_value(Some(schema.clone()), Value::Struct(s))
            })
            .collect();
        let batch = Batch::from_records(&records).unwrap();
        // string, int32, float64, array, map, struct: six schemas for 100 records.
        assert_eq!(batch.schemas.len(), 6);
    }

    #[test]
    fn views_read_without_copying() {
        let batch = Batch::from_records(&[Record::new("t")
            .with_key(None, "k".into())
            .with_value(None, Value::Bytes(b"v".to_vec()))])
        .unwrap();
        let r = batch.record(0).unwrap();
        assert!(matches!(r.key().unwrap(), ValueRef::String("k")));
        assert!(matches!(r.value().unwrap(), ValueRef::Bytes(b"v")));
        assert_eq!(r.topic().unwrap(), "t");
        assert_eq!(r.partition(), None);
        assert_eq!(r.source_offset().unwrap(), None);
    }

    #[test]
    fn retain_keeps_order() {
        let records: Vec<Record> = (0..5).map(|i| Record::new(format!("t{i}"))).collect();
        let mut batch = Batch::from_records(&records).unwrap();
        batch.retain(|i| i % 2 == 0);
        let topics: Vec<String> = batch
            .iter()
            .map(|r| r.topic().unwrap().to_owned())
            .collect();
        assert_eq!(topics, vec!["t0", "t2", "t4"]);
    }

    #[test]
    fn hostile_batches_are_rejected() {
        let good = Batch::from_records(&sample_records()[..2]).unwrap();
        good.validate().unwrap();

        let mut b = good.clone();
        b.records.pop();
        assert!(matches!(b.validate(), Err(BatchError::Misaligned { .. })));

        let mut b = good.clone();
        let mut d = b.desc(0).unwrap();
        d.value = Node::string(u32::MAX - 1, 10);
        b.set_desc(0, &d).unwrap();
        assert!(matches!(
            b.validate(),
            Err(BatchError::RangeOutOfData { .. })
        ));

        let mut b = good.clone();
        let mut d = b.desc(1).unwrap();
        d.topic = 9;
        b.set_desc(1, &d).unwrap();
        let err = b.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "record 1 refers to topics entry 9, but the batch has 2"
        );

        // A node that points at itself would loop forever if it were allowed.
        let mut b = good.clone();
        let n = b.node_count();
        let first = b.reserve_nodes(1).unwrap();
        b.set_node(
            first as usize,
            Node::new(NodeKind::Array, 1, u64::from(first)),
        )
        .unwrap();
        assert_eq!(n, first as usize);
        assert!(matches!(b.validate(), Err(BatchError::BadOrder { .. })));

        let mut b = good.clone();
        b.schemas[0].value_schema = Some(0);
        assert!(matches!(b.validate(), Err(BatchError::BadOrder { .. })));

        let mut b = good;
        let mut d = b.desc(0).unwrap();
        d.key.kind = 200;
        b.set_desc(0, &d).unwrap();
        assert!(matches!(
            b.validate(),
            Err(BatchError::UnknownKind { kind: 200, .. })
        ));
    }

    #[test]
    fn map_records_tags_errors_with_the_record() {
        let records: Vec<Record> = (0..4)
            .map(|i| Record::new("t").with_value(None, Value::Int32(i)))
            .collect();
        let batch = Batch::from_records(&records).unwrap();
        let doubled = batch
            .map_records(|mut r| {
                if let Value::Int32(v) = r.value {
                    if v == 1 {
                        return Ok(None);
                    }
                    r.value = Value::Int32(v * 2);
                }
                Ok(Some(r))
            })
            .unwrap();
        let values: Vec<Value> = doubled
            .to_records()
            .unwrap()
            .into_iter()
            .map(|r| r.value)
            .collect();
        assert_eq!(
            values,
            vec![Value::Int32(0), Value::Int32(4), Value::Int32(6)]
        );
        let err = batch
            .map_records(|r| match r.value {
                Value::Int32(2) => Err(PluginError::data("two is bad")),
                _ => Ok(Some(r)),
            })
            .unwrap_err();
        assert_eq!(err.record, Some(2));
    }

    #[test]
    fn part_values_and_shared_schemas() {
        let schema = person();
        let mut s = Struct::new(schema.clone());
        s.put("name", "bo".into());
        s.put("tags", Value::Map(vec![]));
        let mut batch = Batch::from_records(&[Record::new("t"), Record::new("t")]).unwrap();
        for i in 0..2 {
            batch
                .set_part_value(i, Part::Value, Some(&schema), &Value::Struct(s.clone()))
                .unwrap();
        }
        // One person schema (and its five sub-schemas) for both records.
        assert_eq!(batch.schemas.len(), 6);
        let schemas = batch.resolve_schemas().unwrap();
        let (got_schema, got) = batch.part_value(1, Part::Value, &schemas).unwrap();
        assert_eq!(got_schema.as_deref(), Some(&*schema));
        assert_eq!(got, Value::Struct(s));
        // Struct values share the schema tree instead of copying it.
        let records = batch.to_records().unwrap();
        let (Value::Struct(a), Some(sa)) = (&records[0].value, &records[0].value_schema) else {
            panic!()
        };
        assert!(Arc::ptr_eq(&a.schema, sa));
    }

    #[test]
    fn append_and_slice_keep_every_record_intact() {
        let mut records = sample_records();
        records[2].value_schema = Some(Arc::new((*person()).clone().into_optional()));
        let a = Batch::from_records(&records[..2]).unwrap();
        let b = Batch::from_records(&records[1..]).unwrap();
        let mut joined = a.clone();
        joined.append(b.clone()).unwrap();
        joined.validate().unwrap();
        let mut want = records[..2].to_vec();
        want.extend_from_slice(&records[1..]);
        assert_eq!(joined.to_records().unwrap(), want);
        let middle = joined.slice(1..3).unwrap();
        middle.validate().unwrap();
        assert_eq!(middle.to_records().unwrap(), want[1..3].to_vec());
        assert!(joined.slice(3..9).is_err());
    }

    #[test]
    fn map_records_keeps_tags() {
        let records: Vec<Record> = (0..3)
            .map(|i| Record::new("t").with_value(None, Value::Int32(i)))
            .collect();
        let mut batch = Batch::from_records(&records).unwrap();
        batch.tag_positions().unwrap();
        let out = batch
            .map_records(|r| Ok((r.value != Value::Int32(1)).then_some(r)))
            .unwrap();
        let tags: Vec<u32> = (0..out.len()).map(|i| out.desc(i).unwrap().tag).collect();
        assert_eq!(tags, vec![0, 2]);
    }

    #[test]
    fn only_appended_bytes_go_back() {
        let given =
            Batch::from_records(&[Record::new("t").with_value(None, "abc".into())]).unwrap();
        let mut b = Batch::from_parts(
            given.data().to_vec(),
            0,
            given.records.clone(),
            Vec::new(),
            Vec::new(),
            given.topics.clone(),
            Vec::new(),
            Vec::new(),
        );
        b.share_all();
        let (start, len) = b.push_bytes(b"new").unwrap();
        assert_eq!((start, len), (3, 3), "appended after the given bytes");
        let (base, tail) = b.take_unshared_data();
        assert_eq!(base as usize, given.data().len());
        assert_eq!(tail, b"new");
        // A batch built from scratch sends everything.
        let (base, all) = Batch::from_records(&[Record::new("t")])
            .unwrap()
            .take_unshared_data();
        assert_eq!((base, all.len()), (0, 0));
    }

    fn with_headers(keys: &[&str]) -> Record {
        let mut record = Record::new("t");
        for (n, key) in keys.iter().enumerate() {
            record.headers.push(Header {
                key: (*key).to_owned(),
                schema: None,
                value: Value::Bytes(vec![n as u8]),
            });
        }
        record
    }

    fn key_ranges(batch: &Batch) -> Vec<(u32, u32)> {
        (0..batch.header_count())
            .map(|j| {
                let h = batch.header_desc(j).unwrap();
                (h.key_start, h.key_len)
            })
            .collect()
    }

    #[test]
    fn a_repeated_header_key_is_stored_once() {
        let records: Vec<Record> = (0..100).map(|_| with_headers(&["route"])).collect();
        let batch = Batch::from_records(&records).unwrap();
        batch.validate().unwrap();
        let ranges = key_ranges(&batch);
        assert_eq!(ranges.len(), 100);
        assert!(ranges.iter().all(|r| *r == ranges[0]), "{ranges:?}");
        // One copy of the key, one byte of value per record.
        assert_eq!(batch.data().len(), "route".len() + 100);
        assert_eq!(batch.to_records().unwrap(), records);
    }

    #[test]
    fn mixed_header_keys_stay_correct() {
        // Six distinct keys (more than the memo holds), repeated, prefixes
        // of each other, empty, and in changing orders.
        let patterns: [&[&str]; 4] = [
            &["route", "trace", "a"],
            &["rout", "route", ""],
            &["b", "c", "d", "e", "route"],
            &["trace", "route", "route"],
        ];
        let records: Vec<Record> = (0..40).map(|i| with_headers(patterns[i % 4])).collect();
        let mut batch = Batch::from_records(&records).unwrap();
        batch.validate().unwrap();
        assert_eq!(batch.to_records().unwrap(), records);
        // Repeats within the memo's reach share bytes: record 1's "route"
        // is record 0's; record 3's two "route"s are record 2's.
        let ranges = key_ranges(&batch);
        assert_eq!(ranges[4], ranges[0]);
        assert_eq!(ranges[12], ranges[10]);
        assert_eq!(ranges[13], ranges[10]);
        // Appending another batch keeps both halves readable.
        let more = Batch::from_records(&records[..5]).unwrap();
        batch.append(more).unwrap();
        batch.validate().unwrap();
        let mut want = records.clone();
        want.extend_from_slice(&records[..5]);
        assert_eq!(batch.to_records().unwrap(), want);
    }

    #[test]
    fn keys_are_not_shared_with_data_that_was_taken() {
        let mut batch = Batch::from_records(&[with_headers(&["route"])]).unwrap();
        let _ = batch.take_data();
        let (start, len) = batch.push_bytes(b"xxxxxxxxxx").unwrap();
        assert_eq!((start, len), (0, 10));
        let (start, len) = batch.push_header_key(b"route").unwrap();
        assert_eq!(
            &batch.data()[start as usize..(start + len) as usize],
            b"route"
        );
        assert_eq!(start, 10, "appended: the old copy is gone");
    }

    /// A small deterministic generator (xorshift), so the test needs no
    /// dependency and fails the same way every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// A word that is often near a bound: small, around a table size,
        /// NONE, or anything.
        fn word(&mut self, near: u64) -> u64 {
            match self.below(6) {
                0 => self.next() % 8,
                1 => near.wrapping_add(self.next() % 3).wrapping_sub(1),
                2 => u64::from(NONE),
                3 => u64::MAX - self.next() % 4,
                4 => u64::from(u32::MAX) - self.next() % 4,
                _ => self.next(),
            }
        }
    }

    #[test]
    fn the_fast_check_agrees_with_the_named_one_on_hostile_batches() {
        let mut records = sample_records();
        records[2].value_schema = Some(Arc::new((*person()).clone().into_optional()));
        records.push(with_headers(&["route", "trace"]));
        let good = Batch::from_records(&records).unwrap();
        assert!(good.layout_ok());
        good.first_problem().unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..20_000 {
            let mut b = good.clone();
            for _ in 0..1 + rng.below(2) {
                let near = match rng.below(4) {
                    0 => b.data.len(),
                    1 => b.node_count(),
                    2 => b.header_count(),
                    _ => b.schemas.len(),
                } as u64;
                let word = rng.word(near);
                // Overwrite a 1-, 4- or 8-byte field somewhere.
                let (list, width) = match rng.below(4) {
                    0 => (&mut b.records, [1, 4, 8][rng.below(3)]),
                    1 => (&mut b.headers, [1, 4, 8][rng.below(3)]),
                    2 => (&mut b.nodes, [1, 4, 8][rng.below(3)]),
                    _ => {
                        let i = rng.below(b.schemas.len());
                        let r = (word % (b.schemas.len() as u64 + 2)) as u32;
                        match rng.below(4) {
                            0 => b.schemas[i].key_schema = Some(r),
                            1 => b.schemas[i].value_schema = Some(r),
                            2 => b.schemas[i].default_value = Some(r),
                            _ => {
                                if let Some(f) = b.schemas[i].fields.first_mut() {
                                    f.1 = r;
                                }
                            }
                        }
                        continue;
                    }
                };
                if list.is_empty() {
                    continue;
                }
                let at = rng.below(list.len() / width) * width;
                list[at..at + width].copy_from_slice(&word.to_le_bytes()[..width]);
            }
            if rng.below(50) == 0 {
                b.nodes.pop();
            }
            let fast = b.layout_ok();
            let named = b.first_problem();
            assert_eq!(fast, named.is_ok(), "{named:?}");
            assert_eq!(b.validate(), named);
            if fast {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
        // Both outcomes were exercised many times.
        assert!(accepted > 1000 && refused > 1000, "{accepted} / {refused}");
    }

    #[test]
    fn a_range_whose_end_wraps_is_refused() {
        let mut b = Batch::from_records(&sample_records()[..2]).unwrap();
        let mut d = b.desc(1).unwrap();
        d.value = Node::string(0, 4);
        d.value.b = u64::MAX - 1;
        b.set_desc(1, &d).unwrap();
        assert!(matches!(
            b.validate(),
            Err(BatchError::RangeOutOfData { .. })
        ));
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let mut b = Batch::new();
        let (start, len) = b.push_bytes(&[0xff, 0xfe]).unwrap();
        let topic = b.intern_topic("t").unwrap();
        b.push_desc(&RecordDesc {
            topic,
            value: Node::string(start, len),
            ..RecordDesc::default()
        });
        b.validate().unwrap();
        let err = b.record(0).unwrap().value().unwrap_err();
        assert_eq!(err.to_string(), "the record value is not valid UTF-8");
    }
}
