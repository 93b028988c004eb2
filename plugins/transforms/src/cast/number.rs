//! Java's string-to-number parsing, which decides what `Cast` accepts:
//! `Integer.parseInt` (and the `Byte`, `Short`, `Long` variants) and
//! `Float.parseFloat` / `Double.parseDouble`.

use crate::java_time::lang::{digit, trim};

/// `Long.parseLong(s)` restricted to `min..=max` (`Byte.parseByte`,
/// `Short.parseShort`, `Integer.parseInt` are the same with narrower
/// bounds). `None` where Java throws `NumberFormatException`.
pub(crate) fn parse_integer(s: &str, min: i64, max: i64) -> Option<i64> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let (&first, rest) = units.split_first()?;
    let (negative, digits) = if first < u16::from(b'0') {
        match first {
            0x2D => (true, rest),  // '-'
            0x2B => (false, rest), // '+'
            _ => return None,
        }
    } else {
        (false, &units[..])
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively, as Java does, so MIN_VALUE parses.
    let mut value: i64 = 0;
    for &unit in digits {
        let d = i64::from(digit(unit)?);
        value = value.checked_mul(10)?.checked_sub(d)?;
    }
    let value = if negative {
        value
    } else {
        value.checked_neg()?
    };
    (min..=max).contains(&value).then_some(value)
}

/// `Double.parseDouble(s)`; `None` where Java throws.
pub(crate) fn parse_double(s: &str) -> Option<f64> {
    match scan(s)? {
        Scanned::Decimal(text) => text.parse().ok(),
        Scanned::Special(v) => Some(v),
        Scanned::Hex(h) => Some(f64::from_bits(h.round(52, 1023))),
    }
}

/// `Float.parseFloat(s)`; `None` where Java throws.
pub(crate) fn parse_float(s: &str) -> Option<f32> {
    match scan(s)? {
        Scanned::Decimal(text) => text.parse().ok(),
        Scanned::Special(v) => Some(v as f32),
        Scanned::Hex(h) => Some(f32::from_bits(h.round(23, 127) as u32)),
    }
}

/// What a Java floating-point literal turned out to be.
enum Scanned {
    /// A decimal number, rewritten for Rust's (correctly rounding) parser.
    Decimal(String),
    /// NaN or an infinity.
    Special(f64),
    /// A hexadecimal number.
    Hex(HexFloat),
}

/// Check `s` against Java's floating-point grammar (`FloatingDecimal.
/// readJavaFormatString`): surrounding characters up to U+0020 ignored, an
/// optional sign, then `NaN`, `Infinity`, a hexadecimal `0x…p…` or decimal
/// digits with an optional point and exponent, and an optional `f`, `F`,
/// `d` or `D` at the very end.
fn scan(s: &str) -> Option<Scanned> {
    let s = trim(s);
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body == "NaN" {
        return Some(Scanned::Special(f64::NAN));
    }
    if body == "Infinity" {
        return Some(Scanned::Special(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }));
    }
    let bytes = body.as_bytes();
    if bytes.len() > 1 && bytes[0] == b'0' && (bytes[1] | 0x20) == b'x' {
        return HexFloat::scan(negative, &body[2..]).map(Scanned::Hex);
    }
    let mut i = 0;
    let mut digits = 0;
    let mut point = false;
    while let Some(&c) = bytes.get(i) {
        if c.is_ascii_digit() {
            digits += 1;
        } else if c == b'.' && !point {
            point = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let mantissa_end = i;
    let mut exponent = "";
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let start = i + 1;
        i = start;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == digits_start {
            return None;
        }
        exponent = &body[start..i];
    }
    if matches!(bytes.get(i), Some(b'f' | b'F' | b'd' | b'D')) {
        i += 1;
    }
    if i != bytes.len() {
        return None;
    }
    let sign = if negative { "-" } else { "" };
    let exponent = if exponent.is_empty() {
        String::new()
    } else {
        format!("e{exponent}")
    };
    Some(Scanned::Decimal(format!(
        "{sign}{}{exponent}",
        &body[..mantissa_end]
    )))
}

/// A hexadecimal floating-point literal: `±mantissa × 2^exponent`, with the
/// mantissa cut to 120 bits and `sticky` set when nonzero bits were cut.
struct HexFloat {
    negative: bool,
    mantissa: u128,
    exponent: i64,
    sticky: bool,
}

