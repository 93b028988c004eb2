//! The command line: `standalone`, `plugin list|test|new`, `version`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use clap::{Parser, Subcommand};

use crate::config::{ConfigProviders, WorkerConfig, properties};
use crate::kafka::{EmbeddedBroker, KafkaSettings};
use crate::plugin::config_provider::PluginProviders;
use crate::plugin::{PluginCatalog, PluginEngine};
use crate::rest::{RestState, router};
use crate::runtime::{Stores, Worker};
use crate::storage::{
    ConfigStore, FileOffsetStore, LocalConfigStore, MemoryOffsetStore, MemoryStatusStore,
    OffsetStore,
};

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// A Kafka Connect worker whose plugins are sandboxed WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "wasm-connect", version, about)]
pub struct Cli {
    /// How log lines are written to stderr: `text` for people, `json` (one
    /// object per line) for log shippers.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a standalone worker, like connect-standalone.sh.
    Standalone(StandaloneArgs),
    /// Plugins: list them, test one without Kafka, start a new one.
    #[command(alias = "plugins")]
    Plugin {
        /// What to do.
        #[command(subcommand)]
        command: PluginsCommand,
    },
    /// Print the version and the plugin contract version.
    Version,
}

/// `wasm-connect standalone`.
#[derive(Debug, clap::Args)]
pub struct StandaloneArgs {
    /// The worker's properties file (connect-standalone.properties).
    pub worker_config: PathBuf,
    /// Connector configurations: .properties files, or .json files holding
    /// `{"name": …, "config": {…}}` or a flat object.
    pub connector_configs: Vec<PathBuf>,
    /// Start an in-memory Kafka broker inside the worker (for trying things
    /// out: data is lost when the worker stops). Same as
    /// `bootstrap.servers=embedded`.
    #[arg(long)]
    pub embedded_broker: bool,
}

/// `wasm-connect plugin …` (or `plugins …`).
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// List every plugin found: kind, full name, aliases, version, file.
    List {
        /// Where to look besides the built-in plugins (comma-separated or
        /// repeated), like `plugin.path`.
        #[arg(long, value_delimiter = ',')]
        plugin_path: Vec<PathBuf>,
    },
    /// Run one plugin on records given as JSON lines on standard input,
    /// with no Kafka and no worker; results go to standard output as JSON
    /// lines (the format is in README.md).
    Test(TestArgs),
    /// Start a new plugin: a small project that builds with the language's
    /// own tools and passes `plugin test`, with a README that says how.
    New(NewArgs),
}

/// `wasm-connect plugin new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The project's name: its folder, crate or package, and (in CamelCase)
    /// its plugin class.
    pub name: String,
    /// The language.
    #[arg(long, value_enum)]
    pub lang: crate::devkit::scaffold::Lang,
    /// The plugin kind.
    #[arg(long, value_enum)]
    pub kind: crate::devkit::scaffold::Kind,
    /// Where to make the project folder (default: here).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The plugin's full name (default: example.<Name>).
    #[arg(long)]
    pub plugin_name: Option<String>,
    /// For Rust: the wasm-connect SDK (the sdk-guest folder of a checkout)
    /// the project depends on by path. Default: the one this binary was
    /// built from.
    #[arg(long)]
    pub sdk_path: Option<PathBuf>,
}

/// `wasm-connect plugin test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The plugin: a name (full name or alias) among the built-in plugins
    /// and `--plugin-path`, or the path of a `.wasm` file.
    pub plugin: String,
    /// Where to look besides the built-in plugins (comma-separated or
    /// repeated), like `plugin.path`.
    #[arg(long, value_delimiter = ',')]
    pub plugin_path: Vec<PathBuf>,
    /// A setting of the plugin, KEY=VALUE (repeat for more). Also takes
    /// `plugin.grant.*`, `plugin.memory.limit.bytes` and
    /// `plugin.call.timeout.ms`, as a connector does.
    #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// For a converter: `from-connect` reads records and prints the bytes,
    /// `to-connect` reads bytes and prints records.
    #[arg(long, value_enum)]
    pub direction: Option<crate::devkit::runner::Direction>,
    /// For a converter: what it converts.
    #[arg(long, value_enum, default_value = "value")]
    pub target: crate::devkit::runner::TargetArg,
    /// Records per call into the plugin.
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// For a source connector: stop after this many records (it also stops
    /// at the first poll that returns none).
    #[arg(long, default_value_t = 100)]
    pub max_records: usize,
    /// When a `.wasm` file holds several plugins: which one.
    #[arg(long)]
    pub name: Option<String>,
}

