//! `Values.parseString` against Apache's own: `tests/data/values_corpus.txt`
//! holds literals (Apache's `ValuesTest` inputs, edge cases and random
//! ones), `values_expected.txt` what Apache Kafka's `Values.parseString`
//! returned for each, printed by a small Java harness (JDK 17, UTC,
//! Apache's `connect/api` sources) in the form `describe` prints below.

// Test helpers outside #[test] functions may stop loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use wasm_connect_plugin_transforms::route_util::parse_string;
use wasm_connect_plugin_transforms::route_util::values::{
    DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME,
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

fn describe(parsed: &(Option<Arc<Schema>>, Value)) -> String {
    match parsed {
        (None, Value::Null) => "NULL".into(),
        (s, v) => format!("{} {}", schema(s.as_deref()), value(v, s.as_deref())),
    }
}

/// Cases where we keep the text as a string although Apache builds a value
/// Connect's converters cannot write (see `route_util::values`).
fn expected_divergence(line: &str, expected: &str, got: &str) -> bool {
    // A Time beyond an int of milliseconds is no Time to us; the text is
    // then read as Apache reads a non-temporal token.
    if line == "999999:0:0.0Z" {
        return got == "INT32 i32:999999";
    }
    // Nested items converted to the merged item schema (an int8 as int16).
    let (want_schema, want_value) = expected.split_once(' ').unwrap_or((expected, ""));
    let (got_schema, got_value) = got.split_once(' ').unwrap_or((got, ""));
    if want_schema == got_schema && numbers(want_value) == numbers(got_value) {
        return true;
    }
    got == format!("STRING s:\"{}\"", esc(&unescape(line)))
        && (expected.contains("ARRAY<") || expected.contains("MAP<"))
}

/// A value description with every number written as its value alone.
fn numbers(description: &str) -> String {
    let number = regex::Regex::new(r"(i8|i16|i32|i64|f32|f64):(-?[0-9a-f]+)").unwrap();
    number
        .replace_all(description, |c: &regex::Captures<'_>| {
            let v: f64 = match &c[1] {
                "f32" => f64::from(f32::from_bits(u32::from_str_radix(&c[2], 16).unwrap())),
                "f64" => f64::from_bits(u64::from_str_radix(&c[2], 16).unwrap()),
                _ => c[2].parse().unwrap(),
            };
            format!("n:{v}")
        })
        .into_owned()
}

#[test]
fn parse_string_matches_apache() {
    let corpus = include_str!("data/values_corpus.txt");
    let expected = include_str!("data/values_expected.txt");
    let mut failures = Vec::new();
    let mut divergences = Vec::new();
    for (line, want) in corpus.lines().zip(expected.lines()) {
        let literal = unescape(line);
        let got = describe(&parse_string(&literal));
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
