//! What epoch interruption costs: the mechanism behind
//! `plugin.call.timeout.ms` and the yielding that keeps a busy plugin from
//! starving other tasks. Wasmtime then checks the epoch at every function
//! entry and loop back-edge of the guest's code, so CPU-bound plugin code
//! pays most. Measured on tight, guest-bound work: the chain of three SMTs
//! and JsonConverter's `to-connect` (a JSON parser) on batches of 1,000
//! struct records, each through an engine with epochs and one without, in
//! the same run (the machine is shared: compare the rows of one run).
//! Times are the benchmark thread's CPU time (see `common::cpu_now`). First
//! the two engines alternate call by call (the ratio that counts: phases of
//! a shared machine hit both alike), then criterion measures each row.
//!
//! Run: `cargo bench -p wasm-connect --bench epoch`. Results in
//! BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{CHAIN, RECORDS, config, cpu_now, struct_batch};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wasm_connect::cli::builtin_plugin_dir;
use wasm_connect::plugin::catalog::KindClass;
use wasm_connect::plugin::sandbox::{ConverterHandle, ConverterTarget, TransformHandle};
use wasm_connect::plugin::{EngineOptions, Grants, PluginCatalog, PluginEngine, Sandbox};
use wasm_connect_sdk::{Batch, Part, ValueRef};

/// One engine's sandbox with the chain and the converter in it.
struct Setup {
    sandbox: Sandbox,
    chain: Vec<TransformHandle>,
    json: ConverterHandle,
}

fn setup(rt: &tokio::runtime::Runtime, epochs: bool) -> Setup {
    let engine = Arc::new(
        PluginEngine::with_options(&EngineOptions {
            epoch_interruption: epochs,
            ..EngineOptions::default()
        })
        .unwrap(),
    );
    let dir = builtin_plugin_dir().expect("built-in plugins (cargo build first)");
    let catalog = rt.block_on(PluginCatalog::load(&engine, &[dir]));
    let mut sandbox = Sandbox::new(engine, &Grants::default()).unwrap();
    let chain = CHAIN
        .iter()
        .map(|(class, settings)| {
            let plugin = catalog.find(KindClass::Transform, class).unwrap();
            rt.block_on(sandbox.create_transform(&plugin, &config(settings)))
                .unwrap()
        })
        .collect();
    let plugin = catalog
        .find(
            KindClass::Converter,
            "org.apache.kafka.connect.json.JsonConverter",
        )
        .unwrap();
    let json = rt
        .block_on(sandbox.create_converter(
            &plugin,
            &config(&[("schemas.enable", "true")]),
            ConverterTarget::Value,
        ))
        .unwrap();
    Setup {
        sandbox,
        chain,
        json,
    }
}

/// The JSON bytes JsonConverter writes for `structs`, as a sink gets them.
fn json_batch(rt: &tokio::runtime::Runtime, s: &mut Setup, structs: &Batch) -> Batch {
    let json = rt
        .block_on(s.sandbox.from_connect(&s.json, structs.clone()))
        .unwrap();
    let values: Vec<Vec<u8>> = (0..json.len())
        .map(|i| {
            let (node, _) = json.part(i, Part::Value).unwrap();
            match json.value(node, "value").unwrap() {
                ValueRef::Bytes(b) => b.to_vec(),
                _ => panic!("JsonConverter wrote no bytes"),
            }
        })
        .collect();
    common::bytes_batch("customers", values.iter().map(Vec::as_slice))
}

/// CPU time of one call of `work` on `s`.
fn timed(rt: &tokio::runtime::Runtime, s: &mut Setup, work: Work, input: &Batch) -> Duration {
    rt.block_on(async {
        let batch = input.clone();
        let start = cpu_now();
        let out = match work {
            Work::Chain => {
                let mut batch = batch;
                for step in &s.chain {
                    batch = s.sandbox.apply(step, batch).await.unwrap();
                }
                batch
            }
            Work::Json => s.sandbox.to_connect(&s.json, batch).await.unwrap(),
        };
        let spent = cpu_now() - start;
        std::hint::black_box(out);
        spent
    })
}

/// What is timed.
#[derive(Clone, Copy)]
enum Work {
    Chain,
    Json,
}

/// Alternates the two engines call by call, so that the phases in which
/// this shared machine runs slower hit both alike (criterion measures one
/// row after the other), and prints the median of each and of the ratio of
/// each pair.
fn paired(
    rt: &tokio::runtime::Runtime,
    setups: &mut [(&str, Setup); 2],
    inputs: [(&str, Work, &Batch); 2],
) {
    const PAIRS: usize = 400;
    for (name, work, input) in inputs {
        let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..PAIRS {
            let a = timed(rt, &mut setups[0].1, work, input).as_secs_f64();
            let b = timed(rt, &mut setups[1].1, work, input).as_secs_f64();
            with.push(a);
            without.push(b);
            ratios.push(a / b);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "paired, {PAIRS} pairs, {name}: with epochs {:.3} ms, without {:.3} ms (medians); median ratio {:.3}",
            median(&mut with) * 1e3,
            median(&mut without) * 1e3,
            median(&mut ratios)
        );
    }
}

fn epoch(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut setups = [
        ("with epochs", setup(&rt, true)),
        ("without epochs", setup(&rt, false)),
    ];
    let structs = struct_batch();
    let jsons = json_batch(&rt, &mut setups[0].1, &structs);
    let inputs = [
        ("3-SMT chain", Work::Chain, &structs),
        ("JsonConverter to-connect", Work::Json, &jsons),
    ];
    paired(&rt, &mut setups, inputs);

    let mut group = c.benchmark_group("epoch interruption, 1000 records");
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (label, s) in &mut setups {
        for (name, work, input) in inputs {
            group.bench_function(BenchmarkId::new(name, *label), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| timed(&rt, s, work, input)).sum())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, epoch);
criterion_main!(benches);
