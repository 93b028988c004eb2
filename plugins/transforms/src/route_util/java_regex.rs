//! Java regular expressions (`java.util.regex.Pattern`) on Rust's `regex`
//! engine: a port of Java's pattern parser that writes the equivalent Rust
//! pattern instead of building Java's matcher nodes.
//!
//! Porting the parser, rather than hoping the two syntaxes agree, is what
//! makes the differences vanish: Java reads `$` in `[$]`, `]` in `[]a]`, `&`
//! in `[a&&&b]`, `#` under `(?x)`, `\v` and `\h` its own way, folds only
//! ASCII letters under `(?i)`, and means by `.` "not a line terminator",
//! not "not `\n`". Each construct is written out explicitly for Rust.
//!
//! Rust's engine has no backtracking, so back references, lookahead,
//! lookbehind, atomic groups, possessive quantifiers, `\G` and `\X` are
//! rejected when the pattern is configured, naming the feature. Two
//! anchors are approximated: `$` and `\Z` without `MULTILINE` also match
//! before a final line terminator in Java, and `^`/`$` with `MULTILINE`
//! treat `\r`, U+0085, U+2028 and U+2029 as line ends in Java; Kafka topic
//! names hold no line terminators, so topics match the same either way.
//! One matching difference remains: a group repeated by `*` or `+` whose
//! body can match the empty string, as in `(a*)*`, captures the empty
//! string in Java (its backtracker tries one more, empty, iteration) and
//! the last non-empty iteration in Rust.

use std::fmt;

use regex::Regex;

use super::java_pattern::Translator;

/// Java's `Pattern` flags, as its inline `(?idmsuxU)` groups set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(pub(super) u32);

pub(super) const UNIX_LINES: u32 = 0x01;
pub(super) const CASE_INSENSITIVE: u32 = 0x02;
pub(super) const COMMENTS: u32 = 0x04;
pub(super) const MULTILINE: u32 = 0x08;
pub(super) const DOTALL: u32 = 0x20;
pub(super) const UNICODE_CASE: u32 = 0x40;
pub(super) const UNICODE_CHARACTER_CLASS: u32 = 0x100;

impl Flags {
    /// Whether `flag` (one of the constants above) is set.
    pub(super) fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    /// `CASE_INSENSITIVE`.
    pub fn case_insensitive(self) -> bool {
        self.has(CASE_INSENSITIVE)
    }

    /// `UNICODE_CASE`.
    pub fn unicode_case(self) -> bool {
        self.has(UNICODE_CASE)
    }

    /// `UNICODE_CHARACTER_CLASS`.
    pub fn unicode_character_class(self) -> bool {
        self.has(UNICODE_CHARACTER_CLASS)
    }
}

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexError {
    /// Java rejects the pattern; the description is Java's.
    Syntax {
        /// Java's description, e.g. `Dangling meta character '*'`.
        description: String,
        /// Where, as Java counts (code points), or `None`.
        index: Option<usize>,
        /// The pattern.
        pattern: String,
    },
    /// Java accepts the pattern but Rust's engine cannot run it.
    Unsupported(String),
    /// Rust's engine refused the translated pattern (usually its size).
    Engine(String),
}

impl RegexError {
    /// A syntax error whose position the parser fills in.
    pub fn syntax(description: impl Into<String>) -> Self {
        Self::Syntax {
            description: description.into(),
            index: None,
            pattern: String::new(),
        }
    }
}

/// Java's `PatternSyntaxException.getMessage()` for syntax errors.
impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegexError::Syntax {
                description,
                index,
                pattern,
            } => {
                f.write_str(description)?;
                if let Some(index) = index {
                    write!(f, " near index {index}")?;
                }
                write!(f, "\n{pattern}")?;
                if let Some(index) = index.filter(|i| *i < pattern.encode_utf16().count()) {
                    write!(f, "\n{}^", " ".repeat(index))?;
                }
                Ok(())
            }
            RegexError::Unsupported(feature) => write!(
                f,
                "{feature} is not supported: wasm-connect matches Java regular expressions with Rust's regex engine, which has no back references, lookaround, atomic groups or possessive quantifiers"
            ),
            RegexError::Engine(reason) => write!(f, "the pattern is too complex: {reason}"),
        }
    }
}

/// A compiled Java regular expression.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    /// The pattern anchored at both ends (`Matcher.matches()`).
    whole: Regex,
    /// The pattern itself (`Matcher.find()`).
    find: Regex,
    /// Capturing groups, as Java counts them.
    group_count: usize,
    /// Named groups and their numbers.
    names: Vec<(String, usize)>,
}

impl JavaRegex {
    /// Compiles `pattern` with Java's syntax.
    pub fn compile(pattern: &str) -> Result<Self, RegexError> {
        let mut translator = Translator::new(pattern);
        let translated = translator.compile()?;
        let build = |text: String| Regex::new(&text).map_err(|e| RegexError::Engine(e.to_string()));
        Ok(Self {
            whole: build(format!(r"\A(?:{translated})\z"))?,
            find: build(format!("(?:{translated})"))?,
            group_count: translator.capturing_group_count - 1,
            names: translator.names,
        })
    }

    /// Whether the whole of `text` matches (`Matcher.matches()`).
    pub fn matches(&self, text: &str) -> bool {
        self.whole.is_match(text)
    }

    /// The number of capturing groups.
    pub fn group_count(&self) -> usize {
        self.group_count
    }

    /// The number of the group called `name`.
    pub fn group_number(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }

    /// The first match in `text`: its range and each group's text.
    pub fn find_first<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        self.find.captures(text)
    }
}
