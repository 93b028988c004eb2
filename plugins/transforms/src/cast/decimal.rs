//! Connect's `Decimal` logical type as the `java.math.BigDecimal` Apache's
//! `Cast` sees: an unscaled integer of any size (big-endian two's
//! complement bytes) and a scale. `Cast` turns it into other numbers with
//! `BigDecimal`'s conversions and into text with `toString()`.

/// `unscaled × 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BigDecimal {
    negative: bool,
    /// The unscaled magnitude, 32-bit limbs, least significant first,
    /// without leading zero limbs (empty for zero).
    magnitude: Vec<u32>,
    scale: i32,
}

impl BigDecimal {
    /// `new BigDecimal(new BigInteger(bytes), scale)`.
    pub(crate) fn from_bytes(bytes: &[u8], scale: i32) -> Self {
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        // Little-endian bytes of the magnitude.
        let mut le: Vec<u8> = bytes.iter().rev().copied().collect();
        if negative {
            // Two's complement: invert and add one.
            let mut carry = true;
            for b in &mut le {
                let (v, c) = (!*b).overflowing_add(u8::from(carry));
                *b = v;
                carry = c;
            }
        }
        let mut magnitude: Vec<u32> = le
            .chunks(4)
            .map(|c| {
                c.iter()
                    .rev()
                    .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
            })
            .collect();
        trim(&mut magnitude);
        Self {
            negative: negative && !magnitude.is_empty(),
            magnitude,
            scale,
        }
    }