/// Why a command failed; printed by `main` and the exit code is 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A properties file is unreadable or malformed.
    #[error(transparent)]
    Properties(#[from] properties::PropertiesError),
    /// The worker configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigErrors),
    /// The engine could not start.
    #[error(transparent)]
    Engine(#[from] crate::plugin::EngineError),
    /// The embedded broker could not start.
    #[error(transparent)]
    Embedded(#[from] crate::kafka::embedded::EmbeddedError),
    /// The offsets file cannot be used.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// The REST listener could not be opened.
    #[error("cannot listen for REST requests on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A config provider could not resolve a worker setting.
    #[error("worker config: {0}")]
    Provider(String),
    /// `plugin test` or `plugin new` failed.
    #[error(transparent)]
    Devkit(#[from] crate::devkit::DevkitError),
    /// A command's output could not be written.
    #[error("cannot write to standard output: {0}")]
    Output(std::io::Error),
    /// Some plugins could not be loaded (`plugins list`).
    #[error("{0} plugin file(s) or plugin.path entries could not be used (see above)")]
    PluginProblems(usize),
}

impl Cli {
    /// The log levels when neither `WASM_CONNECT_LOG` nor `RUST_LOG` sets
    /// them: a worker logs what it loads and runs; an inspecting command
    /// prints its answer on stdout and only problems on stderr; `plugin
    /// test` also shows what the plugin logs.
    pub fn default_log_spec(&self) -> &'static str {
        match &self.command {
            Command::Plugin {
                command: PluginsCommand::Test(_),
            } => {
                "warn,plugin=info,wasm_connect::plugin::catalog=off,wasmtime=error,cranelift=error"
            }
            Command::Plugin { .. } | Command::Version => "warn,wasmtime=error,cranelift=error",
            Command::Standalone(_) => "info,wasmtime=warn,cranelift=warn",
        }
    }
}

/// Run the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Standalone(args) => standalone(args).await,
        Command::Plugin {
            command: PluginsCommand::List { plugin_path },
        } => list_plugins(plugin_path).await,
        Command::Plugin {
            command: PluginsCommand::Test(args),
        } => {
            let options = crate::devkit::runner::TestOptions {
                plugin: args.plugin,
                plugin_path: args.plugin_path,
                config: args.config,
                direction: args.direction,
                target: args.target,
                batch_size: args.batch_size,
                max_records: args.max_records,
                name: args.name,
            };
            let stdin = std::io::stdin().lock();
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            crate::devkit::runner::run(&options, stdin, &mut stdout).await?;
            Ok(())
        }
        Command::Plugin {
            command: PluginsCommand::New(args),
        } => {
            let options = crate::devkit::scaffold::NewOptions {
                name: args.name,
                lang: args.lang,
                kind: args.kind,
                dir: args.dir,
                plugin_name: args.plugin_name,
                sdk_path: args.sdk_path,
            };
            let dir = crate::devkit::scaffold::new_project(&options)?;
            println!(
                "Made {}: its README.md says how to build it, test it with `wasm-connect plugin test` \
                 and put it on a worker's plugin.path.",
                dir.display()
            );
            Ok(())
        }
        Command::Version => {
            println!(
                "wasm-connect {} (commit {}), plugin contract {}",
                env!("CARGO_PKG_VERSION"),
                option_env!("WASM_CONNECT_COMMIT").unwrap_or("unknown"),
                crate::plugin::catalog::CONTRACT
            );
            Ok(())
        }
    }
}

