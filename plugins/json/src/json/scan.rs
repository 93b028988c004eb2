//! The reader's inner loops, sixteen bytes per iteration.
//!
//! Why by hand: the host runs plugins with wasmtime's epoch interruption
//! (the per-call time limit), which puts a check at every loop back-edge
//! of the guest's code. A loop that takes one byte per iteration pays a
//! check per byte: that made the parser 37% slower with epochs than
//! without. These loops take sixteen bytes per iteration as two 64-bit
//! words (SWAR: "SIMD within a register"), so they pay a check per
//! sixteen bytes, on every target, and the native build that the
//! conformance tests run is the same code as the plugin. `memchr` (the
//! crate) finds up to three given bytes, but a JSON string ends at a quote,
//! a backslash *or any control character*, a class it cannot search for;
//! and slice `==` is a call to `memcmp`, which in a WebAssembly build is a
//! byte-by-byte loop.
//!
//! Each function gives the same answer as the plain byte loop it replaces
//! (the property tests below compare them on arbitrary input).

/// Every byte `0x01`.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
const HIGH: u64 = 0x8080_8080_8080_8080;
/// Every byte `0x7F`.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// High bit set in exactly the bytes of `w` that are below `n` (`n` ≤ 128).
/// `(b & 0x7F) + (0x80 - n)` reaches `0x80` exactly when `b & 0x7F` ≥ `n`,
/// and never carries into the next byte (at most `0x7F + 0x7F`).
#[inline(always)]
fn below(w: u64, n: u8) -> u64 {
    !(((w & LOW7) + ONES * u64::from(0x80 - n)) | w) & HIGH
}

/// High bit set in exactly the bytes of `w` equal to `c`.
#[inline(always)]
fn equal(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    // A byte of `x` is zero exactly when neither its low seven bits (after
    // adding 0x7F) nor its high bit set the high bit.
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// The bytes that end the fast scan of a string: the quote, the backslash,
/// control characters.
#[inline(always)]
fn string_stops(w: u64) -> u64 {
    equal(w, b'"') | equal(w, b'\\') | below(w, 0x20)
}

/// The bytes that are not ASCII digits.
#[inline(always)]
fn non_digits(w: u64) -> u64 {
    below(w, b'0') | (!below(w, b'9' + 1) & HIGH)
}

/// Index of the first byte of the block whose mask (`lo` for its first
/// eight bytes, `hi` for the rest) is set; a mask is nonzero.
#[inline(always)]
fn first(lo: u64, hi: u64) -> usize {
    if lo != 0 {
        (lo.trailing_zeros() / 8) as usize
    } else {
        8 + (hi.trailing_zeros() / 8) as usize
    }
}

/// The two little-endian words of a 16-byte block.
#[inline(always)]
fn words(block: &[u8; 16]) -> (u64, u64) {
    let v = u128::from_le_bytes(*block);
    (v as u64, (v >> 64) as u64)
}

/// Index of the first byte in `s` for which `mask` sets the high bit,
/// else of the first for which `scalar` holds among the last few bytes.
#[inline(always)]
fn find(s: &[u8], mask: impl Fn(u64) -> u64, scalar: impl Fn(u8) -> bool) -> Option<usize> {
    let (blocks, tail) = s.as_chunks::<16>();
    for (i, block) in blocks.iter().enumerate() {
        let (lo, hi) = words(block);
        let (lo, hi) = (mask(lo), mask(hi));
        if lo | hi != 0 {
            return Some(i * 16 + first(lo, hi));
        }
    }
    let base = blocks.len() * 16;
    tail.iter().position(|&c| scalar(c)).map(|p| base + p)
}

/// Index of the first quote, backslash or control character in `s`.
pub(super) fn string_stop(s: &[u8]) -> Option<usize> {
    find(s, string_stops, |c| c == b'"' || c == b'\\' || c < 0x20)
}

/// Number of ASCII digits at the start of `s`.
pub(super) fn digits(s: &[u8]) -> usize {
    // Numbers are short: look at the first word before setting up blocks.
    if let Some(head) = s.first_chunk::<8>() {
        let m = non_digits(u64::from_le_bytes(*head));
        if m != 0 {
            return (m.trailing_zeros() / 8) as usize;
        }
    }
    find(s, non_digits, |c| !c.is_ascii_digit()).unwrap_or(s.len())
}

/// Byte-slice equality sixteen bytes per iteration.
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (ab, at) = a.as_chunks::<16>();
    let (bb, bt) = b.as_chunks::<16>();
    at == bt
        && ab
            .iter()
            .zip(bb)
            .all(|(x, y)| u128::from_le_bytes(*x) == u128::from_le_bytes(*y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        // Mostly bytes near the interesting classes, so stops and digits
        // fall at every position of a block.
        prop::collection::vec(
            prop_oneof![
                4 => b'0'..=b'9',
                4 => b' '..=b'~',
                1 => Just(b'"'),
                1 => Just(b'\\'),
                1 => 0u8..0x20,
                1 => 0x80u8..=0xFF,
                1 => Just(0x7F),
                1 => Just(b'/'),
                1 => Just(b':'),
            ],
            0..70,
        )
    }

    proptest! {
        #[test]
        fn string_stop_matches_the_byte_loop(s in bytes(), skip in 0usize..8) {
            let s = &s[skip.min(s.len())..];
            let want = s.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            prop_assert_eq!(string_stop(s), want);
        }

        #[test]
        fn digits_matches_the_byte_loop(s in bytes(), skip in 0usize..8) {
            let s = &s[skip.min(s.len())..];
            let want = s.iter().take_while(|c| c.is_ascii_digit()).count();
            prop_assert_eq!(digits(s), want);
        }

        #[test]
        fn bytes_eq_matches_slice_equality(a in bytes(), flip in any::<Option<(usize, u8)>>()) {
            let mut b = a.clone();
            if let Some((i, x)) = flip && !b.is_empty() {
                let i = i % b.len();
                b[i] ^= x;
            }
            prop_assert_eq!(bytes_eq(&a, &b), a == b);
            prop_assert_eq!(bytes_eq(&a, &b[..b.len().saturating_sub(1)]), a[..] == b[..b.len().saturating_sub(1)]);
        }
    }

    #[test]
    fn every_byte_value_at_every_position() {
        for c in 0..=255u8 {
            for at in 0..20 {
                let mut s = vec![b'a'; 20];
                s[at] = c;
                let stop = c == b'"' || c == b'\\' || c < 0x20;
                assert_eq!(string_stop(&s), stop.then_some(at), "byte {c} at {at}");
                let mut d = vec![b'5'; 20];
                d[at] = c;
                let want = if c.is_ascii_digit() { 20 } else { at };
                assert_eq!(digits(&d), want, "byte {c} at {at}");
            }
        }
    }
}
