//! edXML packages (QCVN 102:2016/BTTTT): the official-document envelopes agencies exchange
//! over the national document-exchange axis.
//!
//! A clerk who receives a package asks (Decree 30/2020, Art. 21): is what arrived authentic
//! and intact, and who signed it? [`verify_package`] answers in one report:
//!
//! 1. the envelope is parsed by the hardened XML parser ([`crate::xml::XmlDocument`]: no
//!    DTD, node and size limits); a DOCTYPE makes the package TOTAL_FAILED;
//! 2. a `ds:Signature` in the envelope is verified as any XML signature, and must cover the
//!    header and the manifest ([`covers`]);
//! 3. each attachment is decoded ([`decode`]: base64, then zip when it is one) under
//!    [`crate::Limits`]' package limits, and every PDF and XML document in it is verified
//!    with the caller's options;
//! 4. the manifest and the attachments must match one to one (a missing, extra or renamed
//!    attachment is an error), and the header's signer and sender are compared with the
//!    main document's signatures (warnings).
//!
//! The verdict ([`ValidationReport::package`]) is the worst of the signed parts; a package
//! with no signed part at all is NO_SIGNATURE. [`inspect_package`] lists a package without
//! decoding or verifying anything; [`extract`] hands out the decoded documents.

pub mod decode;
mod envelope;
mod verify;

use serde::{Deserialize, Serialize};

pub use decode::DecodeError;
pub use envelope::NAMESPACE;
pub use verify::{covers, verify_package};

use crate::error::{Error, Format, Result};
use crate::policy::Limits;
use crate::report::PackageHeader;
use crate::xml::{IdAttributes, XmlDocument};

/// How far into a document [`is_edxml`] looks for the envelope's start tag.
const SNIFF_BYTES: usize = 64 * 1024;

/// Whether `bytes` look like an edXML package: XML whose first 64 KiB name the edXML
/// namespace and an `edXMLEnvelope` element. Only a hint for choosing the verifier:
/// [`verify_package`] falls back to plain XML verification when the parsed document has no
/// envelope.
pub fn is_edxml(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let contains = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    text.trim_ascii_start().starts_with(b"<")
        && contains(NAMESPACE.as_bytes())
        && contains(b"edXMLEnvelope")
}

/// One attachment as [`inspect_package`] lists it: what the envelope says, nothing decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentListing {
    /// `ContentId`, without `cid:`.
    pub content_id: String,
    /// `AttachmentName` (the attachment's, else the manifest's).
    pub name: Option<String>,
    /// `ContentType`.
    pub content_type: Option<String>,
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Whether the manifest lists it.
    pub in_manifest: bool,
    /// Whether the package carries its content.
    pub has_content: bool,
    /// Size of the base64 text in bytes (about 4/3 of the content's).
    pub encoded_bytes: u64,
}

/// What [`inspect_package`] reports: the header and the attachments, unverified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageListing {
    /// The header fields.
    pub header: PackageHeader,
    /// Whether the envelope carries an XML signature.
    pub envelope_signed: bool,
    /// The manifest's entries in order, then attachments the manifest does not list.
    pub attachments: Vec<AttachmentListing>,
}

/// Parses a package's envelope under `limits`.
fn parse<'i>(bytes: &'i [u8], limits: &Limits) -> Result<XmlDocument<'i>> {
    XmlDocument::from_bytes(bytes, limits, &IdAttributes::default())
}

