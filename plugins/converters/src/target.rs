//! Walking a converter's target — every record's key, every record's value,
//! or every header — in place.

use wasm_connect_sdk::layout::Node;
use wasm_connect_sdk::prelude::*;

/// Applies `f` to the node (and schema index) each converter target holds:
/// every record's key, every record's value, or every header's value, and
/// stores what it returns.
pub(crate) fn for_each_target(
    batch: &mut Batch,
    target: Target,
    mut f: impl FnMut(&mut Batch, usize, Node, u32) -> Result<(Node, u32)>,
) -> Result<()> {
    match target {
        Target::Key | Target::Value => {
            let part = if target == Target::Key {
                Part::Key
            } else {
                Part::Value
            };
            for i in 0..batch.len() {
                let (node, schema) = batch.part(i, part)?;
                let (node, schema) = f(batch, i, node, schema)?;
                batch.set_part(i, part, node, schema)?;
            }
        }
        Target::Headers => {
            for i in 0..batch.len() {
                let (start, count) = header_range(batch, i)?;
                for j in start..start.saturating_add(count) {
                    let mut header = batch
                        .header_desc(j as usize)
                        .map_err(|e| data_error(i, e))?;
                    let (node, schema) = f(batch, i, header.value, header.schema)?;
                    header.value = node;
                    header.schema = schema;
                    batch
                        .set_header_desc(j as usize, &header)
                        .map_err(|e| data_error(i, e))?;
                }
            }
        }
    }
    Ok(())
}

/// Record `i`'s first header and header count.
pub(crate) fn header_range(batch: &Batch, i: usize) -> Result<(u32, u32)> {
    batch.header_range(i).map_err(|e| data_error(i, e))
}

/// A batch that cannot be read, blamed on record `i`.
pub(crate) fn data_error(i: usize, e: impl std::fmt::Display) -> PluginError {
    PluginError::data(e.to_string()).at_record(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_ranges_are_read_from_the_descriptor() {
        let mut records = Vec::new();
        for n in [2usize, 0, 3] {
            let mut r = Record::new("t");
            for k in 0..n {
                r.headers.push(Header {
                    key: format!("h{k}"),
                    schema: None,
                    value: Value::Null,
                });
            }
            records.push(r);
        }
        let batch = Batch::from_records(&records).unwrap();
        for i in 0..batch.len() {
            let desc = batch.desc(i).unwrap();
            assert_eq!(
                header_range(&batch, i).unwrap(),
                (desc.header_start, desc.header_count)
            );
        }
        assert!(header_range(&batch, 3).is_err());
    }
}
