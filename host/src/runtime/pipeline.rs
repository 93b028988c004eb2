//! What happens to a batch between the connector task and Kafka: the
//! transformation chain (each step guarded by its predicate), and the
//! `errors.*` handling every stage shares: retries of retriable failures,
//! skipping failing records under `errors.tolerance=all`, the error log and
//! the dead-letter queue.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasm_connect_sdk::layout::NONE;
use wasm_connect_sdk::{Batch, ErrorKind, Part, PluginError};

use super::bytes_path::{self, Target as BytesTarget};
use super::{Control, ConverterHandles, TaskContext, TaskError};
use crate::config::connector::ErrorConfig;
use crate::plugin::sandbox::{ConverterHandle, Failed, PredicateHandle, TransformHandle};
use crate::plugin::{CallError, PluginInfo, Sandbox};

/// The stages Apache Kafka Connect names in error reports and DLQ headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
        })
    }
}

/// One call on a batch that `errors.*` governs. (An enum rather than a
/// closure: futures of async closures over `&mut Sandbox` cannot be shown
/// to be `Send`, which tokio needs.)
#[derive(Clone, Copy)]
pub(crate) enum Op<'a> {
    /// A converter's `to-connect`.
    ToConnect(&'a ConverterHandle),
    /// A converter's `from-connect`.
    FromConnect(&'a ConverterHandle),
    /// A transform's `apply`, and the step's place in the chain.
    Apply(&'a TransformHandle, usize),
}

impl Op<'_> {
    async fn call(self, sandbox: &mut Sandbox, batch: Batch) -> Result<Batch, Failed> {
        match self {
            Op::ToConnect(h) => sandbox.to_connect(h, batch).await,
            Op::FromConnect(h) => sandbox.from_connect(h, batch).await,
            Op::Apply(h, _) => sandbox.apply(h, batch).await,
        }
    }
}

/// A transform of the chain, resolved to its plugin.
#[derive(Clone)]
pub(crate) struct StepPlugin {
    pub alias: String,
    /// `transforms.<alias>.type` as configured (for error reports).
    pub class: String,
    pub plugin: Arc<PluginInfo>,
    pub config: Vec<(String, String)>,
    /// The predicate guarding the step, if any.
    pub predicate: Option<PredicatePlugin>,
}

/// A predicate resolved to its plugin, with its settings and `negate`.
#[derive(Clone)]
pub(crate) struct PredicatePlugin {
    pub plugin: Arc<PluginInfo>,
    pub config: Vec<(String, String)>,
    pub negate: bool,
}

/// A step created in a task's sandbox.
struct Step {
    alias: String,
    class: String,
    transform: TransformHandle,
    predicate: Option<(PredicateHandle, bool)>,
}

/// The transformation chain of a task.
pub(crate) struct Chain {
    steps: Vec<Step>,
}

impl Chain {
    /// Create every transform and predicate of the chain in `sandbox`.
    pub async fn create(steps: &[StepPlugin], sandbox: &mut Sandbox) -> Result<Self, CallError> {
        let mut out = Vec::with_capacity(steps.len());
        for step in steps {
            let transform = sandbox.create_transform(&step.plugin, &step.config).await?;
            let predicate = match &step.predicate {
                Some(p) => Some((
                    sandbox.create_predicate(&p.plugin, &p.config).await?,
                    p.negate,
                )),
                None => None,
            };
            out.push(Step {
                alias: step.alias.clone(),
                class: step.class.clone(),
                transform,
                predicate,
            });
        }
        Ok(Self { steps: out })
    }

    /// Run the chain over a batch, in order. Each step gets only the
    /// records its predicate selects; the others pass it unchanged and in
    /// place, so record order is kept as Apache keeps it.
    pub async fn apply(
        &self,
        sandbox: &mut Sandbox,
        mut batch: Batch,
        errors: &mut ErrorHandler,
        originals: &Originals<'_>,
        stop: &mut Control,
    ) -> Result<Batch, TaskError> {
        for (index, step) in self.steps.iter().enumerate() {
            if batch.is_empty() {
                break;
            }
            let selected = match &step.predicate {
                None => vec![true; batch.len()],
                Some((predicate, negate)) => {
                    let (back, answers) = sandbox.test(predicate, batch).await;
                    batch = back;
                    let answers = answers.map_err(|e| {
                        TaskError::Other(format!("the predicate of transform {}: {e}", step.alias))
                    })?;
                    answers.into_iter().map(|a| a != *negate).collect()
                }
            };
            batch = self
                .run_step(
                    (index, step),
                    &selected,
                    batch,
                    sandbox,
                    errors,
                    originals,
                    stop,
                )
                .await?;
        }
        Ok(batch)
    }

    /// Apply one step to the maximal runs of records `selected` marks,
    /// leaving the others as they are, and put the results back in order.
    #[allow(clippy::too_many_arguments, reason = "the step's whole context")]
    async fn run_step(
        &self,
        (index, step): (usize, &Step),
        selected: &[bool],
        batch: Batch,
        sandbox: &mut Sandbox,
        errors: &mut ErrorHandler,
        originals: &Originals<'_>,
        stop: &mut Control,
    ) -> Result<Batch, TaskError> {
        let apply = Op::Apply(&step.transform, index);
        if selected.iter().all(|s| *s) {
            return errors
                .run(
                    sandbox,
                    batch,
                    Stage::Transformation,
                    &step.class,
                    originals,
                    stop,
                    apply,
                )
                .await;
        }
        if !selected.iter().any(|s| *s) {
            return Ok(batch);
        }
        let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
        let mut out: Option<Batch> = None;
        let mut start = 0;
        while start < selected.len() {
            let mut end = start;
            while end < selected.len() && selected[end] == selected[start] {
                end += 1;
            }
            let run = batch.slice(start..end).map_err(bad)?;
            let run = if selected[start] {
                errors
                    .run(
                        sandbox,
                        run,
                        Stage::Transformation,
                        &step.class,
                        originals,
                        stop,
                        apply,
                    )
                    .await?
            } else {
                run
            };
            match &mut out {
                None => out = Some(run),
                Some(o) => o.append(run).map_err(bad)?,
            }
            start = end;
        }
        Ok(out.unwrap_or_default())
    }
}

/// The records a batch started as, so a failure at any stage can be traced
/// back (by the record's tag) for logs and the dead-letter queue.
pub(crate) struct Originals<'a> {
    pub batch: Option<&'a Batch>,
}

