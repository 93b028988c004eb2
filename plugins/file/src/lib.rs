//! FileStreamSource and FileStreamSink: the file connectors Apache Kafka
//! ships as examples, with the same configuration keys, record shapes and
//! offsets, so existing `connect-file-*.properties` files run unchanged.

mod append;
mod sink;
mod source;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};

wasm_connect_sdk::export_plugins!(
    source: [FileStreamSourceConnector],
    sink: [FileStreamSinkConnector],
);
