//! `wasm-connect plugin test`: one plugin, records as JSON lines on
//! standard input, results as JSON lines on standard output.
//!
//! The plugin runs exactly as in a worker: the same engine, the same
//! sandbox, grants derived from its path settings plus
//! `plugin.grant.*`, limits from `plugin.memory.limit.bytes` and
//! `plugin.call.timeout.ms`, and the host's checks of its configuration
//! and of everything it returns.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasm_connect_sdk::{self as sdk, Batch, PluginKind, Record};

use super::DevkitError;
use super::records::{BytesPart, RecordFormat};
use crate::config::connector::{check_against, explicit_grants, grants_for};
use crate::plugin::bindings::wasm_connect::plugin::types as wit;
use crate::plugin::catalog::KindClass;
use crate::plugin::sandbox::ConverterTarget;
use crate::plugin::{CallError, Grants, Limits, PluginCatalog, PluginEngine, PluginInfo, Sandbox};

/// Which way a converter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    /// Records in, the converter's bytes out (serialize).
    FromConnect,
    /// Bytes in, records with Connect data and schemas out (deserialize).
    ToConnect,
}

/// What a converter converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    /// Record keys (`key.converter`).
    Key,
    /// Record values (`value.converter`).
    Value,
    /// Header values (`header.converter`).
    Headers,
}

/// What to run and how.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// A name (full name or alias) on the plugin path, or a `.wasm` file.
    pub plugin: String,
    /// Where to look besides the built-in plugins.
    pub plugin_path: Vec<PathBuf>,
    /// `KEY=VALUE` settings, in order.
    pub config: Vec<String>,
    /// For converters.
    pub direction: Option<Direction>,
    /// For converters.
    pub target: TargetArg,
    /// Records per call.
    pub batch_size: usize,
    /// For sources: stop after this many records.
    pub max_records: usize,
    /// Which plugin of a file that holds several.
    pub name: Option<String>,
}

/// Run the plugin on `input`, writing results to `output`.
pub async fn run(
    options: &TestOptions,
    input: impl BufRead,
    output: &mut impl Write,
) -> Result<(), DevkitError> {
    let engine = Arc::new(PluginEngine::new()?);
    let plugin = find_plugin(&engine, options).await?;
    let entries = parse_config(&options.config)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut problems = check_against(&plugin.manifest.config, &entries, "");
    let explicit = explicit_grants(&entries, &cwd, &mut problems);
    let limits = crate::config::plugin_limits(&entries, Limits::default(), &mut problems);
    let (config, mut grants) = grants_for(&plugin.manifest.config, &entries, &cwd);
    grants.merge(&explicit);
    let mut sandbox = Sandbox::with_limits(engine.clone(), &grants, limits).map_err(call)?;
    problems.extend(
        sandbox
            .validate(&plugin, &config)
            .await
            .map_err(call)?
            .into_iter()
            .map(|p| format!("{}: {}", p.name, p.message)),
    );
    if !problems.is_empty() {
        return Err(DevkitError::Config {
            plugin: plugin.name().to_owned(),
            problems,
        });
    }
    let mut run = Run {
        options,
        plugin: &plugin,
        config,
        format: RecordFormat::new().map_err(DevkitError::Usage)?,
        out: output,
    };
    let result = match plugin.manifest.kind {
        PluginKind::Transform => run.transform(&mut sandbox, input).await,
        PluginKind::Predicate => run.predicate(&mut sandbox, input).await,
        PluginKind::Converter => run.converter(&mut sandbox, input, options.target).await,
        PluginKind::HeaderConverter => run.converter(&mut sandbox, input, TargetArg::Headers).await,
        PluginKind::SinkConnector => {
            let task = TaskSandbox::new(&engine, &plugin, &explicit, limits);
            run.sink(&mut sandbox, task, input).await
        }
        PluginKind::SourceConnector => {
            let task = TaskSandbox::new(&engine, &plugin, &explicit, limits);
            run.source(&mut sandbox, task).await
        }
        PluginKind::ConfigProvider => run.provider(&mut sandbox, input).await,
    };
    sandbox.close_all().await;
    result?;
    output.flush().map_err(|e| io("writing standard output", e))
}

