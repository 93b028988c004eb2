//! Source partitions and offsets as stored in the worker's offset store:
//! partition `{"cluster":…,"topic":…,"partition":N}`, offset
//! `{"offset":N}`, N the offset of the last record written to the target.

use std::collections::HashMap;
use std::fmt::Write as _;

use wasm_connect_sdk::SourceOffset;

/// A source topic partition.
pub type TopicPartition = (String, i32);

/// The source partition of `partition` of `topic` on cluster `alias`.
pub fn source_partition(alias: &str, topic: &str, partition: i32) -> String {
    let mut out = String::with_capacity(48 + alias.len() + topic.len());
    out.push_str("{\"cluster\":");
    out.push_str(&serde_json::Value::from(alias).to_string());
    out.push_str(",\"topic\":");
    out.push_str(&serde_json::Value::from(topic).to_string());
    let _ = write!(out, ",\"partition\":{partition}}}");
    out
}

/// The source offset of the record at `offset`, into `out` (cleared).
pub fn write_offset(out: &mut String, offset: i64) {
    out.clear();
    let _ = write!(out, "{{\"offset\":{offset}}}");
}

/// The last stored offset of each partition of cluster `alias`; entries of
/// other clusters or of another shape are ignored.
pub fn stored(alias: &str, offsets: &[SourceOffset]) -> HashMap<TopicPartition, i64> {
    offsets.iter().filter_map(|o| parse(alias, o)).collect()
}

fn parse(alias: &str, o: &SourceOffset) -> Option<(TopicPartition, i64)> {
    let partition: serde_json::Value = serde_json::from_str(&o.partition).ok()?;
    let offset: serde_json::Value = serde_json::from_str(&o.offset).ok()?;
    if partition.get("cluster")?.as_str()? != alias {
        return None;
    }
    let topic = partition.get("topic")?.as_str()?.to_owned();
    let number = i32::try_from(partition.get("partition")?.as_i64()?).ok()?;
    Some(((topic, number), offset.get("offset")?.as_i64()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_stored_and_read_back() {
        let p = source_partition("eu", "orders", 3);
        assert_eq!(p, r#"{"cluster":"eu","topic":"orders","partition":3}"#);
        let mut o = String::from("junk");
        write_offset(&mut o, 41);
        assert_eq!(o, r#"{"offset":41}"#);
        let entries = vec![
            SourceOffset {
                partition: p,
                offset: o,
            },
            // Another cluster's entry, and one of another shape.
            SourceOffset {
                partition: source_partition("us", "orders", 3),
                offset: r#"{"offset":7}"#.into(),
            },
            SourceOffset {
                partition: r#"{"filename":"x"}"#.into(),
                offset: r#"{"position":1}"#.into(),
            },
        ];
        let read = stored("eu", &entries);
        assert_eq!(read.len(), 1);
        assert_eq!(read[&("orders".to_owned(), 3)], 41);
    }

    #[test]
    fn names_are_json_escaped() {
        let p = source_partition("a\"b", "t", 0);
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(v["cluster"], "a\"b");
    }
}
