//! Configuration handed to plugins ([`Config`]) and what plugins declare
//! about themselves ([`Manifest`], [`ConfigDef`]).

use crate::error::PluginError;

/// A configuration: the user's key/value strings, in the user's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The entries, consumed.
    pub fn into_entries(self) -> Vec<(String, String)> {
        self.entries
    }

    /// The value of `key`, if set. A key set twice keeps its last value, as
    /// in a `.properties` file.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Set `key` to `value`, replacing an earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value of `key`, or a config error naming the key.
    pub fn require(&self, key: &str) -> Result<&str, PluginError> {
        self.get(key).ok_or_else(|| {
            PluginError::config(format!(
                "Missing required configuration \"{key}\" which has no default value."
            ))
        })
    }

    /// The value of `key` as a non-empty string, if set and not blank.
    pub fn get_non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The value of `key` as a comma-separated list (Apache's `LIST` type:
    /// items trimmed, empty list for an empty value).
    pub fn get_list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            if v.trim().is_empty() {
                Vec::new()
            } else {
                v.split(',').map(|s| s.trim().to_owned()).collect()
            }
        })
    }

    /// The value of `key` as an integer, `default` when unset, or a config
    /// error naming the key and the value.
    pub fn get_int(&self, key: &str, default: i64) -> Result<i64, PluginError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| {
                PluginError::config(format!(
                    "Invalid value {v} for configuration {key}: Not a number of type INT"
                ))
            }),
        }
    }

    /// The value of `key` as a boolean, `default` when unset.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool, PluginError> {
        match self.get(key).map(str::trim) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(PluginError::config(format!(
                "Invalid value {v} for configuration {key}: Expected value to be either true or false"
            ))),
        }
    }
}

impl From<Vec<(String, String)>> for Config {
    fn from(entries: Vec<(String, String)>) -> Self {
        Self { entries }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut config = Config::new();
        for (k, v) in iter {
            config.set(k, v);
        }
        config
    }
}

/// The kind of a plugin (the WIT `plugin-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PluginKind {
    /// Source connector.
    SourceConnector,
    /// Sink connector.
    SinkConnector,
    /// Key/value converter.
    Converter,
    /// Header converter.
    HeaderConverter,
    /// Single message transform.
    Transform,
    /// Predicate.
    Predicate,
    /// Config provider.
    ConfigProvider,
}

impl PluginKind {
    /// The type name Apache's REST API uses (`source`, `sink`, `converter`,
    /// `header_converter`, `transformation`, `predicate`, `config_provider`).
    pub fn rest_name(self) -> &'static str {
        match self {
            Self::SourceConnector => "source",
            Self::SinkConnector => "sink",
            Self::Converter => "converter",
            Self::HeaderConverter => "header_converter",
            Self::Transform => "transformation",
            Self::Predicate => "predicate",
            Self::ConfigProvider => "config_provider",
        }
    }
}

/// The type of a configuration value (Apache's `ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `true` or `false`.
    Boolean,
    /// Any text.
    String,
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    Long,
    /// A 16-bit integer.
    Short,
    /// A floating-point number.
    Double,
    /// A comma-separated list.
    List,
    /// A plugin name.
    Class,
    /// A secret: never logged or shown.
    Password,
}

impl ConfigType {
    /// Apache's upper-case name (`STRING`, `INT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Long => "LONG",
            Self::Short => "SHORT",
            Self::Double => "DOUBLE",
            Self::List => "LIST",
            Self::Class => "CLASS",
            Self::Password => "PASSWORD",
        }
    }
}

/// How much a setting matters (Apache's `ConfigDef.Importance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

impl Importance {
    /// Apache's upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }
}

/// What a configuration value gives the plugin access to (the WIT
/// `path-access`): the host grants exactly the path the user named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathAccess {
    /// Not a path.
    None,
    /// A file the plugin reads.
    ReadFile,
    /// A file the plugin writes.
    WriteFile,
    /// A directory the plugin reads.
    ReadDir,
    /// A directory the plugin reads and writes.
    WriteDir,
    /// The `bootstrap.servers` of an external Kafka cluster the plugin may
    /// read through [`crate::kafka`]: the key `<name>.bootstrap.servers`
    /// grants the cluster `<name>`, whose client settings are the
    /// connector's `<name>.consumer.*` keys (seen by the host only).
    KafkaCluster,
}

/// One configuration key a plugin understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDef {
    /// The key.
    pub name: String,
    /// The value's type.
    pub config_type: ConfigType,
    /// The default; `None` makes the key required.
    pub default_value: Option<String>,
    /// How much it matters.
    pub importance: Importance,
    /// What it does.
    pub documentation: String,
    /// Its group.
    pub group: Option<String>,
    /// Whether the value is a path to grant.
    pub access: PathAccess,
}

impl ConfigDef {
    /// A required key of `config_type` with medium importance.
    pub fn new(name: impl Into<String>, config_type: ConfigType) -> Self {
        Self {
            name: name.into(),
            config_type,
            default_value: None,
            importance: Importance::Medium,
            documentation: String::new(),
            group: None,
            access: PathAccess::None,
        }
    }

    /// With a default value (the key becomes optional).
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// With an importance.
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = importance;
        self
    }

    /// With documentation.
    pub fn doc(mut self, documentation: impl Into<String>) -> Self {
        self.documentation = documentation.into();
        self
    }

    /// With a group.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Declare the value a path the plugin needs access to.
    pub fn access(mut self, access: PathAccess) -> Self {
        self.access = access;
        self
    }
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Its kind.
    pub kind: PluginKind,
    /// Its full, unique name.
    pub name: String,
    /// Other names users may write (Apache class names, short names).
    pub aliases: Vec<String>,
    /// Its version.
    pub version: String,
    /// One sentence on what it does.
    pub description: String,
    /// Every configuration key it understands.
    pub config: Vec<ConfigDef>,
}

impl Manifest {
    /// A manifest with no aliases and no configuration keys.
    pub fn new(kind: PluginKind, name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            aliases: Vec::new(),
            version: version.into(),
            description: String::new(),
            config: Vec::new(),
        }
    }

    /// With aliases.
    pub fn aliases<I: IntoIterator<Item = S>, S: Into<String>>(mut self, aliases: I) -> Self {
        self.aliases = aliases.into_iter().map(Into::into).collect();
        self
    }

    /// With a description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// With a configuration key.
    pub fn config(mut self, def: ConfigDef) -> Self {
        self.config.push(def);
        self
    }
}

/// A problem with one configuration key (the WIT `config-problem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The key.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_value_wins_and_typed_getters_name_the_key() {
        let c = Config::from(vec![
            ("a".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned()),
            ("list".to_owned(), " x , y ".to_owned()),
            ("bad".to_owned(), "ten".to_owned()),
        ]);
        assert_eq!(c.get("a"), Some("2"));
        assert_eq!(c.get_list("list").unwrap(), vec!["x", "y"]);
        assert_eq!(c.get_int("missing", 7).unwrap(), 7);
        assert_eq!(
            c.get_int("bad", 0).unwrap_err().message,
            "Invalid value ten for configuration bad: Not a number of type INT"
        );
        assert!(c.require("nope").unwrap_err().message.contains("\"nope\""));
    }
}
