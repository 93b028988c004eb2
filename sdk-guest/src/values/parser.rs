//! `Values.parseString`: Apache's tokenizer and recursive parser, step for
//! step, because its quirks are its behaviour (`[1, ]` is a list, `12,13`
//! is the number 12, blank tokens inside quotes are dropped, escapes stay
//! in quoted strings) and users compare our headers with Apache's.

use std::sync::Arc;

use crate::{Schema, SchemaType};

use super::date_format::{self, Pattern};
use super::decimal::{BigDecimal, Integral, java_digit};
use super::merge::{SchemaMerger, convert_to};
use super::{
    JMap, JValue, MAX_DEPTH, ParseError, date_schema, decimal_schema, primitive, time_schema,
    timestamp_schema,
};

/// What one step of the parser produced (Java's nullable `SchemaAndValue`).
#[derive(Debug, Clone)]
pub(super) enum Item {
    /// The literal `null` (Java returns no `SchemaAndValue` at all).
    Null,
    /// A string that is the whole original text, with the string schema
    /// (kept apart so the text is not copied).
    Original,
    /// A value and its inferred schema.
    Value(Arc<Schema>, JValue),
}

impl Item {
    fn schema(&self) -> Option<&Arc<Schema>> {
        match self {
            Item::Value(schema, _) => Some(schema),
            _ => None,
        }
    }
}

/// Java's `String.trim()`: drops characters up to U+0020 at both ends.
fn java_trim(s: &str) -> &str {
    // Every character up to U+0020 is one ASCII byte, so byte positions
    // around them are character boundaries.
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|&b| b > b' ').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b > b' ')
        .map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or("")
}

/// The bytes the tokenizer stops at: its delimiters and the backslash.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let chars = b":,{}[]\"\\";
    while i < chars.len() {
        table[chars[i] as usize] = true;
        i += 1;
    }
    table
};

/// Apache's `Utils.isBlank`.
fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b <= b' ')
}

/// `token.trim().equals(expected)` for an `expected` without blanks,
/// trimming only when the token is longer.
fn trimmed_eq(token: &str, expected: &str) -> bool {
    match token.len().cmp(&expected.len()) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => token == expected,
        std::cmp::Ordering::Greater => java_trim(token) == expected,
    }
}

/// `Values.Parser`: splits text into tokens at unescaped `: , { } [ ] "`,
/// each delimiter a token of its own. Positions are byte offsets; every
/// delimiter is ASCII, so they fall on character boundaries.
struct Tokens<'a> {
    original: &'a str,
    index: usize,
    next_token: Option<&'a str>,
}

impl<'a> Tokens<'a> {
    fn new(original: &'a str) -> Self {
        Self {
            original,
            index: 0,
            next_token: None,
        }
    }

    fn mark(&self) -> usize {
        self.index - self.next_token.map_or(0, str::len)
    }

    fn rewind_to(&mut self, position: usize) {
        self.index = position;
        self.next_token = None;
    }

    fn has_next(&self) -> bool {
        self.next_token.is_some() || self.can_consume_next_token()
    }

    fn can_consume_next_token(&self) -> bool {
        self.index < self.original.len()
    }

    fn next(&mut self) -> &'a str {
        match self.next_token.take() {
            Some(token) => token,
            None => self.consume_next_token(),
        }
    }

    /// The text of the next `n` tokens, or `None` (and no move) when there
    /// are fewer.
    fn next_n(&mut self, n: usize) -> Option<&'a str> {
        let current = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(current);
                return None;
            }
            self.next();
        }
        self.original.get(current..self.index)
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.original.get(start..end).unwrap_or("")
    }

    fn consume_next_token(&mut self) -> &'a str {
        let bytes = self.original.as_bytes();
        let start = self.index;
        let mut escaped = false;
        while let Some(&c) = bytes.get(self.index) {
            if !SPECIAL[usize::from(c)] {
                escaped = false;
                self.index += 1;
                continue;
            }
            match c {
                b'\\' => escaped = !escaped,
                b':' | b',' | b'{' | b'}' | b'[' | b']' | b'"' => {
                    if !escaped {
                        if start < self.index {
                            return self.slice(start, self.index);
                        }
                        self.index += 1;
                        return self.slice(start, start + 1);
                    }
                    escaped = false;
                }
                _ => escaped = false,
            }
            self.index += 1;
        }
        self.slice(start, self.index)
    }

    /// Consume the next token if, trimmed, it is `expected`; blank tokens
    /// before it are skipped (and lost) unless they are the last.
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
        while is_blank(token) && self.can_consume_next_token() {
            token = self.consume_next_token();
        }
        self.next_token = Some(token);
        trimmed_eq(token, expected)
    }
}

