//! Apache's `HeaderFromTest`, case by case, and our additions.

use std::sync::Arc;

use super::*;
use crate::route_util::testing::{config, header, run, source_record};

fn string_schema() -> Arc<Schema> {
    Arc::new(Schema::new(SchemaType::String))
}

fn optional_with_default() -> Arc<Schema> {
    let mut s = Schema::optional(SchemaType::String);
    s.default = Some("default".into());
    Arc::new(s)
}

/// Apache's `HeaderFromTest.RecordBuilder`.
#[derive(Clone, Default)]
struct Builder {
    fields: Vec<(String, Arc<Schema>, Value)>,
    headers: Vec<(String, Arc<Schema>, Value)>,
}

impl Builder {
    fn field(mut self, name: &str, schema: Arc<Schema>, value: Value) -> Self {
        self.fields.push((name.into(), schema, value));
        self
    }

    fn header(mut self, name: &str, schema: Arc<Schema>, value: Value) -> Self {
        self.headers.push((name.into(), schema, value));
        self
    }

    fn record(
        &self,
        key: bool,
        schema: Option<Arc<Schema>>,
        value: Value,
        headers: Vec<Header>,
    ) -> Record {
        let mut r = source_record(headers);
        if key {
            r.key_schema = schema;
            r.key = value;
        } else {
            r.value_schema = schema;
            r.value = value;
        }
        r
    }

    /// The fields as a map, headers without schemas.
    fn schemaless(&self, key: bool) -> Record {
        let map = Value::Map(
            self.fields
                .iter()
                .map(|(n, _, v)| (Value::from(n.as_str()), v.clone()))
                .collect(),
        );
        let headers = self
            .headers
            .iter()
            .map(|(n, _, v)| header(n, None, v.clone()))
            .collect();
        self.record(key, None, map, headers)
    }

    /// The fields as a struct, headers with their schemas.
    fn with_schema(&self, key: bool) -> Record {
        let schema = Arc::new(Schema::structure(
            self.fields
                .iter()
                .map(|(n, s, _)| Field {
                    name: n.clone(),
                    schema: s.clone(),
                })
                .collect(),
        ));
        let value = Value::Struct(Struct {
            schema: schema.clone(),
            values: self.fields.iter().map(|(_, _, v)| v.clone()).collect(),
        });
        let headers = self
            .headers
            .iter()
            .map(|(n, s, v)| header(n, Some(s.clone()), v.clone()))
            .collect();
        self.record(key, Some(schema), value, headers)
    }
}

struct Case {
    name: &'static str,
    original: Builder,
    fields: &'static str,
    headers: &'static str,
    operation: &'static str,
    replace_null_with_default: bool,
    expected: Builder,
    has_struct: bool,
}

