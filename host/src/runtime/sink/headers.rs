//! Whether a sink task reads the headers of the messages it consumes.

/// Built-in sink plugins whose code never reads a record's headers
/// (FileStreamSink writes values only; see `plugins/file/src/sink.rs`).
/// Asking librdkafka for a message's headers parses and allocates a header
/// list even when the message has none (a tenth of a sink worker's CPU in
/// the sink benchmark), so a task skips it when nothing downstream can see
/// headers. The contract has no way yet for a plugin to declare this, so
/// the host decides only for the plugins it ships, by full name: built-in
/// plugins are loaded before `plugin.path` and the catalog keeps the first
/// plugin of a full name, so no other component answers to these (the same
/// rule as the bytes fast path's, `runtime/bytes_path.rs`).
const BUILTIN_SINKS_WITHOUT_HEADERS: &[&str] = &["wasmconnect.file.FileStreamSinkConnector"];

/// Whether a sink task must read each message's headers. Not when the sink
/// plugin is a built-in that never reads them, no transform or predicate
/// runs (they may read or move headers), and failed records are not kept
/// (the dead letter queue and the error log carry the original record,
/// headers included).
pub(super) fn needed(plugin: &str, has_steps: bool, tolerates: bool) -> bool {
    has_steps || tolerates || !BUILTIN_SINKS_WITHOUT_HEADERS.contains(&plugin)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE_SINK: &str = "wasmconnect.file.FileStreamSinkConnector";

    #[test]
    fn only_a_bare_builtin_file_sink_skips_headers() {
        assert!(!needed(FILE_SINK, false, false));
        // Transforms and predicates may read or move headers.
        assert!(needed(FILE_SINK, true, false));
        // The dead letter queue and the error log keep the whole record.
        assert!(needed(FILE_SINK, false, true));
        assert!(needed("wasmconnect.other.SinkConnector", false, false));
    }
}
