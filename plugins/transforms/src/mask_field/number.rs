//! The numbers a `replacement` string turns into, as Java computes them:
//! Apache converts it with `new BigDecimal(s)` and then `longValue()`,
//! `doubleValue()` or the decimal itself, so the grammar and the
//! truncation and wrap-around rules are `BigDecimal`'s.

/// A decimal as `java.math.BigDecimal` holds it: an unscaled integer
/// (sign and decimal digits) and a scale, the value being
/// `unscaled × 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    /// Decimal digits of the unscaled value, most significant first, no
    /// leading zeros (empty for zero).
    digits: Vec<u8>,
    scale: i32,
}

impl Decimal {
    /// `new BigDecimal(text)`: an optional sign, digits with an optional
    /// point (at least one digit), an optional exponent (`e` or `E`, an
    /// optional sign, digits). `None` where Java throws
    /// `NumberFormatException`.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part)
        {
            return None;
        }
        let exponent: i64 = match exponent {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || !all_digits(unsigned) {
                    return None;
                }
                // Java reads the exponent as an int.
                i64::from(e.parse::<i32>().ok()?)
            }
        };
        let scale = i32::try_from(frac_part.len() as i64 - exponent).ok()?;
        let digits: Vec<u8> = int_part
            .bytes()
            .chain(frac_part.bytes())
            .map(|b| b - b'0')
            .skip_while(|d| *d == 0)
            .collect();
        Some(Decimal {
            negative: negative && !digits.is_empty(),
            digits,
            scale,
        })
    }

    /// The scale.
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// `BigDecimal.longValue()`: the integer part (truncated toward
    /// zero), keeping only its low 64 bits.
    pub fn long_value(&self) -> i64 {
        let keep = if self.scale >= 0 {
            self.digits.len().saturating_sub(self.scale as usize)
        } else {
            self.digits.len()
        };
        let mut v: u64 = 0;
        for d in &self.digits[..keep] {
            v = v.wrapping_mul(10).wrapping_add(u64::from(*d));
        }
        if self.scale < 0 {
            // 10^64 is a multiple of 2^64: more factors change nothing.
            for _ in 0..(-i64::from(self.scale)).min(64) {
                v = v.wrapping_mul(10);
            }
        }
        let v = v as i64;
        if self.negative { v.wrapping_neg() } else { v }
    }

    /// `BigDecimal.doubleValue()`: the nearest double.
    pub fn double_value(&self) -> f64 {
        if self.digits.is_empty() {
            return if self.negative { -0.0 } else { 0.0 };
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let text = format!(
            "{}{digits}e{}",
            if self.negative { "-" } else { "" },
            -i64::from(self.scale)
        );
        text.parse().unwrap_or(f64::NAN)
    }

    /// The unscaled value as `BigInteger.toByteArray()` writes it: big-endian
    /// two's complement in the fewest bytes (Connect's Decimal encoding).
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        // Base-256 magnitude, most significant byte first.
        let mut magnitude: Vec<u8> = Vec::new();
        for d in &self.digits {
            let mut carry = u32::from(*d);
            for byte in magnitude.iter_mut().rev() {
                let v = u32::from(*byte) * 10 + carry;
                *byte = (v & 0xff) as u8;
                carry = v >> 8;
            }
            while carry > 0 {
                magnitude.insert(0, (carry & 0xff) as u8);
                carry >>= 8;
            }
        }
        if magnitude.is_empty() {
            return vec![0];
        }
        if !self.negative {
            if magnitude[0] & 0x80 != 0 {
                magnitude.insert(0, 0);
            }
            return magnitude;
        }
        // Two's complement: invert and add one.
        let mut out: Vec<u8> = magnitude.iter().map(|b| !b).collect();
        for byte in out.iter_mut().rev() {
            let (v, overflow) = byte.overflowing_add(1);
            *byte = v;
            if !overflow {
                break;
            }
        }
        if out[0] & 0x80 == 0 {
            out.insert(0, 0xff);
        }
        while out.len() > 1 && out[0] == 0xff && out[1] & 0x80 != 0 {
            out.remove(0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn grammar_is_big_decimals() {
        for ok in [
            "1", "+1", "-1", "1.", ".5", "1.5e3", "1.5E+3", "1e-3", "007", "0",
        ] {
            assert!(Decimal::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "foo",
            ".",
            "+",
            "1e",
            "1e+",
            "NaN",
            "Infinity",
            " 1",
            "1 ",
            "0x10",
            "1_0",
            "1e99999999999",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(d("1.50").scale(), 2);
        assert_eq!(d("1.5e3").scale(), -2);
    }

    #[test]
    fn long_value_truncates_and_wraps_like_java() {
        assert_eq!(d("123.9").long_value(), 123);
        assert_eq!(d("-123.9").long_value(), -123);
        assert_eq!(d("1.9e3").long_value(), 1900);
        assert_eq!(d("0.5").long_value(), 0);
        // (int) of -3000000000L, as the MaskField probe printed.
        assert_eq!(d("-3000000000.7").long_value() as i32, 1_294_967_296);
        assert_eq!(d("1e100").long_value(), 0);
        assert_eq!(d("18446744073709551617").long_value(), 1);
        assert_eq!(d("9223372036854775808").long_value(), i64::MIN);
    }

    #[test]
    fn double_value_is_nearest() {
        assert_eq!(d("+1.5E+2").double_value(), 150.0);
        assert_eq!(d("1e40").double_value() as f32, f32::INFINITY);
        assert_eq!(d("0.1").double_value(), 0.1);
        assert_eq!(d("-0").double_value(), 0.0);
    }

    #[test]
    fn unscaled_bytes_match_big_integer_to_byte_array() {
        let cases: [(&str, &[u8]); 9] = [
            ("0", &[0]),
            ("1", &[1]),
            ("127", &[127]),
            ("128", &[0, 128]),
            ("-128", &[128]),
            ("-129", &[255, 127]),
            ("-256", &[255, 0]),
            ("12.30", &[4, 206]),
            ("-1", &[255]),
        ];
        for (text, bytes) in cases {
            assert_eq!(d(text).unscaled_bytes(), bytes, "{text}");
        }
    }
}
