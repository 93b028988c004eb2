//! {{plugin}}: a predicate that holds for records with a given header.

use wasm_connect_sdk::prelude::*;

/// True for each record that has header `header`.
pub struct {{type}} {
    header: String,
}

impl Predicate for {{type}} {
    fn manifest() -> Manifest {
        Manifest::new(PluginKind::Predicate, "{{plugin}}", env!("CARGO_PKG_VERSION"))
            .description("Holds for records that have a given header.")
            .config(
                ConfigDef::new("header", ConfigType::String)
                    .default_value("important")
                    .doc("The header to look for."),
            )
    }

    fn configure(config: Config) -> Result<Self> {
        Ok(Self {
            header: config.get("header").unwrap_or("important").to_owned(),
        })
    }

    fn test(&mut self, records: &Batch) -> Result<Vec<bool>> {
        let mut answers = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let record = record
                .to_record()
                .map_err(|e| PluginError::from(e).at_record(i))?;
            answers.push(record.headers.iter().any(|h| h.key == self.header));
        }
        Ok(answers)
    }
}

wasm_connect_sdk::export_plugins!(predicate: [{{type}}]);
