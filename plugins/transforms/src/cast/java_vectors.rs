//! Apache `Cast`'s conversions checked against Java itself: a Java program
//! ran the bodies of `Cast.castToX` (JDK 17) on every input below for every
//! target type and printed the results.

use super::convert::{CastType, Source, cast};
use crate::java_time::testkit::decimal;
use wasm_connect_sdk::Value;

/// `input type \t input \t target \t result` lines printed by a Java
/// program that runs the bodies of Apache's `castToX` methods (JDK 17).
const JAVA_CASTS: &str = include_str!("jdk17_cast.tsv");

/// `Float.toString` results where JDK 17 and JDK 19+ differ (checked with
/// JDK 25), as the SDK's `float_to_string` follows the newer JDKs.
const FLOAT_TO_STRING_SINCE_JDK19: [(&str, &str); 3] = [
    ("4ceb79a3", "str:1.2345679E8"),
    ("4f000000", "str:2.1474836E9"),
    ("cf000000", "str:-2.1474836E9"),
];

/// Big-endian two's complement bytes of `±magnitude` (with room for the sign).
fn twos_complement(negative: bool, magnitude: u128) -> Vec<u8> {
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(&magnitude.to_be_bytes());
    if negative {
        let mut carry = true;
        for b in bytes.iter_mut().rev() {
            let (v, c) = (!*b).overflowing_add(u8::from(carry));
            *b = v;
            carry = c;
        }
    }
    bytes
}

/// Undo the Java program's escaping of backslashes, tabs and newlines.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How the Java program prints a result.
fn show(v: &Value) -> String {
    match v {
        Value::Int8(v) => format!("i8:{v}"),
        Value::Int16(v) => format!("i16:{v}"),
        Value::Int32(v) => format!("i32:{v}"),
        Value::Int64(v) => format!("i64:{v}"),
        Value::Float32(v) => format!("f32:{:x}", v.to_bits()),
        Value::Float64(v) => format!("f64:{:x}", v.to_bits()),
        Value::Boolean(v) => format!("bool:{v}"),
        Value::String(v) => format!(
            "str:{}",
            v.replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n")
        ),
        other => format!("?{other:?}"),
    }
}

#[test]
fn conversions_match_java() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in JAVA_CASTS.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [ty, input, target, expected] = cols[..] else {
            panic!("bad line {line:?}");
        };
        let (schema, value) = match ty {
            "string" => (None, Value::from(unescape(input))),
            "int8" => (None, Value::Int8(input.parse().unwrap())),
            "int16" => (None, Value::Int16(input.parse().unwrap())),
            "int32" => (None, Value::Int32(input.parse().unwrap())),
            "int64" => (None, Value::Int64(input.parse().unwrap())),
            "float32" => (
                None,
                Value::Float32(f32::from_bits(u32::from_str_radix(input, 16).unwrap())),
            ),
            "float64" => (
                None,
                Value::Float64(f64::from_bits(u64::from_str_radix(input, 16).unwrap())),
            ),
            "boolean" => (None, Value::Boolean(input == "true")),
            "decimal" => {
                let (unscaled, scale) = input.split_once(',').unwrap();
                let negative = unscaled.starts_with('-');
                let magnitude: u128 = unscaled.trim_start_matches('-').parse().unwrap();
                (
                    Some(decimal(scale.parse().unwrap())),
                    Value::Bytes(twos_complement(negative, magnitude)),
                )
            }
            other => panic!("unknown input type {other}"),
        };
        let target = match target {
            "int8" => CastType::Int8,
            "int16" => CastType::Int16,
            "int32" => CastType::Int32,
            "int64" => CastType::Int64,
            "float32" => CastType::Float32,
            "float64" => CastType::Float64,
            "boolean" => CastType::Boolean,
            _ => CastType::String,
        };
        let got = match cast(schema.as_deref(), Source::Owned(&value), target) {
            Ok(out) => show(&out.into_value(|| value.clone())),
            Err(e)
                if e.message
                    .ends_with("was out of range for requested data type") =>
            {
                "ERR".to_owned()
            }
            Err(e) => format!("error {}", e.message),
        };
        count += 1;
        // The SDK writes floats as JDK 19 and later do (the shortest
        // digits); JDK 17 sometimes wrote one digit more.
        let newer_jdk = FLOAT_TO_STRING_SINCE_JDK19
            .iter()
            .any(|(bits, text)| ty == "float32" && input == *bits && got == *text);
        if got != expected && !newer_jdk {
            failures.push(format!(
                "{ty} {input:?} -> {target:?}: got {got}, Java {expected}"
            ));
        }
    }
    assert!(count > 2000);
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
