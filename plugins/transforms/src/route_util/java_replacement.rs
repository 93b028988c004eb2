//! Java's replacement strings (`Matcher.appendReplacement`): `$n` and
//! `${name}` insert groups, `\x` inserts `x`. Java reads `$12` as group 12
//! only while the pattern has that many groups (else group 1, then `2`),
//! which is why we expand replacements ourselves instead of handing them
//! to Rust's `$name` syntax (Rust reads `$1abc` as a group called `1abc`).

use super::java_regex::JavaRegex;

/// One piece of an expanded replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Text copied as is.
    Literal(String),
    /// The text a group captured (nothing when it did not take part).
    Group(usize),
}

/// A replacement string read against a pattern, or the error Java throws
/// when it expands it (Java's own wording; Java throws it for every record
/// whose topic matches, so it is a record error, not a configuration one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement(Result<Vec<Piece>, String>);

impl Replacement {
    /// Reads `replacement` as Java does for `regex`.
    pub fn new(replacement: &str, regex: &JavaRegex) -> Self {
        Self(parse(replacement, regex))
    }

    /// Java's `Matcher.replaceFirst(replacement)`: the first match of
    /// `regex` in `text` replaced; `text` unchanged without a match.
    pub fn replace_first(&self, regex: &JavaRegex, text: &str) -> Result<String, String> {
        let pieces = self.0.as_ref().map_err(Clone::clone)?;
        let Some(captures) = regex.find_first(text) else {
            return Ok(text.to_owned());
        };
        let Some(whole) = captures.get(0) else {
            return Ok(text.to_owned());
        };
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..whole.start()]);
        for piece in pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Group(n) => {
                    if let Some(m) = captures.get(*n) {
                        out.push_str(m.as_str());
                    }
                }
            }
        }
        out.push_str(&text[whole.end()..]);
        Ok(out)
    }
}

/// `appendExpandedReplacement`, done once instead of per record.
fn parse(replacement: &str, regex: &JavaRegex) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = replacement.chars().collect();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut cursor = 0;
    while cursor < chars.len() {
        let c = chars[cursor];
        if c == '\\' {
            cursor += 1;
            let escaped = chars
                .get(cursor)
                .ok_or_else(|| "character to be escaped is missing".to_owned())?;
            text.push(*escaped);
            cursor += 1;
        } else if c == '$' {
            cursor += 1;
            let next = *chars
                .get(cursor)
                .ok_or_else(|| "Illegal group reference: group index is missing".to_owned())?;
            let group = if next == '{' {
                cursor += 1;
                let begin = cursor;
                while chars.get(cursor).is_some_and(char::is_ascii_alphanumeric) {
                    cursor += 1;
                }
                if begin == cursor {
                    return Err("named capturing group has 0 length name".into());
                }
                if chars.get(cursor) != Some(&'}') {
                    return Err("named capturing group is missing trailing '}'".into());
                }
                let name: String = chars[begin..cursor].iter().collect();
                if name.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(format!(
                        "capturing group name {{{name}}} starts with digit character"
                    ));
                }
                cursor += 1;
                regex
                    .group_number(&name)
                    .ok_or_else(|| format!("No group with name {{{name}}}"))?
            } else {
                let mut number = next
                    .to_digit(10)
                    .ok_or_else(|| "Illegal group reference".to_owned())?
                    as usize;
                cursor += 1;
                // Take more digits only while such a group exists.
                while let Some(d) = chars.get(cursor).and_then(|c| c.to_digit(10)) {
                    let longer = number * 10 + d as usize;
                    if longer > regex.group_count() {
                        break;
                    }
                    number = longer;
                    cursor += 1;
                }
                if number > regex.group_count() {
                    return Err(format!("No group {number}"));
                }
                number
            };
            if !text.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Group(group));
        } else {
            text.push(c);
            cursor += 1;
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Literal(text));
    }
    Ok(pieces)
}
