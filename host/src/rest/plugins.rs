//! `/connector-plugins`: the plugins this worker has, their configuration
//! definitions, and configuration validation.

use axum::extract::{RawQuery, State};
use serde_json::{Value, json};
use wasm_connect_sdk::PluginKind;

use super::{ApiResult, RestState, ok, query_flag, query_values};

/// `GET /connector-plugins[?connectorsOnly=false]`.
pub(super) async fn list(State(state): State<RestState>, RawQuery(query): RawQuery) -> ApiResult {
    let connectors_only = query_values(query.as_deref(), "connectorsOnly").is_empty()
        || query_flag(query.as_deref(), "connectorsOnly");
    let plugins: Vec<Value> = state
        .worker
        .catalog()
        .plugins()
        .iter()
        .filter(|p| {
            !connectors_only
                || matches!(
                    p.manifest.kind,
                    PluginKind::SourceConnector | PluginKind::SinkConnector
                )
        })
        .map(|p| {
            json!({
                "class": p.manifest.name,
                "type": p.manifest.kind.rest_name(),
                "version": p.manifest.version,
            })
        })
        .collect();
    ok(Value::Array(plugins))
}