/// Where the built-in plugins are: the folder the build put them in, or
/// `plugins/` next to the executable (an installed copy).
pub fn builtin_plugin_dir() -> Option<PathBuf> {
    let built = option_env!("WASM_CONNECT_BUILTIN_PLUGINS").map(PathBuf::from);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("plugins")));
    built.into_iter().chain(beside).find(|d| d.is_dir())
}

/// The built-in plugins (always available, like the classes on Apache's
/// classpath) followed by `plugin.path`, without duplicates.
pub fn search_path(configured: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
    for p in builtin_plugin_dir()
        .into_iter()
        .chain(configured.iter().cloned())
    {
        if !out.iter().any(|seen| canonical(seen) == canonical(&p)) {
            out.push(p);
        }
    }
    out
}

async fn list_plugins(plugin_path: Vec<PathBuf>) -> Result<(), CliError> {
    let engine = Arc::new(PluginEngine::new()?);
    let catalog = PluginCatalog::load(&engine, &search_path(&plugin_path)).await;
    let mut rows: Vec<[String; 5]> = catalog
        .plugins()
        .iter()
        .map(|p| {
            let names = catalog.names_of(p);
            [
                p.manifest.kind.rest_name().to_owned(),
                p.manifest.name.clone(),
                names.get(1..).map(|a| a.join(", ")).unwrap_or_default(),
                p.manifest.version.clone(),
                p.file.path.display().to_string(),
            ]
        })
        .collect();
    rows.sort();
    let header = ["KIND", "NAME", "ALIASES", "VERSION", "FILE"].map(str::to_owned);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        table.push_str(line.join("  ").trim_end());
        table.push('\n');
    }
    print_output(&table)?;
    // Each problem was logged as the catalog met it (at the default
    // level of this command too); the exit status and the last line say
    // that there were some.
    match catalog.problems().len() {
        0 => Ok(()),
        n => Err(CliError::PluginProblems(n)),
    }
}

/// Write a command's output to stdout. A reader that went away (`| head`)
/// ends the output quietly, as it does for other command-line tools, instead
/// of the panic `println!` gives.
fn print_output(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}

/// Read a connector file: `.json` as in KIP-980, anything else as
/// properties.
fn read_connector_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not valid JSON: {e}", path.display()))?;
        let (name, config) = match (value.get("name"), value.get("config")) {
            (Some(serde_json::Value::String(n)), Some(c)) => (Some(n.clone()), c.clone()),
            _ => (None, value),
        };
        let serde_json::Value::Object(map) = config else {
            return Err(format!(
                "{}: expected a JSON object of settings",
                path.display()
            ));
        };
        let mut entries: Vec<(String, String)> = Vec::with_capacity(map.len() + 1);
        for (k, v) in map {
            let v = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    return Err(format!(
                        "{}: the value of \"{k}\" must be a string, not {other}",
                        path.display()
                    ));
                }
            };
            entries.push((k, v));
        }
        if let Some(n) = name
            && !entries.iter().any(|(k, _)| k == "name")
        {
            entries.push(("name".into(), n));
        }
        Ok(entries)
    } else {
        properties::parse_file(path).map_err(|e| e.to_string())
    }
}

