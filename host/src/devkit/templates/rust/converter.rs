//! {{plugin}}: a converter between UTF-8 text and Connect strings.

use std::sync::Arc;

use wasm_connect_sdk::BatchError;
use wasm_connect_sdk::prelude::*;

/// Keys or values as UTF-8 text.
pub struct {{type}} {
    part: Part,
    schema: Arc<Schema>,
}

impl Converter for {{type}} {
    fn manifest() -> Manifest {
        Manifest::new(PluginKind::Converter, "{{plugin}}", env!("CARGO_PKG_VERSION"))
            .description("Converts between UTF-8 text and Connect strings.")
    }

    fn configure(_config: Config, target: Target) -> Result<Self> {
        let part = match target {
            Target::Key => Part::Key,
            Target::Value => Part::Value,
            Target::Headers => {
                return Err(PluginError::config(
                    "{{plugin}} converts keys and values, not headers",
                ));
            }
        };
        Ok(Self {
            part,
            schema: Arc::new(Schema::optional(SchemaType::String)),
        })
    }

    fn from_connect(&mut self, records: &mut Batch) -> Result<()> {
        let schemas = records.resolve_schemas()?;
        for i in 0..records.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            let (_, value) = records.part_value(i, self.part, &schemas).map_err(at)?;
            let bytes = match value {
                Value::Null => Value::Null,
                Value::String(s) => Value::Bytes(s.into_bytes()),
                other => Value::Bytes(other.to_string().into_bytes()),
            };
            records.set_part_value(i, self.part, None, &bytes).map_err(at)?;
        }
        Ok(())
    }

    fn to_connect(&mut self, records: &mut Batch) -> Result<()> {
        let schemas = records.resolve_schemas()?;
        for i in 0..records.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            let (_, value) = records.part_value(i, self.part, &schemas).map_err(at)?;
            let text = match value {
                Value::Null => Value::Null,
                Value::Bytes(b) => Value::String(String::from_utf8(b).map_err(|_| {
                    PluginError::data("the bytes are not UTF-8 text").at_record(i)
                })?),
                Value::String(s) => Value::String(s),
                other => {
                    return Err(PluginError::data(format!("expected bytes, got {other}")).at_record(i));
                }
            };
            records
                .set_part_value(i, self.part, Some(&self.schema), &text)
                .map_err(at)?;
        }
        Ok(())
    }
}

wasm_connect_sdk::export_plugins!(converter: [{{type}}]);
