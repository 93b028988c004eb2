//! `/connectors/…`: create, read, reconfigure, delete, lifecycle, offsets
//! and active topics.

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use super::{
    ApiError, ApiResult, JsonBody, RestState, nullable_string_map, ok, query_flag, query_values,
    string_map, to_json,
};
use crate::runtime::{OffsetEntry, RestartRequest};
use crate::storage::{Origin, TargetState};

/// `GET /connectors`, with `?expand=status` and/or `?expand=info`
/// (repeatable; unknown expansions are ignored, as Apache does).
pub(super) async fn list(State(state): State<RestState>, RawQuery(query): RawQuery) -> ApiResult {
    let expand = query_values(query.as_deref(), "expand");
    let names = state.worker.connector_names();
    if expand.is_empty() {
        return ok(to_json(&names)?);
    }
    let (status, info) = (
        expand.iter().any(|e| e == "status"),
        expand.iter().any(|e| e == "info"),
    );
    let mut out = Map::new();
    for name in names {
        let mut entry = Map::new();
        if status && let Ok(s) = state.worker.connector_status(&name) {
            entry.insert("status".into(), to_json(&s)?);
        }
        if info && let Ok(i) = state.worker.connector_info(&name) {
            entry.insert("info".into(), to_json(&i)?);
        }
        out.insert(name, Value::Object(entry));
    }
    ok(Value::Object(out))
}

/// Put `name` into `entries`, or check it matches (Apache's
/// `checkAndPutConnectorConfigName`).
fn with_name(
    name: &str,
    mut entries: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, ApiError> {
    match entries.iter().find(|(k, _)| k == "name") {
        Some((_, n)) if n != name => Err(ApiError::bad_request(format!(
            "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
        ))),
        Some(_) => Ok(entries),
        None => {
            entries.push(("name".into(), name.to_owned()));
            Ok(entries)
        }
    }
}

fn created(info: &crate::runtime::ConnectorInfo) -> ApiResult {
    let location = format!("/connectors/{}", info.name);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(to_json(info)?),
    )
        .into_response())
}

/// `POST /connectors`: `{"name": …, "config": {…}, "initial_state": …}`.
pub(super) async fn create(State(state): State<RestState>, JsonBody(body): JsonBody) -> ApiResult {
    let name = match body.get("name") {
        Some(Value::String(n)) => n.trim().to_owned(),
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err(ApiError::bad_request("\"name\" must be a string")),
    };
    let config = match body.get("config") {
        Some(c @ Value::Object(_)) => c,
        _ => {
            return Err(ApiError::bad_request(
                "Request body must have a \"config\" object",
            ));
        }
    };
    let initial = match body.get("initial_state") {
        None | Some(Value::Null) => TargetState::Started,
        Some(Value::String(s)) => match s.to_ascii_uppercase().as_str() {
            "RUNNING" => TargetState::Started,
            "PAUSED" => TargetState::Paused,
            "STOPPED" => TargetState::Stopped,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Invalid initial_state {s}: expected RUNNING, PAUSED or STOPPED"
                )));
            }
        },
        Some(_) => {
            return Err(ApiError::bad_request(
                "initial_state must be RUNNING, PAUSED or STOPPED",
            ));
        }
    };
    let entries = with_name(&name, string_map(config, "config")?)?;
    let info = state
        .worker
        .create_connector(entries, initial, Origin::Rest)
        .await?;
    created(&info)
}

pub(super) async fn info(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(to_json(&state.worker.connector_info(&name)?)?)
}

pub(super) async fn status(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(to_json(&state.worker.connector_status(&name)?)?)
}

pub(super) async fn config(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(Value::Object(state.worker.connector_info(&name)?.config))
}

/// `PUT /connectors/{name}/config`: 201 when created, 200 when replaced.
pub(super) async fn put_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let entries = with_name(&name, string_map(&body, "The connector configuration")?)?;
    let (was_created, info) = state
        .worker
        .put_connector_config(&name, entries, Origin::Rest)
        .await?;
    if was_created {
        created(&info)
    } else {
        ok(to_json(&info)?)
    }
}

