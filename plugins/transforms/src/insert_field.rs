//! Apache's `InsertField$Key` and `InsertField$Value`: add the record's
//! topic, partition, offset, timestamp and a static value as fields of the
//! key or value (a struct with a schema, a map without one).

use std::collections::HashMap;
use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, BatchSchemas, Key, KeySide, SchemaCache, Scratch, Side, SideMarker, StructView,
    TIMESTAMP, ValueSide, add_field, check_put, entry, java_class, kind, new_struct, not_a_map,
    not_a_struct, push_text, scalar, struct_like,
};

/// What Apache's error messages call this transform's work.
const PURPOSE: &str = "field insertion";

const TOPIC_FIELD: &str = "topic.field";
const PARTITION_FIELD: &str = "partition.field";
const OFFSET_FIELD: &str = "offset.field";
const TIMESTAMP_FIELD: &str = "timestamp.field";
const STATIC_FIELD: &str = "static.field";
const STATIC_VALUE: &str = "static.value";

/// Apache's note on the `!`/`?` suffixes, appended to each field key's doc.
const OPTIONALITY_DOC: &str = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";

/// `InsertField$Key`.
pub type InsertFieldKey = InsertField<KeySide>;
/// `InsertField$Value`.
pub type InsertFieldValue = InsertField<ValueSide>;

/// A field to insert: its name and whether its schema is optional
/// (Apache's `InsertionSpec`).
#[derive(Debug, Clone, PartialEq)]
struct Spec {
    name: Arc<str>,
    optional: bool,
}

impl Spec {
    /// `name!` is required, `name?` and `name` optional.
    fn parse(spec: Option<String>) -> Option<Spec> {
        let spec = spec?;
        let (name, optional) = if let Some(name) = spec.strip_suffix('?') {
            (name, true)
        } else if let Some(name) = spec.strip_suffix('!') {
            (name, false)
        } else {
            (spec.as_str(), true)
        };
        Some(Spec {
            name: Arc::from(name),
            optional,
        })
    }
}

/// The configured fields.
struct Settings {
    topic: Option<Spec>,
    partition: Option<Spec>,
    offset: Option<Spec>,
    timestamp: Option<Spec>,
    static_field: Option<Spec>,
    static_value: Option<String>,
    replace_null_with_default: bool,
}

/// Apache's `InsertField`, for the key or the value.
pub struct InsertField<S: Side> {
    settings: Settings,
    /// Input struct schema → the schema with the inserted fields.
    cache: SchemaCache<Arc<Schema>>,
    side: SideMarker<S>,
}

fn field_def(key: &str, doc: &str) -> ConfigDef {
    ConfigDef::new(key, ConfigType::String)
        .default_value("null")
        .importance(Importance::Medium)
        .doc(doc)
}

