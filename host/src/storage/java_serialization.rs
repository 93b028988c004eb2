//! Reads and writes the Java serialization format of Apache Kafka Connect's standalone offsets
//! file, so users can switch between Apache Kafka Connect and wasm-connect on the same file.
//!
//! Apache's `FileOffsetBackingStore` writes the file named by `offset.storage.file.filename` with
//! `ObjectOutputStream.writeObject` of a `java.util.HashMap<byte[], byte[]>` (keys and values
//! are UTF-8 JSON; a value may be null) and reads it back with an `ObjectInputStream`. Only the
//! small subset of the Java Object Serialization Stream Protocol that a JVM produces for such a
//! map is supported; anything else is rejected with an error naming the byte position, because
//! this reads user files and guessing could silently lose or invent offsets.
//!
//! Java compares `byte[]` keys by identity, so a file may hold two keys with equal contents;
//! [`decode_byte_map`] returns entries in stream order and leaves deduplication to the caller.

/// Stream magic and version 5, the first four bytes of every Java serialization stream.
const MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_ARRAY: u8 = 0x75;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_BLOCKDATALONG: u8 = 0x7A;
const BASE_WIRE_HANDLE: u32 = 0x7E_0000;
const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const HASH_MAP_CLASS: &str = "java.util.HashMap";
const HASH_MAP_SUID: u64 = 0x0507_DAC1_C316_60D1; // 362498820763181265
const HASH_MAP_FIELDS: [(u8, &str); 2] = [(b'F', "loadFactor"), (b'I', "threshold")];
const BYTE_ARRAY_CLASS: &str = "[B";
const BYTE_ARRAY_SUID: u64 = 0xACF3_17F8_0608_54E0;
/// Most bytes that back-references may copy out of earlier arrays: each reference costs five
/// input bytes but duplicates a whole array, so without a cap a small file could demand
/// gigabytes. Real offsets files share an array at most occasionally.
const MAX_BACK_REFERENCE_BYTES: usize = 64 << 20;
/// Java's `HashMap.MAXIMUM_CAPACITY`.
const MAX_CAPACITY: usize = 1 << 30;

