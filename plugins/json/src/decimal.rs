//! Exact decimal arithmetic for Connect's `Decimal` logical type, whose
//! values travel as the big-endian two's-complement bytes of the unscaled
//! value (Java's `BigInteger.toByteArray()`), and for Jackson's number
//! accessors, which Apache's JsonConverter calls on `BigDecimal` and
//! `BigInteger` nodes (`intValue()`, `longValue()`: truncation, then the
//! low bits, never a range error).
//!
//! Numbers here are small (Jackson refuses literals over 1000 characters),
//! so schoolbook arithmetic on base-10⁹ and base-2³² limbs is enough.

/// A decimal number as Java's `BigDecimal`: `±digits × 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    /// Whether the number is below zero (never set for zero).
    pub negative: bool,
    /// The unscaled magnitude in ASCII digits, without leading zeros
    /// (empty for zero).
    pub digits: Vec<u8>,
    /// The scale.
    pub scale: i32,
}

impl Decimal {
    /// Parse a JSON number literal as `new BigDecimal(text)` does; `None`
    /// when the scale would not fit an `int` (BigDecimal's
    /// `NumberFormatException`).
    pub fn parse(text: &[u8]) -> Option<Decimal> {
        let (negative, rest) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let mantissa_end = rest
            .iter()
            .position(|c| matches!(c, b'e' | b'E'))
            .unwrap_or(rest.len());
        let (mantissa, exponent) = rest.split_at(mantissa_end);
        let (int_part, frac_part) = match mantissa.iter().position(|c| *c == b'.') {
            Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
            None => (mantissa, &mantissa[..0]),
        };
        let exp: i64 = match exponent.split_first() {
            None => 0,
            Some((_, e)) => {
                let (sign, e) = match e.split_first() {
                    Some((b'-', r)) => (-1, r),
                    Some((b'+', r)) => (1, r),
                    _ => (1, e),
                };
                let e: Vec<u8> = e.iter().copied().skip_while(|c| *c == b'0').collect();
                // BigDecimal allows at most ten significant exponent digits.
                if e.len() > 10 {
                    return None;
                }
                let v = e.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
                sign * v
            }
        };
        let scale = i32::try_from(frac_part.len() as i64 - exp).ok()?;
        let digits: Vec<u8> = int_part
            .iter()
            .chain(frac_part)
            .copied()
            .skip_while(|c| *c == b'0')
            .collect();
        Some(Decimal {
            negative: negative && !digits.is_empty(),
            digits,
            scale,
        })
    }

