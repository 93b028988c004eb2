//! Configuration values parsed as Apache's `ConfigDef` parses them:
//! strings trimmed, lists split on commas, Apache's error wording.

use wasm_connect_sdk::prelude::*;

/// Java's `String.trim()`: strips every char up to U+0020 at both ends.
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// A `STRING` key: trimmed, `None` when unset (Apache's `null` default).
pub fn string(config: &Config, key: &str) -> Option<String> {
    config.get(key).map(|v| java_trim(v).to_owned())
}

/// A required `STRING` key, trimmed.
pub fn required_string(config: &Config, key: &str) -> Result<String> {
    config.require(key).map(|v| java_trim(v).to_owned())
}

/// Whether `c` is in Java's regex class `\s`.
fn java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// A `LIST` key as Apache splits it: the value trimmed, then split on
/// `\s*,\s*` keeping empty items; an empty value is an empty list.
pub fn list(config: &Config, key: &str) -> Option<Vec<String>> {
    config.get(key).map(|v| {
        let v = java_trim(v);
        if v.is_empty() {
            return Vec::new();
        }
        v.split(',')
            .map(|item| item.trim_matches(java_space).to_owned())
            .collect()
    })
}

/// A `BOOLEAN` key (case-insensitive `true`/`false`, trimmed).
pub fn boolean(config: &Config, key: &str, default: bool) -> Result<bool> {
    match config.get(key) {
        None => Ok(default),
        Some(v) if java_trim(v).eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if java_trim(v).eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(invalid(key, v, "Expected value to be either true or false")),
    }
}

/// An `INT` key with a `null` default.
pub fn int(config: &Config, key: &str) -> Result<Option<i32>> {
    match config.get(key) {
        None => Ok(None),
        Some(v) => java_trim(v)
            .parse()
            .map(Some)
            .map_err(|_| invalid(key, v, "Not a number of type INT")),
    }
}

/// Apache's `ConfigException(name, value, message)`.
pub fn invalid(key: &str, value: &str, message: &str) -> PluginError {
    PluginError::config(format!(
        "Invalid value {value} for configuration {key}: {message}"
    ))
}

/// A list as Java's `List.toString()` prints it: `[a, b]`.
pub fn java_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// Apache's `NonEmptyListValidator` on a required `LIST` key.
pub fn non_empty_list(config: &Config, key: &str) -> Result<Vec<String>> {
    config.require(key)?;
    let items = list(config, key).unwrap_or_default();
    if items.is_empty() {
        return Err(invalid(key, "[]", "Empty list"));
    }
    Ok(items)
}
