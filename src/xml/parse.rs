//! Hardened XML parsing: a thin, defensive layer over [`roxmltree`].
//!
//! What this layer adds to the parser underneath:
//!
//! - **No DTD at all.** Any markup declaration (`<!DOCTYPE …>`, `<!ENTITY …>`, …) is refused
//!   before parsing starts, even an empty `<!DOCTYPE x>`. With no DTD there are no entities
//!   beyond the five predefined ones and character references, so entity expansion attacks
//!   (billion laughs, quadratic blow-up) and external entities (file or network reads) cannot
//!   happen, and no attribute is declared an ID or given a default value behind the reader's
//!   back.
//! - **Resource limits** from [`Limits`]: document size (`max_document_bytes`), element
//!   nesting (`max_nesting`), node count (`max_xml_nodes`) and attributes on one element
//!   (`max_xml_attributes`, which also bounds the namespace bindings in scope at one element).
//!   A linear pre-scan enforces them before the tree is built, so that no input can make the
//!   parser spend quadratic time or memory. Every exceeded limit is an
//!   [`Error::LimitExceeded`] naming the quantity.
//! - **UTF-8 only.** A UTF-8 byte order mark is stripped; a declared encoding other than
//!   UTF-8 (or US-ASCII on pure ASCII input) is [`Error::Unsupported`].
//! - **Names and line ends the tree builder gets wrong are refused** rather than passed on:
//!   element or attribute names that are not qualified names (`:a`, `a:`), and a lone
//!   carriage return (old Mac line end) next to a reference in character data, which
//!   `roxmltree` would keep as a CR instead of a line feed. Both would otherwise make the
//!   canonical form, and so a digest, differ from other implementations'.
//! - **An ID index without a DTD.** XMLDSig references such as `URI="#invoice"` name an
//!   element by an ID attribute. Which attributes count as IDs is configuration
//!   ([`IdAttributes`]); a value carried by two or more elements makes
//!   [`XmlDocument::element_by_id`] fail instead of picking one, which closes the classic
//!   signature-wrapping trick of a second element with the same ID.
//!
//! Nothing here recurses on the document's structure: the pre-scan and the index are loops,
//! and `roxmltree` builds its tree iteratively.

use std::collections::HashMap;
use std::fmt;

use roxmltree::{Attribute, Document, Node, NodeId, ParsingOptions};

use crate::{Error, Format, Limits, Result};

/// The namespace bound to the `xml` prefix by definition.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// The namespace URI of an element, `None` when it is in no namespace.
///
/// Prefer this to `node.tag_name().namespace()`: for an element whose default namespace was
/// undeclared (`xmlns=""`), `roxmltree` reports `Some("")`.
pub fn namespace_of<'a>(element: Node<'a, '_>) -> Option<&'a str> {
    element.tag_name().namespace().filter(|ns| !ns.is_empty())
}

/// Which attributes give an element an ID that a same-document reference (`#value`) can name.
///
/// Without a DTD or schema, XML has no IDs of its own except `xml:id`; XMLDSig producers rely
/// on naming conventions instead. The default covers the common ones: unqualified `Id`, `ID`
/// and `id`, and `xml:id`.
///
/// ```
/// use kyso::xml::parse::IdAttributes;
/// let ids = IdAttributes::none()
///     .with_local_name("Id")
///     .with_qualified_name("http://uri.etsi.org/01903/v1.3.2#", "Id");
/// # let _ = ids;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdAttributes {
    /// Local names of unqualified attributes (no namespace) that are IDs.
    local_names: Vec<String>,
    /// (namespace URI, local name) pairs of qualified attributes that are IDs.
    qualified: Vec<(String, String)>,
}

impl IdAttributes {
    /// No attribute is an ID.
    pub fn none() -> Self {
        IdAttributes {
            local_names: Vec::new(),
            qualified: Vec::new(),
        }
    }

    /// Also treat the unqualified attribute `name` (no namespace) as an ID.
    pub fn with_local_name(mut self, name: impl Into<String>) -> Self {
        self.local_names.push(name.into());
        self
    }

