//! `/connector-plugins`: the plugins this worker has, their configuration
//! definitions, and configuration validation.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use wasm_connect_sdk::PluginKind;

use super::{
    ApiError, ApiResult, JsonBody, RestState, ok, query_flag, query_values, string_map, to_json,
};
use crate::config::validate::{ValidateError, Validation, check_plugin_path, plugin_config_keys};
use crate::plugin::{KindClass, PluginInfo};

/// `GET /connector-plugins[?connectorsOnly=false]`.
pub(super) async fn list(State(state): State<RestState>, RawQuery(query): RawQuery) -> ApiResult {
    let connectors_only = query_values(query.as_deref(), "connectorsOnly").is_empty()
        || query_flag(query.as_deref(), "connectorsOnly");
    let catalog = state.worker.catalog();
    let plugins: Vec<Value> = catalog
        .plugins()
        .iter()
        .filter(|p| match p.manifest.kind {
            PluginKind::SourceConnector | PluginKind::SinkConnector => true,
            // Apache lists no config providers here.
            PluginKind::ConfigProvider => false,
            _ => !connectors_only,
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

/// `GET /plugin-files` (ours): every plugin file, the version of it that
/// is loaded (its SHA-256 and its plugins' versions), and what the last
/// hot reload of it did (`SWITCHED`, `LOADED`, `FAILED` with the reason,
/// `REMOVED`).
pub(super) async fn files(State(state): State<RestState>) -> ApiResult {
    ok(state.worker.plugin_files())
}

/// The plugin `name` names, of any kind (as Apache's
/// `GET /connector-plugins/{plugin}/config` accepts any plugin since
/// KIP-769).
fn find_any(state: &RestState, name: &str) -> Result<Arc<PluginInfo>, ApiError> {
    [
        KindClass::Connector,
        KindClass::Converter,
        KindClass::HeaderConverter,
        KindClass::Transform,
        KindClass::Predicate,
    ]
    .into_iter()
    .find_map(|kind| state.worker.catalog().find(kind, name).ok())
    .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("Unknown plugin {name}.")))
}

/// `GET /connector-plugins/{plugin}/config`: the plugin's configuration
/// definitions, from its manifest.
pub(super) async fn config(
    State(state): State<RestState>,
    Path(plugin): Path<String>,
) -> ApiResult {
    let found = find_any(&state, &plugin)?;
    ok(to_json(&plugin_config_keys(&found.manifest.config))?)
}

/// `PUT /connector-plugins/{plugin}/config/validate`: every problem of a
/// connector configuration at once, framework keys included, in Apache's
/// `ConfigInfos` shape. `${…}` references are resolved to check the
/// values, but only their text is shown.
pub(super) async fn validate(
    State(state): State<RestState>,
    Path(plugin): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let entries = string_map(&body, "The connector configuration")?;
    let catalog = state.worker.catalog();
    let invalid = |e: ValidateError| {
        ApiError::new(
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST),
            e.to_string(),
        )
    };
    check_plugin_path(catalog.as_ref(), &plugin, &entries).map_err(invalid)?;
    let mut validation =
        Validation::new(catalog.as_ref(), &entries, Some(state.worker.providers()))
            .map_err(invalid)?;
    // The plugin's own checks too, as Apache calls `Connector.validate`.
    if let Ok(found) = catalog.find(KindClass::Connector, validation.plugin_name()) {
        let config = validation.resolved_config().to_vec();
        let problems = state.worker.plugin_problems(&found, &config).await;
        validation.add_plugin_problems(problems);
    }
    ok(to_json(&validation.finish())?)
}
