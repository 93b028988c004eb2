//! Jackson's detection of the input's encoding.

use super::parse::{ParseError, Res};

/// Jackson's encoding detection (`ByteSourceJsonBootstrapper`): UTF-32 and
/// UTF-16 are recognised by a byte order mark or by zero bytes in the first
/// characters; everything else is read as UTF-8.
pub(super) fn transcode(input: &[u8]) -> Res<Option<Vec<u8>>> {
    let b = |i: usize| input.get(i).copied();
    let quad = match (b(0), b(1), b(2), b(3)) {
        (Some(a), Some(b1), Some(c), Some(d)) => Some(u32::from_be_bytes([a, b1, c, d])),
        _ => None,
    };
    enum Enc {
        U32Be,
        U32Le,
        U16Be,
        U16Le,
    }
    let (enc, skip) = match quad {
        Some(0x0000_FEFF) => (Enc::U32Be, 4),
        Some(0xFFFE_0000) => (Enc::U32Le, 4),
        Some(q) if q >> 16 == 0xFEFF => (Enc::U16Be, 2),
        Some(q) if q >> 16 == 0xFFFE => (Enc::U16Le, 2),
        Some(q) if q >> 8 == 0 => (Enc::U32Be, 0),
        Some(q) if q & 0x00FF_FFFF == 0 => (Enc::U32Le, 0),
        Some(q) if q & !0x00FF_0000 == 0 || q & !0x0000_FF00 == 0 => {
            return Err(ParseError(
                "Unsupported UCS-4 endianness (2143 or 3412) detected".into(),
            ));
        }
        Some(q) if (q >> 16) & 0xFF00 == 0 => (Enc::U16Be, 0),
        Some(q) if (q >> 16) & 0x00FF == 0 => (Enc::U16Le, 0),
        Some(_) => return Ok(None),
        None => match (b(0), b(1)) {
            (Some(0xFE), Some(0xFF)) => (Enc::U16Be, 2),
            (Some(0xFF), Some(0xFE)) => (Enc::U16Le, 2),
            (Some(0), Some(_)) => (Enc::U16Be, 0),
            (Some(_), Some(0)) => (Enc::U16Le, 0),
            _ => return Ok(None),
        },
    };
    let body = &input[skip.min(input.len())..];
    let bad = || ParseError("Invalid character in the input's UTF-16/UTF-32 encoding".into());
    let text: String = match enc {
        Enc::U16Be | Enc::U16Le => {
            let units = body.chunks(2).map(|c| {
                let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                if matches!(enc, Enc::U16Be) {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| bad())?
        }
        Enc::U32Be | Enc::U32Le => body
            .chunks(4)
            .map(|c| {
                let mut q = [0u8; 4];
                q[..c.len()].copy_from_slice(c);
                let v = if matches!(enc, Enc::U32Be) {
                    u32::from_be_bytes(q)
                } else {
                    u32::from_le_bytes(q)
                };
                char::from_u32(v).ok_or_else(bad)
            })
            .collect::<Result<String, _>>()?,
    };
    Ok(Some(text.into_bytes()))
}