    /// Also treat the attribute `local` in namespace `namespace` as an ID.
    pub fn with_qualified_name(
        mut self,
        namespace: impl Into<String>,
        local: impl Into<String>,
    ) -> Self {
        self.qualified.push((namespace.into(), local.into()));
        self
    }

    /// Whether `attribute` is an ID attribute under this configuration.
    pub fn is_id(&self, attribute: &Attribute<'_, '_>) -> bool {
        let local = attribute.name();
        match attribute.namespace() {
            None => self.local_names.iter().any(|n| n == local),
            Some(ns) => self.qualified.iter().any(|(q, l)| q == ns && l == local),
        }
    }
}

impl Default for IdAttributes {
    /// `Id`, `ID`, `id` (no namespace) and `xml:id`.
    fn default() -> Self {
        IdAttributes::none()
            .with_local_name("Id")
            .with_local_name("ID")
            .with_local_name("id")
            .with_qualified_name(XML_NAMESPACE, "id")
    }
}

/// Where an ID value was found.
#[derive(Debug, Clone, Copy)]
enum IdSlot {
    /// On exactly one element.
    One(NodeId),
    /// On `count` distinct elements (two or more), the last one seen being `last`.
    Many { count: usize, last: NodeId },
}

/// A parsed XML document that passed kyso's hardening checks, with its ID index.
///
/// The tree is a [`roxmltree::Document`] borrowing the input text; node byte ranges
/// ([`roxmltree::Node::range`]) index into [`XmlDocument::text`], which starts
/// [`XmlDocument::text_offset`] bytes into the original input (after a byte order mark).
pub struct XmlDocument<'input> {
    doc: Document<'input>,
    text: &'input str,
    text_offset: usize,
    ids: HashMap<Box<str>, IdSlot>,
}

impl fmt::Debug for XmlDocument<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlDocument")
            .field("bytes", &self.text.len())
            .field("root", &self.doc.root_element().tag_name())
            .field("ids", &self.ids.len())
            .finish()
    }
}

impl<'input> XmlDocument<'input> {
    /// Parses `text` under `limits`, indexing the attributes that `id_attrs` names as IDs.
    ///
    /// A leading byte order mark (U+FEFF) is skipped. Fails with [`Error::Unsupported`] on a
    /// DTD or a non-UTF-8 encoding declaration, [`Error::LimitExceeded`] when a limit is
    /// exceeded, and [`Error::Malformed`] when the text is not well-formed namespace-aware XML.
    pub fn parse(text: &'input str, limits: &Limits, id_attrs: &IdAttributes) -> Result<Self> {
        Self::parse_with(text, limits, id_attrs, false)
    }

    /// Parses text that [`decode_utf16`] decoded from a UTF-16 document: as
    /// [`XmlDocument::parse`], except that the encoding declaration, when there is one, must
    /// name UTF-16 (the encoding the bytes were in), and a declaration of any other encoding is
    /// refused as contradicting the bytes.
    pub fn parse_decoded_utf16(
        text: &'input str,
        limits: &Limits,
        id_attrs: &IdAttributes,
    ) -> Result<Self> {
        Self::parse_with(text, limits, id_attrs, true)
    }

