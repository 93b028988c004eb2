//! The example transform (`examples/*/mask-route`, MaskRoute: mask a
//! field, route by a header) written in Rust, Python and JavaScript, side by
//! side: component size, compile time (cold start), load from the compile
//! cache (a restarted worker), instantiation (a task starting), and the
//! cost per record of a call on a batch of 1,000, beside a no-op transform
//! (the cost of crossing the boundary with these records).
//!
//! Build the examples first: `examples/build.sh`, then
//! `cargo bench -p wasm-connect --bench languages`. Results and the machine
//! they came from are in BENCHMARKS.md.
//!
//! Two knobs, to measure one language's pieces without paying for the
//! others' compiles (a JavaScript component takes ~12 s of CPU to compile):
//! `MASK_ROUTE_LANGUAGES=js` (a comma-separated subset of rust, python, js)
//! measures only those languages, and `MASK_ROUTE_VARIANTS=name=path,...`
//! adds a per-record row for each component at `path` (built from a variant
//! of an example, e.g. with parts of `apply` removed), whose transform has
//! the plugin name of the example in the language its name starts with
//! (`js-empty` is `examples.js.MaskRoute`). Variants' output is not checked:
//! a piece of `apply` does not mask or route.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code"
)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cpu_now;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wasm_connect::plugin::catalog::KindClass;
use wasm_connect::plugin::{Grants, PluginCatalog, PluginEngine, PluginInfo, Sandbox};
use wasm_connect_sdk::{Batch, Field, Header, Record, Schema, SchemaType, Struct, Value};

/// Records per batch: the size at which the per-call cost no longer
/// dominates (BENCHMARKS.md, boundary).
const RECORDS: usize = 1000;
const LANGUAGES: [&str; 3] = ["rust", "python", "js"];

/// The languages to set up: `MASK_ROUTE_LANGUAGES` or all of them.
fn languages_wanted() -> Vec<&'static str> {
    match std::env::var("MASK_ROUTE_LANGUAGES") {
        Ok(list) => LANGUAGES
            .into_iter()
            .filter(|l| list.split(',').any(|w| w.trim() == *l))
            .collect(),
        Err(_) => LANGUAGES.to_vec(),
    }
}

fn component(language: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/examples")
        .join(language)
        .join("mask-route.wasm");
    assert!(
        path.is_file(),
        "{} is missing: build the examples first (examples/build.sh)",
        path.display()
    );
    path
}

fn config() -> Vec<(String, String)> {
    vec![("mask.field".into(), "email".into())]
}

/// Customers as a sink task gets them after JsonConverter: a struct value
/// with an email to mask, and a `route` header naming one of four topics.
fn batch() -> Batch {
    let field = |name: &str, schema: Schema| Field {
        name: name.to_owned(),
        schema: Arc::new(schema),
    };
    let schema = Arc::new(
        Schema::structure(vec![
            field("id", Schema::new(SchemaType::Int64)),
            field("name", Schema::new(SchemaType::String)),
            field("email", Schema::optional(SchemaType::String)),
        ])
        .named("com.example.Customer"),
    );
    let regions = ["eu-orders", "us-orders", "asia-orders", "other-orders"];
    let records: Vec<Record> = (0..RECORDS)
        .map(|i| {
            let id = 1_000_000 + i as i64;
            let mut record = Record::new("orders").with_value(
                Some(schema.clone()),
                Value::Struct(Struct {
                    schema: schema.clone(),
                    values: vec![
                        Value::Int64(id),
                        Value::String(format!("Customer {id}")),
                        Value::String(format!("customer.{id}@example.com")),
                    ],
                }),
            );
            record.partition = Some(0);
            record.offset = Some(i as i64);
            record.headers.push(Header {
                key: "route".into(),
                schema: None,
                value: Value::String(regions[i % regions.len()].into()),
            });
            record
        })
        .collect();
    let mut batch = Batch::from_records(&records).unwrap();
    batch.tag_positions().unwrap();
    batch
}

