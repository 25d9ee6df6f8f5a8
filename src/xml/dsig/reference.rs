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

use roxmltree::Node;

use super::Problem;
use crate::xml::XmlDocument;

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
    pub fn describe(&self) -> String {
        match self {
            Target::Document { .. } => "document".to_owned(),
            Target::Element { node, .. } => element_path(*node),
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
    let mut steps: Vec<String> = Vec::new();
    for (i, el) in node.ancestors().filter(Node::is_element).enumerate() {
        let name = written_name(el);
        let mut step = name.to_owned();
        if i == 0
            && let Some((attr, value)) = id_attribute(el)
        {
            step.push_str(&format!("[@{attr}='{value}']"));
        } else {
            let same = |n: &Node<'_, '_>| n.is_element() && written_name(*n) == name;
            let before = el.prev_siblings().skip(1).filter(same).count();
            let after = el.next_siblings().skip(1).filter(same).count();
            if before + after > 0 {
                step.push_str(&format!("[{}]", before + 1));
            }
        }
        steps.push(step);
        if steps.len() > 4096 {
            break;
        }
    }
    steps.reverse();
    format!("/{}", steps.join("/"))
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
        let t = dereference(&doc, Some("#x")).unwrap();
        assert_eq!(t.describe(), "/r/a[@Id='x']");
        assert!(!t.comments());
        let t = dereference(&doc, Some("#xpointer(id('y'))")).unwrap();
        assert_eq!(t.describe(), "/r/b[@id='y']");
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
    }
}
