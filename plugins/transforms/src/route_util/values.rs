//! Apache's `Values.parseString`: how `InsertHeader` reads `value.literal`
//! and how `SimpleHeaderConverter` reads header bytes. Text becomes a
//! boolean, the narrowest integer, a float, a double or a Decimal, an
//! array or map (with a common element schema when there is one), a date,
//! time or timestamp, or else a string, exactly as Apache decides.
//!
//! The parser works on Java-like values ([`JValue`]: `Byte` is not `Short`,
//! a date is an instant) because Apache's choices depend on them; the
//! result is then turned into the SDK's [`Value`] as Connect stores it
//! (a Date as days, a Decimal as its unscaled bytes).
//!
//! Apache keeps the items of nested arrays and maps as parsed even when
//! they do not fit the merged item schema (`[[1,2],[300]]` is an array of
//! INT16 arrays holding Bytes); we convert them to it as Apache converts
//! top-level items, which changes nothing `SimpleHeaderConverter` writes.
//! Where Apache would build a value that Connect cannot hold at all (a
//! Date inside an array of Times, Decimals of different scales in one
//! array, a null in a nested array of required items, a string among
//! nested numbers, a date or Decimal inside a schemaless array or map), we
//! take Apache's own fallback for arrays and maps it cannot read: the text
//! stays a string.

use std::sync::Arc;

use wasm_connect_sdk::{Schema, SchemaType, Value};

use super::java_number::JavaDecimal;
use super::values_parser::{Parser, ValueParser, put};
use super::values_temporal::TemporalKind;

/// Apache's `Decimal.LOGICAL_NAME` and friends.
pub const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";
/// Apache's `Date.LOGICAL_NAME`.
pub const DATE_NAME: &str = "org.apache.kafka.connect.data.Date";
/// Apache's `Time.LOGICAL_NAME`.
pub const TIME_NAME: &str = "org.apache.kafka.connect.data.Time";
/// Apache's `Timestamp.LOGICAL_NAME`.
pub const TIMESTAMP_NAME: &str = "org.apache.kafka.connect.data.Timestamp";

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Reads `text` as Apache's `Values.parseString` does. Java's `null` (the
/// literal `null`, with or without surrounding whitespace) is `(None,
/// Value::Null)`; the empty text is the empty string.
pub fn parse_string(text: &str) -> (Option<Arc<Schema>>, Value) {
    if text.is_empty() {
        return (Some(primitive(SchemaType::String)), Value::from(""));
    }
    let mut parser = ValueParser::new(Parser::new(text));
    // At top level nothing fails: whatever is not a value is a string.
    match parser.parse(false) {
        Ok(Some(parsed)) => match to_value(Some(&parsed.value), Some(&parsed.schema)) {
            Ok(value) => (Some(parsed.schema), value),
            Err(_) => (Some(primitive(SchemaType::String)), Value::from(text)),
        },
        Ok(None) | Err(_) => (None, Value::Null),
    }
}

/// Apache's `DataException` inside the parser: the array or map being
/// read is not one after all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError(pub String);

/// A value as the Java parser holds it.
#[derive(Debug, Clone)]
pub enum JValue {
    /// `Boolean`.
    Boolean(bool),
    /// `Byte`.
    Byte(i8),
    /// `Short`.
    Short(i16),
    /// `Integer`.
    Int(i32),
    /// `Long`.
    Long(i64),
    /// `Float`.
    Float(f32),
    /// `Double`.
    Double(f64),
    /// `String`.
    String(String),
    /// `BigDecimal`.
    Decimal(JavaDecimal),
    /// `java.util.Date`: an instant, and which literal it came from (a
    /// schemaless Date has no other way to say what it is).
    Date {
        /// Milliseconds since the epoch.
        millis: i64,
        /// The literal's kind.
        kind: TemporalKind,
    },
    /// `List`, `null` items as `None`.
    List(Vec<Option<JValue>>),
    /// `LinkedHashMap`, in insertion order; keys are never null.
    Map(Vec<(JValue, Option<JValue>)>),
}

impl JValue {
    /// Java's `equals` (a `Byte` never equals a `Short`; floats compare
    /// bits; dates compare instants).
    pub fn java_equals(&self, other: &JValue) -> bool {
        use JValue::*;
        match (self, other) {
            (Boolean(a), Boolean(b)) => a == b,
            (Byte(a), Byte(b)) => a == b,
            (Short(a), Short(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Long(a), Long(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Double(a), Double(b)) => a.to_bits() == b.to_bits(),
            (String(a), String(b)) => a == b,
            (Decimal(a), Decimal(b)) => a == b,
            (Date { millis: a, .. }, Date { millis: b, .. }) => a == b,
            (List(a), List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| option_equals(x, y))
            }
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .any(|(k2, v2)| k.java_equals(k2) && option_equals(v, v2))
                    })
            }
            _ => false,
        }
    }
}

