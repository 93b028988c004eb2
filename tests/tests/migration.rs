//! Switching from Apache Kafka Connect: the worker takes over the offsets
//! file Apache's standalone worker left behind, resumes every source where
//! Apache stopped, keeps the entries it does not own, and leaves the file in
//! Apache's format so the user can switch back.
//!
//! The Apache-format file is built here by [`java`], a small writer of the
//! Java Object Serialization Stream Protocol written from the specification
//! (chapter 6 of Oracle's "Java Object Serialization Specification"), not
//! with the worker's own encoder: a file the worker wrote itself would prove
//! nothing about files a JVM wrote.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]
use std::fs;

use wasm_connect_e2e::*;

/// What Apache Kafka Connect's `FileOffsetBackingStore` writes: one
/// `java.util.HashMap<byte[], byte[]>` through `ObjectOutputStream`.
mod java {
    /// Stream header (§6.4.2 "Terminal Symbols and Constants").
    const STREAM_MAGIC: u16 = 0xACED;
    const STREAM_VERSION: u16 = 5;
    const TC_NULL: u8 = 0x70;
    const TC_REFERENCE: u8 = 0x71;
    const TC_CLASSDESC: u8 = 0x72;
    const TC_OBJECT: u8 = 0x73;
    const TC_ARRAY: u8 = 0x75;
    const TC_BLOCKDATA: u8 = 0x77;
    const TC_ENDBLOCKDATA: u8 = 0x78;
    /// The first handle; each new class descriptor, object and array takes
    /// the next one.
    const BASE_WIRE_HANDLE: u32 = 0x7E_0000;
    const SC_WRITE_METHOD: u8 = 0x01;
    const SC_SERIALIZABLE: u8 = 0x02;
    /// `java.util.HashMap`'s declared `serialVersionUID`.
    const HASH_MAP_SUID: i64 = 362_498_820_763_181_265;
    /// The `serialVersionUID` the JVM computes for `byte[]` (class `[B`).
    const BYTE_ARRAY_SUID: i64 = -5_984_413_125_824_719_648;
    /// `HashMap`'s default load factor, which every map Apache builds has.
    const LOAD_FACTOR: f32 = 0.75;
    /// Handles in the order a map stream assigns them.
    const HASH_MAP_CLASS_HANDLE: u32 = BASE_WIRE_HANDLE;
    const BYTE_ARRAY_CLASS_HANDLE: u32 = BASE_WIRE_HANDLE + 2;

    /// A map entry: key, then value (`None` for a null value).
    pub type Entry = (Vec<u8>, Option<Vec<u8>>);

    /// `writeUTF`: a big-endian u16 length, then the (here ASCII) bytes.
    fn utf(out: &mut Vec<u8>, s: &str) {
        assert!(s.is_ascii(), "class and field names here are ASCII");
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }

    /// The table size and `threshold` field a `new HashMap<>()` has after
    /// `len` puts: 16 buckets, doubled while `len` exceeds three quarters.
    fn capacity_and_threshold(len: usize) -> (i32, i32) {
        if len == 0 {
            // No table yet: threshold 0, and writeObject reports 16.
            return (16, 0);
        }
        let mut capacity = 16;
        while len > capacity * 3 / 4 {
            capacity *= 2;
        }
        (capacity as i32, (capacity * 3 / 4) as i32)
    }

