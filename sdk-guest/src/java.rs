//! Text forms that must match what the JVM prints, because users compare
//! our output with Apache Kafka Connect's byte for byte.

use std::fmt;

/// `Double.toString(v)` as Java (JDK 19+, shortest round-trip digits)
/// prints it: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `-Infinity`.
pub fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Ryu picks the shortest digits that read back as `v`, the closest of
    // them, and the even one on a tie: Java's choice. Java never settles
    // for one digit, though: it then takes the closest two-digit decimal
    // that still reads back (so Double.MIN_VALUE is 4.9E-324, not 5.0E-324).
    let mut sci = scientific(ryu::Buffer::new().format_finite(v));
    if one_digit(&sci) {
        let two = format!("{v:.1e}");
        if two.parse::<f64>().ok() == Some(v) {
            sci = two;
        }
    }
    java_layout(&sci, v == 0.0 || (1e-3..1e7).contains(&v.abs()))
}

/// Whether a `d.ddde±x` form has a single significant digit.
fn one_digit(sci: &str) -> bool {
    let mantissa = sci.split('e').next().unwrap_or(sci);
    mantissa
        .trim_start_matches('-')
        .chars()
        .filter(char::is_ascii_digit)
        .count()
        == 1
}

/// `Float.toString(v)` as Java prints it.
pub fn float_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let mut sci = scientific(ryu::Buffer::new().format_finite(v));
    if one_digit(&sci) {
        let two = format!("{v:.1e}");
        if two.parse::<f32>().ok() == Some(v) {
            sci = two;
        }
    }
    java_layout(&sci, v == 0.0 || (1e-3..1e7).contains(&v.abs()))
}

/// Ryu's output (`123.45`, `1e16`, `1.5e-7`, `-0.0`) as `d.ddde±x`, the
/// form [`java_layout`] reads.
fn scientific(ryu: &str) -> String {
    let (sign, rest) = match ryu.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", ryu),
    };
    let (mantissa, exp) = rest.split_once(['e', 'E']).unwrap_or((rest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let Some(first) = digits.find(|c: char| c != '0') else {
        return format!("{sign}0e0");
    };
    let significant = digits[first..].trim_end_matches('0');
    // The decimal point sits after `int`; the first significant digit is
    // `first` places into `digits`.
    let exp10 = exp + int.len() as i32 - 1 - first as i32;
    let (lead, tail) = significant.split_at(1);
    if tail.is_empty() {
        format!("{sign}{lead}e{exp10}")
    } else {
        format!("{sign}{lead}.{tail}e{exp10}")
    }
}

/// Lays out Rust's `d.ddde±x` form as Java does: plain decimal with at
/// least one fractional digit inside [1e-3, 1e7), otherwise `d.dddE±x` with
/// at least one fractional digit.
fn java_layout(sci: &str, plain: bool) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // Trailing zeros carry nothing (they come from the two-digit form).
    let digits = match digits.trim_end_matches('0') {
        "" => "0".to_owned(),
        kept => kept.to_owned(),
    };
    if !plain {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        return format!("{sign}{first}.{rest}E{exp}");
    }
    if digits.chars().all(|c| c == '0') {
        return format!("{sign}0.0");
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        format!("{sign}0.{zeros}{digits}")
    } else {
        let point = point as usize;
        if digits.len() <= point {
            let zeros = "0".repeat(point - digits.len());
            format!("{sign}{digits}{zeros}.0")
        } else {
            let (int, frac) = digits.split_at(point);
            format!("{sign}{int}.{frac}")
        }
    }
}

/// Writes bytes as text. Java would print `[B@1b6d3586` for a `byte[]`,
/// which helps nobody; we write the bytes as UTF-8 (invalid sequences as
/// U+FFFD), which is what the same record shows through StringConverter.
pub fn write_bytes(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (2.0, "2.0"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (12345678.9, "1.23456789E7"),
            (-3.25, "-3.25"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.7976931348623157e308, "1.7976931348623157E308"),
            (4.9e-324, "4.9E-324"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(double_to_string(*v), *want, "for {v:?}");
        }
    }

    #[test]
    fn floats_print_like_java() {
        assert_eq!(float_to_string(1.1), "1.1");
        assert_eq!(float_to_string(1e10), "1.0E10");
        assert_eq!(float_to_string(0.5), "0.5");
        assert_eq!(float_to_string(f32::from_bits(1)), "1.4E-45");
        // A tie between two shortest forms: Java takes the even digit.
        assert_eq!(float_to_string(f32::from_bits(0xc9ca_9da2)), "-1659828.2");
        assert_eq!(double_to_string(123.456), "123.456");
        assert_eq!(double_to_string(1e21), "1.0E21");
    }
}