impl HexFloat {
    /// Java's pattern after `0x`:
    /// `(hex+ .? | hex* . hex+) [pP] [+-]? digit+ [fFdD]?`.
    fn scan(negative: bool, s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut mantissa: u128 = 0;
        let mut exponent: i64 = 0;
        let mut sticky = false;
        let mut digits = 0;
        let mut point = false;
        while let Some(&c) = bytes.get(i) {
            if let Some(d) = char::from(c).to_digit(16) {
                digits += 1;
                if mantissa >> 116 == 0 {
                    mantissa = mantissa << 4 | u128::from(d);
                    if point {
                        exponent -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !point {
                        exponent += 4;
                    }
                }
            } else if c == b'.' && !point {
                point = true;
            } else {
                break;
            }
            i += 1;
        }
        if digits == 0 || !matches!(bytes.get(i), Some(b'p' | b'P')) {
            return None;
        }
        i += 1;
        let exp_negative = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut binary: i64 = 0;
        while let Some(&c) = bytes.get(i).filter(|c| c.is_ascii_digit()) {
            // Far beyond any float's range: saturate.
            binary = (binary * 10 + i64::from(c - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return None;
        }
        if matches!(bytes.get(i), Some(b'f' | b'F' | b'd' | b'D')) {
            i += 1;
        }
        if i != bytes.len() {
            return None;
        }
        exponent += if exp_negative { -binary } else { binary };
        Some(Self {
            negative,
            mantissa,
            exponent,
            sticky,
        })
    }

    /// The IEEE 754 bits of the nearest value (ties to even) in a format
    /// with `fraction_bits` stored fraction bits and exponent bias `bias`.
    fn round(&self, fraction_bits: u32, bias: i64) -> u64 {
        let sign = u64::from(self.negative) << (fraction_bits + exponent_width(bias));
        if self.mantissa == 0 {
            return sign;
        }
        // Normalize: the leading one at bit 127.
        let shift = self.mantissa.leading_zeros();
        let m = self.mantissa << shift;
        // Value = m × 2^(e - 127), leading bit weight 2^lead.
        let lead = self.exponent + 127 - i64::from(shift);
        let min_exponent = 1 - bias;
        // Bits kept: the leading one plus the fraction, fewer when subnormal.
        let keep = if lead >= min_exponent {
            i64::from(fraction_bits) + 1
        } else {
            i64::from(fraction_bits) + 1 - (min_exponent - lead)
        };
        let infinity = sign | (((2 * bias + 1) as u64) << fraction_bits);
        if lead > bias {
            return infinity;
        }
        if keep < 0 {
            return sign;
        }
        let keep = keep as u32;
        let (kept, rest) = if keep == 0 {
            (0u128, m)
        } else {
            (m >> (128 - keep), m << keep)
        };
        let half = 1u128 << 127;
        // Ties to even; cut digits beyond the 120 kept bits break ties.
        let round_up = rest > half || (rest == half && (self.sticky || kept & 1 == 1));
        let mut kept = kept + u128::from(round_up);
        let mut lead = lead;
        if kept >> keep != 0 && keep == fraction_bits + 1 {
            // Rounding carried into a new leading bit.
            kept >>= 1;
            lead += 1;
            if lead > bias {
                return infinity;
            }
        }
        if lead >= min_exponent || kept >> fraction_bits != 0 {
            // Normal (possibly a subnormal that rounded up to the smallest normal).
            let biased = if lead >= min_exponent { lead + bias } else { 1 } as u64;
            sign | (biased << fraction_bits) | (kept as u64 & ((1u64 << fraction_bits) - 1))
        } else {
            sign | kept as u64
        }
    }
}

/// Width of the exponent field for a bias (127 → 8, 1023 → 11).
fn exponent_width(bias: i64) -> u32 {
    64 - (bias as u64).leading_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_like_java() {
        let int = |s| parse_integer(s, i64::from(i32::MIN), i64::from(i32::MAX));
        assert_eq!(int("42"), Some(42));
        assert_eq!(int("-2147483648"), Some(-2_147_483_648));
        assert_eq!(int("2147483648"), None);
        assert_eq!(int("+7"), Some(7));
        assert_eq!(int("+"), None);
        assert_eq!(int(""), None);
        assert_eq!(int(" 1"), None);
        assert_eq!(int("1.0"), None);
        assert_eq!(int("٤٢"), Some(42));
        assert_eq!(parse_integer("128", -128, 127), None);
        assert_eq!(parse_integer("-128", -128, 127), Some(-128));
    }

    #[test]
    fn floats_like_java() {
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("1.5f"), Some(1.5));
        assert_eq!(parse_double("1.5x"), None);
        assert_eq!(parse_double(".5"), Some(0.5));
        assert_eq!(parse_double("5."), Some(5.0));
        assert_eq!(parse_double("."), None);
        assert_eq!(parse_double("1e"), None);
        assert_eq!(parse_double("1e+2"), Some(100.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double("inf"), None);
        assert_eq!(parse_double("infinity"), None);
        assert!(parse_double("NaN").unwrap().is_nan());
        assert_eq!(parse_double("0x1.8p1"), Some(3.0));
        assert_eq!(parse_double("0x.8p0d"), Some(0.5));
        assert_eq!(parse_double("0x1p"), None);
        assert_eq!(parse_double("0x1"), None);
        assert_eq!(parse_double("0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(parse_double("0x1p-1075"), Some(0.0));
        assert_eq!(parse_double("0x1.8p-1075"), Some(f64::from_bits(1)));
        assert_eq!(parse_double("0x1.fffffffffffff8p0"), Some(2.0));
        assert_eq!(parse_double("0x1p1024"), Some(f64::INFINITY));
        assert_eq!(parse_float("0x1.000001p0"), Some(1.0));
        assert_eq!(parse_float("0x1.000003p0"), Some(1.000_000_2));
        assert_eq!(parse_float("3.4028235e38"), Some(f32::MAX));
        assert_eq!(parse_float("1e40"), Some(f32::INFINITY));
    }
}
