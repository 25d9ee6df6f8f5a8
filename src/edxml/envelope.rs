//! Reading an edXML envelope (QCVN 102:2016): the header fields, the manifest's references
//! and the encoded attachments, from a tree the hardened XML parser produced.
//!
//! ```text
//! edXMLEnvelope
//!   edXMLHeader
//!     MessageHeader: From, To*, DocumentId, Code, PromulgationInfo, DocumentType, Subject,
//!                    SignerInfo, …
//!     TraceHeaderList
//!     ds:Signature?
//!   edXMLBody
//!     edXMLManifest
//!       Reference*: ContentId (or xlink:href="cid:…"), AttachmentName, ContentType, …
//!   AttachmentEncoded
//!     Attachment*: ContentId, AttachmentName, ContentType, ContentTransferEncoded (base64)
//! ```
//!
//! Exchange software writes the attachment block in more than one way: inside or after the
//! body, under a wrapper element next to the envelope, with the edXML namespace or none. kyso
//! reads `Attachment` elements under any `AttachmentEncoded` of the document; their fields may
//! be child elements or attributes.

use roxmltree::Node;

use crate::report::{Organization, PackageHeader};
use crate::xml::dsig::DSIG_NS;

/// The XML namespace of QCVN 102:2016 edXML.
pub const NAMESPACE: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/// One reference of the manifest.
#[derive(Debug, Clone)]
pub(crate) struct ManifestEntry {
    pub content_id: String,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub description: Option<String>,
}

/// One encoded attachment: its fields and the text nodes of its base64 content.
#[derive(Debug, Clone)]
pub(crate) struct EncodedAttachment<'a, 'i> {
    pub content_id: String,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub description: Option<String>,
    /// The `ContentTransferEncoded` element, if any.
    pub content: Option<Node<'a, 'i>>,
}

impl<'a> EncodedAttachment<'a, '_> {
    /// The base64 text, as the text nodes of the content element (comments may split it).
    pub fn text_parts(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.content
            .into_iter()
            .flat_map(|n| n.children().filter(Node::is_text))
            .filter_map(|t| t.text())
    }

    /// Bytes of base64 text, white space included.
    pub fn encoded_len(&self) -> u64 {
        self.text_parts().map(|t| t.len() as u64).sum()
    }
}

/// The parts of an envelope kyso reads.
#[derive(Debug)]
pub(crate) struct Envelope<'a, 'i> {
    pub header: PackageHeader,
    pub header_node: Option<Node<'a, 'i>>,
    pub manifest_node: Option<Node<'a, 'i>>,
    pub manifest: Vec<ManifestEntry>,
    pub attachments: Vec<EncodedAttachment<'a, 'i>>,
    /// Whether the document holds a `ds:Signature` anywhere.
    pub signed: bool,
}

/// Whether `node` is an element named `local` in the edXML namespace or in none (some
/// exchange software writes the attachment block without a namespace).
fn named(node: Node<'_, '_>, local: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == local
        && matches!(node.tag_name().namespace(), None | Some(NAMESPACE))
}

/// Whether `node` is the edXML envelope element.
pub(crate) fn is_envelope(node: Node<'_, '_>) -> bool {
    node.is_element()
        && node.tag_name().name() == "edXMLEnvelope"
        && node.tag_name().namespace() == Some(NAMESPACE)
}

fn child<'a, 'i>(node: Node<'a, 'i>, local: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| named(*c, local))
}

/// The trimmed text of an element, `None` when empty. Only direct text counts: an element
/// with child elements is not a field.
fn text(node: Option<Node<'_, '_>>) -> Option<String> {
    let node = node?;
    let mut s = String::new();
    for t in node.children().filter(Node::is_text) {
        s.push_str(t.text().unwrap_or(""));
    }
    let trimmed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!trimmed.is_empty()).then_some(trimmed)
}