fn io(what: &str, source: std::io::Error) -> DevkitError {
    DevkitError::Io {
        what: what.to_owned(),
        source,
    }
}

fn call(error: CallError) -> DevkitError {
    DevkitError::Call {
        error: Box::new(error),
        at: String::new(),
    }
}

/// How a connector's task gets its sandbox: of its own, with grants
/// derived from its task configuration, as in a worker.
struct TaskSandbox {
    engine: Arc<PluginEngine>,
    defs: Vec<sdk::ConfigDef>,
    explicit: Grants,
    limits: Limits,
}

/// A sandbox and the configuration it was made for.
type Made = (Sandbox, Vec<(String, String)>);

impl TaskSandbox {
    fn new(
        engine: &Arc<PluginEngine>,
        plugin: &PluginInfo,
        explicit: &Grants,
        limits: Limits,
    ) -> Self {
        Self {
            engine: engine.clone(),
            defs: plugin.manifest.config.clone(),
            explicit: explicit.clone(),
            limits,
        }
    }

    /// The sandbox, and the task configuration with its paths made
    /// absolute.
    fn make(self, task_config: &[(String, String)]) -> Result<Made, DevkitError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let (config, mut grants) = grants_for(&self.defs, task_config, &cwd);
        grants.merge(&self.explicit);
        let sandbox = Sandbox::with_limits(self.engine, &grants, self.limits).map_err(call)?;
        Ok((sandbox, config))
    }
}

/// `KEY=VALUE` pairs.
fn parse_config(pairs: &[String]) -> Result<Vec<(String, String)>, DevkitError> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
            _ => Err(DevkitError::Usage(format!(
                "--config {pair}: expected KEY=VALUE"
            ))),
        })
        .collect()
}

