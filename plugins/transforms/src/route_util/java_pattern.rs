//! The grammar half of the Java pattern parser (`expr`, `sequence`,
//! `atom`, groups, flags and quantifiers), ported from
//! `java.util.regex.Pattern` so that Rust reads a pattern exactly where
//! Java reads it; see [`super::java_regex`] for what is supported.

use super::java_class::{Pred, literal, single_items, wrap_class};
use super::java_regex::{
    CASE_INSENSITIVE, COMMENTS, DOTALL, Flags, MULTILINE, RegexError, UNICODE_CASE,
    UNICODE_CHARACTER_CLASS, UNIX_LINES,
};

/// Java's `Pattern` parser state (`temp`, `cursor`, `flags0`, ...).
pub(super) struct Translator {
    pub(super) original: String,
    /// The pattern's code points, followed by two zeros.
    pub(super) temp: Vec<u32>,
    pub(super) pattern_length: usize,
    pub(super) cursor: usize,
    pub(super) flags: Flags,
    pub(super) capturing_group_count: usize,
    pub(super) names: Vec<(String, usize)>,
}

/// What an escape sequence stands for.
pub(super) enum Escape {
    /// One character.
    Char(u32),
    /// A class (`\d`, `\s`, ...).
    Class(Pred),
    /// Anything else, already in Rust syntax (`\A`, `\b`, ...).
    Node(String),
    /// Nothing was built (Java's `create == false`).
    Skipped,
}

pub(super) fn is(ch: u32, c: char) -> bool {
    ch == u32::from(c)
}

pub(super) fn is_ascii_digit(ch: u32) -> bool {
    (u32::from(b'0')..=u32::from(b'9')).contains(&ch)
}

pub(super) fn is_ascii_alpha(ch: u32) -> bool {
    char::from_u32(ch).is_some_and(|c| c.is_ascii_alphabetic())
}

pub(super) fn is_ascii_hex(ch: u32) -> bool {
    char::from_u32(ch).is_some_and(|c| c.is_ascii_hexdigit())
}

pub(super) fn hex_value(ch: u32) -> u32 {
    char::from_u32(ch).and_then(|c| c.to_digit(16)).unwrap_or(0)
}

/// `ASCII.isSpace`: the whitespace `(?x)` skips.
pub(super) fn is_ascii_space(ch: u32) -> bool {
    matches!(ch, 0x09..=0x0D | 0x20)
}

pub(super) fn is_octal(ch: u32) -> bool {
    (u32::from(b'0')..=u32::from(b'7')).contains(&ch)
}

impl Translator {
    pub(super) fn new(pattern: &str) -> Self {
        let mut temp: Vec<u32> = pattern.chars().map(u32::from).collect();
        let pattern_length = temp.len();
        temp.extend([0, 0]);
        Self {
            original: pattern.to_owned(),
            temp,
            pattern_length,
            cursor: 0,
            flags: Flags::default(),
            capturing_group_count: 1,
            names: Vec::new(),
        }
    }

    pub(super) fn has(&self, flag: u32) -> bool {
        self.flags.has(flag)
    }

    pub(super) fn at(&self, i: usize) -> u32 {
        self.temp.get(i).copied().unwrap_or(0)
    }

    pub(super) fn error(&self, description: impl Into<String>) -> RegexError {
        RegexError::Syntax {
            description: description.into(),
            index: self.cursor.checked_sub(1),
            pattern: self.original.clone(),
        }
    }

    /// Fills in where a syntax error from a helper happened.
    pub(super) fn locate(&self, error: RegexError) -> RegexError {
        match error {
            RegexError::Syntax { description, .. } => self.error(description),
            other => other,
        }
    }

    /// Java's `compile()`: the whole pattern, in Rust syntax.
    pub(super) fn compile(&mut self) -> Result<String, RegexError> {
        self.remove_qe_quoting();
        let translated = self.expr()?;
        if self.pattern_length != self.cursor {
            if is(self.peek(), ')') {
                return Err(self.error("Unmatched closing ')'"));
            }
            if self.cursor == self.pattern_length + 1
                && self
                    .pattern_length
                    .checked_sub(1)
                    .is_some_and(|last| is(self.at(last), '\\'))
            {
                return Err(self.error("Unescaped trailing backslash"));
            }
            return Err(self.error("Unexpected internal error"));
        }
        Ok(translated)
    }

    pub(super) fn expr(&mut self) -> Result<String, RegexError> {
        let mut branches = Vec::new();
        loop {
            branches.push(self.sequence()?);
            if !is(self.peek(), '|') {
                return Ok(branches.join("|"));
            }
            self.next();
        }
    }

