//! The SDK's counterpart of Apache Kafka Connect's
//! `org.apache.kafka.connect.data.Values`: [`parse_string`] reads text as
//! `Values.parseString` does (booleans, the narrowest number type, lists
//! and maps with a common item schema, quoted strings inside them, dates,
//! times and timestamps, and otherwise the text itself), and
//! [`convert_to_string`] writes a value as `Values.convertToString` does.
//! SimpleHeaderConverter is built on both and InsertHeader on the first;
//! a plugin that reads or writes Connect values as text the way Apache's
//! does can use them too.
//!
//! The behaviour is Apache's to the byte, quirks included (`[1, ]` is a
//! one-item list, `12,13` the number 12, `2019-02-30` is 2 March): the
//! tests replay two recordings of Apache's own classes (see
//! `tests/data/README.md`). Where Apache would build a value that does not
//! fit the schema it inferred for it (a time past 24 hours, `[[1],["a"]]`),
//! a Connect batch cannot carry it, and the text is kept as a string.
//!
//! `Values` works on Java objects: a `java.util.Date` for the three time
//! types, a `BigDecimal` for a decimal, boxed numbers whose class is their
//! type. `JValue` models those objects so that parsing, schema merging
//! and the conversions between them follow Java's rules exactly; only at
//! the end is a parsed value turned into a Connect [`Value`] (a `Date`
//! becomes an int32 of days, a `Decimal` its unscaled bytes).

mod date_format;
mod decimal;
mod format;
mod merge;
mod parser;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use crate::batch::BatchError;
use crate::{Schema, SchemaType, Value};

pub use format::convert_to_string;

use decimal::BigDecimal;

/// The name of Connect's `Date` logical type (int32 days since the epoch).
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// The name of Connect's `Time` logical type (int32 ms of the day).
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// The name of Connect's `Timestamp` logical type (int64 ms since the epoch).
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";
/// The name of Connect's `Decimal` logical type (unscaled bytes, `scale`).
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";

/// How deeply a value may nest before formatting gives up, so a hostile
/// batch cannot exhaust the stack (the SDK's limit).
const MAX_DEPTH: usize = crate::batch::MAX_DEPTH;

/// Why [`convert_to_string`] could not write a value as text.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    /// The batch could not be read.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// A struct value came without a struct schema.
    #[error("a struct value needs a struct schema")]
    StructWithoutSchema,
    /// Java's `Decimal.scale`: "Invalid Decimal schema: scale parameter not found."
    #[error("Invalid Decimal schema: scale parameter not found.")]
    DecimalWithoutScale,
    /// Java's `Decimal.scale` on a scale that is not an int.
    #[error("Invalid scale parameter found in Decimal schema: {0}")]
    InvalidDecimalScale(String),
    /// Java's `new BigInteger(new byte[0])`.
    #[error("a Decimal value has no bytes (Zero length BigInteger)")]
    EmptyDecimal,
    /// Nesting past the batch layout's limit, [`crate::batch::MAX_DEPTH`].
    #[error("a value nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Why the parser stopped.
#[derive(Debug, Clone)]
enum ParseError {
    /// Java's `DataException`: it only ever makes the parser fall back to
    /// reading the text as a string, so Apache's message is not kept (the
    /// code quotes it where the error arises).
    Data,
    /// What Java throws besides `DataException`, which SimpleHeaderConverter
    /// answers by keeping the raw bytes: `ArithmeticException` for a number
    /// whose exponent needs a power of ten past `BigInteger`'s range, and
    /// (our limit) nesting past [`MAX_DEPTH`], where Java goes on until its
    /// stack overflows.
    Fatal,
}

/// A value as the Java object `Values` would hold.
#[derive(Debug, Clone)]
enum JValue {
    /// `null`.
    Null,
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
    Str(String),
    /// `BigDecimal`.
    Decimal(BigDecimal),
    /// `java.util.Date`, as milliseconds since the epoch.
    Date(i64),
    /// `List`.
    List(Vec<JValue>),
    /// `LinkedHashMap`: entries in insertion order, keys unique.
    Map(Vec<(JValue, JValue)>),
}

/// Java's `equals`: the class counts (`Byte 1` is not `Short 1`), floats
/// compare by bits, maps ignore order.
impl PartialEq for JValue {
    fn eq(&self, other: &Self) -> bool {
        use JValue::*;
        match (self, other) {
            (Null, Null) => true,
            (Boolean(a), Boolean(b)) => a == b,
            (Byte(a), Byte(b)) => a == b,
            (Short(a), Short(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Long(a), Long(b)) => a == b,
            (Float(a), Float(b)) => float_bits(*a) == float_bits(*b),
            (Double(a), Double(b)) => double_bits(*a) == double_bits(*b),
            (Str(a), Str(b)) => a == b,
            (Decimal(a), Decimal(b)) => a == b,
            (Date(a), Date(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2))
            }
            _ => false,
        }
    }
}

impl Eq for JValue {}