/// Apache's `HeaderFromTest.data()`.
fn cases() -> Vec<Case> {
    let s = string_schema;
    let text = |v: &str| Value::from(v);
    let two_fields = || {
        Builder::default()
            .field("field1", s(), text("field1-value"))
            .field("field2", s(), text("field2-value"))
    };
    let inner = Arc::new(Schema::structure(vec![Field {
        name: "foo".into(),
        schema: s(),
    }]));
    let mut inner_value = Struct::new(inner.clone());
    inner_value.put("foo", text("foo-value"));
    let inner_value = Value::Struct(inner_value);
    let d = optional_with_default;
    vec![
        Case {
            name: "basic copy",
            original: two_fields().header("header1", s(), text("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "copy",
            replace_null_with_default: true,
            expected: two_fields()
                .header("header1", s(), text("existing-value"))
                .header("inserted1", s(), text("field1-value")),
            has_struct: false,
        },
        Case {
            name: "basic move",
            original: two_fields().header("header1", s(), text("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::default()
                .field("field2", s(), text("field2-value"))
                .header("header1", s(), text("existing-value"))
                .header("inserted1", s(), text("field1-value")),
            has_struct: false,
        },
        Case {
            name: "copy with preexisting header",
            original: two_fields().header("inserted1", s(), text("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "copy",
            replace_null_with_default: true,
            expected: two_fields()
                .header("inserted1", s(), text("existing-value"))
                .header("inserted1", s(), text("field1-value")),
            has_struct: false,
        },
        Case {
            name: "move with preexisting header",
            original: two_fields().header("inserted1", s(), text("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::default()
                .field("field2", s(), text("field2-value"))
                .header("inserted1", s(), text("existing-value"))
                .header("inserted1", s(), text("field1-value")),
            has_struct: false,
        },
        Case {
            name: "copy with struct value",
            original: Builder::default()
                .field("field1", inner.clone(), inner_value.clone())
                .field("field2", s(), text("field2-value"))
                .header("header1", s(), text("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "copy",
            replace_null_with_default: true,
            expected: Builder::default()
                .field("field1", inner.clone(), inner_value.clone())
                .field("field2", s(), text("field2-value"))
                .header("header1", s(), text("existing-value"))
                .header("inserted1", inner.clone(), inner_value.clone()),
            has_struct: true,
        },
        Case {
            name: "move with struct value",
            original: Builder::default()
                .field("field1", inner.clone(), inner_value.clone())
                .field("field2", s(), text("field2-value"))
                .header("header1", s(), text("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::default()
                .field("field2", s(), text("field2-value"))
                .header("header1", s(), text("existing-value"))
                .header("inserted1", inner.clone(), inner_value.clone()),
            has_struct: true,
        },
        Case {
            name: "two headers from same field",
            original: two_fields().header("header1", s(), text("existing-value")),
            fields: "field1,field1",
            headers: "inserted1,inserted2",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::default()
                .field("field2", s(), text("field2-value"))
                .header("header1", s(), text("existing-value"))
                .header("inserted1", s(), text("field1-value"))
                .header("inserted2", s(), text("field1-value")),
            has_struct: false,
        },
        Case {
            name: "two fields to same header",
            original: two_fields().header("header1", s(), text("existing-value")),
            fields: "field1,field2",
            headers: "inserted1,inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::default()
                .header("header1", s(), text("existing-value"))
                .header("inserted1", s(), text("field1-value"))
                .header("inserted1", s(), text("field2-value")),
            has_struct: false,
        },
        Case {
            name: "Copy null field without default",
            original: Builder::default()
                .field("field1", d(), text("field1-value"))
                .field("field2", d(), Value::Null)
                .header("header1", s(), text("existing-value")),
            fields: "field1,field2",
            headers: "inserted1,inserted2",
            operation: "copy",
            replace_null_with_default: false,
            expected: Builder::default()
                .field("field1", d(), text("field1-value"))
                .field("field2", d(), Value::Null)
                .header("header1", s(), text("existing-value"))
                .header("inserted1", d(), text("field1-value"))
                .header("inserted2", d(), Value::Null),
            has_struct: false,
        },
        Case {
            name: "Move null field without default",
            original: Builder::default()
                .field("field1", d(), text("field1-value"))
                .field("field2", d(), Value::Null)
                .header("header1", s(), text("existing-value")),
            fields: "field1,field2",
            headers: "inserted1,inserted2",
            operation: "move",
            replace_null_with_default: false,
            expected: Builder::default()
                .header("header1", s(), text("existing-value"))
                .header("inserted1", d(), text("field1-value"))
                .header("inserted2", d(), Value::Null),
            has_struct: false,
        },
    ]
}

fn transform(key: bool, case: &Case) -> HeaderFrom {
    let replace = case.replace_null_with_default.to_string();
    let c = config(&[
        (FIELDS, case.fields),
        (HEADERS, case.headers),
        (OPERATION, case.operation),
        (REPLACE_NULL_WITH_DEFAULT, replace.as_str()),
    ]);
    HeaderFrom::configure(&c, if key { Part::Key } else { Part::Value }).unwrap()
}

struct Adapter(HeaderFrom);

impl Transform for Adapter {
    fn manifest() -> Manifest {
        manifest("Test", "test")
    }
    fn configure(_: Config) -> Result<Self> {
        unreachable!()
    }
    fn apply(&mut self, batch: Batch) -> Result<Batch> {
        self.0.apply(batch)
    }
}

#[test]
fn with_schema() {
    for key in [true, false] {
        for case in cases() {
            let original = case.original.with_schema(key);
            let expected = case.expected.with_schema(key);
            let got = run(
                &mut Adapter(transform(key, &case)),
                &[original.clone(), original],
            )
            .unwrap();
            assert_eq!(
                got,
                vec![expected.clone(), expected],
                "{} (key: {key})",
                case.name
            );
        }
    }
}

#[test]
fn schemaless() {
    for key in [true, false] {
        // A schemaless map cannot hold a struct in a batch.
        for case in cases().into_iter().filter(|c| !c.has_struct) {
            let original = case.original.schemaless(key);
            let expected = case.expected.schemaless(key);
            let got = run(&mut Adapter(transform(key, &case)), &[original]).unwrap();
            assert_eq!(got, vec![expected], "{} (key: {key})", case.name);
        }
    }
}

#[test]
fn invalid_configs() {
    let key_variant = |c: Config| HeaderFromKey::configure(c).map(|t| t.0);
    let value_variant = |c: Config| HeaderFromValue::configure(c).map(|t| t.0);
    for key in [
        &key_variant as &dyn Fn(Config) -> Result<HeaderFrom>,
        &value_variant,
    ] {
        let err = |fields: &str, headers: &str| {
            key(config(&[
                (FIELDS, fields),
                (HEADERS, headers),
                (OPERATION, "copy"),
            ]))
            .err()
            .unwrap()
            .message
        };
        let mismatch = "'fields' config must have the same number of elements as 'headers' config.";
        assert_eq!(err("foo,bar", "foo"), mismatch); // invalidConfigExtraHeaderConfig
        assert_eq!(err("foo", "foo,bar"), mismatch); // invalidConfigExtraFieldConfig
        assert_eq!(
            err("", ""),
            "Invalid value [] for configuration fields: Empty list"
        );
        let e = key(config(&[(FIELDS, "a"), (HEADERS, "b"), (OPERATION, "cut")]))
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "Invalid value cut for configuration operation: String must be one of: move, copy"
        );
        let e = key(config(&[(FIELDS, "a"), (HEADERS, "b")])).err().unwrap();
        assert_eq!(
            e.message,
            "Missing required configuration \"operation\" which has no default value."
        );
    }
}

#[test]
fn null_fields_take_their_default() {
    let original = Builder::default()
        .field("a", optional_with_default(), Value::Null)
        .field("b", optional_with_default(), Value::Null);
    let case = Case {
        name: "defaults",
        original: original.clone(),
        fields: "a",
        headers: "h",
        operation: "move",
        replace_null_with_default: true,
        expected: Builder::default(),
        has_struct: false,
    };
    let got = run(
        &mut Adapter(transform(false, &case)),
        &[original.with_schema(false)],
    )
    .unwrap();
    // The header and the field that stays both take the default.
    assert_eq!(
        got[0].headers,
        vec![header("h", Some(optional_with_default()), "default".into())]
    );
    let Value::Struct(s) = &got[0].value else {
        panic!()
    };
    assert_eq!(s.values, vec![Value::from("default")]);
}

#[test]
fn moving_keeps_nested_values_valid() {
    // Kept fields that are arrays and maps are copied into new nodes;
    // the host's order checks must still pass (`run` validates).
    let ints = Arc::new(Schema::array(Arc::new(Schema::new(SchemaType::Int32))));
    let map = Arc::new(Schema::map(string_schema(), ints.clone()));
    let original = Builder::default()
        .field(
            "list",
            ints.clone(),
            Value::Array(vec![Value::Int32(1), Value::Int32(2)]),
        )
        .field("gone", string_schema(), "x".into())
        .field(
            "map",
            map.clone(),
            Value::Map(vec![("k".into(), Value::Array(vec![Value::Int32(3)]))]),
        );
    let case = Case {
        name: "nested",
        original: original.clone(),
        fields: "gone",
        headers: "h",
        operation: "move",
        replace_null_with_default: true,
        expected: Builder::default()
            .field(
                "list",
                ints.clone(),
                Value::Array(vec![Value::Int32(1), Value::Int32(2)]),
            )
            .field(
                "map",
                map,
                Value::Map(vec![("k".into(), Value::Array(vec![Value::Int32(3)]))]),
            )
            .header("h", string_schema(), "x".into()),
        has_struct: false,
    };
    for key in [false, true] {
        let got = run(
            &mut Adapter(transform(key, &case)),
            &[original.with_schema(key)],
        )
        .unwrap();
        assert_eq!(got, vec![case.expected.with_schema(key)]);
        let got = run(
            &mut Adapter(transform(key, &case)),
            &[original.schemaless(key)],
        )
        .unwrap();
        assert_eq!(got, vec![case.expected.schemaless(key)]);
    }
}

#[test]
fn wrong_values_are_record_errors() {
    let case = |op: &'static str| Case {
        name: "errors",
        original: Builder::default(),
        fields: "a",
        headers: "h",
        operation: op,
        replace_null_with_default: true,
        expected: Builder::default(),
        has_struct: false,
    };
    let fail = |op: &'static str, record: Record| {
        Adapter(transform(false, &case(op)))
            .apply(crate::route_util::testing::given(&[
                Record::new("t").with_value(None, Value::Map(vec![])),
                record,
            ]))
            .err()
            .unwrap()
    };
    let e = fail("copy", Record::new("t").with_value(None, "text".into()));
    assert_eq!(
        e.message,
        "Only Map objects supported in absence of schema for [header copy], found: java.lang.String"
    );
    assert_eq!(e.record, Some(1));
    let optional_struct = Arc::new(Schema::structure(vec![]).into_optional());
    let e = fail(
        "move",
        Record::new("t").with_value(Some(optional_struct), Value::Null),
    );
    assert_eq!(
        e.message,
        "Only Struct objects supported for [header move], found: null"
    );
    let e = fail(
        "copy",
        Record::new("t").with_value(Some(string_schema()), "text".into()),
    );
    assert_eq!(
        e.message,
        "Only Struct objects supported for [header copy], found: java.lang.String"
    );
    let e = fail(
        "copy",
        Builder::default()
            .field("b", string_schema(), "x".into())
            .with_schema(false),
    );
    assert!(e.message.contains("no field \"a\""), "{}", e.message);
}
