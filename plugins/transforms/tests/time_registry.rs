//! The plugins this component exports, as the host sees them: full names,
//! Apache aliases, versions and every configuration key with its default.

use wasm_connect_sdk::PluginSet;

use wasm_connect_plugin_transforms::Plugins;

#[test]
fn the_registry_configures_them() {
    let registry = Plugins::registry();
    let entry = registry
        .find_transform("wasmconnect.transforms.TimestampRouter")
        .unwrap();
    assert!((entry.create)(wasm_connect_sdk::Config::new()).is_ok());
}
