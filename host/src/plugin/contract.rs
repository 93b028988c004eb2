//! The plugin contract (`wit/plugin.wit`) as the host knows it, and what to
//! tell someone whose component does not match it.
//!
//! A component built for another contract version, for the wrong world, or
//! with a toolchain that added imports the host does not give, is refused
//! with a sentence that names the expected contract version and what is
//! missing, because the person reading it is usually a plugin author
//! trying a first build in Python or JavaScript.

use wasm_connect_sdk::PluginKind;

/// The version of the contract this host speaks, read from `wit/plugin.wit`
/// by the build.
pub const VERSION: &str = env!("WASM_CONNECT_CONTRACT_VERSION");

/// The contract this host speaks, as the WIT names its package.
pub const CONTRACT: &str = concat!(
    "wasm-connect:plugin@",
    env!("WASM_CONNECT_CONTRACT_VERSION")
);

/// The WIT this host was built from, written into projects `plugin new`
/// makes so they build against exactly this contract.
pub const WIT: &str = include_str!("../../../wit/plugin.wit");

/// `wasm-connect:plugin/<name>@<version>`: an interface of this contract.
pub fn interface(name: &str) -> String {
    format!("wasm-connect:plugin/{name}@{VERSION}")
}

/// The interface a plugin of `kind` is called through.
pub fn kind_interface(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::SourceConnector => "source",
        PluginKind::SinkConnector => "sink",
        PluginKind::Converter | PluginKind::HeaderConverter => "converter",
        PluginKind::Transform => "transform",
        PluginKind::Predicate => "predicate",
        PluginKind::ConfigProvider => "config-provider",
    }
}

/// Each world of the WIT with the interfaces it exports, in file order.
///
/// Read from the WIT text (a line scan is enough for a file we write) so
/// that messages list the worlds of this very contract.
pub fn worlds() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    let mut current: Option<(&'static str, Vec<&'static str>)> = None;
    for line in WIT.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("world ") {
            let name = rest.trim_end_matches('{').trim();
            current = Some((name, Vec::new()));
        } else if let Some((_, exports)) = current.as_mut()
            && let Some(export) = line.strip_prefix("export ")
        {
            exports.push(export.trim_end_matches(';').trim());
        } else if line == "}"
            && let Some(world) = current.take()
        {
            out.push(world);
        }
    }
    out
}

/// The names of every world, comma-separated.
fn world_names() -> String {
    worlds()
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The worlds that export `iface`, smallest first.
fn worlds_exporting(iface: &str) -> Vec<&'static str> {
    let mut found: Vec<(&'static str, usize)> = worlds()
        .into_iter()
        .filter(|(_, exports)| exports.contains(&iface))
        .map(|(name, exports)| (name, exports.len()))
        .collect();
    found.sort_by_key(|(_, n)| *n);
    found.into_iter().map(|(name, _)| name).collect()
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names.join(", ")
    }
}

/// Why a component without this contract's `plugins` interface is not a
/// plugin. `exports` are the component's export names; `cause` is what
/// the bindings said when the interface is there but does not match.
pub fn missing_plugins(exports: &[String], cause: &str) -> String {
    let plugins = interface("plugins");
    let ours: Vec<String> = exports
        .iter()
        .filter(|e| e.starts_with("wasm-connect:plugin/"))
        .cloned()
        .collect();
    if exports.contains(&plugins) {
        return format!("its {plugins} does not match the contract: {cause}");
    }
    if ours.is_empty() {
        return format!(
            "it does not export {plugins}, which every plugin exports; it exports {}. \
             Build it for one of the worlds of wit/plugin.wit ({}), contract {VERSION}",
            list(exports),
            world_names()
        );
    }
    let suffix = format!("@{VERSION}");
    if ours.iter().any(|e| e.ends_with(&suffix)) {
        format!(
            "it exports {} but not {plugins}, which every plugin exports. \
             Build it for one of the worlds of wit/plugin.wit ({}), contract {VERSION}",
            ours.join(", "),
            world_names()
        )
    } else {
        format!(
            "it was built for another contract version: it exports {} but this host needs {plugins} \
             (contract {VERSION}). Rebuild it against wit/plugin.wit of contract {VERSION}",
            ours.join(", ")
        )
    }
}

