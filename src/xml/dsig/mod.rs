//! XML Signature (XMLDSig 1.0 / 1.1 core): references, transforms, verification and signing.
//!
//! - [`reference`](mod@reference): what a Reference URI names in the document, and how the report names it.
//! - [`transform`]: the transforms kyso runs (enveloped-signature, the six canonicalizations,
//!   base64) and the digest of a reference.
//! - [`verify`]: [`verify_xml`], every signature of a document checked into a report.
//! - [`sign`]: [`prepare_xml`] / [`finish_xml`] / [`sign_xml`], a Signature spliced into the
//!   original bytes.
//!
//! Algorithm identifiers are the URIs of XMLDSig 1.1 §6 and RFC 6931 (`xmldsig-more`).

pub(crate) mod keyinfo;
pub mod reference;
pub mod sign;
pub mod transform;
pub mod verify;

use base64::Engine as _;
use roxmltree::Node;

use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, SignatureScheme};
use crate::error::{Error, Format, Result};
use crate::report::{Indication, SubIndication};

pub use sign::{
    Mode, PreparedXml, Profile, XadesOptions, XmlSignOptions, finish_xml, prepare_xml, sign_xml,
};
pub use verify::{ProfileChoice, XmlVerifyOptions, verify_xml};

/// The XMLDSig namespace (`http://www.w3.org/2000/09/xmldsig#`).
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The XMLDSig 1.1 namespace, for `ECKeyValue`, `DEREncodedKeyValue` and `X509Digest`.
pub const DSIG11_NS: &str = "http://www.w3.org/2009/xmldsig11#";

/// Transform URI of the enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// Transform URI of the base64 decoding transform.
pub const BASE64_TRANSFORM: &str = "http://www.w3.org/2000/09/xmldsig#base64";

/// Digest method URIs (XMLDSig 1.1 §6.2, RFC 6931 §2.1).
const DIGEST_URIS: &[(&str, DigestAlgorithm)] = &[
    (
        "http://www.w3.org/2000/09/xmldsig#sha1",
        DigestAlgorithm::Sha1,
    ),
    (
        "http://www.w3.org/2001/04/xmlenc#sha256",
        DigestAlgorithm::Sha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        DigestAlgorithm::Sha384,
    ),
    (
        "http://www.w3.org/2001/04/xmlenc#sha512",
        DigestAlgorithm::Sha512,
    ),
];

/// Digest methods that are broken and always refused.
const BROKEN_DIGEST_URIS: &[&str] = &["http://www.w3.org/2001/04/xmldsig-more#md5"];

/// Signature method URIs (XMLDSig 1.1 §6.4, RFC 6931 §2.3).
const SIGNATURE_URIS: &[(&str, SignatureScheme, DigestAlgorithm)] = {
    use DigestAlgorithm::*;
    use SignatureScheme::*;
    &[
        (
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            RsaPkcs1v15,
            Sha1,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            RsaPkcs1v15,
            Sha256,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            RsaPkcs1v15,
            Sha384,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            RsaPkcs1v15,
            Sha512,
        ),
        (
            "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1",
            RsaPss,
            Sha1,
        ),
        (
            "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
            RsaPss,
            Sha256,
        ),
        (
            "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
            RsaPss,
            Sha384,
        ),
        (
            "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1",
            RsaPss,
            Sha512,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
            Ecdsa,
            Sha1,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Ecdsa,
            Sha256,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
            Ecdsa,
            Sha384,
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
            Ecdsa,
            Sha512,
        ),
    ]
};

/// Signature methods that are broken and always refused.
const BROKEN_SIGNATURE_URIS: &[&str] = &[
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-md5",
];

/// A reason a signature cannot pass, with the indication it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub indication: Indication,
    pub sub: SubIndication,
    pub message: String,
}

impl Problem {
    /// Broken or unsafe structure: TOTAL_FAILED / FORMAT_FAILURE.
    pub fn format(message: impl Into<String>) -> Self {
        Problem {
            indication: Indication::TotalFailed,
            sub: SubIndication::FormatFailure,
            message: message.into(),
        }
    }

    /// Signed data kyso cannot obtain by policy (external, XPath, XSLT, …): INDETERMINATE /
    /// SIGNED_DATA_NOT_FOUND, reported as unsupported.
    pub fn unsupported_data(message: impl Into<String>) -> Self {
        Problem {
            indication: Indication::Indeterminate,
            sub: SubIndication::SignedDataNotFound,
            message: format!("unsupported: {}", message.into()),
        }
    }

    /// Signed data that is not there: INDETERMINATE / SIGNED_DATA_NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> Self {
        Problem {
            indication: Indication::Indeterminate,
            sub: SubIndication::SignedDataNotFound,
            message: message.into(),
        }
    }

    /// An algorithm refused: broken ones fail, unknown ones are INDETERMINATE.
    pub fn algorithm(refusal: AlgorithmRefusal) -> Self {
        match refusal {
            AlgorithmRefusal::Broken(m) => Problem {
                indication: Indication::TotalFailed,
                sub: SubIndication::CryptoConstraintsFailure,
                message: m,
            },
            AlgorithmRefusal::Unsupported(m) => Problem {
                indication: Indication::Indeterminate,
                sub: SubIndication::CryptoConstraintsFailure,
                message: format!("unsupported: {m}"),
            },
        }
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        match e {
            Error::Unsupported(m) => Problem::unsupported_data(m),
            other => Problem::format(other.to_string()),
        }
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Self {
        if let Some(m) = p.message.strip_prefix("unsupported: ") {
            Error::Unsupported(m.to_owned())
        } else {
            Error::malformed(Format::Xml, p.message)
        }
    }
}

