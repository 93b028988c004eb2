//! Apache's `SingleFieldPath` and `FieldSyntaxVersion` (KIP-821): how the
//! `field` setting names a field, at the top level (V1) or nested with
//! dots and backticks (V2).

use wasm_connect_sdk::prelude::*;

/// The key choosing the syntax.
pub const FIELD_SYNTAX_VERSION: &str = "field.syntax.version";

/// Apache's documentation of [`FIELD_SYNTAX_VERSION`].
pub const FIELD_SYNTAX_VERSION_DOC: &str = "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. If set to `V2`, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield `baz` from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"`foo.bar`.baz\".";

/// The syntax of field paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxVersion {
    /// The whole setting is one top-level field name.
    V1,
    /// Dotted paths; backticks wrap names that contain dots.
    V2,
}

impl SyntaxVersion {
    /// The version the configuration asks for (case-insensitive, default
    /// V1), with Apache's `CaseInsensitiveValidString` message.
    pub fn from_config(config: &Config) -> Result<Self> {
        let Some(value) = crate::field_util::string(config, FIELD_SYNTAX_VERSION) else {
            return Ok(Self::V1);
        };
        match value.to_uppercase().as_str() {
            "V1" => Ok(Self::V1),
            "V2" => Ok(Self::V2),
            _ => Err(crate::field_util::invalid(
                FIELD_SYNTAX_VERSION,
                &value,
                "String must be one of (case insensitive): V1, V2",
            )),
        }
    }
}

/// A parsed path: its steps, outermost first (V2 may yield none, for an
/// empty path, which Apache only rejects when the path is used).
pub fn parse(path: &str, version: SyntaxVersion) -> Result<Vec<String>> {
    match version {
        SyntaxVersion::V1 => Ok(vec![path.to_owned()]),
        SyntaxVersion::V2 => parse_v2(path),
    }
}

/// Apache's `buildFieldPathV2`, step for step: a step is the text up to
/// the next dot, or, when it starts with a backtick, the text up to a
/// backtick that ends the path or precedes a dot (a backslash before such
/// a backtick keeps it in the name). Only ASCII delimiters are searched
/// for, so byte positions are character boundaries.
fn parse_v2(path: &str) -> Result<Vec<String>> {
    let b = path.as_bytes();
    let find = |what: u8, from: usize| {
        b.get(from..)?
            .iter()
            .position(|c| *c == what)
            .map(|p| p + from)
    };
    let mut steps = Vec::new();
    let mut idx = 0;
    while idx < b.len() {
        if b[idx] != b'`' {
            let start = idx;
            match find(b'.', idx) {
                Some(dot) => {
                    steps.push(path[start..dot].to_owned());
                    idx = dot + 1;
                }
                None => {
                    steps.push(path[start..].to_owned());
                    break;
                }
            }
            continue;
        }
        let backtick_at = idx;
        idx += 1;
        let mut field = String::new();
        let mut start = idx;
        loop {
            idx = find(b'`', idx).ok_or_else(|| incomplete(path, backtick_at))?;
            let escaped = b[idx - 1] == b'\\';
            if idx >= b.len() - 1 {
                if escaped {
                    return Err(incomplete(path, backtick_at));
                }
                field.push_str(&path[start..idx]);
                steps.push(field);
                idx += 1;
                break;
            }
            if b[idx + 1] != b'.' {
                // Not a closing backtick: part of the name.
                idx += 1;
                continue;
            }
            if escaped {
                field.push_str(&path[start..idx - 1]);
                field.push('`');
                idx += 1;
                start = idx;
                continue;
            }
            field.push_str(&path[start..idx]);
            steps.push(field);
            idx += 2;
            break;
        }
    }
    if path.ends_with('.') {
        steps.push(String::new());
    }
    Ok(steps)
}

/// Apache's message; the position counts UTF-16 units, as Java does.
fn incomplete(path: &str, backtick_at: usize) -> PluginError {
    let position = path[..backtick_at].encode_utf16().count();
    PluginError::config(format!(
        "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {position} to escape it"
    ))
}

#[cfg(test)]
mod tests {
    //! Apache's `FieldPathNotationTest` and `FieldSyntaxVersionTest`.