    /// An integer (an integral JSON literal) as a decimal of scale 0.
    pub fn from_integer_text(text: &[u8]) -> Decimal {
        let (negative, rest) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let digits: Vec<u8> = rest.iter().copied().skip_while(|c| *c == b'0').collect();
        Decimal {
            negative: negative && !digits.is_empty(),
            digits,
            scale: 0,
        }
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Java's `BigDecimal.longValue()` (and, through its low 32 bits,
    /// `intValue()`): the integer part, reduced modulo 2⁶⁴.
    pub fn to_i64_wrapping(&self) -> i64 {
        let len = self.digits.len() as i64;
        let keep = (len - i64::from(self.scale)).clamp(0, len) as usize;
        let mut v = self.digits[..keep].iter().fold(0u64, |acc, d| {
            acc.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
        });
        if self.scale < 0 && v != 0 {
            // 10^64 is a multiple of 2^64: past that everything is 0.
            for _ in 0..i64::from(self.scale).unsigned_abs().min(64) {
                v = v.wrapping_mul(10);
            }
        }
        let v = v as i64;
        if self.negative { v.wrapping_neg() } else { v }
    }

    /// The unscaled digits of this value at `scale`, when that needs no
    /// rounding (`BigDecimal.setScale(scale, UNNECESSARY)`), limited to
    /// `max_digits` so a hostile exponent cannot exhaust memory.
    pub fn unscaled_at(&self, scale: i32, max_digits: usize) -> Option<Vec<u8>> {
        if self.is_zero() {
            return Some(Vec::new());
        }
        let diff = i64::from(scale) - i64::from(self.scale);
        if diff >= 0 {
            let total = self.digits.len() as u64 + diff as u64;
            if total > max_digits as u64 {
                return None;
            }
            let mut out = self.digits.clone();
            out.resize(total as usize, b'0');
            Some(out)
        } else {
            let drop = diff.unsigned_abs();
            if drop > self.digits.len() as u64 {
                return None;
            }
            let (keep, dropped) = self.digits.split_at(self.digits.len() - drop as usize);
            dropped.iter().all(|d| *d == b'0').then(|| keep.to_vec())
        }
    }
}

/// Java's `BigDecimal.toString()`: plain notation when the scale is not
/// negative and the adjusted exponent is at least -6, otherwise scientific
/// notation with a signed exponent (`1E+3`, `1.5E-7`).
pub fn big_decimal_to_string(negative: bool, digits: &[u8], scale: i32) -> String {
    let coeff: &[u8] = if digits.is_empty() { b"0" } else { digits };
    let len = coeff.len() as i64;
    let scale = i64::from(scale);
    let adjusted = -scale + (len - 1);
    let mut out = String::with_capacity(coeff.len() + 8);
    if negative {
        out.push('-');
    }
    let coeff_str = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
    if scale >= 0 && adjusted >= -6 {
        if scale == 0 {
            out.push_str(&coeff_str(coeff));
        } else if len > scale {
            let point = (len - scale) as usize;
            out.push_str(&coeff_str(&coeff[..point]));
            out.push('.');
            out.push_str(&coeff_str(&coeff[point..]));
        } else {
            out.push_str("0.");
            for _ in 0..(scale - len) {
                out.push('0');
            }
            out.push_str(&coeff_str(coeff));
        }
    } else {
        out.push_str(&coeff_str(&coeff[..1]));
        if len > 1 {
            out.push('.');
            out.push_str(&coeff_str(&coeff[1..]));
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

/// Java's `new BigInteger(digits).toByteArray()` for `±digits`: big-endian
/// two's complement in the fewest bytes that keep the sign.
pub fn to_twos_complement(negative: bool, digits: &[u8]) -> Vec<u8> {
    // Little-endian base-2^32 limbs of the magnitude.
    let mut limbs: Vec<u32> = Vec::with_capacity(digits.len() / 9 + 1);
    for chunk in digits.chunks(9) {
        let mut mul: u64 = 1;
        let mut add: u64 = 0;
        for d in chunk {
            mul *= 10;
            add = add * 10 + u64::from(d - b'0');
        }
        let mut carry = add;
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * mul + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
    }
    let mut bytes: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
    if negative {
        // Two's complement: invert and add one.
        for b in bytes.iter_mut() {
            *b = !*b;
        }
        for b in bytes.iter_mut().rev() {
            let (v, overflow) = b.overflowing_add(1);
            *b = v;
            if !overflow {
                break;
            }
        }
        bytes.insert(0, 0xFF);
    } else {
        bytes.insert(0, 0);
    }
    minimal_twos_complement(&bytes).to_vec()
}

/// Drop the leading bytes that only repeat the sign, as
/// `BigInteger.toByteArray()` would not have written them. Empty input
/// stays empty.
pub fn minimal_twos_complement(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    &bytes[start..]
}

/// `new BigInteger(bytes)` as a sign and decimal digits (no leading zeros;
/// empty for zero). The caller rejects empty input, as Java does.
pub fn from_twos_complement(bytes: &[u8]) -> (bool, Vec<u8>) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude = bytes.to_vec();
    if negative {
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, overflow) = b.overflowing_add(1);
            *b = v;
            if !overflow {
                break;
            }
        }
    }
    // Big-endian base-2^32 limbs (pad the front to whole limbs).
    let pad = (4 - magnitude.len() % 4) % 4;
    let padded: Vec<u8> = std::iter::repeat_n(0u8, pad).chain(magnitude).collect();
    let mut limbs: Vec<u32> = padded
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // Repeated division by 10^9, collecting base-10^9 digits from the end.
    let mut groups: Vec<u32> = Vec::new();
    loop {
        while limbs.first() == Some(&0) {
            limbs.remove(0);
        }
        if limbs.is_empty() {
            break;
        }
        let mut rem: u64 = 0;
        for limb in limbs.iter_mut() {
            let v = (rem << 32) | u64::from(*limb);
            *limb = (v / 1_000_000_000) as u32;
            rem = v % 1_000_000_000;
        }
        groups.push(rem as u32);
    }
    let mut digits = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i == 0 {
            digits.push_str(&g.to_string());
        } else {
            digits.push_str(&format!("{g:09}"));
        }
    }
    let digits = digits.into_bytes();
    (negative && !digits.is_empty(), digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s.as_bytes()).unwrap()
    }

    fn java(unscaled: i64, scale: i32) -> String {
        let digits = unscaled.unsigned_abs().to_string();
        let digits = if unscaled == 0 { "" } else { digits.as_str() };
        big_decimal_to_string(unscaled < 0, digits.as_bytes(), scale)
    }

    #[test]
    fn big_decimal_to_string_matches_java() {
        // Expected values are what Java's BigDecimal.toString() prints.
        let cases: &[(i64, i32, &str)] = &[
            (156, 2, "1.56"),
            (15600, 4, "1.5600"),
            (1, -3, "1E+3"),
            (10, -2, "1.0E+3"),
            (123, -2, "1.23E+4"),
            (1, 5, "0.00001"),
            (1, 6, "0.000001"),
            (1, 7, "1E-7"),
            (10, 7, "0.0000010"),
            (123, 10, "1.23E-8"),
            (0, 0, "0"),
            (0, 3, "0.000"),
            (0, -2, "0E+2"),
            (0, 8, "0E-8"),
            (-156, 2, "-1.56"),
            (-1, 7, "-1E-7"),
            (-5, 0, "-5"),
            (12345, 0, "12345"),
            (12345, 5, "0.12345"),
            (12345, 4, "1.2345"),
            (1, 0, "1"),
            (100, 0, "100"),
        ];
        for (unscaled, scale, want) in cases {
            assert_eq!(java(*unscaled, *scale), *want, "{unscaled} scale {scale}");
        }
    }

    #[test]
    fn parse_keeps_scale_like_big_decimal() {
        assert_eq!(dec("1.5600").scale, 4);
        assert_eq!(dec("1.5600").digits, b"15600");
        assert_eq!(dec("1e2").scale, -2);
        assert_eq!(dec("1E+2").scale, -2);
        assert_eq!(dec("12.5e-3").scale, 4);
        assert_eq!(
            dec("-0.0"),
            Decimal {
                negative: false,
                digits: vec![],
                scale: 1
            }
        );
        assert_eq!(dec("0012.50").digits, b"1250");
        assert!(Decimal::parse(b"1e99999999999").is_none());
        assert!(Decimal::parse(b"1e2147483649").is_none());
        assert!(Decimal::parse(b"1e2147483648").is_some());
        assert!(Decimal::parse(b"1e0000000000002").is_some());
    }

    #[test]
    fn long_value_truncates_and_wraps_like_java() {
        assert_eq!(dec("1.9").to_i64_wrapping(), 1);
        assert_eq!(dec("-1.9").to_i64_wrapping(), -1);
        assert_eq!(dec("1e2").to_i64_wrapping(), 100);
        assert_eq!(dec("0.5").to_i64_wrapping(), 0);
        // BigDecimal(2^64 + 5).longValue() == 5.
        assert_eq!(dec("18446744073709551621.7").to_i64_wrapping(), 5);
        assert_eq!(dec("1e64").to_i64_wrapping(), 0);
        assert_eq!(dec("1e1000000").to_i64_wrapping(), 0);
        assert_eq!(dec("9223372036854775808.0").to_i64_wrapping(), i64::MIN);
        assert_eq!(
            Decimal::from_integer_text(b"-9223372036854775809").to_i64_wrapping(),
            i64::MAX
        );
    }

    #[test]
    fn rescaling_is_exact_or_refused() {
        assert_eq!(dec("1.5").unscaled_at(2, 100).unwrap(), b"150");
        assert_eq!(dec("1.500").unscaled_at(2, 100).unwrap(), b"150");
        assert_eq!(dec("1.567").unscaled_at(2, 100), None);
        assert_eq!(dec("1e3").unscaled_at(0, 100).unwrap(), b"1000");
        assert_eq!(dec("1e300").unscaled_at(0, 100), None);
        assert_eq!(dec("0.0").unscaled_at(5, 100).unwrap(), b"");
    }

    #[test]
    fn twos_complement_matches_big_integer() {
        let cases: &[(i128, &[u8])] = &[
            (0, &[0]),
            (156, &[0, 0x9C]),
            (127, &[0x7F]),
            (128, &[0, 0x80]),
            (-1, &[0xFF]),
            (-128, &[0x80]),
            (-129, &[0xFF, 0x7F]),
            (-156, &[0xFF, 0x64]),
            (65536, &[1, 0, 0]),
        ];
        for (v, bytes) in cases {
            let digits = if *v == 0 {
                String::new()
            } else {
                v.unsigned_abs().to_string()
            };
            assert_eq!(to_twos_complement(*v < 0, digits.as_bytes()), *bytes, "{v}");
            let (neg, back) = from_twos_complement(bytes);
            assert_eq!((neg, back), (*v < 0, digits.into_bytes()), "{v}");
        }
        let big = "123456789012345678901234567890123456789";
        let bytes = to_twos_complement(true, big.as_bytes());
        assert_eq!(
            from_twos_complement(&bytes),
            (true, big.as_bytes().to_vec())
        );
        assert_eq!(minimal_twos_complement(&[0, 0, 1]), &[1]);
        assert_eq!(minimal_twos_complement(&[0xFF, 0xFF, 0x80]), &[0x80]);
        assert_eq!(minimal_twos_complement(&[0, 0x80]), &[0, 0x80]);
    }
}
