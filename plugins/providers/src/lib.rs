//! Config providers written as plugins. `JsonFileConfigProvider` resolves
//! `${<name>:<file>:<key>}` from JSON files in one directory — the shape
//! secrets take when a secret store or an orchestrator mounts them as
//! JSON — reading nothing outside that directory.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;
use wasm_connect_sdk::prelude::*;

/// The directory key.
const DIR: &str = "dir";

/// `${json:<file>:<key>}`: the value at `key` in the JSON file `<file>`
/// under `dir`. A key names an object member, or a dotted path through
/// nested objects (`db.password`); strings are given as they are, other
/// values as compact JSON; missing keys and nulls stay unresolved.
pub struct JsonFileConfigProvider {
    dir: PathBuf,
}

impl ConfigProvider for JsonFileConfigProvider {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::ConfigProvider,
            "wasmconnect.providers.JsonFileConfigProvider",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["JsonFileConfigProvider", "JsonFile"])
        .description("Values from JSON files in one directory: ${<name>:<file>:<key>}.")
        .config(
            ConfigDef::new(DIR, ConfigType::String)
                .importance(Importance::High)
                .doc("The directory holding the JSON files. References name files inside it; the provider can read nothing else.")
                .access(PathAccess::ReadDir),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let dir = config
            .get_non_empty(DIR)
            .ok_or_else(|| PluginError::config("Missing required configuration \"dir\""))?;
        Ok(Self { dir: dir.into() })
    }

    fn get(&mut self, path: &str, keys: &[String]) -> Result<Vec<(String, String)>> {
        let file = self.file(path)?;
        let text = std::fs::read_to_string(&file)
            .map_err(|e| PluginError::config(format!("cannot read {}: {e}", file.display())))?;
        // serde_json's messages name a line and column, never the content.
        let json: Value = serde_json::from_str(&text).map_err(|e| {
            PluginError::config(format!("{} is not valid JSON: {e}", file.display()))
        })?;
        Ok(keys
            .iter()
            .filter_map(|key| lookup(&json, key).map(|v| (key.clone(), v)))
            .collect())
    }
}

impl JsonFileConfigProvider {
    /// The file `path` names, which must lie inside the directory: no
    /// `..`, and an absolute path only when it starts with the directory.
    fn file(&self, path: &str) -> Result<PathBuf> {
        let p = Path::new(path);
        let relative = if p.is_absolute() {
            p.strip_prefix(&self.dir).map_err(|_| outside(path))?
        } else {
            p
        };
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !plain || relative.as_os_str().is_empty() {
            return Err(outside(path));
        }
        Ok(self.dir.join(relative))
    }
}

fn outside(path: &str) -> PluginError {
    PluginError::config(format!(
        "{path} is not a file inside the provider's directory"
    ))
}

/// The value at `key`: a member named `key`, else a dotted path.
fn lookup(json: &Value, key: &str) -> Option<String> {
    let found = json
        .get(key)
        .or_else(|| key.split('.').try_fold(json, |node, part| node.get(part)))?;
    match found {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

wasm_connect_sdk::export_plugins!(config_provider: [JsonFileConfigProvider]);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    fn provider(dir: &Path) -> JsonFileConfigProvider {
        JsonFileConfigProvider::configure(Config::from(vec![(
            DIR.to_string(),
            dir.display().to_string(),
        )]))
        .unwrap()
    }

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_by_member_or_dotted_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("db.json"),
            r#"{"user": "app", "db": {"password": "pw", "port": 5432}, "a.b": "flat", "n": null}"#,
        )
        .unwrap();
        let mut p = provider(dir.path());
        let got = p
            .get(
                "db.json",
                &keys(&["user", "db.password", "db.port", "a.b", "n", "missing"]),
            )
            .unwrap();
        assert_eq!(
            got,
            vec![
                ("user".to_string(), "app".to_string()),
                ("db.password".to_string(), "pw".to_string()),
                ("db.port".to_string(), "5432".to_string()),
                ("a.b".to_string(), "flat".to_string()),
            ]
        );
        let absolute = dir.path().join("db.json").display().to_string();
        assert_eq!(p.get(&absolute, &keys(&["user"])).unwrap().len(), 1);
    }

    #[test]
    fn nothing_outside_the_directory_and_no_secret_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.json"), "{\"pw\": \"hunter2\" oops").unwrap();
        let mut p = provider(dir.path());
        for path in ["../etc/passwd", "/etc/passwd", "", "a/../../x.json"] {
            let e = p.get(path, &keys(&["k"])).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Config);
            assert!(
                e.message.contains("not a file inside"),
                "{path}: {}",
                e.message
            );
        }
        let e = p.get("bad.json", &keys(&["pw"])).unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        let e = p.get("none.json", &keys(&["pw"])).unwrap_err();
        assert!(e.message.contains("cannot read"), "{}", e.message);
    }
}
