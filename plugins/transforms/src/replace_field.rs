//! Apache's `ReplaceField$Key` and `ReplaceField$Value`: keep, drop and
//! rename the fields of a struct (with a schema) or the entries of a map
//! (without one).

use std::collections::HashMap;
use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, BatchSchemas, Key, KeySide, NameMap, NameSet, SchemaCache, Scratch, Side, SideMarker,
    StructView, ValueSide, add_field, check_put, entry, java_class, key_bytes, key_not_string,
    kind, name_set, new_struct, not_a_map, not_a_struct, push_text, struct_like,
};

/// What Apache's error messages call this transform's work.
const PURPOSE: &str = "field replacement";

const EXCLUDE: &str = "exclude";
const INCLUDE: &str = "include";
const RENAMES: &str = "renames";
/// Deprecated spelling of `exclude` (Apache 3.x; removed in 4.0).
const BLACKLIST: &str = "blacklist";
/// Deprecated spelling of `include` (Apache 3.x; removed in 4.0).
const WHITELIST: &str = "whitelist";

/// `ReplaceField$Key`.
pub type ReplaceFieldKey = ReplaceField<KeySide>;
/// `ReplaceField$Value`.
pub type ReplaceFieldValue = ReplaceField<ValueSide>;

/// The configured field selection and renames.
struct Settings {
    exclude: NameSet,
    include: NameSet,
    /// Old name → position in `new_names`.
    renames: NameMap<usize>,
    new_names: Vec<String>,
    /// New name → old name.
    reverse: HashMap<String, String>,
    replace_null_with_default: bool,
}

/// What a struct schema turns into: the new schema, and for each of its
/// fields the input field it takes its value from (or Apache's error when
/// that field does not exist).
#[derive(Clone)]
struct Derived {
    schema: Arc<Schema>,
    sources: Arc<[Result<usize, String>]>,
    /// Every field stays, in its place, with its schema (renames only):
    /// a struct's values can be kept as they are under the new schema.
    keeps_children: bool,
}

/// Apache's `ReplaceField`, for the key or the value.
pub struct ReplaceField<S: Side> {
    settings: Settings,
    cache: SchemaCache<Derived>,
    side: SideMarker<S>,
}

