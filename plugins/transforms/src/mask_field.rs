//! Apache's `MaskField$Key` and `MaskField$Value`: replace the values of
//! chosen fields with a "null value" of their type (0, false, "", empty
//! list, ...) or with a configured replacement converted to that type.

mod number;

use std::sync::Arc;

use wasm_connect_sdk::SchemaDef;
use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, Key, KeySide, NameSet, Scratch, Side, SideMarker, StructView, ValueSide, check_put,
    entry, java_class, kind, map_get, name_set, new_struct, not_a_map, not_a_struct, push_text,
    scalar,
};
use number::Decimal;

/// What Apache's error messages call this transform's work.
const PURPOSE: &str = "mask fields";

const FIELDS: &str = "fields";
const REPLACEMENT: &str = "replacement";

/// `MaskField$Key`.
pub type MaskFieldKey = MaskField<KeySide>;
/// `MaskField$Value`.
pub type MaskFieldValue = MaskField<ValueSide>;

/// The configured replacement, converted once to every type it can take.
struct Replacement {
    text: String,
    /// `new BigDecimal(text)`, `None` when Java cannot parse it.
    decimal: Option<Decimal>,
}

/// Apache's `MaskField`, for the key or the value.
pub struct MaskField<S: Side> {
    /// The fields to mask, in the order first configured.
    fields: Vec<Arc<str>>,
    names: NameSet,
    replacement: Option<Replacement>,
    replace_null_with_default: bool,
    side: SideMarker<S>,
}