fn option_equals(a: &Option<JValue>, b: &Option<JValue>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.java_equals(b),
        (None, None) => true,
        _ => false,
    }
}

/// Apache's non-null `SchemaAndValue` during parsing.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The schema (never absent for a parsed value).
    pub schema: Arc<Schema>,
    /// The value.
    pub value: JValue,
}

impl Parsed {
    /// A parsed value.
    pub fn new(schema: Arc<Schema>, value: JValue) -> Self {
        Self { schema, value }
    }

    /// A string with Connect's required string schema.
    pub fn string(text: &str) -> Self {
        Self::new(
            primitive(SchemaType::String),
            JValue::String(text.to_owned()),
        )
    }
}

/// A required schema of `schema_type` (`Schema.INT8_SCHEMA`, ...).
pub fn primitive(schema_type: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::new(schema_type))
}

/// A required logical schema (`Date.SCHEMA`, ...): name and version 1.
fn logical(schema_type: SchemaType, name: &str) -> Schema {
    Schema {
        version: Some(1),
        ..Schema::new(schema_type).named(name)
    }
}

/// `Decimal.schema(scale)`.
pub fn decimal_schema(scale: i32) -> Arc<Schema> {
    let mut schema = logical(SchemaType::Bytes, DECIMAL_NAME);
    schema.parameters = vec![("scale".to_owned(), scale.to_string())];
    Arc::new(schema)
}

/// `Date.SCHEMA`, `Time.SCHEMA` or `Timestamp.SCHEMA`.
pub fn temporal_schema(kind: TemporalKind) -> Arc<Schema> {
    Arc::new(match kind {
        TemporalKind::Date => logical(SchemaType::Int32, DATE_NAME),
        TemporalKind::Time => logical(SchemaType::Int32, TIME_NAME),
        TemporalKind::Timestamp => logical(SchemaType::Int64, TIMESTAMP_NAME),
    })
}

fn name_is(schema: &Schema, name: &str) -> bool {
    schema.name.as_deref() == Some(name)
}

/// Apache's `SchemaMerger`: the schema every value seen so far fits, if
/// any (numbers widen; anything else must agree).
#[derive(Default)]
pub struct Merger {
    common: Option<Arc<Schema>>,
    incompatible: bool,
}

impl Merger {
    /// Take `latest` (null values change nothing).
    pub fn merge(&mut self, latest: Option<&Parsed>) {
        let Some(latest) = latest else { return };
        if self.incompatible {
            return;
        }
        self.common = match self.common.take() {
            None => Some(latest.schema.clone()),
            Some(previous) => merge_schemas(&previous, &latest.schema),
        };
        self.incompatible = self.common.is_none();
    }

    /// The common schema, if there is one.
    pub fn common(&self) -> Option<Arc<Schema>> {
        self.common.clone()
    }
}

/// Apache's `mergeSchemas`.
fn merge_schemas(previous: &Arc<Schema>, new: &Arc<Schema>) -> Option<Arc<Schema>> {
    use SchemaType::*;
    let (p, n) = (previous.schema_type, new.schema_type);
    if p != n {
        let rank = |t: SchemaType| match t {
            Int8 => Some(0),
            Int16 => Some(1),
            Int32 => Some(2),
            Int64 => Some(3),
            Float32 => Some(4),
            Float64 => Some(5),
            _ => None,
        };
        // Numbers widen to the wider of the two (its schema, logical or not).
        return match (rank(p)?, rank(n)?) {
            (a, b) if a < b => Some(new.clone()),
            _ => Some(previous.clone()),
        };
    }
    if previous.optional == new.optional {
        return Some(if previous.optional {
            previous.clone()
        } else {
            new.clone()
        });
    }
    (previous == new).then(|| previous.clone())
}

/// Apache's `alignListEntriesWithSchema`.
pub fn align_list(
    schema: &Arc<Schema>,
    items: Vec<Option<JValue>>,
) -> Result<Vec<Option<JValue>>, DataError> {
    items.into_iter().map(|v| convert_to(schema, v)).collect()
}

/// Apache's `alignMapKeysAndValuesWithSchema`.
pub fn align_map(
    keys: &Arc<Schema>,
    values: &Arc<Schema>,
    entries: Vec<(JValue, Option<JValue>)>,
) -> Result<Vec<(JValue, Option<JValue>)>, DataError> {
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = convert_to(keys, Some(k))?.ok_or_else(null_error)?;
        put(&mut out, key, convert_to(values, v)?);
    }
    Ok(out)
}

