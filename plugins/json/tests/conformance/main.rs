//! Conformance tests: the inputs and expected results of Apache Kafka's
//! `JsonConverterTest`, plus the corner cases of Apache's `JsonConverter`
//! and Jackson that this crate reproduces, and property tests.
// Test helpers may fail loudly: a failing test should stop, not recover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod errors;
mod from_connect;
mod properties;
mod quirks;
mod to_connect;
