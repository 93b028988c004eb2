//! JSON bytes → Connect data: Apache's `toConnectData`.

mod convert;
mod schema;

use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::{Batch, Schema};

use crate::config::JsonConfig;
use crate::json::parse::{self, Doc, JKind, Json};
use crate::lru::Lru;
pub use convert::Conv;

/// Apache's message for a message that is not an envelope.
pub const NOT_AN_ENVELOPE: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

/// Apache's message for JSON that cannot be parsed (Apache's own message
/// ends after the colon; the cause, Jackson's message, follows here).
pub const PARSE_FAILED: &str =
    "Converting byte[] to Kafka Connect data failed due to serialization error: ";

/// Reads messages, remembering up to `schemas.cache.size` schemas by their
/// JSON text.
#[derive(Debug)]
pub struct Deserializer {
    schemas_enable: bool,
    replace_null_with_default: bool,
    /// `schema.content`, read at configuration.
    fixed: Option<Arc<Schema>>,
    cache: Lru<Box<[u8]>, Arc<Schema>>,
    /// The schema of the last message, whose text is usually the next
    /// message's too: the parser then skips it.
    last: Option<(Box<[u8]>, Arc<Schema>)>,
    doc: Doc,
    input: Vec<u8>,
}

impl Deserializer {
    /// A deserializer for `config`; fails when `schema.content` is not a
    /// valid schema.
    pub fn new(config: &JsonConfig) -> Result<Self, String> {
        let mut de = Self {
            schemas_enable: config.schemas_enable,
            replace_null_with_default: config.replace_null_with_default,
            fixed: None,
            cache: Lru::new(config.cache_size),
            last: None,
            doc: Doc::default(),
            input: Vec::new(),
        };
        if let Some(content) = &config.schema_content {
            let json = de.doc.parse(content.as_bytes(), None).map_err(|e| {
                format!(
                    "Provided schema is invalid , please recheck the schema you have provided: {}",
                    e.0
                )
            })?;
            let conv = Conv {
                json,
                base: None,
                replace_null_with_default: config.replace_null_with_default,
            };
            let root = json.root();
            de.fixed = if json.kind(root) == JKind::Missing {
                None
            } else {
                conv.schema(root, 0)?
            };
        }
        Ok(de)
    }

    /// Number of schemas in the cache.
    pub fn cached_schemas(&self) -> usize {
        self.cache.len()
    }

    /// Convert the message in `node` (bytes or null) into a value in
    /// `batch`; returns the value's node and its schema's index.
    pub fn deserialize(&mut self, batch: &mut Batch, node: Node) -> Result<(Node, u32), String> {
        match NodeKind::from_u8(node.kind) {
            Some(NodeKind::Null) => return Ok((Node::NULL, NONE)),
            Some(NodeKind::Bytes | NodeKind::String) => {}
            _ => return Err("JsonConverter can only convert bytes to Connect data".into()),
        }
        let start = u32::try_from(node.b).map_err(|_| "the message lies outside the batch")?;
        let mut input = std::mem::take(&mut self.input);
        input.clear();
        input.extend_from_slice(
            batch
                .bytes(start, node.a, "the message")
                .map_err(|e| e.to_string())?,
        );
        let result = self.read(batch, &input, start);
        self.input = input;
        result
    }

    fn read(&mut self, batch: &mut Batch, input: &[u8], start: u32) -> Result<(Node, u32), String> {
        let known = match (&self.last, self.schemas_enable && self.fixed.is_none()) {
            (Some((text, _)), true) => Some(&text[..]),
            _ => None,
        };
        let json = self
            .doc
            .parse(input, known)
            .map_err(|e| format!("{PARSE_FAILED}{}", e.0))?;
        let base = json
            .src_is_input
            .then(|| start + parse::text_offset(input) as u32);
        let conv = Conv {
            json,
            base,
            replace_null_with_default: self.replace_null_with_default,
        };
        let root = json.root();
        let (schema, payload) = if !self.schemas_enable {
            (None, Some(root))
        } else if let Some(fixed) = &self.fixed {
            // schema.content: the message is the payload; an envelope's
            // payload is taken and its schema ignored.
            let payload = if is_envelope(&json, root) {
                json.get(root, "payload")
            } else {
                Some(root)
            };
            (Some(fixed.clone()), payload)
        } else {
            if !is_envelope(&json, root) {
                return Err(NOT_AN_ENVELOPE.into());
            }
            let schema_node = json.get(root, "schema").ok_or(NOT_AN_ENVELOPE)?;
            let schema = match json.kind(schema_node) {
                JKind::Known => self.last.as_ref().map(|(_, s)| s.clone()),
                JKind::Null => None,
                _ => {
                    let text = json.span_text(schema_node);
                    let schema = match self.cache.get(text) {
                        Some(hit) => Some(hit),
                        None => {
                            let built = conv.schema(schema_node, 0)?;
                            if let Some(s) = &built {
                                self.cache.put(text.into(), s.clone());
                            }
                            built
                        }
                    };
                    if let Some(s) = &schema
                        && json.kind(schema_node) == JKind::Obj
                    {
                        self.last = Some((text.into(), s.clone()));
                    }
                    schema
                }
            };
            (schema, json.get(root, "payload"))
        };
        let (node, _) = conv.convert(batch, schema.as_ref(), payload, 0)?;
        let index = match &schema {
            Some(s) => batch.add_schema_arc(s).map_err(|e| e.to_string())?,
            None => NONE,
        };
        Ok((node, index))
    }
}

/// Apache's envelope test: an object of exactly two (distinct) keys,
/// `schema` and `payload`.
fn is_envelope(json: &Json<'_>, root: usize) -> bool {
    json.kind(root) == JKind::Obj
        && json.size(root) == 2
        && json.get(root, "schema").is_some()
        && json.get(root, "payload").is_some()
}
