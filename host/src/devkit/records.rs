//! The record format of `wasm-connect plugin test`: one JSON object per
//! line, in and out.
//!
//! ```json
//! {"topic":"orders","partition":0,"offset":42,"timestamp":1700000000000,
//!  "headers":[{"key":"route","value":"eu"}],
//!  "key":"k1","value":{"schema":{"type":"int64"},"payload":7}}
//! ```
//!
//! A key, value or header value is JSON as Apache's `JsonConverter`
//! writes it: an object of exactly `schema` and `payload` is the
//! `schemas.enable=true` envelope (so users can paste what they see in
//! Kafka), anything else is schemaless JSON. Both are read and written by
//! the real JsonConverter (compiled natively), so a value means here what
//! it means in a worker.
//!
//! Where a converter's bytes stand (the input of `to-connect`, the output
//! of `from-connect`), that part is bytes instead: a JSON string is its
//! UTF-8 text, `<part>_base64` holds any other bytes, and on input any
//! other JSON is taken as its own text.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::value::RawValue;
use wasm_connect_plugin_json::JsonConverter;
use wasm_connect_sdk::{
    Batch, Config, Converter, Header, Record, Schema, Target, TimestampType, Value,
};

/// Which part of each record holds a converter's raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesPart {
    /// The key.
    Key,
    /// The value.
    Value,
    /// Every header value.
    Headers,
}

/// One input line, before its values are read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    topic: Option<String>,
    partition: Option<i32>,
    offset: Option<i64>,
    timestamp: Option<i64>,
    timestamp_type: Option<String>,
    headers: Option<Box<RawValue>>,
    key: Option<Box<RawValue>>,
    key_base64: Option<String>,
    value: Option<Box<RawValue>>,
    value_base64: Option<String>,
    source_partition: Option<Box<RawValue>>,
    source_offset: Option<Box<RawValue>>,
}

/// A header in the list form: `{"key": "k", "value": …}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    key: String,
    value: Option<Box<RawValue>>,
    value_base64: Option<String>,
}

/// Headers in the object form `{"k": …}`, in the order written (a plain
/// map would lose the order, and `serde_json::Value` the exact digits).
struct OrderedMembers(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for OrderedMembers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = OrderedMembers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of header keys and values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedMembers, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    out.push(entry);
                }
                Ok(OrderedMembers(out))
            }
        }
        d.deserialize_map(Members)
    }
}

/// Reads and writes records in the `plugin test` format.
pub struct RecordFormat {
    /// `schemas.enable=true`: the envelope.
    with_schema: JsonConverter,
    /// `schemas.enable=false`: plain JSON.
    plain: JsonConverter,
}

fn converter(schemas: bool) -> Result<JsonConverter, String> {
    let config: Config = [("schemas.enable", if schemas { "true" } else { "false" })]
        .into_iter()
        .collect();
    JsonConverter::configure(config, Target::Value).map_err(|e| e.message)
}

/// Whether `json` is an object of exactly `schema` and `payload`, the
/// test Apache's JsonConverter makes before it reads an envelope.
fn is_envelope(json: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(members)) => {
            members.len() == 2 && members.contains_key("schema") && members.contains_key("payload")
        }
        _ => false,
    }
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

impl RecordFormat {
    /// A reader and writer.
    pub fn new() -> Result<Self, String> {
        Ok(Self {
            with_schema: converter(true)?,
            plain: converter(false)?,
        })
    }

    /// A key, value or header value from its JSON text.
    fn read_value(&mut self, json: &str) -> Result<(Option<Arc<Schema>>, Value), String> {
        let conv = if is_envelope(json) {
            &mut self.with_schema
        } else {
            &mut self.plain
        };
        let record = Record::new("t").with_value(None, Value::Bytes(json.as_bytes().to_vec()));
        let mut batch = Batch::from_records([&record]).map_err(|e| e.to_string())?;
        conv.to_connect(&mut batch).map_err(|e| e.message)?;
        let mut records = batch.to_records().map_err(|e| e.to_string())?;
        let record = records
            .pop()
            .ok_or("the JSON converter returned no record")?;
        Ok((record.value_schema, record.value))
    }

