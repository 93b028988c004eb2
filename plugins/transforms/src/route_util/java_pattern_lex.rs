//! The character half of the Java pattern parser: reading the pattern
//! (with `(?x)` comments), `\Q...\E` quoting, escape sequences and
//! bracketed classes, ported from `java.util.regex.Pattern`.

use super::java_class::{Pred, family, predefined, range_items, single_items};
use super::java_pattern::{
    Escape, Translator, hex_value, is, is_ascii_alpha, is_ascii_digit, is_ascii_hex,
    is_ascii_space, is_octal,
};
use super::java_regex::{COMMENTS, RegexError, UNICODE_CHARACTER_CLASS, UNIX_LINES};

impl Translator {
    pub(super) fn peek(&mut self) -> u32 {
        let ch = self.at(self.cursor);
        if self.has(COMMENTS) {
            self.peek_past_whitespace(ch)
        } else {
            ch
        }
    }

    pub(super) fn read(&mut self) -> u32 {
        let ch = self.at(self.cursor);
        self.cursor += 1;
        if self.has(COMMENTS) {
            self.parse_past_whitespace(ch)
        } else {
            ch
        }
    }

    pub(super) fn next(&mut self) -> u32 {
        self.cursor += 1;
        let ch = self.at(self.cursor);
        if self.has(COMMENTS) {
            self.peek_past_whitespace(ch)
        } else {
            ch
        }
    }

    pub(super) fn next_escaped(&mut self) -> u32 {
        self.cursor += 1;
        self.at(self.cursor)
    }

    pub(super) fn skip(&mut self) -> u32 {
        let ch = self.at(self.cursor + 1);
        self.cursor += 2;
        ch
    }

