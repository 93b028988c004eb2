//! The slice of Java's `BigDecimal` and `BigInteger` that Connect's
//! `Values` relies on: parsing numbers the way `new BigDecimal(String)`
//! does, printing them the way `BigDecimal.toString()` does, and the
//! two's-complement bytes a Connect `Decimal` carries
//! (`BigInteger.toByteArray()`).
//!
//! Why not a bignum crate: header values are short, and the operations
//! needed are few and exact (no arithmetic beyond base conversion), so a
//! digit string is the simplest faithful representation, and equality on it
//! is exactly Java's `BigDecimal.equals` (same unscaled value, same scale).

/// A decimal number as Java's `BigDecimal`: an unscaled integer and a scale,
/// worth `unscaled × 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BigDecimal {
    /// Whether the number is below zero (never true for zero).
    negative: bool,
    /// The magnitude of the unscaled value in ASCII decimal digits, without
    /// leading zeros ("0" for zero).
    digits: String,
    /// The scale.
    scale: i32,
}

/// What the integer part of a [`BigDecimal`] is, when it has no fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Integral {
    /// The number has a fractional part.
    No,
    /// An integer that fits Java's `long`.
    Long(i64),
    /// An integer outside `long`'s range.
    TooBig,
}

/// Base of the limbs used to convert between decimal digits and bytes.
const LIMB: u64 = 1_000_000_000;

impl BigDecimal {
    /// Parse `text` as `new BigDecimal(text)` does; `None` where Java throws
    /// `NumberFormatException`. Digits are any of Java's decimal digits
    /// ([`java_digit`]).
    pub(crate) fn parse(text: &str) -> Option<Self> {
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
        let mut fraction: i64 = 0;
        let mut exponent: i64 = 0;
        while let Some(c) = chars.next() {
            if let Some(d) = java_digit(c) {
                seen_digit = true;
                if dot {
                    fraction += 1;
                }
                if !(digits.is_empty() && d == 0) {
                    digits.push(char::from(b'0' + d));
                }
                continue;
            }
            match c {
                '.' if !dot => dot = true,
                'e' | 'E' => {
                    exponent = parse_exponent(chars.collect())?;
                    break;
                }
                _ => return None,
            }
        }
        if !seen_digit {
            return None;
        }
        let scale = i32::try_from(fraction - exponent).ok()?;
        if digits.is_empty() {
            digits.push('0');
        }
        Some(Self {
            negative: negative && digits != "0",
            digits,
            scale,
        })
    }

    /// The decimal for a Connect `Decimal`: the two's-complement big-endian
    /// unscaled bytes (Java's `new BigInteger(bytes)`) and the schema's
    /// scale. `None` for no bytes, which Java rejects.
    pub(crate) fn from_unscaled_bytes(bytes: &[u8], scale: i32) -> Option<Self> {
        let first = *bytes.first()?;
        let negative = first & 0x80 != 0;
        // The magnitude of a negative number is the two's complement.
        let magnitude: Vec<u8> = if negative {
            let mut out: Vec<u8> = bytes.iter().map(|b| !b).collect();
            for b in out.iter_mut().rev() {
                let (sum, carry) = b.overflowing_add(1);
                *b = sum;
                if !carry {
                    break;
                }
            }
            out
        } else {
            bytes.to_vec()
        };
        let digits = bytes_to_decimal(&magnitude);
        Some(Self {
            negative: negative && digits != "0",
            digits,
            scale,
        })
    }

