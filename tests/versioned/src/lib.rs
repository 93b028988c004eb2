//! `test.Stamp`, a transform that appends `|v<major>` to every string
//! value, where the version (`1.0.0`, `2.0.0`, …) is chosen when the crate
//! is built (`WASM_CONNECT_TEST_VERSION`). The hot reload test builds it
//! twice and swaps the files under a running pipeline; the stamp on each
//! record shows which version handled it. Built with
//! `WASM_CONNECT_TEST_VERSION=broken`, its `configure` fails: a new
//! version that cannot start.

use wasm_connect_sdk::prelude::*;

/// The version this build reports.
const VERSION: &str = match option_env!("WASM_CONNECT_TEST_VERSION") {
    Some(v) => v,
    None => "1.0.0",
};

/// The transform.
pub struct Stamp {
    stamp: String,
}

impl Transform for Stamp {
    fn manifest() -> Manifest {
        Manifest::new(PluginKind::Transform, "test.Stamp", VERSION)
            .description("Appends |v<major version> to string values.")
    }

    fn configure(_config: Config) -> Result<Self> {
        if VERSION == "broken" {
            return Err(PluginError::config(
                "this build of test.Stamp refuses to start (on purpose)",
            ));
        }
        let major = VERSION.split('.').next().unwrap_or(VERSION);
        Ok(Self {
            stamp: format!("|v{major}"),
        })
    }

    fn apply(&mut self, records: Batch) -> Result<Batch> {
        records.map_records(|mut record| {
            if let Value::String(s) = &mut record.value {
                s.push_str(&self.stamp);
            }
            Ok(Some(record))
        })
    }
}

wasm_connect_sdk::export_plugins!(transform: [Stamp]);
