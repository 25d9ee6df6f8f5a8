//! The PDF object model (ISO 32000-1 §7.3).
//!
//! Values read from a file remember where they came from: every value inside an array or a
//! dictionary carries its byte [`Span`] in the file, and an [`IndirectObject`] carries the
//! span of the whole `N G obj … endobj` and of its value. Values built by a caller (for the
//! writer) have no span. Values read from inside an object stream have no file span either:
//! their bytes exist only after decompression.
//!
//! Streams do not hold their data: a [`Stream`] read from a file records where the data lies,
//! and [`super::Document::stream_data_raw`] / [`super::Document::stream_data_decoded`] fetch
//! it on demand.

use std::fmt;

/// A half-open byte range `start..end` of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u64,
    /// Offset just after the last byte.
    pub end: u64,
}

impl Span {
    /// A span from `start` to `end` (half-open).
    pub fn new(start: u64, end: u64) -> Self {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// A reference to an indirect object: object number and generation (`12 0 R`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// Object number (positive).
    pub num: u32,
    /// Generation number.
    pub generation: u16,
}

impl ObjRef {
    /// The reference `num generation R`.
    pub fn new(num: u32, generation: u16) -> Self {
        ObjRef { num, generation }
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.num, self.generation)
    }
}

/// A name object, stored decoded (`/A#20B` is the three bytes `A B`), without the slash.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Vec<u8>);

impl Name {
    /// A name from its decoded bytes (without the leading slash).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Name(bytes.into())
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The name as UTF-8 text, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", String::from_utf8_lossy(&self.0))
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(s.as_bytes().to_vec())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// A string object: its bytes (escapes resolved), and whether it was written in hex.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PdfString {
    /// The string's bytes after decoding escapes or hex digits.
    pub bytes: Vec<u8>,
    /// Whether the string was (or is to be) written as `<hex>` rather than `(literal)`.
    pub hex: bool,
}

impl PdfString {
    /// A string written as a literal `( … )`.
    pub fn literal(bytes: impl Into<Vec<u8>>) -> Self {
        PdfString {
            bytes: bytes.into(),
            hex: false,
        }
    }

    /// A string written in hex `< … >`.
    pub fn hex(bytes: impl Into<Vec<u8>>) -> Self {
        PdfString {
            bytes: bytes.into(),
            hex: true,
        }
    }

    /// A string holding `text` as a text string: printable ASCII as is, anything else as
    /// UTF-16BE with a byte order mark (written in hex).
    pub fn from_text(text: &str) -> Self {
        let bytes = super::text::encode_text_string(text);
        let hex = bytes.starts_with(&[0xFE, 0xFF]);
        PdfString { bytes, hex }
    }

    /// Decodes a text string (ISO 32000-1 §7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM
    /// (PDF 2.0), else PDFDocEncoding.
    pub fn to_text(&self) -> String {
        super::text::decode_text_string(&self.bytes)
    }
}

impl fmt::Debug for PdfString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hex {
            write!(f, "<{}>", hex::encode(&self.bytes))
        } else {
            write!(
                f,
                "({})",
                String::from_utf8_lossy(&self.bytes).escape_debug()
            )
        }
    }
}

/// An array; items read from a file remember their spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Array {
    items: Vec<Object>,
    spans: Vec<Option<Span>>,
}

impl Array {
    /// An empty array.
    pub fn new() -> Self {
        Array::default()
    }

    /// Appends an item without a span.
    pub fn push(&mut self, item: impl Into<Object>) {
        self.items.push(item.into());
        self.spans.push(None);
    }

    pub(crate) fn push_spanned(&mut self, item: Object, span: Option<Span>) {
        self.items.push(item);
        self.spans.push(span);
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the array has no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item at `index`.
    pub fn get(&self, index: usize) -> Option<&Object> {
        self.items.get(index)
    }

    /// The file span of the item at `index`, when it was read from a file.
    pub fn span(&self, index: usize) -> Option<Span> {
        self.spans.get(index).copied().flatten()
    }

    /// The items in order.
    pub fn items(&self) -> &[Object] {
        &self.items
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, Object> {
        self.items.iter()
    }
}

impl From<Vec<Object>> for Array {
    fn from(items: Vec<Object>) -> Self {
        let spans = vec![None; items.len()];
        Array { items, spans }
    }
}

impl<'a> IntoIterator for &'a Array {
    type Item = &'a Object;
    type IntoIter = std::slice::Iter<'a, Object>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// One entry of a [`Dictionary`].
#[derive(Debug, Clone, PartialEq)]
pub struct DictEntry {
    /// The key.
    pub key: Name,
    /// The value, as written (a `null` value is kept here).
    pub value: Object,
    /// The value's byte span in the file, when read from a file.
    pub span: Option<Span>,
}

/// A dictionary. Entries keep their original order; keys are unique (a file with a repeated
/// key is rejected, since readers disagree about which one counts).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dictionary {
    entries: Vec<DictEntry>,
}

impl Dictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        Dictionary::default()
    }

