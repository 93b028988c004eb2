//! Apache's `Filter`: drops every record it is given. The host applies
//! `transforms.<alias>.predicate` and `negate` first, so with a predicate
//! it drops the records that match (or do not), and without one it drops
//! everything, as Apache does.

use wasm_connect_sdk::prelude::*;

/// Apache's `org.apache.kafka.connect.transforms.Filter`.
pub struct Filter;

impl Transform for Filter {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Transform,
            "wasmconnect.transforms.Filter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.Filter"])
        .description("Drops all records, filtering them from subsequent transformations in the chain; intended to be used with a predicate.")
    }

    fn configure(_config: Config) -> Result<Self> {
        Ok(Self)
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        batch.retain(|_| false);
        // Nothing refers to the headers any more; do not send them back.
        batch.headers.clear();
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_util::testing::{config, run, source_record, string_header};

    #[test]
    fn drops_every_record() {
        let mut filter = Filter::configure(config(&[])).unwrap();
        let records = vec![
            source_record(vec![string_header("h", "v")]),
            Record::new("t"),
        ];
        assert!(run(&mut filter, &records).unwrap().is_empty());
    }
}