    /// The stream `ObjectOutputStream.writeObject(map)` produces for a
    /// `HashMap<byte[], byte[]>` iterating as `entries` (a `None` value is
    /// a null `byte[]`; every array is a distinct object).
    pub fn write_byte_map(entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        // stream: magic version contents
        out.extend_from_slice(&STREAM_MAGIC.to_be_bytes());
        out.extend_from_slice(&STREAM_VERSION.to_be_bytes());
        // newObject: TC_OBJECT classDesc newHandle classdata[]
        out.push(TC_OBJECT);
        // newClassDesc: TC_CLASSDESC className serialVersionUID newHandle
        // classDescInfo (handle 0x7E0000)
        out.push(TC_CLASSDESC);
        utf(&mut out, "java.util.HashMap");
        out.extend_from_slice(&HASH_MAP_SUID.to_be_bytes());
        // classDescInfo: classDescFlags fields classAnnotation superClassDesc.
        // HashMap has its own writeObject, hence SC_WRITE_METHOD.
        out.push(SC_WRITE_METHOD | SC_SERIALIZABLE);
        // fields: (short)<count> fieldDesc[count], primitives sorted by name
        // (the non-transient fields of HashMap).
        out.extend_from_slice(&2u16.to_be_bytes());
        out.push(b'F');
        utf(&mut out, "loadFactor");
        out.push(b'I');
        utf(&mut out, "threshold");
        // classAnnotation: endBlockData; superClassDesc: AbstractMap is not
        // Serializable, so nullReference.
        out.push(TC_ENDBLOCKDATA);
        out.push(TC_NULL);
        // The map object itself takes handle 0x7E0001.
        // classdata: wrclass objectAnnotation. wrclass = the field values in
        // descriptor order (defaultWriteObject), outside block data.
        let (capacity, threshold) = capacity_and_threshold(entries.len());
        out.extend_from_slice(&LOAD_FACTOR.to_bits().to_be_bytes());
        out.extend_from_slice(&threshold.to_be_bytes());
        // objectAnnotation: what HashMap.writeObject writes after
        // defaultWriteObject, ended by endBlockData. Its two ints are
        // primitive data, so they go in one short block:
        // blockdatashort: TC_BLOCKDATA (unsigned byte)<size> (byte)[size]
        out.push(TC_BLOCKDATA);
        out.push(8);
        out.extend_from_slice(&capacity.to_be_bytes());
        out.extend_from_slice(&(entries.len() as i32).to_be_bytes());
        // Then each key and value as an object.
        let mut byte_array_class_written = false;
        let mut array = |out: &mut Vec<u8>, bytes: &Option<Vec<u8>>| {
            let Some(bytes) = bytes else {
                out.push(TC_NULL);
                return;
            };
            // newArray: TC_ARRAY classDesc newHandle (int)<size> values[size]
            out.push(TC_ARRAY);
            if byte_array_class_written {
                // prevObject: TC_REFERENCE (int)handle
                out.push(TC_REFERENCE);
                out.extend_from_slice(&BYTE_ARRAY_CLASS_HANDLE.to_be_bytes());
            } else {
                out.push(TC_CLASSDESC);
                utf(out, "[B");
                out.extend_from_slice(&BYTE_ARRAY_SUID.to_be_bytes());
                out.push(SC_SERIALIZABLE);
                out.extend_from_slice(&0u16.to_be_bytes());
                out.push(TC_ENDBLOCKDATA);
                out.push(TC_NULL);
                byte_array_class_written = true;
            }
            out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        for (key, value) in entries {
            array(&mut out, &Some(key.clone()));
            array(&mut out, value);
        }
        out.push(TC_ENDBLOCKDATA);
        out
    }

    /// What [`read_byte_map`] found besides the entries.
    #[derive(Debug, PartialEq)]
    pub struct MapHeader {
        /// The `loadFactor` field.
        pub load_factor: f32,
        /// The `threshold` field.
        pub threshold: i32,
        /// The bucket count writeObject reported.
        pub capacity: i32,
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        pos: usize,
        /// Next handle to assign, and the arrays by handle.
        next_handle: u32,
        arrays: Vec<(u32, Vec<u8>)>,
    }

    impl Reader<'_> {
        fn take(&mut self, n: usize, what: &str) -> &[u8] {
            let end = self.pos + n;
            assert!(
                end <= self.bytes.len(),
                "stream ends at byte {} while reading {what}",
                self.bytes.len()
            );
            let slice = &self.bytes[self.pos..end];
            self.pos = end;
            slice
        }
        fn u8(&mut self, what: &str) -> u8 {
            self.take(1, what)[0]
        }
        fn expect(&mut self, want: &[u8], what: &str) {
            let at = self.pos;
            let got = self.take(want.len(), what).to_vec();
            assert_eq!(got, want, "{what} at byte {at}");
        }
        fn i32(&mut self, what: &str) -> i32 {
            i32::from_be_bytes(self.take(4, what).try_into().unwrap())
        }
        fn utf(&mut self, what: &str) -> String {
            let len = u16::from_be_bytes(self.take(2, what).try_into().unwrap());
            String::from_utf8(self.take(len.into(), what).to_vec()).unwrap()
        }
        fn new_handle(&mut self) -> u32 {
            let h = self.next_handle;
            self.next_handle += 1;
            h
        }
        /// A `byte[]` or null, as a map key or value.
        fn byte_array(&mut self, what: &str) -> Option<Vec<u8>> {
            let at = self.pos;
            match self.u8(what) {
                TC_NULL => None,
                TC_REFERENCE => {
                    // The same array object written again.
                    let handle = u32::from_be_bytes(self.take(4, what).try_into().unwrap());
                    let found = self.arrays.iter().find(|(h, _)| *h == handle);
                    Some(
                        found
                            .unwrap_or_else(|| panic!("{what} at byte {at}: no array {handle:#x}"))
                            .1
                            .clone(),
                    )
                }
                TC_ARRAY => {
                    let class_at = self.pos;
                    match self.u8("the [B class descriptor") {
                        TC_CLASSDESC => {
                            assert_eq!(self.utf("the array class"), "[B", "{what}");
                            self.expect(&BYTE_ARRAY_SUID.to_be_bytes(), "the [B serialVersionUID");
                            self.expect(&[SC_SERIALIZABLE, 0, 0], "the [B flags and fields");
                            self.expect(&[TC_ENDBLOCKDATA, TC_NULL], "the [B annotation/super");
                            assert_eq!(
                                self.new_handle(),
                                BYTE_ARRAY_CLASS_HANDLE,
                                "[B is the first class after HashMap"
                            );
                        }
                        TC_REFERENCE => {
                            self.expect(
                                &BYTE_ARRAY_CLASS_HANDLE.to_be_bytes(),
                                "a reference to the [B class descriptor",
                            );
                        }
                        tc => panic!("{what}: class descriptor tag {tc:#x} at byte {class_at}"),
                    }
                    let handle = self.new_handle();
                    let len = self.i32(what);
                    let bytes = self.take(usize::try_from(len).unwrap(), what).to_vec();
                    self.arrays.push((handle, bytes.clone()));
                    Some(bytes)
                }
                tc => panic!("{what}: expected a byte[] or null, found tag {tc:#x} at byte {at}"),
            }
        }
    }

