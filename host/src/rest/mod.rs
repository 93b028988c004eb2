//! The Kafka Connect REST API: Apache's paths, JSON shapes, status codes and
//! `{"error_code": …, "message": …}` error bodies.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::runtime::{Worker, WorkerError};

/// What handlers share.
#[derive(Clone)]
pub struct RestState {
    /// The worker.
    pub worker: Arc<Worker>,
    /// The Kafka cluster id, once known.
    pub cluster_id: Arc<OnceLock<String>>,
}

/// An error response in Apache's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error_code": self.status.as_u16(), "message": self.message });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<WorkerError> for ApiError {
    fn from(e: WorkerError) -> Self {
        let status = match &e {
            WorkerError::NotFound(_) => StatusCode::NOT_FOUND,
            WorkerError::AlreadyExists(_) => StatusCode::CONFLICT,
            WorkerError::InvalidConfig(_) | WorkerError::UnknownPlugin(_) => {
                StatusCode::BAD_REQUEST
            }
        };
        Self::new(status, e.to_string())
    }
}

type ApiResult = Result<Response, ApiError>;

/// The router with every endpoint of this version.
pub fn router(state: RestState) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/connectors", get(list_connectors).post(create_connector))
        .route(
            "/connectors/{name}",
            get(get_connector).delete(delete_connector),
        )
        .route("/connectors/{name}/status", get(connector_status))
        .route("/connectors/{name}/config", get(connector_config))
        .route("/connectors/{name}/tasks", get(connector_tasks))
        .route("/connector-plugins", get(connector_plugins))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}

fn ok(value: Value) -> ApiResult {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn root(State(state): State<RestState>) -> ApiResult {
    ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("WASM_CONNECT_COMMIT").unwrap_or("unknown"),
        "kafka_cluster_id": state.cluster_id.get(),
    }))
}

/// `GET /connectors`, with `?expand=status` and/or `?expand=info`
/// (repeatable; unknown expansions are ignored, as Apache does).
async fn list_connectors(State(state): State<RestState>, RawQuery(query): RawQuery) -> ApiResult {
    let expand: Vec<String> = query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == "expand")
        .map(|(_, v)| v.to_owned())
        .collect();
    let names = state.worker.connector_names();
    let (status, info) = (
        expand.iter().any(|e| e == "status"),
        expand.iter().any(|e| e == "info"),
    );
    if !status && !info {
        return ok(to_json(&names)?);
    }
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

/// The request body as JSON, with Apache's answers for a wrong content
/// type (415) and malformed JSON (400).
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "HTTP 415 Unsupported Media Type: send the body as application/json",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Request body is not valid JSON: {e}"),
        )
    })
}

/// A JSON object of strings, as Apache's `Map<String, String>` accepts it
/// (numbers and booleans become their text).
fn string_map(value: &Value, what: &str) -> Result<Vec<(String, String)>, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{what} must be a JSON object"),
        ));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Number(n) => Ok((k.clone(), n.to_string())),
            Value::Bool(b) => Ok((k.clone(), b.to_string())),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("{what}: the value of \"{k}\" must be a string"),
            )),
        })
        .collect()
}

/// `POST /connectors`: `{"name": …, "config": {…}}`.
async fn create_connector(
    State(state): State<RestState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&headers, &body)?;
    let name = match body.get("name") {
        Some(Value::String(n)) => n.clone(),
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "Request body must have a string \"name\"",
            ));
        }
    };
    let config = body.get("config").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "Request body must have a \"config\" object",
        )
    })?;
    let mut entries = string_map(config, "config")?;
    match entries.iter().find(|(k, _)| k == "name") {
        Some((_, n)) if *n != name => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
                ),
            ));
        }
        Some(_) => {}
        None => entries.push(("name".into(), name.clone())),
    }
    let info = state.worker.create_connector(entries).await?;
    let location = format!("/connectors/{}", info.name);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(to_json(&info)?),
    )
        .into_response())
}

async fn get_connector(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(to_json(&state.worker.connector_info(&name)?)?)
}

async fn connector_status(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(to_json(&state.worker.connector_status(&name)?)?)
}

async fn connector_config(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    ok(Value::Object(state.worker.connector_info(&name)?.config))
}

async fn connector_tasks(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
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

async fn delete_connector(State(state): State<RestState>, Path(name): Path<String>) -> ApiResult {
    state.worker.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /connector-plugins[?connectorsOnly=false]`.
async fn connector_plugins(State(state): State<RestState>, RawQuery(query): RawQuery) -> ApiResult {
    let connectors_only = !query
        .unwrap_or_default()
        .split('&')
        .any(|pair| pair.eq_ignore_ascii_case("connectorsOnly=false"));
    let plugins: Vec<Value> = state
        .worker
        .catalog()
        .plugins()
        .iter()
        .filter(|p| {
            !connectors_only
                || matches!(
                    p.manifest.kind,
                    wasm_connect_sdk::PluginKind::SourceConnector
                        | wasm_connect_sdk::PluginKind::SinkConnector
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
