//! Transforms and the digest of a reference (XMLDSig 1.1 §4.4.3.2, §6.6).
//!
//! The data of a reference is either a node-set (what a same-document URI names, possibly
//! minus the enveloping signature) or octets. kyso runs these transforms:
//!
//! | transform | input → output |
//! |---|---|
//! | enveloped-signature (§6.6.4) | node-set → the node-set minus the Signature that holds the transform |
//! | the six canonicalizations (§6.5) | node-set → octets |
//! | base64 (§6.6.2) | node-set (its text) or octets → decoded octets |
//!
//! A node-set left at the end of the chain is canonicalized with Canonical XML 1.0 without
//! comments (§4.4.3.2). Comments removed by the dereference (`""`, `#id`) stay removed even
//! under a `#WithComments` canonicalization. XPath, XPath Filter 2.0, XSLT and every other
//! transform are refused as unsupported, so that what is digested is always something the
//! report can name.

use std::io::Write;

use roxmltree::Node;

use super::reference::Target;
use super::{BASE64_TRANSFORM, DSIG_NS, ENVELOPED_SIGNATURE, Problem, decode_base64, escape_xml};
use crate::crypto::DigestAlgorithm;
use crate::xml::XmlDocument;
use crate::xml::c14n::{C14nMethod, Canonicalizer, InclusivePrefixes};

/// The namespace of Exclusive C14N's `InclusiveNamespaces` element.
pub const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// One transform kyso runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    /// The enveloped-signature transform.
    EnvelopedSignature,
    /// A canonicalization, with the InclusiveNamespaces PrefixList of the exclusive methods.
    Canonicalize(C14nMethod, InclusivePrefixes),
    /// Base64 decoding.
    Base64,
}

impl Transform {
    /// The transform's Algorithm URI.
    pub fn uri(&self) -> &'static str {
        match self {
            Transform::EnvelopedSignature => ENVELOPED_SIGNATURE,
            Transform::Canonicalize(m, _) => m.uri(),
            Transform::Base64 => BASE64_TRANSFORM,
        }
    }

    /// Reads a `ds:Transform` element.
    pub(crate) fn parse(node: Node<'_, '_>) -> Result<Self, Problem> {
        let Some(uri) = node.attribute("Algorithm") else {
            return Err(Problem::format("a Transform has no Algorithm"));
        };
        if uri == ENVELOPED_SIGNATURE {
            return Ok(Transform::EnvelopedSignature);
        }
        if uri == BASE64_TRANSFORM {
            return Ok(Transform::Base64);
        }
        match C14nMethod::from_uri(uri) {
            Ok(m) => Ok(Transform::Canonicalize(m, inclusive_prefixes(node, m))),
            Err(_) => Err(Problem::unsupported_data(format!(
                "transform {uri} (kyso runs enveloped-signature, canonicalization and base64 \
                 only; XPath, XSLT and the like are refused by policy)"
            ))),
        }
    }

    /// Writes the `Transform` element with the given dsig prefix (`"ds:"` or `""`).
    pub(crate) fn to_xml(&self, p: &str) -> String {
        match self {
            Transform::Canonicalize(m, prefixes) if m.is_exclusive() && !prefixes.is_empty() => {
                format!(
                    "<{p}Transform Algorithm=\"{}\"><ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N_NS}\" PrefixList=\"{}\"/></{p}Transform>",
                    self.uri(),
                    escape_xml(&prefix_list_text(prefixes))
                )
            }
            _ => format!("<{p}Transform Algorithm=\"{}\"/>", self.uri()),
        }
    }
}

/// The PrefixList of an exclusive canonicalization element (Transform or
/// CanonicalizationMethod); empty for the inclusive methods.
pub(crate) fn inclusive_prefixes(node: Node<'_, '_>, method: C14nMethod) -> InclusivePrefixes {
    if !method.is_exclusive() {
        return InclusivePrefixes::none();
    }
    node.children()
        .find(|c| {
            c.is_element()
                && c.tag_name().name() == "InclusiveNamespaces"
                && c.tag_name().namespace() == Some(EXC_C14N_NS)
        })
        .and_then(|c| c.attribute("PrefixList"))
        .map(InclusivePrefixes::parse)
        .unwrap_or_default()
}

/// The PrefixList text of a prefix list (as written by kyso's signer).
pub(crate) fn prefix_list_text(prefixes: &InclusivePrefixes) -> String {
    let mut parts = Vec::new();
    if prefixes.contains(None) {
        parts.push("#default".to_owned());
    }
    for p in ["ds", "xades", "ec"] {
        if prefixes.contains(Some(p)) {
            parts.push(p.to_owned());
        }
    }
    parts.join(" ")
}

/// The same canonicalization without comments.
pub(crate) fn without_comments(m: C14nMethod) -> C14nMethod {
    match m {
        C14nMethod::Inclusive10WithComments => C14nMethod::Inclusive10,
        C14nMethod::Inclusive11WithComments => C14nMethod::Inclusive11,
        C14nMethod::Exclusive10WithComments => C14nMethod::Exclusive10,
        other => other,
    }
}

/// Reads the `ds:Transforms` of a Reference (at most `max` of them).
pub(crate) fn parse_transforms(
    transforms: Option<Node<'_, '_>>,
    max: u32,
) -> Result<Vec<Transform>, Problem> {
    let Some(transforms) = transforms else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for child in transforms.children().filter(Node::is_element) {
        if child.tag_name().namespace() != Some(DSIG_NS) || child.tag_name().name() != "Transform" {
            return Err(Problem::format(format!(
                "unexpected element {} in Transforms",
                child.tag_name().name()
            )));
        }
        if out.len() >= max as usize {
            return Err(Problem::format(format!(
                "more than {max} transforms in one Reference (limit max_transforms)"
            )));
        }
        out.push(Transform::parse(child)?);
    }
    Ok(out)
}

