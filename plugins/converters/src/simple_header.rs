//! Apache's `SimpleHeaderConverter`: header values are written as the text
//! `Values.convertToString` gives (strings as they are, lists and maps in
//! a JSON-like form, dates in ISO 8601, bytes in Base64) and read back with
//! `Values.parseString`, which infers the type and schema (booleans, the
//! smallest number type, lists, maps, quoted strings inside them, dates,
//! times and timestamps, and otherwise a string).

use std::borrow::Cow;
use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::log;
use wasm_connect_sdk::prelude::*;

use wasm_connect_sdk::values::{Parsed, convert_to_string, parse_string, primitive};

use crate::target::{data_error, for_each_target, header_range};

/// Apache's `SimpleHeaderConverter`: a header converter only.
pub struct SimpleHeaderConverter {
    /// The text of the value being written, reused across headers.
    text: String,
    /// Schemas inferred lately, so that headers of the same shape share one
    /// `Arc` and the batch adds it by a pointer comparison.
    recent: Vec<Arc<Schema>>,
}

/// How many inferred schemas [`SimpleHeaderConverter`] remembers; a topic's
/// headers rarely have more shapes.
const RECENT_SCHEMAS: usize = 16;

/// The remembered schema equal to `schema`, remembering it if new.
fn recent_schema(recent: &mut Vec<Arc<Schema>>, schema: Arc<Schema>) -> Arc<Schema> {
    if let Some(found) = recent.iter().find(|s| ***s == *schema) {
        return found.clone();
    }
    if recent.len() >= RECENT_SCHEMAS {
        recent.remove(0);
    }
    recent.push(schema.clone());
    schema
}

impl Converter for SimpleHeaderConverter {
    const HEADERS: bool = true;
    // Apache's class is a HeaderConverter only.
    const KEYS_AND_VALUES: bool = false;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Converter,
            "wasmconnect.converters.SimpleHeaderConverter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.storage.SimpleHeaderConverter"])
        .description(
            "Writes header values as text and reads them back with their most fitting type and schema.",
        )
    }

    fn configure(_config: Config, target: Target) -> Result<Self> {
        // Not offered for keys and values (`KEYS_AND_VALUES`); should it be
        // asked anyway, refuse as Apache's worker does.
        let key = match target {
            Target::Headers => {
                return Ok(Self {
                    text: String::new(),
                    recent: Vec::new(),
                });
            }
            Target::Key => "key.converter",
            Target::Value => "value.converter",
        };
        Err(PluginError::config(format!(
            "Failed to find any class that implements Converter for the config {key}: \
             org.apache.kafka.connect.storage.SimpleHeaderConverter is a header converter only"
        )))
    }

    fn from_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let text = &mut self.text;
        for_each_target(batch, Target::Headers, |batch, i, node, schema| {
            match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => Ok((Node::NULL, NONE)),
                // A string is written as itself: relabel it, no copy.
                Some(NodeKind::String) => Ok((Node::bytes(node.b as u32, node.a), NONE)),
                _ => {
                    text.clear();
                    convert_to_string(batch, node, schema, text).map_err(|e| data_error(i, e))?;
                    let (start, len) = batch.push_bytes(text.as_bytes())?;
                    Ok((Node::bytes(start, len), NONE))
                }
            }
        })
    }

    fn to_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let string_schema = batch.add_schema_arc(&primitive(SchemaType::String))?;
        let recent = &mut self.recent;
        for_each_target(batch, Target::Headers, |batch, i, node, _| {
            match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => return Ok((Node::NULL, NONE)),
                Some(NodeKind::Bytes | NodeKind::String) => {}
                _ => {
                    return Err(
                        PluginError::data("SimpleHeaderConverter can only read bytes").at_record(i),
                    );
                }
            }
            let bytes = batch
                .bytes(node.b as u32, node.a, "a header value")
                .map_err(|e| data_error(i, e))?;
            // Java's `new String(bytes, UTF_8)` replaces bad sequences.
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(bytes),
            };
            let parsed = parse_string(&text);
            let lossy = match text {
                Cow::Borrowed(_) => None,
                Cow::Owned(text) => Some(text),
            };
            match parsed {
                Parsed::Null => Ok((Node::NULL, NONE)),
                Parsed::Text => match lossy {
                    // The text is already in the batch: relabel it.
                    None => Ok((Node::string(node.b as u32, node.a), string_schema)),
                    Some(text) => {
                        let (start, len) = batch.push_bytes(text.as_bytes())?;
                        Ok((Node::string(start, len), string_schema))
                    }
                },
                Parsed::Value(schema, value) => {
                    let schema = recent_schema(recent, schema);
                    let index = batch
                        .add_schema_arc(&schema)
                        .map_err(|e| data_error(i, e))?;
                    match batch.encode_value(&value, Some(&schema), 0) {
                        Ok(node) => Ok((node, index)),
                        Err(e) => Ok(raw_bytes(batch, i, node, &e.to_string())?),
                    }
                }
                Parsed::Unparseable => Ok(raw_bytes(
                    batch,
                    i,
                    node,
                    "it nests too deeply or holds a number out of range",
                )?),
            }
        })
    }
}