/// A record that failed and was skipped.
pub(crate) struct Skipped {
    /// The tag of the record (its position in the original batch).
    pub tag: Option<u32>,
    pub stage: Stage,
    pub class: String,
    pub error: PluginError,
    pub message: String,
}

/// `errors.*` of a task: retries, tolerance, log; skipped records are
/// kept for the caller to send to its dead-letter queue.
pub(crate) struct ErrorHandler {
    config: ErrorConfig,
    metrics: Arc<crate::metrics::TaskMetrics>,
    connector: String,
    task: u32,
    /// Records skipped since the caller last took them.
    pub skipped: Vec<Skipped>,
    /// How many records were skipped in all.
    pub skipped_total: u64,
}

/// Apache's first wait between retries; it doubles up to
/// `errors.retry.delay.max.ms`.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(300);

impl ErrorHandler {
    pub fn new(ctx: &TaskContext) -> Self {
        Self {
            config: ctx.connector.errors.clone(),
            metrics: ctx.metrics.clone(),
            connector: ctx.connector.name.clone(),
            task: ctx.task,
            skipped: Vec::new(),
            skipped_total: 0,
        }
    }

    /// Whether failing records are skipped rather than failing the task.
    pub fn tolerates(&self) -> bool {
        self.config.tolerate_all
    }

