//! Java's rules for text and numbers that `Values.parseString` relies on:
//! `String.trim`, `Character.isDigit`/`digit` and `new BigDecimal(String)`.
//!
//! They differ from Rust's in ways users can see (Java trims control
//! characters but not U+00A0; Java reads Arabic-Indic digits as digits), so
//! the parser uses these instead of `str::trim` and `char::is_ascii_digit`.

/// The zero of every run of ten decimal digits (Unicode category Nd) in the
/// Basic Multilingual Plane, as Java 17's `Character.isDigit` sees them
/// (printed by the JDK itself; Java 25 has the same 370 BMP digits).
/// Java works on UTF-16 units, so digits outside the BMP are never digits.
const DIGIT_ZEROS: [u32; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// Java's `Character.digit(c, 10)` for a char Java sees as one UTF-16
/// unit: the digit's value, or `None` when `Character.isDigit(c)` is false.
pub fn java_digit(c: char) -> Option<u32> {
    let code = u32::from(c);
    if c.is_ascii_digit() {
        return Some(code - 0x30);
    }
    if !(0x0660..=0xFFFF).contains(&code) {
        return None;
    }
    DIGIT_ZEROS
        .iter()
        .find(|zero| code >= **zero && code < **zero + 10)
        .map(|zero| code - zero)
}

/// Java's `String.trim()`: strips every char up to U+0020 from both ends
/// (control characters included, Unicode spaces such as U+00A0 not).
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Kafka's `Utils.isBlank`: empty after Java's `trim()`.
pub fn java_is_blank(s: &str) -> bool {
    java_trim(s).is_empty()
}

/// The length of `s` as Java's `String.length()` counts it (UTF-16 units).
pub fn java_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// A decimal number as Java's `BigDecimal` holds it: an unscaled integer
/// and a scale (value = unscaled × 10^-scale). Equality is Java's
/// `BigDecimal.equals`: same value *and* same scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDecimal {
    /// Whether the value is below zero (never true for zero).
    negative: bool,
    /// The unscaled magnitude in ASCII decimal digits, without leading
    /// zeros; empty for zero.
    digits: String,
    /// The scale.
    scale: i32,
}

impl JavaDecimal {
    /// Parses `text` as `new BigDecimal(String)` does; `None` where Java
    /// throws `NumberFormatException`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut chars = text.chars().peekable();
        let negative = match chars.peek() {
            Some('-') => {
                chars.next();
                true
            }
            Some('+') => {
                chars.next();
                false
            }
            _ => false,
        };
        let mut digits = String::new();
        let mut seen_digit = false;
        let mut dot = false;
        let mut scale: i64 = 0;
        while let Some(c) = chars.next() {
            if let Some(d) = java_digit(c) {
                seen_digit = true;
                if d != 0 || !digits.is_empty() {
                    digits.push(char::from_digit(d, 10)?);
                }
                if dot {
                    scale += 1;
                }
            } else if c == '.' {
                if dot {
                    return None;
                }
                dot = true;
            } else if c == 'e' || c == 'E' {
                scale -= parse_exponent(&mut chars)?;
                break;
            } else {
                return None;
            }
        }
        if !seen_digit {
            return None;
        }
        let scale = i32::try_from(scale).ok()?;
        Some(Self {
            negative: negative && !digits.is_empty(),
            digits,
            scale,
        })
    }

    /// The scale.
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// The value as an `i64` when it is a whole number that fits (what
    /// Apache's `parseAsExactDecimal` keeps as an integer).
    pub fn integral_i64(&self) -> Option<i64> {
        let digits = self.digits.trim_end_matches('0');
        let zeros = self.digits.len() - digits.len();
        // The power of ten the kept digits are multiplied by.
        let shift = i64::try_from(zeros).ok()? - i64::from(self.scale);
        if digits.is_empty() {
            return Some(0);
        }
        if shift < 0 {
            return None; // a fractional part remains
        }
        // 19 digits is the most an i64 holds; anything longer overflows.
        let total = i64::try_from(digits.len()).ok()? + shift;
        if total > 19 {
            return None;
        }
        let mut value: i128 = 0;
        for d in digits.bytes() {
            value = value * 10 + i128::from(d - b'0');
        }
        for _ in 0..shift {
            value *= 10;
        }
        if self.negative {
            value = -value;
        }
        i64::try_from(value).ok()
    }

    /// The value in Rust's float syntax (`-123e-2`).
    fn float_text(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let digits = if self.digits.is_empty() {
            "0"
        } else {
            &self.digits
        };
        format!("{sign}{digits}e{}", -i64::from(self.scale))
    }

    /// `BigDecimal.floatValue()`: the nearest float, infinite when too big.
    pub fn to_f32(&self) -> f32 {
        self.float_text().parse().unwrap_or(f32::NAN)
    }

    /// `BigDecimal.doubleValue()`: the nearest double, infinite when too big.
    pub fn to_f64(&self) -> f64 {
        self.float_text().parse().unwrap_or(f64::NAN)
    }

    /// The unscaled value as Java's `BigInteger.toByteArray()`: big-endian
    /// two's complement in the fewest bytes (what Connect's `Decimal`
    /// logical type stores).
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        // Little-endian base-2^32 limbs of the magnitude.
        let mut limbs: Vec<u32> = Vec::new();
        for d in self.digits.bytes() {
            let mut carry = u64::from(d - b'0');
            for limb in &mut limbs {
                let v = u64::from(*limb) * 10 + carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                limbs.push(carry as u32);
            }
        }
        let mut bytes: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        if self.negative {
            // Two's complement: invert and add one.
            for b in &mut bytes {
                *b = !*b;
            }
            for b in bytes.iter_mut().rev() {
                let (v, overflow) = b.overflowing_add(1);
                *b = v;
                if !overflow {
                    break;
                }
            }
        }
        // Keep exactly one sign byte: drop redundant leading 0x00 / 0xFF,
        // add one when the top bit disagrees with the sign.
        let fill = if self.negative { 0xFF } else { 0x00 };
        let mut start = 0;
        while start + 1 < bytes.len()
            && bytes[start] == fill
            && (bytes[start + 1] & 0x80 == fill & 0x80)
        {
            start += 1;
        }
        let mut out = bytes.split_off(start);
        if out.first().is_none_or(|b| b & 0x80 != fill & 0x80) {
            out.insert(0, fill);
        }
        out
    }
}