/// A field that may be a child element or an attribute.
fn field(node: Node<'_, '_>, local: &str) -> Option<String> {
    text(child(node, local)).or_else(|| {
        node.attributes()
            .find(|a| a.name() == local)
            .map(|a| a.value().trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// A content id as both sides should compare it: without `cid:` and angle brackets.
pub(crate) fn normalize_cid(raw: &str) -> String {
    let t = raw.trim();
    let t = t.strip_prefix("cid:").unwrap_or(t);
    t.trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_owned()
}

fn content_id(node: Node<'_, '_>) -> String {
    let raw = field(node, "ContentId").or_else(|| {
        node.attributes()
            .find(|a| a.name() == "href")
            .map(|a| a.value().to_owned())
    });
    raw.as_deref().map(normalize_cid).unwrap_or_default()
}

fn organization(node: Option<Node<'_, '_>>) -> Option<Organization> {
    let node = node?;
    Some(Organization {
        id: text(child(node, "OrganId")),
        name: text(child(node, "OrganName")),
    })
}

fn header(message: Option<Node<'_, '_>>) -> PackageHeader {
    let Some(m) = message else {
        return PackageHeader::default();
    };
    let code = child(m, "Code");
    let promulgation = child(m, "PromulgationInfo");
    let signer = child(m, "SignerInfo");
    PackageHeader {
        sender: organization(child(m, "From")),
        receivers: m
            .children()
            .filter(|c| named(*c, "To"))
            .filter_map(|c| organization(Some(c)))
            .collect(),
        document_id: text(child(m, "DocumentId")),
        code_number: code.and_then(|c| text(child(c, "CodeNumber"))),
        code_notation: code.and_then(|c| text(child(c, "CodeNotation"))),
        promulgation_date: promulgation.and_then(|p| text(child(p, "PromulgationDate"))),
        promulgation_place: promulgation.and_then(|p| text(child(p, "Place"))),
        document_type: child(m, "DocumentType").and_then(|d| text(child(d, "TypeName"))),
        subject: text(child(m, "Subject")),
        signer_name: signer.and_then(|s| text(child(s, "FullName"))),
        signer_competence: signer.and_then(|s| text(child(s, "Competence"))),
    }
}

/// Finds the envelope: the document element, or a child of it (a wrapper that also holds the
/// attachment block). `None` when the document is not an edXML package.
pub(crate) fn find_envelope<'a, 'i>(root: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    if is_envelope(root) {
        return Some(root);
    }
    root.children().find(|c| is_envelope(*c))
}

/// Reads the envelope of a parsed document. The caller bounds the document (node and size
/// limits of the parser); this walks it once.
pub(crate) fn read<'a, 'i>(root: Node<'a, 'i>) -> Option<Envelope<'a, 'i>> {
    let envelope = find_envelope(root)?;
    let header_node = child(envelope, "edXMLHeader");
    let message = header_node.and_then(|h| child(h, "MessageHeader"));
    let manifest_node = child(envelope, "edXMLBody").and_then(|b| child(b, "edXMLManifest"));
    let manifest = manifest_node
        .map(|m| {
            m.children()
                .filter(|c| named(*c, "Reference"))
                .map(|r| ManifestEntry {
                    content_id: content_id(r),
                    name: field(r, "AttachmentName"),
                    content_type: field(r, "ContentType"),
                    description: field(r, "Description"),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut attachments = Vec::new();
    let mut signed = false;
    for node in root.descendants().filter(Node::is_element) {
        if node.tag_name().name() == "Signature" && node.tag_name().namespace() == Some(DSIG_NS) {
            signed = true;
        }
        if named(node, "Attachment") && node.parent().is_some_and(|p| named(p, "AttachmentEncoded"))
        {
            attachments.push(EncodedAttachment {
                content_id: content_id(node),
                name: field(node, "AttachmentName"),
                content_type: field(node, "ContentType"),
                description: field(node, "Description"),
                content: child(node, "ContentTransferEncoded"),
            });
        }
    }
    Some(Envelope {
        header: header(message),
        header_node,
        manifest_node,
        manifest,
        attachments,
        signed,
    })
}
