//! The tokenizer and recursive parser of Apache's `Values.parseString`
//! (`Values.Parser` and `Values.ValueParser`), step for step: their quirks
//! are what users see (`[1, ]` is a one-element array, `12:34 hello` is the
//! number 12, a blank token between quotes disappears), so the control
//! flow is kept as Apache wrote it.

use std::sync::Arc;

use wasm_connect_sdk::{Schema, SchemaType};

use super::java_number::{JavaDecimal, java_digit, java_is_blank, java_trim};
use super::values::{
    DataError, JValue, Merger, Parsed, align_list, align_map, align_map_keys, decimal_schema,
    primitive, require_schemaless_safe, temporal_schema,
};
use super::values_temporal::{TemporalKind, parse_as_temporal};

const QUOTE: &str = "\"";
const COMMA: &str = ",";
const ENTRY: &str = ":";
const ARRAY_BEGIN: &str = "[";
const ARRAY_END: &str = "]";
const MAP_BEGIN: &str = "{";
const MAP_END: &str = "}";

/// Apache's `Values.Parser`: splits text at unescaped delimiters
/// (`: , { } [ ] "`), one token of lookahead, rewindable.
pub(super) struct Parser<'a> {
    original: &'a str,
    /// Byte index of the next unread character.
    index: usize,
    /// A token read ahead by `is_next`, not yet consumed.
    next_token: Option<&'a str>,
    previous_token: Option<&'a str>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(original: &'a str) -> Self {
        Self {
            original,
            index: 0,
            next_token: None,
            previous_token: None,
        }
    }

    fn position(&self) -> usize {
        self.index
    }

    fn mark(&self) -> usize {
        self.index - self.next_token.map_or(0, str::len)
    }

    fn rewind_to(&mut self, position: usize) {
        self.index = position;
        self.next_token = None;
        self.previous_token = None;
    }

    fn has_next(&self) -> bool {
        self.next_token.is_some() || self.can_consume_next_token()
    }

    fn can_consume_next_token(&self) -> bool {
        self.index < self.original.len()
    }

    fn next(&mut self) -> &'a str {
        let token = match self.next_token.take() {
            Some(token) => token,
            None => self.consume_next_token(),
        };
        self.previous_token = Some(token);
        token
    }

    /// The text of the next `n` tokens, or `None` (and no tokens consumed)
    /// when fewer remain.
    fn next_n(&mut self, n: usize) -> Option<&'a str> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(start);
                return None;
            }
            self.next();
        }
        self.original.get(start..self.position())
    }

    fn consume_next_token(&mut self) -> &'a str {
        let start = self.index;
        let rest = &self.original[start..];
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' => escaped = !escaped,
                ':' | ',' | '{' | '}' | '[' | ']' | '"' if !escaped => {
                    // A delimiter ends the token before it, or is a token.
                    let end = if i > 0 { i } else { 1 };
                    self.index = start + end;
                    return &rest[..end];
                }
                _ => escaped = false,
            }
        }
        self.index = self.original.len();
        rest
    }

    fn previous(&self) -> Option<&'a str> {
        self.previous_token
    }

    /// Consumes the next token when it is `expected` (blank tokens before
    /// it skipped, surrounding whitespace ignored).
    fn can_consume(&mut self, expected: &str) -> bool {
        if self.is_next(expected) {
            self.next_token = None;
            return true;
        }
        false
    }

    fn is_next(&mut self, expected: &str) -> bool {
        let mut token = match self.next_token {
            Some(token) => token,
            None => {
                if !self.has_next() {
                    return false;
                }
                self.consume_next_token()
            }
        };
        while java_is_blank(token) && self.can_consume_next_token() {
            token = self.consume_next_token();
        }
        self.next_token = Some(token);
        java_trim(token) == expected
    }
}

/// Apache's `Values.ValueParser`.
pub(super) struct ValueParser<'a> {
    parser: Parser<'a>,
}

/// What `parse` returns: Java's `null` is `None`.
type ParseResult = Result<Option<Parsed>, DataError>;

impl<'a> ValueParser<'a> {
    pub(super) fn new(parser: Parser<'a>) -> Self {
        Self { parser }
    }

