//! Canonical XML: the byte-exact serialisation that XML signatures digest.
//!
//! Three W3C algorithms, each with and without comments ([`C14nMethod`]):
//!
//! | method | URI | specification |
//! |---|---|---|
//! | Canonical XML 1.0 | `http://www.w3.org/TR/2001/REC-xml-c14n-20010315` | W3C REC 15 March 2001 |
//! | Canonical XML 1.1 | `http://www.w3.org/2006/12/xml-c14n11` | W3C REC 2 May 2008 |
//! | Exclusive XML Canonicalization 1.0 | `http://www.w3.org/2001/10/xml-exc-c14n#` | W3C REC 18 July 2002 |
//!
//! The `#WithComments` variants append that fragment to the URI.
//!
//! A [`Canonicalizer`] writes the canonical form of
//!
//! - a whole document ([`Canonicalizer::document`]),
//! - a subtree minus excluded subtrees ([`Canonicalizer::subtree`]) — the XMLDSig case of
//!   `URI="#id"` with the enveloped-signature transform, and
//! - a general XPath node-set ([`Canonicalizer::node_set`]) whose membership a [`NodeSet`]
//!   decides node by node, for element, attribute, namespace, text, comment and
//!   processing-instruction nodes.
//!
//! into any [`std::io::Write`], such as a [`crate::Hasher`], so that digests stream.
//!
//! # The rules, as implemented
//!
//! Canonical XML 1.0 §2.3 (and 1.1, which only changes §2.4): UTF-8; line breaks already
//! normalised by the parser; character and entity references replaced; CDATA sections
//! replaced by their (escaped) content; empty elements written as start/end pairs; no XML
//! declaration, no DTD; whitespace outside the document element dropped, except that a
//! comment or processing instruction before the document element is followed by `#xA` and one
//! after it is preceded by `#xA`.
//!
//! - Text: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, CR → `&#xD;`.
//! - Attribute values: `&` → `&amp;`, `<` → `&lt;`, `"` → `&quot;`, TAB → `&#x9;`,
//!   LF → `&#xA;`, CR → `&#xD;`.
//! - "Namespace nodes … in lexicographic order (ascending)" by prefix, the default namespace
//!   first, then "attribute nodes … in lexicographic order" with the namespace URI as the
//!   primary key and the local name as the secondary key (unqualified attributes first).
//! - Namespace axis: "A namespace node N is ignored if the nearest ancestor element of the
//!   node's parent element that is in the node-set has a namespace node in the node-set with
//!   the same local name and value as N." `xmlns=""` is written only when "the element E that
//!   owns the axis is in the node-set" and "the nearest ancestor element of E in the node-set
//!   has a default namespace node in the node-set". The `xml` namespace is never written.
//! - An element outside the node-set contributes the namespace and attribute nodes of its
//!   own that are in the node-set (as text, without a tag), then its children.
//! - §2.4 document subsets, Canonical XML 1.0: for an element in the node-set whose parent is
//!   not, "all element nodes along E's ancestor axis are examined for nearest occurrences of
//!   attributes in the xml namespace … (whether or not they are in the node-set). From this
//!   list of attributes, remove any that are in E's attribute axis (whether or not they are in
//!   the node-set). Then, lexicographically merge this attribute list with the nodes of E's
//!   attribute axis that are in the node-set."
//! - Canonical XML 1.1 §2.4: the same, but only for the "simple inheritable attributes"
//!   `xml:lang` and `xml:space`; `xml:id` is not inherited; `xml:base` is fixed up: the
//!   `xml:base` values of the omitted ancestors between E and its nearest ancestor in the
//!   node-set, outermost first, and E's own are combined with *join-URI-References* (RFC 3986
//!   §5.2 reference resolution that keeps relative results relative); an empty result is not
//!   written. Other `xml:*` attributes are ordinary attributes.
//! - Exclusive C14N §3: no `xml:*` inheritance. A namespace node whose prefix is not in the
//!   InclusiveNamespaces PrefixList "is rendered if all of the conditions are met: its parent
//!   element is in the node-set, and it is visibly utilized by its parent element, and the
//!   prefix has not yet been rendered by any output ancestor, or the nearest output ancestor
//!   of its parent element that visibly utilizes the namespace prefix does not have a
//!   namespace node in the node-set with the same namespace prefix and value as N". An element
//!   visibly utilizes the prefix of its own name (the default namespace when unprefixed) and
//!   the prefixes of its attributes in the node-set. Prefixes in the PrefixList (`#default`
//!   naming the default namespace) follow the Canonical XML rule above.
//!
//! # Cost
//!
//! The traversal is iterative (an explicit stack of open elements, no recursion), linear in
//! the size of the document for the whole-document and subtree forms, and allocates only a
//! few reusable buffers per call. Output goes through a 64 KiB buffer.

use std::borrow::Cow;
use std::io::Write;

use roxmltree::{Attribute, Document, Node, NodeType};

use super::parse::XML_NAMESPACE;
use crate::{Error, Result};

/// A canonicalization algorithm, identified in XMLDSig by its URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum C14nMethod {
    /// Canonical XML 1.0, comments removed.
    Inclusive10,
    /// Canonical XML 1.0 with comments.
    Inclusive10WithComments,
    /// Canonical XML 1.1, comments removed.
    Inclusive11,
    /// Canonical XML 1.1 with comments.
    Inclusive11WithComments,
    /// Exclusive XML Canonicalization 1.0, comments removed.
    Exclusive10,
    /// Exclusive XML Canonicalization 1.0 with comments.
    Exclusive10WithComments,
}

impl C14nMethod {
    /// Every method, in a fixed order.
    pub const ALL: [C14nMethod; 6] = [
        C14nMethod::Inclusive10,
        C14nMethod::Inclusive10WithComments,
        C14nMethod::Inclusive11,
        C14nMethod::Inclusive11WithComments,
        C14nMethod::Exclusive10,
        C14nMethod::Exclusive10WithComments,
    ];

