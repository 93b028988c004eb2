//! The body of `PUT /connector-plugins/{plugin}/config/validate`: every key
//! a connector configuration may have, each with its definition, its value
//! and its problems, in the shape of Apache Kafka Connect's `ConfigInfos`
//! (`AbstractHerder.validateConnectorConfig`).
//!
//! The keys come in Apache's order: the framework keys (`name`,
//! `connector.class`, …, `errors.*`, and for sinks `topics`, `topics.regex`
//! and the dead letter queue keys), then for each transform alias its
//! `transforms.<alias>.type` and, once the class is known, its implicit
//! `predicate` and `negate` and its own keys (sorted as Apache's
//! `ConfigDef.embed` sorts them), the same for each predicate, then the
//! connector plugin's own keys, then the keys of any converter the
//! configuration overrides (`header.converter.*`, `key.converter.*`,
//! `value.converter.*`). Problems with a key nothing defines come first,
//! without a definition. `error_count` counts every message.
//!
//! A caller uses it in two steps so that the plugin's own `validate` export
//! (a call into its sandbox, which the host does not make yet) can add to
//! the host's checks:
//!
//! ```ignore
//! validate::check_plugin_path(&*catalog, &plugin_in_path, &entries)?; // 400
//! let mut validation = Validation::new(&*catalog, &entries, Some(&providers))?;
//! let problems = call_plugin_validate(validation.plugin_name(), validation.resolved_config()).await?;
//! validation.add_plugin_problems(problems);
//! let body = serde_json::to_value(validation.finish())?;
//! ```
//!
//! Without the plugin's call, [`validate_connector_config`] does it all.
//!
//! Secrets: values are validated after config providers resolved them (as
//! Apache does), but a key whose text holds `${…}` variables shows that
//! text, never the resolved value, and messages quoting a resolved value
//! quote the text instead; passwords always show as `[hidden]`.
//!
//! Not checked (this engine does not implement them): client overrides
//! (`producer.override.*` …) against a policy, and the source-only keys
//! Apache adds for topic creation and exactly-once support.

use std::collections::HashMap;
use std::fmt;

use wasm_connect_sdk::{ConfigDef, ConfigProblem, ConfigType, Importance, Manifest, PluginKind};

use super::connector::{ConnectorConfig, ConnectorType, alias_prefix, check_keys};
use super::keys::{self, Width};
use super::providers::{ConfigProviders, contains_variables};
use super::{KeyProblem, dedupe, get};
use crate::plugin::{KindClass, PluginCatalog};

mod info;
#[cfg(test)]
mod tests;

pub use info::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo, plugin_config_keys};
use info::{Key, embed_order, shown_value};

/// Where validation finds plugins' definitions: the worker's
/// [`PluginCatalog`], or a stand-in in tests.
pub trait PluginDefinitions {
    /// The manifest of the plugin of `class` called `name` (full name or
    /// alias), or a message saying none is, and which there are.
    fn manifest(&self, class: KindClass, name: &str) -> Result<Manifest, String>;

    /// The full names of every plugin of `class`, sorted: Apache's
    /// recommended values for `transforms.<alias>.type`.
    fn plugin_names(&self, class: KindClass) -> Vec<String>;
}

impl PluginDefinitions for PluginCatalog {
    fn manifest(&self, class: KindClass, name: &str) -> Result<Manifest, String> {
        self.find(class, name)
            .map(|p| p.manifest.clone())
            .map_err(|e| e.to_string())
    }

    fn plugin_names(&self, class: KindClass) -> Vec<String> {
        let mut names: Vec<String> = self
            .plugins()
            .iter()
            .filter(|p| KindClass::of(p.manifest.kind) == class)
            .map(|p| p.name().to_owned())
            .collect();
        names.sort();
        names
    }
}

/// Why there is no validation to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidateError {
    /// `connector.class` in the body names another plugin than the path.
    #[error("Included connector type {included} does not match request type {requested}")]
    ClassMismatch {
        /// The body's `connector.class`.
        included: String,
        /// The plugin in the path.
        requested: String,
    },
    /// The body has no `connector.class`. (Apache's message also prints
    /// the whole configuration; this one does not, as it may hold secrets.)
    #[error("Connector config contains no connector type")]
    NoConnectorClass,
    /// No connector plugin has that name.
    #[error("{0}")]
    UnknownConnector(String),
}

