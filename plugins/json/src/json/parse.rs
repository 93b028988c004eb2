//! A JSON reader that accepts exactly what Apache's `JsonDeserializer`
//! (Jackson's `ObjectMapper.readTree` with `ALLOW_LEADING_ZEROS_FOR_NUMBERS`)
//! accepts, and keeps what Jackson's tree keeps: whether an integer fits an
//! `int`, a `long` or only a `BigInteger`, the exact text of decimals (Apache
//! reads them as `BigDecimal`), and objects with duplicate keys collapsed
//! the way `ObjectNode` collapses them.
//!
//! serde_json cannot be used: it rejects leading zeros (`0012`), which
//! Apache accepts, and it would need `arbitrary_precision` (a feature that
//! would leak into the host through workspace feature unification) to keep
//! decimals exact.
//!
//! The document is an arena of [`JNode`]s in preorder, reused between
//! records so parsing does not allocate once the buffers have grown.

use super::encoding::transcode;
use super::parser::Parser;

/// What a node is, as Jackson's `JsonNode` subclasses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JKind {
    /// `MissingNode`: what Jackson returns for an empty document.
    Missing,
    /// `NullNode`.
    Null,
    /// `BooleanNode`.
    Bool,
    /// `IntNode`: an integer literal that fits an `int`.
    Int,
    /// `LongNode`: an integer literal that fits a `long` but not an `int`.
    Long,
    /// `BigIntegerNode`: an integer literal beyond a `long`.
    BigInt,
    /// `DecimalNode`: any literal with a fraction or an exponent.
    Decimal,
    /// `TextNode`.
    Str,
    /// `ArrayNode`.
    Arr,
    /// `ObjectNode`.
    Obj,
    /// The envelope's `schema` member, skipped because its text equals a
    /// schema seen before (see [`Doc::parse`]).
    Known,
}

impl JKind {
    /// Jackson's `JsonNodeType` name, which Apache puts in messages.
    pub fn type_name(self) -> &'static str {
        match self {
            JKind::Missing => "MISSING",
            JKind::Null => "NULL",
            JKind::Bool => "BOOLEAN",
            JKind::Int | JKind::Long | JKind::BigInt | JKind::Decimal => "NUMBER",
            JKind::Str => "STRING",
            JKind::Arr => "ARRAY",
            JKind::Obj | JKind::Known => "OBJECT",
        }
    }
}

/// The key was decoded into [`Doc::esc`] (it had escapes).
pub(super) const KEY_ESCAPED: u8 = 1;
/// The string was decoded into [`Doc::esc`].
pub(super) const TEXT_ESCAPED: u8 = 2;
/// The object has duplicate keys.
pub(super) const DUPLICATES: u8 = 4;

/// One node of the document.
#[derive(Debug, Clone, Copy)]
pub struct JNode {
    /// What it is.
    pub kind: JKind,
    pub(super) flags: u8,
    /// Its key, when it is a member of an object.
    pub(super) key: (u32, u32),
    /// Strings and numbers: start of the text; containers: member count.
    pub(super) a: u32,
    /// Strings and numbers: length of the text.
    pub(super) b: u32,
    /// Index of the node after this node's subtree.
    pub end: u32,
    /// Where the value's text starts and stops in the source.
    pub(super) extent: (u32, u32),
    /// Booleans: 0 or 1; `Int`/`Long`: the value; objects: distinct keys.
    pub int: i64,
}

/// Why a document could not be read, worded like Jackson's exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// The result of reading.
pub(super) type Res<T> = Result<T, ParseError>;

/// A parsed document: nodes plus the decoded text of escaped strings.
#[derive(Debug, Default)]
pub struct Doc {
    nodes: Vec<JNode>,
    esc: Vec<u8>,
    /// Text converted from UTF-16/32 input (Jackson detects encodings).
    transcoded: Vec<u8>,
    /// Whether the last parse read `transcoded` rather than the input.
    used_transcoded: bool,
}

