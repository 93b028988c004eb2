//! Structured data through the plugin boundary: JsonConverter (both ways,
//! `schemas.enable=true`) and a chain of three SMTs on batches of 1,000
//! struct records, through wasmtime into the built-in components, beside
//! the same plugin code compiled natively (plain Rust, no boundary), and a
//! transform that changes nothing, for the cost of the boundary alone.
//! Times are the benchmark thread's CPU time (see [`common::cpu_now`]).
//!
//! Run: `cargo bench -p wasm-connect --bench structured`. Results and the
//! machine they came from are in BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code"
)]

mod common;

use common::{CHAIN, RECORDS, config, struct_batch};
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use wasm_connect::cli::builtin_plugin_dir;
use wasm_connect::plugin::catalog::KindClass;
use wasm_connect::plugin::sandbox::{ConverterHandle, ConverterTarget, TransformHandle};
use wasm_connect::plugin::{Grants, PluginCatalog, PluginEngine, Sandbox};
use wasm_connect_plugin_json::JsonConverter;
use wasm_connect_plugin_transforms::drop_headers::DropHeaders;
use wasm_connect_plugin_transforms::insert_field::InsertFieldValue;
use wasm_connect_plugin_transforms::mask_field::MaskFieldValue;
use wasm_connect_plugin_transforms::replace_field::ReplaceFieldValue;
use wasm_connect_sdk::{Batch, Config, Converter, Part, Target, Transform, Value, ValueRef};

/// The converter's settings, as a worker would pass them.
const JSON_CONFIG: &[(&str, &str)] = &[("schemas.enable", "true")];

/// A transform that leaves these records as they are (they have no
/// headers): what remains of its cost through wasmtime is the boundary
/// itself for a batch of this shape (copies, guest-side batch decoding,
/// host checks), apart from any plugin's work.
const NO_OP: (&str, &[(&str, &str)]) = (
    "org.apache.kafka.connect.transforms.DropHeaders",
    &[("headers", "absent")],
);

/// A batch as a sink task builds it from Kafka: the JSON that the
/// converter writes for [`struct_batch`], as bytes, no schema.
fn json_batch(structs: &Batch) -> Batch {
    let mut json = structs.clone();
    json_converter().from_connect(&mut json).unwrap();
    let values: Vec<&[u8]> = (0..json.len())
        .map(|i| {
            let (node, _) = json.part(i, Part::Value).unwrap();
            match json.value(node, "value").unwrap() {
                ValueRef::Bytes(bytes) => bytes,
                _ => panic!("JsonConverter wrote no bytes"),
            }
        })
        .collect();
    common::bytes_batch("customers", values)
}

/// A call through the boundary that a benchmark times.
#[derive(Clone, Copy)]
enum Call<'a> {
    FromConnect(&'a ConverterHandle),
    ToConnect(&'a ConverterHandle),
    /// One `apply` per transform, in order, as a task's chain makes them.
    Chain(&'a [TransformHandle]),
}

impl Call<'_> {
    async fn run(self, sandbox: &mut Sandbox, batch: Batch) -> Batch {
        match self {
            Call::FromConnect(h) => sandbox.from_connect(h, batch).await.unwrap(),
            Call::ToConnect(h) => sandbox.to_connect(h, batch).await.unwrap(),
            Call::Chain(steps) => {
                let mut batch = batch;
                for step in steps {
                    batch = sandbox.apply(step, batch).await.unwrap();
                }
                batch
            }
        }
    }
}

/// Times `call` through wasmtime, each time on a fresh copy of `input`
/// (as a batch built from Kafka or returned by a task is); only the call
/// is timed.
fn bench_wasm(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &Batch,
    rt: &tokio::runtime::Runtime,
    sandbox: &mut Sandbox,
    call: Call<'_>,
) {
    group.bench_with_input(BenchmarkId::new(name, RECORDS), input, |b, input| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let batch = input.clone();
                    let start = common::cpu_now();
                    let out = call.run(sandbox, batch).await;
                    total += common::cpu_now() - start;
                    std::hint::black_box(out);
                }
                total
            })
        })
    });
}

/// Times the same plugin code compiled natively on the same fresh copies.
/// `call` must check every batch a plugin step returns (`validate`), as the
/// host does, so that the difference with [`bench_wasm`] is the boundary.
fn bench_native(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &Batch,
    mut call: impl FnMut(Batch) -> Batch,
) {
    group.bench_with_input(BenchmarkId::new(name, RECORDS), input, |b, input| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let batch = input.clone();
                let start = common::cpu_now();
                let out = call(batch);
                total += common::cpu_now() - start;
                std::hint::black_box(out);
            }
            total
        })
    });
}

fn json_converter() -> JsonConverter {
    JsonConverter::configure(Config::from(config(JSON_CONFIG)), Target::Value).unwrap()
}

