//! The fixed little-endian layout of batch descriptors (see `batch` in
//! `wit/plugin.wit`, which is the normative description).
//!
//! Descriptors travel as `list<u8>` because that is the one list shape the
//! canonical ABI copies in one block in every guest language; typed lists
//! are copied element by element (measured 150–200 ns per record against
//! 9–35 ns, see `../shared/TESTING.md`). This module is the only place that
//! knows byte positions; everything else works with the plain structs here.

/// Bytes per record descriptor.
pub const RECORD_SIZE: usize = 96;
/// Bytes per header descriptor.
pub const HEADER_SIZE: usize = 32;
/// Bytes per value node.
pub const NODE_SIZE: usize = 16;
/// "No index": no schema, no source partition.
pub const NONE: u32 = u32::MAX;

/// Byte position of the topic index in a record descriptor.
pub(crate) const TOPIC_AT: usize = 0;
/// Byte position of the first header index in a record descriptor.
pub(crate) const HEADER_START_AT: usize = 28;
/// Byte position of the header count in a record descriptor.
pub(crate) const HEADER_COUNT_AT: usize = 32;
/// Byte position of the source partition index in a record descriptor.
pub(crate) const SOURCE_PARTITION_AT: usize = 44;
/// Byte position of the source offset's start in a record descriptor (its
/// length follows).
pub(crate) const SOURCE_OFFSET_AT: usize = 48;
/// Byte position of the host's tag in a record descriptor.
pub(crate) const TAG_AT: usize = 88;
/// Byte position of the key start in a header descriptor (its length
/// follows).
pub(crate) const HEADER_KEY_AT: usize = 0;
/// Byte position of the schema index in a header descriptor.
pub(crate) const HEADER_SCHEMA_AT: usize = 8;
/// Byte position of the value node in a header descriptor.
pub(crate) const HEADER_VALUE_AT: usize = 16;

/// Which of a record's two values: its key or its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The key.
    Key,
    /// The value.
    Value,
}

impl Part {
    /// Byte positions in a record descriptor of this part's schema index
    /// and node.
    pub(crate) const fn positions(self) -> (usize, usize) {
        match self {
            Part::Key => (36, 56),
            Part::Value => (40, 72),
        }
    }
}

/// Record flag: the timestamp field is set.
pub const FLAG_HAS_TIMESTAMP: u32 = 1;
/// Shift of the two timestamp-type bits in the record flags.
const TIMESTAMP_TYPE_SHIFT: u32 = 1;

/// The kind byte of a value node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeKind {
    /// Null (no value).
    Null = 0,
    /// A boolean; `b` is 0 or 1.
    Boolean = 1,
    /// An 8-bit integer, sign-extended into `b`.
    Int8 = 2,
    /// A 16-bit integer, sign-extended into `b`.
    Int16 = 3,
    /// A 32-bit integer, sign-extended into `b`.
    Int32 = 4,
    /// A 64-bit integer in `b`.
    Int64 = 5,
    /// A 32-bit float; its bits in the low half of `b`.
    Float32 = 6,
    /// A 64-bit float; its bits in `b`.
    Float64 = 7,
    /// UTF-8 text: `a` bytes at `b` in `data`.
    String = 8,
    /// Bytes: `a` bytes at `b` in `data`.
    Bytes = 9,
    /// An array: `a` children from node `b`.
    Array = 10,
    /// A map: `a` entries, i.e. `2a` children (key, value, ...) from node `b`.
    Map = 11,
    /// A struct: `a` children (one per field) from node `b`.
    Struct = 12,
}

impl NodeKind {
    /// The kind for a kind byte, or `None` when the byte is not a kind.
    pub fn from_u8(byte: u8) -> Option<Self> {
        Some(match byte {
            0 => Self::Null,
            1 => Self::Boolean,
            2 => Self::Int8,
            3 => Self::Int16,
            4 => Self::Int32,
            5 => Self::Int64,
            6 => Self::Float32,
            7 => Self::Float64,
            8 => Self::String,
            9 => Self::Bytes,
            10 => Self::Array,
            11 => Self::Map,
            12 => Self::Struct,
            _ => return None,
        })
    }
}