    pub(super) fn sequence(&mut self) -> Result<String, RegexError> {
        let mut out = String::new();
        loop {
            let ch = self.peek();
            let node = match char::from_u32(ch).unwrap_or('\u{FFFD}') {
                '(' => {
                    // A group handles its own quantifier.
                    if let Some(group) = self.group0()? {
                        out.push_str(&group);
                    }
                    continue;
                }
                '[' => {
                    let class = self.clazz(true)?;
                    wrap_class(class.render(""), self.flags)
                }
                '\\' => {
                    let ch = self.next_escaped();
                    if is(ch, 'p') || is(ch, 'P') {
                        self.property(is(ch, 'P'))?
                    } else {
                        self.unread();
                        self.atom()?
                    }
                }
                '^' => {
                    self.next();
                    if self.has(MULTILINE) { "(?m:^)" } else { r"\A" }.to_owned()
                }
                '$' => {
                    self.next();
                    if self.has(MULTILINE) { "(?m:$)" } else { r"\z" }.to_owned()
                }
                '.' => {
                    self.next();
                    if self.has(DOTALL) {
                        "(?s:.)"
                    } else if self.has(UNIX_LINES) {
                        r"[^\n]"
                    } else {
                        r"[^\n\r\x{85}\x{2028}\x{2029}]"
                    }
                    .to_owned()
                }
                '|' | ')' => break,
                ']' | '}' => self.atom()?,
                c @ ('?' | '*' | '+') => {
                    self.next();
                    return Err(self.error(format!("Dangling meta character '{c}'")));
                }
                '\0' if self.cursor >= self.pattern_length => break,
                _ => self.atom()?,
            };
            let node = self.closure(node)?;
            out.push_str(&node);
        }
        Ok(out)
    }

    /// `\p{..}` / `\P{..}` after the letter has been read.
    pub(super) fn property(&mut self, complement: bool) -> Result<String, RegexError> {
        let ch = self.next();
        let one_letter = !is(ch, '{');
        if one_letter {
            self.unread();
        }
        let pred = self.family(one_letter, complement)?;
        Ok(wrap_class(pred.render(""), self.flags))
    }

    /// Java's `atom()`: a run of literal characters (a quantifier after it
    /// takes only the last one), or one escape.
    pub(super) fn atom(&mut self) -> Result<String, RegexError> {
        let mut chars: Vec<u32> = Vec::new();
        let mut prev = 0;
        let mut ch = self.peek();
        loop {
            match char::from_u32(ch).unwrap_or('\u{FFFD}') {
                '*' | '+' | '?' | '{' => {
                    if chars.len() > 1 {
                        self.cursor = prev;
                        chars.pop();
                    }
                    break;
                }
                '$' | '.' | '^' | '(' | '[' | '|' | ')' => break,
                '\\' => {
                    let next = self.next_escaped();
                    if is(next, 'p') || is(next, 'P') {
                        if !chars.is_empty() {
                            self.unread();
                            break;
                        }
                        return self.property(is(next, 'P'));
                    }
                    self.unread();
                    prev = self.cursor;
                    let create = chars.is_empty();
                    match self.escape(false, create, false)? {
                        Escape::Char(c) => {
                            chars.push(c);
                            ch = self.peek();
                            continue;
                        }
                        Escape::Class(pred) if create => {
                            return Ok(wrap_class(pred.render(""), self.flags));
                        }
                        Escape::Node(node) if create => return Ok(node),
                        _ => {
                            self.cursor = prev;
                            break;
                        }
                    }
                }
                '\0' if self.cursor >= self.pattern_length => break,
                _ => {
                    prev = self.cursor;
                    chars.push(ch);
                    ch = self.next();
                }
            }
        }
        let mut out = String::new();
        for c in chars {
            out.push_str(&self.single(c)?);
        }
        Ok(out)
    }

    /// One literal character outside a class, with case folding.
    pub(super) fn single(&self, cp: u32) -> Result<String, RegexError> {
        if self.flags.case_insensitive() && self.flags.unicode_case() {
            return Ok(format!("(?i:{})", literal(cp)?));
        }
        let plain = literal(cp)?;
        let items = single_items(cp, self.flags)?;
        Ok(if items == plain {
            plain
        } else {
            format!("[{items}]")
        })
    }

    pub(super) fn group_name(&mut self, first: u32) -> Result<String, RegexError> {
        if !is_ascii_alpha(first) {
            return Err(self.error("capturing group name does not start with a Latin letter"));
        }
        let mut name = String::new();
        let mut ch = first;
        loop {
            name.extend(char::from_u32(ch));
            ch = self.read();
            if !char::from_u32(ch).is_some_and(|c| c.is_ascii_alphanumeric()) {
                break;
            }
        }
        if !is(ch, '>') {
            return Err(self.error("named capturing group is missing trailing '>'"));
        }
        Ok(name)
    }