    /// Read a file as Java's `ObjectInputStream.readObject` would see it,
    /// insisting on exactly a `HashMap<byte[], byte[]>` and nothing after
    /// it. Panics naming the byte where the stream differs.
    pub fn read_byte_map(bytes: &[u8]) -> (MapHeader, Vec<Entry>) {
        let mut r = Reader {
            bytes,
            pos: 0,
            next_handle: BASE_WIRE_HANDLE,
            arrays: Vec::new(),
        };
        r.expect(&STREAM_MAGIC.to_be_bytes(), "STREAM_MAGIC");
        r.expect(&STREAM_VERSION.to_be_bytes(), "STREAM_VERSION");
        r.expect(&[TC_OBJECT, TC_CLASSDESC], "a new object of a new class");
        assert_eq!(r.utf("the class name"), "java.util.HashMap");
        r.expect(&HASH_MAP_SUID.to_be_bytes(), "HashMap's serialVersionUID");
        r.expect(&[SC_WRITE_METHOD | SC_SERIALIZABLE], "HashMap's flags");
        r.expect(&[0, 2, b'F'], "two fields, the first a float");
        assert_eq!(r.utf("a field name"), "loadFactor");
        r.expect(b"I", "an int field");
        assert_eq!(r.utf("a field name"), "threshold");
        r.expect(&[TC_ENDBLOCKDATA, TC_NULL], "no annotation, no superclass");
        assert_eq!(r.new_handle(), HASH_MAP_CLASS_HANDLE);
        r.new_handle(); // the map
        let load_factor = f32::from_bits(r.i32("loadFactor") as u32);
        let threshold = r.i32("threshold");
        r.expect(&[TC_BLOCKDATA, 8], "one block of two ints");
        let capacity = r.i32("the capacity");
        let size = r.i32("the size");
        let entries = (0..size)
            .map(|i| {
                let key = r.byte_array(&format!("key {i}")).expect("a null key");
                (key, r.byte_array(&format!("value {i}")))
            })
            .collect();
        r.expect(&[TC_ENDBLOCKDATA], "the end of HashMap's data");
        assert_eq!(r.pos, bytes.len(), "bytes after the map");
        let header = MapHeader {
            load_factor,
            threshold,
            capacity,
        };
        (header, entries)
    }

