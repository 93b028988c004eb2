//! `GET /`, `GET /health` (KIP-1017) and `/admin/loggers`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, JsonBody, RestState, ok, to_json};
use crate::logging::{self, LevelError};

pub(super) async fn root(State(state): State<RestState>) -> ApiResult {
    ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("WASM_CONNECT_COMMIT").unwrap_or("unknown"),
        "kafka_cluster_id": state.cluster_id.get(),
    }))
}

/// `GET /health`: 200 once the worker has started the connectors it was
/// given, 503 while it is still starting (KIP-1017's shape).
pub(super) async fn health(State(state): State<RestState>) -> ApiResult {
    if state.is_ready() {
        ok(json!({
            "status": "healthy",
            "message": "Worker has completed startup and is ready to handle requests."
        }))
    } else {
        Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({
                "status": "starting",
                "message": "Worker is still starting up."
            })),
        )
            .into_response())
    }
}

/// `GET /metrics`: Prometheus (OpenMetrics) text, not JSON.
pub(super) async fn metrics(State(state): State<RestState>) -> ApiResult {
    let text = state.worker.render_metrics().map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write the metrics: {e}"),
        )
    })?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            crate::metrics::CONTENT_TYPE,
        )],
        text,
    )
        .into_response())
}

fn levels() -> Result<&'static logging::Loggers, ApiError> {
    logging::loggers().ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Log levels cannot be changed: logging was set up outside wasm-connect",
        )
    })
}

/// `GET /admin/loggers`.
pub(super) async fn loggers() -> ApiResult {
    ok(to_json(&levels()?.all())?)
}

/// `GET /admin/loggers/{name}`.
pub(super) async fn logger(Path(name): Path<String>) -> ApiResult {
    ok(to_json(&levels()?.get(&name))?)
}

/// `PUT /admin/loggers/{name}` with `{"level": "DEBUG"}`: the names of the
/// loggers changed. `?scope=cluster` answers 204, as Apache's standalone
/// worker does (this worker is the whole cluster).
pub(super) async fn set_logger(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let level = match body.get("level") {
        Some(Value::String(l)) => l.clone(),
        _ => {
            return Err(ApiError::bad_request(
                "Desired 'level' parameter was not specified in request.",
            ));
        }
    };
    let affected = levels()?.set(&name, &level).map_err(|e| match e {
        LevelError::Invalid(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        LevelError::Apply(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })?;
    let cluster = super::query_values(query.as_deref(), "scope")
        .last()
        .is_some_and(|s| s.eq_ignore_ascii_case("cluster"));
    if cluster {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    ok(to_json(&affected)?)
}