/// Why an offsets file could not be decoded; messages are shown to users, so each names what is
/// wrong and where (byte positions count from the start of the file).
#[derive(Debug, thiserror::Error)]
pub enum JavaSerializationError {
    /// The input does not start with `AC ED 00 05`, so it is not what `ObjectOutputStream` writes.
    #[error("not a Java serialization stream (expected magic AC ED 00 05)")]
    NotJavaSerialization,
    /// The input stops in the middle of an item, e.g. a file truncated by a crash.
    #[error("unexpected end of data at byte {offset} while reading {what}")]
    UnexpectedEnd {
        /// Length of the input, where the data ran out.
        offset: usize,
        /// The item being read.
        what: &'static str,
    },
    /// A length field declares more bytes than the input holds (truncated or hostile file);
    /// checked before allocating.
    #[error("byte[] length at byte {offset} declares {declared} bytes but only {remaining} remain")]
    LengthExceedsInput {
        /// Position of the length field.
        offset: usize,
        /// The declared length.
        declared: usize,
        /// Bytes left after the length field.
        remaining: usize,
    },
    /// The stream holds something other than a `java.util.HashMap` at the top level.
    #[error("expected a java.util.HashMap but found {found} at byte {offset}")]
    NotAHashMap {
        /// Description of what was found instead.
        found: String,
        /// Position of the unexpected item.
        offset: usize,
    },
    /// A map key or value is something other than a `byte[]` (a null key is also rejected).
    #[error("expected a byte[] but found {found} at byte {offset} (reading {context})")]
    NotAByteArray {
        /// Description of what was found instead.
        found: String,
        /// Position of the unexpected item.
        offset: usize,
        /// Which key or value was being read.
        context: String,
    },
    /// The stream is structured differently from what a JVM writes for this map, or
    /// back-references would copy more than 64 MiB (a small hostile file must not expand hugely).
    #[error("malformed Java serialization data at byte {offset}: {detail}")]
    Malformed {
        /// Position of the offending item.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
}

type Result<T, E = JavaSerializationError> = std::result::Result<T, E>;
/// Decoded map entries: key, then value (`None` for a null value).
type Entries = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// True when `bytes` start with the Java serialization magic and version (AC ED 00 05), so a
/// caller can tell an Apache Kafka Connect offsets file apart from other formats before decoding.
pub fn is_java_serialization(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Decode a serialized java.util.HashMap<byte[], byte[]> (values may be null), in stream order,
/// so offsets saved by Apache Kafka Connect's standalone worker can be taken over.
pub fn decode_byte_map(bytes: &[u8]) -> Result<Entries, JavaSerializationError> {
    if !is_java_serialization(bytes) {
        return Err(JavaSerializationError::NotJavaSerialization);
    }
    let mut r = Reader {
        bytes,
        pos: MAGIC.len(),
        handles: Vec::new(),
        block_left: 0,
        copied: 0,
    };
    let start = r.pos;
    match r.u8("the top-level object")? {
        TC_OBJECT => {}
        tc => {
            return Err(JavaSerializationError::NotAHashMap {
                found: describe(tc),
                offset: start,
            });
        }
    }
    r.class_desc(Handle::HashMapClass)?;
    r.handles.push(Handle::HashMap);
    // defaultWriteObject: the serializable fields in descriptor order, outside block data.
    let load_factor_at = r.pos;
    let load_factor = f32::from_bits(r.u32("the HashMap loadFactor")?);
    let _threshold = r.u32("the HashMap threshold")?; // recomputed by Java on read, as here
    if load_factor.is_nan() || load_factor <= 0.0 {
        return Err(malformed(
            load_factor_at,
            format!("illegal load factor {load_factor}"),
        ));
    }
    // HashMap.writeObject: capacity (ignored by Java's readObject) and size as block data.
    let _capacity = r.block_i32("the HashMap capacity")?;
    let size_at = r.pos;
    let size = r.block_i32("the HashMap size")?;
    let size = usize::try_from(size)
        .map_err(|_| malformed(size_at, format!("negative HashMap size {size}")))?;
    // A key needs at least 5 bytes (a back-reference) and a value at least 1 (null).
    let mut entries = Vec::with_capacity(size.min(r.remaining() / 6));
    for index in 0..size {
        let key_context = || format!("the key of entry {index}");
        let key_at = r.pos;
        let key =
            r.byte_array(key_context)?
                .ok_or_else(|| JavaSerializationError::NotAByteArray {
                    found: describe(TC_NULL),
                    offset: key_at,
                    context: key_context(),
                })?;
        let value = r.byte_array(|| format!("the value of entry {index}"))?;
        entries.push((key, value));
    }
    let end_at = r.pos;
    if r.block_left > 0 || r.u8("the end of the HashMap data")? != TC_ENDBLOCKDATA {
        return Err(malformed(
            end_at,
            "extra data after the HashMap entries".into(),
        ));
    }
    if r.pos < bytes.len() {
        let count = bytes.len() - r.pos;
        return Err(malformed(
            r.pos,
            format!("{count} extra byte(s) after the end of the map"),
        ));
    }
    Ok(entries)
}

/// Encode entries as ObjectOutputStream would write a java.util.HashMap<byte[], byte[]> holding
/// them, so Java's ObjectInputStream reads it back (Apache Kafka Connect can then use the file).
///
/// Entries are written in the given order (Java's own order follows identity hash codes); for a
/// given order the bytes are identical to what a JDK writes for a map of distinct arrays. Keys
/// and values longer than `i32::MAX` bytes cannot exist in Java and are not representable.
pub fn encode_byte_map(entries: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<u8> {
    let payload: usize = entries
        .iter()
        .map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len) + 20)
        .fold(0, usize::saturating_add);
    let mut out = Vec::with_capacity(payload.saturating_add(128));
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[TC_OBJECT, TC_CLASSDESC]);
    put_utf(&mut out, HASH_MAP_CLASS);
    out.extend_from_slice(&HASH_MAP_SUID.to_be_bytes());
    out.push(SC_SERIALIZABLE | SC_WRITE_METHOD);
    out.extend_from_slice(&[0, 2]);
    for (type_code, name) in HASH_MAP_FIELDS {
        out.push(type_code);
        put_utf(&mut out, name);
    }
    out.extend_from_slice(&[TC_ENDBLOCKDATA, TC_NULL]);
    let (capacity, threshold) = capacity_and_threshold(entries.len());
    out.extend_from_slice(&0.75_f32.to_bits().to_be_bytes());
    out.extend_from_slice(&threshold.to_be_bytes());
    out.extend_from_slice(&[TC_BLOCKDATA, 8]);
    out.extend_from_slice(&capacity.to_be_bytes());
    out.extend_from_slice(&java_int(entries.len()).to_be_bytes());
    let mut wrote_class = false;
    for (key, value) in entries {
        put_byte_array(&mut out, key, &mut wrote_class);
        match value {
            Some(value) => put_byte_array(&mut out, value, &mut wrote_class),
            None => out.push(TC_NULL),
        }
    }
    out.push(TC_ENDBLOCKDATA);
    out
}