    /// The value for `key`, or `None` when absent or `null` (ISO 32000-1 §7.3.7: a `null`
    /// value is the same as no entry).
    pub fn get(&self, key: &str) -> Option<&Object> {
        self.entry(key)
            .map(|e| &e.value)
            .filter(|v| !matches!(v, Object::Null))
    }

    /// The whole entry for `key`, including its span and a `null` value.
    pub fn entry(&self, key: &str) -> Option<&DictEntry> {
        self.entries.iter().find(|e| e.key == *key)
    }

    /// The file span of the value for `key`, when read from a file.
    pub fn span(&self, key: &str) -> Option<Span> {
        self.entry(key).and_then(|e| e.span)
    }

    /// Whether `key` has a non-null value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`: replaces the value in place when the key exists (keeping the
    /// order), else appends.
    pub fn set(&mut self, key: impl Into<Name>, value: impl Into<Object>) {
        let key = key.into();
        let value = value.into();
        if let Some(e) = self.entries.iter_mut().find(|e| e.key == key) {
            e.value = value;
            e.span = None;
        } else {
            self.entries.push(DictEntry {
                key,
                value,
                span: None,
            });
        }
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Object> {
        let i = self.entries.iter().position(|e| e.key == *key)?;
        Some(self.entries.remove(i).value)
    }

    /// Number of entries (including `null` ones).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in their original order.
    pub fn entries(&self) -> &[DictEntry] {
        &self.entries
    }

    /// Iterates over `(key, value)` pairs in order, including `null` values.
    pub fn iter(&self) -> impl Iterator<Item = (&Name, &Object)> {
        self.entries.iter().map(|e| (&e.key, &e.value))
    }

    /// The value for `key` if it is a name.
    pub fn get_name(&self, key: &str) -> Option<&Name> {
        self.get(key).and_then(Object::as_name)
    }

    /// The value for `key` if it is an integer.
    pub fn get_int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Object::as_int)
    }

    /// The value for `key` if it is a reference.
    pub fn get_ref(&self, key: &str) -> Option<ObjRef> {
        self.get(key).and_then(Object::as_ref)
    }

    /// Whether `/key` is the name `name`.
    pub fn is_name(&self, key: &str, name: &str) -> bool {
        self.get_name(key).is_some_and(|n| n == name)
    }

    /// Appends an entry read from a file; the caller has checked that the key is new.
    pub(crate) fn push_spanned(&mut self, key: Name, value: Object, span: Option<Span>) {
        self.entries.push(DictEntry { key, value, span });
    }
}

/// Where a stream's data is.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamData {
    /// In the file: `length` bytes from `offset` (after the `stream` keyword's end of line).
    InFile {
        /// Offset of the first data byte.
        offset: u64,
        /// Number of data bytes (the resolved `/Length`).
        length: u64,
    },
    /// Held in memory: a stream built by a caller for the writer.
    Owned(Vec<u8>),
}

/// A stream: its dictionary and where its (still encoded) data is.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// The stream dictionary.
    pub dict: Dictionary,
    /// The encoded data's location or bytes.
    pub data: StreamData,
}

impl Stream {
    /// A stream to write, with the given dictionary and already encoded data. The writer sets
    /// `/Length` itself.
    pub fn new(dict: Dictionary, data: Vec<u8>) -> Self {
        Stream {
            dict,
            data: StreamData::Owned(data),
        }
    }

    /// The data's span in the file, for a stream read from a file.
    pub fn data_span(&self) -> Option<Span> {
        match self.data {
            StreamData::InFile { offset, length } => {
                Some(Span::new(offset, offset.saturating_add(length)))
            }
            StreamData::Owned(_) => None,
        }
    }
}

/// Fixed-width bytes that the writer emits verbatim and whose final position it reports.
///
/// A signer reserves room for values known only after the file is laid out: the
/// `/Contents <00…00>` of a signature dictionary and its `/ByteRange [ … ]`. It puts a
/// `Placeholder` where the value goes; [`super::IncrementalWriter::finish`] reports the exact
/// file span of each placeholder (by `tag`), and the signer overwrites those bytes later with
/// a value of the same length (see [`super::fill_hex_string`], [`super::fill_int_array`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The caller's name for this placeholder, reported back with its span.
    pub tag: u32,
    /// The exact bytes written; they must form one valid PDF object.
    pub bytes: Vec<u8>,
}