/// Why a plugin whose manifest declares `kind` cannot be used: its
/// component lacks that kind's interface, or has one that does not match
/// (`cause`).
pub fn missing_kind(
    plugin: &str,
    kind: PluginKind,
    exports: &[String],
    cause: Option<&str>,
) -> String {
    let short = kind_interface(kind);
    let iface = interface(short);
    if let Some(cause) = cause.filter(|_| exports.contains(&iface)) {
        return format!(
            "the manifest of {plugin} declares a {}, but the component's {iface} does not match the contract: {cause}",
            kind.rest_name()
        );
    }
    let worlds = worlds_exporting(short);
    let hint = match worlds.first() {
        Some(world) => format!("; build it for a world that exports {short}, such as {world}"),
        None => String::new(),
    };
    // What it exports of this contract; toolchains add exports of their own.
    let ours: Vec<String> = exports
        .iter()
        .filter(|e| e.starts_with("wasm-connect:plugin/"))
        .cloned()
        .collect();
    format!(
        "the manifest of {plugin} declares a {}, but the component does not export {iface} \
         (it exports {}){hint}",
        kind.rest_name(),
        list(if ours.is_empty() { exports } else { &ours })
    )
}

/// The contract's interfaces the host gives plugins (what its worlds
/// import), as `wasm-connect:plugin/<name>@<version>`, joined for a
/// message: "…/host@v, …/batch-ops@v and …/kafka@v".
fn given_interfaces() -> String {
    let mut names: Vec<&str> = Vec::new();
    for line in WIT.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("import ") {
            let name = rest.trim_end_matches(';').trim();
            if !name.contains(':') && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let full: Vec<String> = names.iter().map(|n| interface(n)).collect();
    match full.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// What an import the host cannot satisfy means, from wasmtime's message
/// (which names the import in backquotes).
pub fn unresolved_import(message: &str) -> String {
    let name = message
        .split('`')
        .nth(1)
        .filter(|n| !n.is_empty())
        .unwrap_or("");
    if name.starts_with("wasm-connect:plugin/") {
        format!(
            "it imports {name}, but this host gives {} (contract {VERSION}). \
             Rebuild it against wit/plugin.wit of contract {VERSION}",
            given_interfaces()
        )
    } else if name.starts_with("wasi:http/") {
        format!(
            "it imports {name}, and plugins are given no HTTP interface (only WASI 0.2 and {}). \
             A JavaScript plugin built with componentize-js needs disableFeatures: ['http', 'fetch-event']",
            given_interfaces()
        )
    } else if name.is_empty() {
        format!("its imports do not match what this host gives: {message}")
    } else {
        format!(
            "it imports {name}, which this host does not give (plugins get WASI 0.2 and {}): {message}",
            given_interfaces()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worlds_come_from_the_wit() {
        let worlds = worlds();
        let names: Vec<&str> = worlds.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "plugin",
                "source-plugin",
                "sink-plugin",
                "converter-plugin",
                "transform-plugin",
                "config-provider-plugin"
            ]
        );
        assert_eq!(worlds[4].1, ["plugins", "transform", "predicate"]);
        assert_eq!(
            worlds_exporting("predicate"),
            ["transform-plugin", "plugin"]
        );
        assert!(CONTRACT.ends_with(VERSION));
        assert!(WIT.contains(&format!("package {CONTRACT};")));
    }

    #[test]
    fn imports_are_explained() {
        assert_eq!(
            unresolved_import(
                "component imports instance `wasi:http/types@0.2.3`, but a matching implementation was not found in the linker"
            ),
            format!(
                "it imports wasi:http/types@0.2.3, and plugins are given no HTTP interface (only WASI 0.2 and \
                 wasm-connect:plugin/host@{VERSION}, wasm-connect:plugin/batch-ops@{VERSION} and \
                 wasm-connect:plugin/kafka@{VERSION}). A JavaScript plugin built with componentize-js needs \
                 disableFeatures: ['http', 'fetch-event']"
            )
        );
    }
}