    /// `BigDecimal.toString()`: plain notation, or scientific notation when
    /// the scale is negative or the number is below 10^-6.
    pub(crate) fn to_java_string(&self) -> String {
        let coeff = to_decimal(&self.magnitude);
        let sign = if self.negative { "-" } else { "" };
        if self.scale == 0 {
            return format!("{sign}{coeff}");
        }
        let len = coeff.len() as i64;
        let scale = i64::from(self.scale);
        let adjusted = -scale + (len - 1);
        if scale >= 0 && adjusted >= -6 {
            let pad = scale - len;
            if pad >= 0 {
                format!("{sign}0.{}{coeff}", "0".repeat(pad as usize))
            } else {
                let split = (len - scale) as usize;
                format!("{sign}{}.{}", &coeff[..split], &coeff[split..])
            }
        } else {
            let mut out = format!("{sign}{}", &coeff[..1]);
            if coeff.len() > 1 {
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
            out
        }
    }

    /// `BigDecimal.longValue()`: the integer part (rounded toward zero),
    /// keeping its low 64 bits.
    pub(crate) fn long_value(&self) -> i64 {
        let low: u64 = if self.scale <= 0 {
            // Only the low 64 bits of unscaled × 10^-scale matter, and
            // those depend only on the low 64 bits of each factor.
            let unscaled_low = u64::from(self.magnitude.first().copied().unwrap_or(0))
                | u64::from(self.magnitude.get(1).copied().unwrap_or(0)) << 32;
            let factor = u32::try_from(-i64::from(self.scale))
                .ok()
                .filter(|k| *k < 64)
                .map_or(0, |k| 10u64.wrapping_pow(k));
            unscaled_low.wrapping_mul(factor)
        } else {
            let mut m = self.magnitude.clone();
            let mut scale = self.scale;
            while scale > 0 && !m.is_empty() {
                let step = scale.min(9);
                div_small(&mut m, 10u32.pow(step as u32));
                scale -= step;
            }
            u64::from(m.first().copied().unwrap_or(0))
                | u64::from(m.get(1).copied().unwrap_or(0)) << 32
        };
        let v = low as i64;
        if self.negative { v.wrapping_neg() } else { v }
    }

    /// `BigDecimal.intValue()`: the low 32 bits of the integer part.
    pub(crate) fn int_value(&self) -> i32 {
        self.long_value() as i32
    }

    /// `BigDecimal.doubleValue()` (correctly rounded).
    pub(crate) fn double_value(&self) -> f64 {
        self.scientific().parse().unwrap_or(f64::NAN)
    }

    /// `BigDecimal.floatValue()` (correctly rounded).
    pub(crate) fn float_value(&self) -> f32 {
        self.scientific().parse().unwrap_or(f32::NAN)
    }

    /// The exact value as `[-]digitsE-scale`, for Rust's float parsers.
    fn scientific(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        format!(
            "{sign}{}e{}",
            to_decimal(&self.magnitude),
            -i64::from(self.scale)
        )
    }
}

fn trim(m: &mut Vec<u32>) {
    while m.last() == Some(&0) {
        m.pop();
    }
}

/// Divide `m` by `d` in place; returns the remainder.
fn div_small(m: &mut Vec<u32>, d: u32) -> u32 {
    let mut rem: u64 = 0;
    for limb in m.iter_mut().rev() {
        let cur = (rem << 32) | u64::from(*limb);
        *limb = (cur / u64::from(d)) as u32;
        rem = cur % u64::from(d);
    }
    trim(m);
    rem as u32
}

/// The magnitude in decimal digits ("0" for zero).
fn to_decimal(m: &[u32]) -> String {
    if m.is_empty() {
        return "0".to_owned();
    }
    let mut m = m.to_vec();
    let mut chunks = Vec::new();
    while !m.is_empty() {
        chunks.push(div_small(&mut m, 1_000_000_000));
    }
    let mut out = String::new();
    for (i, chunk) in chunks.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&chunk.to_string());
        } else {
            out.push_str(&format!("{chunk:09}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(unscaled: i128, scale: i32) -> BigDecimal {
        // Minimal big-endian two's complement, as BigInteger.toByteArray().
        let bytes = unscaled.to_be_bytes();
        let mut start = 0;
        while start < 15
            && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
                || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
        {
            start += 1;
        }
        BigDecimal::from_bytes(&bytes[start..], scale)
    }

    #[test]
    fn to_string_like_java() {
        assert_eq!(dec(42, 0).to_java_string(), "42");
        assert_eq!(dec(1982, 0).to_java_string(), "1982");
        assert_eq!(dec(12345, 2).to_java_string(), "123.45");
        assert_eq!(dec(-12345, 7).to_java_string(), "-0.0012345");
        assert_eq!(dec(1, 7).to_java_string(), "1E-7");
        assert_eq!(dec(123, 10).to_java_string(), "1.23E-8");
        assert_eq!(dec(1, 6).to_java_string(), "0.000001");
        assert_eq!(dec(123, -2).to_java_string(), "1.23E+4");
        assert_eq!(dec(0, 2).to_java_string(), "0.00");
        assert_eq!(dec(0, -2).to_java_string(), "0E+2");
        assert_eq!(dec(-1, -1).to_java_string(), "-1E+1");
        assert_eq!(
            dec(i128::MAX, 0).to_java_string(),
            "170141183460469231731687303715884105727"
        );
        assert_eq!(dec(i128::MIN, 0).to_java_string(), i128::MIN.to_string());
    }

    #[test]
    fn narrowing_like_java() {
        // CastTest: new BigDecimal(Integer.MAX_VALUE + 1L).intValue().
        assert_eq!(dec(2_147_483_648, 0).int_value(), i32::MIN);
        assert_eq!(dec(-12345, 2).long_value(), -123);
        assert_eq!(dec(99, 2).long_value(), 0);
        assert_eq!(dec(5, -3).long_value(), 5000);
        assert_eq!(dec(1, -64).long_value(), 0);
        assert_eq!(dec(i128::MAX, 0).long_value(), -1);
        assert_eq!(
            dec(1, -19).long_value(),
            10_000_000_000_000_000_000u64 as i64
        );
        assert_eq!(dec(12345, 2).double_value(), 123.45);
        assert_eq!(dec(12345, 2).float_value(), 123.45f32);
        assert_eq!(dec(-1, -400).double_value(), f64::NEG_INFINITY);
    }
}
