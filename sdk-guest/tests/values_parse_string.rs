//! `Values.parseString` against Apache's own: `tests/data/values_corpus.txt`
//! holds literals (Apache's `ValuesTest` inputs, edge cases and random
//! ones), `values_expected.txt` what Apache Kafka's `Values.parseString`
//! returned for each, printed by a small Java harness (JDK 17, UTC,
//! Apache's `connect/api` sources) in the form `describe` prints below.
//! (`src/values/golden.rs` replays a second, larger recording.)

// Test helpers outside #[test] functions may stop loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use wasm_connect_sdk::values::{
    DATE as DATE_NAME, DECIMAL as DECIMAL_NAME, Parsed, TIME as TIME_NAME,
    TIMESTAMP as TIMESTAMP_NAME, parse_string, primitive,
};
use wasm_connect_sdk::{Schema, SchemaType, Value};

/// The harness's line escapes: `\n`, `\t`, `\r`, `\\`, `\uXXXX`, `\UXXXXXX`.
fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            Some('U') => {
                let hex: String = chars.by_ref().take(6).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            other => panic!("bad escape {other:?}"),
        }
    }
    out
}

fn esc(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let cp = u32::from(c);
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            _ if cp < 0x20 || cp == 0x7f || (0x80..0xa0).contains(&cp) => {
                out.push_str(&format!("\\u{cp:04x}"))
            }
            _ => out.push(c),
        }
    }
    out
}

fn type_name(t: SchemaType) -> &'static str {
    match t {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

fn schema(s: Option<&Schema>) -> String {
    let Some(s) = s else { return "-".into() };
    let mut out = type_name(s.schema_type).to_owned();
    if let Some(name) = &s.name {
        out.push_str(&format!("({name})"));
    }
    if let Some(v) = s.version {
        out.push_str(&format!("v{v}"));
    }
    if !s.parameters.is_empty() {
        let mut params = s.parameters.clone();
        params.sort();
        let inner: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!("{{{}}}", inner.join(", ")));
    }
    if s.optional {
        out.push('?');
    }
    match s.schema_type {
        SchemaType::Array => out.push_str(&format!("<{}>", schema(s.value_schema.as_deref()))),
        SchemaType::Map => out.push_str(&format!(
            "<{},{}>",
            schema(s.key_schema.as_deref()),
            schema(s.value_schema.as_deref())
        )),
        _ => {}
    }
    out
}

fn value(v: &Value, s: Option<&Schema>) -> String {
    let name = s.and_then(|s| s.name.as_deref());
    match v {
        Value::Null => "null".into(),
        Value::Boolean(b) => format!("b:{b}"),
        Value::Int8(x) => format!("i8:{x}"),
        Value::Int16(x) => format!("i16:{x}"),
        Value::Int32(x) if name == Some(DATE_NAME) => {
            format!("date:{}", i64::from(*x) * 86_400_000)
        }
        Value::Int32(x) if name == Some(TIME_NAME) => format!("date:{x}"),
        Value::Int32(x) => format!("i32:{x}"),
        Value::Int64(x) if name == Some(TIMESTAMP_NAME) => format!("date:{x}"),
        Value::Int64(x) => format!("i64:{x}"),
        Value::Float32(x) => format!("f32:{:x}", x.to_bits()),
        Value::Float64(x) => format!("f64:{:x}", x.to_bits()),
        Value::String(x) => format!("s:\"{}\"", esc(x)),
        Value::Bytes(b) if name == Some(DECIMAL_NAME) => {
            let scale = &s.unwrap().parameters[0].1;
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("dec:{hex}/{scale}")
        }
        Value::Bytes(_) => "?bytes".into(),
        Value::Array(items) => {
            let item = s.and_then(|s| s.value_schema.as_deref());
            let inner: Vec<String> = items.iter().map(|v| value(v, item)).collect();
            format!("[{}]", inner.join(","))
        }
        Value::Map(entries) => {
            let k = s.and_then(|s| s.key_schema.as_deref());
            let vs = s.and_then(|s| s.value_schema.as_deref());
            let inner: Vec<String> = entries
                .iter()
                .map(|(key, v)| format!("{}={}", value(key, k), value(v, vs)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Struct(_) => "?struct".into(),
    }
}

fn describe(text: &str, parsed: Parsed) -> String {
    let (s, v): (Arc<Schema>, Value) = match parsed {
        Parsed::Null => return "NULL".into(),
        Parsed::Unparseable => return "UNPARSEABLE".into(),
        Parsed::Text => (primitive(SchemaType::String), text.into()),
        Parsed::Value(s, v) => (s, v),
    };
    format!("{} {}", schema(Some(&s)), value(&v, Some(&s)))
}

/// Cases where Apache builds a value that does not fit the schema it
/// inferred for it, which a Connect batch cannot carry, so we keep the text
/// as a string (see `wasm_connect_sdk::values`): lists and maps whose items
/// mix types in ways Apache's merging does not check, and times past 24
/// hours (Connect's `Time` holds a time of day).
fn expected_divergence(line: &str, expected: &str, got: &str) -> bool {
    if got != format!("STRING s:\"{}\"", esc(&unescape(line))) {
        return false;
    }
    let time_of_day = |millis: &str| {
        millis
            .parse::<i64>()
            .is_ok_and(|ms| (0..=86_400_000).contains(&ms))
    };
    match expected.strip_prefix(&format!("INT32({TIME_NAME})v1 date:")) {
        Some(millis) => !time_of_day(millis),
        None => expected.contains("ARRAY<") || expected.contains("MAP<"),
    }
}

#[test]
fn parse_string_matches_apache() {
    let corpus = include_str!("data/values_corpus.txt");
    let expected = include_str!("data/values_expected.txt");
    let mut failures = Vec::new();
    let mut divergences = Vec::new();
    for (line, want) in corpus.lines().zip(expected.lines()) {
        let literal = unescape(line);
        let got = describe(&literal, parse_string(&literal));
        if got == want {
            continue;
        }
        if expected_divergence(line, want, &got) {
            divergences.push(format!("{line}\n  apache: {want}\n  ours:   {got}"));
        } else {
            failures.push(format!("{line}\n  apache: {want}\n  ours:   {got}"));
        }
    }
    assert_eq!(corpus.lines().count(), expected.lines().count());
    for d in &divergences {
        println!("documented divergence: {d}");
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
