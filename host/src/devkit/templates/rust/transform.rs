//! {{plugin}}: a transform that adds a header to every record.

use wasm_connect_sdk::prelude::*;

/// Adds header `header.name` with the text `header.value` to every record.
pub struct {{type}} {
    name: String,
    value: String,
}

impl Transform for {{type}} {
    fn manifest() -> Manifest {
        Manifest::new(PluginKind::Transform, "{{plugin}}", env!("CARGO_PKG_VERSION"))
            .description("Adds a header to every record.")
            .config(
                ConfigDef::new("header.name", ConfigType::String)
                    .default_value("added-by")
                    .doc("The header's key."),
            )
            .config(
                ConfigDef::new("header.value", ConfigType::String)
                    .default_value("{{project}}")
                    .doc("The header's value."),
            )
    }

    fn configure(config: Config) -> Result<Self> {
        Ok(Self {
            name: config.get("header.name").unwrap_or("added-by").to_owned(),
            value: config.get("header.value").unwrap_or("{{project}}").to_owned(),
        })
    }

    fn apply(&mut self, records: Batch) -> Result<Batch> {
        // Friendly and simple: each record as an owned `Record`. For speed,
        // work on the batch's descriptors instead (see the SDK's `Batch`).
        records.map_records(|mut record| {
            record.headers.push(Header {
                key: self.name.clone(),
                schema: None,
                value: Value::String(self.value.clone()),
            });
            Ok(Some(record))
        })
    }
}

wasm_connect_sdk::export_plugins!(transform: [{{type}}]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_header() {
        let mut t = {{type}}::configure([("header.value", "yes")].into_iter().collect()).unwrap();
        let batch = Batch::from_records(&[Record::new("t").with_value(None, "v".into())]).unwrap();
        let out = t.apply(batch).unwrap().to_records().unwrap();
        assert_eq!(out[0].headers[0].key, "added-by");
        assert_eq!(out[0].headers[0].value, Value::String("yes".into()));
    }
}