    /// Whether the number is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.digits == "0"
    }

    /// The scale.
    pub(crate) fn scale(&self) -> i32 {
        self.scale
    }

    /// The unscaled value as `BigInteger.toByteArray()` writes it: the
    /// shortest two's-complement big-endian form.
    pub(crate) fn unscaled_bytes(&self) -> Vec<u8> {
        let mut magnitude = decimal_to_bytes(&self.digits);
        if !self.negative {
            if magnitude.first().is_none_or(|b| b & 0x80 != 0) {
                magnitude.insert(0, 0);
            }
            return magnitude;
        }
        // Two's complement: invert and add one.
        let mut out: Vec<u8> = magnitude.iter().map(|b| !b).collect();
        for b in out.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
        if out.first().is_none_or(|b| b & 0x80 == 0) {
            out.insert(0, 0xff);
        }
        // Drop redundant sign bytes (-128 is one byte, not two).
        while out.len() > 1 && out[0] == 0xff && out[1] & 0x80 != 0 {
            out.remove(0);
        }
        out
    }

    /// Whether the number is an integer, and if so whether it fits `long`
    /// (what `Values.parseAsExactDecimal` asks with `setScale(0, CEILING)`
    /// and `setScale(0, FLOOR)`).
    pub(crate) fn integral(&self) -> Integral {
        if self.digits == "0" {
            return Integral::Long(0);
        }
        let len = self.digits.len() as i64;
        let scale = i64::from(self.scale);
        let integer_digits = if scale > 0 {
            if scale >= len
                || !self.digits[(len - scale) as usize..]
                    .bytes()
                    .all(|b| b == b'0')
            {
                return Integral::No;
            }
            &self.digits[..(len - scale) as usize]
        } else {
            self.digits.as_str()
        };
        let zeros = if scale < 0 { -scale } else { 0 };
        // Nineteen digits is the most a `long` has.
        if integer_digits.len() as i64 + zeros > 19 {
            return Integral::TooBig;
        }
        let mut magnitude: i128 = 0;
        for b in integer_digits.bytes() {
            magnitude = magnitude * 10 + i128::from(b - b'0');
        }
        for _ in 0..zeros {
            magnitude *= 10;
        }
        let value = if self.negative { -magnitude } else { magnitude };
        i64::try_from(value).map_or(Integral::TooBig, Integral::Long)
    }

    /// `BigDecimal.floatValue()`: the nearest `float`.
    pub(crate) fn to_f32(&self) -> f32 {
        self.scientific().parse().unwrap_or(f32::NAN)
    }

    /// `BigDecimal.doubleValue()`: the nearest `double`.
    pub(crate) fn to_f64(&self) -> f64 {
        self.scientific().parse().unwrap_or(f64::NAN)
    }

    /// `digits e -scale`, which Rust's float parser rounds correctly, as
    /// Java does.
    fn scientific(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}{}e{}", self.digits, -i64::from(self.scale))
    }

    /// `BigDecimal.toString()`: plain when the scale is not negative and
    /// the adjusted exponent is at least -6, scientific otherwise.
    pub(crate) fn to_java_string(&self) -> String {
        let mut out = String::with_capacity(self.digits.len() + 8);
        if self.negative {
            out.push('-');
        }
        let coeff = self.digits.as_str();
        let len = coeff.len() as i64;
        let scale = i64::from(self.scale);
        if scale == 0 {
            out.push_str(coeff);
            return out;
        }
        let adjusted = -scale + (len - 1);
        if scale > 0 && adjusted >= -6 {
            let pad = scale - len;
            if pad >= 0 {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', pad as usize));
                out.push_str(coeff);
            } else {
                let point = (len - scale) as usize;
                out.push_str(&coeff[..point]);
                out.push('.');
                out.push_str(&coeff[point..]);
            }
        } else {
            out.push_str(&coeff[..1]);
            if len > 1 {
                out.push('.');
                out.push_str(&coeff[1..]);
            }
            if adjusted != 0 {
                out.push('E');
                if adjusted > 0 {
                    out.push('+');
                }
                out.push_str(&adjusted.to_string());
            }
        }
        out
    }

    /// The signed unscaled value in decimal, for test messages.
    #[cfg(test)]
    pub(crate) fn unscaled_string(&self) -> String {
        format!("{}{}", if self.negative { "-" } else { "" }, self.digits)
    }
}

/// The exponent after `e` as Java's `BigDecimal.parseExp` reads it: an
/// optional sign and at most ten significant digits, nothing else.
fn parse_exponent(chars: Vec<char>) -> Option<i64> {
    let (negative, digits) = match chars.first() {
        Some('-') => (true, &chars[1..]),
        Some('+') => (false, &chars[1..]),
        _ => (false, &chars[..]),
    };
    let digits: Vec<u8> = digits
        .iter()
        .map(|&c| java_digit(c))
        .collect::<Option<_>>()?;
    if digits.is_empty() {
        return None;
    }
    let significant: &[u8] = match digits.iter().position(|&d| d != 0) {
        Some(first) => &digits[first..],
        None => &[],
    };
    if significant.len() > 10 {
        return None;
    }
    let value = significant
        .iter()
        .fold(0i64, |acc, &d| acc * 10 + i64::from(d));
    Some(if negative { -value } else { value })
}

