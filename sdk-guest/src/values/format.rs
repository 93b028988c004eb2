//! `Values.convertToString`: a Connect value as the text Apache's
//! SimpleHeaderConverter writes, read straight from the batch's nodes so
//! that nothing is copied into owned values first.
//!
//! Java decides by the class of the value, not by the schema; our values
//! carry their logical type only in the schema, so the schema is what tells
//! a `Date` (an int32 of days) from a plain int32.

use crate::batch::SchemaDef;
use crate::layout::{NONE, Node};
use crate::{Batch, ValueRef, java};

use super::decimal::BigDecimal;
use super::{DATE, DECIMAL, MAX_DEPTH, TIME, TIMESTAMP, ValuesError, date_format};

/// `Values.convertToString`: appends to `out` the text of the value that
/// `node` of `batch` holds, under the batch's schema `schema` (or
/// [`NONE`]). It reads the batch's nodes in place, copying nothing into
/// owned values first. Top-level strings are written as they are; inside
/// lists, maps and structs they are quoted and escaped.
pub fn convert_to_string(
    batch: &Batch,
    node: Node,
    schema: u32,
    out: &mut String,
) -> Result<(), ValuesError> {
    append(batch, node, schema, false, out, 0)
}

fn append(
    batch: &Batch,
    node: Node,
    schema: u32,
    embedded: bool,
    out: &mut String,
    depth: usize,
) -> Result<(), ValuesError> {
    if depth > MAX_DEPTH {
        return Err(ValuesError::TooDeep);
    }
    let def = batch.schema_def(schema)?;
    let logical = def.and_then(|d| d.name.as_deref());
    match batch.value(node, "a header value")? {
        ValueRef::Null => out.push_str("null"),
        ValueRef::Boolean(v) => out.push_str(if v { "true" } else { "false" }),
        ValueRef::Int8(v) => push_display(out, v),
        ValueRef::Int16(v) => push_display(out, v),
        ValueRef::Int32(v) => match logical {
            Some(DATE) => date_format::format_into(i64::from(v) * date_format::MILLIS_PER_DAY, out),
            Some(TIME) => date_format::format_into(i64::from(v), out),
            _ => push_display(out, v),
        },
        ValueRef::Int64(v) => match logical {
            Some(TIMESTAMP) => date_format::format_into(v, out),
            _ => push_display(out, v),
        },
        ValueRef::Float32(v) => out.push_str(&java::float_to_string(v)),
        ValueRef::Float64(v) => out.push_str(&java::double_to_string(v)),
        ValueRef::String(s) => {
            if embedded {
                out.push('"');
                escape_into(s, out);
                out.push('"');
            } else {
                out.push_str(s);
            }
        }
        ValueRef::Bytes(b) => match (logical, def) {
            (Some(DECIMAL), Some(def)) => {
                let scale = decimal_scale(def)?;
                let decimal =
                    BigDecimal::from_unscaled_bytes(b, scale).ok_or(ValuesError::EmptyDecimal)?;
                out.push_str(&decimal.to_java_string());
            }
            _ => {
                if embedded {
                    out.push('"');
                }
                base64_into(b, out);
                if embedded {
                    out.push('"');
                }
            }
        },
        ValueRef::Array(items) => {
            let item_schema = def.and_then(|d| d.value_schema).unwrap_or(NONE);
            out.push('[');
            for i in 0..items.len() {
                if i > 0 {
                    out.push(',');
                }
                append(batch, items.node(i)?, item_schema, true, out, depth + 1)?;
            }
            out.push(']');
        }
        ValueRef::Map(entries) => {
            let key_schema = def.and_then(|d| d.key_schema).unwrap_or(NONE);
            let value_schema = def.and_then(|d| d.value_schema).unwrap_or(NONE);
            out.push('{');
            for i in 0..entries.len() / 2 {
                if i > 0 {
                    out.push(',');
                }
                append(
                    batch,
                    entries.node(2 * i)?,
                    key_schema,
                    true,
                    out,
                    depth + 1,
                )?;
                out.push(':');
                append(
                    batch,
                    entries.node(2 * i + 1)?,
                    value_schema,
                    true,
                    out,
                    depth + 1,
                )?;
            }
            out.push('}');
        }
        ValueRef::Struct(values) => {
            let def = def.ok_or(ValuesError::StructWithoutSchema)?;
            out.push('{');
            for (i, (name, field_schema)) in def.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                escape_into(name, out);
                out.push_str("\":");
                let mut value = values.node(i)?;
                // `Struct.get` gives a field's default in place of null.
                if value.is_null()
                    && let Some(default) = batch
                        .schema_def(*field_schema)?
                        .and_then(|d| d.default_value)
                {
                    value = batch.node(default as usize)?;
                }
                append(batch, value, *field_schema, true, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// The scale of a `Decimal` schema, as Java's `Decimal.scale` reads it.
pub(crate) fn decimal_scale(def: &SchemaDef) -> Result<i32, ValuesError> {
    let scale = def
        .parameters
        .iter()
        .find(|(k, _)| k == "scale")
        .map(|(_, v)| v.as_str())
        .ok_or(ValuesError::DecimalWithoutScale)?;
    scale
        .parse()
        .map_err(|_| ValuesError::InvalidDecimalScale(scale.to_owned()))
}

/// An integer in decimal, without the formatting machinery (most header
/// values are small numbers).
fn push_display(out: &mut String, v: impl Into<i64>) {
    let v: i64 = v.into();
    if v < 0 {
        out.push('-');
    }
    let mut n = v.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// `Values.escape`: backslashes doubled, then quotes escaped.
pub(crate) fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            _ => out.push(c),
        }
    }
}

/// Standard Base64 with padding (`Base64.getEncoder()`).
fn base64_into(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |i: u32| char::from(ALPHABET[(i & 63) as usize]);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 { symbol(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n) } else { '=' });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_java() {
        let enc = |b: &[u8]| {
            let mut s = String::new();
            base64_into(b, &mut s);
            s
        };
        assert_eq!(enc(b""), "");
        assert_eq!(enc(b"f"), "Zg==");
        assert_eq!(enc(b"fo"), "Zm8=");
        assert_eq!(enc(b"foo"), "Zm9v");
        assert_eq!(enc(&[0xff, 0xfe, 0x00, 0x01]), "//4AAQ==");
    }

    #[test]
    fn escape_matches_java() {
        let mut s = String::new();
        escape_into("three\"blind\\\"mice", &mut s);
        assert_eq!(s, "three\\\"blind\\\\\\\"mice");
    }
}
