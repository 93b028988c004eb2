//! Apache `Cast`'s rules for turning one value into another type
//! (`castValueToType` and the `castToX` methods): Java's narrowing casts,
//! string parsing, booleans as 0 and 1, logical types, and Apache's errors.

use std::borrow::Cow;

use wasm_connect_sdk::java::{double_to_string, float_to_string};
use wasm_connect_sdk::{PluginError, Schema, SchemaType, Value, ValueRef};

use super::decimal::BigDecimal;
use super::number::{parse_double, parse_float, parse_integer};
use crate::java_time::connect::{DATE, DECIMAL, TIME, TIMESTAMP, type_name};
use crate::java_time::{ONE_DAY, connect_date_string};

/// A type `Cast` can produce (`SUPPORTED_CAST_OUTPUT_TYPES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CastType {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
}

impl CastType {
    /// The schema type of the result.
    pub(crate) fn schema_type(self) -> SchemaType {
        match self {
            CastType::Int8 => SchemaType::Int8,
            CastType::Int16 => SchemaType::Int16,
            CastType::Int32 => SchemaType::Int32,
            CastType::Int64 => SchemaType::Int64,
            CastType::Float32 => SchemaType::Float32,
            CastType::Float64 => SchemaType::Float64,
            CastType::Boolean => SchemaType::Boolean,
            CastType::String => SchemaType::String,
        }
    }
}

/// The types `Cast` reads (`SUPPORTED_CAST_INPUT_TYPES`), as Java prints
/// the set.
const INPUT_TYPES: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";

/// The result of a cast.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output<'a> {
    /// Null in, null out.
    Null,
    /// The input itself (a string cast to string).
    Same,
    Boolean(bool),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    String(Cow<'a, str>),
}

impl Output<'_> {
    /// The result as an owned value; `same` is the input, for [`Output::Same`].
    pub(crate) fn into_value(self, same: impl FnOnce() -> Value) -> Value {
        match self {
            Output::Null => Value::Null,
            Output::Same => same(),
            Output::Boolean(v) => Value::Boolean(v),
            Output::Int8(v) => Value::Int8(v),
            Output::Int16(v) => Value::Int16(v),
            Output::Int32(v) => Value::Int32(v),
            Output::Int64(v) => Value::Int64(v),
            Output::Float32(v) => Value::Float32(v),
            Output::Float64(v) => Value::Float64(v),
            Output::String(s) => Value::String(s.into_owned()),
        }
    }
}

