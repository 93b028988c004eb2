//! The golden file: what Apache's `Values` (compiled from Kafka's source,
//! run with JDK 25 in UTC) does with ~2,000 inputs, hand-picked edge cases
//! and generated ones, replayed here in both directions as
//! SimpleHeaderConverter uses the port.

use crate::prelude::*;

use super::*;

/// Hex to bytes (the golden file's encoding of arbitrary text).
fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The oracle's description of a schema.
fn describe_schema(schema: Option<&Schema>) -> String {
    let Some(s) = schema else { return "-".into() };
    let mut out = match s.schema_type {
        SchemaType::Array => format!("ARRAY<{}>", describe_schema(s.value_schema.as_deref())),
        SchemaType::Map => format!(
            "MAP<{},{}>",
            describe_schema(s.key_schema.as_deref()),
            describe_schema(s.value_schema.as_deref())
        ),
        // Java's `Schema.Type` names: INT32, FLOAT64, ...
        t => format!("{t:?}").to_uppercase(),
    };
    if let Some(name) = &s.name {
        out.push(':');
        out.push_str(name.rsplit('.').next().unwrap_or(name));
    }
    if let Some((_, scale)) = s.parameters.iter().find(|(k, _)| k == "scale") {
        out.push_str(&format!("({scale})"));
    }
    if s.optional {
        out.push('?');
    }
    out
}

/// The oracle's description of a value (the Java object it stands for).
fn describe_value(value: &Value, schema: Option<&Schema>) -> String {
    let name = schema.and_then(|s| s.name.as_deref());
    match value {
        Value::Null => "null".into(),
        Value::Boolean(v) => format!("bool:{v}"),
        Value::Int8(v) => format!("i8:{v}"),
        Value::Int16(v) => format!("i16:{v}"),
        Value::Int32(v) if name == Some(DATE) => format!("date:{}", i64::from(*v) * 86_400_000),
        Value::Int32(v) if name == Some(TIME) => format!("date:{v}"),
        Value::Int32(v) => format!("i32:{v}"),
        Value::Int64(v) if name == Some(TIMESTAMP) => format!("date:{v}"),
        Value::Int64(v) => format!("i64:{v}"),
        Value::Float32(v) => format!("f32:{:x}", v.to_bits()),
        Value::Float64(v) => format!("f64:{:x}", v.to_bits()),
        Value::String(v) => format!("str:{}", hex(v.as_bytes())),
        Value::Bytes(b) if name == Some(DECIMAL) => {
            let scale = schema
                .and_then(|s| s.parameters.first())
                .map(|(_, v)| v.parse::<i32>().unwrap())
                .unwrap();
            let d = decimal::BigDecimal::from_unscaled_bytes(b, scale).unwrap();
            format!("dec:{}e{scale}", d.unscaled_string())
        }
        Value::Bytes(b) => format!("bytes:{}", hex(b)),
        Value::Array(items) => {
            let item = schema.and_then(|s| s.value_schema.as_deref());
            let parts: Vec<String> = items.iter().map(|v| describe_value(v, item)).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Map(entries) => {
            let k = schema.and_then(|s| s.key_schema.as_deref());
            let v = schema.and_then(|s| s.value_schema.as_deref());
            let parts: Vec<String> = entries
                .iter()
                .map(|(a, b)| format!("{}={}", describe_value(a, k), describe_value(b, v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Struct(_) => "struct".into(),
    }
}

/// Read header `input` as SimpleHeaderConverter does, describe what came
/// out as the oracle does, write it back, and return both.
fn replay(input: &[u8]) -> (String, Option<String>) {
    // Java's `new String(bytes, UTF_8)` replaces bad sequences.
    let text = String::from_utf8_lossy(input);
    let (schema, value) = match parse_string(&text) {
        Parsed::Null => return ("NULL".into(), None),
        // SimpleHeaderConverter keeps the bytes of what Java threw on.
        Parsed::Unparseable => return ("THROW".into(), None),
        Parsed::Text => (
            primitive(SchemaType::String),
            Value::String(text.into_owned()),
        ),
        Parsed::Value(schema, value) => (schema, value),
    };
    let mut record = Record::new("t");
    record.headers.push(Header {
        key: "h".into(),
        schema: Some(schema),
        value,
    });
    // Nor can a batch hold what nests deeper than it allows.
    let Ok(batch) = Batch::from_records(&[record]) else {
        return ("THROW".into(), None);
    };
    batch.validate().unwrap();
    let header = batch.to_records().unwrap()[0].headers[0].clone();
    let described = format!(
        "{}\t{}",
        describe_schema(header.schema.as_deref()),
        describe_value(&header.value, header.schema.as_deref())
    );
    let desc = batch.header_desc(0).unwrap();
    let mut written = String::new();
    convert_to_string(&batch, desc.value, desc.schema, &mut written).unwrap();
    (described, Some(hex(written.as_bytes())))
}

/// The golden file: the input in hex, then Apache's outcome: `NULL`, `THROW
/// <class>`, or `<schema> <value> <hex of convertToString>`, prefixed with
/// `UNFIT` where Apache's value does not fit its own schema (we keep the
/// text as a string there). `VALUES_ORACLE_FILE` names another file of
/// the same form (for larger generated runs).
#[test]
fn parse_string_matches_apache_golden_file() {
    let path = std::env::var("VALUES_ORACLE_FILE").unwrap_or_else(|_| {
        format!(
            "{}/tests/data/values_golden.tsv",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let golden = std::fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in golden.lines().filter(|l| !l.is_empty()) {
        count += 1;
        let (input_hex, expected) = line.split_once('\t').unwrap();
        let input = unhex(input_hex);
        let text = String::from_utf8_lossy(&input).into_owned();
        let (want, want_written) = match expected.split('\t').collect::<Vec<_>>().as_slice() {
            ["NULL"] => ("NULL".to_owned(), None),
            [throw] if throw.starts_with("THROW") => ("THROW".to_owned(), None),
            ["UNFIT", ..] => (
                format!("STRING\tstr:{}", hex(text.as_bytes())),
                Some(hex(text.as_bytes())),
            ),
            [schema, value, written] => (format!("{schema}\t{value}"), Some((*written).to_owned())),
            other => panic!("bad golden line {other:?}"),
        };
        // Deeper than the batch layout nests (64): the bytes are kept.
        let (want, want_written) =
            if want.matches("ARRAY<").count() + want.matches("MAP<").count() > 64 {
                ("THROW".to_owned(), None)
            } else {
                (want, want_written)
            };
        let (got, got_written) = replay(&input);
        if got != want || got_written != want_written {
            failures.push(format!(
                "{text:?}\n  want {want} -> {want_written:?}\n  got  {got} -> {got_written:?}"
            ));
        }
    }
    assert!(count > 0);
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
}