    /// The method an algorithm URI names; [`Error::Unsupported`] for any other URI.
    pub fn from_uri(uri: &str) -> Result<Self> {
        C14nMethod::ALL
            .into_iter()
            .find(|m| m.uri() == uri)
            .ok_or_else(|| Error::Unsupported(format!("canonicalization algorithm {uri:?}")))
    }

    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            C14nMethod::Inclusive10 => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            C14nMethod::Inclusive10WithComments => {
                "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
            }
            C14nMethod::Inclusive11 => "http://www.w3.org/2006/12/xml-c14n11",
            C14nMethod::Inclusive11WithComments => {
                "http://www.w3.org/2006/12/xml-c14n11#WithComments"
            }
            C14nMethod::Exclusive10 => "http://www.w3.org/2001/10/xml-exc-c14n#",
            C14nMethod::Exclusive10WithComments => {
                "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
            }
        }
    }

    /// Whether comments are kept.
    pub fn with_comments(self) -> bool {
        matches!(
            self,
            C14nMethod::Inclusive10WithComments
                | C14nMethod::Inclusive11WithComments
                | C14nMethod::Exclusive10WithComments
        )
    }

    /// Whether this is Exclusive XML Canonicalization.
    pub fn is_exclusive(self) -> bool {
        matches!(
            self,
            C14nMethod::Exclusive10 | C14nMethod::Exclusive10WithComments
        )
    }

    /// Whether this is Canonical XML 1.1.
    pub fn is_version_11(self) -> bool {
        matches!(
            self,
            C14nMethod::Inclusive11 | C14nMethod::Inclusive11WithComments
        )
    }
}

/// The InclusiveNamespaces PrefixList of Exclusive XML Canonicalization: prefixes whose
/// namespace nodes are treated as by Canonical XML (rendered where in scope, not only where
/// visibly utilized).
///
/// ```
/// use kyso::xml::c14n::InclusivePrefixes;
/// let list = InclusivePrefixes::parse("#default ds  xades");
/// assert!(list.contains(None));
/// assert!(list.contains(Some("ds")));
/// assert!(!list.contains(Some("xsi")));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InclusivePrefixes {
    default: bool,
    prefixes: Vec<String>,
}

impl InclusivePrefixes {
    /// An empty list.
    pub fn none() -> Self {
        InclusivePrefixes::default()
    }

    /// Parses a PrefixList attribute value: prefixes separated by whitespace, `#default` for
    /// the default namespace.
    pub fn parse(prefix_list: &str) -> Self {
        let mut list = InclusivePrefixes::default();
        for token in prefix_list.split_ascii_whitespace() {
            if token == "#default" {
                list.default = true;
            } else if !list.prefixes.iter().any(|p| p == token) {
                list.prefixes.push(token.to_owned());
            }
        }
        list
    }

    /// Whether `prefix` (`None` for the default namespace) is in the list.
    pub fn contains(&self, prefix: Option<&str>) -> bool {
        match prefix {
            None => self.default,
            Some(p) => self.prefixes.iter().any(|q| q == p),
        }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        !self.default && self.prefixes.is_empty()
    }
}

/// A node of the XPath 1.0 data model, offered to a [`NodeSet`] for a membership decision.
///
/// Namespace nodes are per element, as in XPath: an element has one for every namespace in
/// scope there (the `xml` namespace excepted, which no canonical form ever writes).
#[derive(Debug, Clone, Copy)]
pub enum SetNode<'a, 'input> {
    /// An element.
    Element(Node<'a, 'input>),
    /// An attribute of `element` (namespace declarations are namespace nodes, not attributes).
    Attribute {
        /// The element that carries it.
        element: Node<'a, 'input>,
        /// The attribute.
        attribute: Attribute<'a, 'input>,
    },
    /// A namespace node of `element`.
    Namespace {
        /// The element whose namespace axis holds the node.
        element: Node<'a, 'input>,
        /// The prefix; `None` for the default namespace.
        prefix: Option<&'a str>,
        /// The namespace URI (never empty).
        uri: &'a str,
    },
    /// A text node (character data, CDATA sections included).
    Text(Node<'a, 'input>),
    /// A comment.
    Comment(Node<'a, 'input>),
    /// A processing instruction.
    ProcessingInstruction(Node<'a, 'input>),
}

/// A document subset: decides, node by node, what is in an XPath node-set.
///
/// Implemented for closures `Fn(&SetNode) -> bool`. Comments are dropped by the methods
/// without comments whatever the set says.
pub trait NodeSet {
    /// Whether `node` is in the set.
    fn contains(&self, node: &SetNode<'_, '_>) -> bool;
}

impl<F> NodeSet for F
where
    F: Fn(&SetNode<'_, '_>) -> bool + ?Sized,
{
    fn contains(&self, node: &SetNode<'_, '_>) -> bool {
        self(node)
    }
}

/// Writes canonical forms with one [`C14nMethod`] (and, for the exclusive methods, an
/// InclusiveNamespaces PrefixList).
///
/// ```
/// use kyso::xml::c14n::{C14nMethod, Canonicalizer};
/// let doc = roxmltree::Document::parse("<a b='1'  a='2'><c/></a>")?;
/// let mut out = Vec::new();
/// Canonicalizer::new(C14nMethod::Inclusive10).document(&doc, &mut out)?;
/// assert_eq!(out, br#"<a a="2" b="1"><c></c></a>"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Canonicalizer {
    method: C14nMethod,
    inclusive: InclusivePrefixes,
}

impl Canonicalizer {
    /// A canonicalizer for `method`, with an empty PrefixList.
    pub fn new(method: C14nMethod) -> Self {
        Canonicalizer {
            method,
            inclusive: InclusivePrefixes::none(),
        }
    }

    /// Sets the InclusiveNamespaces PrefixList. Only the exclusive methods use it; the
    /// inclusive ones render every namespace anyway.
    pub fn with_inclusive_prefixes(mut self, prefixes: InclusivePrefixes) -> Self {
        self.inclusive = prefixes;
        self
    }

    /// The method.
    pub fn method(&self) -> C14nMethod {
        self.method
    }

    /// Canonicalizes the whole document: the document element and, with comments, the
    /// comments and processing instructions around it.
    pub fn document<W: Write + ?Sized>(&self, doc: &Document<'_>, out: &mut W) -> Result<()> {
        let whole = Subtree {
            excluded: Vec::new(),
        };
        Engine::new(self, doc, &whole, out).run(doc.root())
    }

    /// Canonicalizes `apex` and its descendants, minus the subtrees rooted at `excluded`
    /// nodes (with all their attributes and namespaces) — the node-set of an XMLDSig
    /// same-document reference after the enveloped-signature transform. `apex` may be the
    /// document's root node, which means the whole document.
    ///
    /// As §2.4 of each specification requires for the apex of a subset, Canonical XML 1.0
    /// copies onto it the `xml:*` attributes of its ancestors, Canonical XML 1.1 copies
    /// `xml:lang` and `xml:space` and fixes up `xml:base`, and Exclusive C14N copies nothing;
    /// every namespace in scope at the apex is rendered by the inclusive methods, only the
    /// visibly utilized ones (and the PrefixList's) by the exclusive ones.
    pub fn subtree<W: Write + ?Sized>(
        &self,
        apex: Node<'_, '_>,
        excluded: &[Node<'_, '_>],
        out: &mut W,
    ) -> Result<()> {
        let doc = apex.document();
        let mut ids = Vec::with_capacity(excluded.len());
        for node in excluded {
            if !std::ptr::eq(node.document(), doc) {
                return Err(Error::InvalidOption(
                    "an excluded node belongs to another XML document than the apex".into(),
                ));
            }
            ids.push(node.id().get());
        }
        ids.sort_unstable();
        let subset = Subtree { excluded: ids };
        Engine::new(self, doc, &subset, out).run(apex)
    }