/// Apache's fallback for a header value it cannot parse for an unexpected
/// reason: a warning, and the bytes as they are with the bytes schema.
fn raw_bytes(batch: &mut Batch, i: usize, node: Node, why: &str) -> Result<(Node, u32)> {
    let topic = batch
        .record(i)
        .ok()
        .and_then(|r| r.topic().ok())
        .unwrap_or_default()
        .to_owned();
    // The header whose value this is (a rare path: looking it up is fine).
    let key = header_range(batch, i)
        .ok()
        .and_then(|(start, count)| {
            (start..start.saturating_add(count))
                .filter_map(|j| batch.header_desc(j as usize).ok())
                .find(|h| h.value == node)
        })
        .and_then(|h| batch.str(h.key_start, h.key_len, "a header key").ok())
        .unwrap_or_default()
        .to_owned();
    log::warn(&format!(
        "Failed to deserialize value for header '{key}' on topic '{topic}', so using byte array ({why})"
    ));
    let schema = batch.add_schema_arc(&primitive(SchemaType::Bytes))?;
    Ok((Node::bytes(node.b as u32, node.a), schema))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wasm_connect_sdk::PluginSet;

    use super::*;
    use wasm_connect_sdk::values::{DECIMAL, date_schema};

    fn with_headers(values: Vec<(Option<Arc<Schema>>, Value)>) -> Batch {
        let mut record = Record::new("topic");
        for (schema, value) in values {
            record.headers.push(Header {
                key: "h".into(),
                schema,
                value,
            });
        }
        Batch::from_records(&[record]).unwrap()
    }

    fn headers(batch: &Batch) -> Vec<(Option<Arc<Schema>>, Value)> {
        batch.to_records().unwrap()[0]
            .headers
            .iter()
            .map(|h| (h.schema.clone(), h.value.clone()))
            .collect()
    }

    fn converter() -> SimpleHeaderConverter {
        SimpleHeaderConverter::configure(Config::new(), Target::Headers).unwrap()
    }

    #[test]
    fn is_a_header_converter_only() {
        for (target, key) in [
            (Target::Key, "key.converter"),
            (Target::Value, "value.converter"),
        ] {
            let err = SimpleHeaderConverter::configure(Config::new(), target)
                .err()
                .unwrap();
            assert_eq!(err.kind, ErrorKind::Config);
            assert_eq!(
                err.message,
                format!(
                    "Failed to find any class that implements Converter for the config {key}: \
                     org.apache.kafka.connect.storage.SimpleHeaderConverter is a header converter only"
                )
            );
        }
        let manifests = crate::Plugins::registry().manifests();
        let kinds: Vec<PluginKind> = manifests
            .iter()
            .filter(|m| m.name == "wasmconnect.converters.SimpleHeaderConverter")
            .map(|m| m.kind)
            .collect();
        assert!(kinds.contains(&PluginKind::HeaderConverter), "{kinds:?}");
        let m = &manifests[manifests
            .iter()
            .position(|m| m.name == "wasmconnect.converters.SimpleHeaderConverter")
            .unwrap()];
        assert_eq!(
            m.aliases,
            vec!["org.apache.kafka.connect.storage.SimpleHeaderConverter".to_owned()]
        );
        assert!(m.config.is_empty());
    }

    #[test]
    fn reads_text_without_copying_it() {
        let mut batch = with_headers(vec![
            (None, Value::Bytes(b"hello world".to_vec())),
            (None, Value::Bytes(b"42".to_vec())),
            (None, Value::Bytes(b"true".to_vec())),
            (None, Value::Bytes(b"null".to_vec())),
            (None, Value::Null),
            (None, Value::Bytes(b"".to_vec())),
        ]);
        batch.share_all();
        converter().to_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        let string = Some(Arc::new(Schema::new(SchemaType::String)));
        assert_eq!(
            headers(&batch),
            vec![
                (string.clone(), "hello world".into()),
                (
                    Some(Arc::new(Schema::new(SchemaType::Int8))),
                    Value::Int8(42)
                ),
                (
                    Some(Arc::new(Schema::new(SchemaType::Boolean))),
                    Value::Boolean(true)
                ),
                (None, Value::Null),
                (None, Value::Null),
                (string, "".into()),
            ]
        );
        // No bytes were added: strings point at the bytes they came in.
        assert!(batch.take_unshared_data().1.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_as_java_does() {
        let mut batch = with_headers(vec![(None, Value::Bytes(vec![b'a', 0xff, b'b']))]);
        converter().to_connect(&mut batch).unwrap();
        assert_eq!(
            headers(&batch),
            vec![(
                Some(Arc::new(Schema::new(SchemaType::String))),
                "a\u{fffd}b".into()
            )]
        );
    }

    #[test]
    fn what_java_cannot_parse_stays_bytes() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let mut batch = with_headers(vec![
            (None, Value::Bytes(deep.clone().into_bytes())),
            (None, Value::Bytes(b"1e2147483647".to_vec())),
        ]);
        converter().to_connect(&mut batch).unwrap();
        let bytes = Some(Arc::new(Schema::new(SchemaType::Bytes)));
        assert_eq!(
            headers(&batch),
            vec![
                (bytes.clone(), Value::Bytes(deep.into_bytes())),
                (bytes, Value::Bytes(b"1e2147483647".to_vec())),
            ]
        );
    }

    #[test]
    fn writes_values_as_apache_prints_them() {
        let mut batch = with_headers(vec![
            (None, "as is, [with] {delims}".into()),
            (None, Value::Null),
            (None, Value::Int64(-5)),
            (Some(date_schema()), Value::Int32(18131)),
            (
                None,
                Value::Array(vec!["a".into(), Value::Int8(1), Value::Null]),
            ),
            (None, Value::Bytes(vec![0xff])),
        ]);
        batch.share_all();
        let before = batch.data().len();
        converter().from_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        let text = |s: &str| (None, Value::Bytes(s.as_bytes().to_vec()));
        assert_eq!(
            headers(&batch),
            vec![
                text("as is, [with] {delims}"),
                (None, Value::Null),
                text("-5"),
                text("2019-08-23"),
                text("[\"a\",1,null]"),
                text("/w=="),
            ]
        );
        // The string was relabelled, not copied.
        let added = batch.take_unshared_data().1;
        assert_eq!(added, b"-52019-08-23[\"a\",1,null]/w==", "{before}");
    }

    #[test]
    fn unwritable_values_are_errors_of_their_record() {
        let mut decimal = Schema::new(SchemaType::Bytes).named(DECIMAL);
        decimal.version = Some(1);
        let mut first = Record::new("t");
        first.headers.push(Header {
            key: "ok".into(),
            schema: None,
            value: Value::Int8(1),
        });
        let mut second = Record::new("t");
        second.headers.push(Header {
            key: "d".into(),
            schema: Some(Arc::new(decimal)),
            value: Value::Bytes(vec![1]),
        });
        let mut batch = Batch::from_records(&[first, second]).unwrap();
        let err = converter().from_connect(&mut batch).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid Decimal schema: scale parameter not found."
        );
        assert_eq!((err.kind, err.record), (ErrorKind::Data, Some(1)));
    }

    #[test]
    fn round_trips_through_both_directions() {
        let mut batch = with_headers(vec![
            (
                None,
                Value::Bytes(br#"{"foo":1234567890,"bar":0,"baz":-987654321}"#.to_vec()),
            ),
            (None, Value::Bytes(b"2019-08-23T14:34:54.346Z".to_vec())),
            (None, Value::Bytes(b"[1.5, 2]".to_vec())),
        ]);
        let mut c = converter();
        c.to_connect(&mut batch).unwrap();
        c.from_connect(&mut batch).unwrap();
        c.to_connect(&mut batch).unwrap();
        c.from_connect(&mut batch).unwrap();
        let text: Vec<Value> = headers(&batch).into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            text,
            vec![
                Value::Bytes(br#"{"foo":1234567890,"bar":0,"baz":-987654321}"#.to_vec()),
                Value::Bytes(b"2019-08-23T14:34:54.346Z".to_vec()),
                Value::Bytes(b"[1.5,2.0]".to_vec()),
            ]
        );
    }

    /// The converter end to end on the inputs of the SDK's golden file of
    /// Apache's `Values` (`sdk-guest/tests/data/values_golden.tsv`, whose
    /// schemas and values the SDK's tests check): what Java read as null
    /// stays null, what it threw on (or what nests deeper than a batch
    /// holds) stays the bytes with the bytes schema, and everything else is
    /// written back as Apache's `convertToString` wrote it (or, where
    /// Apache's value did not fit its schema, as the text it came from).
    #[test]
    fn writes_back_what_apache_wrote_for_the_golden_inputs() {
        #[derive(Debug, PartialEq)]
        enum Outcome {
            Null,
            KeptBytes,
            Written(Vec<u8>),
        }
        let path = format!(
            "{}/../../sdk-guest/tests/data/values_golden.tsv",
            env!("CARGO_MANIFEST_DIR")
        );
        let golden = std::fs::read_to_string(path).unwrap();
        let unhex = |s: &str| -> Vec<u8> {
            (0..s.len() / 2)
                .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
                .collect()
        };
        let bytes_schema = Some(Arc::new(Schema::new(SchemaType::Bytes)));
        let mut c = converter();
        let mut failures = Vec::new();
        for line in golden.lines().filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = line.split('\t').collect();
            let input = unhex(fields[0]);
            let too_deep = line.matches("ARRAY<").count() + line.matches("MAP<").count() > 64;
            let want = match fields[1..] {
                _ if too_deep => Outcome::KeptBytes,
                ["NULL"] => Outcome::Null,
                [throw] if throw.starts_with("THROW") => Outcome::KeptBytes,
                ["UNFIT", ..] => {
                    Outcome::Written(String::from_utf8_lossy(&input).into_owned().into_bytes())
                }
                [_, _, written] => Outcome::Written(unhex(written)),
                _ => panic!("bad golden line {line}"),
            };
            let mut batch = with_headers(vec![(None, Value::Bytes(input.clone()))]);
            c.to_connect(&mut batch).unwrap();
            batch.validate().unwrap();
            let got = match headers(&batch).remove(0) {
                (None, Value::Null) => Outcome::Null,
                (schema, Value::Bytes(b)) if schema == bytes_schema && b == input => {
                    Outcome::KeptBytes
                }
                _ => {
                    c.from_connect(&mut batch).unwrap();
                    match headers(&batch).remove(0).1 {
                        Value::Bytes(b) => Outcome::Written(b),
                        other => panic!("not bytes: {other:?}"),
                    }
                }
            };
            if got != want {
                failures.push(format!(
                    "{:?}\n  want {want:?}\n  got  {got:?}",
                    String::from_utf8_lossy(&input)
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} differ:\n{}",
            failures.len(),
            failures[..failures.len().min(20)].join("\n")
        );
    }
}