async fn standalone(args: StandaloneArgs) -> Result<(), CliError> {
    let entries = properties::parse_file(&args.worker_config)?;
    let source_name = format!("worker config {}", args.worker_config.display());
    // Plugins first: config providers may be plugins, and they resolve
    // `${…}` in the worker's own settings too, as in Apache.
    let options = crate::config::worker::engine_options(&entries).map_err(|problems| {
        crate::config::ConfigErrors {
            source_name: source_name.clone(),
            problems,
        }
    })?;
    let engine = Arc::new(PluginEngine::with_options(&options)?);
    let started = std::time::Instant::now();
    let catalog = Arc::new(
        PluginCatalog::load(
            &engine,
            &search_path(&crate::config::worker::plugin_path(&entries)),
        )
        .await,
    );
    tracing::info!(
        plugins = catalog.plugins().len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Plugins loaded"
    );
    let factory = PluginProviders {
        engine: engine.clone(),
        catalog: catalog.clone(),
        cwd: std::env::current_dir().unwrap_or_default(),
    };
    let providers = Arc::new(ConfigProviders::from_worker_config_with(
        &entries,
        &source_name,
        &factory,
    )?);
    let resolved = providers
        .resolve(&entries)
        .map_err(|e| CliError::Provider(e.to_string()))?;
    let config = WorkerConfig::from_entries(resolved, &source_name)?;

    let embedded = if args.embedded_broker || config.wants_embedded_broker() {
        let broker = EmbeddedBroker::start()?;
        tracing::warn!(
            bootstrap = broker.bootstrap_servers(),
            "Started the EMBEDDED BROKER: in-memory only, every record is lost when the worker stops, \
             and each partition keeps at most 100,000 records. For trying wasm-connect out, not for real data"
        );
        Some(broker)
    } else {
        None
    };
    let kafka = KafkaSettings {
        bootstrap_servers: embedded
            .as_ref()
            .map(|b| b.bootstrap_servers().to_owned())
            .unwrap_or_else(|| config.bootstrap_servers.clone()),
        producer: config.producer.clone(),
        consumer: config.consumer.clone(),
        admin: config.admin.clone(),
    };

    let offsets: Arc<dyn OffsetStore> = match &config.offset_storage_file {
        Some(path) => Arc::new(FileOffsetStore::open(path)?),
        None => {
            tracing::warn!(
                "offset.storage.file.filename is not set: source offsets are kept in memory only"
            );
            Arc::new(MemoryOffsetStore::default())
        }
    };
    let configs: Arc<dyn ConfigStore> = match &config.config_storage_file {
        Some(path) => Arc::new(LocalConfigStore::open(path)?),
        None => {
            tracing::warn!(
                "Neither offset.storage.file.filename nor config.storage.file.filename is set: connectors created over REST are forgotten when the worker stops"
            );
            Arc::new(LocalConfigStore::memory())
        }
    };
    let worker = Arc::new(Worker::new(
        &config,
        kafka.clone(),
        engine,
        catalog,
        Stores {
            offsets,
            configs,
            statuses: Arc::new(MemoryStatusStore::default()),
        },
        providers,
    ));

    let cluster_id = Arc::new(OnceLock::new());
    {
        let cluster_id = cluster_id.clone();
        let kafka = kafka.clone();
        tokio::task::spawn_blocking(move || {
            match kafka.cluster_id(std::time::Duration::from_secs(30)) {
                Some(id) => {
                    tracing::info!(kafka_cluster_id = %id, "Connected to Kafka");
                    let _ = cluster_id.set(id);
                }
                None => {
                    tracing::warn!(bootstrap = %kafka.bootstrap_servers, "Could not reach Kafka yet to read its cluster id")
                }
            }
        });
    }

    let listener = tokio::net::TcpListener::bind(config.rest_listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: config.rest_listen,
            source,
        })?;
    let ready = Arc::new(AtomicBool::new(false));
    let app = router(RestState {
        worker: worker.clone(),
        cluster_id,
        ready: ready.clone(),
    });
    tracing::info!(url = %format!("http://{}", config.rest_listen), worker_id = worker.worker_id(), "REST server listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(async move {
        let mut stop_rx = stop_rx;
        let shutdown = async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!("REST server failed: {e}");
        }
    });

    let mut from_files = Vec::new();
    for file in &args.connector_configs {
        match read_connector_file(file) {
            Ok(entries) => {
                if let Some(name) = crate::config::get(&entries, "name") {
                    from_files.push(name.trim().to_owned());
                }
                worker
                    .add_connector_from_file(&file.display().to_string(), entries)
                    .await
            }
            Err(e) => tracing::error!(file = %file.display(), "Skipping connector file: {e}"),
        }
    }
    worker.restore(&from_files).await;
    ready.store(true, Ordering::Release);
    if let Some(interval) = config.reload_interval {
        tokio::spawn(worker.clone().watch_plugins(interval, stop_tx.subscribe()));
    }

    wait_for_signal().await;
    tracing::info!("Stopping: committing offsets and stopping tasks");
    let _ = stop_tx.send(true);
    worker.shutdown().await;
    let _ = server.await;
    drop(embedded);
    tracing::info!("Stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