    /// Canonicalizes the general node-set that `set` describes over `doc`.
    ///
    /// Every node of the document is offered to `set` once (namespace nodes once per element
    /// that has them in scope), so the cost is linear in the size of the document times the
    /// number of namespaces in scope.
    pub fn node_set<S: NodeSet + ?Sized, W: Write + ?Sized>(
        &self,
        doc: &Document<'_>,
        set: &S,
        out: &mut W,
    ) -> Result<()> {
        let general = General { set };
        Engine::new(self, doc, &general, out).run(doc.root())
    }

    /// [`Canonicalizer::document`] into a new buffer.
    pub fn document_to_vec(&self, doc: &Document<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.document(doc, &mut out)?;
        Ok(out)
    }

    /// [`Canonicalizer::subtree`] into a new buffer.
    pub fn subtree_to_vec(&self, apex: Node<'_, '_>, excluded: &[Node<'_, '_>]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.subtree(apex, excluded, &mut out)?;
        Ok(out)
    }
}

/// How the engine asks about membership. The subtree form answers most questions with a
/// constant, which the compiler folds away.
trait Membership {
    /// Every namespace and attribute node of an element in the set is in the set, and an
    /// element's parent is in the set unless the element is where the traversal started.
    const COMPLETE: bool;
    fn skip(&self, node: Node<'_, '_>) -> bool;
    fn element(&self, e: Node<'_, '_>) -> bool;
    fn namespace(&self, e: Node<'_, '_>, prefix: Option<&str>, uri: &str) -> bool;
    fn attribute(&self, e: Node<'_, '_>, a: Attribute<'_, '_>) -> bool;
    fn text(&self, n: Node<'_, '_>) -> bool;
    fn comment(&self, n: Node<'_, '_>) -> bool;
    fn pi(&self, n: Node<'_, '_>) -> bool;
}

/// A subtree minus excluded subtrees (sorted node ids, which follow document order).
struct Subtree {
    excluded: Vec<u32>,
}

impl Membership for Subtree {
    const COMPLETE: bool = true;
    fn skip(&self, node: Node<'_, '_>) -> bool {
        !self.excluded.is_empty() && self.excluded.binary_search(&node.id().get()).is_ok()
    }
    fn element(&self, _: Node<'_, '_>) -> bool {
        true
    }
    fn namespace(&self, _: Node<'_, '_>, _: Option<&str>, _: &str) -> bool {
        true
    }
    fn attribute(&self, _: Node<'_, '_>, _: Attribute<'_, '_>) -> bool {
        true
    }
    fn text(&self, _: Node<'_, '_>) -> bool {
        true
    }
    fn comment(&self, _: Node<'_, '_>) -> bool {
        true
    }
    fn pi(&self, _: Node<'_, '_>) -> bool {
        true
    }
}

/// A caller's node-set.
struct General<'s, S: ?Sized> {
    set: &'s S,
}

impl<S: NodeSet + ?Sized> Membership for General<'_, S> {
    const COMPLETE: bool = false;
    fn skip(&self, _: Node<'_, '_>) -> bool {
        false
    }
    fn element(&self, e: Node<'_, '_>) -> bool {
        self.set.contains(&SetNode::Element(e))
    }
    fn namespace(&self, e: Node<'_, '_>, prefix: Option<&str>, uri: &str) -> bool {
        self.set.contains(&SetNode::Namespace {
            element: e,
            prefix,
            uri,
        })
    }
    fn attribute(&self, e: Node<'_, '_>, a: Attribute<'_, '_>) -> bool {
        self.set.contains(&SetNode::Attribute {
            element: e,
            attribute: a,
        })
    }
    fn text(&self, n: Node<'_, '_>) -> bool {
        self.set.contains(&SetNode::Text(n))
    }
    fn comment(&self, n: Node<'_, '_>) -> bool {
        self.set.contains(&SetNode::Comment(n))
    }
    fn pi(&self, n: Node<'_, '_>) -> bool {
        self.set.contains(&SetNode::ProcessingInstruction(n))
    }
}

/// A namespace binding: prefix (`None` for the default namespace) and URI.
type Binding<'a> = (Option<&'a str>, &'a str);

/// An element on the path from where the traversal started to the current node.
struct Frame<'a, 'input> {
    node: Node<'a, 'input>,
    qname: &'a str,
    /// In the node-set (its tags are written).
    output: bool,
    /// Index in the frame stack of the nearest ancestor-or-self in the node-set.
    nearest_output: Option<usize>,
    /// This element's namespace nodes in the node-set: `arena[arena_start..arena_end]`
    /// (general node-sets only).
    arena_start: usize,
    arena_end: usize,
    /// Length of the exclusive-rendering stack before this element.
    excl_len: usize,
}

/// An attribute to write.
struct AttrOut<'a> {
    ns: &'a str,
    local: &'a str,
    qname: &'a str,
    value: Cow<'a, str>,
}

const OUT_BUFFER: usize = 64 * 1024;

/// Buffered output.
struct Out<'w, W: Write + ?Sized> {
    w: &'w mut W,
    buf: Vec<u8>,
}

impl<W: Write + ?Sized> Out<'_, W> {
    #[inline]
    fn put(&mut self, s: &[u8]) -> Result<()> {
        if self.buf.len() + s.len() > OUT_BUFFER {
            self.flush()?;
            if s.len() > OUT_BUFFER {
                return Ok(self.w.write_all(s)?);
            }
        }
        self.buf.extend_from_slice(s);
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Unescaped text whose line ends the parser left alone (comments, processing
    /// instructions): CR LF and lone CR become LF, as XML 1.0 §2.11 requires of the input.
    fn line_ends_normalized(&mut self, s: &str) -> Result<()> {
        let b = s.as_bytes();
        if !b.contains(&b'\r') {
            return self.put(b);
        }
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            if c == b'\r' {
                self.put(&b[start..i])?;
                self.put(b"\n")?;
                start = if b.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
            }
        }
        if start < b.len() {
            self.put(&b[start..])?;
        }
        Ok(())
    }

    /// Text node escaping: `&`, `<`, `>`, CR.
    fn text(&mut self, s: &str) -> Result<()> {
        self.escaped(s, |c| match c {
            b'&' => Some(b"&amp;"),
            b'<' => Some(b"&lt;"),
            b'>' => Some(b"&gt;"),
            b'\r' => Some(b"&#xD;"),
            _ => None,
        })
    }

    /// Attribute value escaping: `&`, `<`, `"`, TAB, LF, CR.
    fn attr_value(&mut self, s: &str) -> Result<()> {
        self.escaped(s, |c| match c {
            b'&' => Some(b"&amp;"),
            b'<' => Some(b"&lt;"),
            b'"' => Some(b"&quot;"),
            b'\t' => Some(b"&#x9;"),
            b'\n' => Some(b"&#xA;"),
            b'\r' => Some(b"&#xD;"),
            _ => None,
        })
    }

    /// Writes `s`, replacing each byte that `escape` names; the rest is copied in runs.
    fn escaped(&mut self, s: &str, escape: impl Fn(u8) -> Option<&'static [u8]>) -> Result<()> {
        let b = s.as_bytes();
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            if let Some(rep) = escape(c) {
                self.put(&b[start..i])?;
                self.put(rep)?;
                start = i + 1;
            }
        }
        self.put(&b[start..])
    }
}