/// The data between two transforms.
enum Data<'a, 'i> {
    Nodes {
        apex: Node<'a, 'i>,
        comments: bool,
        excluded: Vec<Node<'a, 'i>>,
    },
    Octets(Vec<u8>),
}

/// Runs `transforms` over `target` and digests the result with `digest`. `signature` is the
/// Signature element that holds the reference (what enveloped-signature removes).
pub(crate) fn digest_reference<'a, 'i>(
    doc: &'a XmlDocument<'i>,
    target: Target<'a, 'i>,
    transforms: &[Transform],
    signature: Node<'a, 'i>,
    digest: DigestAlgorithm,
) -> Result<Vec<u8>, Problem> {
    let mut data = Data::Nodes {
        apex: target.apex(doc),
        comments: target.comments(),
        excluded: Vec::new(),
    };
    for t in transforms {
        data = match (t, data) {
            (
                Transform::EnvelopedSignature,
                Data::Nodes {
                    apex,
                    comments,
                    mut excluded,
                },
            ) => {
                excluded.push(signature);
                Data::Nodes {
                    apex,
                    comments,
                    excluded,
                }
            }
            (
                Transform::Canonicalize(method, prefixes),
                Data::Nodes {
                    apex,
                    comments,
                    excluded,
                },
            ) => {
                let mut out = Vec::new();
                canonicalizer(*method, comments, prefixes).subtree(apex, &excluded, &mut out)?;
                Data::Octets(out)
            }
            (Transform::Base64, Data::Nodes { apex, excluded, .. }) => Data::Octets(decode_base64(
                &string_value(apex, &excluded),
                "base64 transform",
            )?),
            (Transform::Base64, Data::Octets(bytes)) => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Problem::format("base64 transform over octets that are not text")
                })?;
                Data::Octets(decode_base64(&text, "base64 transform")?)
            }
            (t, Data::Octets(_)) => {
                return Err(Problem::unsupported_data(format!(
                    "transform {} after the data became octets (kyso does not re-parse)",
                    t.uri()
                )));
            }
        };
    }
    let mut hasher = digest.hasher();
    match data {
        Data::Nodes {
            apex,
            comments,
            excluded,
        } => {
            let c = canonicalizer(
                C14nMethod::Inclusive10,
                comments,
                &InclusivePrefixes::none(),
            );
            c.subtree(apex, &excluded, &mut hasher)?;
        }
        Data::Octets(bytes) => hasher
            .write_all(&bytes)
            .map_err(|e| Problem::format(e.to_string()))?,
    }
    Ok(hasher.finish())
}

fn canonicalizer(
    method: C14nMethod,
    comments: bool,
    prefixes: &InclusivePrefixes,
) -> Canonicalizer {
    let method = if comments {
        method
    } else {
        without_comments(method)
    };
    Canonicalizer::new(method).with_inclusive_prefixes(prefixes.clone())
}

/// The XPath string value of a node-set that is a subtree minus excluded subtrees: its text
/// nodes in document order.
fn string_value(apex: Node<'_, '_>, excluded: &[Node<'_, '_>]) -> String {
    apex.descendants()
        .filter(Node::is_text)
        .filter(|t| !t.ancestors().any(|a| excluded.contains(&a)))
        .filter_map(|t| t.text())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::xml::IdAttributes;
    use crate::xml::dsig::reference::dereference;

    #[test]
    fn enveloped_and_comments() {
        let text = "<r><!--c--><a Id='x'>1<!--d--></a><S/></r>";
        let doc = XmlDocument::parse(text, &Limits::default(), &IdAttributes::default()).unwrap();
        let sig = doc.root_element().last_child().unwrap();
        let d = |uri: &str, t: &[Transform]| {
            let target = dereference(&doc, Some(uri)).unwrap();
            digest_reference(&doc, target, t, sig, DigestAlgorithm::Sha256).unwrap()
        };
        let sha = |s: &str| DigestAlgorithm::Sha256.digest(s.as_bytes());
        let env = [Transform::EnvelopedSignature];
        assert_eq!(d("", &env), sha("<r><a Id=\"x\">1</a></r>"));
        let env_wc = [
            Transform::EnvelopedSignature,
            Transform::Canonicalize(
                C14nMethod::Inclusive10WithComments,
                InclusivePrefixes::none(),
            ),
        ];
        // "" removes comments whatever the canonicalization says.
        assert_eq!(d("", &env_wc), sha("<r><a Id=\"x\">1</a></r>"));
        assert_eq!(
            d("#xpointer(/)", &env_wc),
            sha("<r><!--c--><a Id=\"x\">1<!--d--></a></r>")
        );
        assert_eq!(d("#x", &[]), sha("<a Id=\"x\">1</a>"));
    }

    #[test]
    fn base64_of_an_element() {
        let text = "<r><o Id='b'>a3lz\nbw==</o></r>";
        let doc = XmlDocument::parse(text, &Limits::default(), &IdAttributes::default()).unwrap();
        let target = dereference(&doc, Some("#b")).unwrap();
        let got = digest_reference(
            &doc,
            target,
            &[Transform::Base64],
            doc.root_element(),
            DigestAlgorithm::Sha1,
        )
        .unwrap();
        assert_eq!(got, DigestAlgorithm::Sha1.digest(b"kyso"));
    }
}
