//! Writing JSON tokens byte for byte as Jackson's `UTF8JsonGenerator` does
//! with `ObjectMapper` defaults, which is what Apache's `JsonSerializer`
//! uses: no white space, strings with `"` `\\` and control characters
//! escaped (`\b \t \n \f \r` short, others `\u00XX` with upper-case hex),
//! `/` and non-ASCII written as they are, floats as Java's
//! `Float.toString`/`Double.toString`, and NaN/Infinity as quoted strings
//! (`QUOTE_NON_NUMERIC_NUMBERS` is on by default).
//!
//! serde_json is not used for escaping: it writes `\u001f`-style escapes in
//! lower case, which would not be Jackson's bytes.

use wasm_connect_sdk::java::{double_to_string, float_to_string};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Append `s` as a JSON string, quotes included.
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut run = 0;
    for (i, &c) in s.iter().enumerate() {
        let short = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0A => b'n',
            0x0C => b'f',
            0x0D => b'r',
            0..=0x1F => 0,
            _ => continue,
        };
        out.extend_from_slice(&s[run..i]);
        run = i + 1;
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xF)],
            ]);
        }
    }
    out.extend_from_slice(&s[run..]);
    out.push(b'"');
}

/// Append an integer.
pub fn int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Append a `double` as Jackson writes a `DoubleNode`: Java's
/// `Double.toString` (the SDK's port, which agrees with the JDK even on
/// exact ties between two shortest forms), or a quoted string for NaN and
/// the infinities.
pub fn double(out: &mut Vec<u8>, v: f64) {
    match non_finite(v.is_nan(), v.is_infinite(), v > 0.0) {
        Some(text) => string(out, text.as_bytes()),
        None => out.extend_from_slice(double_to_string(v).as_bytes()),
    }
}

/// Append a `float` as Jackson writes a `FloatNode` (`Float.toString`).
pub fn float(out: &mut Vec<u8>, v: f32) {
    match non_finite(v.is_nan(), v.is_infinite(), v > 0.0) {
        Some(text) => string(out, text.as_bytes()),
        None => out.extend_from_slice(float_to_string(v).as_bytes()),
    }
}

fn non_finite(nan: bool, infinite: bool, positive: bool) -> Option<&'static str> {
    match (nan, infinite, positive) {
        (true, _, _) => Some("NaN"),
        (false, true, true) => Some("Infinity"),
        (false, true, false) => Some("-Infinity"),
        _ => None,
    }
}

/// Append a boolean.
pub fn boolean(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Jackson's `asText()` of a value this module wrote: the text of a string
/// (unescaped), a number's or literal's own text, and `""` for an array or
/// object. Apache uses it for map keys (`obj.set(mapKey.asText(), ...)`).
pub fn as_text(json: &[u8]) -> String {
    match json.first() {
        Some(b'"') => {
            let inner = &json[1..json.len().saturating_sub(1).max(1)];
            let mut out = Vec::with_capacity(inner.len());
            let mut i = 0;
            while i < inner.len() {
                if inner[i] == b'\\' && i + 1 < inner.len() {
                    let c = inner[i + 1];
                    i += 2;
                    out.push(match c {
                        b'b' => 0x08,
                        b't' => 0x09,
                        b'n' => 0x0A,
                        b'f' => 0x0C,
                        b'r' => 0x0D,
                        b'u' => {
                            let hex = inner.get(i..i + 4).unwrap_or(b"0000");
                            i += 4;
                            let text = std::str::from_utf8(hex).unwrap_or("0000");
                            u8::from_str_radix(text, 16).unwrap_or(b'?')
                        }
                        other => other,
                    });
                } else {
                    out.push(inner[i]);
                    i += 1;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        Some(b'{' | b'[') => String::new(),
        _ => String::from_utf8_lossy(json).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn doubles_match_the_sdks_java_formatting(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            let mut out = Vec::new();
            double(&mut out, v);
            let want = double_to_string(v);
            let want = if v.is_finite() { want } else { format!("\"{want}\"") };
            prop_assert_eq!(String::from_utf8(out).unwrap(), want);
        }

        #[test]
        fn floats_match_the_sdks_java_formatting(bits in any::<u32>()) {
            let v = f32::from_bits(bits);
            let mut out = Vec::new();
            float(&mut out, v);
            let want = float_to_string(v);
            let want = if v.is_finite() { want } else { format!("\"{want}\"") };
            prop_assert_eq!(String::from_utf8(out).unwrap(), want);
        }

        #[test]
        fn ordinary_doubles_match_too(v in -1e9f64..1e9, scale in -30i32..30) {
            let v = v * 10f64.powi(scale);
            let mut out = Vec::new();
            double(&mut out, v);
            prop_assert_eq!(String::from_utf8(out).unwrap(), double_to_string(v));
        }
    }

    /// An exact tie between two shortest forms: the JDK (17 and 21) picks
    /// the even digit; Rust's `{:e}` picked the other one (found by the
    /// property test above).
    #[test]
    fn ties_between_shortest_forms_go_javas_way() {
        let mut out = Vec::new();
        double(&mut out, 190_982_370_197_946.12);
        assert_eq!(String::from_utf8(out).unwrap(), "1.9098237019794612E14");
    }

    fn s(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_like_jackson() {
        assert_eq!(s("plain"), "\"plain\"");
        assert_eq!(s("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(s("\u{8}\t\n\u{c}\r"), r#""\b\t\n\f\r""#);
        assert_eq!(s("\u{0}\u{1f}"), r#""\u0000\u001F""#);
        assert_eq!(s("/ é € \u{7f} \u{2028}"), "\"/ é € \u{7f} \u{2028}\"");
        assert_eq!(as_text(s("a\"\u{1}\n").as_bytes()), "a\"\u{1}\n");
    }

    #[test]
    fn numbers_are_written_like_jackson() {
        let mut out = Vec::new();
        int(&mut out, i64::MIN);
        out.push(b' ');
        int(&mut out, 0);
        out.push(b' ');
        double(&mut out, 1e7);
        out.push(b' ');
        double(&mut out, f64::NAN);
        out.push(b' ');
        float(&mut out, f32::NEG_INFINITY);
        out.push(b' ');
        float(&mut out, 12.34);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"-9223372036854775808 0 1.0E7 "NaN" "-Infinity" 12.34"#
        );
    }
}
