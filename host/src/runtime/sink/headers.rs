//! Whether a sink task reads the headers of the messages it consumes.

/// Built-in sink plugins whose code never reads a record's headers
/// (FileStreamSink writes values only; see `plugins/file/src/sink.rs`).
/// Asking librdkafka for a message's headers parses and allocates a header
/// list even when the message has none (a tenth of a sink worker's CPU in
/// the sink benchmark), so a task skips it when nothing downstream can see
/// headers. The contract has no way yet for a plugin to declare this, so
/// the host decides only for the plugins it ships: any other plugin, even
/// one with the same name from another folder, gets headers as always.
const BUILTIN_SINKS_WITHOUT_HEADERS: &[&str] = &["wasmconnect.file.FileStreamSinkConnector"];

/// Whether a sink task must read each message's headers. Not when the sink
/// plugin is a built-in that never reads them, no transform or predicate
/// runs (they may read or move headers), and failed records are not kept
/// (the dead letter queue and the error log carry the original record,
/// headers included).
pub(super) fn needed(plugin: &str, builtin: bool, has_steps: bool, tolerates: bool) -> bool {
    !builtin || has_steps || tolerates || !BUILTIN_SINKS_WITHOUT_HEADERS.contains(&plugin)
}

/// Whether `file` is one of the built-in plugin files the worker ships.
pub(super) fn is_builtin(file: &std::path::Path) -> bool {
    let canonical = |p: &std::path::Path| p.canonicalize().ok();
    match (
        crate::cli::builtin_plugin_dir().and_then(|d| canonical(&d)),
        file.parent().and_then(canonical),
    ) {
        (Some(builtin), Some(dir)) => builtin == dir,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE_SINK: &str = "wasmconnect.file.FileStreamSinkConnector";

    #[test]
    fn only_a_bare_builtin_file_sink_skips_headers() {
        assert!(!needed(FILE_SINK, true, false, false));
        // Another folder's plugin of the same name may read them.
        assert!(needed(FILE_SINK, false, false, false));
        // Transforms and predicates may read or move headers.
        assert!(needed(FILE_SINK, true, true, false));
        // The dead letter queue and the error log keep the whole record.
        assert!(needed(FILE_SINK, true, false, true));
        assert!(needed(
            "wasmconnect.other.SinkConnector",
            true,
            false,
            false
        ));
    }

    #[test]
    fn builtin_files_are_found_by_their_folder() {
        let dir = crate::cli::builtin_plugin_dir().expect("built-in plugins (cargo build)");
        assert!(is_builtin(&dir.join("file.wasm")));
        let elsewhere = tempfile::tempdir().unwrap();
        let copy = elsewhere.path().join("file.wasm");
        std::fs::write(&copy, b"").unwrap();
        assert!(!is_builtin(&copy));
    }
}