impl<S: Side> Transform for InsertField<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "InsertField",
            Some(S::NAME),
            "Inserts fields from the record's metadata (topic, partition, offset, timestamp) or a configured static value into a struct or map.",
        )
        .config(field_def(TOPIC_FIELD, &format!("Field name for Kafka topic. {OPTIONALITY_DOC}")))
        .config(field_def(PARTITION_FIELD, &format!("Field name for Kafka partition. {OPTIONALITY_DOC}")))
        .config(field_def(OFFSET_FIELD, &format!("Field name for Kafka offset - only applicable to sink connectors.<br/>{OPTIONALITY_DOC}")))
        .config(field_def(TIMESTAMP_FIELD, &format!("Field name for record timestamp. {OPTIONALITY_DOC}")))
        .config(field_def(STATIC_FIELD, &format!("Field name for static data field. {OPTIONALITY_DOC}")))
        .config(field_def(STATIC_VALUE, "Static field value, if field name configured."))
        .config(field_util::replace_null_def())
    }

    fn configure(config: Config) -> Result<Self> {
        let spec = |key| Spec::parse(field_util::string(&config, key));
        let settings = Settings {
            topic: spec(TOPIC_FIELD),
            partition: spec(PARTITION_FIELD),
            offset: spec(OFFSET_FIELD),
            timestamp: spec(TIMESTAMP_FIELD),
            static_field: spec(STATIC_FIELD),
            static_value: field_util::string(&config, STATIC_VALUE),
            replace_null_with_default: field_util::boolean(
                &config,
                field_util::REPLACE_NULL_WITH_DEFAULT,
                true,
            )?,
        };
        if settings.topic.is_none()
            && settings.partition.is_none()
            && settings.offset.is_none()
            && settings.timestamp.is_none()
            && settings.static_field.is_none()
        {
            return Err(PluginError::config("No field insertion configured"));
        }
        if let (Some(field), None) = (&settings.static_field, &settings.static_value) {
            // Apache prints the spec object here (an identity hash); the
            // field name says more.
            return Err(field_util::invalid(
                STATIC_VALUE,
                "null",
                &format!("No value specified for static field: {}", field.name),
            ));
        }
        Ok(Self {
            settings,
            cache: SchemaCache::default(),
            side: SideMarker::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let Self {
            settings, cache, ..
        } = self;
        let mut schemas = BatchSchemas::new(cache);
        let mut texts = Texts::default();
        let mut scratch = Scratch::default();
        for i in 0..batch.len() {
            settings
                .insert(
                    &mut batch,
                    i,
                    S::PART,
                    &mut schemas,
                    &mut texts,
                    &mut scratch,
                )
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

/// Strings appended once per batch: each topic's name, the static value,
/// the inserted field names (for maps).
#[derive(Default)]
struct Texts {
    topics: HashMap<u32, Node>,
    static_value: Option<Node>,
    names: [Option<Node>; 5],
}

impl Settings {
    fn insert(
        &self,
        batch: &mut Batch,
        i: usize,
        part: Part,
        schemas: &mut BatchSchemas<'_, Arc<Schema>>,
        texts: &mut Texts,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let (node, schema) = batch.part(i, part)?;
        if node.is_null() {
            return Ok(());
        }
        if schema == NONE {
            if kind(node) != NodeKind::Map {
                return Err(not_a_map(PURPOSE, java_class(node, None)));
            }
            let added = self.metadata(batch, i, texts)?;
            let map = &mut scratch.map;
            for j in 0..node.a as usize {
                let (k, v) = entry(batch, node, j)?;
                map.push(Key::Node(k), v);
            }
            for (slot, added) in added.iter().enumerate() {
                // Schemaless, a missing partition or timestamp is left out.
                let Some((spec, value)) = added else { continue };
                if value.is_null() {
                    continue;
                }
                let name = match texts.names.get(slot).copied().flatten() {
                    Some(name) => name,
                    None => {
                        let name = push_text(batch, &spec.name)?;
                        if let Some(memo) = texts.names.get_mut(slot) {
                            *memo = Some(name);
                        }
                        name
                    }
                };
                map.put(batch, Key::Node(name), *value)?;
            }
            let map = map.build(batch)?;
            batch.set_part(i, part, map, NONE)?;
            return Ok(());
        }
        if kind(node) != NodeKind::Struct {
            let def = field_util::schema_def(batch, schema)?;
            return Err(not_a_struct(PURPOSE, java_class(node, def)));
        }
        let (_, out) = schemas.derive(batch, schema, |s| self.updated_schema(s), |s| s)?;
        let def = field_util::schema_def(batch, schema)?
            .ok_or_else(|| PluginError::data("a struct value has no schema"))?;
        let view = StructView::new(def, node)?;
        let children = &mut scratch.nodes;
        children.clear();
        for (k, (name, field_schema)) in def.fields.iter().enumerate() {
            let v = view.get(batch, k, self.replace_null_with_default)?;
            check_put(batch, name, *field_schema, v)?;
            children.push(v);
        }
        let added = self.metadata(batch, i, texts)?;
        children.extend(added.iter().flatten().map(|(_, v)| *v));
        let value = new_struct(batch, children)?;
        batch.set_part(i, part, value, out)?;
        Ok(())
    }

    /// The fields to insert and their values for record `i`, in Apache's
    /// order; a partition or timestamp the record lacks is null.
    fn metadata<'s>(
        &'s self,
        batch: &mut Batch,
        i: usize,
        texts: &mut Texts,
    ) -> Result<[Option<(&'s Spec, Node)>; 5]> {
        let desc = batch.desc(i)?;
        let topic = match &self.topic {
            None => None,
            Some(spec) => {
                let node = match texts.topics.get(&desc.topic) {
                    Some(node) => *node,
                    None => {
                        let name = batch.topic(desc.topic)?.to_owned();
                        let node = push_text(batch, &name)?;
                        texts.topics.insert(desc.topic, node);
                        node
                    }
                };
                Some((spec, node))
            }
        };
        let partition = self.partition.as_ref().map(|spec| {
            let node = if desc.partition >= 0 {
                scalar(NodeKind::Int32, i64::from(desc.partition) as u64)
            } else {
                Node::NULL
            };
            (spec, node)
        });
        let offset = match &self.offset {
            None => None,
            // Only sink records carry a Kafka offset.
            Some(_) if desc.offset < 0 => {
                return Err(PluginError::data(format!(
                    "Only SinkRecord supported for [{PURPOSE}], found: org.apache.kafka.connect.source.SourceRecord"
                )));
            }
            Some(spec) => Some((spec, scalar(NodeKind::Int64, desc.offset as u64))),
        };
        let timestamp = self.timestamp.as_ref().map(|spec| {
            let node = match desc.timestamp() {
                Some(ts) => scalar(NodeKind::Int64, ts as u64),
                None => Node::NULL,
            };
            (spec, node)
        });
        let static_field = match (&self.static_field, &self.static_value) {
            (Some(spec), Some(value)) => {
                let node = match texts.static_value {
                    Some(node) => node,
                    None => {
                        let node = push_text(batch, value)?;
                        texts.static_value = Some(node);
                        node
                    }
                };
                Some((spec, node))
            }
            _ => None,
        };
        Ok([topic, partition, offset, timestamp, static_field])
    }

    /// Apache's `makeUpdatedSchema`: the input's name, version, doc,
    /// parameters and fields, then the inserted fields.
    fn updated_schema(&self, schema: &Arc<Schema>) -> Result<Arc<Schema>> {
        let mut fields = schema.fields.clone();
        let typed = |spec: &Spec, t: SchemaType| {
            Arc::new(if spec.optional {
                Schema::optional(t)
            } else {
                Schema::new(t)
            })
        };
        if let Some(spec) = &self.topic {
            add_field(&mut fields, &spec.name, typed(spec, SchemaType::String))?;
        }
        if let Some(spec) = &self.partition {
            add_field(&mut fields, &spec.name, typed(spec, SchemaType::Int32))?;
        }
        if let Some(spec) = &self.offset {
            add_field(&mut fields, &spec.name, typed(spec, SchemaType::Int64))?;
        }
        if let Some(spec) = &self.timestamp {
            let ts = Schema {
                name: Some(TIMESTAMP.to_owned()),
                version: Some(1),
                optional: spec.optional,
                ..Schema::new(SchemaType::Int64)
            };
            add_field(&mut fields, &spec.name, Arc::new(ts))?;
        }
        if let Some(spec) = &self.static_field {
            add_field(&mut fields, &spec.name, typed(spec, SchemaType::String))?;
        }
        Ok(Arc::new(struct_like(schema, fields)))
    }
}

#[cfg(test)]
mod tests;