/// A parsed document together with the text it was parsed from.
#[derive(Clone, Copy)]
pub struct Json<'a> {
    /// The text (the input, or the input transcoded to UTF-8).
    pub src: &'a [u8],
    doc: &'a Doc,
    /// Whether `src` is the original input (spans are input offsets).
    pub src_is_input: bool,
}

impl Doc {
    /// Parse `input` as `readTree` would. `known`: the text of a schema
    /// seen before; when the root object's `schema` member starts with
    /// exactly that text it is not parsed again but kept as a
    /// [`JKind::Known`] node (a JSON object's extent depends only on its
    /// own bytes, so equal text means an equal value).
    pub fn parse<'a>(&'a mut self, input: &'a [u8], known: Option<&[u8]>) -> Res<Json<'a>> {
        self.nodes.clear();
        self.esc.clear();
        self.used_transcoded = false;
        let mut text = input;
        if let Some(rest) = input.strip_prefix(b"\xEF\xBB\xBF") {
            text = rest;
        } else if let Some(decoded) = transcode(input)? {
            self.transcoded = decoded;
            self.used_transcoded = true;
        }
        if self.used_transcoded {
            let mut p = Parser {
                src: &self.transcoded,
                utf8: true,
                pos: 0,
                nodes: &mut self.nodes,
                esc: &mut self.esc,
                known,
            };
            p.root()?;
        } else {
            let mut p = Parser {
                src: text,
                // Most JSON is ASCII, which a word-at-a-time scan confirms quickly.
                utf8: simdutf8::basic::from_utf8(text).is_ok(),
                pos: 0,
                nodes: &mut self.nodes,
                esc: &mut self.esc,
                known,
            };
            p.root()?;
        }
        let src: &[u8] = if self.used_transcoded {
            &self.transcoded
        } else {
            text
        };
        Ok(Json {
            src,
            doc: self,
            src_is_input: !self.used_transcoded,
        })
    }
}