/// Why an algorithm URI was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlgorithmRefusal {
    /// Known and broken (MD5): always a failure.
    Broken(String),
    /// Not implemented by kyso (DSA, HMAC, GOST, SHA-3, EdDSA, …).
    Unsupported(String),
}

/// The digest algorithm a DigestMethod URI names.
pub(crate) fn digest_from_uri(uri: &str) -> std::result::Result<DigestAlgorithm, AlgorithmRefusal> {
    if let Some((_, d)) = DIGEST_URIS.iter().find(|(u, _)| *u == uri) {
        return Ok(*d);
    }
    if BROKEN_DIGEST_URIS.contains(&uri) {
        return Err(AlgorithmRefusal::Broken(format!(
            "digest method {uri} (MD5 is broken)"
        )));
    }
    Err(AlgorithmRefusal::Unsupported(format!(
        "digest method {uri}"
    )))
}

/// The DigestMethod URI of a digest algorithm.
pub fn digest_uri(digest: DigestAlgorithm) -> &'static str {
    DIGEST_URIS
        .iter()
        .find(|(_, d)| *d == digest)
        .map(|(u, _)| *u)
        // infallible: DIGEST_URIS lists every DigestAlgorithm variant.
        .unwrap_or("http://www.w3.org/2001/04/xmlenc#sha256")
}

/// The signature algorithm a SignatureMethod URI names.
pub(crate) fn signature_from_uri(
    uri: &str,
) -> std::result::Result<SignatureAlgorithm, AlgorithmRefusal> {
    if let Some((_, scheme, digest)) = SIGNATURE_URIS.iter().find(|(u, _, _)| *u == uri) {
        // RFC 6931's RSA-PSS methods (`…#sha256-rsa-MGF1`) have a salt as long as the digest.
        return Ok(SignatureAlgorithm::new(*scheme, *digest));
    }
    if BROKEN_SIGNATURE_URIS.contains(&uri) {
        return Err(AlgorithmRefusal::Broken(format!(
            "signature method {uri} (MD5 is broken)"
        )));
    }
    Err(AlgorithmRefusal::Unsupported(format!(
        "signature method {uri}"
    )))
}

/// The SignatureMethod URI of a signature algorithm.
pub fn signature_uri(algorithm: SignatureAlgorithm) -> &'static str {
    SIGNATURE_URIS
        .iter()
        .find(|(_, s, d)| *s == algorithm.scheme && *d == algorithm.digest)
        .map(|(u, _, _)| *u)
        // infallible: SIGNATURE_URIS lists every scheme × digest combination.
        .unwrap_or("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
}

/// Whether `node` is an element named `local` in namespace `ns`.
pub(crate) fn is_element(node: Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// The element children of `node`.
pub(crate) fn element_children<'a, 'i>(
    node: Node<'a, 'i>,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(Node::is_element)
}

/// The children of `node` named `local` in namespace `ns`.
pub(crate) fn children_named<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    element_children(node).filter(move |c| is_element(*c, ns, local))
}

/// The first child of `node` named `local` in namespace `ns`.
pub(crate) fn child_named<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> Option<Node<'a, 'i>> {
    children_named(node, ns, local).next()
}

/// The concatenated text of `node`'s text children (CDATA included).
pub(crate) fn text_content(node: Node<'_, '_>) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

/// Decodes base64 text as XMLDSig writes it: whitespace anywhere is ignored, padding is
/// required, nothing else is tolerated.
pub(crate) fn decode_base64(text: &str, what: &str) -> Result<Vec<u8>> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| Error::malformed(Format::Xml, format!("{what}: invalid base64: {e}")))
}

/// Encodes bytes as base64 without line breaks.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Escapes text for an XML text node or attribute value written by kyso.
pub(crate) fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_tables_round_trip() {
        for (uri, scheme, digest) in SIGNATURE_URIS {
            let alg = signature_from_uri(uri).unwrap();
            assert_eq!((alg.scheme, alg.digest), (*scheme, *digest));
            assert_eq!(signature_uri(alg), *uri);
        }
        for (uri, digest) in DIGEST_URIS {
            assert_eq!(digest_from_uri(uri).unwrap(), *digest);
            assert_eq!(digest_uri(*digest), *uri);
        }
        assert!(matches!(
            digest_from_uri("http://www.w3.org/2001/04/xmldsig-more#md5"),
            Err(AlgorithmRefusal::Broken(_))
        ));
        assert!(matches!(
            signature_from_uri("http://www.w3.org/2000/09/xmldsig#dsa-sha1"),
            Err(AlgorithmRefusal::Unsupported(_))
        ));
    }

    #[test]
    fn base64_ignores_whitespace_only() {
        assert_eq!(decode_base64(" AQ\nID\r\n ", "x").unwrap(), vec![1, 2, 3]);
        assert!(decode_base64("AQ!D", "x").is_err());
    }
}
