//! Character classes of Java regular expressions, written as Rust `regex`
//! classes: Java's predicates (`\d`, `\p{Lower}`, `[a-z&&[^e]]`) and its
//! case-insensitive matching, which without `UNICODE_CASE` folds ASCII
//! letters only.

use super::java_regex::{Flags, RegexError};

/// A class predicate as Java's parser builds it. [`Pred::Bits`] stands for
/// the class's shared bit set, which Java keeps adding to after earlier
/// predicates captured it; it is filled in when the class is complete.
#[derive(Debug, Clone)]
pub enum Pred {
    /// The class's bit set (characters below 256), as it is at the end.
    Bits,
    /// A Rust class item: a char, a range, `\p{..}` or a bracketed class.
    Item(String),
    /// Union.
    Union(Box<Pred>, Box<Pred>),
    /// Intersection.
    And(Box<Pred>, Box<Pred>),
    /// Complement.
    Not(Box<Pred>),
}

impl Pred {
    /// `a ∪ b`.
    pub fn union(self, other: Pred) -> Pred {
        Pred::Union(Box::new(self), Box::new(other))
    }

    /// `a ∩ b`.
    pub fn and(self, other: Pred) -> Pred {
        Pred::And(Box::new(self), Box::new(other))
    }

    /// `¬a`.
    pub fn negate(self) -> Pred {
        Pred::Not(Box::new(self))
    }

    /// The predicate as a bracketed Rust class, `bits` standing for
    /// [`Pred::Bits`].
    pub fn render(&self, bits: &str) -> String {
        match self {
            Pred::Bits if bits.is_empty() => NOTHING.to_owned(),
            Pred::Bits => format!("[{bits}]"),
            Pred::Item(item) => format!("[{item}]"),
            Pred::Union(a, b) => format!("[{}{}]", a.render(bits), b.render(bits)),
            Pred::And(a, b) => format!("[{}&&{}]", a.render(bits), b.render(bits)),
            Pred::Not(a) => format!("[^{}]", a.render(bits)),
        }
    }
}

/// A class nothing matches (Rust has no `[]`).
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";

/// Writes one code point for use in a Rust pattern, in or out of a class.
/// Java allows lone surrogates, which no Rust string holds.
pub fn literal(cp: u32) -> Result<String, RegexError> {
    match char::from_u32(cp) {
        Some(c) if c.is_ascii_alphanumeric() => Ok(c.to_string()),
        Some(_) => Ok(format!("\\x{{{cp:X}}}")),
        None => Err(RegexError::Unsupported(format!(
            "the unpaired surrogate \\u{cp:04X}"
        ))),
    }
}

/// `ASCII.toLower`/`toUpper` of an ASCII letter: its other case.
fn ascii_other_case(cp: u32) -> Option<u32> {
    let c = char::from_u32(cp).filter(char::is_ascii_alphabetic)?;
    let other = if c.is_ascii_lowercase() {
        c.to_ascii_uppercase()
    } else {
        c.to_ascii_lowercase()
    };
    Some(u32::from(other))
}

/// Class items matching `cp` as Java's `single(cp)` does under `flags`
/// (case-insensitive without `UNICODE_CASE`: ASCII letters in both cases).
pub fn single_items(cp: u32, flags: Flags) -> Result<String, RegexError> {
    let mut items = literal(cp)?;
    if flags.case_insensitive()
        && !flags.unicode_case()
        && let Some(other) = ascii_other_case(cp)
    {
        items.push_str(&literal(other)?);
    }
    Ok(items)
}

/// Class items for the range `lo-hi` (Java's `Range`/`CIRange`).
pub fn range_items(lo: u32, hi: u32, flags: Flags) -> Result<String, RegexError> {
    let mut items = format!("{}-{}", literal(lo)?, literal(hi)?);
    if flags.case_insensitive() && !flags.unicode_case() {
        // An ASCII letter also matches when its other case is in range.
        for cp in u32::from(b'A')..=u32::from(b'z') {
            if (lo..=hi).contains(&cp) {
                continue;
            }
            if ascii_other_case(cp).is_some_and(|o| (lo..=hi).contains(&o)) {
                items.push_str(&literal(cp)?);
            }
        }
    }
    Ok(items)
}

/// A class as it appears in the pattern: case folding with
/// `UNICODE_CASE` is left to Rust's `(?i)`, which folds the same way for
/// all but a few characters.
pub fn wrap_class(class: String, flags: Flags) -> String {
    if flags.case_insensitive() && flags.unicode_case() {
        format!("(?i:{class})")
    } else {
        class
    }
}