    use super::*;
    use crate::field_util::testkit::config;

    fn v2(path: &str) -> Vec<String> {
        parse(path, SyntaxVersion::V2).unwrap()
    }

    #[test]
    fn v1_is_one_step() {
        for path in ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`"] {
            assert_eq!(parse(path, SyntaxVersion::V1).unwrap(), [path]);
        }
    }

    #[test]
    fn v2_includes_empty_field_names() {
        assert_eq!(v2(".."), ["", "", ""]);
        assert_eq!(v2("foo.."), ["foo", "", ""]);
        assert_eq!(v2(".bar."), ["", "bar", ""]);
        assert_eq!(v2("..baz"), ["", "", "baz"]);
        assert!(v2("").is_empty());
    }

    #[test]
    fn v2_dots_and_backtick_pairs() {
        assert_eq!(v2("foobarbaz"), ["foobarbaz"]);
        assert_eq!(v2("foo.bar.baz"), ["foo", "bar", "baz"]);
        assert_eq!(v2("foo`bar`baz"), ["foo`bar`baz"]);
        assert_eq!(v2("`foo.bar.baz`"), ["foo.bar.baz"]);
        assert_eq!(v2("foo.`bar.baz`"), ["foo", "bar.baz"]);
        assert_eq!(v2("`foo.bar`.baz"), ["foo.bar", "baz"]);
        assert_eq!(v2("foo.`bar`.baz"), ["foo", "bar", "baz"]);
    }

    #[test]
    fn v2_ignores_backticks_that_do_not_wrap() {
        assert_eq!(v2("foo.``bar.baz`"), ["foo", "`bar.baz"]);
        assert_eq!(v2("foo.`bar.baz``"), ["foo", "bar.baz`"]);
        assert_eq!(v2("foo.`ba`r.baz`"), ["foo", "ba`r.baz"]);
        assert_eq!(v2("foo.ba`r.baz"), ["foo", "ba`r", "baz"]);
        assert_eq!(v2("foo.``bar``.baz"), ["foo", "`bar`", "baz"]);
        assert_eq!(v2("``foo.bar.baz``"), ["`foo.bar.baz`"]);
    }

    #[test]
    fn v2_escapes_backticks() {
        assert_eq!(v2("foo.`bar\\`.baz`"), ["foo", "bar`.baz"]);
        assert_eq!(v2("foo.`bar.`baz`"), ["foo", "bar.`baz"]);
        assert_eq!(v2("foo.`bar\\`.`baz`"), ["foo", "bar`.`baz"]);
        assert_eq!(v2("foo.`bar\\\\`.\\`baz`"), ["foo", "bar\\`.\\`baz"]);
    }

    #[test]
    fn v2_fails_on_incomplete_backticks() {
        let cases = [
            ("`foo.bar.baz", 0),
            ("foo.`bar.baz", 4),
            ("foo.bar.`baz", 8),
            ("foo.bar.`baz\\`", 8),
            ("\u{e9}\u{1f600}.`a.b", 4),
        ];
        for (path, at) in cases {
            let e = parse(path, SyntaxVersion::V2).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Config);
            assert_eq!(
                e.message,
                format!(
                    "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {at} to escape it"
                )
            );
        }
    }

    #[test]
    fn version_from_config() {
        for (input, want) in [
            ("v1", SyntaxVersion::V1),
            ("v2", SyntaxVersion::V2),
            ("V1", SyntaxVersion::V1),
            ("V2", SyntaxVersion::V2),
        ] {
            let c = config(&[(FIELD_SYNTAX_VERSION, input)]);
            assert_eq!(SyntaxVersion::from_config(&c).unwrap(), want);
        }
        assert_eq!(
            SyntaxVersion::from_config(&config(&[])).unwrap(),
            SyntaxVersion::V1
        );
        for input in ["v3", "V 1", "v", "V 2", "2", "1"] {
            let c = config(&[(FIELD_SYNTAX_VERSION, input)]);
            assert_eq!(
                SyntaxVersion::from_config(&c).unwrap_err().message,
                format!(
                    "Invalid value {input} for configuration field.syntax.version: String must be one of (case insensitive): V1, V2"
                )
            );
        }
    }
}