/// A plain engine with the worker's settings but no compile cache: what a
/// first start costs.
fn compile_cold(path: &PathBuf) -> Duration {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let started = Instant::now();
    let component = wasmtime::component::Component::from_binary(&engine, &bytes).unwrap();
    let elapsed = started.elapsed();
    std::hint::black_box(component);
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn languages(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let input = batch();
    eprintln!(
        "{RECORDS} records, {} bytes per record in the batch (data, nodes, descriptors, headers)",
        (input.data().len() + input.nodes.len() + input.records.len() + input.headers.len())
            / RECORDS
    );
    let mut tasks = Vec::new();
    for language in languages_wanted() {
        let path = component(language);
        let size = std::fs::metadata(&path).unwrap().len();
        let cold = compile_cold(&path);
        // The first load fills the engine's cache (if it was empty); the
        // next ones are a worker restarting: a new engine, the cache on disk.
        let load = |engine: &Arc<PluginEngine>| {
            let started = Instant::now();
            let catalog = rt.block_on(PluginCatalog::load(engine, std::slice::from_ref(&path)));
            assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
            (started.elapsed(), catalog)
        };
        load(&Arc::new(PluginEngine::new().unwrap()));
        let cached = median(
            (0..5)
                .map(|_| load(&Arc::new(PluginEngine::new().unwrap())).0)
                .collect(),
        );
        let engine = Arc::new(PluginEngine::new().unwrap());
        let (_, catalog) = load(&engine);
        let plugin = catalog
            .find(
                KindClass::Transform,
                &format!("examples.{language}.MaskRoute"),
            )
            .unwrap();
        // A task starting: a new store, the component instantiated, the
        // transform created.
        let instantiate = median(
            (0..20)
                .map(|_| {
                    let started = Instant::now();
                    let mut sandbox = Sandbox::new(engine.clone(), &Grants::default()).unwrap();
                    rt.block_on(sandbox.create_transform(&plugin, &config()))
                        .unwrap();
                    let elapsed = started.elapsed();
                    rt.block_on(sandbox.close_all());
                    elapsed
                })
                .collect(),
        );
        println!(
            "{language:>6}: component {:.1} MB, compile (no cache) {:.2} s, load from cache {:.1} ms, \
             instantiate + create {:.2} ms",
            size as f64 / 1e6,
            cold.as_secs_f64(),
            cached.as_secs_f64() * 1e3,
            instantiate.as_secs_f64() * 1e3
        );
        // Every language masks and routes the same way.
        let mut task = Task::new(engine, plugin, config(), &rt);
        let out = rt
            .block_on(task.sandbox.apply(&task.handle, input.clone()))
            .unwrap()
            .to_records()
            .unwrap();
        assert_eq!(out[1].topic, "us-orders");
        match &out[1].value {
            Value::Struct(s) => assert_eq!(s.values[2], Value::String("****".into())),
            other => panic!("{language}: {other:?}"),
        }
        tasks.push((language.to_owned(), task));
    }
    for variant in std::env::var("MASK_ROUTE_VARIANTS")
        .unwrap_or_default()
        .split(',')
        .filter(|v| !v.is_empty())
    {
        let (name, path) = variant
            .split_once('=')
            .expect("MASK_ROUTE_VARIANTS is name=path,...");
        let language = LANGUAGES
            .into_iter()
            .find(|l| name.starts_with(l))
            .expect("a variant's name starts with its language");
        let engine = Arc::new(PluginEngine::new().unwrap());
        let catalog = rt.block_on(PluginCatalog::load(&engine, &[PathBuf::from(path)]));
        assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
        let plugin = catalog
            .find(
                KindClass::Transform,
                &format!("examples.{language}.MaskRoute"),
            )
            .unwrap();
        tasks.push((name.to_owned(), Task::new(engine, plugin, config(), &rt)));
    }
    // The same batch through a transform that returns it untouched (a
    // header no record has is dropped): what crossing the boundary costs
    // for these records, to subtract from each language's row.
    let builtin =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/transforms.wasm");
    let engine = Arc::new(PluginEngine::new().unwrap());
    let catalog = rt.block_on(PluginCatalog::load(&engine, std::slice::from_ref(&builtin)));
    let noop = catalog
        .find(KindClass::Transform, "wasmconnect.transforms.DropHeaders")
        .unwrap();
    tasks.push((
        "no-op".to_owned(),
        Task::new(engine, noop, vec![("headers".into(), "absent".into())], &rt),
    ));

    let mut group = c.benchmark_group("MaskRoute, 1000 records");
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (language, task) in &mut tasks {
        group.bench_with_input(
            BenchmarkId::new(language.clone(), RECORDS),
            &input,
            |b, input| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        task.renew_when_grown(&rt);
                        let batch = input.clone();
                        let start = cpu_now();
                        let out = rt
                            .block_on(task.sandbox.apply(&task.handle, batch))
                            .unwrap();
                        total += cpu_now() - start;
                        std::hint::black_box(out);
                    }
                    total
                })
            },
        );
    }
    group.finish();
}

/// A transform in its own sandbox, as a task holds it.
struct Task {
    engine: Arc<PluginEngine>,
    plugin: Arc<PluginInfo>,
    config: Vec<(String, String)>,
    sandbox: Sandbox,
    handle: wasm_connect::plugin::sandbox::TransformHandle,
}

impl Task {
    fn new(
        engine: Arc<PluginEngine>,
        plugin: Arc<PluginInfo>,
        config: Vec<(String, String)>,
        rt: &tokio::runtime::Runtime,
    ) -> Self {
        let mut sandbox = Sandbox::new(engine.clone(), &Grants::default()).unwrap();
        let handle = rt
            .block_on(sandbox.create_transform(&plugin, &config))
            .unwrap();
        Self {
            engine,
            plugin,
            config,
            sandbox,
            handle,
        }
    }

    /// A new sandbox (not timed) once the plugin's memory passed 128 MiB:
    /// componentize-py 0.25.1 never frees the buffers of a returned batch
    /// (BENCHMARKS.md), so a Python plugin's memory grows by the size of
    /// each batch it returns and would reach the 256 MiB limit in the
    /// middle of a measurement.
    fn renew_when_grown(&mut self, rt: &tokio::runtime::Runtime) {
        if self.sandbox.memory_used() > 128 << 20 {
            rt.block_on(self.sandbox.close_all());
            *self = Self::new(
                self.engine.clone(),
                self.plugin.clone(),
                self.config.clone(),
                rt,
            );
        }
    }
}

criterion_group!(benches, languages);
criterion_main!(benches);