    fn parse_with(
        text: &'input str,
        limits: &Limits,
        id_attrs: &IdAttributes,
        from_utf16: bool,
    ) -> Result<Self> {
        let (text, text_offset) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, '\u{feff}'.len_utf8()),
            None => (text, 0),
        };
        if text.len() as u64 > limits.max_document_bytes {
            return Err(Error::LimitExceeded {
                what: "XML document size in bytes",
                limit: limits.max_document_bytes,
            });
        }
        check_declared_encoding(text, from_utf16)?;
        prescan(text, limits)?;

        let options = ParsingOptions {
            allow_dtd: false,
            nodes_limit: limits.max_xml_nodes,
            ..ParsingOptions::default()
        };
        let doc =
            Document::parse_with_options(text, options).map_err(|e| map_parse_error(e, limits))?;
        check_names(&doc)?;
        let ids = index_ids(&doc, id_attrs);
        Ok(XmlDocument {
            doc,
            text,
            text_offset,
            ids,
        })
    }

    /// Parses raw bytes: they must be UTF-8 (a UTF-8 byte order mark is stripped). UTF-16
    /// input is [`Error::Unsupported`] here, since the tree borrows the bytes: decode it with
    /// [`decode_utf16`] and parse the text with [`XmlDocument::parse_decoded_utf16`].
    /// Invalid UTF-8 is [`Error::Malformed`].
    pub fn from_bytes(
        bytes: &'input [u8],
        limits: &Limits,
        id_attrs: &IdAttributes,
    ) -> Result<Self> {
        if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
            return Err(Error::Unsupported(
                "UTF-16 encoded XML: kyso reads UTF-8 documents only".into(),
            ));
        }
        if bytes.len() as u64 > limits.max_document_bytes {
            return Err(Error::LimitExceeded {
                what: "XML document size in bytes",
                limit: limits.max_document_bytes,
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::malformed(
                Format::Xml,
                format!("not valid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        Self::parse(text, limits, id_attrs)
    }

    /// The parsed tree.
    pub fn doc(&self) -> &Document<'input> {
        &self.doc
    }

    /// The document element.
    pub fn root_element(&self) -> Node<'_, 'input> {
        self.doc.root_element()
    }

    /// The text that was parsed (without a byte order mark); node byte ranges index into it.
    pub fn text(&self) -> &'input str {
        self.text
    }

    /// How many bytes of the original input precede [`XmlDocument::text`]: 3 when a UTF-8
    /// byte order mark was stripped, otherwise 0. Add it to a node's range to splice the
    /// original bytes.
    pub fn text_offset(&self) -> usize {
        self.text_offset
    }

    /// The element whose ID attribute has the value `id`, if any.
    ///
    /// Fails with [`Error::Malformed`] when two or more elements carry that ID: a reference to
    /// it would be ambiguous, and kyso never guesses which element was meant.
    pub fn element_by_id(&self, id: &str) -> Result<Option<Node<'_, 'input>>> {
        match self.ids.get(id) {
            None => Ok(None),
            Some(IdSlot::One(node)) => Ok(self.doc.get_node(*node)),
            Some(IdSlot::Many { count, .. }) => Err(Error::malformed(
                Format::Xml,
                format!(
                    "duplicate ID {id:?}: carried by {count} elements, so a reference to it is ambiguous"
                ),
            )),
        }
    }

    /// The ID values carried by more than one element, sorted.
    pub fn duplicate_ids(&self) -> Vec<&str> {
        let mut dups: Vec<&str> = self
            .ids
            .iter()
            .filter(|(_, slot)| matches!(slot, IdSlot::Many { .. }))
            .map(|(id, _)| &**id)
            .collect();
        dups.sort_unstable();
        dups
    }
}

/// Refuses element and attribute names that the parser lets through but that are not
/// qualified names in the sense of Namespaces in XML (such as `:a` or `a:`), so that every
/// accepted name reads back from the source as `prefix:local` or `local`.
fn check_names(doc: &Document<'_>) -> Result<()> {
    let text = doc.input_text();
    let bad = |qname: &str, local: &str| -> bool {
        match qname.strip_suffix(local) {
            Some("") => local.is_empty(),
            Some(prefix) => {
                local.is_empty() || prefix.len() < 2 || prefix.find(':') != Some(prefix.len() - 1)
            }
            None => true,
        }
    };
    for node in doc.descendants().filter(Node::is_element) {
        let start = node.range().start + 1;
        let name_len = text
            .get(start..)
            .and_then(|t| t.find([' ', '\t', '\r', '\n', '/', '>']))
            .unwrap_or(0);
        let qname = text.get(start..start + name_len).unwrap_or("");
        if bad(qname, node.tag_name().name()) {
            return Err(Error::malformed(
                Format::Xml,
                format!("element name {qname:?} is not a qualified name"),
            ));
        }
        for attr in node.attributes() {
            let qname = text.get(attr.range_qname()).unwrap_or("");
            if bad(qname, attr.name()) {
                return Err(Error::malformed(
                    Format::Xml,
                    format!("attribute name {qname:?} is not a qualified name"),
                ));
            }
        }
    }
    Ok(())
}

/// Builds the ID index: value → the one element carrying it, or how many do.
fn index_ids(doc: &Document<'_>, id_attrs: &IdAttributes) -> HashMap<Box<str>, IdSlot> {
    let mut ids: HashMap<Box<str>, IdSlot> = HashMap::new();
    for node in doc.descendants().filter(Node::is_element) {
        for attr in node.attributes() {
            if !id_attrs.is_id(&attr) {
                continue;
            }
            let value = attr.value();
            match ids.get_mut(value) {
                None => {
                    ids.insert(value.into(), IdSlot::One(node.id()));
                }
                // The same element may carry one value under two ID names.
                Some(IdSlot::One(first)) if *first == node.id() => {}
                Some(IdSlot::Many { last, .. }) if *last == node.id() => {}
                Some(slot @ IdSlot::One(_)) => {
                    *slot = IdSlot::Many {
                        count: 2,
                        last: node.id(),
                    }
                }
                Some(IdSlot::Many { count, last }) => {
                    *count += 1;
                    *last = node.id();
                }
            }
        }
    }
    ids
}

fn map_parse_error(e: roxmltree::Error, limits: &Limits) -> Error {
    match e {
        roxmltree::Error::DtdDetected => dtd_refused(),
        roxmltree::Error::NodesLimitReached => Error::LimitExceeded {
            what: "XML nodes",
            limit: u64::from(limits.max_xml_nodes),
        },
        other => Error::malformed(Format::Xml, other.to_string()),
    }
}

fn dtd_refused() -> Error {
    Error::Unsupported(
        "XML with a document type declaration (<!DOCTYPE …>) or other markup declaration: \
         kyso processes no DTD, so no entity expansion or external entity can occur"
            .into(),
    )
}

/// The byte order of a UTF-16 XML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little-endian (what .NET and Windows tools write).
    Le,
    /// Big-endian.
    Be,
}