impl<S: Side> Transform for MaskField<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "MaskField",
            Some(S::NAME),
            "Masks fields with a valid null value for their type (0, false, empty string, and so on) or a custom replacement.",
        )
        .config(
            ConfigDef::new(FIELDS, ConfigType::List)
                .importance(Importance::High)
                .doc("Names of fields to mask."),
        )
        .config(
            ConfigDef::new(REPLACEMENT, ConfigType::String)
                .default_value("null")
                .importance(Importance::Low)
                .doc("Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."),
        )
        .config(field_util::replace_null_def())
    }

    fn configure(config: Config) -> Result<Self> {
        let list = field_util::non_empty_list(&config, FIELDS)?;
        let replacement = match field_util::string(&config, REPLACEMENT) {
            Some(text) if text.is_empty() => {
                return Err(field_util::invalid(
                    REPLACEMENT,
                    "",
                    "String must be non-empty",
                ));
            }
            Some(text) => Some(Replacement {
                decimal: Decimal::parse(&text),
                text,
            }),
            None => None,
        };
        let mut fields: Vec<Arc<str>> = Vec::new();
        for name in &list {
            if !fields.iter().any(|f| **f == **name) {
                fields.push(Arc::from(name.as_str()));
            }
        }
        let names = name_set(list);
        Ok(Self {
            fields,
            names,
            replacement,
            replace_null_with_default: field_util::boolean(
                &config,
                field_util::REPLACE_NULL_WITH_DEFAULT,
                true,
            )?,
            side: SideMarker::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let mut texts = Texts::default();
        let mut scratch = Scratch::default();
        let mut fields = Vec::new();
        for i in 0..batch.len() {
            self.mask_record(&mut batch, i, &mut texts, &mut scratch, &mut fields)
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

/// Bytes appended once per batch: the replacement text, a decimal zero.
#[derive(Default)]
struct Texts {
    replacement: Option<Node>,
    zero: Option<Node>,
}

impl<S: Side> MaskField<S> {
    fn mask_record(
        &self,
        batch: &mut Batch,
        i: usize,
        texts: &mut Texts,
        scratch: &mut Scratch,
        fields: &mut Vec<FieldWork>,
    ) -> Result<()> {
        // Apache masks tombstones too, and fails on them.
        let (node, schema) = batch.part(i, S::PART)?;
        if schema == NONE {
            if kind(node) != NodeKind::Map {
                return Err(not_a_map(PURPOSE, java_class(node, None)));
            }
            let map = &mut scratch.map;
            for j in 0..node.a as usize {
                let (k, v) = entry(batch, node, j)?;
                map.push(Key::Node(k), v);
            }
            for name in &self.fields {
                let original = map_get(batch, node, name)?;
                let masked = self.masked(batch, original, &Target::of(original, None), texts)?;
                map.put(batch, Key::Text(name.clone()), masked)?;
            }
            let map = map.build(batch)?;
            batch.set_part(i, S::PART, map, NONE)?;
            return Ok(());
        }
        let def = field_util::schema_def(batch, schema)?
            .ok_or_else(|| PluginError::data("a value has no schema"))?;
        if kind(node) != NodeKind::Struct {
            return Err(not_a_struct(PURPOSE, java_class(node, Some(def))));
        }
        // Read everything first: masking appends to the batch.
        let view = StructView::new(def, node)?;
        fields.clear();
        for (k, (name, field_schema)) in def.fields.iter().enumerate() {
            let (v, raw) = view.get_and_raw(batch, k, self.replace_null_with_default)?;
            let target = if self.names.contains(name.as_bytes()) {
                Some(Target::of(v, field_util::schema_def(batch, *field_schema)?))
            } else {
                None
            };
            fields.push((v, raw, target, *field_schema));
        }
        let children = &mut scratch.nodes;
        children.clear();
        let mut changed = false;
        for (k, (mut v, raw, target, field_schema)) in fields.drain(..).enumerate() {
            if let Some(target) = target {
                v = self.masked(batch, v, &target, texts)?;
            }
            let name = field_util::schema_def(batch, schema)?
                .and_then(|d| d.fields.get(k))
                .map_or("", |(n, _)| n.as_str());
            check_put(batch, name, field_schema, v)?;
            changed |= v != raw;
            children.push(v);
        }
        if changed {
            let value = new_struct(batch, children)?;
            batch.set_part(i, S::PART, value, schema)?;
        }
        Ok(())
    }

    /// Apache's `masked`: null stays null; otherwise the type's null value
    /// or the replacement converted to the value's type.
    fn masked(
        &self,
        batch: &mut Batch,
        value: Node,
        target: &Target,
        texts: &mut Texts,
    ) -> Result<Node> {
        if value.is_null() {
            return Ok(value);
        }
        let class = target.class;
        let logical = class == "java.util.Date" || class == "java.math.BigDecimal";
        let Some(replacement) = &self.replacement else {
            return self.null_value(batch, value, target, texts);
        };
        let k = kind(value);
        match k {
            NodeKind::Int8 | NodeKind::Int16 | NodeKind::Int32 | NodeKind::Int64 if !logical => {
                let v = replacement
                    .decimal
                    .as_ref()
                    .map(Decimal::long_value)
                    .ok_or_else(|| not_a_number(&replacement.text, "a number"))?;
                // Java narrows with a cast: the low bits, sign-extended.
                let bits = match k {
                    NodeKind::Int8 => i64::from(v as i8),
                    NodeKind::Int16 => i64::from(v as i16),
                    NodeKind::Int32 => i64::from(v as i32),
                    _ => v,
                };
                Ok(scalar(k, bits as u64))
            }
            NodeKind::Float32 | NodeKind::Float64 => {
                let v = replacement
                    .decimal
                    .as_ref()
                    .map(Decimal::double_value)
                    .ok_or_else(|| not_a_number(&replacement.text, "a number"))?;
                Ok(if k == NodeKind::Float32 {
                    scalar(k, u64::from((v as f32).to_bits()))
                } else {
                    scalar(k, v.to_bits())
                })
            }
            NodeKind::String => match texts.replacement {
                Some(node) => Ok(node),
                None => {
                    let node = push_text(batch, &replacement.text)?;
                    texts.replacement = Some(node);
                    Ok(node)
                }
            },
            NodeKind::Bytes if class == "java.math.BigDecimal" => {
                let decimal = replacement
                    .decimal
                    .as_ref()
                    .ok_or_else(|| not_a_number(&replacement.text, "number"))?;
                check_scale(target.scale()?, decimal.scale())?;
                let (start, len) = batch.push_bytes(&decimal.unscaled_bytes())?;
                Ok(Node::bytes(start, len))
            }
            _ => Err(PluginError::data(format!(
                "Cannot mask value of type class {class} with custom replacement."
            ))),
        }
    }

    /// Apache's `maskWithNullValue` (its `PRIMITIVE_VALUE_MAPPING`, then
    /// empty lists and maps).
    fn null_value(
        &self,
        batch: &mut Batch,
        value: Node,
        target: &Target,
        texts: &mut Texts,
    ) -> Result<Node> {
        let class = target.class;
        let k = kind(value);
        Ok(match k {
            NodeKind::Boolean
            | NodeKind::Int8
            | NodeKind::Int16
            | NodeKind::Int32
            | NodeKind::Int64
            | NodeKind::Float32
            | NodeKind::Float64 => scalar(k, 0),
            // `new Date(0)` is 0 in Date, Time and Timestamp alike.
            NodeKind::String => Node::string(0, 0),
            NodeKind::Array | NodeKind::Map => Node::new(k, 0, 0),
            NodeKind::Bytes if class == "java.math.BigDecimal" => {
                // BigDecimal.ZERO has scale 0.
                check_scale(target.scale()?, 0)?;
                match texts.zero {
                    Some(node) => node,
                    None => {
                        let (start, len) = batch.push_bytes(&[0])?;
                        let node = Node::bytes(start, len);
                        texts.zero = Some(node);
                        node
                    }
                }
            }
            _ => {
                return Err(PluginError::data(format!(
                    "Cannot mask value of type: class {class}"
                )));
            }
        })
    }
}

/// A struct field read before masking: its value (defaults applied), its
/// raw value, what masking it needs (when it is masked) and its schema.
type FieldWork = (Node, Node, Option<Target>, u32);

/// What masking needs to know about a value's type: its Java class and,
/// for a Decimal, its schema's scale.
struct Target {
    class: &'static str,
    scale: Result<i32, String>,
}

impl Target {
    fn of(value: Node, schema: Option<&SchemaDef>) -> Self {
        let class = java_class(value, schema);
        let scale = if class == "java.math.BigDecimal" {
            decimal_scale(schema)
        } else {
            Ok(0)
        };
        Self { class, scale }
    }

    fn scale(&self) -> Result<i32> {
        self.scale.clone().map_err(PluginError::data)
    }
}

/// Apache's message when the replacement is not a number (`Values` says
/// "a number", the `BigDecimal` path says "number").
fn not_a_number(text: &str, what: &str) -> PluginError {
    PluginError::data(format!(
        "Unable to convert {text} (class java.lang.String) to {what}"
    ))
}

/// The scale of a Decimal schema, with `Decimal.scale`'s errors.
fn decimal_scale(schema: Option<&SchemaDef>) -> Result<i32, String> {
    let scale = schema
        .and_then(|s| s.parameters.iter().find(|(k, _)| k == "scale"))
        .map(|(_, v)| v.as_str())
        .ok_or("Invalid Decimal schema: scale parameter not found.")?;
    scale
        .parse()
        .map_err(|_| "Invalid scale parameter found in Decimal schema: ".to_owned())
}

/// Connect's Decimal encoding holds the schema's scale only: a decimal of
/// another scale is what Apache's converters reject (`Decimal.fromLogical`)
/// when they write the masked record, so it is rejected here.
fn check_scale(schema_scale: i32, value_scale: i32) -> Result<()> {
    if schema_scale == value_scale {
        return Ok(());
    }
    Err(PluginError::data(format!(
        "Decimal value has mismatching scale for given Decimal schema. Schema has scale {schema_scale}, value has scale {value_scale}."
    )))
}

#[cfg(test)]
mod tests;
