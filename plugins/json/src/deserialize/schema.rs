//! JSON schema → Connect schema: Apache's `asConnectSchema`, with the
//! messages of its `DataException`s and of `SchemaBuilder`'s checks.

use std::sync::Arc;

use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::{Batch, Field, Schema, SchemaType};

use crate::deserialize::convert::Conv;
use crate::json::parse::JKind;
use crate::nodes;

impl Conv<'_> {
    /// Read the schema at node `j`; `None` for JSON `null`.
    pub fn schema(&self, j: usize, depth: usize) -> Result<Option<Arc<Schema>>, String> {
        if depth > MAX_DEPTH {
            return Err(nodes::too_deep());
        }
        let json = &self.json;
        if json.is_null(j) {
            return Ok(None);
        }
        let member = |name: &str| json.get(j, name);
        let type_name = member("type")
            .filter(|t| json.kind(*t) == JKind::Str)
            .map(|t| json.str(t))
            .ok_or("Schema must contain 'type' field")?;
        let mut schema = match type_name {
            "boolean" => Schema::new(SchemaType::Boolean),
            "int8" => Schema::new(SchemaType::Int8),
            "int16" => Schema::new(SchemaType::Int16),
            "int32" => Schema::new(SchemaType::Int32),
            "int64" => Schema::new(SchemaType::Int64),
            "float" => Schema::new(SchemaType::Float32),
            "double" => Schema::new(SchemaType::Float64),
            "bytes" => Schema::new(SchemaType::Bytes),
            "string" => Schema::new(SchemaType::String),
            "array" => {
                let items = member("items")
                    .filter(|i| !json.is_null(*i))
                    .ok_or("Array schema did not specify the element type")?;
                let items = self
                    .schema(items, depth + 1)?
                    .ok_or("valueSchema cannot be null.")?;
                Schema::array(items)
            }
            "map" => {
                let keys = member("keys").ok_or("Map schema did not specify the key type")?;
                let values = member("values").ok_or("Map schema did not specify the value type")?;
                let keys = self.schema(keys, depth + 1)?;
                let values = self.schema(values, depth + 1)?;
                Schema::map(
                    keys.ok_or("keySchema cannot be null.")?,
                    values.ok_or("valueSchema cannot be null.")?,
                )
            }
            "struct" => {
                let fields = member("fields")
                    .filter(|f| json.kind(*f) == JKind::Arr)
                    .ok_or("Struct schema's \"fields\" argument is not an array.")?;
                let mut out: Vec<Field> = Vec::with_capacity(json.size(fields));
                for (i, f) in json.children(fields).enumerate() {
                    let name = json
                        .get(f, "field")
                        .filter(|n| json.kind(*n) == JKind::Str)
                        .map(|n| json.str(n))
                        .ok_or("Struct schema's field name not specified properly")?;
                    let _ = i;
                    let field_schema = self
                        .schema(f, depth + 1)?
                        .ok_or_else(|| format!("fieldSchema for field {name} cannot be null."))?;
                    if name.is_empty() {
                        return Err("fieldName cannot be null.".into());
                    }
                    if out.iter().any(|existing| existing.name == name) {
                        return Err(format!(
                            "Cannot create field because of field name duplication {name}"
                        ));
                    }
                    out.push(Field {
                        name: name.to_owned(),
                        schema: field_schema,
                    });
                }
                Schema::structure(out)
            }
            other => return Err(format!("Unknown schema type: {other}")),
        };
        schema.optional = member("optional")
            .is_some_and(|o| json.kind(o) == JKind::Bool && json.node(o).int != 0);
        if let Some(n) = member("name").filter(|n| json.kind(*n) == JKind::Str) {
            schema.name = Some(json.str(n).to_owned());
        }
        if let Some(v) = member("version")
            .filter(|v| matches!(json.kind(*v), JKind::Int | JKind::Long | JKind::BigInt))
        {
            // Jackson's intValue(): the low 32 bits.
            schema.version = Some(self.long_of(v) as i32);
        }
        if let Some(d) = member("doc").filter(|d| json.kind(*d) == JKind::Str) {
            schema.doc = Some(json.str(d).to_owned());
        }
        if let Some(params) = member("parameters").filter(|p| json.kind(*p) == JKind::Obj) {
            for e in json.members(params) {
                if json.kind(e) != JKind::Str {
                    return Err("Schema parameters must have string values.".into());
                }
                schema
                    .parameters
                    .push((json.key_str(e).to_owned(), json.str(e).to_owned()));
            }
        }
        let mut schema = Arc::new(schema);
        if let Some(d) = member("default") {
            schema = self.with_default(schema, d)?;
        }
        Ok(Some(schema))
    }

    /// `builder.defaultValue(convertToConnect(builder, node))`: convert the
    /// default with the schema as built so far (no default yet), then
    /// validate it as `SchemaBuilder.defaultValue` does.
    fn with_default(&self, schema: Arc<Schema>, d: usize) -> Result<Arc<Schema>, String> {
        // The default lives in the schema, not in the batch: its strings
        // are copied rather than referred to.
        let copying = Conv {
            json: self.json,
            base: None,
            replace_null_with_default: self.replace_null_with_default,
        };
        let mut scratch = Batch::new();
        let (node, bad) = copying.convert(&mut scratch, Some(&schema), Some(d), 0)?;
        let invalid = "Invalid default value".to_owned();
        if node.is_null() {
            // A null default on an optional schema is no default.
            return if schema.optional {
                Ok(schema)
            } else {
                Err(invalid)
            };
        }
        // A struct default never validates in Apache: the struct's schema
        // (a ConnectSchema) is compared with the SchemaBuilder, and they
        // are never equal.
        if bad.is_some() || schema.schema_type == SchemaType::Struct {
            return Err(invalid);
        }
        let value = scratch
            .to_value(node, Some(&schema), 0)
            .map_err(|e| e.to_string())?;
        let mut with_default = (*schema).clone();
        with_default.default = Some(value);
        Ok(Arc::new(with_default))
    }
}