    /// The writer against the specification by hand, byte by byte, for a
    /// map of one key with a value and one key with a null value. (When
    /// this test was written, OpenJDK 17's ObjectOutputStream wrote these
    /// same bytes for such a map iterating in this order.)
    #[test]
    fn writer_matches_the_spec_byte_for_byte() {
        let bytes = write_byte_map(&[
            (b"k1".to_vec(), Some(b"v".to_vec())),
            (b"k2".to_vec(), None),
        ]);
        let mut want: Vec<u8> = vec![0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11];
        want.extend_from_slice(b"java.util.HashMap");
        want.extend_from_slice(&[
            0x05, 0x07, 0xDA, 0xC1, 0xC3, 0x16, 0x60, 0xD1, 0x03, 0x00, 0x02,
        ]);
        want.extend_from_slice(b"F\x00\x0aloadFactorI\x00\x09threshold");
        want.extend_from_slice(&[0x78, 0x70]);
        want.extend_from_slice(&[0x3F, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C]);
        want.extend_from_slice(&[0x77, 0x08, 0, 0, 0, 0x10, 0, 0, 0, 2]);
        want.extend_from_slice(&[0x75, 0x72, 0x00, 0x02, b'[', b'B']);
        want.extend_from_slice(&[0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08, 0x54, 0xE0, 0x02, 0, 0]);
        want.extend_from_slice(&[0x78, 0x70, 0, 0, 0, 2, b'k', b'1']);
        want.extend_from_slice(&[0x75, 0x71, 0x00, 0x7E, 0x00, 0x02, 0, 0, 0, 1, b'v']);
        want.extend_from_slice(&[0x75, 0x71, 0x00, 0x7E, 0x00, 0x02, 0, 0, 0, 2, b'k', b'2']);
        want.extend_from_slice(&[0x70, 0x78]);
        assert_eq!(bytes, want);

        let (header, entries) = read_byte_map(&bytes);
        assert_eq!(
            header,
            MapHeader {
                load_factor: 0.75,
                threshold: 12,
                capacity: 16
            }
        );
        assert_eq!(
            entries,
            [
                (b"k1".to_vec(), Some(b"v".to_vec())),
                (b"k2".to_vec(), None)
            ]
        );
        assert_eq!(capacity_and_threshold(13), (32, 24));
    }
}

/// An offsets-file key as Apache's JsonConverter writes it (schemas off):
/// compact JSON `["<connector>",{<source partition>}]`.
fn key(connector: &str, partition: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!([connector, partition])).unwrap()
}

