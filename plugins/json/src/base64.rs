//! Base64 as Jackson does it for `byte[]` values (`Base64Variants`'
//! default, MIME-NO-LINEFEEDS): the standard alphabet, `=` padding, no line
//! breaks when writing; when reading, the text is trimmed, white space may
//! precede each group of four, padding is required, and decoding carries on
//! after a padded group.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Append the base64 text of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            ALPHABET[(v >> 18) as usize & 63],
            ALPHABET[(v >> 12) as usize & 63],
            ALPHABET[(v >> 6) as usize & 63],
            ALPHABET[v as usize & 63],
        ]);
    }
    match chunks.remainder() {
        [a] => {
            let v = u32::from(*a) << 16;
            out.extend_from_slice(&[
                ALPHABET[(v >> 18) as usize & 63],
                ALPHABET[(v >> 12) as usize & 63],
                b'=',
                b'=',
            ]);
        }
        [a, b] => {
            let v = (u32::from(*a) << 16) | (u32::from(*b) << 8);
            out.extend_from_slice(&[
                ALPHABET[(v >> 18) as usize & 63],
                ALPHABET[(v >> 12) as usize & 63],
                ALPHABET[(v >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

fn value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Why base64 text could not be decoded (Jackson's wording, roughly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Error(pub String);

/// Decode `text` as Jackson's `TextNode.binaryValue()` does.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, Base64Error> {
    // String.trim(): every char up to U+0020 at either end.
    let start = text.iter().position(|c| *c > b' ').unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|c| *c > b' ')
        .map_or(start, |p| p + 1);
    let s = &text[start..end];
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut i = 0;
    let invalid = |c: u8, at: usize| {
        Base64Error(format!(
            "Illegal character '{}' (code 0x{c:x}) in base64 content at position {at}",
            c as char
        ))
    };
    let eof = || {
        Base64Error("Unexpected end of base64-encoded String: base64 variant 'MIME-NO-LINEFEEDS' expects padding (one or more '=' characters) at the end".into())
    };
    loop {
        // White space is allowed only before a group.
        while i < s.len() && s[i] <= b' ' {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let mut bits = value(s[i]).ok_or_else(|| invalid(s[i], i))?;
        i += 1;
        let c = *s.get(i).ok_or_else(eof)?;
        bits = (bits << 6) | value(c).ok_or_else(|| invalid(c, i))?;
        i += 1;
        let c = *s.get(i).ok_or_else(eof)?;
        i += 1;
        match value(c) {
            None if c == b'=' => {
                let c = *s.get(i).ok_or_else(eof)?;
                if c != b'=' {
                    return Err(Base64Error(format!(
                        "Illegal character '{}' (code 0x{c:x}) in base64 content: expected padding character '='",
                        c as char
                    )));
                }
                i += 1;
                out.push((bits >> 4) as u8);
                continue;
            }
            None => return Err(invalid(c, i - 1)),
            Some(v) => bits = (bits << 6) | v,
        }
        let c = *s.get(i).ok_or_else(eof)?;
        i += 1;
        match value(c) {
            None if c == b'=' => {
                let v = bits >> 2;
                out.extend_from_slice(&[(v >> 8) as u8, v as u8]);
            }
            None => return Err(invalid(c, i - 1)),
            Some(v) => {
                let v = (bits << 6) | v;
                out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(b: &[u8]) -> String {
        let mut out = Vec::new();
        encode_into(b, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn encodes_like_java() {
        assert_eq!(enc(b""), "");
        assert_eq!(enc(b"test-string"), "dGVzdC1zdHJpbmc=");
        assert_eq!(enc(&[0, 0x9C]), "AJw=");
        assert_eq!(enc(&[0xFB, 0xFF]), "+/8=");
        assert_eq!(enc(b"a"), "YQ==");
        assert_eq!(enc(b"abc"), "YWJj");
    }

    #[test]
    fn decodes_like_jackson() {
        assert_eq!(decode(b"dGVzdC1zdHJpbmc=").unwrap(), b"test-string");
        assert_eq!(decode(b"  AJw=  ").unwrap(), vec![0, 0x9C]);
        assert_eq!(decode(b"YQ== YQ==").unwrap(), b"aa");
        assert_eq!(decode(b"YQ==YWJj").unwrap(), b"aabc");
        assert_eq!(decode(b"").unwrap(), b"");
        // Padding is required, and URL-safe letters are not base64 here.
        assert!(decode(b"YQ").is_err());
        assert!(decode(b"YWJ").is_err());
        assert!(decode(b"-_8=").is_err());
        assert!(decode(b"YQ=x").is_err());
        // White space inside a group is not allowed.
        assert!(decode(b"Y Q==").is_err());
    }
}
