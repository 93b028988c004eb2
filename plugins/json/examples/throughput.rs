//! Rough throughput of both directions on a typical record (a struct of six
//! fields): `cargo run --release --example throughput [true|false][:ser]`,
//! and the same code as WebAssembly with `examples/run_wasm.py`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use wasm_connect_plugin_json::JsonConverter;
use wasm_connect_sdk::prelude::*;

fn main() {
    let field = |name: &str, t: SchemaType| Field {
        name: name.into(),
        schema: Arc::new(Schema::new(t)),
    };
    let schema = Arc::new(
        Schema::structure(vec![
            field("id", SchemaType::Int64),
            field("name", SchemaType::String),
            field("email", SchemaType::String),
            field("score", SchemaType::Float64),
            field("active", SchemaType::Boolean),
            field("count", SchemaType::Int32),
        ])
        .named("com.example.User"),
    );
    let n = 10_000;
    let records: Vec<Record> = (0..n)
        .map(|i| {
            let value = Value::Struct(Struct {
                schema: schema.clone(),
                values: vec![
                    Value::Int64(i),
                    Value::String(format!("user-{i}")),
                    Value::String(format!("user{i}@example.com")),
                    Value::Float64(i as f64 * 1.5),
                    Value::Boolean(i % 2 == 0),
                    Value::Int32(i as i32),
                ],
            });
            Record::new("topic").with_value(Some(schema.clone()), value)
        })
        .collect();
    let only: Option<String> = std::env::args().nth(1);
    for enable in ["true", "false"] {
        if only.as_deref().is_some_and(|o| !o.starts_with(enable)) {
            continue;
        }
        let mode = only
            .as_deref()
            .and_then(|o| o.split(':').nth(1))
            .unwrap_or("both");
        let mut c = JsonConverter::configure(
            [("schemas.enable", enable)].into_iter().collect(),
            Target::Value,
        )
        .unwrap();
        let template = Batch::from_records(&records).unwrap();
        let rounds: usize = std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(20);
        let mut ser = 0.0;
        let mut de = 0.0;
        let mut bytes = 0;
        for _ in 0..rounds {
            let mut batch = template.clone();
            if mode == "none" {
                continue;
            }
            let t = Instant::now();
            c.from_connect(&mut batch).unwrap();
            ser += t.elapsed().as_secs_f64();
            bytes = batch.data().len() - template.data().len();
            if mode == "ser" {
                continue;
            }
            let mut fresh = batch.clone();
            let t = Instant::now();
            c.to_connect(&mut fresh).unwrap();
            de += t.elapsed().as_secs_f64();
        }
        let per = |secs: f64| secs / (rounds as f64 * n as f64) * 1e9;
        println!(
            "schemas.enable={enable}: from_connect {:.0} ns/record, to_connect {:.0} ns/record ({} bytes/record)",
            per(ser),
            per(de),
            bytes / n as usize
        );
    }
}