/// Java's `HashMap` table size and resize threshold after `len` puts into `new HashMap<>()`.
fn capacity_and_threshold(len: usize) -> (i32, i32) {
    if len == 0 {
        // No table allocated yet: writeObject reports the default capacity, threshold stays 0.
        return (16, 0);
    }
    let mut capacity = 16;
    while len > capacity / 4 * 3 && capacity < MAX_CAPACITY {
        capacity *= 2;
    }
    let threshold = if capacity >= MAX_CAPACITY {
        i32::MAX
    } else {
        java_int(capacity / 4 * 3)
    };
    (java_int(capacity), threshold)
}

fn java_int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn put_utf(out: &mut Vec<u8>, s: &str) {
    // Only called with short ASCII names, where modified UTF-8 equals UTF-8.
    out.extend_from_slice(&u16::try_from(s.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_byte_array(out: &mut Vec<u8>, bytes: &[u8], wrote_class: &mut bool) {
    out.push(TC_ARRAY);
    if *wrote_class {
        // Handles: 0 HashMap class, 1 the map, 2 the `[B` class, then one per array.
        out.push(TC_REFERENCE);
        out.extend_from_slice(&(BASE_WIRE_HANDLE + 2).to_be_bytes());
    } else {
        out.push(TC_CLASSDESC);
        put_utf(out, BYTE_ARRAY_CLASS);
        out.extend_from_slice(&BYTE_ARRAY_SUID.to_be_bytes());
        out.extend_from_slice(&[SC_SERIALIZABLE, 0, 0, TC_ENDBLOCKDATA, TC_NULL]);
        *wrote_class = true;
    }
    out.extend_from_slice(&java_int(bytes.len()).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// What a wire handle refers to; only the objects this format may contain are ever recorded.
#[derive(Clone, Copy)]
enum Handle {
    HashMapClass,
    HashMap,
    ByteArrayClass,
    /// The array's contents as a range of the input, so references copy without re-parsing.
    ByteArray {
        start: usize,
        len: usize,
    },
}

impl Handle {
    fn describe(self) -> String {
        match self {
            Handle::HashMapClass => format!("a back-reference to the {HASH_MAP_CLASS} class"),
            Handle::HashMap => format!("a back-reference to the {HASH_MAP_CLASS} object"),
            Handle::ByteArrayClass => "a back-reference to the byte[] class".into(),
            Handle::ByteArray { .. } => "a back-reference to a byte[]".into(),
        }
    }
}

fn describe(type_code: u8) -> String {
    let name = match type_code {
        0x70 => "null (TC_NULL)",
        0x71 => "a back-reference (TC_REFERENCE)",
        0x72 => "a class descriptor (TC_CLASSDESC)",
        0x73 => "an object (TC_OBJECT)",
        0x74 => "a string (TC_STRING)",
        0x75 => "an array (TC_ARRAY)",
        0x76 => "a class (TC_CLASS)",
        0x77 => "block data (TC_BLOCKDATA)",
        0x78 => "end of block data (TC_ENDBLOCKDATA)",
        0x79 => "a stream reset (TC_RESET)",
        0x7A => "block data (TC_BLOCKDATALONG)",
        0x7B => "an exception (TC_EXCEPTION)",
        0x7C => "a long string (TC_LONGSTRING)",
        0x7D => "a proxy class descriptor (TC_PROXYCLASSDESC)",
        0x7E => "an enum constant (TC_ENUM)",
        other => return format!("unknown type code 0x{other:02X}"),
    };
    name.into()
}

fn malformed(offset: usize, detail: String) -> JavaSerializationError {
    JavaSerializationError::Malformed { offset, detail }
}

/// A cursor over the input plus the handle table the protocol's back-references index.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    handles: Vec<Handle>,
    /// Bytes left in the current TC_BLOCKDATA / TC_BLOCKDATALONG segment.
    block_left: usize,
    /// Bytes copied so far through back-references.
    copied: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let slice = end.and_then(|end| self.bytes.get(self.pos..end));
        let slice = slice.ok_or(JavaSerializationError::UnexpectedEnd {
            offset: self.bytes.len(),
            what,
        })?;
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// A length-prefixed (modified UTF-8) name; compared bytewise, shown lossily in errors.
    fn utf(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let len = u16::from_be_bytes(self.array(what)?);
        self.take(usize::from(len), what)
    }

    /// A 4-byte int inside block data, which may span several block data segments.
    fn block_i32(&mut self, what: &'static str) -> Result<i32> {
        let mut out = [0; 4];
        for byte in &mut out {
            while self.block_left == 0 {
                let at = self.pos;
                self.block_left = match self.u8(what)? {
                    TC_BLOCKDATA => usize::from(self.u8(what)?),
                    TC_BLOCKDATALONG => {
                        let len = i32::from_be_bytes(self.array(what)?);
                        let detail = || format!("negative block data length {len}");
                        usize::try_from(len).map_err(|_| malformed(at, detail()))?
                    }
                    tc => {
                        let detail = format!("expected {what} but found {}", describe(tc));
                        return Err(malformed(at, detail));
                    }
                };
            }
            *byte = self.u8(what)?;
            self.block_left -= 1;
        }
        Ok(i32::from_be_bytes(out))
    }

    fn lookup(&mut self) -> Result<Handle> {
        let at = self.pos;
        let handle = self.u32("a back-reference handle")?;
        handle
            .checked_sub(BASE_WIRE_HANDLE)
            .and_then(|index| self.handles.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or_else(|| {
                malformed(
                    at,
                    format!("back-reference to unknown handle 0x{handle:08X}"),
                )
            })
    }

    /// A class descriptor that must be `expected` (HashMapClass or ByteArrayClass) exactly as a
    /// JVM writes it: new, or a back-reference to the one written earlier.
    fn class_desc(&mut self, expected: Handle) -> Result<()> {
        let at = self.pos;
        let (class, suid, flags, fields): (&str, u64, u8, &[(u8, &str)]) = match expected {
            Handle::HashMapClass => (HASH_MAP_CLASS, HASH_MAP_SUID, 0x03, &HASH_MAP_FIELDS),
            _ => (BYTE_ARRAY_CLASS, BYTE_ARRAY_SUID, SC_SERIALIZABLE, &[]),
        };
        let wrong = |found: String| match expected {
            Handle::HashMapClass => JavaSerializationError::NotAHashMap { found, offset: at },
            _ => malformed(
                at,
                format!("expected the byte[] class descriptor but found {found}"),
            ),
        };
        match self.u8("a class descriptor")? {
            TC_CLASSDESC => {}
            TC_REFERENCE => {
                let handle = self.lookup()?;
                return match (handle, expected) {
                    (Handle::HashMapClass, Handle::HashMapClass)
                    | (Handle::ByteArrayClass, Handle::ByteArrayClass) => Ok(()),
                    _ => Err(wrong(handle.describe())),
                };
            }
            tc => return Err(wrong(describe(tc))),
        }
        let name = self.utf("a class name")?;
        if name != class.as_bytes() {
            return Err(wrong(format!("class {}", String::from_utf8_lossy(name))));
        }
        let suid_at = self.pos;
        let found_suid = u64::from_be_bytes(self.array("a serialVersionUID")?);
        if found_suid != suid {
            let detail =
                format!("{class} has serialVersionUID {found_suid:#018X}, expected {suid:#018X}");
            return Err(malformed(suid_at, detail));
        }
        self.handles.push(expected);
        let flags_at = self.pos;
        let found_flags = self.u8("class descriptor flags")?;
        if found_flags != flags {
            let detail =
                format!("{class} has class flags 0x{found_flags:02X}, expected 0x{flags:02X}");
            return Err(malformed(flags_at, detail));
        }
        let count_at = self.pos;
        let count = u16::from_be_bytes(self.array("a field count")?);
        if usize::from(count) != fields.len() {
            let detail = format!("{class} declares {count} fields, expected {}", fields.len());
            return Err(malformed(count_at, detail));
        }
        for &(type_code, field) in fields {
            let field_at = self.pos;
            let found_type = self.u8("a field type code")?;
            let found_name = self.utf("a field name")?;
            if found_type != type_code || found_name != field.as_bytes() {
                let detail = format!(
                    "{class} field {} {} where {} {field} was expected",
                    char::from(found_type),
                    String::from_utf8_lossy(found_name),
                    char::from(type_code),
                );
                return Err(malformed(field_at, detail));
            }
        }
        let tail_at = self.pos;
        if self.array::<2>("the end of a class descriptor")? != [TC_ENDBLOCKDATA, TC_NULL] {
            let detail = format!("{class} descriptor has class annotations or a superclass");
            return Err(malformed(tail_at, detail));
        }
        Ok(())
    }

    /// A `byte[]`, a back-reference to one, or null (`None`).
    fn byte_array(&mut self, context: impl Fn() -> String) -> Result<Option<Vec<u8>>> {
        let at = self.pos;
        let not_array = |found: String| JavaSerializationError::NotAByteArray {
            found,
            offset: at,
            context: context(),
        };
        if self.block_left > 0 {
            return Err(not_array("leftover block data".into()));
        }
        match self.u8("a byte[]")? {
            TC_NULL => Ok(None),
            TC_ARRAY => {
                self.class_desc(Handle::ByteArrayClass)?;
                let len_at = self.pos;
                let len = i32::from_be_bytes(self.array("a byte[] length")?);
                let len = usize::try_from(len)
                    .map_err(|_| malformed(len_at, format!("negative byte[] length {len}")))?;
                if len > self.remaining() {
                    return Err(JavaSerializationError::LengthExceedsInput {
                        offset: len_at,
                        declared: len,
                        remaining: self.remaining(),
                    });
                }
                self.handles.push(Handle::ByteArray {
                    start: self.pos,
                    len,
                });
                Ok(Some(self.take(len, "byte[] contents")?.to_vec()))
            }
            TC_REFERENCE => match self.lookup()? {
                Handle::ByteArray { start, len } => {
                    self.copied = self.copied.saturating_add(len);
                    if self.copied > MAX_BACK_REFERENCE_BYTES {
                        let limit = MAX_BACK_REFERENCE_BYTES;
                        let detail = format!("back-references expand beyond {limit} bytes");
                        return Err(malformed(at, detail));
                    }
                    let bytes = self.bytes.get(start..start + len);
                    Ok(Some(
                        bytes
                            .ok_or_else(|| not_array("a dangling reference".into()))?
                            .to_vec(),
                    ))
                }
                other => Err(not_array(other.describe())),
            },
            tc => Err(not_array(describe(tc))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &[u8] = include_bytes!("../../tests/fixtures/offsets/apache-empty.bin");
    const TWO: &[u8] = include_bytes!("../../tests/fixtures/offsets/apache-two-entries.bin");
    const RESIZED: &[u8] = include_bytes!("../../tests/fixtures/offsets/apache-resized.bin");
    const SHARED: &[u8] = include_bytes!("../../tests/fixtures/offsets/apache-shared-value.bin");

    fn entry(key: &str, value: Option<&str>) -> (Vec<u8>, Option<Vec<u8>>) {
        (key.into(), value.map(Into::into))
    }

    fn file(name: &str) -> String {
        format!(r#"["file-source",{{"filename":"/tmp/{name}"}}]"#)
    }

    fn sorted(mut entries: Entries) -> Entries {
        entries.sort();
        entries
    }

    fn error(bytes: &[u8]) -> String {
        decode_byte_map(bytes).unwrap_err().to_string()
    }

    #[test]
    fn decodes_jdk_fixtures() {
        assert!(is_java_serialization(EMPTY));
        assert_eq!(decode_byte_map(EMPTY).unwrap(), Vec::new());
        let two = [
            (&file("in.txt"), Some(r#"{"position":1024}"#)),
            (&file("gone.txt"), None),
        ];
        let two: Entries = two.into_iter().map(|(k, v)| entry(k, v)).collect();
        assert_eq!(decode_byte_map(TWO).unwrap(), two);
        // Java wrote the shared value array once, then a TC_REFERENCE to it.
        let shared: Entries = ["b.txt", "a.txt"]
            .into_iter()
            .map(|name| entry(&file(name), Some(r#"{"position":0}"#)))
            .collect();
        assert_eq!(decode_byte_map(SHARED).unwrap(), shared);
        let mut expected = vec![
            entry(
                r#"["café-source",{"filename":"/tmp/日本.txt"}]"#,
                Some(r#"{"position":7}"#),
            ),
            entry("", Some("")),
        ];
        for i in 0..18 {
            let key = format!(r#"["bulk",{{"partition":{i}}}]"#);
            expected.push(entry(&key, Some(&format!(r#"{{"offset":{}}}"#, i * 100))));
        }
        let decoded = decode_byte_map(RESIZED).unwrap();
        // Java iterates in identity-hash order; the fixture's first entry pins the stream order.
        assert_eq!(
            decoded.first(),
            Some(&entry(
                r#"["bulk",{"partition":11}]"#,
                Some(r#"{"offset":1100}"#)
            ))
        );
        assert_eq!(sorted(decoded), sorted(expected));
    }

    #[test]
    fn encoding_is_byte_identical_to_the_jdk() {
        // SHARED is left out: this encoder never shares arrays, so it writes the value twice.
        for fixture in [EMPTY, TWO, RESIZED] {
            assert_eq!(encode_byte_map(&decode_byte_map(fixture).unwrap()), fixture);
        }
    }

    /// Verified with JDK 17 (OpenJDK 17.0.15): files written by `encode_byte_map` for 0 entries,
    /// these 2 entries (one null value) and 100 entries (non-ASCII key, empty key and value,
    /// capacity 256) were read with `new ObjectInputStream(..).readObject()` as
    /// `FileOffsetBackingStore.load()` does; Java printed a `java.util.HashMap` with exactly the
    /// same entries and found no trailing bytes. See tests/fixtures/offsets/README.md.
    #[test]
    fn round_trips_and_matches_java_sizing() {
        let two = vec![entry("k", Some("v")), entry("gone", None)];
        assert_eq!(decode_byte_map(&encode_byte_map(&two)).unwrap(), two);
        let many: Entries = (0..100)
            .map(|i| (vec![i; usize::from(i)], Some(vec![0xFF; 3])))
            .collect();
        assert_eq!(decode_byte_map(&encode_byte_map(&many)).unwrap(), many);
        let sizes = [
            (0, (16, 0)),
            (1, (16, 12)),
            (12, (16, 12)),
            (13, (32, 24)),
            (25, (64, 48)),
        ];
        for (len, expected) in sizes {
            assert_eq!(capacity_and_threshold(len), expected, "{len} entries");
        }
        assert_eq!(capacity_and_threshold(usize::MAX), (1 << 30, i32::MAX));
    }

    #[test]
    fn accepts_long_and_split_block_data() {
        let (head, tail) = EMPTY.split_at(0x47); // at `77 08 <capacity> <size>`
        let mut long = head.to_vec();
        long.extend_from_slice(&[TC_BLOCKDATALONG, 0, 0, 0, 8]);
        long.extend_from_slice(&tail[2..]);
        assert_eq!(decode_byte_map(&long).unwrap(), Vec::new());
        let mut split = head.to_vec();
        split.extend_from_slice(&[TC_BLOCKDATA, 3, 0, 0, 0, TC_BLOCKDATA, 0, TC_BLOCKDATA, 5]);
        split.extend_from_slice(&tail[5..]);
        assert_eq!(decode_byte_map(&split).unwrap(), Vec::new());
    }

    #[test]
    fn rejects_bad_input_with_clear_errors() {
        assert!(!is_java_serialization(b"{}"));
        assert_eq!(
            error(b"{\"a\":1}"),
            "not a Java serialization stream (expected magic AC ED 00 05)"
        );
        for len in 0..TWO.len() {
            assert!(
                decode_byte_map(&TWO[..len]).is_err(),
                "prefix of {len} bytes"
            );
        }
        assert_eq!(
            error(&TWO[..150]),
            "unexpected end of data at byte 150 while reading a back-reference handle"
        );
        assert_eq!(
            error(&TWO[..120]),
            "byte[] length at byte 100 declares 42 bytes but only 16 remain"
        );
        let mut other_class = TWO.to_vec();
        other_class[8..25].copy_from_slice(b"java.util.TreeMap");
        assert_eq!(
            error(&other_class),
            "expected a java.util.HashMap but found class java.util.TreeMap at byte 5"
        );
        let mut huge = TWO.to_vec();
        huge[0x64..0x68].copy_from_slice(&i32::MAX.to_be_bytes());
        assert_eq!(
            error(&huge),
            "byte[] length at byte 100 declares 2147483647 bytes but only 125 remain"
        );
        let mut null_key = EMPTY[..0x4D].to_vec(); // up to the size in the block data
        null_key.extend_from_slice(&[0, 0, 0, 1, TC_NULL, TC_NULL, TC_ENDBLOCKDATA]);
        assert_eq!(
            error(&null_key),
            "expected a byte[] but found null (TC_NULL) at byte 81 (reading the key of entry 0)"
        );
        let mut trailing = EMPTY.to_vec();
        trailing.push(0);
        assert_eq!(
            error(&trailing),
            "malformed Java serialization data at byte 82: 1 extra byte(s) after the end of the map"
        );
    }

    #[test]
    fn rejects_other_array_types_and_never_panics_on_mutations() {
        let mut int_array = TWO.to_vec();
        int_array[0x56] = b'I'; // `[B` -> `[I`
        assert_eq!(
            error(&int_array),
            "malformed Java serialization data at byte 82: \
             expected the byte[] class descriptor but found class [I"
        );
        for at in 0..RESIZED.len() {
            for byte in [0x00, 0x70, 0x71, 0x7E, 0xFF, RESIZED[at] ^ 0x01] {
                let mut mutated = RESIZED.to_vec();
                mutated[at] = byte;
                let _ = decode_byte_map(&mutated);
            }
        }
    }

    #[test]
    fn bounds_back_reference_expansion() {
        // One 1 MiB key, then 69 keys referring back to it (handle 3): 69 MiB of copies.
        let mut bytes = encode_byte_map(&[(vec![7; 1 << 20], None)]);
        bytes[0x4D..0x51].copy_from_slice(&70_i32.to_be_bytes());
        bytes.pop(); // TC_ENDBLOCKDATA
        let first_reference = bytes.len();
        for _ in 1..70 {
            bytes.extend_from_slice(&[TC_REFERENCE, 0x00, 0x7E, 0x00, 0x03, TC_NULL]);
        }
        bytes.push(TC_ENDBLOCKDATA);
        let at = first_reference + 6 * 64; // the 65th copy passes the 64 MiB limit
        let expected = format!(
            "malformed Java serialization data at byte {at}: back-references expand beyond 67108864 bytes"
        );
        assert_eq!(error(&bytes), expected);
    }
}