    /// A key, value or header value as JSON text: the envelope when it has
    /// a schema, plain JSON when not.
    fn write_value(
        &mut self,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<String, String> {
        let conv = if schema.is_some() {
            &mut self.with_schema
        } else {
            &mut self.plain
        };
        let record = Record::new("t").with_value(schema.cloned(), value.clone());
        let mut batch = Batch::from_records([&record]).map_err(|e| e.to_string())?;
        conv.from_connect(&mut batch).map_err(|e| e.message)?;
        let records = batch.to_records().map_err(|e| e.to_string())?;
        match records.first().map(|r| &r.value) {
            Some(Value::Bytes(json)) => String::from_utf8(json.clone()).map_err(|e| e.to_string()),
            Some(Value::Null) | None => Ok("null".to_owned()),
            Some(other) => Err(format!("the JSON converter returned {other:?}")),
        }
    }

    /// Raw bytes from a part given as text, base64, or other JSON.
    fn read_bytes(
        json: Option<&RawValue>,
        base64: Option<&str>,
        what: &str,
    ) -> Result<Value, String> {
        match (json, base64) {
            (Some(_), Some(_)) => Err(format!("give {what} or {what}_base64, not both")),
            (None, Some(b64)) => BASE64
                .decode(b64.trim())
                .map(Value::Bytes)
                .map_err(|e| format!("{what}_base64 is not base64: {e}")),
            (None, None) => Ok(Value::Null),
            (Some(raw), None) => match serde_json::from_str::<serde_json::Value>(raw.get()) {
                Ok(serde_json::Value::String(text)) => Ok(Value::Bytes(text.into_bytes())),
                Ok(serde_json::Value::Null) => Ok(Value::Null),
                // Any other JSON stands for its own text, so a JSON value
                // can be pasted without escaping it into a string.
                _ => Ok(Value::Bytes(raw.get().trim().as_bytes().to_vec())),
            },
        }
    }

    /// Bytes as `"<what>":"text"` when UTF-8, else `"<what>_base64":"…"`.
    fn write_bytes(out: &mut String, what: &str, value: &Value) -> Result<(), String> {
        match value {
            Value::Null => {
                let _ = write!(out, "\"{what}\":null");
            }
            Value::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => {
                    let _ = write!(out, "\"{what}\":{}", quoted(text));
                }
                Err(_) => {
                    let _ = write!(out, "\"{what}_base64\":\"{}\"", BASE64.encode(bytes));
                }
            },
            other => {
                return Err(format!(
                    "the converter left the {what} as {}, not bytes",
                    kind_name(other)
                ));
            }
        }
        Ok(())
    }

    /// Read one line. `bytes` is the part that holds raw bytes, if any.
    pub fn parse(&mut self, line: &str, bytes: Option<BytesPart>) -> Result<Record, String> {
        let l: Line = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let mut record = Record::new(l.topic.unwrap_or_else(|| "test".to_owned()));
        record.partition = l.partition;
        record.offset = l.offset;
        record.timestamp = l.timestamp;
        record.timestamp_type = match l.timestamp_type.as_deref() {
            None if l.timestamp.is_some() => TimestampType::CreateTime,
            None | Some("NoTimestampType") => TimestampType::NoType,
            Some("CreateTime") => TimestampType::CreateTime,
            Some("LogAppendTime") => TimestampType::LogAppendTime,
            Some(other) => {
                return Err(format!(
                    "timestamp_type {other} is not one of CreateTime, LogAppendTime, NoTimestampType"
                ));
            }
        };
        if bytes == Some(BytesPart::Key) {
            record.key = Self::read_bytes(l.key.as_deref(), l.key_base64.as_deref(), "key")?;
        } else if l.key_base64.is_some() {
            return Err(
                "key_base64 is only read by converters with --direction to-connect --target key"
                    .into(),
            );
        } else if let Some(raw) = &l.key {
            let (schema, key) = self
                .read_value(raw.get())
                .map_err(|e| format!("key: {e}"))?;
            record = record.with_key(schema, key);
        }
        if bytes == Some(BytesPart::Value) {
            record.value =
                Self::read_bytes(l.value.as_deref(), l.value_base64.as_deref(), "value")?;
        } else if l.value_base64.is_some() {
            return Err(
                "value_base64 is only read by converters with --direction to-connect".into(),
            );
        } else if let Some(raw) = &l.value {
            let (schema, value) = self
                .read_value(raw.get())
                .map_err(|e| format!("value: {e}"))?;
            record = record.with_value(schema, value);
        }
        if let Some(raw) = &l.headers {
            record.headers = self.parse_headers(raw.get(), bytes == Some(BytesPart::Headers))?;
        }
        for (what, raw, slot) in [
            (
                "source_partition",
                &l.source_partition,
                &mut record.source_partition,
            ),
            ("source_offset", &l.source_offset, &mut record.source_offset),
        ] {
            if let Some(raw) = raw {
                if !raw.get().trim_start().starts_with('{') {
                    return Err(format!("{what} must be a JSON object"));
                }
                *slot = Some(raw.get().trim().to_owned());
            }
        }
        Ok(record)
    }

