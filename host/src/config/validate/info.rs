//! The shapes of the answer (Apache's `ConfigInfos`, `ConfigInfo`,
//! `ConfigKeyInfo`, `ConfigValueInfo`) and how a key's definition and value
//! are shown in them.

use serde::Serialize;
use wasm_connect_sdk::{ConfigDef, ConfigType, Importance};

use crate::config::keys::{HIDDEN, KeyDef, KeyDefault, Width, parse_typed};
use crate::config::providers::contains_variables;

/// Apache's `ConfigInfos`: the whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigInfos {
    /// `connector.class` as the request gave it.
    pub name: String,
    /// How many error messages there are in `configs`.
    pub error_count: usize,
    /// Every group, in the order keys introduce them.
    pub groups: Vec<String>,
    /// Every key.
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// Every error message, in order: what creating the connector reports
    /// (Apache's `maybeAddConfigErrors`).
    pub fn error_messages(&self) -> Vec<&str> {
        self.configs
            .iter()
            .flat_map(|c| c.value.errors.iter().map(String::as_str))
            .collect()
    }
}

/// Apache's `ConfigInfo`: one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigInfo {
    /// The key's definition; `null` for a problem with a key nothing
    /// defines.
    pub definition: Option<ConfigKeyInfo>,
    /// Its value and problems.
    pub value: ConfigValueInfo,
}

/// Apache's `ConfigKeyInfo`, with its fields in the order Apache writes
/// them (`order` last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigKeyInfo {
    /// The key, prefixed as the user writes it.
    pub name: String,
    /// `STRING`, `INT`, `LIST`, `CLASS`, `PASSWORD`, …
    #[serde(rename = "type")]
    pub config_type: &'static str,
    /// Whether the key has no default.
    pub required: bool,
    /// The default as Apache prints it (`[hidden]` for a password).
    pub default_value: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub importance: &'static str,
    /// What the key does.
    pub documentation: String,
    /// Its group.
    pub group: Option<String>,
    /// `NONE`, `SHORT`, `MEDIUM` or `LONG`.
    pub width: &'static str,
    /// Its label.
    pub display_name: String,
    /// Keys whose definitions depend on this one (always empty here).
    pub dependents: Vec<String>,
    /// Its place in its group (-1: none).
    pub order: i32,
}

/// Apache's `ConfigValueInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigValueInfo {
    /// The key.
    pub name: String,
    /// The value as Apache prints the parsed value (`null` when unset
    /// without default, or when it does not parse).
    pub value: Option<String>,
    /// Values a UI may offer (the plugins a `type` key may name).
    pub recommended_values: Vec<String>,
    /// What is wrong with it.
    pub errors: Vec<String>,
    /// Whether a UI should show it (always).
    pub visible: bool,
}

/// `GET /connector-plugins/{plugin}/config`: a plugin's own keys.
pub fn plugin_config_keys(defs: &[ConfigDef]) -> Vec<ConfigKeyInfo> {
    defs.iter().map(|d| Key::from_plugin(d).info("")).collect()
}

/// A key's definition, whoever defines it.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub(super) name: String,
    pub(super) config_type: ConfigType,
    pub(super) required: bool,
    pub(super) default: Option<String>,
    pub(super) importance: Importance,
    pub(super) documentation: String,
    pub(super) group: Option<String>,
    pub(super) order: i32,
    pub(super) width: Width,
    pub(super) display_name: String,
}

impl Key {
    pub(super) fn from_framework(def: &KeyDef) -> Self {
        Self {
            name: def.name.to_owned(),
            config_type: def.config_type,
            required: def.default == KeyDefault::Required,
            default: match def.default {
                KeyDefault::Value(v) => Some(v.to_owned()),
                KeyDefault::Required | KeyDefault::Null => None,
            },
            importance: def.importance,
            documentation: def.documentation.to_owned(),
            group: Some(def.group.to_owned()),
            order: def.order,
            width: def.width,
            display_name: def.display_name.to_owned(),
        }
    }

    /// A plugin's key: no order, no width, its name as its label (Apache's
    /// defaults for a key defined without them).
    pub(super) fn from_plugin(def: &ConfigDef) -> Self {
        Self {
            name: def.name.clone(),
            config_type: def.config_type,
            required: def.default_value.is_none(),
            default: def.default_value.clone(),
            importance: def.importance,
            documentation: def.documentation.clone(),
            group: def.group.clone(),
            order: -1,
            width: Width::None,
            display_name: def.name.clone(),
        }
    }

    /// The definition as shown, the name prefixed with `prefix`.
    pub(super) fn info(&self, prefix: &str) -> ConfigKeyInfo {
        ConfigKeyInfo {
            name: format!("{prefix}{}", self.name),
            config_type: self.config_type.name(),
            required: self.required,
            default_value: self.default.as_deref().map(|d| match self.config_type {
                ConfigType::Password => HIDDEN.to_owned(),
                t => parse_typed(t, d).unwrap_or_else(|_| d.to_owned()),
            }),
            importance: self.importance.name(),
            documentation: self.documentation.clone(),
            group: self.group.clone(),
            width: self.width.name(),
            display_name: self.display_name.clone(),
            dependents: Vec::new(),
            order: self.order,
        }
    }
}

/// Keys in the order Apache's `ConfigDef.embed` gives them: keys without a
/// group first, then by group in order of appearance; within a group by
/// `order`, then required keys first, then by importance, then by name.
pub(super) fn embed_order(mut keys: Vec<Key>) -> Vec<Key> {
    let mut groups: Vec<String> = Vec::new();
    for g in keys.iter().filter_map(|k| k.group.as_ref()) {
        if !groups.contains(g) {
            groups.push(g.clone());
        }
    }
    let rank = |k: &Key| {
        let group = k
            .group
            .as_ref()
            .and_then(|g| groups.iter().position(|x| x == g))
            .map_or(0, |i| i + 1);
        let importance = match k.importance {
            Importance::High => 0,
            Importance::Medium => 1,
            Importance::Low => 2,
        };
        (group, k.order, !k.required, importance, k.name.clone())
    };
    keys.sort_by_key(rank);
    keys
}

/// What `value.value` shows: a password as `[hidden]`, text holding
/// variables as written, otherwise the resolved value parsed and printed
/// as Apache prints it (`None` if it does not parse), or the default.
pub(super) fn shown_value(key: &Key, raw: Option<&str>, resolved: Option<&str>) -> Option<String> {
    if key.config_type == ConfigType::Password && (raw.is_some() || key.default.is_some()) {
        return Some(HIDDEN.to_owned());
    }
    match (raw, resolved) {
        (Some(raw), _) if contains_variables(raw) => Some(raw.to_owned()),
        (_, Some(value)) => parse_typed(key.config_type, value).ok(),
        _ => key
            .default
            .as_deref()
            .map(|d| parse_typed(key.config_type, d).unwrap_or_else(|_| d.to_owned())),
    }
}