/// Reads the exponent after `e` as BigDecimal's `parseExp` does: an
/// optional sign and at most ten significant digits.
fn parse_exponent(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<i64> {
    let rest: Vec<char> = chars.collect();
    let (negative, digits) = match rest.first() {
        Some('-') => (true, &rest[1..]),
        Some('+') => (false, &rest[1..]),
        _ => (false, &rest[..]),
    };
    if digits.is_empty() {
        return None;
    }
    let mut values = Vec::with_capacity(digits.len());
    for c in digits {
        values.push(java_digit(*c)?);
    }
    let significant: Vec<u32> = {
        let mut skip = 0;
        while values.len() - skip > 10 && values[skip] == 0 {
            skip += 1;
        }
        values[skip..].to_vec()
    };
    if significant.len() > 10 {
        return None;
    }
    let magnitude = significant
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(*d));
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_trim_follow_java() {
        assert_eq!(java_digit('7'), Some(7));
        assert_eq!(java_digit('\u{0663}'), Some(3)); // Arabic-Indic three
        assert_eq!(java_digit('\u{FF19}'), Some(9)); // fullwidth nine
        assert_eq!(java_digit('a'), None);
        assert_eq!(java_digit('\u{104A1}'), None); // outside the BMP
        assert_eq!(java_trim("\u{1}\t x \u{0}"), "x");
        assert_eq!(java_trim("\u{A0}x"), "\u{A0}x");
        assert!(java_is_blank(" \n\t"));
        assert_eq!(java_len("a\u{1F600}"), 3);
    }

    #[test]
    fn big_decimal_grammar() {
        for bad in [
            "",
            "+",
            "-",
            ".",
            "1.2.3",
            "1e",
            "1e+",
            "e5",
            "1x",
            "++1",
            " 1",
            "1e12345678901",
        ] {
            assert_eq!(JavaDecimal::parse(bad), None, "{bad:?}");
        }
        let d = JavaDecimal::parse("-0012.50").unwrap();
        assert_eq!((d.negative, d.digits.as_str(), d.scale), (true, "1250", 2));
        let d = JavaDecimal::parse("-0.0").unwrap();
        assert!(!d.negative, "BigDecimal zero has no sign");
        assert_eq!(JavaDecimal::parse("1e400").unwrap().scale(), -400);
        assert_eq!(JavaDecimal::parse("1E-00000000000005").unwrap().scale(), 5);
        assert_eq!(
            JavaDecimal::parse("\u{0661}\u{0662}")
                .unwrap()
                .integral_i64(),
            Some(12)
        );
        assert_eq!(JavaDecimal::parse("5.").unwrap().integral_i64(), Some(5));
        assert_eq!(JavaDecimal::parse(".5").unwrap().integral_i64(), None);
    }

    #[test]
    fn integral_values() {
        let v = |s: &str| JavaDecimal::parse(s).unwrap().integral_i64();
        assert_eq!(v("300.0"), Some(300));
        assert_eq!(v("1e2"), Some(100));
        assert_eq!(v("1200e-2"), Some(12));
        assert_eq!(v("9223372036854775807"), Some(i64::MAX));
        assert_eq!(v("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(v("9223372036854775808"), None);
        assert_eq!(v("0e99999"), Some(0));
        assert_eq!(v("1e19"), None);
    }

    #[test]
    fn unscaled_bytes_match_big_integer() {
        let b = |s: &str| JavaDecimal::parse(s).unwrap().unscaled_bytes();
        assert_eq!(b("0"), vec![0x00]);
        assert_eq!(b("127"), vec![0x7F]);
        assert_eq!(b("128"), vec![0x00, 0x80]);
        assert_eq!(b("-128"), vec![0x80]);
        assert_eq!(b("-129"), vec![0xFF, 0x7F]);
        assert_eq!(b("-256"), vec![0xFF, 0x00]);
        assert_eq!(
            b("12345678901234567890"),
            vec![0x00, 0xab, 0x54, 0xa9, 0x8c, 0xeb, 0x1f, 0x0a, 0xd2]
        );
        assert_eq!(
            b("-9223372036854775809"),
            vec![0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
    }

    #[test]
    fn floats_round_like_java() {
        assert_eq!(JavaDecimal::parse("1.1").unwrap().to_f32(), 1.1f32);
        assert_eq!(JavaDecimal::parse("1e39").unwrap().to_f32(), f32::INFINITY);
        assert_eq!(JavaDecimal::parse("1e39").unwrap().to_f64(), 1e39);
        assert_eq!(
            JavaDecimal::parse("-1e-50").unwrap().to_f32().to_bits(),
            (-0.0f32).to_bits()
        );
        assert_eq!(
            JavaDecimal::parse("1e2147483647").unwrap().to_f64(),
            f64::INFINITY
        );
        assert_eq!(JavaDecimal::parse("1e-2147483647").unwrap().to_f64(), 0.0);
        assert_eq!(
            JavaDecimal::parse("1e-2147483648"),
            None,
            "the scale overflows"
        );
    }
}