    fn parse_headers(&mut self, raw: &str, bytes: bool) -> Result<Vec<Header>, String> {
        let list: Vec<(String, Option<Box<RawValue>>, Option<String>)> =
            if raw.trim_start().starts_with('[') {
                serde_json::from_str::<Vec<HeaderLine>>(raw)
                    .map_err(|e| format!("headers: {e}"))?
                    .into_iter()
                    .map(|h| (h.key, h.value, h.value_base64))
                    .collect()
            } else {
                serde_json::from_str::<OrderedMembers>(raw)
                .map_err(|e| {
                    format!(
                        "headers must be a list of {{\"key\", \"value\"}} objects or an object: {e}"
                    )
                })?
                .0
                .into_iter()
                .map(|(k, v)| (k, Some(v), None))
                .collect()
            };
        let mut out = Vec::with_capacity(list.len());
        for (key, json, base64) in list {
            let (schema, value) = if bytes {
                (
                    None,
                    Self::read_bytes(json.as_deref(), base64.as_deref(), "value")
                        .map_err(|e| format!("header {key}: {e}"))?,
                )
            } else if base64.is_some() {
                return Err(format!(
                    "header {key}: value_base64 is only read by header converters with --direction to-connect"
                ));
            } else {
                match json {
                    Some(raw) => self
                        .read_value(raw.get())
                        .map_err(|e| format!("header {key}: {e}"))?,
                    None => (None, Value::Null),
                }
            };
            out.push(Header { key, schema, value });
        }
        Ok(out)
    }

    /// Write one record as a line (without the newline). `bytes` is the
    /// part that holds raw bytes, if any.
    pub fn print(&mut self, r: &Record, bytes: Option<BytesPart>) -> Result<String, String> {
        let mut out = String::with_capacity(128);
        let _ = write!(out, "{{\"topic\":{}", quoted(&r.topic));
        if let Some(p) = r.partition {
            let _ = write!(out, ",\"partition\":{p}");
        }
        if let Some(o) = r.offset {
            let _ = write!(out, ",\"offset\":{o}");
        }
        if let Some(t) = r.timestamp {
            let _ = write!(out, ",\"timestamp\":{t}");
            let kind = match r.timestamp_type {
                TimestampType::CreateTime => "CreateTime",
                TimestampType::LogAppendTime => "LogAppendTime",
                TimestampType::NoType => "NoTimestampType",
            };
            let _ = write!(out, ",\"timestamp_type\":\"{kind}\"");
        }
        if !r.headers.is_empty() {
            out.push_str(",\"headers\":[");
            for (i, h) in r.headers.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{{\"key\":{},", quoted(&h.key));
                if bytes == Some(BytesPart::Headers) {
                    Self::write_bytes(&mut out, "value", &h.value)
                        .map_err(|e| format!("header {}: {e}", h.key))?;
                } else {
                    let json = self
                        .write_value(h.schema.as_ref(), &h.value)
                        .map_err(|e| format!("header {}: {e}", h.key))?;
                    let _ = write!(out, "\"value\":{json}");
                }
                out.push('}');
            }
            out.push(']');
        }
        for (what, part, schema, value) in [
            ("key", BytesPart::Key, &r.key_schema, &r.key),
            ("value", BytesPart::Value, &r.value_schema, &r.value),
        ] {
            out.push(',');
            if bytes == Some(part) {
                Self::write_bytes(&mut out, what, value)?;
            } else {
                let json = self
                    .write_value(schema.as_ref(), value)
                    .map_err(|e| format!("{what}: {e}"))?;
                let _ = write!(out, "\"{what}\":{json}");
            }
        }
        for (what, json) in [
            ("source_partition", &r.source_partition),
            ("source_offset", &r.source_offset),
        ] {
            if let Some(json) = json {
                // A plugin's text is untrusted: embed it only when it is
                // JSON, so every line stays one JSON object.
                match serde_json::from_str::<&RawValue>(json) {
                    Ok(valid) => {
                        let _ = write!(out, ",\"{what}\":{}", valid.get());
                    }
                    Err(_) => {
                        let _ = write!(out, ",\"{what}\":{}", quoted(json));
                    }
                }
            }
        }
        out.push('}');
        Ok(out)
    }
}

