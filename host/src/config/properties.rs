//! A reader for Java `.properties` files.
//!
//! Users bring the `.properties` files they already feed to Apache Kafka Connect, so a
//! file must give exactly the key/value pairs that `java.util.Properties.load(Reader)`
//! gives: the same separators, comments, line continuations and escapes, quirks
//! included. No crate reproduces those rules exactly, so this one is hand-written as a
//! port of the JDK's own algorithm (its `LineReader.readLine`, `load0` and
//! `loadConvert`). Writing it ourselves also lets every error name the file and the
//! line, which the JDK does not do ("Malformed \uxxxx encoding." and nothing more).
//!
//! Two deliberate differences from Java:
//! - Text is decoded as UTF-8, as `load(Reader)` does with a UTF-8 reader. (Kafka's own
//!   `Utils.loadProps` uses `load(InputStream)`, which decodes ISO-8859-1; the two agree
//!   on ASCII files and on `\uXXXX` escapes, and UTF-8 is what a non-ASCII file most
//!   likely means.)
//! - A `\u` escape naming a lone UTF-16 surrogate is an error, because a Rust `String`
//!   cannot hold it; Java would silently keep it.

use std::path::{Path, PathBuf};

/// Why a properties file could not be parsed; every variant names the file so that a
/// user with several configuration files knows which one to fix.
#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    /// The file could not be read.
    #[error("cannot read properties file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not UTF-8; `line` is the 1-based line of the first bad byte.
    #[error("{path}: line {line}: the file is not valid UTF-8")]
    InvalidUtf8 { path: PathBuf, line: usize },
    /// A bad `\uXXXX` escape or a lone surrogate. `line` is the 1-based physical line
    /// where the logical line holding the problem starts.
    #[error("{path}: line {line}: {message}")]
    Malformed {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Parse properties text. `source` names the text in errors (a file path, or e.g.
/// `"<inline>"`).
///
/// Returns every entry in file order, duplicates included, so that the caller decides
/// how to merge them (Java lets the last one win). A leading byte order mark is kept as
/// part of the first key, as Java's reader keeps it; [`parse_bytes`] strips it.
///
/// # Errors
/// [`PropertiesError::Malformed`] for a bad `\uXXXX` escape or a lone surrogate.
pub fn parse(text: &str, source: &Path) -> Result<Vec<(String, String)>, PropertiesError> {
    let mut entries = Vec::new();
    for line in LineReader::new(text) {
        let (key, value) = split_key_value(&line.chars);
        let convert = |raw: &[char]| {
            unescape(raw).map_err(|message| PropertiesError::Malformed {
                path: source.to_path_buf(),
                line: line.number,
                message,
            })
        };
        entries.push((convert(key)?, convert(value)?));
    }
    Ok(entries)
}

/// Read and parse a file (bytes must be UTF-8; a UTF-8 BOM at the start is skipped).
///
/// # Errors
/// [`PropertiesError::Io`] if the file cannot be read, otherwise as [`parse_bytes`].
pub fn parse_file(path: &Path) -> Result<Vec<(String, String)>, PropertiesError> {
    let bytes = std::fs::read(path).map_err(|source| PropertiesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_bytes(&bytes, path)
}

/// Parse raw bytes that must be UTF-8 (used by [`parse_file`]; exposed for tests).
///
/// A UTF-8 byte order mark at the start is skipped because editors on Windows add one,
/// and it would otherwise become an invisible part of the first key.
///
/// # Errors
/// [`PropertiesError::InvalidUtf8`] if the bytes are not UTF-8, otherwise as [`parse`].
pub fn parse_bytes(bytes: &[u8], source: &Path) -> Result<Vec<(String, String)>, PropertiesError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, source),
        Err(error) => Err(PropertiesError::InvalidUtf8 {
            path: source.to_path_buf(),
            line: line_count(&bytes[..error.valid_up_to()]),
        }),
    }
}

