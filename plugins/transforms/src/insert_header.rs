//! Apache's `InsertHeader`: adds one header, whose value is
//! `value.literal` read by `Values.parseString` (so `1` is an int8, `true`
//! a boolean, `[1,2]` an array), to every record.

use std::sync::Arc;

use wasm_connect_sdk::layout::{HEADER_SIZE, HeaderDesc, NONE};
use wasm_connect_sdk::prelude::*;
use wasm_connect_sdk::values::{self, Parsed};

use crate::route_util::{self, rewrite_headers};

const HEADER: &str = "header";
const VALUE_LITERAL: &str = "value.literal";

/// Apache's `org.apache.kafka.connect.transforms.InsertHeader`.
pub struct InsertHeader {
    header: String,
    schema: Option<Arc<Schema>>,
    value: Value,
}

impl Transform for InsertHeader {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Transform,
            "wasmconnect.transforms.InsertHeader",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.InsertHeader"])
        .description("Add a header to each record.")
        .config(
            ConfigDef::new(HEADER, ConfigType::String)
                .importance(Importance::High)
                .doc("The name of the header."),
        )
        .config(
            ConfigDef::new(VALUE_LITERAL, ConfigType::String)
                .importance(Importance::High)
                .doc("The literal value that is to be set as the header value on all records."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let header = route_util::string(&config, HEADER)?;
        let literal = route_util::string(&config, VALUE_LITERAL)?;
        let (schema, value) = match values::parse_string(&literal) {
            Parsed::Null => (None, Value::Null),
            Parsed::Text => (
                Some(values::primitive(SchemaType::String)),
                Value::String(literal),
            ),
            Parsed::Value(schema, value) => (Some(schema), value),
            // Where Java's `parseString` throws something other than a
            // DataException, Apache's `configure` fails with it.
            Parsed::Unparseable => {
                return Err(route_util::invalid(
                    VALUE_LITERAL,
                    &literal,
                    "it holds a number out of BigDecimal's range or nests too deeply",
                ));
            }
        };
        Ok(Self {
            header,
            schema,
            value,
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        if batch.is_empty() {
            return Ok(batch);
        }
        // The header's key, schema and value go into the batch once; every
        // record's new descriptor points at them.
        let (key_start, key_len) = batch.push_bytes(self.header.as_bytes())?;
        let schema = match &self.schema {
            Some(s) => batch.add_schema_arc(s)?,
            None => NONE,
        };
        let value = batch.encode_value(&self.value, self.schema.as_deref(), 0)?;
        let mut added = [0u8; HEADER_SIZE];
        HeaderDesc {
            key_start,
            key_len,
            schema,
            value,
        }
        .write(&mut added);
        rewrite_headers(&mut batch, |_, _, existing, out| {
            out.extend_from_slice(existing);
            out.extend_from_slice(&added);
            Ok(())
        })?;
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_util::testing::{config, header, run, source_record, string_header};

    fn insert(name: &str, literal: &str) -> InsertHeader {
        InsertHeader::configure(config(&[(HEADER, name), (VALUE_LITERAL, literal)])).unwrap()
    }

    /// Apache's `InsertHeaderTest`: the record is unchanged but for the
    /// header appended after the existing ones.
    fn check(name: &str, literal: &str, existing: Vec<Header>, added: Header) {
        let original = source_record(existing);
        let records = run(
            &mut insert(name, literal),
            &[original.clone(), original.clone()],
        )
        .unwrap();
        let mut expected = original;
        expected.headers.push(added);
        assert_eq!(records, vec![expected.clone(), expected]);
    }

    #[test]
    fn insert_header_test() {
        // insertionWithExistingOtherHeader
        check(
            "inserted",
            "inserted-value",
            vec![string_header("existing", "existing-value")],
            string_header("inserted", "inserted-value"),
        );
        // insertionWithExistingSameHeader
        check(
            "existing",
            "inserted-value",
            vec![string_header("existing", "preexisting-value")],
            string_header("existing", "inserted-value"),
        );
        // insertionWithByteHeader: "1" is an int8.
        check(
            "inserted",
            "1",
            vec![string_header("existing", "existing-value")],
            header(
                "inserted",
                Some(Arc::new(Schema::new(SchemaType::Int8))),
                Value::Int8(1),
            ),
        );
    }

    #[test]
    fn literals_are_typed_as_values_parse_string_types_them() {
        let int16 = Some(Arc::new(Schema::new(SchemaType::Int16)));
        check(
            "a",
            "[1, 300]",
            vec![],
            header(
                "a",
                Some(Arc::new(Schema::array(int16.clone().unwrap()))),
                Value::Array(vec![Value::Int16(1), Value::Int16(300)]),
            ),
        );
        check("n", "null", vec![], header("n", None, Value::Null));
        check(
            "b",
            " true ",
            vec![],
            header(
                "b",
                Some(Arc::new(Schema::new(SchemaType::Boolean))),
                Value::Boolean(true),
            ),
        );
        check(
            "d",
            "2019-08-23",
            vec![],
            header("d", Some(values::date_schema()), Value::Int32(18131)),
        );
    }

    #[test]
    fn config_rejects_missing_keys() {
        // configRejectsNullHeaderKey / configRejectsNullHeaderValue
        let err = InsertHeader::configure(config(&[(VALUE_LITERAL, "1")]))
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Missing required configuration \"header\" which has no default value."
        );
        let err = InsertHeader::configure(config(&[(HEADER, "h")]))
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Missing required configuration \"value.literal\" which has no default value."
        );
    }

    #[test]
    fn literals_java_throws_on_are_config_errors() {
        // BigInteger.TEN.pow(2147483647) is an ArithmeticException in Java.
        let err =
            InsertHeader::configure(config(&[(HEADER, "h"), (VALUE_LITERAL, "1e2147483647")]))
                .err()
                .unwrap();
        assert_eq!(err.kind, ErrorKind::Config);
        assert_eq!(
            err.message,
            "Invalid value 1e2147483647 for configuration value.literal: it holds a number out of BigDecimal's range or nests too deeply"
        );
    }

    #[test]
    fn the_header_goes_into_the_batch_once() {
        let records: Vec<Record> = (0..100).map(|_| Record::new("t")).collect();
        let mut given = crate::route_util::testing::given(&records);
        let before = given.data().len();
        given = insert("some-header", "some-text").apply(given).unwrap();
        assert_eq!(
            given.data().len() - before,
            "some-header".len() + "some-text".len()
        );
        assert_eq!(given.header_count(), 100);
    }
}