fn structured(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = Arc::new(PluginEngine::new().unwrap());
    let dir = builtin_plugin_dir().expect("built-in plugins (cargo build first)");
    let catalog = rt.block_on(PluginCatalog::load(&engine, &[dir]));
    let mut sandbox = Sandbox::new(engine.clone(), &Grants::default()).unwrap();
    let json = catalog
        .find(
            KindClass::Converter,
            "org.apache.kafka.connect.json.JsonConverter",
        )
        .unwrap();
    let converter: ConverterHandle = rt
        .block_on(sandbox.create_converter(&json, &config(JSON_CONFIG), ConverterTarget::Value))
        .unwrap();
    let mut transform = |(class, settings): (&str, &[(&str, &str)])| {
        let plugin = catalog.find(KindClass::Transform, class).unwrap();
        rt.block_on(sandbox.create_transform(&plugin, &config(settings)))
            .unwrap()
    };
    let chain: Vec<TransformHandle> = CHAIN.into_iter().map(&mut transform).collect();
    let no_op = transform(NO_OP);

    let structs = struct_batch();
    let jsons = json_batch(&structs);
    let sizes: Vec<usize> = (0..jsons.len())
        .map(|i| {
            let (node, _) = jsons.part(i, Part::Value).unwrap();
            node.a as usize
        })
        .collect();
    eprintln!(
        "{RECORDS} records; a struct record takes {} bytes in a batch (data, nodes, descriptor); its JSON envelope {}..{} bytes",
        (structs.data().len() + structs.nodes.len() + structs.records.len()) / RECORDS,
        sizes.iter().min().unwrap(),
        sizes.iter().max().unwrap(),
    );
    check_chain_output(&rt, &mut sandbox, &chain, &structs);

    let mut group = c.benchmark_group("structured, 1000 records");
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(RECORDS as u64));

    // (a) JsonConverter, from-connect (serialize) and to-connect (deserialize).
    let g = &mut group;
    bench_wasm(
        g,
        "JsonConverter from-connect wasm",
        &structs,
        &rt,
        &mut sandbox,
        Call::FromConnect(&converter),
    );
    let mut native = json_converter();
    bench_native(
        g,
        "JsonConverter from-connect native",
        &structs,
        |mut batch| {
            native.from_connect(&mut batch).unwrap();
            batch.validate().unwrap();
            batch
        },
    );
    bench_wasm(
        g,
        "JsonConverter to-connect wasm",
        &jsons,
        &rt,
        &mut sandbox,
        Call::ToConnect(&converter),
    );
    let mut native = json_converter();
    bench_native(g, "JsonConverter to-connect native", &jsons, |mut batch| {
        native.to_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        batch
    });

    // (b) MaskField$Value → InsertField$Value → ReplaceField$Value.
    bench_wasm(
        g,
        "3-SMT chain wasm",
        &structs,
        &rt,
        &mut sandbox,
        Call::Chain(&chain),
    );
    let settings = |i: usize| Config::from(config(CHAIN[i].1));
    let mut mask = MaskFieldValue::configure(settings(0)).unwrap();
    let mut insert = InsertFieldValue::configure(settings(1)).unwrap();
    let mut rename = ReplaceFieldValue::configure(settings(2)).unwrap();
    bench_native(g, "3-SMT chain native", &structs, |batch| {
        let batch = mask.apply(batch).unwrap();
        batch.validate().unwrap();
        let batch = insert.apply(batch).unwrap();
        batch.validate().unwrap();
        let batch = rename.apply(batch).unwrap();
        batch.validate().unwrap();
        batch
    });

    // (c) The boundary alone: a transform that changes nothing.
    bench_wasm(
        g,
        "no-op transform wasm",
        &structs,
        &rt,
        &mut sandbox,
        Call::Chain(std::slice::from_ref(&no_op)),
    );
    let mut drop = DropHeaders::configure(Config::from(config(NO_OP.1))).unwrap();
    bench_native(g, "no-op transform native", &structs, |batch| {
        let batch = drop.apply(batch).unwrap();
        batch.validate().unwrap();
        batch
    });
    group.finish();
}

/// The wasm chain does what it is measured doing (the email masked, the
/// static field added, the name renamed), checked once before measuring.
fn check_chain_output(
    rt: &tokio::runtime::Runtime,
    sandbox: &mut Sandbox,
    chain: &[TransformHandle],
    structs: &Batch,
) {
    let mut batch = structs.clone();
    for step in chain {
        batch = rt.block_on(sandbox.apply(step, batch)).unwrap();
    }
    let record = batch.to_records().unwrap().remove(0);
    let Value::Struct(value) = record.value else {
        panic!("the chain did not return a struct");
    };
    assert_eq!(value.get("email"), Some(&Value::String(String::new())));
    assert_eq!(value.get("origin"), Some(&Value::from("bench")));
    assert_eq!(
        value.get("full_name"),
        Some(&Value::from("Customer 1000000 Lastname"))
    );
}

criterion_group!(benches, structured);
criterion_main!(benches);