/// The 1-based number of the line that follows `prefix`, counting `\n`, `\r` and
/// `\r\n` as one terminator each.
fn line_count(prefix: &[u8]) -> usize {
    let mut after_cr = false;
    let mut line = 1;
    for &byte in prefix {
        if byte == b'\r' || (byte == b'\n' && !after_cr) {
            line += 1;
        }
        after_cr = byte == b'\r';
    }
    line
}

/// Java's white space inside a line: space, tab and form feed (not line terminators).
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// One logical line: natural lines joined, comments and continuation backslashes
/// dropped, escapes still raw.
struct LogicalLine {
    /// 1-based physical line of the first character, for error messages.
    number: usize,
    chars: Vec<char>,
}

/// Splits text into logical lines; a line-by-line port of the JDK's
/// `Properties.LineReader.readLine`, so that odd inputs (a line holding only `\`, a
/// continuation followed by a blank line, ...) behave exactly as in Java.
struct LineReader<'a> {
    rest: std::str::Chars<'a>,
    /// Physical line of the next character.
    line: usize,
    after_cr: bool,
}

impl<'a> LineReader<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            rest: text.chars(),
            line: 1,
            after_cr: false,
        }
    }

    /// The next character and the physical line it is on.
    fn bump(&mut self) -> Option<(char, usize)> {
        let c = self.rest.next()?;
        let line = self.line;
        if c == '\r' || (c == '\n' && !self.after_cr) {
            self.line += 1;
        }
        self.after_cr = c == '\r';
        Some((c, line))
    }
}

impl Iterator for LineReader<'_> {
    type Item = LogicalLine;

    fn next(&mut self) -> Option<LogicalLine> {
        let mut chars = Vec::new();
        let mut number = self.line;
        let mut skip_blanks = true;
        let mut continued = false;
        let mut odd_backslashes = false;
        loop {
            let Some((c, line)) = self.bump() else {
                if chars.is_empty() {
                    return None;
                }
                if odd_backslashes {
                    chars.pop();
                }
                return Some(LogicalLine { number, chars });
            };
            if skip_blanks {
                // Leading white space is skipped; so are empty lines, unless they end a
                // continuation (then the empty line ends the logical line).
                if is_blank(c) || (!continued && (c == '\r' || c == '\n')) {
                    continue;
                }
                skip_blanks = false;
                continued = false;
            }
            if chars.is_empty() && (c == '#' || c == '!') {
                // A comment runs to the end of its natural line, backslash or not.
                loop {
                    match self.bump() {
                        None => return None,
                        Some(('\r' | '\n', _)) => break,
                        Some(_) => {}
                    }
                }
                skip_blanks = true;
                continue;
            }
            if c != '\r' && c != '\n' {
                if chars.is_empty() {
                    number = line;
                }
                chars.push(c);
                odd_backslashes = c == '\\' && !odd_backslashes;
                continue;
            }
            if chars.is_empty() {
                skip_blanks = true;
                continue;
            }
            if self.rest.as_str().is_empty() || !odd_backslashes {
                // Java checks end of input first: `\` alone on the last line then
                // yields an empty key and value instead of nothing.
                if odd_backslashes {
                    chars.pop();
                }
                return Some(LogicalLine { number, chars });
            }
            // An odd number of backslashes escapes the line terminator: drop the last
            // backslash and continue with the next natural line, minus its indentation.
            chars.pop();
            skip_blanks = true;
            continued = true;
            odd_backslashes = false;
            if c == '\r' && self.rest.as_str().starts_with('\n') {
                self.bump();
            }
        }
    }
}

/// Splits a logical line into raw key and raw value, as Java's `load0` does: the key
/// ends at the first unescaped `=`, `:` or white space; then white space, at most one
/// `=` or `:`, and white space again are skipped.
fn split_key_value(line: &[char]) -> (&[char], &[char]) {
    let mut key_end = line.len();
    let mut value_start = line.len();
    let mut has_separator = false;
    let mut escaped = false;
    for (i, &c) in line.iter().enumerate() {
        if !escaped && (c == '=' || c == ':' || is_blank(c)) {
            key_end = i;
            value_start = i + 1;
            has_separator = !is_blank(c);
            break;
        }
        escaped = c == '\\' && !escaped;
    }
    let rest = &line[value_start..];
    let skipped = rest
        .iter()
        .position(|&c| {
            if is_blank(c) {
                false
            } else if !has_separator && (c == '=' || c == ':') {
                has_separator = true;
                false
            } else {
                true
            }
        })
        .unwrap_or(rest.len());
    (&line[..key_end], &rest[skipped..])
}