/// Java's `String.split(":")`: trailing empty strings are dropped, and a
/// string without a colon is one part.
fn split_colon(mapping: &str) -> Vec<&str> {
    if !mapping.contains(':') {
        return vec![mapping];
    }
    let mut parts: Vec<&str> = mapping.split(':').collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// Apache's `parseRenameMappings`: `old:new` pairs, in order.
fn parse_renames(items: &[String]) -> Result<Vec<(String, String)>> {
    let mut renames = Vec::new();
    for item in items {
        match split_colon(item).as_slice() {
            [old, new] => {
                renames.push(((*old).to_owned(), (*new).to_owned()));
            }
            _ => {
                return Err(field_util::invalid(
                    RENAMES,
                    &field_util::java_list(items),
                    &format!("Invalid rename mapping: {item}"),
                ));
            }
        }
    }
    Ok(renames)
}

/// A list key, or its deprecated alias when only that is set (Apache's
/// `ConfigUtils.translateDeprecatedConfigs`).
fn list_or_alias(config: &Config, key: &str, alias: &str) -> Vec<String> {
    let key = if config.get(key).is_none() && config.get(alias).is_some() {
        alias
    } else {
        key
    };
    field_util::list(config, key).unwrap_or_default()
}

impl<S: Side> Transform for ReplaceField<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "ReplaceField",
            Some(S::NAME),
            "Filters or renames the fields of a struct or map.",
        )
        .config(
            ConfigDef::new(EXCLUDE, ConfigType::List)
                .default_value("")
                .importance(Importance::Medium)
                .doc("Fields to exclude. This takes precedence over the fields to include."),
        )
        .config(
            ConfigDef::new(BLACKLIST, ConfigType::List)
                .default_value("null")
                .importance(Importance::Low)
                .doc("Deprecated. Use exclude instead."),
        )
        .config(
            ConfigDef::new(INCLUDE, ConfigType::List)
                .default_value("")
                .importance(Importance::Medium)
                .doc("Fields to include. If specified, only these fields will be used."),
        )
        .config(
            ConfigDef::new(WHITELIST, ConfigType::List)
                .default_value("null")
                .importance(Importance::Low)
                .doc("Deprecated. Use include instead."),
        )
        .config(
            ConfigDef::new(RENAMES, ConfigType::List)
                .default_value("")
                .importance(Importance::Medium)
                .doc("Field rename mappings: a list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>."),
        )
        .config(field_util::replace_null_def())
    }

    fn configure(config: Config) -> Result<Self> {
        let pairs = parse_renames(&field_util::list(&config, RENAMES).unwrap_or_default())?;
        // A later pair for the same old name wins, as in Apache's HashMap.
        let mut renames: Vec<(String, String)> = Vec::new();
        for (old, new) in pairs {
            renames.retain(|(o, _)| *o != old);
            renames.push((old, new));
        }
        let reverse = renames
            .iter()
            .map(|(old, new)| (new.clone(), old.clone()))
            .collect();
        let (old_names, new_names): (Vec<String>, Vec<String>) = renames.into_iter().unzip();
        let settings = Settings {
            exclude: name_set(list_or_alias(&config, EXCLUDE, BLACKLIST)),
            include: name_set(list_or_alias(&config, INCLUDE, WHITELIST)),
            renames: NameMap::new(old_names.into_iter().zip(0..)),
            new_names,
            reverse,
            replace_null_with_default: field_util::boolean(
                &config,
                field_util::REPLACE_NULL_WITH_DEFAULT,
                true,
            )?,
        };
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
        let mut names = vec![None; settings.new_names.len()];
        let mut scratch = Scratch::default();
        for i in 0..batch.len() {
            settings
                .replace(
                    &mut batch,
                    i,
                    S::PART,
                    &mut schemas,
                    &mut names,
                    &mut scratch,
                )
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

impl Settings {
    /// Apache's `filter`: not excluded, and included when there is an
    /// include list.
    fn keep(&self, name: &[u8]) -> bool {
        !self.exclude.contains(name) && (self.include.is_empty() || self.include.contains(name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames
            .get(name.as_bytes())
            .and_then(|i| self.new_names.get(*i))
            .map_or(name, String::as_str)
    }

    fn replace(
        &self,
        batch: &mut Batch,
        i: usize,
        part: Part,
        schemas: &mut BatchSchemas<'_, Derived>,
        names: &mut [Option<Node>],
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
            let map = self.replace_entries(batch, node, names, scratch)?;
            batch.set_part(i, part, map, NONE)?;
            return Ok(());
        }
        if kind(node) != NodeKind::Struct {
            let def = field_util::schema_def(batch, schema)?;
            return Err(not_a_struct(PURPOSE, java_class(node, def)));
        }
        let (derived, out) =
            schemas.derive(batch, schema, |s| self.updated_schema(s), |d| &d.schema)?;
        let def = field_util::schema_def(batch, schema)?
            .ok_or_else(|| PluginError::data("a struct value has no schema"))?;
        let view = StructView::new(def, node)?;
        if derived.keeps_children && !view.any_null(batch)? {
            // Renames only, and no null that could take a default or
            // break a required field: the children stay where they are.
            batch.set_part(i, part, node, out)?;
            return Ok(());
        }
        let children = &mut scratch.nodes;
        children.clear();
        for (field, source) in derived.schema.fields.iter().zip(derived.sources.iter()) {
            let k = *source.as_ref().map_err(|e| PluginError::data(e.clone()))?;
            let v = view.get(batch, k, self.replace_null_with_default)?;
            check_put(batch, &field.name, view.field_schema(k), v)?;
            children.push(v);
        }
        let value = new_struct(batch, children)?;
        batch.set_part(i, part, value, out)?;
        Ok(())
    }

    /// The kept entries of a map, renamed; new names are appended to the
    /// batch once (`names`, by rename).
    fn replace_entries(
        &self,
        batch: &mut Batch,
        map: Node,
        names: &mut [Option<Node>],
        scratch: &mut Scratch,
    ) -> Result<Node> {
        let out = &mut scratch.map;
        for j in 0..map.a as usize {
            let (k, v) = entry(batch, map, j)?;
            let name = key_bytes(batch, k)?.ok_or_else(|| key_not_string(k))?;
            if !self.keep(name) {
                continue;
            }
            if self.renames.is_empty() {
                // Input keys are unique, so nothing can collide.
                out.push(Key::Node(k), v);
                continue;
            }
            let key = match self.renames.get(name).copied() {
                None => k,
                Some(r) => match names.get(r).copied().flatten() {
                    Some(node) => node,
                    None => {
                        let new_name = self.new_names.get(r).map_or("", String::as_str);
                        let node = push_text(batch, new_name)?;
                        if let Some(memo) = names.get_mut(r) {
                            *memo = Some(node);
                        }
                        node
                    }
                },
            };
            out.put(batch, Key::Node(key), v)?;
        }
        out.build(batch)
    }

    /// Apache's `makeUpdatedSchema`, plus where each field's value comes
    /// from (`reverseRenamed`).
    fn updated_schema(&self, schema: &Arc<Schema>) -> Result<Derived> {
        let mut fields = Vec::new();
        for field in &schema.fields {
            if self.keep(field.name.as_bytes()) {
                add_field(&mut fields, self.renamed(&field.name), field.schema.clone())?;
            }
        }
        let sources = fields
            .iter()
            .map(|f| {
                let old = self.reverse.get(&f.name).unwrap_or(&f.name);
                schema
                    .field(old)
                    .map(|(k, _)| k)
                    .ok_or_else(|| format!("{old} is not a valid field name"))
            })
            .collect::<Arc<[_]>>();
        let keeps_children = sources.len() == schema.fields.len()
            && sources
                .iter()
                .enumerate()
                .all(|(k, s)| s.as_ref() == Ok(&k))
            && fields
                .iter()
                .zip(&schema.fields)
                .all(|(new, old)| Arc::ptr_eq(&new.schema, &old.schema));
        Ok(Derived {
            schema: Arc::new(struct_like(schema, fields)),
            sources,
            keeps_children,
        })
    }
}

#[cfg(test)]
mod tests;
