//! Small pieces of `java.lang` that Apache's behaviour depends on: which
//! characters are digits, what `String.trim()` removes, and the class
//! names Java prints in error messages.

use wasm_connect_sdk::{Value, ValueRef};

/// The first code point of each run of ten decimal digits in the Basic
/// Multilingual Plane (Unicode category Nd), as JDK 17's
/// `Character.digit(char, 10)` knows them. Java parses numbers one UTF-16
/// unit at a time, so digits outside the BMP are never digits to it.
const DIGIT_ZEROS: [u16; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// `Character.digit(unit, 10)`: the digit's value, if `unit` is one.
pub(crate) fn digit(unit: u16) -> Option<u32> {
    if (0x30..=0x39).contains(&unit) {
        return Some(u32::from(unit - u16::from(b'0')));
    }
    if unit < 0x0660 {
        return None;
    }
    let i = DIGIT_ZEROS.partition_point(|&zero| zero <= unit);
    let zero = DIGIT_ZEROS[i.checked_sub(1)?];
    let d = unit - zero;
    (d < 10).then_some(u32::from(d))
}

/// `String.trim()`: strips every character up to U+0020 from both ends
/// (Apache's `ConfigDef` trims string settings this way).
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// The Java class Apache's converters use for a Connect value, as
/// `getClass().getName()` prints it (`[B` for bytes).
pub(crate) fn class_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "java.lang.Boolean",
        Value::Int8(_) => "java.lang.Byte",
        Value::Int16(_) => "java.lang.Short",
        Value::Int32(_) => "java.lang.Integer",
        Value::Int64(_) => "java.lang.Long",
        Value::Float32(_) => "java.lang.Float",
        Value::Float64(_) => "java.lang.Double",
        Value::String(_) => "java.lang.String",
        Value::Bytes(_) => "[B",
        Value::Array(_) => "java.util.ArrayList",
        Value::Map(_) => "java.util.HashMap",
        Value::Struct(_) => "org.apache.kafka.connect.data.Struct",
    }
}

/// [`class_name`] for a value read in place.
pub(crate) fn class_name_of_ref(value: &ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Null => "null",
        ValueRef::Boolean(_) => "java.lang.Boolean",
        ValueRef::Int8(_) => "java.lang.Byte",
        ValueRef::Int16(_) => "java.lang.Short",
        ValueRef::Int32(_) => "java.lang.Integer",
        ValueRef::Int64(_) => "java.lang.Long",
        ValueRef::Float32(_) => "java.lang.Float",
        ValueRef::Float64(_) => "java.lang.Double",
        ValueRef::String(_) => "java.lang.String",
        ValueRef::Bytes(_) => "[B",
        ValueRef::Array(_) => "java.util.ArrayList",
        ValueRef::Map(_) => "java.util.HashMap",
        ValueRef::Struct(_) => "org.apache.kafka.connect.data.Struct",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_digits_as_java_sees_them() {
        assert_eq!(digit(u16::from(b'7')), Some(7));
        assert_eq!(digit(0x0663), Some(3)); // Arabic-Indic three
        assert_eq!(digit(0xFF19), Some(9)); // fullwidth nine
        assert_eq!(digit(0x0669 + 1), None);
        assert_eq!(digit(u16::from(b'a')), None);
        assert_eq!(digit(0x00B2), None); // superscript two is not Nd
    }

    #[test]
    fn trim_is_javas() {
        assert_eq!(trim("\t x \u{1}"), "x");
        assert_eq!(trim("\u{a0}x"), "\u{a0}x");
    }
}
