//! The cost of the plugin boundary per record: a converter call on batches
//! of 1, 10, 100, 1,000 and 10,000 records with 100-byte values, through
//! wasmtime, beside the same converter compiled natively (plain Rust, no
//! boundary); and the cost of instantiating a plugin for a task (a new
//! store, the component instantiated, the converter created), beside
//! creating the native converter.
//!
//! Times are the benchmark thread's CPU time ([`common::cpu_now`]), as in
//! `structured.rs`: wall time on the shared machine counts other
//! processes' turns on the core.
//!
//! Run: `cargo bench -p wasm-connect --bench boundary`. Results and the
//! machine they came from are in BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wasm_connect::cli::builtin_plugin_dir;
use wasm_connect::plugin::catalog::KindClass;
use wasm_connect::plugin::sandbox::ConverterTarget;
use wasm_connect::plugin::{Grants, PluginCatalog, PluginEngine, Sandbox};
use wasm_connect_sdk::{Batch, Config, Converter, Target};

/// A batch as a sink task builds it from Kafka: bytes values, no schema.
fn raw_batch(records: usize) -> Batch {
    let value = [b'x'; 100];
    common::bytes_batch("bench", (0..records).map(|_| &value[..]))
}

fn boundary(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = Arc::new(PluginEngine::new().unwrap());
    let dir = builtin_plugin_dir().expect("built-in plugins (cargo build first)");
    let catalog = rt.block_on(PluginCatalog::load(&engine, &[dir]));
    let string = catalog
        .find(KindClass::Converter, "StringConverter")
        .unwrap();
    let bytes = catalog
        .find(KindClass::Converter, "ByteArrayConverter")
        .unwrap();
    let mut sandbox = Sandbox::new(engine.clone(), &Grants::default()).unwrap();
    let (string_conv, bytes_conv) = rt.block_on(async {
        (
            sandbox
                .create_converter(&string, &vec![], ConverterTarget::Value)
                .await
                .unwrap(),
            sandbox
                .create_converter(&bytes, &vec![], ConverterTarget::Value)
                .await
                .unwrap(),
        )
    });

    let mut group = c.benchmark_group("converter to-connect, 100-byte values");
    group.measurement_time(Duration::from_secs(4));
    for records in [1usize, 10, 100, 1000, 10_000] {
        let input = raw_batch(records);
        group.throughput(Throughput::Elements(records as u64));
        for (name, conv) in [
            ("StringConverter wasm", &string_conv),
            ("ByteArrayConverter wasm", &bytes_conv),
        ] {
            group.bench_with_input(BenchmarkId::new(name, records), &input, |b, input| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        // Each batch is fresh, as one built from Kafka
                        // messages is; only the call is timed.
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let batch = input.clone();
                            let start = common::cpu_now();
                            std::hint::black_box(sandbox.to_connect(conv, batch).await.unwrap());
                            total += common::cpu_now() - start;
                        }
                        total
                    })
                })
            });
        }
        bench_native::<wasm_connect_plugin_converters::StringConverter>(
            &mut group,
            "StringConverter native",
            &input,
        );
        bench_native::<wasm_connect_plugin_converters::ByteArrayConverter>(
            &mut group,
            "ByteArrayConverter native",
            &input,
        );
    }
    group.finish();

    // What a task pays once per plugin at start (and at every restart).
    let mut group = c.benchmark_group("instantiate a converter for a task");
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("ByteArrayConverter wasm", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut sandbox = Sandbox::new(engine.clone(), &Grants::default()).unwrap();
                let h = sandbox
                    .create_converter(&bytes, &vec![], ConverterTarget::Value)
                    .await
                    .unwrap();
                std::hint::black_box(h);
                sandbox.close_all().await;
            })
        })
    });
    group.bench_function("ByteArrayConverter native", |b| {
        b.iter(|| {
            std::hint::black_box(
                <wasm_connect_plugin_converters::ByteArrayConverter as Converter>::configure(
                    Config::new(),
                    Target::Value,
                )
                .unwrap(),
            )
        })
    });
    group.finish();
}

/// The same converter compiled natively, given the same batch.
fn bench_native<C: Converter>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    input: &Batch,
) {
    group.bench_with_input(BenchmarkId::new(name, input.len()), input, |b, input| {
        let mut native = C::configure(Config::new(), Target::Value).unwrap();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut batch = input.clone();
                let start = common::cpu_now();
                native.to_connect(&mut batch).unwrap();
                // The host checks every batch a plugin returns; count it
                // here too so that the difference is the boundary alone.
                batch.validate().unwrap();
                std::hint::black_box(&batch);
                total += common::cpu_now() - start;
            }
            total
        })
    });
}

criterion_group!(benches, boundary);
criterion_main!(benches);
