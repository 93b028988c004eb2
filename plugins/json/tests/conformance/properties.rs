//! Property tests: Connect data → JSON → Connect data gives back the same
//! value and an equal schema; schemaless JSON-shaped values round-trip;
//! no input makes the converter panic.

use std::collections::HashSet;
use std::sync::Arc;

use proptest::prelude::*;
use wasm_connect_plugin_json::decimal::to_twos_complement;
use wasm_connect_sdk::prelude::*;

use crate::common::*;

/// Floats that survive JSON in Apache too (NaN is written as a string,
/// and -0.0 reads back as BigDecimal zero, i.e. +0.0).
fn f64s() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite, not -0.0", |v| {
        v.is_finite() && !(*v == 0.0 && v.is_sign_negative())
    })
}

fn f32s() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite, not -0.0", |v| {
        v.is_finite() && !(*v == 0.0 && v.is_sign_negative())
    })
}

fn decimal_bytes() -> impl Strategy<Value = Vec<u8>> {
    any::<i64>().prop_map(|v| {
        let digits = if v == 0 {
            String::new()
        } else {
            v.unsigned_abs().to_string()
        };
        to_twos_complement(v < 0, digits.as_bytes())
    })
}

/// The primitive (and logical) schema types.
#[derive(Debug, Clone, Copy)]
enum Leaf {
    Plain(SchemaType),
    Decimal(i32),
    Date,
    Time,
    Timestamp,
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        prop::sample::select(vec![
            SchemaType::Boolean,
            SchemaType::Int8,
            SchemaType::Int16,
            SchemaType::Int32,
            SchemaType::Int64,
            SchemaType::Float32,
            SchemaType::Float64,
            SchemaType::String,
            SchemaType::Bytes,
        ])
        .prop_map(Leaf::Plain),
        (-3i32..12).prop_map(Leaf::Decimal),
        Just(Leaf::Date),
        Just(Leaf::Time),
        Just(Leaf::Timestamp),
    ]
}

fn leaf_schema(l: Leaf) -> Schema {
    match l {
        Leaf::Plain(t) => Schema::new(t),
        Leaf::Decimal(scale) => decimal_schema(scale),
        Leaf::Date => logical(SchemaType::Int32, DATE),
        Leaf::Time => logical(SchemaType::Int32, TIME),
        Leaf::Timestamp => logical(SchemaType::Int64, TIMESTAMP),
    }
}

fn leaf_value(l: Leaf) -> BoxedStrategy<Value> {
    match l {
        Leaf::Plain(SchemaType::Boolean) => any::<bool>().prop_map(Value::Boolean).boxed(),
        Leaf::Plain(SchemaType::Int8) => any::<i8>().prop_map(Value::Int8).boxed(),
        Leaf::Plain(SchemaType::Int16) => any::<i16>().prop_map(Value::Int16).boxed(),
        Leaf::Plain(SchemaType::Int32) | Leaf::Date => any::<i32>().prop_map(Value::Int32).boxed(),
        Leaf::Plain(SchemaType::Int64) | Leaf::Timestamp => {
            any::<i64>().prop_map(Value::Int64).boxed()
        }
        Leaf::Plain(SchemaType::Float32) => f32s().prop_map(Value::Float32).boxed(),
        Leaf::Plain(SchemaType::Float64) => f64s().prop_map(Value::Float64).boxed(),
        Leaf::Plain(SchemaType::Bytes) => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(Value::Bytes)
            .boxed(),
        Leaf::Decimal(_) => decimal_bytes().prop_map(Value::Bytes).boxed(),
        Leaf::Time => (0i32..=86_400_000).prop_map(Value::Int32).boxed(),
        Leaf::Plain(_) => any::<String>().prop_map(Value::String).boxed(),
    }
}

/// Optional metadata: optional flag, doc, version, parameters.
fn decorate(base: Schema) -> impl Strategy<Value = Schema> {
    let logical = base.name.is_some();
    (
        any::<bool>(),
        prop::option::of("[a-z ]{0,8}"),
        prop::option::of(any::<i32>()),
        prop::collection::vec(("[a-z]{1,3}", ".{0,4}"), 0..3),
    )
        .prop_map(move |(optional, doc, version, params)| {
            let mut schema = base.clone();
            schema.optional = optional;
            schema.doc = doc;
            if !logical {
                schema.version = version;
                let mut seen = HashSet::new();
                schema.parameters = params
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .collect();
            }
            schema
        })
}

/// A leaf schema, sometimes with a default.
fn leaf_schemas() -> BoxedStrategy<Arc<Schema>> {
    leaf()
        .prop_flat_map(|l| (decorate(leaf_schema(l)), prop::option::of(leaf_value(l))))
        .prop_map(|(mut schema, default)| {
            schema.default = default;
            Arc::new(schema)
        })
        .boxed()
}