/// Apache's `alignMapKeysWithSchema`.
pub fn align_map_keys(
    keys: &Arc<Schema>,
    entries: Vec<(JValue, Option<JValue>)>,
) -> Result<Vec<(JValue, Option<JValue>)>, DataError> {
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = convert_to(keys, Some(k))?.ok_or_else(null_error)?;
        put(&mut out, key, v);
    }
    Ok(out)
}

fn null_error() -> DataError {
    DataError("Unable to convert a null value to a schema that requires a value".into())
}

fn convert_error(schema: &Schema) -> DataError {
    DataError(format!(
        "Unable to convert a value to {:?}",
        schema.schema_type
    ))
}

/// Apache's `Values.convertTo(toSchema, null, value)` for the schemas a
/// merge can produce, followed by the check that Connect can hold the
/// result (see the module documentation).
fn convert_to(to: &Arc<Schema>, value: Option<JValue>) -> Result<Option<JValue>, DataError> {
    let Some(value) = value else {
        return if to.optional {
            Ok(None)
        } else {
            Err(null_error())
        };
    };
    use JValue::*;
    let converted = match (to.schema_type, value) {
        // The value is already of the target type.
        (SchemaType::Int8, v @ Byte(_))
        | (SchemaType::Int16, v @ Short(_))
        | (SchemaType::Float32, v @ Float(_))
        | (SchemaType::Float64, v @ Double(_))
        | (SchemaType::Boolean, v @ Boolean(_))
        | (SchemaType::String, v @ String(_))
        | (SchemaType::Bytes, v @ Decimal(_)) => v,
        // Apache keeps nested items as they are even when they do not fit
        // the merged item schema (`[[1],[300]]` holds a Byte in an INT16
        // array); we convert them as Apache converts top-level items, so
        // the value stays writable. Items that cannot convert make the
        // text a string, see the module documentation.
        (SchemaType::Array, List(items)) => match &to.value_schema {
            Some(item) => List(align_list(item, items)?),
            None => List(items),
        },
        (SchemaType::Map, Map(entries)) => match (&to.key_schema, &to.value_schema) {
            (Some(k), Some(v)) => Map(align_map(k, v, entries)?),
            (Some(k), None) => Map(align_map_keys(k, entries)?),
            (None, Some(v)) => Map(entries
                .into_iter()
                .map(|(k, value)| Ok((k, convert_to(v, value)?)))
                .collect::<Result<_, DataError>>()?),
            (None, None) => Map(entries),
        },
        // Dates pass through any temporal schema unchanged.
        (SchemaType::Int32 | SchemaType::Int64, v @ Date { .. })
            if name_is(to, DATE_NAME) || name_is(to, TIME_NAME) || name_is(to, TIMESTAMP_NAME) =>
        {
            v
        }
        (SchemaType::Int8, v) => Byte(as_long(&v, to)? as i8),
        (SchemaType::Int16, v) => Short(as_long(&v, to)? as i16),
        (SchemaType::Int32, v) if name_is(to, DATE_NAME) => Date {
            millis: i64::from(as_long(&v, to)? as i32) * MILLIS_PER_DAY,
            kind: TemporalKind::Date,
        },
        (SchemaType::Int32, v) if name_is(to, TIME_NAME) => {
            let millis = i64::from(as_long(&v, to)? as i32);
            if !(0..=MILLIS_PER_DAY).contains(&millis) {
                return Err(DataError(
                    "Time values must use number of milliseconds greater than 0 and less than 86400000"
                        .into(),
                ));
            }
            Date {
                millis,
                kind: TemporalKind::Time,
            }
        }
        (SchemaType::Int32, v @ Int(_)) => v,
        (SchemaType::Int32, v) => Int(as_long(&v, to)? as i32),
        (SchemaType::Int64, v) if name_is(to, TIMESTAMP_NAME) => Date {
            millis: as_long(&v, to)?,
            kind: TemporalKind::Timestamp,
        },
        (SchemaType::Int64, v @ Long(_)) => v,
        (SchemaType::Int64, v) => Long(as_long(&v, to)?),
        (SchemaType::Float32, v) => Float(as_double(&v, to)? as f32),
        (SchemaType::Float64, v) => Double(as_double(&v, to)?),
        // Strings, booleans, arrays and maps only merge with their own kind.
        _ => return Err(convert_error(to)),
    };
    if !conforms(&converted, to) {
        return Err(convert_error(to));
    }
    Ok(Some(converted))
}

/// Apache's `asLong(value, null, null)` for parsed values.
fn as_long(value: &JValue, to: &Schema) -> Result<i64, DataError> {
    use JValue::*;
    Ok(match value {
        Byte(v) => i64::from(*v),
        Short(v) => i64::from(*v),
        Int(v) => i64::from(*v),
        Long(v) => *v,
        // Java's (long) of a float saturates, as Rust's `as` does.
        Float(v) => *v as i64,
        Double(v) => *v as i64,
        _ => return Err(convert_error(to)),
    })
}

