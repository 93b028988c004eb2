//! How `Values` gives a list's items or a map's keys and values one
//! schema: `SchemaMerger` and `mergeSchemas` find the common schema, and
//! `convertTo` brings every item to it (widening numbers, turning numbers
//! into dates where the common schema is a logical one).

use std::sync::Arc;

use crate::{Schema, SchemaType};

use super::{DATE, DECIMAL, JValue, ParseError, TIME, TIMESTAMP, date_format, logical_name};

/// `Values.SchemaMerger`: the common schema of the values seen so far,
/// given up for good once two have none.
#[derive(Debug)]
pub(super) struct SchemaMerger {
    pub(super) common: Option<Arc<Schema>>,
    compatible: bool,
}

impl Default for SchemaMerger {
    fn default() -> Self {
        Self {
            common: None,
            compatible: true,
        }
    }
}

impl SchemaMerger {
    pub(super) fn merge(&mut self, latest: Option<&Arc<Schema>>) {
        let Some(latest) = latest else { return };
        if !self.compatible {
            return;
        }
        self.common = match &self.common {
            None => Some(latest.clone()),
            Some(previous) => {
                let merged = merge_schemas(previous, latest);
                self.compatible = merged.is_some();
                merged
            }
        };
    }
}

/// `Values.mergeSchemas`: numbers widen to the wider type (logical types
/// count by their base type); same types merge to the later schema without
/// comparing their insides; anything else has no common schema.
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
        let (rp, rn) = (rank(p)?, rank(n)?);
        return Some(if rn > rp {
            new.clone()
        } else {
            previous.clone()
        });
    }
    if previous.optional == new.optional {
        return Some(if previous.optional {
            previous.clone()
        } else {
            new.clone()
        });
    }
    None
}

/// `Values.convertTo(toSchema, null, value)`, for the pairs the parser's
/// alignment of list items and map entries can meet.
pub(super) fn convert_to(to: &Arc<Schema>, value: JValue) -> Result<JValue, ParseError> {
    if let JValue::Null = value {
        // "Unable to convert a null value to a schema that requires a value"
        return if to.optional {
            Ok(JValue::Null)
        } else {
            Err(ParseError::Data)
        };
    }
    Ok(match (to.schema_type, logical_name(to), value) {
        (
            SchemaType::Int32 | SchemaType::Int64,
            Some(DATE | TIME | TIMESTAMP),
            JValue::Date(ms),
        ) => JValue::Date(ms),
        (SchemaType::Int32, Some(DATE), v) => {
            JValue::Date(i64::from(as_long(&v)? as i32) * date_format::MILLIS_PER_DAY)
        }
        (SchemaType::Int32, Some(TIME), v) => {
            let ms = as_long(&v)? as i32;
            if ms < 0 || i64::from(ms) > date_format::MILLIS_PER_DAY {
                // "Time values must use number of milliseconds greater than
                // 0 and less than 86400000"
                return Err(ParseError::Data);
            }
            JValue::Date(i64::from(ms))
        }
        (SchemaType::Int64, Some(TIMESTAMP), v) => JValue::Date(as_long(&v)?),
        (SchemaType::Int8, _, JValue::Byte(v)) => JValue::Byte(v),
        (SchemaType::Int8, _, v) => JValue::Byte(as_long(&v)? as i8),
        (SchemaType::Int16, _, JValue::Short(v)) => JValue::Short(v),
        (SchemaType::Int16, _, v) => JValue::Short(as_long(&v)? as i16),
        (SchemaType::Int32, _, JValue::Int(v)) => JValue::Int(v),
        (SchemaType::Int32, _, v) => JValue::Int(as_long(&v)? as i32),
        (SchemaType::Int64, _, JValue::Long(v)) => JValue::Long(v),
        (SchemaType::Int64, _, v) => JValue::Long(as_long(&v)?),
        (SchemaType::Float32, _, JValue::Float(v)) => JValue::Float(v),
        (SchemaType::Float32, _, v) => JValue::Float(as_double(&v)? as f32),
        (SchemaType::Float64, _, JValue::Double(v)) => JValue::Double(v),
        (SchemaType::Float64, _, v) => JValue::Double(as_double(&v)?),
        (SchemaType::Bytes, Some(DECIMAL), JValue::Decimal(d)) => JValue::Decimal(d),
        (SchemaType::String, _, JValue::Str(s)) => JValue::Str(s),
        (SchemaType::Boolean, _, JValue::Boolean(b)) => JValue::Boolean(b),
        (SchemaType::Array, _, JValue::List(items)) => JValue::List(items),
        (SchemaType::Map, _, JValue::Map(entries)) => JValue::Map(entries),
        // "Unable to convert … to …"
        _ => return Err(ParseError::Data),
    })
}

/// `Values.asLong` without a source schema: numbers only.
fn as_long(value: &JValue) -> Result<i64, ParseError> {
    Ok(match value {
        JValue::Byte(v) => i64::from(*v),
        JValue::Short(v) => i64::from(*v),
        JValue::Int(v) => i64::from(*v),
        JValue::Long(v) => *v,
        // Java's (long) of a float saturates and takes NaN to 0, as Rust's `as`.
        JValue::Float(v) => *v as i64,
        JValue::Double(v) => *v as i64,
        // "Unable to convert … to a number"
        _ => return Err(ParseError::Data),
    })
}

/// `Values.asDouble` without a source schema.
fn as_double(value: &JValue) -> Result<f64, ParseError> {
    Ok(match value {
        JValue::Float(v) => f64::from(*v),
        JValue::Double(v) => *v,
        other => as_long(other)? as f64,
    })
}