/// Resolves escapes as Java's `loadConvert` does, plus joining `\u` surrogate pairs
/// into one `char`. The error is the message for [`PropertiesError::Malformed`].
fn unescape(raw: &[char]) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    // A high surrogate waiting for its low half, and the escape as written.
    let mut pending_high: Option<(u32, String)> = None;
    let mut chars = raw.iter().copied();
    while let Some(c) = chars.next() {
        let c = match c {
            '\\' => {
                match chars.next() {
                    Some('u') => {
                        let (unit, written) = unicode_escape(&mut chars)?;
                        match unit {
                            0xD800..=0xDBFF => {
                                if let Some((_, earlier)) = pending_high.replace((unit, written)) {
                                    return Err(lone_surrogate(&earlier));
                                }
                                continue;
                            }
                            0xDC00..=0xDFFF => {
                                let Some((high, _)) = pending_high.take() else {
                                    return Err(lone_surrogate(&written));
                                };
                                let code = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                                char::from_u32(code).ok_or_else(|| lone_surrogate(&written))?
                            }
                            _ => char::from_u32(unit).ok_or_else(|| lone_surrogate(&written))?,
                        }
                    }
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some('n') => '\n',
                    Some('f') => '\u{c}',
                    // Any other escaped character stands for itself (`\=`, `\\`, `\a` ...).
                    Some(other) => other,
                    // Unreachable: the line reader drops an unescaped trailing backslash.
                    None => break,
                }
            }
            c => c,
        };
        if let Some((_, written)) = pending_high.take() {
            return Err(lone_surrogate(&written));
        }
        out.push(c);
    }
    match pending_high {
        Some((_, written)) => Err(lone_surrogate(&written)),
        None => Ok(out),
    }
}

/// Reads the `XXXX` of a `\uXXXX` escape: exactly four hex digits, as Java demands.
/// Returns the UTF-16 code unit and the escape as written, for error messages.
fn unicode_escape(chars: &mut impl Iterator<Item = char>) -> Result<(u32, String), String> {
    let digits: String = chars.take(4).collect();
    let written = format!("\\u{digits}");
    let unit = digits
        .chars()
        .try_fold(0, |unit, digit| Some(unit * 16 + digit.to_digit(16)?))
        .filter(|_| digits.len() == 4);
    match unit {
        Some(unit) => Ok((unit, written)),
        None => Err(format!(
            "malformed \\uXXXX escape \"{written}\": expected four hex digits"
        )),
    }
}

/// The message for a `\u` escape naming half of a surrogate pair on its own.
fn lone_surrogate(written: &str) -> String {
    format!(
        "lone UTF-16 surrogate {written} in a \\u escape \
         (a high surrogate must be directly followed by a low one, as in \\uD83D\\uDE00)"
    )
}

#[cfg(test)]
mod tests {
    // Every expected value below was checked against `java.util.Properties.load(Reader)`
    // (OpenJDK 17, UTF-8 reader); where Java keeps a lone surrogate we return an error.
    // The parser was also fuzzed against the JVM (over 100,000 random inputs, no difference).

    use super::*;

    const SOURCE: &str = "test.properties";

    fn parse_str(text: &str) -> Result<Vec<(String, String)>, PropertiesError> {
        parse(text, Path::new(SOURCE))
    }

    #[track_caller]
    fn check(text: &str, expected: &[(&str, &str)]) {
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(parse_str(text).unwrap(), expected, "input: {text:?}");
    }

    #[track_caller]
    fn check_error(text: &str, expected: &str) {
        let error = parse_str(text).unwrap_err();
        assert!(
            matches!(error, PropertiesError::Malformed { .. }),
            "{error:?}"
        );
        assert_eq!(error.to_string(), expected, "input: {text:?}");
    }