/// Whether `bytes` start like a UTF-16 XML document (XML 1.0 Appendix F): a UTF-16 byte order
/// mark, or `<?` (the start of a declaration) encoded in UTF-16 without one.
pub fn utf16_of(bytes: &[u8]) -> Option<Utf16> {
    match bytes {
        [0xFF, 0xFE, ..] | [b'<', 0, b'?', 0, ..] => Some(Utf16::Le),
        [0xFE, 0xFF, ..] | [0, b'<', 0, b'?', ..] => Some(Utf16::Be),
        _ => None,
    }
}

/// Decodes a UTF-16 XML document into UTF-8 text for [`XmlDocument::parse_decoded_utf16`];
/// `None` when the bytes are not UTF-16 (see [`utf16_of`]). The byte order mark is dropped.
///
/// Signatures survive this: canonical XML is always UTF-8 (C14N 1.0 §2.1 converts the
/// document to UCS first and writes UTF-8), so every digest is computed over the same bytes
/// whatever encoding the document was stored in. An odd number of bytes or an unpaired
/// surrogate is [`Error::Malformed`]; the size limit applies before anything is allocated.
pub fn decode_utf16(bytes: &[u8], limits: &Limits) -> Result<Option<String>> {
    let Some(order) = utf16_of(bytes) else {
        return Ok(None);
    };
    if bytes.len() as u64 > limits.max_document_bytes {
        return Err(Error::LimitExceeded {
            what: "XML document size in bytes",
            limit: limits.max_document_bytes,
        });
    }
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::malformed(
            Format::Xml,
            "UTF-16 document with an odd number of bytes",
        ));
    }
    let units = bytes.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        match order {
            Utf16::Le => u16::from_le_bytes(pair),
            Utf16::Be => u16::from_be_bytes(pair),
        }
    });
    // Each UTF-16 unit becomes at most three UTF-8 bytes.
    let mut text = String::with_capacity(bytes.len().saturating_mul(3) / 2);
    for (i, c) in char::decode_utf16(units).enumerate() {
        match c {
            Ok('\u{feff}') if i == 0 => {}
            Ok(c) => text.push(c),
            Err(e) => {
                return Err(Error::malformed(
                    Format::Xml,
                    format!(
                        "UTF-16 document with an unpaired surrogate {:#06x} (character {})",
                        e.unpaired_surrogate(),
                        i + 1
                    ),
                ));
            }
        }
    }
    Ok(Some(text))
}

