//! Apache's `JsonConverterConfig`: the keys, their defaults and their
//! validation messages.

use wasm_connect_sdk::prelude::*;

/// `schemas.enable`.
pub const SCHEMAS_ENABLE: &str = "schemas.enable";
/// `schemas.cache.size`.
pub const SCHEMAS_CACHE_SIZE: &str = "schemas.cache.size";
/// `schema.content` (KIP-1054, Kafka 4.1).
pub const SCHEMA_CONTENT: &str = "schema.content";
/// `decimal.format`.
pub const DECIMAL_FORMAT: &str = "decimal.format";
/// `replace.null.with.default`.
pub const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";
/// `converter.type`: set by Apache's worker (key, value or header); the
/// host says the same through the converter's target, so the key is
/// accepted and ignored.
#[cfg(test)]
pub const CONVERTER_TYPE: &str = "converter.type";

/// How Decimal values are written (Apache's `DecimalFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalFormat {
    /// Base64 of the unscaled value's two's-complement bytes.
    Base64,
    /// A JSON number.
    Numeric,
}

/// The converter's settings.
#[derive(Debug, Clone)]
pub struct JsonConfig {
    /// Whether messages carry a `{"schema":...,"payload":...}` envelope.
    pub schemas_enable: bool,
    /// Bound of each schema cache.
    pub cache_size: i32,
    /// How Decimal values are written.
    pub decimal_format: DecimalFormat,
    /// Whether a null with a schema default becomes the default.
    pub replace_null_with_default: bool,
    /// A schema for every message (`schema.content`), as JSON text.
    pub schema_content: Option<String>,
}

impl JsonConfig {
    /// Read and check the settings, with Apache's messages.
    pub fn parse(config: &Config) -> Result<Self> {
        let cache_size = match config.get(SCHEMAS_CACHE_SIZE) {
            None => 1000,
            Some(v) => v.trim().parse::<i32>().map_err(|_| {
                PluginError::config(format!(
                    "Invalid value {v} for configuration {SCHEMAS_CACHE_SIZE}: Not a number of type INT"
                ))
            })?,
        };
        let decimal_format = match config.get(DECIMAL_FORMAT).map(str::trim) {
            None => DecimalFormat::Base64,
            Some(v) if v.eq_ignore_ascii_case("BASE64") => DecimalFormat::Base64,
            Some(v) if v.eq_ignore_ascii_case("NUMERIC") => DecimalFormat::Numeric,
            // The order is that of Apache's HashSet of the two names.
            Some(v) => {
                return Err(PluginError::config(format!(
                    "Invalid value {v} for configuration {DECIMAL_FORMAT}: String must be one of (case insensitive): NUMERIC, BASE64"
                )));
            }
        };
        Ok(Self {
            schemas_enable: config.get_bool(SCHEMAS_ENABLE, true)?,
            cache_size,
            decimal_format,
            replace_null_with_default: config.get_bool(REPLACE_NULL_WITH_DEFAULT, true)?,
            schema_content: config
                .get(SCHEMA_CONTENT)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        })
    }

    /// The configuration keys, as Apache's `JsonConverterConfig` defines
    /// them (documentation paraphrased).
    pub fn defs() -> Vec<ConfigDef> {
        vec![
            ConfigDef::new(SCHEMAS_ENABLE, ConfigType::Boolean)
                .default_value("true")
                .importance(Importance::High)
                .group("Schemas")
                .doc("Include schemas within each of the serialized values and keys."),
            ConfigDef::new(SCHEMAS_CACHE_SIZE, ConfigType::Int)
                .default_value("1000")
                .importance(Importance::High)
                .group("Schemas")
                .doc("The maximum number of schemas that can be cached in this converter instance."),
            ConfigDef::new(SCHEMA_CONTENT, ConfigType::String)
                .default_value("")
                .importance(Importance::High)
                .group("Schemas")
                .doc("When set, this schema (in the converter's JSON schema format) is used for every message and the schemas inside messages are ignored. Applies only when 'schemas.enable' is true, and only when reading (sink connectors)."),
            ConfigDef::new(DECIMAL_FORMAT, ConfigType::String)
                .default_value("BASE64")
                .importance(Importance::Low)
                .group("Serialization")
                .doc("Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'."),
            ConfigDef::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
                .default_value("true")
                .importance(Importance::Low)
                .group("Serialization")
                .doc("Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<JsonConfig> {
        JsonConfig::parse(&pairs.iter().copied().collect())
    }

    #[test]
    fn defaults_are_apaches() {
        let c = cfg(&[]).unwrap();
        assert!(c.schemas_enable);
        assert_eq!(c.cache_size, 1000);
        assert_eq!(c.decimal_format, DecimalFormat::Base64);
        assert!(c.replace_null_with_default);
        assert_eq!(c.schema_content, None);
    }

    #[test]
    fn values_are_checked_with_apaches_messages() {
        assert_eq!(
            cfg(&[(DECIMAL_FORMAT, " numeric ")])
                .unwrap()
                .decimal_format,
            DecimalFormat::Numeric
        );
        assert_eq!(
            cfg(&[(DECIMAL_FORMAT, "hex")]).unwrap_err().message,
            "Invalid value hex for configuration decimal.format: String must be one of (case insensitive): NUMERIC, BASE64"
        );
        assert_eq!(
            cfg(&[(SCHEMAS_CACHE_SIZE, "lots")]).unwrap_err().message,
            "Invalid value lots for configuration schemas.cache.size: Not a number of type INT"
        );
        assert_eq!(
            cfg(&[(SCHEMAS_CACHE_SIZE, "3000000000")])
                .unwrap_err()
                .message,
            "Invalid value 3000000000 for configuration schemas.cache.size: Not a number of type INT"
        );
        assert_eq!(
            cfg(&[(SCHEMAS_ENABLE, "yes")]).unwrap_err().message,
            "Invalid value yes for configuration schemas.enable: Expected value to be either true or false"
        );
        assert!(!cfg(&[(SCHEMAS_ENABLE, "FALSE")]).unwrap().schemas_enable);
        assert!(cfg(&[(CONVERTER_TYPE, "header")]).is_ok());
    }
}