    #[test]
    fn separators_and_white_space() {
        for text in [
            "a=b", "a:b", "a b", "a = b", "a\tb", "a\u{c}b", "a    :b", " \t a=b",
        ] {
            check(text, &[("a", "b")]);
        }
        check("  a  =  b  ", &[("a", "b  ")]);
        check("key", &[("key", "")]);
        check("key=", &[("key", "")]);
        check("key = ", &[("key", "")]);
        check("=value", &[("", "value")]);
        check(":value", &[("", "value")]);
        check("a=b=c", &[("a", "b=c")]);
        check("a = = b", &[("a", "= b")]);
        check("a=:b", &[("a", ":b")]);
        check("a b = c", &[("a", "b = c")]);
        check("a\\=b=c", &[("a=b", "c")]);
        check("a\\ b=c", &[("a b", "c")]);
        check("a\\:b:c", &[("a:b", "c")]);
        check("\\:\\==x", &[(":=", "x")]);
    }

    #[test]
    fn comments_and_blank_lines() {
        check("", &[]);
        check("# only a comment", &[]);
        check(
            "# c\n! c\n   # indented\n\t! tab\n\n   \n\u{c}\na=b # not a comment\n",
            &[("a", "b # not a comment")],
        );
        // A comment is never continued, even when it ends with a backslash.
        check("# comment \\\na=b", &[("a", "b")]);
        check("! comment \\\r\na=b", &[("a", "b")]);
        // But a continuation line starting with `#` is not a comment.
        check("a=b\\\n  # c", &[("a", "b# c")]);
        check("\\#a=b", &[("#a", "b")]);
    }

    #[test]
    fn continuation_lines() {
        check(
            "fruits    apple, banana, pear, \\\n          cantaloupe, \\\n\t\tkiwi",
            &[("fruits", "apple, banana, pear, cantaloupe, kiwi")],
        );
        check("ke\\\n   y = v", &[("key", "v")]);
        // Even backslashes are escaped backslashes, not a continuation.
        check("a=b\\\\\nc=d", &[("a", "b\\"), ("c", "d")]);
        check("a=b\\\\\\\n  c", &[("a", "b\\c")]);
        // An empty or blank line ends a continued line.
        check("a=b\\\n\nc=d", &[("a", "b"), ("c", "d")]);
        check("a=b\\\n   \nc=d", &[("a", "b"), ("c", "d")]);
        // A continuation at the end of the file.
        check("a=b\\", &[("a", "b")]);
        check("a=b\\\n", &[("a", "b")]);
        check("a=b\\\n   ", &[("a", "b")]);
        // Java's quirks with a line holding only a backslash.
        check("\\", &[("", "")]);
        check("\\\n", &[("", "")]);
        check("\\\n#x=y\n", &[]);
        check("\\\nx=y", &[("x", "y")]);
    }

    #[test]
    fn line_endings() {
        let expected = [("a", "1"), ("b", "2")];
        check("a=1\nb=2\n", &expected);
        check("a=1\r\nb=2\r\n", &expected);
        check("a=1\rb=2\r", &expected);
        check("a=1\r\n\r\n\rb=2", &expected);
        check("a=1\nb=2", &expected);
        check("a=1\\\r\n  2\r\nb=3", &[("a", "12"), ("b", "3")]);
        check("a=1\\\r  2\rb=3", &[("a", "12"), ("b", "3")]);
        check("a=1\\\r\n\r\nb=2", &expected);
    }

    #[test]
    fn escapes() {
        check("a=\\t\\n\\r\\f", &[("a", "\t\n\r\u{c}")]);
        check("a=\\q\\b\\a\\\"\\'\\#\\!\\\\", &[("a", "qba\"'#!\\")]);
        check("tab\\tkey=v", &[("tab\tkey", "v")]);
        check("\\u0041\\u00e9=\\u00E9x", &[("Aé", "éx")]);
        check("a=\\u0020b", &[("a", " b")]);
        check("emoji=\\uD83D\\uDE00", &[("emoji", "😀")]);
        check("emoji=<\\ud83d\\ude00>", &[("emoji", "<😀>")]);
    }