/// A value node: 16 bytes, `kind`, `a`, `b` as described in the WIT.
///
/// The kind byte is kept raw so that reading a node never fails; the
/// accessors in [`crate::batch`] check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Node {
    /// The raw kind byte (see [`NodeKind`]).
    pub kind: u8,
    /// Length or count.
    pub a: u32,
    /// Scalar bits, start offset or first child.
    pub b: u64,
}

impl Node {
    /// The null node.
    pub const NULL: Node = Node {
        kind: NodeKind::Null as u8,
        a: 0,
        b: 0,
    };

    /// A node of `kind` with `a` and `b`.
    pub fn new(kind: NodeKind, a: u32, b: u64) -> Self {
        Self {
            kind: kind as u8,
            a,
            b,
        }
    }

    /// A bytes node for `len` bytes at `start`.
    pub fn bytes(start: u32, len: u32) -> Self {
        Self::new(NodeKind::Bytes, len, u64::from(start))
    }

    /// A string node for `len` UTF-8 bytes at `start`.
    pub fn string(start: u32, len: u32) -> Self {
        Self::new(NodeKind::String, len, u64::from(start))
    }

    /// Whether this is the null node.
    pub fn is_null(&self) -> bool {
        self.kind == NodeKind::Null as u8
    }

    /// Read a node from 16 bytes.
    pub fn read(bytes: &[u8; NODE_SIZE]) -> Self {
        Self::read_at(bytes, 0)
    }

    /// Write this node into 16 bytes.
    pub fn write(&self, out: &mut [u8; NODE_SIZE]) {
        self.write_at(out, 0);
    }

    /// Read the node at byte `at` of a descriptor (`at + 16 <= b.len()`).
    pub(crate) fn read_at(b: &[u8], at: usize) -> Self {
        Self {
            kind: b[at],
            a: u32_at(b, at + 4),
            b: u64_at(b, at + 8),
        }
    }

    /// Write the node at byte `at` of a descriptor (`at + 16 <= b.len()`).
    pub(crate) fn write_at(&self, b: &mut [u8], at: usize) {
        b[at] = self.kind;
        b[at + 1..at + 4].fill(0);
        b[at + 4..at + 8].copy_from_slice(&self.a.to_le_bytes());
        b[at + 8..at + 16].copy_from_slice(&self.b.to_le_bytes());
    }
}

/// How a record's timestamp was set (Kafka's `TimestampType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampType {
    /// No type (source records, or unknown).
    #[default]
    NoType,
    /// Set by the producer.
    CreateTime,
    /// Set by the broker when it appended the record.
    LogAppendTime,
}

/// A record descriptor: 96 bytes as described in the WIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordDesc {
    /// Index into the batch's topics.
    pub topic: u32,
    /// Kafka partition, -1 when not set.
    pub partition: i32,
    /// Kafka offset, -1 when not set.
    pub offset: i64,
    /// Timestamp in ms since the epoch (valid with [`FLAG_HAS_TIMESTAMP`]).
    pub timestamp: i64,
    /// Flags: bit 0 has-timestamp, bits 1–2 timestamp type.
    pub flags: u32,
    /// Index of the first header descriptor.
    pub header_start: u32,
    /// Number of headers.
    pub header_count: u32,
    /// Key schema index or [`NONE`].
    pub key_schema: u32,
    /// Value schema index or [`NONE`].
    pub value_schema: u32,
    /// Source partition index or [`NONE`].
    pub source_partition: u32,
    /// Start of the source offset JSON in data.
    pub source_offset_start: u32,
    /// Length of the source offset JSON (0: none).
    pub source_offset_len: u32,
    /// The key.
    pub key: Node,
    /// The value.
    pub value: Node,
    /// The host's mark for tracing the record back ([`NONE`]: none).
    pub tag: u32,
}