/// The plugin `options.plugin` names: in a `.wasm` file, or by name on
/// the built-in plugins and `--plugin-path`.
async fn find_plugin(
    engine: &Arc<PluginEngine>,
    options: &TestOptions,
) -> Result<Arc<PluginInfo>, DevkitError> {
    let as_file = Path::new(&options.plugin);
    if options.plugin.ends_with(".wasm") || as_file.is_file() {
        let catalog = PluginCatalog::load(engine, &[as_file.to_owned()]).await;
        if let Some(problem) = catalog.problems().first() {
            return Err(DevkitError::Usage(problem.to_string()));
        }
        let mut names: Vec<&str> = catalog.plugins().iter().map(|p| p.name()).collect();
        names.dedup();
        return match (&options.name, names.as_slice()) {
            (Some(name), _) => find_by_name(&catalog, name, options.target).ok_or_else(|| {
                DevkitError::Usage(format!(
                    "{} holds no plugin named {name}; it holds {}",
                    as_file.display(),
                    names.join(", ")
                ))
            }),
            (None, [_]) => catalog
                .plugins()
                .first()
                .cloned()
                .ok_or_else(|| DevkitError::Usage("no plugin".into())),
            (None, []) => Err(DevkitError::Usage(format!(
                "{} holds no plugins",
                as_file.display()
            ))),
            (None, many) => Err(DevkitError::Usage(format!(
                "{} holds {} plugins ({}): name one with --name",
                as_file.display(),
                many.len(),
                many.join(", ")
            ))),
        };
    }
    let search = crate::cli::search_path(&options.plugin_path);
    let catalog = PluginCatalog::load(engine, &search).await;
    for problem in catalog.problems() {
        tracing::warn!("{problem}");
    }
    find_by_name(&catalog, &options.plugin, options.target).ok_or_else(|| {
        let searched = match options.plugin_path.as_slice() {
            [] => "the built-in plugins".to_owned(),
            dirs => format!(
                "the built-in plugins and --plugin-path {}",
                dirs.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        DevkitError::Usage(format!(
            "no plugin named {} among {searched}; `wasm-connect plugin list --plugin-path DIR` shows \
             what there is, or give the path of a .wasm file",
            options.plugin,
        ))
    })
}

/// A name among every kind; a converter that is also a header converter
/// is the header converter when the target is headers.
fn find_by_name(catalog: &PluginCatalog, name: &str, target: TargetArg) -> Option<Arc<PluginInfo>> {
    let mut classes = vec![
        KindClass::Connector,
        KindClass::Transform,
        KindClass::Predicate,
        KindClass::Converter,
        KindClass::HeaderConverter,
        KindClass::ConfigProvider,
    ];
    if target == TargetArg::Headers {
        classes.retain(|c| *c != KindClass::Converter);
        classes.push(KindClass::Converter);
    }
    classes
        .into_iter()
        .find_map(|class| catalog.find(class, name).ok())
}

/// Input records with the line each came from.
struct Lines {
    records: Vec<Record>,
    lines: Vec<usize>,
}

fn read_records(
    input: impl BufRead,
    format: &mut RecordFormat,
    bytes: Option<BytesPart>,
) -> Result<Lines, DevkitError> {
    let mut out = Lines {
        records: Vec::new(),
        lines: Vec::new(),
    };
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| io("reading standard input", e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = format
            .parse(&line, bytes)
            .map_err(|reason| DevkitError::Input {
                line: i + 1,
                reason,
            })?;
        out.records.push(record);
        out.lines.push(i + 1);
    }
    Ok(out)
}

struct Run<'a, W: Write> {
    options: &'a TestOptions,
    plugin: &'a PluginInfo,
    config: Vec<(String, String)>,
    format: RecordFormat,
    out: &'a mut W,
}

impl<W: Write> Run<'_, W> {
    fn line(&mut self, text: &str) -> Result<(), DevkitError> {
        writeln!(self.out, "{text}").map_err(|e| io("writing standard output", e))
    }

    fn print(&mut self, batch: &Batch, bytes: Option<BytesPart>) -> Result<(), DevkitError> {
        let output = |reason: String| DevkitError::Output {
            plugin: self.plugin.name().to_owned(),
            reason,
        };
        let records = batch.to_records().map_err(|e| output(e.to_string()))?;
        for record in &records {
            let line = self.format.print(record, bytes).map_err(output)?;
            self.line(&line)?;
        }
        Ok(())
    }

    /// The error of a call on the batch of records `lines[first..]`, with
    /// the input line of the record the plugin blamed.
    fn blame(&self, error: CallError, lines: &[usize], first: usize) -> DevkitError {
        let at = match &error {
            CallError::Plugin { error: e, .. } => e
                .record
                .and_then(|r| lines.get(first + r as usize))
                .map(|l| format!(" (stdin line {l})"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        DevkitError::Call {
            error: Box::new(error),
            at,
        }
    }

    fn batches(&self, len: usize) -> Vec<std::ops::Range<usize>> {
        let size = self.options.batch_size.max(1);
        (0..len)
            .step_by(size)
            .map(|start| start..(start + size).min(len))
            .collect()
    }

    fn batch(&self, records: &[Record]) -> Result<Batch, DevkitError> {
        let mut batch = Batch::from_records(records)
            .map_err(|e| DevkitError::Usage(format!("the records do not fit a batch: {e}")))?;
        batch
            .tag_positions()
            .map_err(|e| DevkitError::Usage(e.to_string()))?;
        Ok(batch)
    }

    async fn transform(
        &mut self,
        sandbox: &mut Sandbox,
        input: impl BufRead,
    ) -> Result<(), DevkitError> {
        let input = read_records(input, &mut self.format, None)?;
        let h = sandbox
            .create_transform(self.plugin, &self.config)
            .await
            .map_err(call)?;
        for range in self.batches(input.records.len()) {
            let batch = self.batch(&input.records[range.clone()])?;
            let out = sandbox
                .apply(&h, batch)
                .await
                .map_err(|f| self.blame(f.error, &input.lines, range.start))?;
            self.print(&out, None)?;
        }
        Ok(())
    }

    async fn predicate(
        &mut self,
        sandbox: &mut Sandbox,
        input: impl BufRead,
    ) -> Result<(), DevkitError> {
        let input = read_records(input, &mut self.format, None)?;
        let h = sandbox
            .create_predicate(self.plugin, &self.config)
            .await
            .map_err(call)?;
        for range in self.batches(input.records.len()) {
            let batch = self.batch(&input.records[range.clone()])?;
            let (_, answers) = sandbox.test(&h, batch).await;
            let answers = answers.map_err(|e| self.blame(e, &input.lines, range.start))?;
            for answer in answers {
                self.line(if answer { "true" } else { "false" })?;
            }
        }
        Ok(())
    }

    async fn converter(
        &mut self,
        sandbox: &mut Sandbox,
        input: impl BufRead,
        target: TargetArg,
    ) -> Result<(), DevkitError> {
        let Some(direction) = self.options.direction else {
            return Err(DevkitError::Usage(format!(
                "{} is a converter: say which way with --direction from-connect (records in, bytes out) \
                 or --direction to-connect (bytes in, records out)",
                self.plugin.name()
            )));
        };
        let (wit_target, part) = match target {
            TargetArg::Key => (ConverterTarget::Key, BytesPart::Key),
            TargetArg::Value => (ConverterTarget::Value, BytesPart::Value),
            TargetArg::Headers => (ConverterTarget::Headers, BytesPart::Headers),
        };
        let (read_as, print_as) = match direction {
            Direction::FromConnect => (None, Some(part)),
            Direction::ToConnect => (Some(part), None),
        };
        let input = read_records(input, &mut self.format, read_as)?;
        let h = sandbox
            .create_converter(self.plugin, &self.config, wit_target)
            .await
            .map_err(call)?;
        for range in self.batches(input.records.len()) {
            let batch = self.batch(&input.records[range.clone()])?;
            let out = match direction {
                Direction::FromConnect => sandbox.from_connect(&h, batch).await,
                Direction::ToConnect => sandbox.to_connect(&h, batch).await,
            }
            .map_err(|f| self.blame(f.error, &input.lines, range.start))?;
            self.print(&out, print_as)?;
        }
        Ok(())
    }

    async fn sink(
        &mut self,
        sandbox: &mut Sandbox,
        task_sandbox: TaskSandbox,
        input: impl BufRead,
    ) -> Result<(), DevkitError> {
        let mut input = read_records(input, &mut self.format, None)?;
        // As a consumer would give them: a partition and offsets in order.
        let mut next: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for r in &mut input.records {
            let partition = *r.partition.get_or_insert(0);
            let slot = next.entry((r.topic.clone(), partition)).or_insert(0);
            let offset = *r.offset.get_or_insert(*slot);
            *slot = offset + 1;
        }
        let connector = sandbox
            .create_sink_connector(self.plugin, &self.config)
            .await
            .map_err(call)?;
        let task_config = first_task(sandbox.sink_task_configs(&connector, 1).await, self.plugin)?;
        let (mut tasks, task_config) = task_sandbox.make(&task_config)?;
        let task = tasks
            .create_sink_task(self.plugin, &task_config)
            .await
            .map_err(call)?;
        let partitions = crate::plugin::convert::topic_partitions(
            next.keys()
                .map(|(topic, partition)| (topic.as_str(), *partition)),
        );
        tasks.open(&task, &partitions).await.map_err(call)?;
        for range in self.batches(input.records.len()) {
            let batch = self.batch(&input.records[range.clone()])?;
            tasks
                .put(&task, &batch.into())
                .await
                .map_err(|e| self.blame(e, &input.lines, range.start))?;
        }
        let offsets: Vec<wit::TopicPartitionOffset> = next
            .iter()
            .map(|((topic, partition), offset)| wit::TopicPartitionOffset {
                topic: topic.clone(),
                partition: *partition,
                offset: *offset,
            })
            .collect();
        let committable = tasks.flush(&task, &offsets).await.map_err(call)?;
        for o in committable {
            let line =
                serde_json::json!({"topic": o.topic, "partition": o.partition, "offset": o.offset});
            self.line(&line.to_string())?;
        }
        tasks.close(&task, &partitions).await.map_err(call)?;
        tasks.stop_sink_task(&task).await.map_err(call)?;
        tasks.close_all().await;
        sandbox.stop_sink_connector(&connector).await.map_err(call)
    }

    async fn source(
        &mut self,
        sandbox: &mut Sandbox,
        task_sandbox: TaskSandbox,
    ) -> Result<(), DevkitError> {
        let connector = sandbox
            .create_source_connector(self.plugin, &self.config)
            .await
            .map_err(call)?;
        let task_config = first_task(
            sandbox.source_task_configs(&connector, 1).await,
            self.plugin,
        )?;
        let (mut tasks, task_config) = task_sandbox.make(&task_config)?;
        let task = tasks
            .create_source_task(self.plugin, &task_config, &[])
            .await
            .map_err(call)?;
        let mut printed = 0usize;
        // The last offset printed per source partition, to commit.
        let mut last: BTreeMap<String, String> = BTreeMap::new();
        while printed < self.options.max_records {
            let batch = tasks.poll(&task).await.map_err(call)?;
            if batch.is_empty() {
                break;
            }
            let records = batch.to_records().map_err(|e| DevkitError::Output {
                plugin: self.plugin.name().to_owned(),
                reason: e.to_string(),
            })?;
            for record in records.iter().take(self.options.max_records - printed) {
                let line =
                    self.format
                        .print(record, None)
                        .map_err(|reason| DevkitError::Output {
                            plugin: self.plugin.name().to_owned(),
                            reason,
                        })?;
                self.line(&line)?;
                printed += 1;
                if let (Some(p), Some(o)) = (&record.source_partition, &record.source_offset) {
                    last.insert(p.clone(), o.clone());
                }
            }
        }
        let offsets: Vec<sdk::SourceOffset> = last
            .into_iter()
            .map(|(partition, offset)| sdk::SourceOffset { partition, offset })
            .collect();
        tasks.commit(&task, &offsets).await.map_err(call)?;
        tasks.stop_source_task(&task).await.map_err(call)?;
        tasks.close_all().await;
        sandbox
            .stop_source_connector(&connector)
            .await
            .map_err(call)
    }

    /// Each input line is `{"path": "...", "keys": [...]}`; each output
    /// line the values found, as an object.
    async fn provider(
        &mut self,
        sandbox: &mut Sandbox,
        input: impl BufRead,
    ) -> Result<(), DevkitError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Request {
            #[serde(default)]
            path: String,
            keys: Vec<String>,
        }
        let h = sandbox
            .create_config_provider(self.plugin, &self.config)
            .await
            .map_err(call)?;
        for (i, line) in input.lines().enumerate() {
            let line = line.map_err(|e| io("reading standard input", e))?;
            if line.trim().is_empty() {
                continue;
            }
            let request: Request = serde_json::from_str(&line).map_err(|e| DevkitError::Input {
                line: i + 1,
                reason: format!("expected {{\"path\": \"…\", \"keys\": [\"…\"]}}: {e}"),
            })?;
            let found = sandbox
                .provider_get(&h, &request.path, &request.keys)
                .await
                .map_err(call)?;
            let object: serde_json::Map<String, serde_json::Value> = found
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            self.line(&serde_json::Value::Object(object).to_string())?;
        }
        Ok(())
    }
}

/// The first task configuration a connector returned.
fn first_task(
    configs: Result<Vec<Vec<(String, String)>>, CallError>,
    plugin: &PluginInfo,
) -> Result<Vec<(String, String)>, DevkitError> {
    configs.map_err(call)?.into_iter().next().ok_or_else(|| {
        DevkitError::Usage(format!(
            "{} returned no task configuration for one task",
            plugin.name()
        ))
    })
}
