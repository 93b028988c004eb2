//! The recursive-descent reader behind [`super::parse::Doc::parse`].

use std::collections::HashSet;

use super::parse::{DUPLICATES, JKind, JNode, KEY_ESCAPED, ParseError, Res, TEXT_ESCAPED};
use super::scan::{self, bytes_eq};

/// Jackson's `StreamReadConstraints` default maximum nesting depth.
const MAX_NESTING: usize = 1000;
/// Jackson's `StreamReadConstraints` default maximum number length.
const MAX_NUMBER_LEN: usize = 1000;

/// Reads one document into a node list.
pub(super) struct Parser<'p, 'k> {
    pub(super) src: &'p [u8],
    /// Whether all of `src` is UTF-8 (checked once, so strings need not be
    /// checked one by one).
    pub(super) utf8: bool,
    pub(super) pos: usize,
    pub(super) nodes: &'p mut Vec<JNode>,
    pub(super) esc: &'p mut Vec<u8>,
    pub(super) known: Option<&'k [u8]>,
}

impl Parser<'_, '_> {
    /// Read the root value (nothing after it matters, as in `readTree`).
    pub(super) fn root(&mut self) -> Res<()> {
        match self.skip_ws()? {
            None => {
                self.push(JKind::Missing, 0, 0, 0);
                self.finish(0);
                Ok(())
            }
            Some(_) => {
                let number = matches!(self.peek(), Some(b'-' | b'0'..=b'9'));
                self.value(0, (0, 0), 0)?;
                // Jackson insists on white space after a root-level number;
                // anything after the root value is otherwise ignored.
                if number
                    && let Some(c) = self.peek()
                    && !matches!(c, b' ' | b'\t' | b'\n' | b'\r')
                {
                    return Err(self.unexpected(c, "Expected space separating root-level values"));
                }
                Ok(())
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    /// Skip Jackson's white space; returns the next byte, `None` at the end.
    #[inline]
    fn skip_ws(&mut self) -> Res<Option<u8>> {
        while let Some(&c) = self.src.get(self.pos) {
            if c > b' ' {
                return Ok(Some(c));
            }
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                _ => return Err(self.control_character(c)),
            }
        }
        Ok(None)
    }

    #[cold]
    fn control_character(&self, c: u8) -> ParseError {
        self.error(format!(
            "Illegal character ((CTRL-CHAR, code {c})): only regular white space (\\r, \\n, \\t) is allowed between tokens"
        ))
    }

    fn push(&mut self, kind: JKind, a: u32, b: u32, int: i64) -> usize {
        self.nodes.push(JNode {
            kind,
            flags: 0,
            key: (0, 0),
            a,
            b,
            end: 0,
            extent: (0, 0),
            int,
        });
        self.nodes.len() - 1
    }

    fn finish(&mut self, at: usize) {
        let end = self.nodes.len() as u32;
        if let Some(n) = self.nodes.get_mut(at) {
            n.end = end;
        }
    }

    /// Parse the value at the current position (white space skipped).
    fn value(&mut self, depth: usize, key: (u32, u32), key_flags: u8) -> Res<usize> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error("Unexpected end-of-input: expected a value".into()));
        };
        let at = match c {
            b'{' => self.object(depth + 1)?,
            b'[' => self.array(depth + 1)?,
            b'"' => {
                self.pos += 1;
                let (a, b, escaped) = self.string()?;
                let at = self.push(JKind::Str, a, b, 0);
                if escaped {
                    self.nodes[at].flags |= TEXT_ESCAPED;
                }
                at
            }
            b't' => self.literal("true", JKind::Bool, 1)?,
            b'f' => self.literal("false", JKind::Bool, 0)?,
            b'n' => self.literal("null", JKind::Null, 0)?,
            b'-' | b'0'..=b'9' => self.number()?,
            b']' => return Err(self.unexpected(c, "expected a value")),
            _ if c.is_ascii_alphabetic() => return Err(self.bad_token(start)),
            _ => {
                return Err(self.unexpected(
                    c,
                    "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                ));
            }
        };
        let n = &mut self.nodes[at];
        n.key = key;
        n.flags |= key_flags;
        n.extent = (start as u32, self.pos as u32);
        self.finish(at);
        Ok(at)
    }

    fn literal(&mut self, word: &str, kind: JKind, int: i64) -> Res<usize> {
        let start = self.pos;
        if self.src.get(self.pos..self.pos + word.len()) != Some(word.as_bytes()) {
            return Err(self.bad_token(start));
        }
        self.pos += word.len();
        // Jackson rejects a literal run on into identifier characters.
        if let Some(c) = self.peek()
            && (c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80)
        {
            return Err(self.bad_token(start));
        }
        Ok(self.push(kind, 0, 0, int))
    }

    fn number(&mut self) -> Res<usize> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        self.skip_digits();
        if self.pos == int_start {
            return Err(match self.peek() {
                Some(c) => self.unexpected(
                    c,
                    "in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
                ),
                None => self.error("Unexpected end-of-input in a Number value".into()),
            });
        }
        let int_digits = &self.src[int_start..self.pos];
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            let frac = self.pos;
            self.skip_digits();
            if self.pos == frac {
                return Err(self.number_char("Decimal point not followed by a digit"));
            }
        }
        let has_exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if has_exponent {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let exp = self.pos;
            self.skip_digits();
            if self.pos == exp {
                return Err(self.number_char("Exponent indicator not followed by a digit"));
            }
        }
        let len = self.pos - start;
        let significant = int_digits.iter().skip_while(|d| **d == b'0').count();
        let counted = if integral { significant } else { len };
        if counted > MAX_NUMBER_LEN {
            return Err(self.error(format!(
                "Number value length ({counted}) exceeds the maximum allowed ({MAX_NUMBER_LEN}, from `StreamReadConstraints.getMaxNumberLength()`)"
            )));
        }
        let (a, b) = (start as u32, len as u32);
        if !integral {
            // Apache reads fractions as BigDecimal; an exponent BigDecimal
            // cannot hold is a parse error there too.
            if has_exponent && crate::decimal::Decimal::parse(&self.src[start..self.pos]).is_none()
            {
                return Err(self.error(format!(
                    "Malformed numeric value ('{}')",
                    String::from_utf8_lossy(&self.src[start..self.pos])
                )));
            }
            return Ok(self.push(JKind::Decimal, a, b, 0));
        }
        let digits = &int_digits[int_digits.len() - significant..];
        // Any 19 digits fit a u64 (its maximum has 20), so no step can
        // overflow and none is checked: on wasm32 a checked 64-bit multiply
        // is a call to a 128-bit multiply routine per digit.
        let magnitude = (digits.len() <= 19).then(|| {
            digits
                .iter()
                .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'))
        });
        let value = magnitude.and_then(|m| {
            if negative {
                0i64.checked_sub_unsigned(m)
            } else {
                i64::try_from(m).ok()
            }
        });
        Ok(match value {
            Some(v) if i32::try_from(v).is_ok() => self.push(JKind::Int, a, b, v),
            Some(v) => self.push(JKind::Long, a, b, v),
            None => self.push(JKind::BigInt, a, b, 0),
        })
    }

    #[inline]
    fn skip_digits(&mut self) {
        self.pos += scan::digits(self.src.get(self.pos..).unwrap_or(&[]));
    }

    #[cold]
    fn number_char(&self, what: &str) -> ParseError {
        match self.peek() {
            Some(c) => self.unexpected(c, &format!("in numeric value: {what}")),
            None => self.error(format!("Unexpected end-of-input in a Number value: {what}")),
        }
    }

    /// Read a string whose opening quote was consumed. Returns the text's
    /// span: in `src` when it has no escapes, else in `esc`.
    fn string(&mut self) -> Res<(u32, u32, bool)> {
        let start = self.pos;
        let rest = &self.src[start..];
        let stop = scan::string_stop(rest);
        match stop.map(|i| (i, rest[i])) {
            Some((i, b'"')) => {
                let text = &rest[..i];
                if !self.utf8 && std::str::from_utf8(text).is_err() {
                    return Err(self.invalid_utf8(start, text));
                }
                self.pos = start + i + 1;
                Ok((start as u32, i as u32, false))
            }
            Some((i, _)) => {
                let esc_start = self.esc.len();
                self.esc.extend_from_slice(&rest[..i]);
                self.pos = start + i;
                self.escaped_string(esc_start)
            }
            None => Err(self.error(
                "Unexpected end-of-input: was expecting closing quote for a string value".into(),
            )),
        }
    }

    fn escaped_string(&mut self, esc_start: usize) -> Res<(u32, u32, bool)> {
        loop {
            // Copy the run up to the next quote, backslash or control
            // character in one step.
            let rest = self.src.get(self.pos..).unwrap_or(&[]);
            let Some(run) = scan::string_stop(rest) else {
                self.pos = self.src.len();
                return Err(self.error(
                    "Unexpected end-of-input: was expecting closing quote for a string value"
                        .into(),
                ));
            };
            self.esc.extend_from_slice(&rest[..run]);
            let c = rest[run];
            self.pos += run + 1;
            match c {
                b'"' => break,
                b'\\' => self.escape()?,
                _ => {
                    return Err(self.error(format!(
                        "Illegal unquoted character ((CTRL-CHAR, code {c})): has to be escaped using backslash to be included in string value"
                    )));
                }
            }
        }
        let text = &self.esc[esc_start..];
        if !self.utf8 && std::str::from_utf8(text).is_err() {
            return Err(self.invalid_utf8(esc_start, text));
        }
        Ok((esc_start as u32, (self.esc.len() - esc_start) as u32, true))
    }

    fn escape(&mut self) -> Res<()> {
        let Some(c) = self.peek() else {
            return Err(self.error("Unexpected end-of-input in character escape sequence".into()));
        };
        self.pos += 1;
        let byte = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = self.hex4()?;
                let ch = if (0xD800..0xDC00).contains(&unit)
                    && self.src.get(self.pos..self.pos + 2) == Some(b"\\u")
                {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.hex4()?;
                    if (0xDC00..0xE000).contains(&low) {
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    } else {
                        self.pos = save;
                        None
                    }
                } else {
                    char::from_u32(unit)
                };
                // A lone surrogate has no UTF-8 form; Java writes it as '?'
                // when it encodes the string, so that is what we keep.
                let ch = ch.unwrap_or('?');
                let mut buf = [0u8; 4];
                self.esc
                    .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                return Ok(());
            }
            other => {
                return Err(self.error(format!(
                    "Unrecognized character escape {} (code {other})",
                    describe(other)
                )));
            }
        };
        self.esc.push(byte);
        Ok(())
    }

    fn hex4(&mut self) -> Res<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(
                    self.error("Unexpected end-of-input in character escape sequence".into())
                );
            };
            let d = (c as char).to_digit(16).ok_or_else(|| {
                self.unexpected(c, "expected a hex-digit for character escape sequence")
            })?;
            v = (v << 4) | d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn array(&mut self, depth: usize) -> Res<usize> {
        self.check_depth(depth)?;
        let at = self.push(JKind::Arr, 0, 0, 0);
        self.pos += 1;
        let mut count = 0u32;
        match self.skip_ws()? {
            Some(b']') => {
                self.pos += 1;
                return Ok(at);
            }
            None => return Err(self.eof("Array")),
            Some(_) => {}
        }
        loop {
            self.value(depth, (0, 0), 0)?;
            count += 1;
            match self.skip_ws()? {
                Some(b',') => {
                    self.pos += 1;
                    if self.skip_ws()?.is_none() {
                        return Err(self.eof("Array"));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    return Err(self.unexpected(c, "was expecting comma to separate Array entries"));
                }
                None => return Err(self.eof("Array")),
            }
        }
        self.nodes[at].a = count;
        Ok(at)
    }

    fn object(&mut self, depth: usize) -> Res<usize> {
        self.check_depth(depth)?;
        let at = self.push(JKind::Obj, 0, 0, 0);
        self.pos += 1;
        let mut count = 0u32;
        match self.skip_ws()? {
            Some(b'}') => {
                self.pos += 1;
                return Ok(at);
            }
            None => return Err(self.eof("Object")),
            Some(_) => {}
        }
        loop {
            match self.peek() {
                Some(b'"') => self.pos += 1,
                Some(c) => {
                    return Err(
                        self.unexpected(c, "was expecting double-quote to start field name")
                    );
                }
                None => return Err(self.eof("Object")),
            }
            let (ks, kl, escaped) = self.string()?;
            let key_flags = if escaped { KEY_ESCAPED } else { 0 };
            match self.skip_ws()? {
                Some(b':') => self.pos += 1,
                Some(c) => {
                    return Err(self
                        .unexpected(c, "was expecting a colon to separate field name and value"));
                }
                None => return Err(self.eof("Object")),
            }
            if self.skip_ws()?.is_none() {
                return Err(self.eof("Object"));
            }
            let is_schema =
                depth == 1 && !escaped && &self.src[ks as usize..(ks + kl) as usize] == b"schema";
            match self.known.filter(|_| is_schema) {
                Some(known)
                    if self
                        .src
                        .get(self.pos..self.pos + known.len())
                        .is_some_and(|text| bytes_eq(text, known)) =>
                {
                    let member = self.push(JKind::Known, 0, 0, 0);
                    let n = &mut self.nodes[member];
                    n.key = (ks, kl);
                    n.extent = (self.pos as u32, (self.pos + known.len()) as u32);
                    self.pos += known.len();
                    self.finish(member);
                }
                _ => {
                    self.value(depth, (ks, kl), key_flags)?;
                }
            }
            count += 1;
            match self.skip_ws()? {
                Some(b',') => {
                    self.pos += 1;
                    if self.skip_ws()?.is_none() {
                        return Err(self.eof("Object"));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    return Err(
                        self.unexpected(c, "was expecting comma to separate Object entries")
                    );
                }
                None => return Err(self.eof("Object")),
            }
        }
        self.nodes[at].a = count;
        let distinct = self.distinct_keys(at, count as usize);
        let node = &mut self.nodes[at];
        node.int = distinct as i64;
        if distinct != count as usize {
            node.flags |= DUPLICATES;
        }
        Ok(at)
    }

    fn distinct_keys(&self, at: usize, count: usize) -> usize {
        if count < 2 {
            return count;
        }
        let key = |n: &JNode| -> &[u8] {
            let buf: &[u8] = if n.flags & KEY_ESCAPED != 0 {
                self.esc
            } else {
                self.src
            };
            buf.get(n.key.0 as usize..(n.key.0 + n.key.1) as usize)
                .unwrap_or(&[])
        };
        // A 64-bit filter on a cheap hash of each key: without a collision
        // the keys are certainly distinct (the usual case).
        let mut filter = 0u64;
        let mut collision = false;
        let mut i = at + 1;
        for _ in 0..count {
            let Some(n) = self.nodes.get(i) else { break };
            let k = key(n);
            let h = k.len()
                ^ k.first().map_or(0, |c| usize::from(*c) << 1)
                ^ k.last().map_or(0, |c| usize::from(*c) * 7)
                ^ k.get(1).map_or(0, |c| usize::from(*c) * 13);
            let bit = 1u64 << (h % 64);
            if filter & bit != 0 {
                collision = true;
                break;
            }
            filter |= bit;
            i = n.end as usize;
        }
        if !collision {
            return count;
        }
        if count <= 16 {
            // Small objects: compare in place, lengths first.
            let mut seen: [&[u8]; 16] = [&[]; 16];
            let mut distinct = 0;
            let mut i = at + 1;
            for j in 0..count {
                let Some(n) = self.nodes.get(i) else { break };
                let k = key(n);
                if !seen[..j].iter().any(|s| bytes_eq(s, k)) {
                    distinct += 1;
                }
                seen[j] = k;
                i = n.end as usize;
            }
            return distinct;
        }
        let mut keys = HashSet::with_capacity(count);
        let mut i = at + 1;
        for _ in 0..count {
            let Some(n) = self.nodes.get(i) else { break };
            keys.insert(key(n));
            i = n.end as usize;
        }
        keys.len()
    }

    fn check_depth(&self, depth: usize) -> Res<()> {
        if depth > MAX_NESTING {
            return Err(self.error(format!(
                "Document nesting depth ({depth}) exceeds the maximum allowed ({MAX_NESTING}, from `StreamReadConstraints.getMaxNestingDepth()`)"
            )));
        }
        Ok(())
    }

    #[cold]
    fn bad_token(&self, start: usize) -> ParseError {
        let end = self.src[start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$'))
            .map_or(self.src.len(), |i| start + i.max(1));
        let token = String::from_utf8_lossy(&self.src[start..end]);
        self.error(format!(
            "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        ))
    }

    #[cold]
    fn unexpected(&self, c: u8, what: &str) -> ParseError {
        self.error(format!(
            "Unexpected character ({} (code {c})): {what}",
            describe(c)
        ))
    }

    #[cold]
    fn eof(&self, container: &str) -> ParseError {
        self.error(format!(
            "Unexpected end-of-input: expected close marker for {container}"
        ))
    }

    #[cold]
    fn invalid_utf8(&self, _start: usize, text: &[u8]) -> ParseError {
        let bad = std::str::from_utf8(text)
            .err()
            .and_then(|e| text.get(e.valid_up_to()).copied())
            .unwrap_or(0);
        self.error(format!("Invalid UTF-8 start byte 0x{bad:x}"))
    }

    /// Jackson's messages end with the location of the problem.
    #[cold]
    fn error(&self, message: String) -> ParseError {
        let upto = &self.src[..self.pos.min(self.src.len())];
        let line = upto.iter().filter(|c| **c == b'\n').count() + 1;
        let column = upto.len() - upto.iter().rposition(|c| *c == b'\n').map_or(0, |p| p + 1) + 1;
        ParseError(format!(
            "{message}\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {column}]"
        ))
    }
}

/// Jackson's way of naming a character in messages: `'x'`, or the control
/// character's name.
fn describe(c: u8) -> String {
    if c < 0x20 {
        format!("(CTRL-CHAR, code {c})")
    } else if c < 0x80 {
        format!("'{}'", c as char)
    } else {
        format!("(0x{c:X})")
    }
}
