//! What a Reference URI names, and how the report names what was digested.
//!
//! kyso dereferences same-document references only (XMLDSig 1.1 §4.4.3.3):
//!
//! | URI | node-set | comments |
//! |---|---|---|
//! | `""` | the whole document | removed |
//! | `#xpointer(/)` | the whole document | kept |
//! | `#id` | the element whose ID attribute is `id`, with its descendants | removed |
//! | `#xpointer(id('id'))` | the same | kept |
//!
//! Any other XPointer, a reference without URI, and a URI naming another resource are
//! refused as unsupported: kyso never fetches anything a signature points at. An ID carried
//! by two elements is a failure, not a choice (see [`XmlDocument::element_by_id`]).

use std::collections::{HashMap, HashSet};

use roxmltree::{Node, NodeId};

use super::Problem;
use crate::xml::XmlDocument;

/// One Reference as read from SignedInfo.
pub(crate) struct ParsedReference<'a, 'i> {
    /// The `ds:Reference` element.
    pub node: Node<'a, 'i>,
    /// `URI`, if present.
    pub uri: Option<&'a str>,
    /// `Id`, if present.
    pub id: Option<&'a str>,
    /// `Type`, if present.
    pub type_: Option<&'a str>,
    /// What the URI named, once dereferenced.
    pub target: Option<Target<'a, 'i>>,
    /// Whether the digest matched.
    pub digest_ok: bool,
    /// Whether its transforms include enveloped-signature.
    pub enveloped: bool,
}

/// What a same-document reference names.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a, 'i> {
    /// The whole document.
    Document {
        /// Whether comment nodes are in the node-set.
        comments: bool,
    },
    /// One element and its descendants.
    Element {
        /// The element.
        node: Node<'a, 'i>,
        /// Whether comment nodes are in the node-set.
        comments: bool,
    },
}

impl<'a, 'i> Target<'a, 'i> {
    /// The apex of the node-set: the document's root node or the element.
    pub fn apex(&self, doc: &'a XmlDocument<'i>) -> Node<'a, 'i> {
        match self {
            Target::Document { .. } => doc.doc().root(),
            Target::Element { node, .. } => *node,
        }
    }

    /// Whether comment nodes are in the node-set.
    pub fn comments(&self) -> bool {
        match self {
            Target::Document { comments } | Target::Element { comments, .. } => *comments,
        }
    }

    /// How the report names the digested content: `document`, or the element's path.
    pub fn describe(&self, namer: &mut PathNamer) -> String {
        match self {
            Target::Document { .. } => "document".to_owned(),
            Target::Element { node, .. } => namer.path(*node),
        }
    }
}

/// Resolves a Reference URI in `doc`.
pub(crate) fn dereference<'a, 'i>(
    doc: &'a XmlDocument<'i>,
    uri: Option<&str>,
) -> Result<Target<'a, 'i>, Problem> {
    let Some(uri) = uri else {
        return Err(Problem::unsupported_data(
            "a Reference without URI names data the application must supply; kyso verifies \
             same-document references only",
        ));
    };
    if uri.is_empty() {
        return Ok(Target::Document { comments: false });
    }
    let Some(fragment) = uri.strip_prefix('#') else {
        return Err(Problem::unsupported_data(format!(
            "reference to {uri:?}: kyso never fetches external resources; only same-document \
             references are verified"
        )));
    };
    if fragment == "xpointer(/)" {
        return Ok(Target::Document { comments: true });
    }
    if let Some(inner) = fragment.strip_prefix("xpointer(") {
        let id = inner
            .strip_suffix(')')
            .and_then(|s| s.strip_prefix("id("))
            .and_then(|s| s.strip_suffix(')'))
            .and_then(|s| {
                s.strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
            });
        return match id {
            Some(id) if is_ncname(id) => Ok(Target::Element {
                node: by_id(doc, id, uri)?,
                comments: true,
            }),
            _ => Err(Problem::unsupported_data(format!(
                "XPointer {uri:?}: only #xpointer(/) and #xpointer(id('…')) are supported"
            ))),
        };
    }
    if !is_ncname(fragment) {
        return Err(Problem::unsupported_data(format!(
            "fragment {uri:?} is not a bare-name ID reference"
        )));
    }
    Ok(Target::Element {
        node: by_id(doc, fragment, uri)?,
        comments: false,
    })
}

fn by_id<'a, 'i>(doc: &'a XmlDocument<'i>, id: &str, uri: &str) -> Result<Node<'a, 'i>, Problem> {
    match doc.element_by_id(id) {
        Ok(Some(node)) => Ok(node),
        Ok(None) => Err(Problem::not_found(format!(
            "reference {uri:?}: no element carries this ID"
        ))),
        Err(e) => Err(Problem::format(format!("reference {uri:?}: {e}"))),
    }
}

/// XML Namespaces NCName, as far as a bare-name pointer needs: a non-empty name without `:`,
/// whitespace or XPointer punctuation, not starting with a digit, `-` or `.`.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let bad = |c: char| {
        c.is_whitespace() || matches!(c, ':' | '(' | ')' | '\'' | '"' | '/' | '#' | '[' | ']')
    };
    !(bad(first) || first.is_ascii_digit() || first == '-' || first == '.' || chars.any(bad))
}