impl ValidateError {
    /// The HTTP status Apache answers with: 400 for the first two, 500 for
    /// an unknown class (the herder's exception is not a REST one there).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::ClassMismatch { .. } | Self::NoConnectorClass => 400,
            Self::UnknownConnector(_) => 500,
        }
    }
}

/// Apache's check that the body's `connector.class` is the plugin of the
/// path: after dropping a `Connector` suffix from both, the body's must end
/// with the path's. Names of the same plugin in the catalog also match. A
/// body without `connector.class` passes (and fails in [`Validation::new`]).
pub fn check_plugin_path(
    plugins: &dyn PluginDefinitions,
    requested: &str,
    entries: &[(String, String)],
) -> Result<(), ValidateError> {
    let Some(included) = get(entries, keys::CONNECTOR_CLASS) else {
        return Ok(());
    };
    let normalized = |name: &str| -> String {
        match name.strip_suffix("Connector") {
            Some(short) if !short.is_empty() => short.to_owned(),
            _ => name.to_owned(),
        }
    };
    if normalized(included).ends_with(&normalized(requested)) {
        return Ok(());
    }
    let same = match (
        plugins.manifest(KindClass::Connector, included),
        plugins.manifest(KindClass::Connector, requested),
    ) {
        (Ok(a), Ok(b)) => a.name == b.name,
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(ValidateError::ClassMismatch {
            included: included.to_owned(),
            requested: requested.to_owned(),
        })
    }
}

/// Validate without asking the plugin itself: [`check_plugin_path`], then
/// [`Validation::new`] and [`Validation::finish`].
pub fn validate_connector_config(
    plugins: &dyn PluginDefinitions,
    requested: &str,
    entries: &[(String, String)],
    providers: Option<&ConfigProviders>,
) -> Result<ConfigInfos, ValidateError> {
    check_plugin_path(plugins, requested, entries)?;
    Ok(Validation::new(plugins, entries, providers)?.finish())
}

/// A validation in progress: the host's checks done, the plugin's own
/// still to add.
pub struct Validation {
    name: String,
    plugin: String,
    kind: ConnectorType,
    raw: Vec<(String, String)>,
    resolved: Vec<(String, String)>,
    configs: Vec<ConfigInfo>,
    index: HashMap<String, usize>,
    groups: Vec<String>,
    /// Problems found by the host's checks.
    problems: Vec<KeyProblem>,
    /// Variables that could not be resolved; the other problems of their
    /// keys are left out, as they only follow from the unresolved text.
    lookup_problems: Vec<KeyProblem>,
    /// Problems the plugin's own `validate` found.
    plugin_problems: Vec<KeyProblem>,
}

impl fmt::Debug for Validation {
    // The resolved configuration holds secrets: leave it out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validation")
            .field("name", &self.name)
            .field("plugin", &self.plugin)
            .field("kind", &self.kind)
            .field("keys", &self.configs.len())
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

impl Validation {
    /// Run the host's checks on a connector configuration: its variables
    /// resolved by `providers` (a lookup that fails is a problem of the key
    /// that asked), the framework keys, the transforms and predicates and
    /// their plugins' keys, the connector plugin's keys, and the overridden
    /// converters and their keys.
    pub fn new(
        plugins: &dyn PluginDefinitions,
        entries: &[(String, String)],
        providers: Option<&ConfigProviders>,
    ) -> Result<Self, ValidateError> {
        let raw = dedupe(entries.to_vec());
        let mut lookup_problems = Vec::new();
        let resolved: Vec<(String, String)> = match providers {
            None => raw.clone(),
            Some(providers) => raw
                .iter()
                .zip(providers.resolve_each(&raw))
                .map(|((k, v), r)| match r {
                    Ok(resolved) => (k.clone(), resolved),
                    Err(e) => {
                        lookup_problems.push(KeyProblem::new(k, e.to_string()));
                        (k.clone(), v.clone())
                    }
                })
                .collect(),
        };
        let class = get(&resolved, keys::CONNECTOR_CLASS)
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(ValidateError::NoConnectorClass)?
            .to_owned();
        let connector = plugins
            .manifest(KindClass::Connector, &class)
            .map_err(ValidateError::UnknownConnector)?;
        let kind = match connector.kind {
            PluginKind::SinkConnector => ConnectorType::Sink,
            _ => ConnectorType::Source,
        };
        let (config, mut problems) = ConnectorConfig::parse_checked(resolved.clone());
        if kind == ConnectorType::Sink {
            problems.extend(config.sink_key_problems());
        }

        let mut v = Self {
            name: get(&raw, keys::CONNECTOR_CLASS)
                .unwrap_or(&class)
                .to_owned(),
            plugin: connector.name.clone(),
            kind,
            configs: Vec::new(),
            index: HashMap::new(),
            groups: Vec::new(),
            problems,
            lookup_problems,
            plugin_problems: Vec::new(),
            raw,
            resolved,
        };
        let converters = v.find_converters(plugins, &config);
        v.framework_keys(&connector, &converters);
        v.aliased(plugins, &config);
        for def in &connector.config {
            if !v.index.contains_key(&def.name) {
                let key = Key::from_plugin(def);
                let value = v.value_of(&key, &def.name);
                v.push_key(key, "", value, Vec::new());
            }
        }
        let own = check_keys(&connector.config, &v.resolved, "");
        v.problems.extend(own);
        v.converter_keys(converters);
        Ok(v)
    }