impl Placeholder {
    /// A hex string of `capacity` zero bytes: `<` then `2 × capacity` zeros then `>`.
    /// Its span is the `/ByteRange` gap of a signature (delimiters included).
    pub fn hex_string(tag: u32, capacity: usize) -> Self {
        let mut bytes = Vec::with_capacity(2 * capacity + 2);
        bytes.push(b'<');
        bytes.resize(2 * capacity + 1, b'0');
        bytes.push(b'>');
        Placeholder { tag, bytes }
    }

    /// An array of four integers, each `digits` digits wide, all zero:
    /// `[0000000000 0000000000 0000000000 0000000000]` for 10 digits.
    pub fn int_array4(tag: u32, digits: usize) -> Self {
        let digits = digits.max(1);
        let mut bytes = Vec::with_capacity(4 * (digits + 1) + 1);
        bytes.push(b'[');
        for i in 0..4 {
            if i > 0 {
                bytes.push(b' ');
            }
            bytes.resize(bytes.len() + digits, b'0');
        }
        bytes.push(b']');
        Placeholder { tag, bytes }
    }
}

/// A PDF object.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real number.
    Real(f64),
    /// A literal or hex string.
    String(PdfString),
    /// A name.
    Name(Name),
    /// An array.
    Array(Array),
    /// A dictionary.
    Dict(Dictionary),
    /// A stream (only as the value of an indirect object).
    Stream(Stream),
    /// A reference to an indirect object.
    Ref(ObjRef),
    /// Fixed bytes for the writer (never produced by the reader).
    Placeholder(Placeholder),
}

impl Object {
    /// The integer value.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The numeric value of an integer or real.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Object::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The name.
    pub fn as_name(&self) -> Option<&Name> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The string.
    pub fn as_string(&self) -> Option<&PdfString> {
        match self {
            Object::String(s) => Some(s),
            _ => None,
        }
    }

    /// The array.
    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The dictionary, or a stream's dictionary.
    pub fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    /// The stream.
    pub fn as_stream(&self) -> Option<&Stream> {
        match self {
            Object::Stream(s) => Some(s),
            _ => None,
        }
    }

    /// The reference.
    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Object::Null)
    }

    /// A short name of the kind of object, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Null => "null",
            Object::Bool(_) => "boolean",
            Object::Int(_) => "integer",
            Object::Real(_) => "real",
            Object::String(_) => "string",
            Object::Name(_) => "name",
            Object::Array(_) => "array",
            Object::Dict(_) => "dictionary",
            Object::Stream(_) => "stream",
            Object::Ref(_) => "reference",
            Object::Placeholder(_) => "placeholder",
        }
    }
}

impl From<bool> for Object {
    fn from(v: bool) -> Self {
        Object::Bool(v)
    }
}
impl From<i64> for Object {
    fn from(v: i64) -> Self {
        Object::Int(v)
    }
}
impl From<f64> for Object {
    fn from(v: f64) -> Self {
        Object::Real(v)
    }
}
impl From<Name> for Object {
    fn from(v: Name) -> Self {
        Object::Name(v)
    }
}
impl From<PdfString> for Object {
    fn from(v: PdfString) -> Self {
        Object::String(v)
    }
}
impl From<Array> for Object {
    fn from(v: Array) -> Self {
        Object::Array(v)
    }
}
impl From<Dictionary> for Object {
    fn from(v: Dictionary) -> Self {
        Object::Dict(v)
    }
}
impl From<Stream> for Object {
    fn from(v: Stream) -> Self {
        Object::Stream(v)
    }
}
impl From<ObjRef> for Object {
    fn from(v: ObjRef) -> Self {
        Object::Ref(v)
    }
}
impl From<Placeholder> for Object {
    fn from(v: Placeholder) -> Self {
        Object::Placeholder(v)
    }
}

/// Where an indirect object was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// Uncompressed, at this file offset (the start of `N G obj`).
    Offset(u64),
    /// Inside the object stream `stream`, at position `index`.
    InObjectStream {
        /// The object stream's object number.
        stream: u32,
        /// The object's index inside the stream.
        index: u32,
    },
}

/// An indirect object as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct IndirectObject {
    /// Its object number and generation.
    pub id: ObjRef,
    /// Its value (a stream's data is not loaded).
    pub object: Object,
    /// Where it was read from.
    pub location: Location,
    /// For an uncompressed object, the span of `N G obj … endobj` in the file.
    pub span: Option<Span>,
    /// For an uncompressed object, the span of its value (for a stream: the dictionary
    /// through `endstream`).
    pub value_span: Option<Span>,
}