/// `\d`, `\s`, `\w`, `\h`, `\v` and their complements.
pub fn predefined(letter: char, flags: Flags) -> Option<Pred> {
    let unicode = flags.unicode_character_class();
    let positive = match letter.to_ascii_lowercase() {
        'd' if unicode => r"\p{Nd}",
        'd' => "0-9",
        's' if unicode => WHITE_SPACE,
        's' => r"\t\n\x0B\x0C\r\x20",
        'w' if unicode => r"\w",
        'w' => "a-zA-Z_0-9",
        'h' => r"\t\x20\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}",
        'v' => r"\n\x0B\x0C\r\x{85}\x{2028}\x{2029}",
        _ => return None,
    };
    let pred = Pred::Item(positive.to_owned());
    Some(if letter.is_ascii_uppercase() {
        pred.negate()
    } else {
        pred
    })
}

/// Java's `WHITE_SPACE()`: Zs, Zl, Zp, U+0009–U+000D and U+0085.
const WHITE_SPACE: &str = r"\p{Zs}\p{Zl}\p{Zp}\t-\r\x{85}";

/// Java's `\p{name}` (`family`): the class for a property name, or a
/// syntax error worded as Java's.
pub fn family(name: &str, flags: Flags) -> Result<Pred, RegexError> {
    let case_ins = flags.case_insensitive();
    if let Some((key, value)) = name.split_once('=') {
        let item = match key.to_ascii_lowercase().as_str() {
            "sc" | "script" => script(value),
            "gc" | "general_category" => for_property(value, case_ins),
            "blk" | "block" => {
                return Err(RegexError::Unsupported(format!(
                    "the Unicode block property \\p{{{name}}}"
                )));
            }
            _ => None,
        };
        return item.map(Pred::Item).ok_or_else(|| {
            RegexError::syntax(format!(
                "Unknown Unicode property {{name=<{}>, value=<{value}>}}",
                key.to_ascii_lowercase()
            ))
        });
    }
    let item = if let Some(block) = name.strip_prefix("In") {
        return Err(RegexError::Unsupported(format!(
            "the Unicode block property \\p{{In{block}}}"
        )));
    } else if let Some(short) = name.strip_prefix("Is") {
        unicode_property(&short.to_ascii_uppercase(), case_ins)
            .or_else(|| for_property(short, case_ins))
            .or_else(|| script(short))
    } else {
        let posix = if flags.unicode_character_class() {
            posix_unicode(&name.to_ascii_uppercase(), case_ins)
        } else {
            None
        };
        match posix.or_else(|| for_property(name, case_ins)) {
            Some(item) => Some(item),
            None if JAVA_METHODS_WITHOUT_RUST_EQUIVALENT.contains(&name) => {
                return Err(RegexError::Unsupported(format!(
                    "the Java character property \\p{{{name}}}"
                )));
            }
            None => None,
        }
    };
    item.map(Pred::Item)
        .ok_or_else(|| RegexError::syntax(format!("Unknown character property name {{{name}}}")))
}

/// `java.lang.Character` methods Java offers as properties that have no
/// Unicode property to stand for them.
const JAVA_METHODS_WITHOUT_RUST_EQUIVALENT: [&str; 6] = [
    "javaMirrored",
    "javaJavaIdentifierStart",
    "javaJavaIdentifierPart",
    "javaUnicodeIdentifierStart",
    "javaUnicodeIdentifierPart",
    "javaIdentifierIgnorable",
];

/// A script name Rust's `regex` knows (Java's `UnicodeScript.forName`
/// takes full names and four-letter aliases, in any case, as Rust does).
fn script(name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ');
    let item = format!(r"\p{{Script={name}}}");
    (valid && regex::Regex::new(&format!("[{item}]")).is_ok()).then_some(item)
}

/// Java's `getUnicodePredicate`, then `getPosixPredicate` (Unicode
/// versions), for `\p{IsName}`; `name` is upper case.
fn unicode_property(name: &str, case_ins: bool) -> Option<String> {
    let cased = r"\p{Lowercase}\p{Uppercase}\p{Lt}";
    Some(
        match name {
            "ALPHABETIC" => r"\p{Alphabetic}",
            "ASSIGNED" => r"\P{Cn}",
            "CONTROL" => r"\p{Cc}",
            "EMOJI" => r"\p{Emoji}",
            "EMOJI_PRESENTATION" => r"\p{Emoji_Presentation}",
            "EMOJI_MODIFIER" => r"\p{Emoji_Modifier}",
            "EMOJI_MODIFIER_BASE" => r"\p{Emoji_Modifier_Base}",
            "EMOJI_COMPONENT" => r"\p{Emoji_Component}",
            "EXTENDED_PICTOGRAPHIC" => r"\p{Extended_Pictographic}",
            "HEXDIGIT" | "HEX_DIGIT" => r"\p{Nd}\p{Hex_Digit}",
            "IDEOGRAPHIC" => r"\p{Ideographic}",
            "JOINCONTROL" | "JOIN_CONTROL" => r"\x{200C}\x{200D}",
            "LETTER" => r"\p{L}",
            "LOWERCASE" | "UPPERCASE" | "TITLECASE" if case_ins => cased,
            "LOWERCASE" => r"\p{Lowercase}",
            "UPPERCASE" => r"\p{Uppercase}",
            "TITLECASE" => r"\p{Lt}",
            "NONCHARACTERCODEPOINT" | "NONCHARACTER_CODE_POINT" => r"\p{Noncharacter_Code_Point}",
            "PUNCTUATION" => r"\p{P}",
            "WHITESPACE" | "WHITE_SPACE" => WHITE_SPACE,
            "WORD" => r"\w",
            _ => return posix_unicode(name, case_ins),
        }
        .to_owned(),
    )
}