/// The qualified name of an element as written in the document (`ds:Signature`, `HDon`).
pub(crate) fn written_name<'i>(node: Node<'_, 'i>) -> &'i str {
    let text = node.document().input_text();
    let b = text.as_bytes();
    let start = node.range().start + 1;
    let mut end = start;
    while end < b.len() && !matches!(b[end], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
        end += 1;
    }
    text.get(start..end)
        .unwrap_or_else(|| node.tag_name().name())
}

/// The path of an element from the document element, as the report shows it:
/// `/HDon/DLHDon[@Id='data']`. Steps with same-named siblings carry a position (`[2]`); the
/// last step carries its ID attribute (`Id`, `ID`, `id` or `xml:id`) when it has one.
pub fn element_path(node: Node<'_, '_>) -> String {
    PathNamer::default().path(node)
}

/// Names elements by path ([`element_path`]), remembering the sibling positions it has
/// worked out, so that naming many elements of one document costs time linear in its size.
#[derive(Debug, Default)]
pub struct PathNamer {
    /// Element → (1-based position among same-named siblings, whether it has any).
    positions: HashMap<NodeId, (usize, bool)>,
    /// Parents whose children are in `positions`.
    scanned: HashSet<NodeId>,
}

impl PathNamer {
    /// The path of `node` (see [`element_path`]).
    pub fn path(&mut self, node: Node<'_, '_>) -> String {
        let mut steps: Vec<String> = Vec::new();
        for (i, el) in node.ancestors().filter(Node::is_element).enumerate() {
            let mut step = written_name(el).to_owned();
            if i == 0
                && let Some((attr, value)) = id_attribute(el)
            {
                step.push_str(&format!("[@{attr}='{value}']"));
            } else if let (index, true) = self.position(el) {
                step.push_str(&format!("[{index}]"));
            }
            steps.push(step);
        }
        steps.reverse();
        format!("/{}", steps.join("/"))
    }

    fn position(&mut self, el: Node<'_, '_>) -> (usize, bool) {
        let Some(parent) = el.parent() else {
            return (1, false);
        };
        if self.scanned.insert(parent.id()) {
            let mut totals: HashMap<&str, usize> = HashMap::new();
            for c in parent.children().filter(Node::is_element) {
                *totals.entry(written_name(c)).or_insert(0) += 1;
            }
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for c in parent.children().filter(Node::is_element) {
                let name = written_name(c);
                let n = seen.entry(name).or_insert(0);
                *n += 1;
                let total = totals.get(name).copied().unwrap_or(1);
                self.positions.insert(c.id(), (*n, total > 1));
            }
        }
        self.positions.get(&el.id()).copied().unwrap_or((1, false))
    }
}

/// The ID attribute an element carries, by the default naming conventions.
fn id_attribute<'a>(el: Node<'a, '_>) -> Option<(&'static str, &'a str)> {
    for (local, shown) in [("Id", "Id"), ("ID", "ID"), ("id", "id")] {
        if let Some(v) = el.attribute(local) {
            return Some((shown, v));
        }
    }
    el.attribute((crate::xml::XML_NAMESPACE, "id"))
        .map(|v| ("xml:id", v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::xml::IdAttributes;

    fn parse(text: &str) -> XmlDocument<'_> {
        XmlDocument::parse(text, &Limits::default(), &IdAttributes::default()).unwrap()
    }

    #[test]
    fn uris() {
        let doc = parse("<r><a Id='x'/><b id='y'><c/></b><b/></r>");
        assert!(matches!(
            dereference(&doc, Some("")),
            Ok(Target::Document { comments: false })
        ));
        assert!(matches!(
            dereference(&doc, Some("#xpointer(/)")),
            Ok(Target::Document { comments: true })
        ));
        let mut namer = PathNamer::default();
        let t = dereference(&doc, Some("#x")).unwrap();
        assert_eq!(t.describe(&mut namer), "/r/a[@Id='x']");
        assert!(!t.comments());
        let t = dereference(&doc, Some("#xpointer(id('y'))")).unwrap();
        assert_eq!(t.describe(&mut namer), "/r/b[@id='y']");
        assert!(t.comments());
        for bad in [
            None,
            Some("http://x/"),
            Some("#xpointer(//a)"),
            Some("#a b"),
        ] {
            assert!(dereference(&doc, bad).is_err(), "{bad:?}");
        }
        assert!(dereference(&doc, Some("#missing")).is_err());
    }

    #[test]
    fn paths_carry_positions_and_ids() {
        let doc = parse("<r xmlns:p='urn:p'><p:b/><p:b><c Id='z'/></p:b></r>");
        let c = doc.element_by_id("z").unwrap().unwrap();
        assert_eq!(element_path(c), "/r/p:b[2]/c[@Id='z']");
        let mut namer = PathNamer::default();
        let first_b = doc.root_element().first_element_child().unwrap();
        assert_eq!(namer.path(first_b), "/r/p:b[1]");
        assert_eq!(namer.path(c), "/r/p:b[2]/c[@Id='z']");
    }
}