/// A value's kind in words.
fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "a boolean",
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => "an integer",
        Value::Float32(_) | Value::Float64(_) => "a float",
        Value::String(_) => "a string",
        Value::Bytes(_) => "bytes",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Struct(_) => "a struct",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_connect_sdk::SchemaType;

    fn round_trip(line: &str) -> String {
        let mut f = RecordFormat::new().unwrap();
        let record = f.parse(line, None).unwrap();
        f.print(&record, None).unwrap()
    }

    #[test]
    fn every_field_round_trips() {
        let line = r#"{"topic":"orders","partition":3,"offset":42,"timestamp":1700000000000,"timestamp_type":"LogAppendTime","headers":[{"key":"route","value":"eu"},{"key":"n","value":{"schema":{"type":"int32","optional":false},"payload":7}}],"key":"k1","value":{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":true,"field":"id"}],"optional":false,"name":"Customer"},"payload":{"name":"Ann","id":5}},"source_partition":{"file":"a"},"source_offset":{"position":7}}"#;
        assert_eq!(round_trip(line), line);
    }

    #[test]
    fn envelopes_carry_schemas_and_plain_json_does_not() {
        let mut f = RecordFormat::new().unwrap();
        let r = f
            .parse(
                r#"{"key":{"a":1},"value":{"schema":{"type":"bytes"},"payload":"aGk="},"headers":{"h":true}}"#,
                None,
            )
            .unwrap();
        assert_eq!(r.topic, "test");
        assert_eq!(r.key_schema, None);
        assert_eq!(
            r.key,
            Value::Map(vec![(Value::String("a".into()), Value::Int64(1))])
        );
        assert_eq!(
            r.value_schema.as_deref().map(|s| s.schema_type),
            Some(SchemaType::Bytes)
        );
        assert_eq!(r.value, Value::Bytes(b"hi".to_vec()));
        assert_eq!(r.headers[0].value, Value::Boolean(true));
        assert_eq!(r.timestamp, None);
        assert_eq!(
            f.print(&r, None).unwrap(),
            r#"{"topic":"test","headers":[{"key":"h","value":true}],"key":{"a":1},"value":{"schema":{"type":"bytes","optional":false},"payload":"aGk="}}"#
        );
    }

    #[test]
    fn bytes_parts_are_text_or_base64() {
        let mut f = RecordFormat::new().unwrap();
        let r = f
            .parse(
                r#"{"value":"plain text","key":{"not":"parsed"}}"#,
                Some(BytesPart::Value),
            )
            .unwrap();
        assert_eq!(r.value, Value::Bytes(b"plain text".to_vec()));
        let r = f
            .parse(
                r#"{"value":{"schema":null,"payload":1}}"#,
                Some(BytesPart::Value),
            )
            .unwrap();
        assert_eq!(
            r.value,
            Value::Bytes(br#"{"schema":null,"payload":1}"#.to_vec())
        );
        let r = f
            .parse(r#"{"value_base64":"/wA="}"#, Some(BytesPart::Value))
            .unwrap();
        assert_eq!(r.value, Value::Bytes(vec![0xff, 0]));
        assert_eq!(
            f.print(&r, Some(BytesPart::Value)).unwrap(),
            r#"{"topic":"test","key":null,"value_base64":"/wA="}"#
        );
        let r = f
            .parse(
                r#"{"headers":[{"key":"h","value":"x"}]}"#,
                Some(BytesPart::Headers),
            )
            .unwrap();
        assert_eq!(r.headers[0].value, Value::Bytes(b"x".to_vec()));
        assert_eq!(
            f.print(&r, Some(BytesPart::Headers)).unwrap(),
            r#"{"topic":"test","headers":[{"key":"h","value":"x"}],"key":null,"value":null}"#
        );
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let mut f = RecordFormat::new().unwrap();
        let mut err = |line: &str| f.parse(line, None).err().unwrap();
        assert_eq!(
            err(r#"{"valeu":1}"#),
            "unknown field `valeu`, expected one of `topic`, `partition`, `offset`, `timestamp`, `timestamp_type`, `headers`, `key`, `key_base64`, `value`, `value_base64`, `source_partition`, `source_offset` at line 1 column 8"
        );
        let mut f = RecordFormat::new().unwrap();
        assert_eq!(
            f.parse(r#"{"value":{"schema":{"type":"int33"},"payload":1}}"#, None)
                .err()
                .unwrap(),
            "value: Unknown schema type: int33"
        );
        assert_eq!(
            f.parse(r#"{"source_offset":5}"#, None).err().unwrap(),
            "source_offset must be a JSON object"
        );
        assert_eq!(
            f.parse(r#"{"value_base64":"AA=="}"#, None).err().unwrap(),
            "value_base64 is only read by converters with --direction to-connect"
        );
    }
}