/// Refuses an XML declaration that names an encoding other than UTF-8. The text is already
/// a Rust string, so it *is* UTF-8; a document claiming another encoding would have been
/// decoded wrongly by whoever produced the string, or means the producer and kyso disagree on
/// what the signed bytes are.
fn check_declared_encoding(text: &str, from_utf16: bool) -> Result<()> {
    let Some(rest) = text.strip_prefix("<?xml") else {
        return Ok(());
    };
    // `<?xml-stylesheet …?>` and the like are processing instructions, not the declaration.
    if !rest.starts_with([' ', '\t', '\r', '\n']) {
        return Ok(());
    }
    let Some(end) = rest.find("?>") else {
        return Ok(()); // malformed; the parser reports it
    };
    let decl = &rest[..end];
    let Some(pos) = decl.find("encoding") else {
        return Ok(());
    };
    let after = decl[pos + "encoding".len()..].trim_start();
    let Some(after) = after.strip_prefix('=') else {
        return Ok(());
    };
    let after = after.trim_start();
    let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(());
    };
    let value_and_rest = &after[1..];
    let Some(close) = value_and_rest.find(quote) else {
        return Ok(());
    };
    let value = &value_and_rest[..close];
    let lower = value.to_ascii_lowercase();
    if from_utf16 {
        return match lower.as_str() {
            "utf-16" | "utf-16le" | "utf-16be" => Ok(()),
            _ => Err(Error::malformed(
                Format::Xml,
                format!("the document is UTF-16 but declares the encoding {value:?}"),
            )),
        };
    }
    match lower.as_str() {
        "utf-8" | "utf8" => Ok(()),
        "us-ascii" | "ascii" if text.is_ascii() => Ok(()),
        _ => Err(Error::Unsupported(format!(
            "XML encoding {value:?}: kyso reads UTF-8 documents only"
        ))),
    }
}

