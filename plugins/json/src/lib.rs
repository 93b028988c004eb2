//! JsonConverter, with Apache's class name as an alias and Apache's
//! behaviour: the bytes Apache's `org.apache.kafka.connect.json.JsonConverter`
//! writes (with Jackson's formatting) are the bytes this writes, and what
//! it reads, this reads, with the same errors.
//!
//! Where a wasm-connect batch cannot hold what Apache would hold (a
//! `BigDecimal` whose scale differs from its schema's, a `java.util.Date`
//! under a schema that is not its base type), the record is refused with a
//! data error that says so, rather than changed silently.
#![deny(missing_docs)]

mod base64;
mod config;
pub mod decimal;
mod deserialize;
mod json;
mod logical;
mod lru;
mod nodes;
mod serialize;

use wasm_connect_sdk::layout::{NONE, Node, Part};
use wasm_connect_sdk::prelude::*;

use crate::config::JsonConfig;
use crate::deserialize::Deserializer;
pub use crate::deserialize::{NOT_AN_ENVELOPE, PARSE_FAILED};
use crate::serialize::{BatchSchemas, Serializer, Settings};

wasm_connect_sdk::export_plugins!(converter: [JsonConverter]);

/// Apache's `JsonConverter`: Connect data as JSON, by default inside a
/// `{"schema":...,"payload":...}` envelope. Also a header converter.
#[derive(Debug)]
pub struct JsonConverter {
    /// What this instance converts: keys, values or headers.
    target: Target,
    serializer: Serializer,
    deserializer: Deserializer,
}

impl JsonConverter {
    /// Number of schemas cached for writing (Apache's
    /// `sizeOfFromConnectSchemaCache`).
    pub fn from_connect_cache_size(&self) -> usize {
        self.serializer.cached_schemas()
    }

    /// Number of schemas cached for reading (Apache's
    /// `sizeOfToConnectSchemaCache`).
    pub fn to_connect_cache_size(&self) -> usize {
        self.deserializer.cached_schemas()
    }
}

/// Where a converter target lives in a batch.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Record `i`'s key or value.
    Part(Part),
    /// Header descriptor `j`.
    Header(usize),
}

/// Every (record index, slot) the converter converts, in order.
fn slots(batch: &Batch, target: Target) -> Result<Vec<(usize, Slot)>> {
    let mut out = Vec::new();
    for i in 0..batch.len() {
        match target {
            Target::Key => out.push((i, Slot::Part(Part::Key))),
            Target::Value => out.push((i, Slot::Part(Part::Value))),
            Target::Headers => {
                let d = batch
                    .desc(i)
                    .map_err(|e| PluginError::from(e).at_record(i))?;
                for j in d.header_start..d.header_start.saturating_add(d.header_count) {
                    out.push((i, Slot::Header(j as usize)));
                }
            }
        }
    }
    Ok(out)
}

fn read(batch: &Batch, i: usize, slot: Slot) -> Result<(Node, u32)> {
    let r = match slot {
        Slot::Part(part) => batch.part(i, part),
        Slot::Header(j) => batch.header_desc(j).map(|h| (h.value, h.schema)),
    };
    r.map_err(|e| PluginError::from(e).at_record(i))
}

fn write(batch: &mut Batch, i: usize, slot: Slot, node: Node, schema: u32) -> Result<()> {
    let r = match slot {
        Slot::Part(part) => batch.set_part(i, part, node, schema),
        Slot::Header(j) => batch.header_desc(j).and_then(|mut h| {
            h.value = node;
            h.schema = schema;
            batch.set_header_desc(j, &h)
        }),
    };
    r.map_err(|e| PluginError::from(e).at_record(i))
}

impl Converter for JsonConverter {
    const HEADERS: bool = true;

    fn manifest() -> Manifest {
        let mut manifest = Manifest::new(
            PluginKind::Converter,
            "wasmconnect.json.JsonConverter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.json.JsonConverter"])
        .description(
            "Converts between Connect data and JSON, with the schema in a schema/payload envelope unless schemas.enable=false.",
        );
        for def in JsonConfig::defs() {
            manifest = manifest.config(def);
        }
        manifest
    }

    fn configure(config: Config, target: Target) -> Result<Self> {
        // `converter.type` is accepted and, as in Apache's worker (which
        // overwrites it), the target decides.
        let config = JsonConfig::parse(&config)?;
        let settings = Settings {
            decimal_format: config.decimal_format,
            replace_null_with_default: config.replace_null_with_default,
        };
        Ok(Self {
            target,
            serializer: Serializer::new(settings, config.schemas_enable, config.cache_size),
            deserializer: Deserializer::new(&config).map_err(PluginError::config)?,
        })
    }

    fn from_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let mut schemas = BatchSchemas::new(batch).map_err(PluginError::data)?;
        for (i, slot) in slots(batch, self.target)? {
            let (node, schema) = read(batch, i, slot)?;
            let bytes = self
                .serializer
                .serialize(batch, &mut schemas, node, schema)
                .map_err(|m| PluginError::data(m).at_record(i))?;
            let node = match bytes {
                None => Node::NULL,
                Some(bytes) => {
                    let (start, len) = batch
                        .push_bytes(bytes)
                        .map_err(|e| PluginError::from(e).at_record(i))?;
                    Node::bytes(start, len)
                }
            };
            write(batch, i, slot, node, NONE)?;
        }
        Ok(())
    }

    fn to_connect(&mut self, batch: &mut Batch) -> Result<()> {
        for (i, slot) in slots(batch, self.target)? {
            let (node, _) = read(batch, i, slot)?;
            let (node, schema) = self
                .deserializer
                .deserialize(batch, node)
                .map_err(|m| PluginError::data(m).at_record(i))?;
            write(batch, i, slot, node, schema)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_connect_sdk::PluginSet;

    #[test]
    fn manifest_names_apaches_class_and_keys() {
        let registry = Plugins::registry();
        let manifest = &registry.manifests()[0];
        assert_eq!(manifest.name, "wasmconnect.json.JsonConverter");
        assert_eq!(
            manifest.aliases,
            vec!["org.apache.kafka.connect.json.JsonConverter"]
        );
        assert_eq!(manifest.kind, PluginKind::Converter);
        let keys: Vec<(&str, Option<&str>)> = manifest
            .config
            .iter()
            .map(|d| (d.name.as_str(), d.default_value.as_deref()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("schemas.enable", Some("true")),
                ("schemas.cache.size", Some("1000")),
                ("schema.content", Some("")),
                ("decimal.format", Some("BASE64")),
                ("replace.null.with.default", Some("true")),
            ]
        );
    }
}
