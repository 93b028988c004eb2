//! Apache's `DropHeaders`: removes every header whose key is listed in
//! `headers`.

use wasm_connect_sdk::layout::HEADER_SIZE;
use wasm_connect_sdk::prelude::*;

use crate::route_util::{self, header_key, record_error, rewrite_headers};

const HEADERS: &str = "headers";

/// Apache's `org.apache.kafka.connect.transforms.DropHeaders`.
pub struct DropHeaders {
    /// The keys to drop, as UTF-8 bytes (compared without decoding).
    names: Vec<Vec<u8>>,
}

impl DropHeaders {
    fn drops(&self, key: &[u8]) -> bool {
        self.names.iter().any(|n| n == key)
    }
}

impl Transform for DropHeaders {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Transform,
            "wasmconnect.transforms.DropHeaders",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.DropHeaders"])
        .description("Removes one or more headers from each record.")
        .config(
            ConfigDef::new(HEADERS, ConfigType::List)
                .importance(Importance::High)
                .doc("The name of the headers to be removed."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        for name in route_util::non_empty_list(&config, HEADERS)? {
            if !names.iter().any(|n| *n == name.as_bytes()) {
                names.push(name.into_bytes());
            }
        }
        Ok(Self { names })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        // Most batches carry none of the headers: look before rewriting.
        let mut any = false;
        for chunk in batch.headers.chunks_exact(HEADER_SIZE) {
            if header_key(&batch, chunk).is_ok_and(|key| self.drops(key)) {
                any = true;
                break;
            }
        }
        if !any {
            return Ok(batch);
        }
        rewrite_headers(&mut batch, |batch, i, existing, out| {
            for chunk in existing.chunks_exact(HEADER_SIZE) {
                let key = header_key(batch, chunk).map_err(record_error(i))?;
                if !self.drops(key) {
                    out.extend_from_slice(chunk);
                }
            }
            Ok(())
        })?;
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_util::testing::{config, run, source_record, string_header};

    fn drop(headers: &str) -> DropHeaders {
        DropHeaders::configure(config(&[(HEADERS, headers)])).unwrap()
    }

    fn check(names: &str, headers: Vec<Header>, expected: Vec<Header>) {
        let original = source_record(headers);
        let other = source_record(vec![string_header("x", "y")]);
        let records = run(&mut drop(names), &[original.clone(), other.clone()]).unwrap();
        let mut want = original;
        want.headers = expected;
        assert_eq!(records, vec![want, other]);
    }

    #[test]
    fn drop_headers_test() {
        let existing = || string_header("existing", "existing-value");
        // dropExistingHeader
        check(
            "to-drop",
            vec![existing(), string_header("to-drop", "existing-value")],
            vec![existing()],
        );
        // dropExistingHeaderWithMultipleValues
        check(
            "to-drop",
            vec![
                existing(),
                string_header("to-drop", "existing-value"),
                string_header("to-drop", "existing-other-value"),
            ],
            vec![existing()],
        );
        // dropNonExistingHeader
        check("to-drop", vec![existing()], vec![existing()]);
        // Several names, order kept.
        check(
            "a, c",
            vec![
                string_header("a", "1"),
                string_header("b", "2"),
                string_header("c", "3"),
                string_header("b", "4"),
            ],
            vec![string_header("b", "2"), string_header("b", "4")],
        );
    }

    #[test]
    fn config_rejects_empty_list() {
        let err = DropHeaders::configure(config(&[(HEADERS, "")]))
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Invalid value [] for configuration headers: Empty list"
        );
        let err = DropHeaders::configure(config(&[])).err().unwrap();
        assert_eq!(
            err.message,
            "Missing required configuration \"headers\" which has no default value."
        );
    }
}