/// Parse `text` (not empty) as `Values.parseString` does; `None` where
/// Java throws something other than a `DataException`.
pub(super) fn parse_top(text: &str) -> Option<Item> {
    if !text.bytes().any(|b| SPECIAL[usize::from(b)]) {
        return parse_single_token(text);
    }
    // A well-formed time or timestamp and nothing else: the full parser
    // would join its five tokens back into this very text.
    if matches_template(text, b"00:00:00.000Z")
        || matches_template(text, b"0000-00-00T00:00:00.000Z")
    {
        return parse_as_temporal(text);
    }
    let mut parser = ValueParser {
        tokens: Tokens::new(text),
        depth: 0,
    };
    match parser.parse(false) {
        Ok(item) => Some(item),
        // At the top level Java catches every `DataException` itself.
        Err(ParseError::Data) => Some(Item::Original),
        Err(ParseError::Fatal) => None,
    }
}

/// Whether `text` is `template` with every `0` an ASCII digit.
fn matches_template(text: &str, template: &[u8]) -> bool {
    text.len() == template.len()
        && text.bytes().zip(template).all(|(b, &t)| {
            if t == b'0' {
                b.is_ascii_digit()
            } else {
                b == t
            }
        })
}

/// [`parse_top`] for text the tokenizer reads as one token (no delimiter,
/// no backslash), which is most header values: the same steps as the full
/// parser without scanning the text once per step.
fn parse_single_token(text: &str) -> Option<Item> {
    let token = java_trim(text);
    let boolean = |v| Item::Value(primitive(SchemaType::Boolean), JValue::Boolean(v));
    Some(match token {
        "null" => Item::Null,
        "true" => boolean(true),
        "false" => boolean(false),
        "" => Item::Original,
        _ => {
            let first = token.chars().next().unwrap_or(' ');
            let digit = java_digit(first).is_some();
            // With no tokens after it, a time or timestamp is the token alone.
            if digit && let Some(temporal) = parse_as_temporal(token) {
                return Some(temporal);
            }
            if digit || first == '+' || first == '-' {
                match parse_as_number(token) {
                    Ok(Some(number)) => return Some(number),
                    Ok(None) => {}
                    Err(_) => return None,
                }
            }
            Item::Original
        }
    })
}

struct ValueParser<'a> {
    tokens: Tokens<'a>,
    /// How many lists and maps enclose the current position.
    depth: usize,
}

type Step = Result<Item, ParseError>;