/// Apache's `asDouble(value, null, null)` for parsed values.
fn as_double(value: &JValue, to: &Schema) -> Result<f64, DataError> {
    use JValue::*;
    Ok(match value {
        Float(v) => f64::from(*v),
        Double(v) => *v,
        Long(v) => *v as f64,
        other => as_long(other, to)? as f64,
    })
}

/// Whether Connect can hold `value` under `schema` (what its converters
/// check when they write the value).
fn conforms(value: &JValue, schema: &Schema) -> bool {
    to_value(Some(value), Some(schema)).is_ok()
}

/// Fails when a schemaless array or map would hold a date or a Decimal,
/// which mean nothing without their schema (see the module docs).
pub fn require_schemaless_safe<'v>(
    values: impl Iterator<Item = &'v JValue>,
) -> Result<(), DataError> {
    for value in values {
        to_value(Some(value), None)?;
    }
    Ok(())
}

/// The SDK value of a parsed value under `schema`, or an error when the
/// value does not fit it.
fn to_value(value: Option<&JValue>, schema: Option<&Schema>) -> Result<Value, DataError> {
    use JValue::*;
    let Some(value) = value else {
        return match schema {
            Some(s) if !s.optional => Err(null_error()),
            _ => Ok(Value::Null),
        };
    };
    let mismatch = || DataError("the value does not fit its schema".into());
    let Some(schema) = schema else {
        // Without a schema only plain values are meaningful.
        return Ok(match value {
            Boolean(v) => Value::Boolean(*v),
            Byte(v) => Value::Int8(*v),
            Short(v) => Value::Int16(*v),
            Int(v) => Value::Int32(*v),
            Long(v) => Value::Int64(*v),
            Float(v) => Value::Float32(*v),
            Double(v) => Value::Float64(*v),
            String(v) => Value::String(v.clone()),
            List(items) => Value::Array(
                items
                    .iter()
                    .map(|v| to_value(v.as_ref(), None))
                    .collect::<Result<_, _>>()?,
            ),
            Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| Ok((to_value(Some(k), None)?, to_value(v.as_ref(), None)?)))
                    .collect::<Result<_, DataError>>()?,
            ),
            Decimal(_) | Date { .. } => return Err(mismatch()),
        });
    };
    let logical = schema.name.as_deref();
    Ok(match (schema.schema_type, value) {
        (SchemaType::Boolean, Boolean(v)) => Value::Boolean(*v),
        (SchemaType::Int8, Byte(v)) if logical.is_none() => Value::Int8(*v),
        (SchemaType::Int16, Short(v)) if logical.is_none() => Value::Int16(*v),
        (SchemaType::Int32, Int(v)) if logical.is_none() => Value::Int32(*v),
        (SchemaType::Int64, Long(v)) if logical.is_none() => Value::Int64(*v),
        (SchemaType::Float32, Float(v)) => Value::Float32(*v),
        (SchemaType::Float64, Double(v)) => Value::Float64(*v),
        (SchemaType::String, String(v)) => Value::String(v.clone()),
        (SchemaType::Bytes, Decimal(d)) if logical == Some(DECIMAL_NAME) => {
            let scale = schema
                .parameters
                .iter()
                .find(|(k, _)| k == "scale")
                .and_then(|(_, v)| v.parse::<i32>().ok());
            if scale != Some(d.scale()) {
                return Err(mismatch());
            }
            Value::Bytes(d.unscaled_bytes())
        }
        (SchemaType::Int32, Date { millis, .. }) if logical == Some(DATE_NAME) => {
            if millis % MILLIS_PER_DAY != 0 {
                return Err(mismatch());
            }
            Value::Int32(i32::try_from(millis / MILLIS_PER_DAY).map_err(|_| mismatch())?)
        }
        (SchemaType::Int32, Date { millis, .. }) if logical == Some(TIME_NAME) => {
            Value::Int32(i32::try_from(*millis).map_err(|_| mismatch())?)
        }
        (SchemaType::Int64, Date { millis, .. }) if logical == Some(TIMESTAMP_NAME) => {
            Value::Int64(*millis)
        }
        (SchemaType::Array, List(items)) => {
            let item_schema = schema.value_schema.as_deref();
            Value::Array(
                items
                    .iter()
                    .map(|v| to_value(v.as_ref(), item_schema))
                    .collect::<Result<_, _>>()?,
            )
        }
        (SchemaType::Map, Map(entries)) => {
            let (ks, vs) = (schema.key_schema.as_deref(), schema.value_schema.as_deref());
            Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| Ok((to_value(Some(k), ks)?, to_value(v.as_ref(), vs)?)))
                    .collect::<Result<_, DataError>>()?,
            )
        }
        _ => return Err(mismatch()),
    })
}