    /// Run `call` on `batch` as stage `stage` of plugin `class`:
    /// retriable failures are retried for `errors.retry.timeout`; with
    /// `errors.tolerance=all` a record that fails is reported and skipped
    /// and the stage runs again on the rest; otherwise the task fails.
    #[allow(clippy::too_many_arguments, reason = "the stage's whole context")]
    pub async fn run(
        &mut self,
        sandbox: &mut Sandbox,
        mut batch: Batch,
        stage: Stage,
        class: &str,
        originals: &Originals<'_>,
        stop: &mut Control,
        op: Op<'_>,
    ) -> Result<Batch, TaskError> {
        let mut first_failure: Option<Instant> = None;
        let mut delay = FIRST_RETRY_DELAY;
        let timer = match (op, stage) {
            (Op::Apply(_, step), _) => self.metrics.transform(step),
            (_, Stage::KeyConverter) => Some(&self.metrics.convert_time[0]),
            (_, Stage::ValueConverter) => Some(&self.metrics.convert_time[1]),
            (_, Stage::HeaderConverter) => Some(&self.metrics.convert_time[2]),
            (_, Stage::Transformation) => None,
        }
        .cloned();
        loop {
            let started = Instant::now();
            let called = op.call(sandbox, batch).await;
            if let Some(timer) = &timer {
                timer.observe(started.elapsed().as_secs_f64());
            }
            let Failed { error, batch: back } = match called {
                Ok(out) => return Ok(out),
                Err(failed) => failed,
            };
            batch = *back;
            self.metrics.record_failures.inc();
            // A crash leaves the sandbox unusable; broken output means the
            // plugin cannot be trusted: neither is a record's fault.
            let plugin_error = match &error {
                CallError::Plugin { error, .. } => error.clone(),
                _ => return Err(error.into()),
            };
            if plugin_error.kind == ErrorKind::Retriable {
                let since = *first_failure.get_or_insert_with(Instant::now);
                let within = match self.config.retry_timeout {
                    None => true,
                    Some(limit) => since.elapsed() + delay <= limit,
                };
                if within {
                    self.metrics.retries.inc();
                    tracing::debug!(stage = %stage, retry_in_ms = delay.as_millis() as u64, "Retrying: {error}");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = super::stopped(stop) => return Err(error.into()),
                    }
                    delay = (delay * 2).min(self.config.retry_delay_max.max(FIRST_RETRY_DELAY));
                    continue;
                }
            }
            self.metrics.record_errors.inc();
            if !self.config.tolerate_all {
                return Err(TaskError::Other(format!(
                    "Tolerance exceeded in error handler: stage {stage} failed: {error}"
                )));
            }
            first_failure = None;
            delay = FIRST_RETRY_DELAY;
            match plugin_error
                .record
                .map(|r| r as usize)
                .filter(|r| *r < batch.len())
            {
                Some(i) => {
                    self.skip(
                        &batch,
                        i,
                        stage,
                        class,
                        plugin_error,
                        error.to_string(),
                        originals,
                    );
                    batch.retain(|j| j != i);
                    if batch.is_empty() {
                        return Ok(batch);
                    }
                }
                None => {
                    return self
                        .one_by_one(sandbox, batch, stage, class, originals, op)
                        .await;
                }
            }
        }
    }

    /// A failure no record was blamed for, under `errors.tolerance=all`:
    /// run the stage on each record alone to find the ones that fail.
    async fn one_by_one(
        &mut self,
        sandbox: &mut Sandbox,
        batch: Batch,
        stage: Stage,
        class: &str,
        originals: &Originals<'_>,
        op: Op<'_>,
    ) -> Result<Batch, TaskError> {
        let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
        let mut out = Batch::new();
        for i in 0..batch.len() {
            match op.call(sandbox, batch.slice(i..i + 1).map_err(bad)?).await {
                Ok(done) => out.append(done).map_err(bad)?,
                Err(Failed {
                    error:
                        CallError::Plugin {
                            error,
                            plugin,
                            call,
                        },
                    ..
                }) => {
                    self.metrics.record_failures.inc();
                    self.metrics.record_errors.inc();
                    let message = format!("{plugin} failed in {call}(): {error}");
                    self.skip(&batch, i, stage, class, error, message, originals);
                }
                Err(Failed { error, .. }) => return Err(error.into()),
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments, reason = "the failure's whole context")]
    fn skip(
        &mut self,
        batch: &Batch,
        i: usize,
        stage: Stage,
        class: &str,
        error: PluginError,
        message: String,
        originals: &Originals<'_>,
    ) {
        let tag = batch.desc(i).ok().map(|d| d.tag).filter(|t| *t != NONE);
        if self.config.log_enable {
            let record = tag
                .and_then(|t| originals.batch.map(|b| (b, t)))
                .map(|(b, t)| describe(b, t as usize, self.config.log_include_messages))
                .unwrap_or_else(|| describe(batch, i, self.config.log_include_messages));
            tracing::error!(
                "Error encountered in task {}-{}. Executing stage '{stage}' with class '{class}', where {record}: {message}",
                self.connector,
                self.task
            );
            self.metrics.errors_logged.inc();
        }
        self.skipped_total += 1;
        self.metrics.records_skipped.inc();
        self.skipped.push(Skipped {
            tag,
            stage,
            class: class.to_owned(),
            error,
            message,
        });
    }
}