    fn can_parse_single_token_literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.parser.mark();
        // A literal stands alone at top level ("true}" is a string) but may
        // be followed by a delimiter inside an array or map.
        if self.parser.can_consume(literal) && (embedded || !self.parser.has_next()) {
            return true;
        }
        self.parser.rewind_to(start);
        false
    }

    pub(super) fn parse(&mut self, embedded: bool) -> ParseResult {
        if !self.parser.has_next() {
            return Ok(None);
        }
        if embedded && self.parser.can_consume(QUOTE) {
            return Ok(Some(self.parse_quoted_string()));
        }
        if self.can_parse_single_token_literal(embedded, "null") {
            return Ok(None);
        }
        for (literal, value) in [("true", true), ("false", false)] {
            if self.can_parse_single_token_literal(embedded, literal) {
                return Ok(Some(Parsed::new(
                    primitive(SchemaType::Boolean),
                    JValue::Boolean(value),
                )));
            }
        }
        let start = self.parser.mark();
        let structured = if self.parser.can_consume(ARRAY_BEGIN) {
            Some(self.parse_array())
        } else if self.parser.can_consume(MAP_BEGIN) {
            Some(self.parse_map())
        } else {
            None
        };
        match structured {
            Some(Ok(parsed)) => return Ok(Some(parsed)),
            // Not an array or map after all: read the text as a string.
            Some(Err(_)) => self.parser.rewind_to(start),
            None => {}
        }
        let token = self.parser.next();
        if java_is_blank(token) {
            return Ok(Some(Parsed::string(token)));
        }
        self.parse_next_token(embedded, java_trim(token)).map(Some)
    }

    fn parse_next_token(&mut self, embedded: bool, token: &str) -> Result<Parsed, DataError> {
        let first = token.chars().next().unwrap_or(' ');
        let first_is_digit = java_digit(first).is_some();
        // Temporal types are more restrictive, so they are tried first.
        if first_is_digit && let Some(temporal) = self.parse_multiple_tokens_as_temporal(token) {
            return Ok(temporal);
        }
        if (first_is_digit || first == '+' || first == '-')
            && let Some(number) = parse_as_number(token)
        {
            return Ok(number);
        }
        if embedded {
            return Err(DataError("Failed to parse embedded value".into()));
        }
        // At top level, anything else is the whole text as a string.
        Ok(Parsed::string(self.parser.original))
    }

    fn parse_quoted_string(&mut self) -> Parsed {
        let mut content = String::new();
        while self.parser.has_next() {
            if self.parser.can_consume(QUOTE) {
                break;
            }
            content.push_str(self.parser.next());
        }
        // Quoted text may still be a date, time or timestamp.
        temporal(&content).unwrap_or_else(|| Parsed::string(&content))
    }

    fn parse_array(&mut self) -> Result<Parsed, DataError> {
        let mut result: Vec<Option<JValue>> = Vec::new();
        let mut element_schema = Merger::default();
        while self.parser.has_next() {
            if self.parser.can_consume(ARRAY_END) {
                let schema = match element_schema.common() {
                    Some(common) => {
                        let schema = Arc::new(Schema::array(common.clone()));
                        result = align_list(&common, result)?;
                        schema
                    }
                    None => {
                        // No common schema: every value is null, or the
                        // values have different types.
                        require_schemaless_safe(result.iter().flatten())?;
                        Arc::new(Schema::new(SchemaType::Array))
                    }
                };
                return Ok(Parsed::new(schema, JValue::List(result)));
            }
            if self.parser.can_consume(COMMA) {
                return Err(DataError(format!(
                    "Unable to parse an empty array element: {}",
                    self.parser.original
                )));
            }
            let element = self.parse(true)?;
            element_schema.merge(element.as_ref());
            result.push(element.map(|e| e.value));
            let position = self.parser.mark();
            if self.parser.can_consume(ARRAY_END) {
                self.parser.rewind_to(position);
            } else if !self.parser.can_consume(COMMA) {
                return Err(DataError("Array elements missing ',' delimiter".into()));
            }
        }
        if self.parser.previous() == Some(COMMA) {
            return Err(DataError(format!(
                "Array is missing element after ',': {}",
                self.parser.original
            )));
        }
        Err(DataError(format!(
            "Array is missing terminating ']': {}",
            self.parser.original
        )))
    }

    fn parse_map(&mut self) -> Result<Parsed, DataError> {
        let mut result: Vec<(JValue, Option<JValue>)> = Vec::new();
        let mut key_schema = Merger::default();
        let mut value_schema = Merger::default();
        while self.parser.has_next() {
            if self.parser.can_consume(MAP_END) {
                let schema = match (key_schema.common(), value_schema.common()) {
                    (Some(keys), Some(values)) => {
                        result = align_map(&keys, &values, result)?;
                        Schema::map(keys, values)
                    }
                    (Some(keys), None) => {
                        result = align_map_keys(&keys, result)?;
                        require_schemaless_safe(result.iter().filter_map(|(_, v)| v.as_ref()))?;
                        Schema {
                            key_schema: Some(keys),
                            ..Schema::new(SchemaType::Map)
                        }
                    }
                    _ => {
                        require_schemaless_safe(result.iter().map(|(k, _)| k))?;
                        require_schemaless_safe(result.iter().filter_map(|(_, v)| v.as_ref()))?;
                        Schema::new(SchemaType::Map)
                    }
                };
                return Ok(Parsed::new(Arc::new(schema), JValue::Map(result)));
            }
            if self.parser.can_consume(COMMA) {
                return Err(DataError(format!(
                    "Unable to parse a map entry with no key or value: {}",
                    self.parser.original
                )));
            }
            let key = match self.parse(true)? {
                Some(key) => key,
                None => {
                    return Err(DataError(format!(
                        "Map entry may not have a null key: {}",
                        self.parser.original
                    )));
                }
            };
            if !self.parser.can_consume(ENTRY) {
                return Err(DataError(format!(
                    "Map entry is missing ':' at {} in {}",
                    self.parser.position(),
                    self.parser.original
                )));
            }
            let value = self.parse(true)?;
            put(
                &mut result,
                key.value.clone(),
                value.as_ref().map(|v| v.value.clone()),
            );
            self.parser.can_consume(COMMA);
            key_schema.merge(Some(&key));
            value_schema.merge(value.as_ref());
        }
        if self.parser.previous() == Some(COMMA) {
            return Err(DataError(format!(
                "Map is missing element after ',': {}",
                self.parser.original
            )));
        }
        Err(DataError(format!(
            "Map is missing terminating '}}': {}",
            self.parser.original
        )))
    }

    fn parse_multiple_tokens_as_temporal(&mut self, token: &str) -> Option<Parsed> {
        // A time or timestamp is split into five tokens at its unescaped
        // colons; try them together first.
        let position = self.parser.mark();
        if let Some(remainder) = self.parser.next_n(4)
            && let Some(parsed) = temporal(&format!("{token}{remainder}"))
        {
            return Some(parsed);
        }
        self.parser.rewind_to(position);
        temporal(token)
    }
}