/// One canonicalization run.
struct Engine<'a, 'input, 'o, M, W: Write + ?Sized> {
    m: &'o M,
    text: &'input str,
    exclusive: bool,
    comments: bool,
    v11: bool,
    inclusive: &'o InclusivePrefixes,
    root_element: u32,
    out: Out<'o, W>,
    frames: Vec<Frame<'a, 'input>>,
    arena: Vec<Binding<'a>>,
    /// Exclusive C14N: for each output element, the prefixes it visibly utilizes with the
    /// value of its namespace node in the set (`None`: not in the set).
    excl: Vec<(Option<&'a str>, Option<&'a str>)>,
    ns_out: Vec<Binding<'a>>,
    attrs: Vec<AttrOut<'a>>,
    utilized: Vec<Binding<'a>>,
    bases: Vec<&'a str>,
}

impl<'a, 'input: 'a, 'o, M: Membership, W: Write + ?Sized> Engine<'a, 'input, 'o, M, W> {
    fn new(c: &'o Canonicalizer, doc: &'a Document<'input>, m: &'o M, w: &'o mut W) -> Self {
        Engine {
            m,
            text: doc.input_text(),
            exclusive: c.method.is_exclusive(),
            comments: c.method.with_comments(),
            v11: c.method.is_version_11(),
            inclusive: &c.inclusive,
            root_element: doc.root_element().id().get(),
            out: Out {
                w,
                buf: Vec::with_capacity(OUT_BUFFER),
            },
            frames: Vec::new(),
            arena: Vec::new(),
            excl: Vec::new(),
            ns_out: Vec::new(),
            attrs: Vec::new(),
            utilized: Vec::new(),
            bases: Vec::new(),
        }
    }

    /// Walks the subtree of `start` in document order, without recursion.
    fn run(mut self, start: Node<'a, 'input>) -> Result<()> {
        let mut node = start;
        'walk: loop {
            if self.enter(node)?
                && let Some(child) = node.first_child()
            {
                node = child;
                continue;
            }
            let mut cur = node;
            loop {
                self.leave(cur)?;
                if cur == start {
                    break 'walk;
                }
                if let Some(next) = cur.next_sibling() {
                    node = next;
                    continue 'walk;
                }
                match cur.parent() {
                    Some(parent) => cur = parent,
                    // Unreachable: every node visited below `start` has a parent.
                    None => break 'walk,
                }
            }
        }
        self.out.flush()?;
        Ok(())
    }

    /// Handles a node on the way down; `true` when its children are to be visited.
    fn enter(&mut self, node: Node<'a, 'input>) -> Result<bool> {
        if self.m.skip(node) {
            if node.is_element() {
                // Keep the frame stack in step with `leave`.
                self.frames.push(Frame {
                    node,
                    qname: "",
                    output: false,
                    nearest_output: None,
                    arena_start: self.arena.len(),
                    arena_end: self.arena.len(),
                    excl_len: self.excl.len(),
                });
            }
            return Ok(false);
        }
        match node.node_type() {
            NodeType::Root => Ok(true),
            NodeType::Element => {
                self.start_element(node)?;
                Ok(true)
            }
            NodeType::Text => {
                if self.m.text(node) {
                    self.out.text(node.text().unwrap_or(""))?;
                }
                Ok(false)
            }
            NodeType::Comment => {
                if self.comments && self.m.comment(node) {
                    let position = self.root_level(node);
                    if position == Some(false) {
                        self.out.put(b"\n")?;
                    }
                    self.out.put(b"<!--")?;
                    self.out.line_ends_normalized(node.text().unwrap_or(""))?;
                    self.out.put(b"-->")?;
                    if position == Some(true) {
                        self.out.put(b"\n")?;
                    }
                }
                Ok(false)
            }
            NodeType::PI => {
                if self.m.pi(node)
                    && let Some(pi) = node.pi()
                {
                    let position = self.root_level(node);
                    if position == Some(false) {
                        self.out.put(b"\n")?;
                    }
                    self.out.put(b"<?")?;
                    self.out.put(pi.target.as_bytes())?;
                    if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                        self.out.put(b" ")?;
                        self.out.line_ends_normalized(value)?;
                    }
                    self.out.put(b"?>")?;
                    if position == Some(true) {
                        self.out.put(b"\n")?;
                    }
                }
                Ok(false)
            }
        }
    }

    /// For a child of the root node: `Some(true)` before the document element, `Some(false)`
    /// after it; `None` elsewhere.
    fn root_level(&self, node: Node<'a, 'input>) -> Option<bool> {
        let parent = node.parent()?;
        parent
            .is_root()
            .then(|| node.id().get() < self.root_element)
    }

    fn leave(&mut self, node: Node<'a, 'input>) -> Result<()> {
        if !node.is_element() {
            return Ok(());
        }
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        if frame.output {
            self.out.put(b"</")?;
            self.out.put(frame.qname.as_bytes())?;
            self.out.put(b">")?;
        }
        self.arena.truncate(frame.arena_start);
        self.excl.truncate(frame.excl_len);
        Ok(())
    }

    fn start_element(&mut self, e: Node<'a, 'input>) -> Result<()> {
        let in_set = self.m.element(e);
        let parent = self.frames.len().checked_sub(1);
        let nearest_output = parent.and_then(|i| {
            if self.frames[i].output {
                Some(i)
            } else {
                self.frames[i].nearest_output
            }
        });
        let orphan = match parent {
            Some(i) => !self.frames[i].output,
            None => e.parent().is_some_and(|p| p.is_element()),
        };
        let qname = self.element_qname(e)?;
        let arena_start = self.arena.len();
        let excl_len = self.excl.len();

        if in_set {
            self.out.put(b"<")?;
            self.out.put(qname.as_bytes())?;
        }
        self.collect_attributes(e, in_set, orphan)?;
        self.namespace_axis(e, qname, in_set, nearest_output);
        self.write_namespaces()?;
        self.write_attributes()?;
        if in_set {
            self.out.put(b">")?;
        }
        self.frames.push(Frame {
            node: e,
            qname,
            output: in_set,
            nearest_output: if in_set {
                Some(self.frames.len())
            } else {
                nearest_output
            },
            arena_start,
            arena_end: self.arena.len(),
            excl_len,
        });
        Ok(())
    }

    /// The element's qualified name as written in the source.
    fn element_qname(&self, e: Node<'a, 'input>) -> Result<&'a str> {
        let b = self.text.as_bytes();
        let start = e.range().start + 1;
        let mut end = start;
        while end < b.len() && !matches!(b[end], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
            end += 1;
        }
        let qname = self.text.get(start..end).unwrap_or("");
        check_qname(qname, e.tag_name().name())?;
        Ok(qname)
    }

    fn attribute_qname(&self, a: &Attribute<'a, 'input>) -> Result<&'a str> {
        let qname = self.text.get(a.range_qname()).unwrap_or("");
        check_qname(qname, a.name())?;
        Ok(qname)
    }

    /// Fills `self.attrs` with the element's attributes in the node-set, plus what §2.4
    /// brings onto an element whose parent is not in the node-set.
    fn collect_attributes(
        &mut self,
        e: Node<'a, 'input>,
        in_set: bool,
        orphan: bool,
    ) -> Result<()> {
        self.attrs.clear();
        for a in e.attributes() {
            if (M::COMPLETE && in_set) || self.m.attribute(e, a) {
                self.attrs.push(AttrOut {
                    ns: a.namespace().unwrap_or(""),
                    local: a.name(),
                    qname: self.attribute_qname(&a)?,
                    value: Cow::Borrowed(a.value()),
                });
            }
        }
        if !in_set || !orphan || self.exclusive {
            return Ok(());
        }
        // Nearest occurrences of inheritable xml:* attributes on the ancestors.
        for anc in e.ancestors().skip(1).filter(Node::is_element) {
            for a in anc.attributes() {
                if a.namespace() != Some(XML_NAMESPACE) {
                    continue;
                }
                let local = a.name();
                if self.v11 && local != "lang" && local != "space" {
                    continue;
                }
                if e.attributes()
                    .any(|own| own.namespace() == Some(XML_NAMESPACE) && own.name() == local)
                {
                    continue;
                }
                if self
                    .attrs
                    .iter()
                    .any(|x| x.ns == XML_NAMESPACE && x.local == local)
                {
                    continue;
                }
                self.attrs.push(AttrOut {
                    ns: XML_NAMESPACE,
                    local,
                    qname: self.attribute_qname(&a)?,
                    value: Cow::Borrowed(a.value()),
                });
            }
        }
        if self.v11 {
            self.fix_up_xml_base(e);
        }
        Ok(())
    }

    /// Canonical XML 1.1 §2.4 xml:base fix-up for an element whose parent is omitted.
    fn fix_up_xml_base(&mut self, e: Node<'a, 'input>) {
        self.bases.clear();
        let depth = self.frames.len();
        for (k, anc) in e.ancestors().skip(1).enumerate() {
            if !anc.is_element() {
                break;
            }
            // The k-th ancestor is frames[depth - 1 - k] when the traversal passed it.
            if k < depth && self.frames[depth - 1 - k].output {
                break;
            }
            if let Some(base) = anc.attribute((XML_NAMESPACE, "base")) {
                self.bases.push(base);
            }
        }
        if self.bases.is_empty() {
            return;
        }
        let own = self
            .attrs
            .iter()
            .position(|a| a.ns == XML_NAMESPACE && a.local == "base");
        // Outermost first, then E's own value.
        let mut values = self.bases.iter().rev().copied();
        let mut joined = values.next().unwrap_or("").to_owned();
        for value in values {
            joined = join_uri_references(&joined, value);
        }
        if let Some(i) = own {
            joined = join_uri_references(&joined, &self.attrs[i].value);
            self.attrs.remove(i);
        }
        if !joined.is_empty() {
            self.attrs.push(AttrOut {
                ns: XML_NAMESPACE,
                local: "base",
                qname: "xml:base",
                value: Cow::Owned(joined),
            });
        }
    }

    /// Fills `self.ns_out` with the namespace declarations to write for `e`.
    fn namespace_axis(
        &mut self,
        e: Node<'a, 'input>,
        qname: &'a str,
        in_set: bool,
        nearest_output: Option<usize>,
    ) {
        self.ns_out.clear();
        if !self.exclusive {
            self.inclusive_namespaces(e, in_set, nearest_output, false);
            return;
        }
        if !self.inclusive.is_empty() {
            self.inclusive_namespaces(e, in_set, nearest_output, true);
        }
        if in_set {
            self.exclusive_namespaces(e, qname);
        }
    }

    /// The Canonical XML namespace rule, for every prefix or (`listed_only`) for the
    /// PrefixList's prefixes.
    fn inclusive_namespaces(
        &mut self,
        e: Node<'a, 'input>,
        in_set: bool,
        nearest_output: Option<usize>,
        listed_only: bool,
    ) {
        let listed = |p: Option<&str>| !listed_only || self.inclusive.contains(p);
        let mut has_default = false;
        if M::COMPLETE {
            // Here the nearest output ancestor is the parent, and all namespace nodes of
            // both are in the set.
            let parent = nearest_output.map(|i| self.frames[i].node);
            if let Some(parent) = parent {
                let mine = e.namespaces();
                let theirs = parent.namespaces();
                if mine.len() == theirs.len() && mine.zip(theirs).all(|(a, b)| std::ptr::eq(a, b)) {
                    return;
                }
            }
            for ns in e.namespaces() {
                let (p, v) = (ns.name(), ns.uri());
                if (p.is_none() && v.is_empty()) || !listed(p) {
                    continue;
                }
                has_default |= p.is_none();
                if parent.is_some_and(|par| par.namespaces().any(|n| n.name() == p && n.uri() == v))
                {
                    continue;
                }
                self.ns_out.push((p, v));
            }
            if !has_default
                && listed(None)
                && let Some(par) = parent
                && par.default_namespace().is_some_and(|d| !d.is_empty())
            {
                self.ns_out.push((None, ""));
            }
            return;
        }

        let ancestor =
            nearest_output.map(|i| (self.frames[i].arena_start, self.frames[i].arena_end));
        for ns in e.namespaces() {
            let (p, v) = (ns.name(), ns.uri());
            if (p.is_none() && v.is_empty()) || !listed(p) || !self.m.namespace(e, p, v) {
                continue;
            }
            if in_set {
                self.arena.push((p, v));
                has_default |= p.is_none();
            }
            if let Some((s, t)) = ancestor
                && self.arena[s..t].iter().any(|&(q, u)| q == p && u == v)
            {
                continue;
            }
            self.ns_out.push((p, v));
        }
        if in_set
            && !has_default
            && listed(None)
            && let Some((s, t)) = ancestor
            && self.arena[s..t].iter().any(|&(q, _)| q.is_none())
        {
            self.ns_out.push((None, ""));
        }
    }

    /// The exclusive rule for visibly utilized prefixes not in the PrefixList.
    fn exclusive_namespaces(&mut self, e: Node<'a, 'input>, qname: &'a str) {
        self.utilized.clear();
        let element_prefix = qname.split_once(':').map(|(p, _)| p);
        self.utilized
            .push((element_prefix, e.tag_name().namespace().unwrap_or("")));
        for a in &self.attrs {
            if let Some((p, _)) = a.qname.split_once(':')
                && !self.utilized.iter().any(|&(q, _)| q == Some(p))
            {
                self.utilized.push((Some(p), a.ns));
            }
        }
        for i in 0..self.utilized.len() {
            let (p, v) = self.utilized[i];
            if p == Some("xml") || self.inclusive.contains(p) {
                continue;
            }
            let previous = self
                .excl
                .iter()
                .rev()
                .find(|(q, _)| *q == p)
                .map(|&(_, value)| value);
            if p.is_none() && v.is_empty() {
                // No default namespace: undeclare one that an output ancestor rendered.
                if previous.flatten().is_some_and(|u| !u.is_empty()) {
                    self.ns_out.push((None, ""));
                }
                self.excl.push((None, Some("")));
                continue;
            }
            if M::COMPLETE || self.m.namespace(e, p, v) {
                if previous != Some(Some(v)) {
                    self.ns_out.push((p, v));
                }
                self.excl.push((p, Some(v)));
            } else {
                self.excl.push((p, None));
            }
        }
    }

    fn write_namespaces(&mut self) -> Result<()> {
        self.ns_out
            .sort_unstable_by(|a, b| a.0.unwrap_or("").cmp(b.0.unwrap_or("")));
        for i in 0..self.ns_out.len() {
            let (p, v) = self.ns_out[i];
            match p {
                None => self.out.put(b" xmlns=\"")?,
                Some(p) => {
                    self.out.put(b" xmlns:")?;
                    self.out.put(p.as_bytes())?;
                    self.out.put(b"=\"")?;
                }
            }
            self.out.attr_value(v)?;
            self.out.put(b"\"")?;
        }
        Ok(())
    }

    fn write_attributes(&mut self) -> Result<()> {
        if self.attrs.len() > 1 {
            self.attrs
                .sort_unstable_by(|a, b| (a.ns, a.local).cmp(&(b.ns, b.local)));
        }
        for a in &self.attrs {
            self.out.put(b" ")?;
            self.out.put(a.qname.as_bytes())?;
            self.out.put(b"=\"")?;
            self.out.attr_value(&a.value)?;
            self.out.put(b"\"")?;
        }
        Ok(())
    }
}

