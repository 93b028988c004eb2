//! Reading and writing JSON the way Jackson does in Apache's JsonConverter.

mod encoding;
pub mod parse;
mod parser;
mod scan;
pub mod write;
