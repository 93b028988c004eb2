//! The Kafka Connect REST API: Apache's paths, JSON shapes, status codes and
//! `{"error_code": …, "message": …}` error bodies, for every error
//! including unknown paths, wrong methods, bad bodies and oversized ones.

mod admin;
mod connectors;
mod plugins;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use crate::runtime::{Worker, WorkerError};

/// The largest request body accepted (413 beyond it). Connector
/// configurations are a few kilobytes; this leaves room for inline
/// certificates without letting a client make the worker buffer gigabytes.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What handlers share.
#[derive(Clone)]
pub struct RestState {
    /// The worker.
    pub worker: Arc<Worker>,
    /// The Kafka cluster id, once known.
    pub cluster_id: Arc<OnceLock<String>>,
    /// Set once the worker has started every connector it was given
    /// (`GET /health` says "starting" until then).
    pub ready: Arc<AtomicBool>,
}

impl RestState {
    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
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

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
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
            WorkerError::NotFound(_) | WorkerError::TaskNotFound(..) => StatusCode::NOT_FOUND,
            WorkerError::AlreadyExists(_) => StatusCode::CONFLICT,
            WorkerError::InvalidConfig(_)
            | WorkerError::UnknownPlugin(_)
            | WorkerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WorkerError::Storage(_) | WorkerError::Kafka(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.to_string())
    }
}

type ApiResult = Result<Response, ApiError>;

/// The router with every endpoint of this version.
pub fn router(state: RestState) -> Router {
    use connectors as c;
    Router::new()
        .route("/", get(admin::root))
        .route("/health", get(admin::health))
        .route("/metrics", get(admin::metrics))
        .route("/connectors", get(c::list).post(c::create))
        .route("/connectors/{name}", get(c::info).delete(c::delete))
        .route(
            "/connectors/{name}/config",
            get(c::config).put(c::put_config).patch(c::patch_config),
        )
        .route("/connectors/{name}/status", get(c::status))
        .route("/connectors/{name}/tasks", get(c::tasks))
        .route(
            "/connectors/{name}/tasks/{task}/status",
            get(c::task_status),
        )
        .route(
            "/connectors/{name}/tasks/{task}/restart",
            post(c::restart_task),
        )
        .route(
            "/connectors/{name}/tasks/{task}/sandbox",
            get(c::task_sandbox),
        )
        .route("/connectors/{name}/restart", post(c::restart))
        .route("/connectors/{name}/pause", put(c::pause))
        .route("/connectors/{name}/resume", put(c::resume))
        .route("/connectors/{name}/stop", put(c::stop))
        .route(
            "/connectors/{name}/offsets",
            get(c::offsets)
                .patch(c::alter_offsets)
                .delete(c::reset_offsets),
        )
        .route("/connectors/{name}/topics", get(c::topics))
        .route("/connectors/{name}/topics/reset", put(c::reset_topics))
        .route("/connector-plugins", get(plugins::list))
        .route("/plugin-files", get(plugins::files))
        .route("/connector-plugins/{plugin}/config", get(plugins::config))
        .route(
            "/connector-plugins/{plugin}/config/validate",
            put(plugins::validate),
        )
        .route("/admin/loggers", get(admin::loggers))
        .route(
            "/admin/loggers/{name}",
            get(admin::logger).put(admin::set_logger),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
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

/// A request body as JSON, with Apache's answers for a wrong content type
/// (415), a body over [`MAX_BODY_BYTES`] (413) and malformed JSON (400,
/// naming the problem and where it is).
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !content_type.starts_with("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP 415 Unsupported Media Type: send the body as application/json",
            ));
        }
        let bytes = read_body(req).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))
    }
}

/// How much of a body over [`MAX_BODY_BYTES`] is read and thrown away
/// before the 413 is sent. A server that answers without reading the body
/// closes a connection with unread bytes, the kernel resets it, and the
/// client, still writing, gets "broken pipe" instead of the 413 (curl and
/// most HTTP libraries do not read an answer before their request is sent).
/// Draining a bounded amount lets ordinary clients read the error; a body
/// larger than this is cut off as before.
const MAX_DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The request body, at most [`MAX_BODY_BYTES`]; 413 beyond it (after
/// draining up to [`MAX_DRAIN_BYTES`], see there).
async fn read_body(req: Request) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "HTTP 413 Payload Too Large: the request body is larger than {MAX_BODY_BYTES} bytes"
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_DRAIN_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(MAX_BODY_BYTES));
    let mut total = 0usize;
    let mut stream = req.into_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("Cannot read the request body: {e}")))?;
        total = total.saturating_add(chunk.len());
        if total <= MAX_BODY_BYTES {
            body.extend_from_slice(&chunk);
        } else if total > MAX_DRAIN_BYTES {
            break;
        }
    }
    if total > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(Bytes::from(body))
}

/// A JSON object of strings, as Apache's `Map<String, String>` accepts it
/// (numbers and booleans become their text).
fn string_map(value: &Value, what: &str) -> Result<Vec<(String, String)>, ApiError> {
    Ok(nullable_string_map(value, what)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// A JSON object of strings or nulls (PATCH: null removes a key).
fn nullable_string_map(
    value: &Value,
    what: &str,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request(format!(
            "{what} must be a JSON object"
        )));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), Some(s.clone()))),
            Value::Number(n) => Ok((k.clone(), Some(n.to_string()))),
            Value::Bool(b) => Ok((k.clone(), Some(b.to_string()))),
            Value::Null => Ok((k.clone(), None)),
            _ => Err(ApiError::bad_request(format!(
                "{what}: the value of \"{k}\" must be a string"
            ))),
        })
        .collect()
}

/// The values of a query parameter (`?expand=status&expand=info`).
fn query_values(query: Option<&str>, name: &str) -> Vec<String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .collect()
}

/// A boolean query parameter as Java's `Boolean.valueOf` reads it: only
/// `true` (any case) is true.
fn query_flag(query: Option<&str>, name: &str) -> bool {
    query_values(query, name)
        .last()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}