/// Java's `getPosixPredicate`: the Unicode meaning of the POSIX names
/// (with `UNICODE_CHARACTER_CLASS`, or after `Is`); `name` is upper case.
fn posix_unicode(name: &str, case_ins: bool) -> Option<String> {
    const GRAPH: &str = r"[^\p{Zs}\p{Zl}\p{Zp}\p{Cc}\p{Cs}\p{Cn}]";
    Some(match name {
        "ALPHA" => r"\p{Alphabetic}".to_owned(),
        "LOWER" | "UPPER" if case_ins => r"\p{Lowercase}\p{Uppercase}\p{Lt}".to_owned(),
        "LOWER" => r"\p{Lowercase}".to_owned(),
        "UPPER" => r"\p{Uppercase}".to_owned(),
        "SPACE" => WHITE_SPACE.to_owned(),
        "PUNCT" => r"\p{P}".to_owned(),
        "XDIGIT" => r"\p{Nd}\p{Hex_Digit}".to_owned(),
        "ALNUM" => r"\p{Alphabetic}\p{Nd}".to_owned(),
        "CNTRL" => r"\p{Cc}".to_owned(),
        "DIGIT" => r"\p{Nd}".to_owned(),
        "BLANK" => r"\p{Zs}\t".to_owned(),
        "GRAPH" => GRAPH.to_owned(),
        "PRINT" => format!(r"[{GRAPH}\p{{Zs}}\t]--\p{{Cc}}"),
        _ => return None,
    })
}

/// Java's `forProperty`: general categories, Java's own aliases, the
/// ASCII POSIX classes and the `java*` methods.
fn for_property(name: &str, case_ins: bool) -> Option<String> {
    const CATEGORIES: [&str; 37] = [
        "Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Me", "Mc", "Nd", "Nl", "No", "Zs", "Zl", "Zp",
        "Cc", "Cf", "Co", "Cs", "Pd", "Ps", "Pe", "Pc", "Po", "Sm", "Sc", "Sk", "So", "Pi", "Pf",
        "L", "M", "N", "Z", "C", "P", "S",
    ];
    if case_ins && matches!(name, "Lu" | "Ll" | "Lt") {
        return Some(r"\p{Lu}\p{Ll}\p{Lt}".to_owned());
    }
    if CATEGORIES.contains(&name) {
        return Some(format!(r"\p{{{name}}}"));
    }
    let case_letters = |one: &'static str| if case_ins { "A-Za-z" } else { one };
    Some(
        match name {
            "LC" => r"\p{Lu}\p{Ll}\p{Lt}",
            "LD" => r"\p{L}\p{Nd}",
            "L1" => r"\x00-\xFF",
            "all" => r"\x{0}-\x{10FFFF}",
            "ASCII" => r"\x00-\x7F",
            "Alnum" => "0-9A-Za-z",
            "Alpha" => "A-Za-z",
            "Blank" => r"\t\x20",
            "Cntrl" => r"\x00-\x1F\x7F",
            "Digit" => "0-9",
            "Graph" => r"\x21-\x7E",
            "Lower" => case_letters("a-z"),
            "Print" => r"\x20-\x7E",
            "Punct" => r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E",
            "Space" => r"\t\n\x0B\x0C\r\x20",
            "Upper" => case_letters("A-Z"),
            "XDigit" => "0-9A-Fa-f",
            "javaLowerCase" if case_ins => r"\p{Lowercase}\p{Uppercase}\p{Lt}",
            "javaLowerCase" => r"\p{Lowercase}",
            "javaUpperCase" if case_ins => r"\p{Lowercase}\p{Uppercase}\p{Lt}",
            "javaUpperCase" => r"\p{Uppercase}",
            "javaTitleCase" if case_ins => r"\p{Lowercase}\p{Uppercase}\p{Lt}",
            "javaTitleCase" => r"\p{Lt}",
            "javaAlphabetic" => r"\p{Alphabetic}",
            "javaIdeographic" => r"\p{Ideographic}",
            "javaDigit" => r"\p{Nd}",
            "javaDefined" => r"\P{Cn}",
            "javaLetter" => r"\p{L}",
            "javaLetterOrDigit" => r"\p{L}\p{Nd}",
            "javaSpaceChar" => r"\p{Zs}\p{Zl}\p{Zp}",
            "javaISOControl" => r"\x00-\x1F\x7F-\x9F",
            "javaWhitespace" => r"[\t-\r\x1C-\x1F\p{Zs}\p{Zl}\p{Zp}]--[\xA0\x{2007}\x{202F}]",
            _ => return None,
        }
        .to_owned(),
    )
}