/// Lists a package's header and attachments without decoding or verifying anything.
///
/// Fails like the XML parser on unsafe or malformed input (a DOCTYPE is
/// [`Error::Unsupported`]), and with [`Error::Malformed`] when the document is XML but not an
/// edXML envelope.
pub fn inspect_package(bytes: &[u8], limits: &Limits) -> Result<PackageListing> {
    let doc = parse(bytes, limits)?;
    let env = envelope::read(doc.root_element())
        .ok_or_else(|| Error::malformed(Format::Package, "no edXMLEnvelope element"))?;
    let max = limits.max_attachments as usize;
    if env.manifest.len() > max || env.attachments.len() > max {
        return Err(Error::LimitExceeded {
            what: "edXML attachments",
            limit: u64::from(limits.max_attachments),
        });
    }
    let mut attachments: Vec<AttachmentListing> = Vec::new();
    let mut used = vec![false; env.attachments.len()];
    for m in &env.manifest {
        let found = env
            .attachments
            .iter()
            .enumerate()
            .find(|(i, a)| !used[*i] && a.content_id == m.content_id);
        let (name, content_type, description, encoded) = match found {
            Some((i, a)) => {
                used[i] = true;
                (
                    a.name.clone().or_else(|| m.name.clone()),
                    a.content_type.clone().or_else(|| m.content_type.clone()),
                    a.description.clone().or_else(|| m.description.clone()),
                    a.encoded_len(),
                )
            }
            None => (
                m.name.clone(),
                m.content_type.clone(),
                m.description.clone(),
                0,
            ),
        };
        attachments.push(AttachmentListing {
            content_id: m.content_id.clone(),
            name,
            content_type,
            description,
            in_manifest: true,
            has_content: encoded > 0,
            encoded_bytes: encoded,
        });
    }
    for (a, _) in env.attachments.iter().zip(&used).filter(|(_, u)| !**u) {
        let encoded = a.encoded_len();
        attachments.push(AttachmentListing {
            content_id: a.content_id.clone(),
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            description: a.description.clone(),
            in_manifest: false,
            has_content: encoded > 0,
            encoded_bytes: encoded,
        });
    }
    Ok(PackageListing {
        header: env.header,
        envelope_signed: env.signed,
        attachments,
    })
}

/// A document taken out of a package by [`extract`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedDocument {
    /// The attachment's content id.
    pub content_id: String,
    /// The attachment's name, or the entry's name inside a zipped attachment (display only).
    pub name: String,
    /// The decoded content.
    pub bytes: Vec<u8>,
}

/// Decodes every attachment of a package (base64, then zip) under `limits`, without
/// verifying anything: the documents a clerk would file. Holds them all in memory, so the
/// total is bounded by `limits.max_package_bytes`; [`verify_package`] instead decodes and
/// verifies one document at a time.
///
/// Fails on the first attachment that cannot be decoded within the limits.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Vec<ExtractedDocument>> {
    let doc = parse(bytes, limits)?;
    let env = envelope::read(doc.root_element())
        .ok_or_else(|| Error::malformed(Format::Package, "no edXMLEnvelope element"))?;
    if env.attachments.len() > limits.max_attachments as usize {
        return Err(Error::LimitExceeded {
            what: "edXML attachments",
            limit: u64::from(limits.max_attachments),
        });
    }
    let mut budget = decode::Budget::new(limits);
    let mut out = Vec::new();
    let bad = |cid: &str, e: DecodeError| {
        Error::malformed(Format::Package, format!("attachment {cid}: {e}"))
    };
    for a in &env.attachments {
        let bytes = decode::decode_base64(a.text_parts(), limits, &mut budget)
            .map_err(|e| bad(&a.content_id, e))?;
        let name = a.name.clone().unwrap_or_else(|| a.content_id.clone());
        if decode::is_zip(&bytes) {
            if limits.max_archive_depth == 0 {
                return Err(bad(
                    &a.content_id,
                    decode::DecodeError::NestedArchive { name, limit: 0 },
                ));
            }
            let mut visit = |entry: String, content: Vec<u8>| {
                out.push(ExtractedDocument {
                    content_id: a.content_id.clone(),
                    name: entry,
                    bytes: content,
                });
            };
            decode::unzip(&bytes, "", 0, limits, &mut budget, &mut visit)
                .map_err(|e| bad(&a.content_id, e))?;
        } else {
            out.push(ExtractedDocument {
                content_id: a.content_id.clone(),
                name: decode::display_name(&name),
                bytes,
            });
        }
    }
    Ok(out)
}