    /// The connector plugin's full name: whose `validate` to call.
    pub fn plugin_name(&self) -> &str {
        &self.plugin
    }

    /// Source or sink.
    pub fn kind(&self) -> ConnectorType {
        self.kind
    }

    /// The configuration with its variables resolved: what to pass to the
    /// plugin's `validate`. It holds secrets; never log it.
    pub fn resolved_config(&self) -> &[(String, String)] {
        &self.resolved
    }

    /// Add the problems the plugin's own `validate` found. A problem of a
    /// key the host already found wrong is dropped: it is almost always the
    /// same one in other words (a missing key, a bad number), and Apache
    /// shows the definition's check alone for those.
    pub fn add_plugin_problems(&mut self, problems: impl IntoIterator<Item = ConfigProblem>) {
        self.plugin_problems.extend(
            problems
                .into_iter()
                .map(|p| KeyProblem::new(p.name, p.message)),
        );
    }

    /// The answer, every problem under its key.
    pub fn finish(mut self) -> ConfigInfos {
        let lookups = std::mem::take(&mut self.lookup_problems);
        let host: Vec<KeyProblem> = std::mem::take(&mut self.problems)
            .into_iter()
            .filter(|p| !lookups.iter().any(|l| l.key == p.key))
            .collect();
        let plugin: Vec<KeyProblem> = std::mem::take(&mut self.plugin_problems)
            .into_iter()
            .filter(|p| !lookups.iter().chain(&host).any(|h| h.key == p.key))
            .collect();
        let problems: Vec<KeyProblem> = lookups.into_iter().chain(host).chain(plugin).collect();
        let mut undefined: Vec<ConfigInfo> = Vec::new();
        for p in problems {
            let message = self.redact(&p.key, p.message);
            let value = match self.index.get(&p.key) {
                Some(&i) => &mut self.configs[i].value,
                None => undefined_slot(&mut undefined, &p.key),
            };
            if !value.errors.contains(&message) {
                value.errors.push(message);
            }
        }
        undefined.append(&mut self.configs);
        ConfigInfos {
            error_count: undefined.iter().map(|c| c.value.errors.len()).sum(),
            name: self.name,
            groups: self.groups,
            configs: undefined,
        }
    }

    /// The framework keys; a plugin's own definition of one of them takes
    /// its place (Apache's `putAll`).
    fn framework_keys(&mut self, connector: &Manifest, converters: &[FoundConverter]) {
        for def in keys::framework_keys(self.kind) {
            let key = match connector.config.iter().find(|d| d.name == def.name) {
                Some(own) => Key::from_plugin(own),
                None => Key::from_framework(def),
            };
            let value = match converters.iter().find(|c| c.key == def.name) {
                Some(c) => c.manifest.as_ref().map(|m| m.name.clone()),
                None => self.value_of(&key, def.name),
            };
            self.push_key(key, "", value, Vec::new());
        }
    }