    /// Java's `group0()`; `None` for a flags-only group such as `(?i)`.
    pub(super) fn group0(&mut self) -> Result<Option<String>, RegexError> {
        let saved = self.flags;
        let mut ch = self.next();
        let group = if is(ch, '?') {
            ch = self.skip();
            match char::from_u32(ch).unwrap_or('\u{FFFD}') {
                ':' => format!("(?:{})", self.expr()?),
                '=' | '!' => {
                    return Err(RegexError::Unsupported("lookahead (?= or (?!)".to_owned()));
                }
                '>' => {
                    return Err(RegexError::Unsupported(
                        "the atomic group (?>...)".to_owned(),
                    ));
                }
                '<' => {
                    ch = self.read();
                    if is(ch, '=') || is(ch, '!') {
                        return Err(RegexError::Unsupported(
                            "lookbehind (?<= or (?<!)".to_owned(),
                        ));
                    }
                    let name = self.group_name(ch)?;
                    if self.names.iter().any(|(n, _)| *n == name) {
                        return Err(self
                            .error(format!("Named capturing group <{name}> is already defined")));
                    }
                    self.names.push((name.clone(), self.capturing_group_count));
                    self.capturing_group_count += 1;
                    format!("(?P<{name}>{})", self.expr()?)
                }
                '$' | '@' => return Err(self.error("Unknown group type")),
                _ => {
                    self.unread();
                    self.add_flags()?;
                    ch = self.read();
                    if is(ch, ')') {
                        // Inline flags last until the enclosing group ends.
                        return Ok(None);
                    }
                    if !is(ch, ':') {
                        return Err(self.error("Unknown inline modifier"));
                    }
                    format!("(?:{})", self.expr()?)
                }
            }
        } else {
            self.capturing_group_count += 1;
            format!("({})", self.expr()?)
        };
        self.accept(')', "Unclosed group")?;
        self.flags = saved;
        self.closure(group).map(Some)
    }

    pub(super) fn add_flags(&mut self) -> Result<(), RegexError> {
        let mut ch = self.peek();
        loop {
            let flag = match char::from_u32(ch).unwrap_or('\u{FFFD}') {
                'i' => CASE_INSENSITIVE,
                'm' => MULTILINE,
                's' => DOTALL,
                'd' => UNIX_LINES,
                'u' => UNICODE_CASE,
                'x' => COMMENTS,
                'U' => UNICODE_CHARACTER_CLASS | UNICODE_CASE,
                'c' => {
                    return Err(RegexError::Unsupported(
                        "canonical equivalence (?c)".to_owned(),
                    ));
                }
                '-' => {
                    self.next();
                    return self.sub_flags();
                }
                _ => return Ok(()),
            };
            self.flags.0 |= flag;
            ch = self.next();
        }
    }

    pub(super) fn sub_flags(&mut self) -> Result<(), RegexError> {
        let mut ch = self.peek();
        loop {
            let flag = match char::from_u32(ch).unwrap_or('\u{FFFD}') {
                'i' => CASE_INSENSITIVE,
                'm' => MULTILINE,
                's' => DOTALL,
                'd' => UNIX_LINES,
                'u' => UNICODE_CASE,
                'c' => 0,
                'x' => COMMENTS,
                'U' => UNICODE_CHARACTER_CLASS | UNICODE_CASE,
                _ => return Ok(()),
            };
            self.flags.0 &= !flag;
            ch = self.next();
        }
    }

    /// Java's `qtype()`: lazy `?`, possessive `+` (unsupported) or greedy.
    pub(super) fn quantifier_suffix(&mut self) -> Result<&'static str, RegexError> {
        let ch = self.next();
        if is(ch, '?') {
            self.next();
            return Ok("?");
        }
        if is(ch, '+') {
            return Err(RegexError::Unsupported(
                "the possessive quantifier".to_owned(),
            ));
        }
        Ok("")
    }

    /// Java's `closure(node)`: the quantifier after a node, if any.
    pub(super) fn closure(&mut self, node: String) -> Result<String, RegexError> {
        let ch = self.peek();
        let quantifier = match char::from_u32(ch).unwrap_or('\u{FFFD}') {
            '?' => "?".to_owned(),
            '*' => "*".to_owned(),
            '+' => "+".to_owned(),
            '{' => {
                let mut ch = self.skip();
                if !is_ascii_digit(ch) {
                    return Err(self.error("Illegal repetition"));
                }
                let overflow = |t: &Self| t.error("Illegal repetition range");
                let mut min: i32 = 0;
                loop {
                    min = min
                        .checked_mul(10)
                        .and_then(|v| v.checked_add((ch - u32::from(b'0')) as i32))
                        .ok_or_else(|| overflow(self))?;
                    ch = self.read();
                    if !is_ascii_digit(ch) {
                        break;
                    }
                }
                let max = if is(ch, ',') {
                    ch = self.read();
                    if is(ch, '}') {
                        self.unread();
                        let suffix = self.quantifier_suffix()?;
                        return Ok(format!("(?:{node}){{{min},}}{suffix}"));
                    }
                    let mut max: i32 = 0;
                    while is_ascii_digit(ch) {
                        max = max
                            .checked_mul(10)
                            .and_then(|v| v.checked_add((ch - u32::from(b'0')) as i32))
                            .ok_or_else(|| overflow(self))?;
                        ch = self.read();
                    }
                    max
                } else {
                    min
                };
                if !is(ch, '}') {
                    return Err(self.error("Unclosed counted closure"));
                }
                if max < min {
                    return Err(self.error("Illegal repetition range"));
                }
                self.unread();
                if min == max {
                    format!("{{{min}}}")
                } else {
                    format!("{{{min},{max}}}")
                }
            }
            _ => return Ok(node),
        };
        let suffix = self.quantifier_suffix()?;
        Ok(format!("(?:{node}){quantifier}{suffix}"))
    }
}