/// `LinkedHashMap.put`: a key already present keeps its place and takes
/// the new value.
pub(super) fn put(map: &mut Vec<(JValue, Option<JValue>)>, key: JValue, value: Option<JValue>) {
    match map.iter_mut().find(|(k, _)| k.java_equals(&key)) {
        Some(entry) => entry.1 = value,
        None => map.push((key, value)),
    }
}

/// A temporal literal, when the text is one Connect can hold.
fn temporal(text: &str) -> Option<Parsed> {
    let (kind, millis) = parse_as_temporal(text)?;
    // A Time is an int of milliseconds; a lenient parse can overflow it.
    if kind == TemporalKind::Time && i32::try_from(millis).is_err() {
        return None;
    }
    Some(Parsed::new(
        temporal_schema(kind),
        JValue::Date { millis, kind },
    ))
}

/// Apache's `parseAsNumber`: the narrowest integer, else a float when it
/// has a fractional part and fits, else a double, else a Decimal.
fn parse_as_number(token: &str) -> Option<Parsed> {
    let decimal = JavaDecimal::parse(token)?;
    if let Some(integral) = decimal.integral_i64() {
        return Some(if let Ok(v) = i8::try_from(integral) {
            Parsed::new(primitive(SchemaType::Int8), JValue::Byte(v))
        } else if let Ok(v) = i16::try_from(integral) {
            Parsed::new(primitive(SchemaType::Int16), JValue::Short(v))
        } else if let Ok(v) = i32::try_from(integral) {
            Parsed::new(primitive(SchemaType::Int32), JValue::Int(v))
        } else {
            Parsed::new(primitive(SchemaType::Int64), JValue::Long(integral))
        });
    }
    let float = decimal.to_f32();
    let double = decimal.to_f64();
    Some(if float.is_finite() && decimal.scale() != 0 {
        Parsed::new(primitive(SchemaType::Float32), JValue::Float(float))
    } else if double.is_finite() && decimal.scale() != 0 {
        Parsed::new(primitive(SchemaType::Float64), JValue::Double(double))
    } else {
        Parsed::new(decimal_schema(decimal.scale()), JValue::Decimal(decimal))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apache's `ValuesTest.assertParsed`: the tokens of `input`.
    fn tokens(input: &str) -> Vec<&str> {
        let mut parser = Parser::new(input);
        let mut out = Vec::new();
        while parser.has_next() {
            out.push(parser.next());
        }
        out
    }

    #[test]
    fn tokenizer_matches_values_test() {
        for plain in [
            "  ",
            "simple",
            "simple string",
            "simple \n\t\u{8}string",
            "'simple' string",
            "si\\mple",
            "si\\\\mple",
            "si\\\"mple",
            "si\\{mple",
            "si\\}mple",
            "si\\]mple",
            "si\\[mple",
            "si\\:mple",
            "si\\,mple",
        ] {
            assert_eq!(tokens(plain), vec![plain]);
        }
        assert_eq!(tokens("a{b"), vec!["a", "{", "b"]);
        assert_eq!(tokens("\"b"), vec!["\"", "b"]);
        assert_eq!(tokens(","), vec![","]);
        assert_eq!(
            tokens("\"simple\" string"),
            vec!["\"", "simple", "\"", " string"]
        );
        assert_eq!(tokens("a { b c } d"), vec!["a ", "{", " b c ", "}", " d"]);
    }

    #[test]
    fn next_n_consumes_all_or_nothing() {
        // Apache's shouldConsumeMultipleTokens.
        let mut parser = Parser::new("a:b:c:d:e:f:g:h");
        assert_eq!(parser.next_n(5), Some("a:b:c"));
        assert_eq!(parser.next(), ":");
        assert_eq!(parser.next(), "d");
        assert_eq!(parser.next(), ":");
        assert_eq!(parser.next_n(8), None);
        assert_eq!(parser.next(), "e");
    }
}