fn schemas() -> BoxedStrategy<Arc<Schema>> {
    leaf_schemas()
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                (inner.clone()).prop_flat_map(|items| decorate(Schema::array(items))),
                (
                    prop::sample::select(vec![
                        SchemaType::String,
                        SchemaType::Int32,
                        SchemaType::Int64,
                        SchemaType::Int8
                    ]),
                    inner.clone()
                )
                    .prop_flat_map(|(k, v)| decorate(Schema::map(s(k), v))),
                prop::collection::vec(("[a-z]{1,6}", inner), 0..4).prop_flat_map(|fields| {
                    let mut seen = HashSet::new();
                    let fields = fields
                        .into_iter()
                        .filter(|(n, _)| seen.insert(n.clone()))
                        .map(|(name, schema)| Field { name, schema })
                        .collect();
                    decorate(Schema::structure(fields).named("rec"))
                }),
            ]
            .prop_map(Arc::new)
        })
        .boxed()
}

fn value_of(schema: Arc<Schema>) -> BoxedStrategy<Value> {
    let inner: BoxedStrategy<Value> = match schema.schema_type {
        SchemaType::Array => {
            let items = schema.value_schema.clone().expect("array items");
            prop::collection::vec(value_of(items), 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        SchemaType::Map => {
            let k = schema.key_schema.clone().expect("map keys");
            let v = schema.value_schema.clone().expect("map values");
            prop::collection::vec((value_of(k), value_of(v)), 0..4)
                .prop_map(|entries| {
                    let mut keys = Vec::new();
                    Value::Map(
                        entries
                            .into_iter()
                            .filter(|(k, _)| {
                                let fresh = !keys.contains(k);
                                keys.push(k.clone());
                                fresh
                            })
                            .collect(),
                    )
                })
                .boxed()
        }
        SchemaType::Struct => {
            let fields: Vec<BoxedStrategy<Value>> = schema
                .fields
                .iter()
                .map(|f| value_of(f.schema.clone()))
                .collect();
            let s = schema.clone();
            fields
                .prop_map(move |values| {
                    Value::Struct(Struct {
                        schema: s.clone(),
                        values,
                    })
                })
                .boxed()
        }
        _ => {
            let l = match (schema.name.as_deref(), schema.schema_type) {
                (Some(DECIMAL), _) => Leaf::Decimal(0),
                (Some(DATE), _) => Leaf::Date,
                (Some(TIME), _) => Leaf::Time,
                (Some(TIMESTAMP), _) => Leaf::Timestamp,
                (_, t) => Leaf::Plain(t),
            };
            leaf_value(l)
        }
    };
    if schema.optional {
        prop_oneof![1 => Just(Value::Null), 4 => inner].boxed()
    } else {
        inner
    }
}

fn schema_and_value() -> impl Strategy<Value = (Arc<Schema>, Value)> {
    schemas().prop_flat_map(|schema| (Just(schema.clone()), value_of(schema)))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::Int64),
        f64s().prop_map(Value::Float64),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..5).prop_map(|entries| {
                let mut seen = HashSet::new();
                Value::Map(
                    entries
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .map(|(k, v)| (Value::String(k), v))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn data_round_trips_with_its_schema((schema, value) in schema_and_value()) {
        for format in ["BASE64", "NUMERIC"] {
            let config = [("replace.null.with.default", "false"), ("decimal.format", format)];
            let mut c = converter(&config);
            let bytes = from_connect(&mut c, Some(&schema), &value).unwrap().unwrap();
            let (back_schema, back) = read(&mut c, &bytes);
            prop_assert_eq!(back_schema.as_deref(), Some(&*schema), "{}", bytes);
            prop_assert_eq!(&back, &value, "{}", bytes);
            // Writing what was read gives the same bytes.
            let again = from_connect(&mut c, back_schema.as_ref(), &back).unwrap().unwrap();
            prop_assert_eq!(again, bytes);
        }
    }

    #[test]
    fn schemaless_json_values_round_trip(value in json_value()) {
        for enable in ["true", "false"] {
            let mut c = converter(&[("schemas.enable", enable)]);
            match from_connect(&mut c, None, &value).unwrap() {
                None => prop_assert_eq!(&value, &Value::Null),
                Some(bytes) => {
                    let (schema, back) = read(&mut c, &bytes);
                    prop_assert_eq!(schema, None);
                    prop_assert_eq!(&back, &value, "{}", bytes);
                }
            }
        }
    }

    #[test]
    fn any_bytes_are_read_or_refused_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        for enable in ["true", "false"] {
            let mut c = converter(&[("schemas.enable", enable)]);
            let _ = to_connect_raw(&mut c, Some(&bytes));
        }
    }

    #[test]
    fn json_like_text_is_read_or_refused_without_panic(text in r#"[\[\]{}",:0-9eE.+\-a-z\\ ]{0,40}"#) {
        let mut c = converter(&[("schemas.enable", "false")]);
        let _ = to_connect(&mut c, &text);
        let mut c = converter(&[]);
        let _ = to_connect(&mut c, &format!(r#"{{"schema":{text},"payload":{text}}}"#));
    }
}