/// The byte offset of the parsed text within the input (a BOM is skipped).
pub fn text_offset(input: &[u8]) -> usize {
    if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

impl<'a> Json<'a> {
    /// The root node's index.
    pub fn root(&self) -> usize {
        0
    }

    /// Node `i`.
    #[inline]
    pub fn node(&self, i: usize) -> JNode {
        self.doc.nodes.get(i).copied().unwrap_or_else(|| JNode {
            kind: JKind::Missing,
            flags: 0,
            key: (0, 0),
            a: 0,
            b: 0,
            end: i as u32 + 1,
            extent: (0, 0),
            int: 0,
        })
    }

    /// The kind of node `i`.
    pub fn kind(&self, i: usize) -> JKind {
        self.node(i).kind
    }

    /// Whether Jackson's `isNull()` holds (a missing node is not null).
    pub fn is_null(&self, i: usize) -> bool {
        self.kind(i) == JKind::Null
    }

    /// A string's (or number's) bytes.
    pub fn text(&self, i: usize) -> &'a [u8] {
        let n = self.node(i);
        let buf = if n.flags & TEXT_ESCAPED != 0 {
            &self.doc.esc
        } else {
            self.src
        };
        buf.get(n.a as usize..(n.a + n.b) as usize).unwrap_or(&[])
    }

    /// A string as `&str` (validated when parsed).
    pub fn str(&self, i: usize) -> &'a str {
        std::str::from_utf8(self.text(i)).unwrap_or("")
    }

    /// Where an unescaped string's text lies in `src`, so it can be
    /// referred to rather than copied; `None` when it was decoded.
    pub fn raw_span(&self, i: usize) -> Option<(usize, usize)> {
        let n = self.node(i);
        (n.kind == JKind::Str && n.flags & TEXT_ESCAPED == 0)
            .then_some((n.a as usize, n.b as usize))
    }

    /// The source text of a value (for a [`JKind::Known`] node: the text
    /// that matched the known schema).
    pub fn span_text(&self, i: usize) -> &'a [u8] {
        let (start, stop) = self.node(i).extent;
        self.src.get(start as usize..stop as usize).unwrap_or(&[])
    }

    /// A member's key.
    pub fn key(&self, i: usize) -> &'a [u8] {
        let n = self.node(i);
        let buf = if n.flags & KEY_ESCAPED != 0 {
            &self.doc.esc
        } else {
            self.src
        };
        buf.get(n.key.0 as usize..(n.key.0 + n.key.1) as usize)
            .unwrap_or(&[])
    }

    /// Where an unescaped member key lies in `src`; `None` when decoded.
    pub fn raw_key_span(&self, i: usize) -> Option<(usize, usize)> {
        let n = self.node(i);
        (n.flags & KEY_ESCAPED == 0).then_some((n.key.0 as usize, n.key.1 as usize))
    }

    /// A member's key as `&str`.
    pub fn key_str(&self, i: usize) -> &'a str {
        std::str::from_utf8(self.key(i)).unwrap_or("")
    }

    /// The children of an array or object, in document order (an object's
    /// duplicates included; see [`Json::entries`]).
    pub fn children(&self, i: usize) -> Children<'_, 'a> {
        let n = self.node(i);
        let count = match n.kind {
            JKind::Arr | JKind::Obj => n.a as usize,
            _ => 0,
        };
        Children {
            json: self,
            next: i + 1,
            left: count,
        }
    }

    /// Jackson's `size()`: elements of an array, distinct keys of an object.
    pub fn size(&self, i: usize) -> usize {
        let n = self.node(i);
        match n.kind {
            JKind::Arr => n.a as usize,
            JKind::Obj => n.int as usize,
            _ => 0,
        }
    }

    /// An object's members as `ObjectNode` holds them: each key once, at
    /// its first position, with its last value (as many as [`Json::size`]).
    /// Allocates only when the object has duplicate keys.
    pub fn members(&self, i: usize) -> Members<'_, 'a> {
        if self.node(i).flags & DUPLICATES == 0 {
            return Members::Direct(self.children(i));
        }
        let mut kept: Vec<usize> = Vec::with_capacity(self.size(i));
        for member in self.children(i) {
            let key = self.key(member);
            match kept.iter_mut().find(|k| self.key(**k) == key) {
                Some(slot) => *slot = member,
                None => kept.push(member),
            }
        }
        Members::Deduped(kept.into_iter())
    }

    /// Jackson's `get(name)` on an object: the last member with that key.
    pub fn get(&self, i: usize, name: &str) -> Option<usize> {
        self.get_from(i, name, None)
    }

    /// [`Json::get`], trying member node `guess` first: a struct's fields
    /// are usually written in order, so the member after the previous
    /// field's is usually the next field's.
    pub fn get_from(&self, i: usize, name: &str, guess: Option<usize>) -> Option<usize> {
        let n = self.node(i);
        if n.kind != JKind::Obj {
            return None;
        }
        let unique = n.flags & DUPLICATES == 0;
        if unique
            && let Some(g) = guess.filter(|g| *g > i && *g < n.end as usize)
            && bytes_eq(self.key(g), name.as_bytes())
        {
            return Some(g);
        }
        let mut found = None;
        for member in self.children(i) {
            if bytes_eq(self.key(member), name.as_bytes()) {
                found = Some(member);
                if unique {
                    break;
                }
            }
        }
        found
    }
}

/// Byte-slice equality: the comparison the reader does for every struct
/// field and for the envelope's repeated schema.
pub use super::scan::bytes_eq;

/// Iterator over a container's child node indexes.
pub struct Children<'j, 'a> {
    json: &'j Json<'a>,
    next: usize,
    left: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let current = self.next;
        self.next = self.json.node(current).end as usize;
        Some(current)
    }
}

/// Iterator over an object's distinct members (see [`Json::members`]).
pub enum Members<'j, 'a> {
    /// No duplicates: the children as they are.
    Direct(Children<'j, 'a>),
    /// Duplicates resolved.
    Deduped(std::vec::IntoIter<usize>),
}

impl Iterator for Members<'_, '_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        match self {
            Members::Direct(c) => c.next(),
            Members::Deduped(d) => d.next(),
        }
    }
}