/// A record as Apache's error log shows it.
fn describe(batch: &Batch, i: usize, include_messages: bool) -> String {
    let Ok(r) = batch.record(i) else {
        return "the record is unknown".into();
    };
    let topic = r.topic().unwrap_or("?");
    let mut out = match (r.partition(), r.offset()) {
        (Some(p), Some(o)) => {
            format!("consumed record is {{topic='{topic}', partition={p}, offset={o}")
        }
        _ => format!("source record is {{topic='{topic}'"),
    };
    if let Some(ts) = r.timestamp() {
        out.push_str(&format!(", timestamp={ts}"));
    }
    if include_messages {
        let show = |v: Result<wasm_connect_sdk::ValueRef<'_>, _>| {
            v.map(|v| v.to_string()).unwrap_or_default()
        };
        out.push_str(&format!(
            ", key={}, value={}",
            show(r.key()),
            show(r.value())
        ));
    }
    out.push('}');
    out
}

/// The Java exception class Apache would report for an error of `kind`
/// (DLQ headers carry it; tools filter on it).
pub(crate) fn exception_class(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Data => "org.apache.kafka.connect.errors.DataException",
        ErrorKind::Retriable => "org.apache.kafka.connect.errors.RetriableException",
        ErrorKind::Config => "org.apache.kafka.common.config.ConfigException",
        ErrorKind::Fatal => "org.apache.kafka.connect.errors.ConnectException",
    }
}

/// Key, value and header converters as stages, for the sink side
/// (bytes → Connect data).
pub(crate) async fn to_connect(
    sandbox: &mut Sandbox,
    converters: &ConverterHandles,
    classes: &ConverterClasses,
    batch: Batch,
    errors: &mut ErrorHandler,
    originals: &Originals<'_>,
    stop: &mut Control,
) -> Result<Batch, TaskError> {
    let batch = errors
        .run(
            sandbox,
            batch,
            Stage::KeyConverter,
            &classes.key,
            originals,
            stop,
            Op::ToConnect(&converters.key),
        )
        .await?;
    let batch = errors
        .run(
            sandbox,
            batch,
            Stage::ValueConverter,
            &classes.value,
            originals,
            stop,
            Op::ToConnect(&converters.value),
        )
        .await?;
    match (&converters.header, batch.headers.is_empty()) {
        (Some(h), false) => {
            errors
                .run(
                    sandbox,
                    batch,
                    Stage::HeaderConverter,
                    &classes.header,
                    originals,
                    stop,
                    Op::ToConnect(h),
                )
                .await
        }
        _ => Ok(batch),
    }
}

/// Key, value and header converters as stages, for the source side
/// (Connect data → bytes). The built-in ByteArrayConverter is not called
/// for a batch whose targets already are bytes or null (the bytes fast
/// path, `bytes_path`): its answer is known.
pub(crate) async fn from_connect(
    sandbox: &mut Sandbox,
    converters: &ConverterHandles,
    classes: &ConverterClasses,
    mut batch: Batch,
    errors: &mut ErrorHandler,
    originals: &Originals<'_>,
    stop: &mut Control,
) -> Result<Batch, TaskError> {
    let stages = [
        (
            Some(&converters.key),
            BytesTarget::Part(Part::Key),
            Stage::KeyConverter,
            &classes.key,
        ),
        (
            Some(&converters.value),
            BytesTarget::Part(Part::Value),
            Stage::ValueConverter,
            &classes.value,
        ),
        (
            converters.header.as_ref(),
            BytesTarget::Headers,
            Stage::HeaderConverter,
            &classes.header,
        ),
    ];
    for (converter, target, stage, class) in stages {
        let Some(converter) = converter else {
            continue;
        };
        if target == BytesTarget::Headers && batch.headers.is_empty() {
            continue;
        }
        if bytes_path::is_byte_array(converter) && bytes_path::serialize_as_is(&mut batch, target) {
            continue;
        }
        batch = errors
            .run(
                sandbox,
                batch,
                stage,
                class,
                originals,
                stop,
                Op::FromConnect(converter),
            )
            .await?;
    }
    Ok(batch)
}

/// The class names of a task's converters, for reports.
pub(crate) struct ConverterClasses {
    pub key: String,
    pub value: String,
    pub header: String,
}