impl ValueParser<'_> {
    fn can_parse_single_token_literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.tokens.mark();
        if self.tokens.can_consume(literal) && (embedded || !self.tokens.has_next()) {
            return true;
        }
        self.tokens.rewind_to(start);
        false
    }

    fn parse(&mut self, embedded: bool) -> Step {
        if !self.tokens.has_next() {
            return Ok(Item::Null);
        }
        if embedded && self.tokens.can_consume("\"") {
            return Ok(self.parse_quoted_string());
        }
        if self.can_parse_single_token_literal(embedded, "null") {
            return Ok(Item::Null);
        }
        if self.can_parse_single_token_literal(embedded, "true") {
            return Ok(Item::Value(
                primitive(SchemaType::Boolean),
                JValue::Boolean(true),
            ));
        }
        if self.can_parse_single_token_literal(embedded, "false") {
            return Ok(Item::Value(
                primitive(SchemaType::Boolean),
                JValue::Boolean(false),
            ));
        }
        let start = self.tokens.mark();
        let structured = if self.tokens.can_consume("[") {
            Some(self.nested(Self::parse_array))
        } else if self.tokens.can_consume("{") {
            Some(self.nested(Self::parse_map))
        } else {
            None
        };
        match structured {
            Some(Ok(item)) => return Ok(item),
            // Not a list or map after all: read it as a plain token.
            Some(Err(ParseError::Data)) => self.tokens.rewind_to(start),
            Some(Err(e)) => return Err(e),
            None => {}
        }
        let token = self.tokens.next();
        if is_blank(token) {
            // After a failed list or map the blank token before it is all
            // that is returned (`" {x"` reads as `" "`): Apache's behaviour.
            return Ok(if token.len() == self.tokens.original.len() {
                Item::Original
            } else {
                Item::Value(primitive(SchemaType::String), JValue::Str(token.to_owned()))
            });
        }
        self.parse_next_token(embedded, java_trim(token))
    }

    /// Run `f` one level deeper.
    fn nested(&mut self, f: fn(&mut Self) -> Step) -> Step {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::Fatal);
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn parse_next_token(&mut self, embedded: bool, token: &str) -> Step {
        let first = token.chars().next().unwrap_or(' ');
        let digit = java_digit(first).is_some();
        // Temporal types are more restrictive, so they go first.
        if digit && let Some(temporal) = self.parse_multiple_tokens_as_temporal(token) {
            return Ok(temporal);
        }
        if (digit || first == '+' || first == '-')
            && let Some(number) = parse_as_number(token)?
        {
            return Ok(number);
        }
        if embedded {
            // "Failed to parse embedded value"
            return Err(ParseError::Data);
        }
        Ok(Item::Original)
    }

    fn parse_quoted_string(&mut self) -> Item {
        let mut content = String::new();
        while self.tokens.has_next() {
            if self.tokens.can_consume("\"") {
                break;
            }
            content.push_str(self.tokens.next());
        }
        // Quoted text may be a date, time or timestamp; nothing else.
        parse_as_temporal(&content)
            .unwrap_or_else(|| Item::Value(primitive(SchemaType::String), JValue::Str(content)))
    }

    fn parse_array(&mut self) -> Step {
        let mut result: Vec<JValue> = Vec::new();
        let mut element_schema = SchemaMerger::default();
        while self.tokens.has_next() {
            if self.tokens.can_consume("]") {
                return Ok(match element_schema.common {
                    Some(common) => {
                        let schema = Arc::new(Schema::array(common.clone()));
                        let aligned = result
                            .into_iter()
                            .map(|v| convert_to(&common, v))
                            .collect::<Result<Vec<_>, _>>()?;
                        Item::Value(schema, JValue::List(aligned))
                    }
                    // Every value is null, or they have no common schema.
                    None => Item::Value(
                        Arc::new(Schema::new(SchemaType::Array)),
                        JValue::List(result),
                    ),
                });
            }
            if self.tokens.can_consume(",") {
                // "Unable to parse an empty array element"
                return Err(ParseError::Data);
            }
            let element = self.parse(true)?;
            element_schema.merge(element.schema());
            result.push(match element {
                Item::Value(_, v) => v,
                _ => JValue::Null,
            });
            let current = self.tokens.mark();
            if self.tokens.can_consume("]") {
                self.tokens.rewind_to(current);
            } else if !self.tokens.can_consume(",") {
                // "Array elements missing ',' delimiter"
                return Err(ParseError::Data);
            }
        }
        // "Array is missing element after ','" or "… terminating ']'"
        Err(ParseError::Data)
    }

    fn parse_map(&mut self) -> Step {
        let mut result = JMap::default();
        let mut key_schema = SchemaMerger::default();
        let mut value_schema = SchemaMerger::default();
        while self.tokens.has_next() {
            if self.tokens.can_consume("}") {
                return Ok(match (key_schema.common, value_schema.common) {
                    (Some(keys), Some(values)) => {
                        let schema = Arc::new(Schema::map(keys.clone(), values.clone()));
                        let mut aligned = JMap::default();
                        for (k, v) in result.entries {
                            aligned.put(convert_to(&keys, k)?, convert_to(&values, v)?);
                        }
                        Item::Value(schema, JValue::Map(aligned.entries))
                    }
                    (Some(keys), None) => {
                        let mut schema = Schema::new(SchemaType::Map);
                        schema.key_schema = Some(keys.clone());
                        let mut aligned = JMap::default();
                        for (k, v) in result.entries {
                            aligned.put(convert_to(&keys, k)?, v);
                        }
                        Item::Value(Arc::new(schema), JValue::Map(aligned.entries))
                    }
                    _ => Item::Value(
                        Arc::new(Schema::new(SchemaType::Map)),
                        JValue::Map(result.entries),
                    ),
                });
            }
            if self.tokens.can_consume(",") {
                // "Unable to parse a map entry with no key or value"
                return Err(ParseError::Data);
            }
            let key = self.parse(true)?;
            let Item::Value(key_item_schema, key_value) = key else {
                // "Map entry may not have a null key"
                return Err(ParseError::Data);
            };
            if !self.tokens.can_consume(":") {
                // "Map entry is missing ':'"
                return Err(ParseError::Data);
            }
            let value = self.parse(true)?;
            let value_item_schema = value.schema().cloned();
            result.put(
                key_value,
                match value {
                    Item::Value(_, v) => v,
                    _ => JValue::Null,
                },
            );
            self.tokens.can_consume(",");
            key_schema.merge(Some(&key_item_schema));
            value_schema.merge(value_item_schema.as_ref());
        }
        // "Map is missing element after ','" or "… terminating '}'"
        Err(ParseError::Data)
    }

    /// A time or timestamp is split into five tokens at its unescaped
    /// colons; try those first, then the token alone.
    fn parse_multiple_tokens_as_temporal(&mut self, token: &str) -> Option<Item> {
        let position = self.tokens.mark();
        // The joined text must be 10, 13 or 24 UTF-16 units long, so at
        // least 10 bytes.
        if let Some(remainder) = self.tokens.next_n(4)
            && token.len() + remainder.len() >= 10
            && let Some(temporal) = parse_as_temporal(&format!("{token}{remainder}"))
        {
            return Some(temporal);
        }
        self.tokens.rewind_to(position);
        parse_as_temporal(token)
    }
}

