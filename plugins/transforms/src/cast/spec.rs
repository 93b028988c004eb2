//! The `spec` setting of `Cast`: `field:type,...` or one type for the whole
//! key or value, read with Apache's rules and errors.

use wasm_connect_sdk::PluginError;

use super::convert::CastType;
use crate::java_time::lang::trim;

/// What to cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Spec {
    /// The whole key or value.
    Whole(CastType),
    /// Top-level fields of a struct or map, each to its type (a field
    /// named twice keeps the last type, as in Apache's `HashMap`).
    Fields(Vec<(String, CastType)>),
}

impl Spec {
    /// The type `field` is cast to, if any.
    pub(crate) fn target(&self, field: &str) -> Option<CastType> {
        match self {
            Spec::Whole(_) => None,
            Spec::Fields(fields) => fields.iter().find(|(f, _)| f == field).map(|(_, t)| *t),
        }
    }
}

/// `Cast.parseFieldTypes` on the items of the `spec` list.
pub(crate) fn parse(items: &[String]) -> Result<Spec, PluginError> {
    if items.is_empty() {
        return Err(PluginError::config(
            "Must specify at least one field to cast.",
        ));
    }
    let mut whole = None;
    let mut fields: Vec<(String, CastType)> = Vec::new();
    for mapping in items {
        let parts = java_split_colon(mapping);
        match parts.as_slice() {
            [] => {
                // Java reads parts[1] of an empty array.
                return Err(PluginError::config("Index 1 out of bounds for length 0"));
            }
            [one] => whole = Some(type_of(one)?),
            [field, ty] => {
                let ty = type_of(ty)?;
                let field = trim(field).to_owned();
                fields.retain(|(f, _)| *f != field);
                fields.push((field, ty));
            }
            _ => {
                return Err(PluginError::config(format!(
                    "Invalid value [{}] for configuration renames: Invalid rename mapping: {mapping}",
                    items.join(", ")
                )));
            }
        }
    }
    match whole {
        Some(_) if items.len() > 1 => Err(PluginError::config(
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
        )),
        Some(ty) => Ok(Spec::Whole(ty)),
        None => Ok(Spec::Fields(fields)),
    }
}

/// `Schema.Type.valueOf(name.trim().toUpperCase(Locale.ROOT))`, then
/// `validCastType(type, OUTPUT)`.
fn type_of(name: &str) -> Result<CastType, PluginError> {
    let name = trim(name);
    let ty = match name.to_uppercase().as_str() {
        "INT8" => Ok(CastType::Int8),
        "INT16" => Ok(CastType::Int16),
        "INT32" => Ok(CastType::Int32),
        "INT64" => Ok(CastType::Int64),
        "FLOAT32" => Ok(CastType::Float32),
        "FLOAT64" => Ok(CastType::Float64),
        "BOOLEAN" => Ok(CastType::Boolean),
        "STRING" => Ok(CastType::String),
        other @ ("BYTES" | "ARRAY" | "MAP" | "STRUCT") => Err(other.to_owned()),
        _ => {
            return Err(PluginError::config(format!(
                "Invalid type found in casting spec: {name}"
            )));
        }
    };
    ty.map_err(|unsupported| {
        PluginError::config(format!(
            "Cast transformation does not support casting to {unsupported}; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
        ))
    })
}

/// Java's `s.split(":")`: trailing empty strings are dropped.
fn java_split_colon(s: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(':').collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts == [""] && !s.is_empty() {
        parts.clear();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> Result<Spec, String> {
        let items: Vec<String> = if s.trim().is_empty() {
            vec![]
        } else {
            s.split(',').map(|i| i.trim().to_owned()).collect()
        };
        parse(&items).map_err(|e| e.message)
    }

    #[test]
    fn apache_config_tests() {
        // CastTest's configuration cases.
        assert_eq!(
            spec(""),
            Err("Must specify at least one field to cast.".into())
        );
        assert_eq!(
            spec("foo:faketype"),
            Err("Invalid type found in casting spec: faketype".into())
        );
        let to_array = Err(
            "Cast transformation does not support casting to ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
                .to_owned(),
        );
        assert_eq!(spec("foo:array"), to_array);
        assert_eq!(spec("array"), to_array);
        assert!(spec("foo:bytes").unwrap_err().contains("casting to BYTES"));
        assert_eq!(
            spec("foo:int8:extra"),
            Err("Invalid value [foo:int8:extra] for configuration renames: Invalid rename mapping: foo:int8:extra".into())
        );
        assert_eq!(
            spec("foo:int8,int32"),
            Err("Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec".into())
        );
    }

    #[test]
    fn java_split_rules() {
        assert_eq!(spec("int8"), Ok(Spec::Whole(CastType::Int8)));
        assert_eq!(spec(" Int8 "), Ok(Spec::Whole(CastType::Int8)));
        // "foo:" splits into just "foo": a whole-value type that does not exist.
        assert_eq!(
            spec("foo:"),
            Err("Invalid type found in casting spec: foo".into())
        );
        assert_eq!(
            spec(":int8"),
            Ok(Spec::Fields(vec![(String::new(), CastType::Int8)]))
        );
        assert_eq!(spec(":"), Err("Index 1 out of bounds for length 0".into()));
        assert_eq!(
            spec("a:int8,a:string"),
            Ok(Spec::Fields(vec![("a".into(), CastType::String)]))
        );
        assert_eq!(
            spec("int8,"),
            Err("Invalid type found in casting spec: ".into())
        );
    }
}