    /// The converters the configuration overrides, looked up; a name that
    /// matches no plugin is a problem of its key.
    fn find_converters(
        &mut self,
        plugins: &dyn PluginDefinitions,
        config: &ConnectorConfig,
    ) -> Vec<FoundConverter> {
        let wanted = [
            (
                keys::HEADER_CONVERTER,
                KindClass::HeaderConverter,
                "header",
                &config.header_converter,
            ),
            (
                keys::KEY_CONVERTER,
                KindClass::Converter,
                "key",
                &config.key_converter,
            ),
            (
                keys::VALUE_CONVERTER,
                KindClass::Converter,
                "value",
                &config.value_converter,
            ),
        ];
        let mut out = Vec::new();
        for (key, class, role, spec) in wanted {
            let Some(spec) = spec else { continue };
            let manifest = plugins
                .manifest(class, &spec.class)
                .map_err(|e| {
                    self.problems
                        .push(KeyProblem::invalid(key, &spec.class, &e))
                })
                .ok();
            let mut settings = spec.config.clone();
            // Apache tells a converter its role this way.
            if get(&settings, "converter.type").is_none() {
                settings.push(("converter.type".to_owned(), role.to_owned()));
            }
            out.push(FoundConverter {
                key,
                manifest,
                settings,
            });
        }
        out
    }

    /// Each found converter's keys, prefixed but otherwise as the converter
    /// defines them (Apache's `prefixedConfigInfos`).
    fn converter_keys(&mut self, converters: Vec<FoundConverter>) {
        for c in converters {
            let Some(m) = c.manifest else { continue };
            let prefix = format!("{}.", c.key);
            for def in &m.config {
                let key = Key::from_plugin(def);
                let value = shown_value(
                    &key,
                    get(&self.raw, &format!("{prefix}{}", def.name)),
                    get(&c.settings, &def.name),
                );
                self.push_key(key, &prefix, value, Vec::new());
            }
            self.problems
                .extend(check_keys(&m.config, &c.settings, &prefix));
        }
    }

    /// The keys of each transform alias, then of each predicate alias.
    fn aliased(&mut self, plugins: &dyn PluginDefinitions, config: &ConnectorConfig) {
        for t in &config.transforms {
            self.alias_keys(plugins, AliasKind::TRANSFORM, &t.alias, &t.class, &t.config);
        }
        for p in &config.predicates {
            self.alias_keys(plugins, AliasKind::PREDICATE, &p.alias, &p.class, &p.config);
        }
    }

    /// `<list>.<alias>.type`, and when its plugin is found, the plugin's
    /// keys embedded under the alias (`settings`: the alias's keys, prefix
    /// removed).
    fn alias_keys(
        &mut self,
        plugins: &dyn PluginDefinitions,
        list: AliasKind,
        alias: &str,
        class: &str,
        settings: &[(String, String)],
    ) {
        let prefix = alias_prefix(list.key, alias);
        let group = format!("{}: {alias}", list.group);
        let type_key = format!("{prefix}{}", keys::TYPE);
        let found = if class.is_empty() {
            None
        } else {
            plugins
                .manifest(list.class, class)
                .map_err(|e| {
                    self.problems
                        .push(KeyProblem::invalid(&type_key, class, &e))
                })
                .ok()
        };
        let type_def = Key {
            name: type_key.clone(),
            config_type: ConfigType::Class,
            required: true,
            default: None,
            importance: Importance::High,
            documentation: format!("Class for the '{alias}' {}.", list.noun),
            group: Some(group.clone()),
            order: 0,
            width: Width::Long,
            display_name: format!("{} type for {alias}", list.display),
        };
        let value = found.as_ref().map(|m| m.name.clone());
        self.push_key(type_def, "", value, plugins.plugin_names(list.class));
        let Some(manifest) = found else { return };
        let own: Vec<ConfigDef> = manifest
            .config
            .into_iter()
            .filter(|d| !list.implicit.contains(&d.name.as_str()))
            .collect();
        let mut children: Vec<Key> = list.implicit_keys();
        children.extend(own.iter().map(Key::from_plugin));
        for (order, mut child) in (1..).zip(embed_order(children)) {
            child.group = Some(match &child.group {
                Some(g) => format!("{group}: {g}"),
                None => group.clone(),
            });
            child.order = order;
            let full = format!("{prefix}{}", child.name);
            let value = self.value_of(&child, &full);
            self.push_key(child, &prefix, value, Vec::new());
        }
        self.problems.extend(check_keys(&own, settings, &prefix));
    }

    /// What `value.value` shows for `key`, found under `full_name`.
    fn value_of(&self, key: &Key, full_name: &str) -> Option<String> {
        shown_value(
            key,
            get(&self.raw, full_name),
            get(&self.resolved, full_name),
        )
    }