/// `Values.parseAsTemporal`: the pattern is chosen by length alone (in
/// UTF-16 units, as Java counts).
fn parse_as_temporal(token: &str) -> Option<Item> {
    let unescaped;
    let token = if token.contains("\\:") {
        unescaped = token.replace("\\:", ":");
        unescaped.as_str()
    } else {
        token
    };
    let (pattern, schema) = match token.encode_utf16().count() {
        13 => (Pattern::Time, time_schema()),
        24 => (Pattern::Timestamp, timestamp_schema()),
        10 => (Pattern::Date, date_schema()),
        _ => return None,
    };
    date_format::parse(token, pattern).map(|millis| Item::Value(schema, JValue::Date(millis)))
}

/// `Values.parseAsNumber`: the smallest integer type that holds an integral
/// value, else a finite float with a non-zero scale, else a finite double,
/// else a `Decimal` of the number's own scale. `None` for what
/// `new BigDecimal` rejects.
fn parse_as_number(token: &str) -> Result<Option<Item>, ParseError> {
    // Plain integers of up to 18 digits, the common case, need no decimal.
    let unsigned = token.strip_prefix(['-', '+']).unwrap_or(token);
    if !unsigned.is_empty() && unsigned.len() <= 18 && unsigned.bytes().all(|b| b.is_ascii_digit())
    {
        let magnitude = unsigned
            .bytes()
            .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
        let integral = if token.starts_with('-') {
            -magnitude
        } else {
            magnitude
        };
        return Ok(Some(smallest_integer(integral)));
    }
    let Some(decimal) = BigDecimal::parse(token) else {
        return Ok(None);
    };
    // `setScale(0)` computes 10^|scale|, which `BigInteger.pow` refuses with
    // an ArithmeticException past its size limit.
    if !decimal.is_zero() && decimal.scale().unsigned_abs() > POW_TEN_LIMIT {
        return Err(ParseError::Fatal);
    }
    if let Integral::Long(integral) = decimal.integral() {
        return Ok(Some(smallest_integer(integral)));
    }
    if decimal.scale() != 0 {
        let float = decimal.to_f32();
        if float.is_finite() {
            return Ok(Some(Item::Value(
                primitive(SchemaType::Float32),
                JValue::Float(float),
            )));
        }
        let double = decimal.to_f64();
        if double.is_finite() {
            return Ok(Some(Item::Value(
                primitive(SchemaType::Float64),
                JValue::Double(double),
            )));
        }
    }
    Ok(Some(Item::Value(
        decimal_schema(decimal.scale()),
        JValue::Decimal(decimal),
    )))
}