    #[test]
    fn non_ascii_text_is_read_as_is() {
        check(
            "ключ=значение\nemoji=😀\nкл\\ юч : 值",
            &[("ключ", "значение"), ("emoji", "😀"), ("кл юч", "值")],
        );
    }

    #[test]
    fn duplicates_are_kept_in_file_order() {
        check("a=1\nb=2\na=3", &[("a", "1"), ("b", "2"), ("a", "3")]);
    }

    #[test]
    fn malformed_escapes() {
        // The full user-facing text once, then the variations.
        check_error(
            "# c\n\na=\\u12",
            "test.properties: line 3: malformed \\uXXXX escape \"\\u12\": expected four hex digits",
        );
        check_error(
            "a=\\uD83D",
            "test.properties: line 1: lone UTF-16 surrogate \\uD83D in a \\u escape \
             (a high surrogate must be directly followed by a low one, as in \\uD83D\\uDE00)",
        );
        let malformed = |line, escape| {
            format!(
                "{SOURCE}: line {line}: malformed \\uXXXX escape \"{escape}\": expected four hex digits"
            )
        };
        let lone = |line, escape| format!("{SOURCE}: line {line}: {}", lone_surrogate(escape));
        check_error("a=\\u12G4", &malformed(1, "\\u12G4"));
        check_error("\\uu0041=x", &malformed(1, "\\uu004"));
        // The line is where the logical line starts.
        check_error("x=1\n\n  k = a\\\n  \\u004", &malformed(3, "\\u004"));
        check_error("a=\\ude00", &lone(1, "\\ude00"));
        check_error("a=\\uD83Dx", &lone(1, "\\uD83D"));
        check_error("a\r\r\nb=\\uD800\\uD83D\\uDE00", &lone(3, "\\uD800"));
    }

    #[test]
    fn bytes_must_be_utf8() {
        let error = parse_bytes(b"a=1\nb=2\r\nc=3\rd=\xff\n", Path::new(SOURCE)).unwrap_err();
        assert!(matches!(
            error,
            PropertiesError::InvalidUtf8 { line: 4, .. }
        ));
        assert_eq!(
            error.to_string(),
            "test.properties: line 4: the file is not valid UTF-8"
        );
        let error = parse_bytes(b"\xc3", Path::new(SOURCE)).unwrap_err();
        assert!(matches!(
            error,
            PropertiesError::InvalidUtf8 { line: 1, .. }
        ));
    }

    #[test]
    fn byte_order_mark() {
        let entries = parse_bytes("\u{feff}a=é".as_bytes(), Path::new(SOURCE)).unwrap();
        assert_eq!(entries, [("a".to_owned(), "é".to_owned())]);
        // `parse` takes text as Java's reader would deliver it: the mark stays.
        check("\u{feff}a=b", &[("\u{feff}a", "b")]);
    }

    #[test]
    fn files() {
        let path = std::env::temp_dir().join(format!(
            "wasm-connect-properties-test-{}.properties",
            std::process::id()
        ));
        std::fs::write(
            &path,
            "\u{feff}# worker\nname = file-source\ntopics=a,\\\n  b\n",
        )
        .unwrap();
        let entries = parse_file(&path);
        std::fs::remove_file(&path).unwrap();
        let expected =
            [("name", "file-source"), ("topics", "a,b")].map(|(k, v)| (k.into(), v.into()));
        assert_eq!(entries.unwrap(), expected);

        let missing = Path::new("/nonexistent/connect.properties");
        match parse_file(missing) {
            Err(PropertiesError::Io { path, source }) => {
                assert_eq!(path, missing);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("expected an Io error, got {other:?}"),
        }
        let error = PropertiesError::Io {
            path: missing.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not found"),
        };
        assert_eq!(
            error.to_string(),
            "cannot read properties file /nonexistent/connect.properties: not found"
        );
    }
}