impl Hash for JValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            JValue::Null => {}
            JValue::Boolean(v) => v.hash(state),
            JValue::Byte(v) => v.hash(state),
            JValue::Short(v) => v.hash(state),
            JValue::Int(v) => v.hash(state),
            JValue::Long(v) => v.hash(state),
            JValue::Float(v) => float_bits(*v).hash(state),
            JValue::Double(v) => double_bits(*v).hash(state),
            JValue::Str(v) => v.hash(state),
            JValue::Decimal(v) => v.hash(state),
            JValue::Date(v) => v.hash(state),
            JValue::List(v) => v.hash(state),
            // Order-free, like Java's `Map.hashCode`.
            JValue::Map(entries) => {
                let mut sum: u64 = 0;
                for (k, v) in entries {
                    let mut h = std::hash::DefaultHasher::new();
                    k.hash(&mut h);
                    v.hash(&mut h);
                    sum = sum.wrapping_add(h.finish());
                }
                sum.hash(state);
            }
        }
    }
}

/// `Float.floatToIntBits`: every NaN is the same.
fn float_bits(v: f32) -> u32 {
    if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() }
}

/// `Double.doubleToLongBits`: every NaN is the same.
fn double_bits(v: f64) -> u64 {
    if v.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        v.to_bits()
    }
}

/// A `LinkedHashMap` under construction: `put` of an existing key replaces
/// its value and keeps its place.
#[derive(Debug, Default)]
struct JMap {
    entries: Vec<(JValue, JValue)>,
    /// Positions by key, built once the map is too big to search.
    index: Option<HashMap<JValue, usize>>,
}

/// Up to how many entries a linear search beats hashing.
const JMAP_LINEAR: usize = 8;

impl JMap {
    fn put(&mut self, key: JValue, value: JValue) {
        let found = match &self.index {
            Some(index) => index.get(&key).copied(),
            None => self.entries.iter().position(|(k, _)| *k == key),
        };
        if let Some(slot) = found.and_then(|at| self.entries.get_mut(at)) {
            slot.1 = value;
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > JMAP_LINEAR {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            self.index = Some(index);
        }
    }
}

/// A shared schema, built once.
fn cached(cell: &'static OnceLock<Arc<Schema>>, make: impl FnOnce() -> Schema) -> Arc<Schema> {
    cell.get_or_init(|| Arc::new(make())).clone()
}

/// Apache's required primitive schema of `schema_type` (`Schema.INT8_SCHEMA`…).
pub fn primitive(schema_type: SchemaType) -> Arc<Schema> {
    static CELLS: [OnceLock<Arc<Schema>>; 9] = [const { OnceLock::new() }; 9];
    let slot = match schema_type {
        SchemaType::Int8 => 0,
        SchemaType::Int16 => 1,
        SchemaType::Int32 => 2,
        SchemaType::Int64 => 3,
        SchemaType::Float32 => 4,
        SchemaType::Float64 => 5,
        SchemaType::Boolean => 6,
        SchemaType::String => 7,
        _ => 8,
    };
    if slot == 8 {
        return Arc::new(Schema::new(schema_type));
    }
    cached(&CELLS[slot], || Schema::new(schema_type))
}

fn logical(schema_type: SchemaType, name: &str) -> Schema {
    let mut schema = Schema::new(schema_type).named(name);
    schema.version = Some(1);
    schema
}

/// `Date.SCHEMA`.
pub fn date_schema() -> Arc<Schema> {
    static CELL: OnceLock<Arc<Schema>> = OnceLock::new();
    cached(&CELL, || logical(SchemaType::Int32, DATE))
}

/// `Time.SCHEMA`.
pub fn time_schema() -> Arc<Schema> {
    static CELL: OnceLock<Arc<Schema>> = OnceLock::new();
    cached(&CELL, || logical(SchemaType::Int32, TIME))
}

/// `Timestamp.SCHEMA`.
pub fn timestamp_schema() -> Arc<Schema> {
    static CELL: OnceLock<Arc<Schema>> = OnceLock::new();
    cached(&CELL, || logical(SchemaType::Int64, TIMESTAMP))
}

/// `Decimal.schema(scale)`.
pub fn decimal_schema(scale: i32) -> Arc<Schema> {
    let mut schema = logical(SchemaType::Bytes, DECIMAL);
    schema.parameters = vec![("scale".to_owned(), scale.to_string())];
    Arc::new(schema)
}

/// The logical type a schema names, when its base type is the right one.
fn logical_name(schema: &Schema) -> Option<&'static str> {
    match (schema.schema_type, schema.name.as_deref()?) {
        (SchemaType::Int32, DATE) => Some(DATE),
        (SchemaType::Int32, TIME) => Some(TIME),
        (SchemaType::Int64, TIMESTAMP) => Some(TIMESTAMP),
        (SchemaType::Bytes, DECIMAL) => Some(DECIMAL),
        _ => None,
    }
}