/// An integer in the smallest of int8, int16, int32 and int64 that holds it.
fn smallest_integer(integral: i64) -> Item {
    if let Ok(v) = i8::try_from(integral) {
        Item::Value(primitive(SchemaType::Int8), JValue::Byte(v))
    } else if let Ok(v) = i16::try_from(integral) {
        Item::Value(primitive(SchemaType::Int16), JValue::Short(v))
    } else if let Ok(v) = i32::try_from(integral) {
        Item::Value(primitive(SchemaType::Int32), JValue::Int(v))
    } else {
        Item::Value(primitive(SchemaType::Int64), JValue::Long(integral))
    }
}

/// The largest power of ten `BigInteger.TEN.pow` computes: it refuses when
/// `bitLength(10) × n / 32` (4n/32) passes `MAX_MAG_LENGTH` (2^26 words).
const POW_TEN_LIMIT: u32 = 536_870_919;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{DATE, TIME, TIMESTAMP};

    /// Apache's `ValuesTest.assertParsed`: the tokens of `input`.
    fn tokens(input: &str) -> Vec<&str> {
        let mut tokens = Tokens::new(input);
        let mut out = Vec::new();
        while tokens.has_next() {
            out.push(tokens.next());
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
    fn trim_and_blank_follow_java() {
        assert_eq!(java_trim("\u{1}\t x \u{0}"), "x");
        assert_eq!(java_trim("\u{A0}x"), "\u{A0}x");
        assert!(is_blank(" \n\t"));
    }

    #[test]
    fn next_n_consumes_all_or_nothing() {
        // Apache's shouldConsumeMultipleTokens.
        let mut tokens = Tokens::new("a:b:c:d:e:f:g:h");
        assert_eq!(tokens.next_n(5), Some("a:b:c"));
        assert_eq!(tokens.next(), ":");
        assert_eq!(tokens.next(), "d");
        assert_eq!(tokens.next(), ":");
        assert_eq!(tokens.next_n(8), None);
        assert_eq!(tokens.next(), "e");
    }

    const ONE_DAY: i64 = 86_400_000;

    /// Apache's `parseAsTemporal`: the logical type and the instant.
    fn parse(token: &str) -> Option<(&'static str, i64)> {
        match parse_as_temporal(token)? {
            Item::Value(schema, JValue::Date(millis)) => {
                let kind = match schema.name.as_deref() {
                    Some(DATE) => DATE,
                    Some(TIME) => TIME,
                    Some(TIMESTAMP) => TIMESTAMP,
                    other => panic!("{token}: a temporal schema named {other:?}"),
                };
                Some((kind, millis))
            }
            other => panic!("{token}: {other:?}"),
        }
    }

    #[test]
    fn iso_literals() {
        // Values the JDK gives for the same text (UTC).
        assert_eq!(
            parse("2019-08-23T14:34:54.346Z"),
            Some((TIMESTAMP, 1_566_570_894_346))
        );
        assert_eq!(parse("2019-08-23"), Some((DATE, 1_566_518_400_000)));
        assert_eq!(parse("14:34:54.346Z"), Some((TIME, 52_494_346)));
        assert_eq!(parse("14\\:34\\:54.346Z"), Some((TIME, 52_494_346)));
        assert_eq!(parse("1970-01-01"), Some((DATE, 0)));
    }

    #[test]
    fn lenient_quirks() {
        // Fields overflow.
        assert_eq!(parse("2021-02-30"), parse("2021-03-02"));
        assert_eq!(parse("2020-13-01"), parse("2021-01-01"));
        // Text after a complete match is ignored.
        assert_eq!(parse("2020-1-1xx"), parse("2020-01-01"));
        // Not a date: the year swallows every digit, then '-' is missing.
        assert_eq!(parse("1234567890"), None);
        assert_eq!(parse("2019-08-2x"), Some((DATE, 1_564_704_000_000)));
        assert_eq!(parse("ab-cd-efgh"), None);
        // Julian before the cutover: 1582-10-04 is followed by 1582-10-15.
        let (_, oct4) = parse("1582-10-04").unwrap();
        let (_, oct15) = parse("1582-10-15").unwrap();
        assert_eq!(oct15 - oct4, ONE_DAY);
        assert_eq!(parse("0001-01-01"), Some((DATE, -62_135_769_600_000)));
    }
}