/// A linear scan of the markup that enforces the structural limits before the tree is built,
/// and refuses markup declarations.
///
/// It recognises comments, CDATA sections, processing instructions, end tags and start tags
/// with quoted attribute values, which is exact for well-formed documents. On anything it
/// cannot follow it stops quietly: such input is not well-formed and the parser rejects it.
fn prescan(text: &str, limits: &Limits) -> Result<()> {
    let b = text.as_bytes();
    let max_depth = limits.max_nesting as usize;
    let max_attrs = limits.max_xml_attributes as usize;
    // Namespace bindings: the parser stores, for every element that declares a namespace,
    // the full list of bindings in scope there. Bound both the list and the total.
    let max_in_scope = max_attrs;
    let max_stored: u64 = (b.len() as u64).saturating_mul(4).saturating_add(1 << 16);

    let mut depth = 0usize;
    let mut in_scope: Vec<usize> = Vec::new();
    let mut stored: u64 = 0;
    let has_cr = b.contains(&b'\r');
    let mut i = 0usize;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        let p = i + off;
        if has_cr {
            check_line_end_before_reference(&b[i..p])?;
        }
        let rest = &b[p..];
        if rest.starts_with(b"<!--") {
            match find(b, p + 4, b"-->") {
                Some(end) => i = end + 3,
                None => return Ok(()),
            }
        } else if rest.starts_with(b"<![CDATA[") {
            match find(b, p + 9, b"]]>") {
                Some(end) => i = end + 3,
                None => return Ok(()),
            }
        } else if rest.starts_with(b"<!") {
            return Err(dtd_refused());
        } else if rest.starts_with(b"<?") {
            match find(b, p + 2, b"?>") {
                Some(end) => i = end + 2,
                None => return Ok(()),
            }
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            in_scope.pop();
            match find(b, p + 2, b">") {
                Some(end) => i = end + 1,
                None => return Ok(()),
            }
        } else {
            let Some(tag) = scan_start_tag(b, p + 1, max_attrs)? else {
                return Ok(());
            };
            if depth + 1 > max_depth {
                return Err(Error::LimitExceeded {
                    what: "XML element nesting depth",
                    limit: u64::from(limits.max_nesting),
                });
            }
            let scope = in_scope.last().copied().unwrap_or(0) + tag.declarations;
            if scope > max_in_scope {
                return Err(Error::LimitExceeded {
                    what: "namespace bindings in scope at one XML element",
                    limit: max_in_scope as u64,
                });
            }
            if tag.declarations > 0 {
                stored += scope as u64;
                if stored > max_stored {
                    return Err(Error::LimitExceeded {
                        what: "namespace bindings stored for one XML document",
                        limit: max_stored,
                    });
                }
            }
            if !tag.self_closing {
                depth += 1;
                in_scope.push(scope);
            }
            i = tag.end;
        }
    }
    Ok(())
}