impl Default for RecordDesc {
    fn default() -> Self {
        Self {
            topic: 0,
            partition: -1,
            offset: -1,
            timestamp: 0,
            flags: 0,
            header_start: 0,
            header_count: 0,
            key_schema: NONE,
            value_schema: NONE,
            source_partition: NONE,
            source_offset_start: 0,
            source_offset_len: 0,
            key: Node::NULL,
            value: Node::NULL,
            tag: NONE,
        }
    }
}

impl RecordDesc {
    /// Read a descriptor from 96 bytes.
    pub fn read(b: &[u8; RECORD_SIZE]) -> Self {
        Self {
            topic: u32_at(b, 0),
            partition: u32_at(b, 4) as i32,
            offset: u64_at(b, 8) as i64,
            timestamp: u64_at(b, 16) as i64,
            flags: u32_at(b, 24),
            header_start: u32_at(b, 28),
            header_count: u32_at(b, 32),
            key_schema: u32_at(b, 36),
            value_schema: u32_at(b, 40),
            source_partition: u32_at(b, 44),
            source_offset_start: u32_at(b, 48),
            source_offset_len: u32_at(b, 52),
            key: Node::read_at(b, 56),
            value: Node::read_at(b, 72),
            tag: u32_at(b, 88),
        }
    }

    /// Write this descriptor into 96 bytes.
    pub fn write(&self, b: &mut [u8; RECORD_SIZE]) {
        b[0..4].copy_from_slice(&self.topic.to_le_bytes());
        b[4..8].copy_from_slice(&self.partition.to_le_bytes());
        b[8..16].copy_from_slice(&self.offset.to_le_bytes());
        b[16..24].copy_from_slice(&self.timestamp.to_le_bytes());
        b[24..28].copy_from_slice(&self.flags.to_le_bytes());
        b[28..32].copy_from_slice(&self.header_start.to_le_bytes());
        b[32..36].copy_from_slice(&self.header_count.to_le_bytes());
        b[36..40].copy_from_slice(&self.key_schema.to_le_bytes());
        b[40..44].copy_from_slice(&self.value_schema.to_le_bytes());
        b[44..48].copy_from_slice(&self.source_partition.to_le_bytes());
        b[48..52].copy_from_slice(&self.source_offset_start.to_le_bytes());
        b[52..56].copy_from_slice(&self.source_offset_len.to_le_bytes());
        self.key.write_at(b, 56);
        self.value.write_at(b, 72);
        b[88..92].copy_from_slice(&self.tag.to_le_bytes());
        b[92..96].fill(0);
    }

    /// The timestamp, when set.
    pub fn timestamp(&self) -> Option<i64> {
        (self.flags & FLAG_HAS_TIMESTAMP != 0).then_some(self.timestamp)
    }

    /// How the timestamp was set.
    pub fn timestamp_type(&self) -> TimestampType {
        match (self.flags >> TIMESTAMP_TYPE_SHIFT) & 0b11 {
            1 => TimestampType::CreateTime,
            2 => TimestampType::LogAppendTime,
            _ => TimestampType::NoType,
        }
    }

    /// Set (or clear) the timestamp and its type.
    pub fn set_timestamp(&mut self, timestamp: Option<i64>, kind: TimestampType) {
        let type_bits = match kind {
            TimestampType::NoType => 0,
            TimestampType::CreateTime => 1,
            TimestampType::LogAppendTime => 2,
        };
        self.flags &= !(FLAG_HAS_TIMESTAMP | (0b11 << TIMESTAMP_TYPE_SHIFT));
        self.flags |= type_bits << TIMESTAMP_TYPE_SHIFT;
        match timestamp {
            Some(ts) => {
                self.flags |= FLAG_HAS_TIMESTAMP;
                self.timestamp = ts;
            }
            None => self.timestamp = 0,
        }
    }
}