    pub(super) fn unread(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub(super) fn peek_past_whitespace(&mut self, mut ch: u32) -> u32 {
        while is_ascii_space(ch) || is(ch, '#') {
            while is_ascii_space(ch) {
                self.cursor += 1;
                ch = self.at(self.cursor);
            }
            if is(ch, '#') {
                ch = self.peek_past_line();
            }
        }
        ch
    }

    pub(super) fn parse_past_whitespace(&mut self, mut ch: u32) -> u32 {
        while is_ascii_space(ch) || is(ch, '#') {
            while is_ascii_space(ch) {
                ch = self.at(self.cursor);
                self.cursor += 1;
            }
            if is(ch, '#') {
                ch = self.parse_past_line();
            }
        }
        ch
    }

    pub(super) fn parse_past_line(&mut self) -> u32 {
        let mut ch = self.at(self.cursor);
        self.cursor += 1;
        while ch != 0 && !self.is_line_separator(ch) {
            ch = self.at(self.cursor);
            self.cursor += 1;
        }
        if ch == 0 && self.cursor > self.pattern_length {
            self.cursor = self.pattern_length;
            ch = self.at(self.cursor);
            self.cursor += 1;
        }
        ch
    }

    pub(super) fn peek_past_line(&mut self) -> u32 {
        self.cursor += 1;
        let mut ch = self.at(self.cursor);
        while ch != 0 && !self.is_line_separator(ch) {
            self.cursor += 1;
            ch = self.at(self.cursor);
        }
        if ch == 0 && self.cursor > self.pattern_length {
            self.cursor = self.pattern_length;
            ch = self.at(self.cursor);
        }
        ch
    }

    pub(super) fn is_line_separator(&self, ch: u32) -> bool {
        if self.has(UNIX_LINES) {
            is(ch, '\n')
        } else {
            matches!(ch, 0x0A | 0x0D | 0x85 | 0x2028 | 0x2029)
        }
    }

    pub(super) fn accept(&mut self, expected: char, message: &str) -> Result<(), RegexError> {
        let mut ch = self.at(self.cursor);
        self.cursor += 1;
        if self.has(COMMENTS) {
            ch = self.parse_past_whitespace(ch);
        }
        if !is(ch, expected) {
            return Err(self.error(message));
        }
        Ok(())
    }

    /// Java's `RemoveQEQuoting`: `\Q...\E` becomes escaped characters.
    pub(super) fn remove_qe_quoting(&mut self) {
        let len = self.pattern_length;
        let mut i = 0;
        while i + 1 < len {
            if !is(self.temp[i], '\\') {
                i += 1;
            } else if !is(self.temp[i + 1], 'Q') {
                i += 2;
            } else {
                break;
            }
        }
        if i + 1 >= len {
            return;
        }
        let mut out: Vec<u32> = self.temp[..i].to_vec();
        i += 2;
        let mut in_quote = true;
        let mut begin_quote = true;
        while i < len {
            let c = self.temp[i];
            i += 1;
            let ascii = c < 0x80;
            if !ascii || is_ascii_alpha(c) {
                out.push(c);
            } else if is_ascii_digit(c) {
                if begin_quote {
                    // Keep a digit from extending an escape before \Q.
                    out.extend(['\\', 'x', '3'].map(u32::from));
                }
                out.push(c);
            } else if !is(c, '\\') {
                if in_quote {
                    out.push(u32::from('\\'));
                }
                out.push(c);
            } else if in_quote {
                if is(self.at(i), 'E') {
                    i += 1;
                    in_quote = false;
                } else {
                    out.extend(['\\', '\\'].map(u32::from));
                }
            } else if is(self.at(i), 'Q') {
                i += 1;
                in_quote = true;
                begin_quote = true;
                continue;
            } else {
                out.push(c);
                if i != len {
                    out.push(self.temp[i]);
                    i += 1;
                }
            }
            begin_quote = false;
        }
        self.pattern_length = out.len();
        out.extend([0, 0]);
        self.temp = out;
    }

    pub(super) fn escape(
        &mut self,
        in_class: bool,
        create: bool,
        is_range: bool,
    ) -> Result<Escape, RegexError> {
        let ch = self.skip();
        let c = char::from_u32(ch).unwrap_or('\u{FFFD}');
        let unicode = self.has(UNICODE_CHARACTER_CLASS);
        let node = |text: &str| {
            Ok(if create {
                Escape::Node(text.to_owned())
            } else {
                Escape::Skipped
            })
        };
        let unsupported = |feature: String| {
            if create {
                Err(RegexError::Unsupported(feature))
            } else {
                Ok(Escape::Skipped)
            }
        };
        match c {
            '0' => return Ok(Escape::Char(self.o()?)),
            '1'..='9' if !in_class => {
                return unsupported(format!("the back reference \\{c}"));
            }
            'A' if !in_class => return node(r"\A"),
            'B' if !in_class => return node(if unicode { r"\B" } else { r"(?-u:\B)" }),
            'G' if !in_class => return unsupported(r"the \G anchor".to_owned()),
            'R' if !in_class => {
                return node(r"(?:\r\n|[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}])");
            }
            'X' if !in_class => return unsupported(r"the \X grapheme cluster".to_owned()),
            'Z' | 'z' if !in_class => return node(r"\z"),
            'N' => {
                return Err(RegexError::Unsupported(
                    r"the \N{name} character name escape".to_owned(),
                ));
            }
            'D' | 'H' | 'S' | 'V' | 'W' | 'd' | 'h' | 's' | 'w' => {
                let pred = predefined(c, self.flags)
                    .ok_or_else(|| self.error("Illegal/unsupported escape sequence"))?;
                return Ok(Escape::Class(pred));
            }
            'v' if is_range => return Ok(Escape::Char(0x0B)),
            'v' => {
                let pred = predefined('v', self.flags)
                    .ok_or_else(|| self.error("Illegal/unsupported escape sequence"))?;
                return Ok(Escape::Class(pred));
            }
            'a' => return Ok(Escape::Char(0x07)),
            'b' if !in_class => {
                if create {
                    if is(self.peek(), '{') {
                        if is(self.skip(), 'g') {
                            if is(self.read(), '}') {
                                return Err(RegexError::Unsupported(
                                    r"the \b{g} grapheme boundary".to_owned(),
                                ));
                            }
                            return Err(self.error("Illegal/unsupported escape sequence"));
                        }
                        self.unread();
                        self.unread();
                    }
                    return node(if unicode { r"\b" } else { r"(?-u:\b)" });
                }
                return Ok(Escape::Skipped);
            }
            'c' => return Ok(Escape::Char(self.c()?)),
            'e' => return Ok(Escape::Char(0x1B)),
            'f' => return Ok(Escape::Char(0x0C)),
            'k' if !in_class => {
                if !is(self.read(), '<') {
                    return Err(self.error("\\k is not followed by '<' for named capturing group"));
                }
                let first = self.read();
                let name = self.group_name(first)?;
                if !self.names.iter().any(|(n, _)| *n == name) {
                    return Err(
                        self.error(format!("named capturing group <{name}> does not exist"))
                    );
                }
                return unsupported(format!("the named back reference \\k<{name}>"));
            }
            'n' => return Ok(Escape::Char(0x0A)),
            'r' => return Ok(Escape::Char(0x0D)),
            't' => return Ok(Escape::Char(0x09)),
            'u' => return Ok(Escape::Char(self.u()?)),
            'x' => return Ok(Escape::Char(self.x()?)),
            c if c.is_ascii_alphanumeric() => {}
            _ => return Ok(Escape::Char(ch)),
        }
        Err(self.error("Illegal/unsupported escape sequence"))
    }

    /// Java's `clazz(consume)`: a bracketed class, `[` already peeked.
    pub(super) fn clazz(&mut self, consume: bool) -> Result<Pred, RegexError> {
        let mut prev: Option<Pred> = None;
        let mut curr: Option<Pred> = None;
        let mut bits = String::new();
        let mut has_bits = false;
        let mut negated = false;
        let mut ch = self.next();
        if is(ch, '^') && self.cursor > 0 && is(self.at(self.cursor - 1), '[') {
            ch = self.next();
            negated = true;
        }
        loop {
            if is(ch, '[') {
                let nested = self.clazz(true)?;
                curr = Some(nested.clone());
                prev = Some(match prev {
                    None => nested,
                    Some(p) => p.union(nested),
                });
                ch = self.peek();
                continue;
            }
            if is(ch, '&') {
                ch = self.next();
                if is(ch, '&') {
                    ch = self.next();
                    let mut right: Option<Pred> = None;
                    while !is(ch, ']') && !is(ch, '&') {
                        if !is(ch, '[') {
                            self.unread();
                        }
                        let operand = self.clazz(is(ch, '['))?;
                        right = Some(match right {
                            None => operand,
                            Some(r) => r.union(operand),
                        });
                        ch = self.peek();
                    }
                    if has_bits {
                        // The bits so far bind tighter than the intersection.
                        prev = Some(match prev {
                            None => {
                                curr = Some(Pred::Bits);
                                Pred::Bits
                            }
                            Some(p) => p.union(Pred::Bits),
                        });
                        has_bits = false;
                    }
                    if let Some(r) = &right {
                        curr = Some(r.clone());
                    }
                    prev = Some(match prev {
                        None => right.ok_or_else(|| self.error("Bad class syntax"))?,
                        Some(p) => {
                            let c = curr
                                .clone()
                                .ok_or_else(|| self.error("Bad intersection syntax"))?;
                            p.and(c)
                        }
                    });
                    continue;
                }
                // A single '&' is a literal.
                self.unread();
            } else if ch == 0 && self.cursor >= self.pattern_length {
                return Err(self.error("Unclosed character class"));
            } else if is(ch, ']') && (prev.is_some() || has_bits) {
                if consume {
                    self.next();
                }
                let mut class = match prev {
                    None => Pred::Bits,
                    Some(p) if has_bits => p.union(Pred::Bits),
                    Some(p) => p,
                };
                if negated {
                    class = class.negate();
                }
                // The bit set is final now: render it in.
                return Ok(Pred::Item(class.render(&bits)));
            }
            match self.range(&mut bits)? {
                None => has_bits = true,
                Some(item) => {
                    curr = Some(item.clone());
                    prev = Some(match prev {
                        None => item,
                        Some(p) => p.union(item),
                    });
                }
            }
            ch = self.peek();
        }
    }

    /// Java's `range(bits)`: one character, range or escape in a class;
    /// `None` when it went into the bit set.
    pub(super) fn range(&mut self, bits: &mut String) -> Result<Option<Pred>, RegexError> {
        let mut ch = self.peek();
        if is(ch, '\\') {
            ch = self.next_escaped();
            if is(ch, 'p') || is(ch, 'P') {
                let complement = is(ch, 'P');
                let next = self.next();
                let one_letter = !is(next, '{');
                if one_letter {
                    self.unread();
                }
                return self.family(one_letter, complement).map(Some);
            }
            let is_range = is(self.at(self.cursor + 1), '-');
            self.unread();
            match self.escape(true, true, is_range)? {
                Escape::Char(c) => ch = c,
                Escape::Class(pred) => return Ok(Some(pred)),
                Escape::Node(_) | Escape::Skipped => {
                    return Err(self.error("Illegal/unsupported escape sequence"));
                }
            }
        } else {
            self.next();
        }
        if is(self.peek(), '-') {
            let end_range = self.at(self.cursor + 1);
            if is(end_range, '[') {
                return self.bits_or_single(bits, ch);
            }
            if !is(end_range, ']') {
                self.next();
                let m = self.peek();
                let m: i64 = if is(m, '\\') {
                    match self.escape(true, false, true)? {
                        Escape::Char(c) => i64::from(c),
                        _ => -1,
                    }
                } else {
                    self.next();
                    i64::from(m)
                };
                if m < i64::from(ch) {
                    return Err(self.error("Illegal character range"));
                }
                let items = range_items(ch, m as u32, self.flags)?;
                return Ok(Some(Pred::Item(items)));
            }
        }
        self.bits_or_single(bits, ch)
    }

    /// Java's `bitsOrSingle`: characters below 256 go into the bit set.
    pub(super) fn bits_or_single(
        &self,
        bits: &mut String,
        ch: u32,
    ) -> Result<Option<Pred>, RegexError> {
        let special = self.flags.case_insensitive()
            && self.flags.unicode_case()
            && matches!(
                ch,
                0xff | 0xb5 | 0x49 | 0x69 | 0x53 | 0x73 | 0x4b | 0x6b | 0xc5 | 0xe5
            );
        let items = single_items(ch, self.flags)?;
        if ch < 256 && !special {
            bits.push_str(&items);
            return Ok(None);
        }
        Ok(Some(Pred::Item(items)))
    }

    /// Java's `family`: the name after `\p`, then its class.
    pub(super) fn family(
        &mut self,
        one_letter: bool,
        complement: bool,
    ) -> Result<Pred, RegexError> {
        self.next();
        let name: String = if one_letter {
            let c = self.at(self.cursor);
            self.read();
            char::from_u32(c).map(String::from).unwrap_or_default()
        } else {
            let start = self.cursor;
            // Java marks the end with '}' so the scan stops there.
            let end_mark = self.pattern_length;
            self.temp[end_mark] = u32::from('}');
            while !is(self.read(), '}') && self.cursor <= end_mark + 1 {}
            self.temp[end_mark] = 0;
            let end = self.cursor;
            if end > self.pattern_length {
                return Err(self.error("Unclosed character family"));
            }
            if start + 1 >= end {
                return Err(self.error("Empty character family"));
            }
            self.temp[start..end - 1]
                .iter()
                .filter_map(|c| char::from_u32(*c))
                .collect()
        };
        let pred = family(&name, self.flags).map_err(|e| self.locate(e))?;
        Ok(if complement { pred.negate() } else { pred })
    }

    /// `\cX`.
    pub(super) fn c(&mut self) -> Result<u32, RegexError> {
        if self.cursor < self.pattern_length {
            return Ok(self.read() ^ 64);
        }
        Err(self.error("Illegal control escape sequence"))
    }

    /// `\0n`, `\0nn`, `\0mnn`.
    pub(super) fn o(&mut self) -> Result<u32, RegexError> {
        let n = self.read();
        if is_octal(n) {
            let m = self.read();
            if is_octal(m) {
                let o = self.read();
                if is_octal(o) && n <= u32::from(b'3') {
                    return Ok((n - 0x30) * 64 + (m - 0x30) * 8 + (o - 0x30));
                }
                self.unread();
                return Ok((n - 0x30) * 8 + (m - 0x30));
            }
            self.unread();
            return Ok(n - 0x30);
        }
        Err(self.error("Illegal octal escape sequence"))
    }

    /// `\xhh` and `\x{h...h}`.
    pub(super) fn x(&mut self) -> Result<u32, RegexError> {
        let n = self.read();
        if is_ascii_hex(n) {
            let m = self.read();
            if is_ascii_hex(m) {
                return Ok(hex_value(n) * 16 + hex_value(m));
            }
        } else if is(n, '{') && is_ascii_hex(self.peek()) {
            let mut value: u32 = 0;
            let mut n = self.read();
            while is_ascii_hex(n) {
                value = (value << 4) + hex_value(n);
                if value > 0x10FFFF {
                    return Err(self.error("Hexadecimal codepoint is too big"));
                }
                n = self.read();
            }
            if !is(n, '}') {
                return Err(self.error("Unclosed hexadecimal escape sequence"));
            }
            return Ok(value);
        }
        Err(self.error("Illegal hexadecimal escape sequence"))
    }

    pub(super) fn uxxxx(&mut self) -> Result<u32, RegexError> {
        let mut n = 0;
        for _ in 0..4 {
            let ch = self.read();
            if !is_ascii_hex(ch) {
                return Err(self.error("Illegal Unicode escape sequence"));
            }
            n = n * 16 + hex_value(ch);
        }
        Ok(n)
    }

    /// `\uhhhh`, a surrogate pair of them making one code point.
    pub(super) fn u(&mut self) -> Result<u32, RegexError> {
        let n = self.uxxxx()?;
        if (0xD800..0xDC00).contains(&n) {
            let saved = self.cursor;
            if is(self.read(), '\\') && is(self.read(), 'u') {
                let low = self.uxxxx()?;
                if (0xDC00..0xE000).contains(&low) {
                    return Ok(0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00));
                }
            }
            self.cursor = saved;
        }
        Ok(n)
    }
}