#[test]
fn apache_offsets_file_is_taken_over_and_stays_in_apaches_format() {
    let broker = Broker::start();
    broker.create_topic("connect-test", 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();

    // Ten lines; Apache's worker read the first four before it was stopped.
    let input = dir.path().join("test.txt");
    let lines: Vec<String> = (1..=10)
        .map(|n| format!("line {n} {}", "x".repeat(n)))
        .collect();
    fs::write(
        &input,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let after_line_4: usize = lines[..4].iter().map(|l| l.len() + 1).sum();
    let file_size = fs::metadata(&input).unwrap().len();

    // Apache's offsets file: this connector's position, the same
    // connector's position in a file it no longer reads, another
    // connector's offset with a different shape, and a deleted offset
    // (Apache writes null for it).
    let input_name = input.display().to_string();
    let ours = key(
        "local-file-source",
        &serde_json::json!({ "filename": input_name }),
    );
    let stale_partition = (
        key(
            "local-file-source",
            &serde_json::json!({"filename": "/var/log/rotated/test.txt.1"}),
        ),
        Some(br#"{"position":4096}"#.to_vec()),
    );
    let other_connector = (
        br#"["jdbc-orders",{"protocol":"1","table":"orders"}]"#.to_vec(),
        Some(br#"{"incrementing":1234,"timestamp":1700000000000}"#.to_vec()),
    );
    let deleted = (
        key(
            "old-source",
            &serde_json::json!({"filename": "/tmp/gone.txt"}),
        ),
        None,
    );
    let offsets_path = dir.path().join("connect.offsets");
    fs::write(
        &offsets_path,
        java::write_byte_map(&[
            stale_partition.clone(),
            (
                ours.clone(),
                Some(format!("{{\"position\":{after_line_4}}}").into_bytes()),
            ),
            other_connector.clone(),
            deleted.clone(),
        ]),
    )
    .unwrap();

    // Apache's own config/connect-file-source.properties, file and topic
    // as the test needs; the worker file names the same offsets file.
    let connector = write(
        &dir.path().join("connect-file-source.properties"),
        &format!(
            "name=local-file-source\n\
             connector.class=FileStreamSource\n\
             tasks.max=1\n\
             file={input_name}\n\
             topic=connect-test\n"
        ),
    );
    let props = worker_properties(dir.path(), &broker, port, "");
    let worker = Worker::start(dir.path(), &props, &[connector], port);

    let got = broker.read_all("connect-test", 1, 6);
    assert_eq!(
        got,
        lines[4..],
        "exactly lines 5..10 reach the topic; log:\n{}",
        worker.log_text()
    );
    assert!(worker.stop().success(), "a clean stop");
    assert_eq!(
        broker.read_all("connect-test", 1, 6),
        lines[4..],
        "nothing more arrived before the stop"
    );

    // Still a HashMap<byte[], byte[]> as Java reads it, with every entry
    // the worker does not own untouched, and this connector at the end of
    // its file, updated in place (one entry, same key bytes).
    let bytes = fs::read(&offsets_path).unwrap();
    let (header, entries) = java::read_byte_map(&bytes);
    assert_eq!(header.load_factor, 0.75, "{header:?}");
    assert!(
        header.capacity >= 16
            && (header.capacity as u32).is_power_of_two()
            && header.threshold == header.capacity / 4 * 3
            && entries.len() <= header.threshold as usize,
        "table size and threshold as a JVM's HashMap has them: {header:?}"
    );
    assert_eq!(entries.len(), 4, "{entries:?}");
    for entry in [&stale_partition, &other_connector, &deleted] {
        assert!(
            entries.contains(entry),
            "entry {} survives byte for byte in {entries:?}",
            String::from_utf8_lossy(&entry.0)
        );
    }
    let mine: Vec<_> = entries.iter().filter(|(k, _)| *k == ours).collect();
    assert_eq!(
        mine,
        [&(
            ours.clone(),
            Some(format!("{{\"position\":{file_size}}}").into_bytes())
        )],
        "the connector's position is now the end of {input_name}"
    );
}