/// A Connect value as the Java object `Cast` sees.
enum Input<'a> {
    Null,
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
    Bool(bool),
    Str(&'a str),
    Bytes(&'a [u8]),
    /// A `Decimal`, as `BigDecimal`.
    Decimal(BigDecimal),
    /// A `Date`, `Time` or `Timestamp` about to become text, as the
    /// `java.util.Date` of these milliseconds.
    Date(i64),
}

/// A value borrowed from a batch or owned: the two places casts read from.
pub(crate) enum Source<'a> {
    Ref(ValueRef<'a>),
    Owned(&'a Value),
}

impl<'a> Source<'a> {
    /// The schema type Java would infer for a schemaless value, and the
    /// value as an input (`None` for arrays, maps and structs).
    fn parts(&self) -> (Option<SchemaType>, Option<Input<'a>>) {
        use SchemaType as T;
        match self {
            Source::Ref(v) => match *v {
                ValueRef::Null => (None, Some(Input::Null)),
                ValueRef::Boolean(b) => (Some(T::Boolean), Some(Input::Bool(b))),
                ValueRef::Int8(v) => (Some(T::Int8), Some(Input::Byte(v))),
                ValueRef::Int16(v) => (Some(T::Int16), Some(Input::Short(v))),
                ValueRef::Int32(v) => (Some(T::Int32), Some(Input::Int(v))),
                ValueRef::Int64(v) => (Some(T::Int64), Some(Input::Long(v))),
                ValueRef::Float32(v) => (Some(T::Float32), Some(Input::Float(v))),
                ValueRef::Float64(v) => (Some(T::Float64), Some(Input::Double(v))),
                ValueRef::String(s) => (Some(T::String), Some(Input::Str(s))),
                ValueRef::Bytes(b) => (Some(T::Bytes), Some(Input::Bytes(b))),
                ValueRef::Array(_) => (Some(T::Array), None),
                ValueRef::Map(_) => (Some(T::Map), None),
                ValueRef::Struct(_) => (Some(T::Struct), None),
            },
            Source::Owned(v) => match v {
                Value::Null => (None, Some(Input::Null)),
                Value::Boolean(b) => (Some(T::Boolean), Some(Input::Bool(*b))),
                Value::Int8(v) => (Some(T::Int8), Some(Input::Byte(*v))),
                Value::Int16(v) => (Some(T::Int16), Some(Input::Short(*v))),
                Value::Int32(v) => (Some(T::Int32), Some(Input::Int(*v))),
                Value::Int64(v) => (Some(T::Int64), Some(Input::Long(*v))),
                Value::Float32(v) => (Some(T::Float32), Some(Input::Float(*v))),
                Value::Float64(v) => (Some(T::Float64), Some(Input::Double(*v))),
                Value::String(s) => (Some(T::String), Some(Input::Str(s))),
                Value::Bytes(b) => (Some(T::Bytes), Some(Input::Bytes(b))),
                Value::Array(_) => (Some(T::Array), None),
                Value::Map(_) => (Some(T::Map), None),
                Value::Struct(_) => (Some(T::Struct), None),
            },
        }
    }
}

/// `castValueToType(schema, value, target)`.
pub(crate) fn cast<'a>(
    schema: Option<&Schema>,
    value: Source<'a>,
    target: CastType,
) -> Result<Output<'a>, PluginError> {
    let (inferred, input) = value.parts();
    if matches!(input, Some(Input::Null)) {
        return Ok(Output::Null);
    }
    let inferred = schema.map(|s| s.schema_type).or(inferred);
    let Some(inferred) = inferred else {
        return Ok(Output::Null);
    };
    if matches!(
        inferred,
        SchemaType::Array | SchemaType::Map | SchemaType::Struct
    ) {
        return Err(PluginError::data(format!(
            "Cast transformation does not support casting from {}; supported types are {INPUT_TYPES}",
            type_name(inferred)
        )));
    }
    let Some(mut input) = input else {
        // A compound value under a primitive schema: not a valid record.
        return Err(PluginError::data(format!(
            "Cast transformation does not support casting from {}; supported types are {INPUT_TYPES}",
            type_name(inferred)
        )));
    };
    // Logical types: BigDecimal for Decimal; java.util.Date for the time
    // types when the result is text (otherwise their encoded numbers).
    if let Some(schema) = schema {
        match (schema.name.as_deref(), &input) {
            (Some(DECIMAL), Input::Bytes(bytes)) => {
                input = Input::Decimal(BigDecimal::from_bytes(bytes, decimal_scale(schema)?));
            }
            (Some(DATE), Input::Int(days)) if target == CastType::String => {
                input = Input::Date(i64::from(*days) * ONE_DAY);
            }
            (Some(TIME), Input::Int(ms)) if target == CastType::String => {
                input = Input::Date(i64::from(*ms));
            }
            (Some(TIMESTAMP), Input::Long(ms)) if target == CastType::String => {
                input = Input::Date(*ms);
            }
            _ => {}
        }
    }
    convert(input, target)
}

/// `Decimal.scale(schema)`.
fn decimal_scale(schema: &Schema) -> Result<i32, PluginError> {
    let scale = schema
        .parameters
        .iter()
        .find(|(k, _)| k == "scale")
        .map(|(_, v)| v)
        .ok_or_else(|| PluginError::data("Invalid Decimal schema: scale parameter not found."))?;
    parse_integer(scale, i64::from(i32::MIN), i64::from(i32::MAX))
        .map(|s| s as i32)
        .ok_or_else(|| PluginError::data("Invalid scale parameter found in Decimal schema: "))
}

fn out_of_range(text: &str) -> PluginError {
    PluginError::data(format!(
        "Value ({text}) was out of range for requested data type"
    ))
}

fn unexpected_bytes() -> PluginError {
    PluginError::data("Unexpected type in Cast transformation: class [B")
}