/// What [`parse_string`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// The literal `null`: a null value without a schema.
    Null,
    /// A string: the whole text, with a required string schema.
    Text,
    /// A typed value and its inferred schema.
    Value(Arc<Schema>, Value),
    /// Java fails with something other than a `DataException`: an
    /// `ArithmeticException` for a number whose exponent needs a power of
    /// ten past `BigInteger`'s range, or (our limit, where Java goes on
    /// until its stack overflows) nesting past the batch layout's
    /// [`crate::batch::MAX_DEPTH`]. SimpleHeaderConverter then keeps the
    /// raw bytes, Apache's fallback for any unexpected failure.
    Unparseable,
}

/// `Values.parseString(text)`.
///
/// Where Java would hand on a value that does not fit its own inferred
/// schema (a time past 24 hours such as `25:00:00.000Z`, or lists and maps
/// whose items mix types in ways its merging does not check, such as
/// `[[1],["a"]]` or a date and a time in one list), our batches cannot
/// carry it; such text is kept as a string, which is also what Apache
/// gives whenever parsing fails.
pub fn parse_string(text: &str) -> Parsed {
    if text.is_empty() {
        return Parsed::Text;
    }
    match parser::parse_top(text) {
        None => Parsed::Unparseable,
        Some(parser::Item::Null) => Parsed::Null,
        Some(parser::Item::Original) => Parsed::Text,
        Some(parser::Item::Value(schema, value)) => match to_connect(Some(&schema), value) {
            Some(value) => Parsed::Value(schema, value),
            None => Parsed::Text,
        },
    }
}

/// The Connect value for a Java object under `schema`, or `None` when the
/// object does not fit the schema.
fn to_connect(schema: Option<&Arc<Schema>>, value: JValue) -> Option<Value> {
    let Some(schema) = schema else {
        return schemaless(value);
    };
    Some(match (schema.schema_type, logical_name(schema), value) {
        (_, _, JValue::Null) => {
            if !schema.optional {
                return None;
            }
            Value::Null
        }
        (SchemaType::Int32, Some(DATE), JValue::Date(ms)) => {
            if ms.rem_euclid(date_format::MILLIS_PER_DAY) != 0 {
                return None;
            }
            Value::Int32(i32::try_from(ms / date_format::MILLIS_PER_DAY).ok()?)
        }
        (SchemaType::Int32, Some(TIME), JValue::Date(ms)) => {
            if !(0..=date_format::MILLIS_PER_DAY).contains(&ms) {
                return None;
            }
            Value::Int32(i32::try_from(ms).ok()?)
        }
        (SchemaType::Int64, Some(TIMESTAMP), JValue::Date(ms)) => Value::Int64(ms),
        (SchemaType::Bytes, Some(DECIMAL), JValue::Decimal(d)) => {
            let scale = schema
                .parameters
                .iter()
                .find(|(k, _)| k == "scale")
                .and_then(|(_, v)| v.parse::<i32>().ok())?;
            if scale != d.scale() {
                return None;
            }
            Value::Bytes(d.unscaled_bytes())
        }
        (_, Some(_), _) => return None,
        (SchemaType::Boolean, None, JValue::Boolean(v)) => Value::Boolean(v),
        (SchemaType::Int8, None, JValue::Byte(v)) => Value::Int8(v),
        (SchemaType::Int16, None, JValue::Short(v)) => Value::Int16(v),
        (SchemaType::Int32, None, JValue::Int(v)) => Value::Int32(v),
        (SchemaType::Int64, None, JValue::Long(v)) => Value::Int64(v),
        (SchemaType::Float32, None, JValue::Float(v)) => Value::Float32(v),
        (SchemaType::Float64, None, JValue::Double(v)) => Value::Float64(v),
        (SchemaType::String, None, JValue::Str(v)) => Value::String(v),
        (SchemaType::Array, None, JValue::List(items)) => Value::Array(
            items
                .into_iter()
                .map(|v| to_connect(schema.value_schema.as_ref(), v))
                .collect::<Option<_>>()?,
        ),
        (SchemaType::Map, None, JValue::Map(entries)) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    Some((
                        to_connect(schema.key_schema.as_ref(), k)?,
                        to_connect(schema.value_schema.as_ref(), v)?,
                    ))
                })
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// A Java object with no schema: only the types Connect infers without one.
fn schemaless(value: JValue) -> Option<Value> {
    Some(match value {
        JValue::Null => Value::Null,
        JValue::Boolean(v) => Value::Boolean(v),
        JValue::Byte(v) => Value::Int8(v),
        JValue::Short(v) => Value::Int16(v),
        JValue::Int(v) => Value::Int32(v),
        JValue::Long(v) => Value::Int64(v),
        JValue::Float(v) => Value::Float32(v),
        JValue::Double(v) => Value::Float64(v),
        JValue::Str(v) => Value::String(v),
        JValue::List(items) => {
            Value::Array(items.into_iter().map(schemaless).collect::<Option<_>>()?)
        }
        JValue::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| Some((schemaless(k)?, schemaless(v)?)))
                .collect::<Option<_>>()?,
        ),
        // A date or decimal means nothing without its logical schema.
        JValue::Date(_) | JValue::Decimal(_) => return None,
    })
}

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;