/// The zeros of the Unicode decimal digit ranges in the Basic Multilingual
/// Plane (the digits are the next nine code points), as Java 17 to 25 list
/// them. Java's number parsing works on UTF-16 units, so digits outside
/// the BMP never count.
const DIGIT_ZEROS: [u32; 37] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

/// Java's `Character.digit(c, 10)` for a `char`: the value of a decimal
/// digit of any script (`٣` is 3), which `BigDecimal`, `DecimalFormat` and
/// `Character.isDigit` all accept.
pub(crate) fn java_digit(c: char) -> Option<u8> {
    let code = u32::from(c);
    if c.is_ascii_digit() {
        return Some((code - 0x30) as u8);
    }
    if !(0x660..=0xFF19).contains(&code) {
        return None;
    }
    let at = DIGIT_ZEROS.partition_point(|&zero| zero <= code);
    let zero = DIGIT_ZEROS[at.checked_sub(1)?];
    (code - zero < 10).then(|| (code - zero) as u8)
}

/// Big-endian magnitude bytes to decimal digits (no leading zeros).
fn bytes_to_decimal(bytes: &[u8]) -> String {
    // Little-endian limbs of LIMB.
    let mut limbs: Vec<u64> = Vec::new();
    for &byte in bytes {
        let mut carry = u64::from(byte);
        for limb in limbs.iter_mut() {
            let v = *limb * 256 + carry;
            *limb = v % LIMB;
            carry = v / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
    }
    let Some((top, rest)) = limbs.split_last() else {
        return "0".to_owned();
    };
    let mut out = top.to_string();
    for limb in rest.iter().rev() {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

/// Decimal digits to big-endian magnitude bytes (empty for zero).
fn decimal_to_bytes(digits: &str) -> Vec<u8> {
    // Little-endian bytes, multiplied by ten and added to per digit.
    let mut out: Vec<u8> = Vec::new();
    for b in digits.bytes() {
        let mut carry = u32::from(b - b'0');
        for byte in out.iter_mut() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> BigDecimal {
        BigDecimal::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn parses_like_java() {
        for (text, unscaled, scale) in [
            ("0", "0", 0),
            ("-0", "0", 0),
            ("1.50", "150", 2),
            ("0.05", "5", 2),
            ("+.5", "5", 1),
            ("1.", "1", 0),
            ("1e3", "1", -3),
            ("1.5E-3", "15", 4),
            ("-12E+0002", "-12", -2),
            ("1e0000000000000005", "1", -5),
            ("-0012.50", "-1250", 2),
            ("-0.0", "0", 1),
            ("1e400", "1", -400),
            ("1E-00000000000005", "1", 5),
        ] {
            let d = dec(text);
            assert_eq!(
                (d.unscaled_string().as_str(), d.scale()),
                (unscaled, scale),
                "{text}"
            );
        }
        assert_eq!(dec("\u{663}\u{664}.\u{FF15}").unscaled_string(), "345");
        assert_eq!(dec("1e\u{661}").scale(), -1);
        assert!(!dec("-0.0").negative, "BigDecimal zero has no sign");
        for bad in [
            "",
            "-",
            "+",
            ".",
            "1e",
            "1e+",
            "1..2",
            "1.2.3",
            "+-1",
            "1 ",
            " 1",
            "0x1",
            "1e5.5",
            "++1",
            "1x",
            "e5",
            "1e12345678901",
            "1e2147483649",
            "NaN",
            "Infinity",
        ] {
            assert_eq!(BigDecimal::parse(bad), None, "{bad}");
        }
        // The scale must fit an int: 1e-2147483648 has scale 2^31.
        assert_eq!(BigDecimal::parse("1e-2147483648"), None);
        assert_eq!(dec("1e2147483648").scale(), i32::MIN);
    }

    #[test]
    fn digits_follow_java() {
        assert_eq!(java_digit('7'), Some(7));
        assert_eq!(java_digit('\u{0663}'), Some(3)); // Arabic-Indic three
        assert_eq!(java_digit('\u{FF19}'), Some(9)); // fullwidth nine
        assert_eq!(java_digit('a'), None);
        assert_eq!(java_digit('\u{104A1}'), None); // outside the BMP
    }

    #[test]
    fn prints_like_java() {
        for (text, want) in [
            ("1", "1"),
            ("-1.5", "-1.5"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("0.00000012", "1.2E-7"),
            ("1e3", "1E+3"),
            ("12e3", "1.2E+4"),
            ("0e3", "0E+3"),
            ("0.000", "0.000"),
            ("123.456", "123.456"),
            ("-0.01", "-0.01"),
        ] {
            assert_eq!(dec(text).to_java_string(), want, "{text}");
        }
    }

    #[test]
    fn integral_parts() {
        assert_eq!(dec("1.0").integral(), Integral::Long(1));
        assert_eq!(dec("1.5").integral(), Integral::No);
        assert_eq!(dec("100e-2").integral(), Integral::Long(1));
        assert_eq!(dec("100e-3").integral(), Integral::No);
        assert_eq!(
            dec("1e18").integral(),
            Integral::Long(1_000_000_000_000_000_000)
        );
        assert_eq!(
            dec("9223372036854775807").integral(),
            Integral::Long(i64::MAX)
        );
        assert_eq!(
            dec("-9223372036854775808").integral(),
            Integral::Long(i64::MIN)
        );
        assert_eq!(dec("9223372036854775808").integral(), Integral::TooBig);
        assert_eq!(dec("1e19").integral(), Integral::TooBig);
        assert_eq!(dec("1e400").integral(), Integral::TooBig);
        assert_eq!(dec("0e-400").integral(), Integral::Long(0));
        assert_eq!(dec("300.0").integral(), Integral::Long(300));
        assert_eq!(dec("1e2").integral(), Integral::Long(100));
        assert_eq!(dec("1200e-2").integral(), Integral::Long(12));
        assert_eq!(dec("0e99999").integral(), Integral::Long(0));
        assert_eq!(dec("5.").integral(), Integral::Long(5));
        assert_eq!(dec(".5").integral(), Integral::No);
        assert_eq!(dec("\u{0661}\u{0662}").integral(), Integral::Long(12));
    }

    #[test]
    fn unscaled_bytes_are_big_integer_bytes() {
        for (text, bytes) in [
            ("0", vec![0x00]),
            ("1", vec![0x01]),
            ("127", vec![0x7f]),
            ("128", vec![0x00, 0x80]),
            ("-1", vec![0xff]),
            ("-128", vec![0x80]),
            ("-129", vec![0xff, 0x7f]),
            ("256", vec![0x01, 0x00]),
            ("-256", vec![0xff, 0x00]),
            ("-32768", vec![0x80, 0x00]),
            (
                "12345678901234567890",
                vec![0x00, 0xab, 0x54, 0xa9, 0x8c, 0xeb, 0x1f, 0x0a, 0xd2],
            ),
            (
                "-9223372036854775809",
                vec![0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
        ] {
            let d = dec(text);
            assert_eq!(d.unscaled_bytes(), bytes, "{text}");
            assert_eq!(
                BigDecimal::from_unscaled_bytes(&bytes, 0),
                Some(d),
                "{text}"
            );
        }
        let big = dec("-123456789012345678901234567890.12");
        let back = BigDecimal::from_unscaled_bytes(&big.unscaled_bytes(), 2).unwrap();
        assert_eq!(back, big);
        assert_eq!(BigDecimal::from_unscaled_bytes(&[], 0), None);
        // Redundant sign bytes are accepted on the way in.
        assert_eq!(
            BigDecimal::from_unscaled_bytes(&[0, 0, 1], 0),
            Some(dec("1"))
        );
    }

    #[test]
    fn floats_round_like_java() {
        assert_eq!(dec("1.1").to_f32(), 1.1f32);
        assert_eq!(dec("3.4028235E38").to_f32(), f32::MAX);
        assert!(dec("1e39").to_f32().is_infinite());
        assert_eq!(dec("-1e-50").to_f32().to_bits(), (-0.0f32).to_bits());
        assert_eq!(dec("1.7976931348623157E308").to_f64(), f64::MAX);
        assert_eq!(dec("1e39").to_f64(), 1e39);
        assert_eq!(dec("1e2147483647").to_f64(), f64::INFINITY);
        assert_eq!(dec("1e-2147483647").to_f64(), 0.0);
    }
}