/// Refuses character data in which a lone carriage return (one that does not start a CR LF
/// pair) touches a reference: `\r&amp;…` or `…&amp;\r`. XML turns every lone CR into a line
/// feed before parsing, but next to a reference the tree builder keeps it as a CR, which
/// would change the canonical form (`&#xD;` instead of a line break). Lone CRs come only
/// from pre-2001 Mac line ends; a CR LF pair is always fine.
fn check_line_end_before_reference(data: &[u8]) -> Result<()> {
    for (k, &c) in data.iter().enumerate() {
        if c != b'\r' {
            continue;
        }
        let next = data.get(k + 1).copied();
        let previous = k.checked_sub(1).map(|j| data[j]);
        if next != Some(b'\n') && (next == Some(b'&') || previous == Some(b';')) {
            return Err(Error::Unsupported(
                "a lone carriage return next to a character or entity reference in \
                 character data; convert the line ends to LF or CR LF"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// What the pre-scan learnt from one start tag.
struct StartTag {
    /// Index just past the tag's `>`.
    end: usize,
    self_closing: bool,
    /// Namespace declarations (`xmlns`, `xmlns:p`) among its attributes.
    declarations: usize,
}

/// Scans a start tag whose name begins at `j`. `Ok(None)` when the tag cannot be followed
/// (malformed input, left to the parser to report).
fn scan_start_tag(b: &[u8], mut j: usize, max_attrs: usize) -> Result<Option<StartTag>> {
    let is_ws = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while j < b.len() && !is_ws(b[j]) && b[j] != b'/' && b[j] != b'>' {
        j += 1;
    }
    let mut attributes = 0usize;
    let mut declarations = 0usize;
    loop {
        while j < b.len() && is_ws(b[j]) {
            j += 1;
        }
        match b.get(j) {
            None => return Ok(None),
            Some(b'>') => {
                return Ok(Some(StartTag {
                    end: j + 1,
                    self_closing: false,
                    declarations,
                }));
            }
            Some(b'/') => {
                if b.get(j + 1) == Some(&b'>') {
                    return Ok(Some(StartTag {
                        end: j + 2,
                        self_closing: true,
                        declarations,
                    }));
                }
                return Ok(None);
            }
            Some(_) => {}
        }
        let name_start = j;
        while j < b.len() && !is_ws(b[j]) && !matches!(b[j], b'=' | b'>' | b'/') {
            j += 1;
        }
        let name = &b[name_start..j];
        if name.is_empty() {
            return Ok(None);
        }
        while j < b.len() && is_ws(b[j]) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            return Ok(None);
        }
        j += 1;
        while j < b.len() && is_ws(b[j]) {
            j += 1;
        }
        let quote = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Ok(None),
        };
        let Some(close) = b[j + 1..].iter().position(|&c| c == quote) else {
            return Ok(None);
        };
        j = j + 1 + close + 1;
        attributes += 1;
        if attributes > max_attrs {
            return Err(Error::LimitExceeded {
                what: "attributes on one XML element",
                limit: max_attrs as u64,
            });
        }
        if name == b"xmlns" || name.starts_with(b"xmlns:") {
            declarations += 1;
        }
    }
}

/// Position of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let tail = hay.get(from..)?;
    if needle.len() == 1 {
        return tail.iter().position(|&c| c == needle[0]).map(|p| from + p);
    }
    let first = needle[0];
    let mut k = 0;
    while let Some(off) = tail[k..].iter().position(|&c| c == first) {
        let at = k + off;
        if tail[at..].starts_with(needle) {
            return Some(from + at);
        }
        k = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<XmlDocument<'_>> {
        XmlDocument::parse(text, &Limits::default(), &IdAttributes::default())
    }

    #[test]
    fn ids_are_indexed_and_duplicates_refused() {
        let doc = parse(
            r#"<r xmlns:x="urn:x"><a Id="one"/><b ID="two" id="two"/><c id="dup"/><d Id="dup"/><e x:Id="ns"/><f xml:id="xid"/></r>"#,
        )
        .unwrap();
        assert_eq!(
            doc.element_by_id("one").unwrap().unwrap().tag_name().name(),
            "a"
        );
        // The same element under two ID names is not a duplicate.
        assert_eq!(
            doc.element_by_id("two").unwrap().unwrap().tag_name().name(),
            "b"
        );
        assert!(matches!(
            doc.element_by_id("dup"),
            Err(Error::Malformed { .. })
        ));
        // A namespaced Id is not an ID by default.
        assert!(doc.element_by_id("ns").unwrap().is_none());
        assert_eq!(
            doc.element_by_id("xid").unwrap().unwrap().tag_name().name(),
            "f"
        );
        assert_eq!(doc.duplicate_ids(), vec!["dup"]);
    }

    #[test]
    fn undeclared_default_namespace_is_no_namespace() {
        let doc = parse(r#"<r xmlns="urn:d"><a xmlns=""/><b/></r>"#).unwrap();
        let mut elements = doc.doc().descendants().filter(Node::is_element);
        assert_eq!(elements.next().and_then(namespace_of), Some("urn:d"));
        assert_eq!(elements.next().and_then(namespace_of), None);
        assert_eq!(elements.next().and_then(namespace_of), Some("urn:d"));
    }

    #[test]
    fn qualified_id_attributes_are_configurable() {
        let ids = IdAttributes::none().with_qualified_name("urn:x", "Id");
        let doc = XmlDocument::parse(
            r#"<r xmlns:x="urn:x"><a Id="plain"/><b x:Id="q"/></r>"#,
            &Limits::default(),
            &ids,
        )
        .unwrap();
        assert!(doc.element_by_id("plain").unwrap().is_none());
        assert_eq!(
            doc.element_by_id("q").unwrap().unwrap().tag_name().name(),
            "b"
        );
    }

    #[test]
    fn markup_declarations_are_refused() {
        for text in [
            "<!DOCTYPE r><r/>",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>",
            "<r/><!ELEMENT r ANY>",
        ] {
            assert!(matches!(parse(text), Err(Error::Unsupported(_))), "{text}");
        }
        // A declaration-like string inside a comment, PI or CDATA is just text.
        parse("<!-- <!DOCTYPE x> --><r><![CDATA[<!DOCTYPE>]]><?p <!DOCTYPE?></r>").unwrap();
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            max_nesting: 3,
            max_xml_attributes: 2,
            max_xml_nodes: 10,
            max_document_bytes: 200,
            ..Limits::default()
        };
        let ids = IdAttributes::default();
        let what = |r: Result<XmlDocument<'_>>| match r {
            Err(Error::LimitExceeded { what, .. }) => what,
            other => panic!("expected a limit error, got {other:?}"),
        };
        XmlDocument::parse("<a><b><c/></b></a>", &limits, &ids).unwrap();
        assert_eq!(
            what(XmlDocument::parse(
                "<a><b><c><d/></c></b></a>",
                &limits,
                &ids
            )),
            "XML element nesting depth"
        );
        XmlDocument::parse("<a x='1' y=\"2\"/>", &limits, &ids).unwrap();
        assert_eq!(
            what(XmlDocument::parse("<a x='1' y='2' z='>'/>", &limits, &ids)),
            "attributes on one XML element"
        );
        assert_eq!(
            what(XmlDocument::parse(
                "<a xmlns:p='1' xmlns:q='2'><b xmlns:r='3'/></a>",
                &limits,
                &ids
            )),
            "namespace bindings in scope at one XML element"
        );
        assert_eq!(
            what(XmlDocument::parse(
                "<a><b/><b/><b/><b/><b/><b/><b/><b/><b/><b/></a>",
                &limits,
                &ids
            )),
            "XML nodes"
        );
        let big = format!("<a>{}</a>", "x".repeat(300));
        assert_eq!(
            what(XmlDocument::parse(&big, &limits, &ids)),
            "XML document size in bytes"
        );
    }

    #[test]
    fn encodings() {
        parse("<?xml version='1.0' encoding='UTF-8'?><r/>").unwrap();
        parse("<?xml version='1.0' encoding=\"utf-8\" standalone='yes'?><r/>").unwrap();
        parse("<?xml version='1.0' encoding='US-ASCII'?><r/>").unwrap();
        assert!(matches!(
            parse("<?xml version='1.0' encoding='US-ASCII'?><r>ký</r>"),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(
            parse("<?xml version='1.0' encoding='ISO-8859-1'?><r/>"),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(
            parse("<?xml version='1.0' encoding='UTF-16'?><r/>"),
            Err(Error::Unsupported(_))
        ));
        // Not the declaration.
        parse("<?xml-stylesheet encoding='latin1'?><r/>").unwrap();
    }

    #[test]
    fn bytes_bom_and_utf8() {
        let limits = Limits::default();
        let ids = IdAttributes::default();
        let with_bom = "\u{feff}<r>số</r>".as_bytes();
        let doc = XmlDocument::from_bytes(with_bom, &limits, &ids).unwrap();
        assert_eq!(doc.text_offset(), 3);
        assert_eq!(doc.root_element().text(), Some("số"));
        let range = doc.root_element().range();
        assert_eq!(
            &with_bom[range.start + doc.text_offset()..range.end + doc.text_offset()],
            "<r>số</r>".as_bytes()
        );
        assert!(matches!(
            XmlDocument::from_bytes(b"<r>\xff</r>", &limits, &ids),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            XmlDocument::from_bytes(b"\xff\xfe<\0r\0/\0>\0", &limits, &ids),
            Err(Error::Unsupported(_))
        ));
    }

    #[test]
    fn malformed_input_is_a_typed_error() {
        for text in [
            "",
            "<r>",
            "<r></s>",
            "<r a='1' a='2'/>",
            "<p:r/>",
            "<r>&unknown;</r>",
        ] {
            assert!(
                matches!(parse(text), Err(Error::Malformed { .. })),
                "{text:?}"
            );
        }
    }

    #[test]
    fn prescan_survives_truncated_markup() {
        for text in [
            "<r",
            "<r a",
            "<r a=",
            "<r a='",
            "<r a='1'",
            "<r/",
            "<!--",
            "<![CDATA[",
            "<?p",
            "</",
            "<r =''>",
            "<",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }
}
