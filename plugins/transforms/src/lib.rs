//! Apache Kafka Connect's single message transforms and predicates as
//! wasm-connect plugins, with Apache's class names as aliases and Apache's
//! configuration keys, behaviour and error messages:
//!
//! - fields: InsertField, ReplaceField, MaskField, ValueToKey, HoistField,
//!   ExtractField, SetSchemaMetadata, Flatten;
//! - routing and headers: RegexRouter, TimestampRouter, Filter,
//!   InsertHeader, DropHeaders, HeaderFrom;
//! - types and times: Cast, TimestampConverter;
//! - predicates: TopicNameMatches, HasHeaderKey, RecordIsTombstone.

mod cast;
pub mod drop_headers;
pub mod extract_field;
pub mod field_util;
pub mod filter;
pub mod flatten;
pub mod header_from;
pub mod hoist_field;
pub mod insert_field;
pub mod insert_header;
mod java_time;
pub mod mask_field;
pub mod predicates;
pub mod regex_router;
pub mod replace_field;
pub mod route_util;
pub mod set_schema_metadata;
mod timestamp_converter;
mod timestamp_router;
pub mod value_to_key;

pub use cast::{CastKey, CastValue};
pub use timestamp_converter::{TimestampConverterKey, TimestampConverterValue};
pub use timestamp_router::TimestampRouter;

wasm_connect_sdk::export_plugins!(
    transform: [
        insert_field::InsertFieldKey,
        insert_field::InsertFieldValue,
        replace_field::ReplaceFieldKey,
        replace_field::ReplaceFieldValue,
        mask_field::MaskFieldKey,
        mask_field::MaskFieldValue,
        value_to_key::ValueToKey,
        hoist_field::HoistFieldKey,
        hoist_field::HoistFieldValue,
        extract_field::ExtractFieldKey,
        extract_field::ExtractFieldValue,
        set_schema_metadata::SetSchemaMetadataKey,
        set_schema_metadata::SetSchemaMetadataValue,
        flatten::FlattenKey,
        flatten::FlattenValue,
        CastKey,
        CastValue,
        TimestampConverterKey,
        TimestampConverterValue,
        TimestampRouter,
        regex_router::RegexRouter,
        filter::Filter,
        insert_header::InsertHeader,
        drop_headers::DropHeaders,
        header_from::HeaderFromKey,
        header_from::HeaderFromValue,
    ],
    predicate: [
        predicates::TopicNameMatches,
        predicates::HasHeaderKey,
        predicates::RecordIsTombstone,
    ],
);
