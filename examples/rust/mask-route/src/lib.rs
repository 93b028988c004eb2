//! MaskRoute: masks one field of each record's value and sends each record
//! to the topic its route header names. See examples/README.md.
//!
//! It uses the SDK's batch-wide operations (`Batch::set_field`,
//! `Batch::set_topics_from_header`), as the Python and JavaScript versions
//! use their helpers': no record is decoded into an owned value, the mask
//! text is stored once per batch, and each step is one pass over the
//! descriptors.

use wasm_connect_sdk::prelude::*;

/// The transform.
pub struct MaskRoute {
    field: String,
    mask: Value,
    header: String,
}

impl Transform for MaskRoute {
    fn manifest() -> Manifest {
        Manifest::new(PluginKind::Transform, "examples.rust.MaskRoute", "1.0.0")
            .description(
                "Masks one field of each value and routes each record to the topic its route header names.",
            )
            .config(
                ConfigDef::new("mask.field", ConfigType::String)
                    .importance(Importance::High)
                    .doc("The value field to mask: a struct field or a map key."),
            )
            .config(
                ConfigDef::new("mask.with", ConfigType::String)
                    .default_value("****")
                    .doc("The text the field becomes."),
            )
            .config(
                ConfigDef::new("route.header", ConfigType::String)
                    .default_value("route")
                    .doc("The header whose value, when present, becomes the record's topic."),
            )
    }

    fn configure(config: Config) -> Result<Self> {
        let header = config.get("route.header").unwrap_or("").trim();
        Ok(Self {
            field: config.require("mask.field")?.to_owned(),
            mask: Value::String(config.get("mask.with").unwrap_or("****").to_owned()),
            header: if header.is_empty() { "route" } else { header }.to_owned(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        batch.set_field(&self.field, &self.mask, true)?;
        // Text values (UTF-8 bytes too) become topics; none or "" keeps one.
        batch.set_topics_from_header(&self.header)?;
        Ok(batch)
    }
}

wasm_connect_sdk::export_plugins!(transform: [MaskRoute]);