/// The `castToX` methods.
fn convert(input: Input<'_>, target: CastType) -> Result<Output<'_>, PluginError> {
    use Input as I;
    Ok(match target {
        CastType::Int8 => Output::Int8(match input {
            I::Str(s) => parse_integer(s, -128, 127).ok_or_else(|| out_of_range(s))? as i8,
            I::Bytes(_) => return Err(unexpected_bytes()),
            other => int_value(&other) as i8,
        }),
        CastType::Int16 => Output::Int16(match input {
            I::Str(s) => parse_integer(s, -32768, 32767).ok_or_else(|| out_of_range(s))? as i16,
            I::Bytes(_) => return Err(unexpected_bytes()),
            other => int_value(&other) as i16,
        }),
        CastType::Int32 => Output::Int32(match input {
            I::Str(s) => parse_integer(s, i64::from(i32::MIN), i64::from(i32::MAX))
                .ok_or_else(|| out_of_range(s))? as i32,
            I::Bytes(_) => return Err(unexpected_bytes()),
            other => int_value(&other),
        }),
        CastType::Int64 => Output::Int64(match input {
            I::Str(s) => parse_integer(s, i64::MIN, i64::MAX).ok_or_else(|| out_of_range(s))?,
            I::Bytes(_) => return Err(unexpected_bytes()),
            other => long_value(&other),
        }),
        CastType::Float32 => Output::Float32(match input {
            I::Byte(v) => f32::from(v),
            I::Short(v) => f32::from(v),
            I::Int(v) => v as f32,
            I::Long(v) | I::Date(v) => v as f32,
            I::Float(v) => v,
            I::Double(v) => v as f32,
            I::Decimal(d) => d.float_value(),
            I::Bool(b) => f32::from(u8::from(b)),
            I::Str(s) => parse_float(s).ok_or_else(|| out_of_range(s))?,
            I::Bytes(_) => return Err(unexpected_bytes()),
            I::Null => return Ok(Output::Null),
        }),
        CastType::Float64 => Output::Float64(match input {
            I::Byte(v) => f64::from(v),
            I::Short(v) => f64::from(v),
            I::Int(v) => f64::from(v),
            I::Long(v) | I::Date(v) => v as f64,
            I::Float(v) => f64::from(v),
            I::Double(v) => v,
            I::Decimal(d) => d.double_value(),
            I::Bool(b) => f64::from(u8::from(b)),
            I::Str(s) => parse_double(s).ok_or_else(|| out_of_range(s))?,
            I::Bytes(_) => return Err(unexpected_bytes()),
            I::Null => return Ok(Output::Null),
        }),
        CastType::Boolean => Output::Boolean(match input {
            I::Bool(b) => b,
            // Boolean.parseBoolean: "true" in any case; anything else is false.
            I::Str(s) => s.eq_ignore_ascii_case("true"),
            I::Bytes(_) => return Err(unexpected_bytes()),
            other => long_value(&other) != 0,
        }),
        CastType::String => match input {
            I::Str(_) => Output::Same,
            I::Byte(v) => Output::String(v.to_string().into()),
            I::Short(v) => Output::String(v.to_string().into()),
            I::Int(v) => Output::String(v.to_string().into()),
            I::Long(v) => Output::String(v.to_string().into()),
            I::Float(v) => Output::String(float_to_string(v).into()),
            I::Double(v) => Output::String(double_to_string(v).into()),
            I::Bool(v) => Output::String(Cow::Borrowed(if v { "true" } else { "false" })),
            I::Bytes(b) => Output::String(base64(b).into()),
            I::Decimal(d) => Output::String(d.to_java_string().into()),
            I::Date(ms) => Output::String(connect_date_string(ms).into()),
            I::Null => Output::Null,
        },
    })
}

/// `Number.intValue()` (booleans as 1 and 0).
fn int_value(input: &Input<'_>) -> i32 {
    match input {
        Input::Byte(v) => i32::from(*v),
        Input::Short(v) => i32::from(*v),
        Input::Int(v) => *v,
        Input::Long(v) | Input::Date(v) => *v as i32,
        // Java's (int) of a float or double saturates, NaN becomes 0.
        Input::Float(v) => *v as i32,
        Input::Double(v) => *v as i32,
        Input::Decimal(d) => d.int_value(),
        Input::Bool(b) => i32::from(*b),
        Input::Null | Input::Str(_) | Input::Bytes(_) => 0,
    }
}

/// `Number.longValue()` (booleans as 1 and 0).
fn long_value(input: &Input<'_>) -> i64 {
    match input {
        Input::Long(v) | Input::Date(v) => *v,
        Input::Float(v) => *v as i64,
        Input::Double(v) => *v as i64,
        Input::Decimal(d) => d.long_value(),
        other => i64::from(int_value(other)),
    }
}

/// `Base64.getEncoder().encodeToString(bytes)`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast_owned(value: &Value, target: CastType) -> Result<Value, String> {
        cast(None, Source::Owned(value), target)
            .map(|o| o.into_value(|| value.clone()))
            .map_err(|e| e.message)
    }

    #[test]
    fn narrowing_wraps_like_java() {
        assert_eq!(
            cast_owned(&Value::Int64(300), CastType::Int8),
            Ok(Value::Int8(44))
        );
        assert_eq!(
            cast_owned(&Value::Int32(-129), CastType::Int8),
            Ok(Value::Int8(127))
        );
        assert_eq!(
            cast_owned(&Value::Int32(70000), CastType::Int16),
            Ok(Value::Int16(4464))
        );
        assert_eq!(
            cast_owned(&Value::Int64(1 << 40), CastType::Int32),
            Ok(Value::Int32(0))
        );
        // float → int truncates toward zero and saturates; via int for bytes.
        assert_eq!(
            cast_owned(&Value::Float64(-42.9), CastType::Int32),
            Ok(Value::Int32(-42))
        );
        assert_eq!(
            cast_owned(&Value::Float64(1e20), CastType::Int32),
            Ok(Value::Int32(i32::MAX))
        );
        assert_eq!(
            cast_owned(&Value::Float64(1e20), CastType::Int8),
            Ok(Value::Int8(-1))
        );
        assert_eq!(
            cast_owned(&Value::Float32(f32::NAN), CastType::Int64),
            Ok(Value::Int64(0))
        );
        assert_eq!(
            cast_owned(&Value::Float32(300.7), CastType::Int8),
            Ok(Value::Int8(44))
        );
    }

    #[test]
    fn booleans_and_strings() {
        assert_eq!(
            cast_owned(&Value::Float64(0.5), CastType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            cast_owned(&Value::Int8(-1), CastType::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            cast_owned(&"TrUe".into(), CastType::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            cast_owned(&"yes".into(), CastType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            cast_owned(&Value::Boolean(true), CastType::Float32),
            Ok(Value::Float32(1.0))
        );
        assert_eq!(
            cast_owned(&Value::Float32(32.0), CastType::String),
            Ok("32.0".into())
        );
        assert_eq!(
            cast_owned(&Value::Float64(1e7), CastType::String),
            Ok("1.0E7".into())
        );
        assert_eq!(
            cast_owned(&"42".into(), CastType::Int32),
            Ok(Value::Int32(42))
        );
        assert_eq!(
            cast_owned(&" 1.5f".into(), CastType::Float64),
            Ok(Value::Float64(1.5))
        );
        assert_eq!(
            cast_owned(&"128".into(), CastType::Int8),
            Err("Value (128) was out of range for requested data type".into())
        );
        assert_eq!(
            cast_owned(&"4.2".into(), CastType::Int64),
            Err("Value (4.2) was out of range for requested data type".into())
        );
    }

    #[test]
    fn bytes_only_become_base64() {
        let bytes = Value::Bytes(vec![0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]);
        assert_eq!(
            cast_owned(&bytes, CastType::String),
            Ok("/ty6mHZUMhA=".into())
        );
        assert_eq!(
            cast_owned(&bytes, CastType::Int32),
            Err("Unexpected type in Cast transformation: class [B".into())
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }

    #[test]
    fn compound_values_are_refused() {
        assert_eq!(
            cast_owned(&Value::Array(vec!["foo".into()]), CastType::Int8),
            Err("Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]".into())
        );
    }
}