/// Checks that a name read from the source text is the node's (a prefix, a colon and the
/// local name, or the local name). It is not when the tree was built with entity expansion,
/// which kyso's parser never does.
fn check_qname(qname: &str, local: &str) -> Result<()> {
    let ok = match qname.strip_suffix(local) {
        Some("") => true,
        Some(prefix) => prefix.ends_with(':') && prefix.len() > 1,
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Unsupported(
            "canonicalization of a node that is not backed by the source text (entity expansion)"
                .into(),
        ))
    }
}

/// The parts of a URI reference (RFC 3986 Appendix B); `None` for an absent component.
struct UriParts<'s> {
    scheme: Option<&'s str>,
    authority: Option<&'s str>,
    path: &'s str,
    query: Option<&'s str>,
}

fn split_uri(s: &str) -> UriParts<'_> {
    let s = s.split_once('#').map_or(s, |(before, _)| before);
    let (s, query) = match s.split_once('?') {
        Some((before, q)) => (before, Some(q)),
        None => (s, None),
    };
    let (scheme, rest) = match s.find([':', '/']) {
        Some(i) if i > 0 && s.as_bytes()[i] == b':' => (Some(&s[..i]), &s[i + 1..]),
        _ => (None, s),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    UriParts {
        scheme,
        authority,
        path,
        query,
    }
}