    /// Add a key (its name prefixed with `prefix`) and its group.
    fn push_key(
        &mut self,
        key: Key,
        prefix: &str,
        value: Option<String>,
        recommended: Vec<String>,
    ) {
        if let Some(g) = &key.group
            && !self.groups.contains(g)
        {
            self.groups.push(g.clone());
        }
        let info = key.info(prefix);
        let name = info.name.clone();
        self.index.entry(name.clone()).or_insert(self.configs.len());
        self.configs.push(ConfigInfo {
            definition: Some(info),
            value: ConfigValueInfo {
                name,
                value,
                recommended_values: recommended,
                errors: Vec::new(),
                visible: true,
            },
        });
    }

    /// `message` without the resolved value of `key` when its text holds
    /// variables: the text is quoted instead.
    fn redact(&self, key: &str, message: String) -> String {
        let (Some(raw), Some(resolved)) = (get(&self.raw, key), get(&self.resolved, key)) else {
            return message;
        };
        if raw == resolved || !contains_variables(raw) {
            return message;
        }
        let resolved = resolved.trim();
        let exact = format!("Invalid value {resolved} for configuration {key}");
        let message = message.replace(
            &exact,
            &format!("Invalid value {raw} for configuration {key}"),
        );
        if resolved.is_empty() || !message.contains(resolved) {
            return message;
        }
        message.replace(resolved, raw)
    }
}

/// The entry of `key` among the keys nothing defines, added if missing.
/// Its value stays `null`: with no type known, it could be a secret.
fn undefined_slot<'a>(undefined: &'a mut Vec<ConfigInfo>, key: &str) -> &'a mut ConfigValueInfo {
    let at = match undefined.iter().position(|c| c.value.name == key) {
        Some(at) => at,
        None => {
            undefined.push(ConfigInfo {
                definition: None,
                value: ConfigValueInfo {
                    name: key.to_owned(),
                    value: None,
                    recommended_values: Vec::new(),
                    errors: Vec::new(),
                    visible: true,
                },
            });
            undefined.len() - 1
        }
    };
    &mut undefined[at].value
}

/// A converter the configuration overrides.
struct FoundConverter {
    /// `key.converter`, `value.converter` or `header.converter`.
    key: &'static str,
    /// Its plugin, if the name matched one.
    manifest: Option<Manifest>,
    /// Its `<key>.*` settings, prefix removed, with `converter.type`.
    settings: Vec<(String, String)>,
}

/// What differs between the transforms' and the predicates' keys.
#[derive(Debug, Clone, Copy)]
struct AliasKind {
    key: &'static str,
    class: KindClass,
    group: &'static str,
    noun: &'static str,
    display: &'static str,
    /// Keys every alias of this kind has besides its plugin's.
    implicit: &'static [&'static str],
}

impl AliasKind {
    const TRANSFORM: Self = Self {
        key: keys::TRANSFORMS,
        class: KindClass::Transform,
        group: keys::TRANSFORMS_GROUP,
        noun: "transformation",
        display: "Transformation",
        implicit: &[keys::PREDICATE, keys::NEGATE],
    };

    const PREDICATE: Self = Self {
        key: keys::PREDICATES,
        class: KindClass::Predicate,
        group: keys::PREDICATES_GROUP,
        noun: "predicate",
        display: "Predicate",
        implicit: &[],
    };

    /// The implicit keys' definitions (a transform's `predicate` and
    /// `negate`).
    fn implicit_keys(self) -> Vec<Key> {
        if self.implicit.is_empty() {
            return Vec::new();
        }
        let implicit = |name: &str, config_type, default: Option<&str>, doc: &str| Key {
            name: name.to_owned(),
            config_type,
            required: false,
            default: default.map(str::to_owned),
            importance: Importance::Medium,
            documentation: doc.to_owned(),
            group: None,
            order: -1,
            width: Width::None,
            display_name: name.to_owned(),
        };
        vec![
            implicit(
                keys::PREDICATE,
                ConfigType::String,
                None,
                "The alias of a predicate used to determine whether to apply this transformation.",
            ),
            implicit(
                keys::NEGATE,
                ConfigType::Boolean,
                Some("false"),
                "Whether the configured predicate should be negated.",
            ),
        ]
    }
}