/// A header descriptor: 32 bytes as described in the WIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderDesc {
    /// Start of the key in data.
    pub key_start: u32,
    /// Length of the key.
    pub key_len: u32,
    /// Schema index or [`NONE`].
    pub schema: u32,
    /// The value.
    pub value: Node,
}

impl HeaderDesc {
    /// Read a descriptor from 32 bytes.
    pub fn read(b: &[u8; HEADER_SIZE]) -> Self {
        Self {
            key_start: u32_at(b, 0),
            key_len: u32_at(b, 4),
            schema: u32_at(b, 8),
            value: Node::read_at(b, 16),
        }
    }

    /// Write this descriptor into 32 bytes.
    pub fn write(&self, b: &mut [u8; HEADER_SIZE]) {
        b[0..4].copy_from_slice(&self.key_start.to_le_bytes());
        b[4..8].copy_from_slice(&self.key_len.to_le_bytes());
        b[8..12].copy_from_slice(&self.schema.to_le_bytes());
        b[12..16].fill(0);
        self.value.write_at(b, 16);
    }
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(word)
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let mut desc = RecordDesc {
            topic: 3,
            partition: 7,
            offset: 1 << 40,
            header_start: 9,
            header_count: 2,
            key_schema: NONE,
            value_schema: 4,
            source_partition: 1,
            source_offset_start: 100,
            source_offset_len: 17,
            key: Node::string(5, 6),
            value: Node::new(NodeKind::Int64, 0, (-5i64) as u64),
            tag: 17,
            ..RecordDesc::default()
        };
        desc.set_timestamp(Some(-42), TimestampType::LogAppendTime);
        let mut bytes = [0u8; RECORD_SIZE];
        desc.write(&mut bytes);
        let back = RecordDesc::read(&bytes);
        assert_eq!(back, desc);
        assert_eq!(back.timestamp(), Some(-42));
        assert_eq!(back.timestamp_type(), TimestampType::LogAppendTime);
        // The layout is normative: spot-check two positions.
        assert_eq!(&bytes[4..8], &7i32.to_le_bytes());
        assert_eq!(bytes[72], NodeKind::Int64 as u8);
        assert_eq!(u32_at(&bytes, TOPIC_AT), 3);
        assert_eq!(u32_at(&bytes, HEADER_START_AT), 9);
        assert_eq!(u32_at(&bytes, HEADER_COUNT_AT), 2);
        // The part accessors use the same positions.
        let (schema_at, node_at) = Part::Value.positions();
        assert_eq!(u32_at(&bytes, schema_at), 4);
        assert_eq!(Node::read_at(&bytes, node_at), desc.value);
        let (schema_at, node_at) = Part::Key.positions();
        assert_eq!(u32_at(&bytes, schema_at), NONE);
        assert_eq!(Node::read_at(&bytes, node_at), desc.key);
    }

    #[test]
    fn header_round_trip() {
        let h = HeaderDesc {
            key_start: 1,
            key_len: 2,
            schema: NONE,
            value: Node::bytes(10, 20),
        };
        let mut bytes = [0u8; HEADER_SIZE];
        h.write(&mut bytes);
        assert_eq!(HeaderDesc::read(&bytes), h);
        assert_eq!(bytes[16], NodeKind::Bytes as u8);
    }

    #[test]
    fn clearing_the_timestamp() {
        let mut desc = RecordDesc::default();
        desc.set_timestamp(Some(5), TimestampType::CreateTime);
        desc.set_timestamp(None, TimestampType::NoType);
        assert_eq!(desc.timestamp(), None);
        assert_eq!(desc.timestamp_type(), TimestampType::NoType);
    }

    #[test]
    fn every_kind_byte_round_trips() {
        for byte in 0..=12u8 {
            let kind = NodeKind::from_u8(byte).unwrap();
            assert_eq!(kind as u8, byte);
        }
        assert_eq!(NodeKind::from_u8(13), None);
    }
}