/// `PATCH /connectors/{name}/config`: merge; a null removes a key.
pub(super) async fn patch_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let patch = nullable_string_map(&body, "The connector configuration patch")?;
    ok(to_json(
        &state.worker.patch_connector_config(&name, patch).await?,
    )?)
}

pub(super) async fn tasks(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    let tasks: Vec<Value> = state
        .worker
        .task_configs(&name)?
        .into_iter()
        .map(|(id, config)| {
            let config: Map<String, Value> = config
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            json!({ "id": { "connector": id.connector, "task": id.task }, "config": config })
        })
        .collect();
    ok(Value::Array(tasks))
}

/// A task id from the path; anything but a number matches no resource
/// (Apache's JAX-RS answers 404).
fn task_id(raw: &str) -> Result<u32, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found"))
}

pub(super) async fn task_status(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> ApiResult {
    ok(to_json(&state.worker.task_status(&name, task_id(&task)?)?)?)
}

/// `GET /connectors/{name}/tasks/{task}/sandbox` (ours, not Apache's):
/// the task's effective grants and limits.
pub(super) async fn task_sandbox(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> ApiResult {
    ok(state.worker.task_sandbox(&name, task_id(&task)?).await?)
}

pub(super) async fn restart_task(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> ApiResult {
    state.worker.restart_task(&name, task_id(&task)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /connectors/{name}/restart?includeTasks=&onlyFailed=`: 204
/// without flags; 202 with the status (RESTARTING shown) otherwise.
pub(super) async fn restart(
    State(state): State<RestState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let request = RestartRequest {
        include_tasks: query_flag(query.as_deref(), "includeTasks"),
        only_failed: query_flag(query.as_deref(), "onlyFailed"),
    };
    if request.connector_only() {
        state.worker.restart_connector(&name).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let status = state
        .worker
        .restart_connector_and_tasks(&name, request)
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(to_json(&status)?)).into_response())
}

pub(super) async fn pause(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    state.worker.pause(&name).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub(super) async fn resume(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    state.worker.resume(&name).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub(super) async fn stop(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    state.worker.stop(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn delete(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    state.worker.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn offsets(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(state.worker.connector_offsets(&name).await?)
}

/// `PATCH /connectors/{name}/offsets` with
/// `{"offsets": [{"partition": {…}, "offset": {…} | null}]}`.
pub(super) async fn alter_offsets(
    State(state): State<RestState>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let entries = match body.get("offsets") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "Partitions / offsets need to be provided for an alter offsets request",
            ));
        }
        Some(_) => return Err(ApiError::bad_request("\"offsets\" must be a JSON array")),
    };
    let mut offsets: Vec<OffsetEntry> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let partition = match entry.get("partition") {
            Some(Value::Object(p)) => p.clone(),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "offsets[{i}]: \"partition\" must be a JSON object (partitions may not be null)"
                )));
            }
        };
        let offset = match entry.get("offset") {
            Some(Value::Object(o)) => Some(o.clone()),
            None | Some(Value::Null) => None,
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "offsets[{i}]: \"offset\" must be a JSON object or null"
                )));
            }
        };
        offsets.push((partition, offset));
    }
    ok(state.worker.alter_offsets(&name, offsets).await?)
}

pub(super) async fn reset_offsets(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> ApiResult {
    ok(state.worker.reset_offsets(&name).await?)
}

/// `GET /connectors/{name}/topics` (403 when `topic.tracking.enable` is
/// false, as Apache).
pub(super) async fn topics(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    if !state.worker.topic_tracking() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Topic tracking is disabled.",
        ));
    }
    ok(state.worker.active_topics(&name)?)
}

/// `PUT /connectors/{name}/topics/reset`: 202.
pub(super) async fn reset_topics(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> ApiResult {
    if !state.worker.topic_tracking() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Topic tracking is disabled.",
        ));
    }
    if !state.worker.topic_reset_allowed() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Topic tracking reset is disabled.",
        ));
    }
    state.worker.reset_active_topics(&name)?;
    Ok(StatusCode::ACCEPTED.into_response())
}