/// RFC 3986 §5.2.4 remove_dot_segments, modified as Canonical XML 1.1 needs for relative
/// paths: `..` segments that cannot be removed are kept, and a path that ends in `.` or
/// `..` keeps a trailing slash. Empty segments are dropped.
fn remove_dot_segments(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    let parts: Vec<&str> = path.split('/').collect();
    for (i, seg) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *seg {
            "" => trailing_slash = last && i > 0,
            "." => trailing_slash = last,
            ".." => {
                match segments.last() {
                    Some(&s) if s != ".." => {
                        segments.pop();
                    }
                    _ if absolute => {}
                    _ => segments.push(".."),
                }
                trailing_slash = last;
            }
            s => {
                segments.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    if absolute {
        out.push('/');
    }
    out.push_str(&segments.join("/"));
    if trailing_slash && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// Canonical XML 1.1's join-URI-References: resolves `reference` against `base` as RFC 3986
/// §5.2.2 does, except that `base` need not be absolute (a relative result stays relative)
/// and a base path ending in `..` is taken as ending in `../`. Fragments are dropped.
fn join_uri_references(base: &str, reference: &str) -> String {
    let b = split_uri(base);
    let r = split_uri(reference);
    let (scheme, authority, path, query);
    if r.scheme.is_some() {
        scheme = r.scheme;
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else if r.authority.is_some() {
        scheme = b.scheme;
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else {
        scheme = b.scheme;
        authority = b.authority;
        if r.path.is_empty() {
            path = b.path.to_owned();
            query = r.query.or(b.query);
        } else {
            query = r.query;
            if r.path.starts_with('/') {
                path = remove_dot_segments(r.path);
            } else {
                let base_path: Cow<'_, str> = if b.path == ".." || b.path.ends_with("/..") {
                    Cow::Owned(format!("{}/", b.path))
                } else {
                    Cow::Borrowed(b.path)
                };
                let merged = if b.authority.is_some() && base_path.is_empty() {
                    format!("/{}", r.path)
                } else {
                    match base_path.rfind('/') {
                        Some(i) => format!("{}{}", &base_path[..=i], r.path),
                        None => r.path.to_owned(),
                    }
                };
                path = remove_dot_segments(&merged);
            }
        }
    }
    let mut out = String::new();
    if let Some(s) = scheme {
        out.push_str(s);
        out.push(':');
    }
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    out.push_str(&path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(method: C14nMethod, xml: &str) -> String {
        let doc = Document::parse(xml).unwrap();
        let out = Canonicalizer::new(method).document_to_vec(&doc).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn sub(method: C14nMethod, prefixes: &str, xml: &str, apex: &str, excluded: &[&str]) -> String {
        let doc = Document::parse(xml).unwrap();
        let find = |name: &str| {
            doc.descendants()
                .find(|n| n.is_element() && n.tag_name().name() == name)
                .unwrap()
        };
        let excluded: Vec<_> = excluded.iter().map(|n| find(n)).collect();
        let out = Canonicalizer::new(method)
            .with_inclusive_prefixes(InclusivePrefixes::parse(prefixes))
            .subtree_to_vec(find(apex), &excluded)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn uris_round_trip() {
        for m in C14nMethod::ALL {
            assert_eq!(C14nMethod::from_uri(m.uri()).unwrap(), m);
        }
        assert!(C14nMethod::from_uri("http://www.w3.org/2006/12/xml-c14n11#").is_err());
        assert!(C14nMethod::Exclusive10WithComments.with_comments());
        assert!(!C14nMethod::Inclusive11.with_comments());
    }

    #[test]
    fn escaping_and_empty_elements() {
        let xml = "<r a='&lt;&amp;&gt;&quot;&#9;&#10;&#13;' b=\"'\">&lt;&amp;&gt;\"'&#13;<e/></r>";
        assert_eq!(
            c14n(C14nMethod::Inclusive10, xml),
            "<r a=\"&lt;&amp;>&quot;&#x9;&#xA;&#xD;\" b=\"'\">&lt;&amp;&gt;\"'&#xD;<e></e></r>"
        );
    }

    #[test]
    fn document_level_comments_and_pis() {
        let xml = "<?xml version='1.0'?>\n<?a  x ?>\n<!--c1-->\n<r><!--in--><?b?></r>\n<!--c2-->\n<?z?>\n";
        assert_eq!(
            c14n(C14nMethod::Inclusive10, xml),
            "<?a x ?>\n<r><?b?></r>\n<?z?>"
        );
        assert_eq!(
            c14n(C14nMethod::Inclusive10WithComments, xml),
            "<?a x ?>\n<!--c1-->\n<r><!--in--><?b?></r>\n<!--c2-->\n<?z?>"
        );
    }

    #[test]
    fn line_ends_in_comments_and_pis_are_normalized() {
        let xml = "<r><!--a\r\nb\rc--><?p x\r\ny\r?></r>";
        assert_eq!(
            c14n(C14nMethod::Inclusive10WithComments, xml),
            "<r><!--a\nb\nc--><?p x\ny\n?></r>"
        );
    }

    #[test]
    fn namespace_uris_are_escaped_like_attribute_values() {
        // C14N 1.0 §2.3: a namespace node is processed "in the same way as an attribute node".
        let xml = "<r xmlns:p='urn:x?a=1&amp;b=&quot;2&quot;&#9;'/>";
        assert_eq!(
            c14n(C14nMethod::Inclusive10, xml),
            r#"<r xmlns:p="urn:x?a=1&amp;b=&quot;2&quot;&#x9;"></r>"#
        );
    }

    #[test]
    fn attribute_and_namespace_order() {
        let xml =
            r#"<r xmlns:b="urn:b" xmlns:a="urn:z" xmlns="urn:d" z="1" b:y="2" a:x="3" a="4"/>"#;
        assert_eq!(
            c14n(C14nMethod::Inclusive10, xml),
            r#"<r xmlns="urn:d" xmlns:a="urn:z" xmlns:b="urn:b" a="4" z="1" b:y="2" a:x="3"></r>"#
        );
    }

    #[test]
    fn redundant_declarations_and_default_undeclaration() {
        let xml = r#"<r xmlns="urn:d" xmlns:p="urn:p"><p:a xmlns:p="urn:p"><b xmlns=""><c xmlns=""/></b></p:a></r>"#;
        assert_eq!(
            c14n(C14nMethod::Inclusive10, xml),
            r#"<r xmlns="urn:d" xmlns:p="urn:p"><p:a><b xmlns=""><c></c></b></p:a></r>"#
        );
        // xmlns="" where no default namespace was in force is dropped.
        assert_eq!(
            c14n(C14nMethod::Inclusive10, r#"<r><a xmlns=""/></r>"#),
            "<r><a></a></r>"
        );
    }

    const APEX: &str = r#"<top xml:lang="vi" xml:space="preserve" xml:id="t" xml:base="http://example.org/a/b" xml:other="o" xmlns:p="urn:p" xmlns:q="urn:q"><mid xml:lang="en" xml:base="c/d"><p:apex a="1" q:b="2" xml:space="default"><p:in/></p:apex></mid></top>"#;

    #[test]
    fn apex_inherits_xml_attributes_in_10() {
        assert_eq!(
            sub(C14nMethod::Inclusive10, "", APEX, "apex", &[]),
            r#"<p:apex xmlns:p="urn:p" xmlns:q="urn:q" a="1" xml:base="c/d" xml:id="t" xml:lang="en" xml:other="o" xml:space="default" q:b="2"><p:in></p:in></p:apex>"#
        );
    }

    #[test]
    fn apex_inherits_lang_and_space_and_fixes_base_in_11() {
        assert_eq!(
            sub(C14nMethod::Inclusive11, "", APEX, "apex", &[]),
            r#"<p:apex xmlns:p="urn:p" xmlns:q="urn:q" a="1" xml:base="http://example.org/a/c/d" xml:lang="en" xml:space="default" q:b="2"><p:in></p:in></p:apex>"#
        );
    }

    #[test]
    fn apex_inherits_nothing_in_exclusive() {
        assert_eq!(
            sub(C14nMethod::Exclusive10, "", APEX, "apex", &[]),
            r#"<p:apex xmlns:p="urn:p" xmlns:q="urn:q" a="1" xml:space="default" q:b="2"><p:in></p:in></p:apex>"#
        );
    }

    #[test]
    fn exclusive_renders_only_visibly_utilized_namespaces() {
        let xml = r#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:unused"><a:e b:x="1"><f/><a:g xmlns:a="urn:a2"/><a:h/></a:e></r>"#;
        assert_eq!(
            sub(C14nMethod::Exclusive10, "", xml, "e", &[]),
            r#"<a:e xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><f xmlns="urn:d"></f><a:g xmlns:a="urn:a2"></a:g><a:h></a:h></a:e>"#
        );
        // The whole document: the default namespace is first utilized by r.
        assert_eq!(
            c14n(C14nMethod::Exclusive10, xml),
            r#"<r xmlns="urn:d"><a:e xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><f></f><a:g xmlns:a="urn:a2"></a:g><a:h></a:h></a:e></r>"#
        );
    }

    #[test]
    fn exclusive_undeclares_default_namespace_only_when_rendered_above() {
        let xml = r#"<r xmlns="urn:d"><a><b xmlns=""><c/></b></a></r>"#;
        assert_eq!(
            c14n(C14nMethod::Exclusive10, xml),
            r#"<r xmlns="urn:d"><a><b xmlns=""><c></c></b></a></r>"#
        );
        assert_eq!(
            sub(C14nMethod::Exclusive10, "", xml, "b", &[]),
            "<b><c></c></b>"
        );
        let xml = r#"<p:r xmlns:p="urn:p" xmlns="urn:d"><p:a><b xmlns=""/></p:a></p:r>"#;
        assert_eq!(
            c14n(C14nMethod::Exclusive10, xml),
            r#"<p:r xmlns:p="urn:p"><p:a><b></b></p:a></p:r>"#
        );
    }

    #[test]
    fn prefix_list_with_default() {
        let xml = r#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:k="urn:k" xmlns:u="urn:u"><a:e><f/></a:e></r>"#;
        assert_eq!(
            sub(C14nMethod::Exclusive10, "#default k", xml, "e", &[]),
            r#"<a:e xmlns="urn:d" xmlns:a="urn:a" xmlns:k="urn:k"><f></f></a:e>"#
        );
        assert_eq!(
            sub(C14nMethod::Exclusive10, "u", xml, "e", &[]),
            r#"<a:e xmlns:a="urn:a" xmlns:u="urn:u"><f xmlns="urn:d"></f></a:e>"#
        );
        // With #default listed, an unprefixed element below the apex inherits from the apex.
        let xml = r#"<r xmlns="urn:d"><a><b xmlns=""/></a></r>"#;
        assert_eq!(
            sub(C14nMethod::Exclusive10, "#default", xml, "a", &[]),
            r#"<a xmlns="urn:d"><b xmlns=""></b></a>"#
        );
    }

    #[test]
    fn excluded_subtrees_vanish() {
        let xml = r#"<r xmlns:ds="urn:ds"><d Id="x">text<ds:Signature><ds:V/></ds:Signature><!--c--><e/></d></r>"#;
        assert_eq!(
            sub(C14nMethod::Inclusive10, "", xml, "d", &["Signature"]),
            r#"<d xmlns:ds="urn:ds" Id="x">text<e></e></d>"#
        );
        assert_eq!(
            sub(
                C14nMethod::Inclusive10WithComments,
                "",
                xml,
                "d",
                &["Signature"]
            ),
            r#"<d xmlns:ds="urn:ds" Id="x">text<!--c--><e></e></d>"#
        );
        assert_eq!(sub(C14nMethod::Inclusive10, "", xml, "d", &["d"]), "");
    }

    #[test]
    fn general_node_set_renders_omitted_elements_axes_as_text() {
        // C14N 1.0 §2.3: an element outside the set contributes its namespace and
        // attribute nodes that are in the set, then its children.
        let xml = r#"<r xmlns:a="urn:a"><s xmlns:b="urn:b" k="v"><t/></s></r>"#;
        let doc = Document::parse(xml).unwrap();
        let set = |n: &SetNode<'_, '_>| match n {
            SetNode::Element(e) => e.tag_name().name() != "s",
            _ => true,
        };
        let mut out = Vec::new();
        Canonicalizer::new(C14nMethod::Inclusive10)
            .node_set(&doc, &set, &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<r xmlns:a="urn:a"> xmlns:b="urn:b" k="v"<t xmlns:b="urn:b"></t></r>"#
        );
    }

    #[test]
    fn general_node_set_omitted_parent_inherits_xml_attributes() {
        let xml = r#"<r xml:lang="vi"><s xml:lang="en"><t xml:space="preserve"/></s></r>"#;
        let doc = Document::parse(xml).unwrap();
        let set = |n: &SetNode<'_, '_>| match n {
            SetNode::Element(e) => e.tag_name().name() != "s",
            SetNode::Attribute { element, .. } => element.tag_name().name() != "s",
            _ => true,
        };
        let run = |method| {
            let mut out = Vec::new();
            Canonicalizer::new(method)
                .node_set(&doc, &set, &mut out)
                .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            run(C14nMethod::Inclusive10),
            r#"<r xml:lang="vi"><t xml:lang="en" xml:space="preserve"></t></r>"#
        );
        assert_eq!(
            run(C14nMethod::Exclusive10),
            r#"<r xml:lang="vi"><t xml:space="preserve"></t></r>"#
        );
    }

    #[test]
    fn join_uri_references_spec_examples() {
        // Canonical XML 1.1 §2.4.
        assert_eq!(join_uri_references("abc/", "../"), "");
        assert_eq!(join_uri_references("../", "../"), "../../");
        assert_eq!(join_uri_references("..", ".."), "../../");
        assert_eq!(
            join_uri_references(&join_uri_references("..", ".."), "x"),
            "../../x"
        );
        // RFC 3986 §5.4.1 normal examples still hold for absolute bases.
        let base = "http://a/b/c/d;p?q";
        for (r, t) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("g:h", "g:h"),
        ] {
            assert_eq!(join_uri_references(base, r), t, "{r}");
        }
    }

    #[test]
    fn xml_base_fix_up_across_omitted_ancestors() {
        // Canonical XML 1.1 §2.4: with b and c omitted, d's xml:base becomes "../../x".
        let xml = r#"<a xml:base="foo/bar"><b xml:base=".."><c xml:base=".."><d xml:base="x"/></c></b></a>"#;
        let doc = Document::parse(xml).unwrap();
        let set = |n: &SetNode<'_, '_>| {
            let e = match n {
                SetNode::Element(e) => *e,
                SetNode::Attribute { element, .. } => *element,
                _ => return true,
            };
            !matches!(e.tag_name().name(), "b" | "c")
        };
        let mut out = Vec::new();
        Canonicalizer::new(C14nMethod::Inclusive11)
            .node_set(&doc, &set, &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<a xml:base="foo/bar"><d xml:base="../../x"></d></a>"#
        );
    }

    #[test]
    fn deep_documents_do_not_recurse() {
        let depth = 200_000;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let doc = Document::parse(&xml).unwrap();
        let out = Canonicalizer::new(C14nMethod::Exclusive10)
            .document_to_vec(&doc)
            .unwrap();
        assert_eq!(out.len(), depth * 7);
    }
}
