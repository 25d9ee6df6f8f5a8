//! Verifying a package: the envelope's signature, each attachment's documents, and the
//! cross-checks between the manifest, the attachments and the header.

use super::decode::{self, Budget, DecodeError};
use super::envelope::{self, EncodedAttachment, Envelope, ManifestEntry};
use crate::error::{Error, Result};
use crate::report::{
    AttachmentReport, DocumentFormat, Indication, PackageHeader, PackageReport, PackagedDocument,
    SignatureReport, SignedReference, SignerReport, SubIndication, ValidationReport, signed_worst,
};
use crate::validation::VerifyOptions;
use crate::xml::dsig::reference::element_path;
use crate::xml::{IdAttributes, XmlDocument, XmlVerifyOptions};

/// Verifies an edXML package held in memory: the envelope's XML signature, every signed PDF
/// and XML document in its attachments (with the same `options`), and the cross-checks.
///
/// Unsafe or malformed envelopes (a DOCTYPE, broken XML, over a limit) give `Ok` with a
/// TOTAL_FAILED report, as [`crate::xml::verify_xml`] does; a hostile attachment (malformed
/// base64, a zip bomb, an unsafe entry name, a size over the limits) fails that attachment,
/// and so the package, naming it. XML that is not an edXML envelope is verified as plain XML.
///
/// ```no_run
/// use kyso::validation::VerifyOptions;
/// let report = kyso::edxml::verify_package(&std::fs::read("cong-van.edxml")?, &VerifyOptions::default())?;
/// for a in &report.package.as_ref().map(|p| p.attachments.clone()).unwrap_or_default() {
///     println!("{} {:?}", a.content_id, a.indication);
/// }
/// # Ok::<(), kyso::Error>(())
/// ```
pub fn verify_package(bytes: &[u8], options: &VerifyOptions) -> Result<ValidationReport> {
    let limits = &options.policy.limits;
    let doc = match XmlDocument::from_bytes(bytes, limits, &IdAttributes::default()) {
        Ok(doc) => doc,
        Err(e) => {
            return Ok(unreadable(
                DocumentFormat::Xml,
                "envelope",
                format!("the edXML envelope cannot be read safely: {e}"),
            ));
        }
    };
    let Some(env) = envelope::read(doc.root_element()) else {
        return crate::xml::verify_xml(bytes, options, &XmlVerifyOptions::default());
    };
    let mut signatures = Vec::new();
    if env.signed {
        let envelope_report = crate::xml::verify_xml(bytes, options, &XmlVerifyOptions::default())?;
        signatures = envelope_report.signatures;
        for s in &mut signatures {
            require_coverage(s, &env);
        }
    }
    let mut package = PackageReport {
        header: env.header.clone(),
        ..PackageReport::default()
    };
    verify_attachments(&env, options, &mut package);
    cross_check(&package.header.clone(), &mut package);
    Ok(ValidationReport::package(signatures, package))
}

/// A report for input that could not be read at all: one TOTAL_FAILED entry saying why.
fn unreadable(format: DocumentFormat, what: &str, why: String) -> ValidationReport {
    let mut s = SignatureReport::new(what, "unreadable");
    s.fail(Indication::TotalFailed, SubIndication::FormatFailure, why);
    ValidationReport::new(format, vec![s])
}

/// A path as [`crate::xml::dsig::reference::element_path`] writes it, without the ID
/// predicate it adds to the last step: the same element whether or not it carries an ID.
fn bare_path(path: &str) -> &str {
    match path.rfind("[@") {
        Some(i) if path.ends_with("']") && !path[i..].contains('/') => &path[..i],
        _ => path,
    }
}

/// Whether the references of a signature cover `target` (an element's path, see
/// [`element_path`]): a reference to the whole document (`URI=""`), to the element, or to an
/// ancestor of it. kyso's XML transforms (enveloped signature, canonicalization) never remove
/// anything but the signature itself, so a reference covers its element's whole subtree.
pub fn covers(references: &[SignedReference], target: &str) -> bool {
    let target = bare_path(target);
    references.iter().any(|r| {
        let element = bare_path(&r.element);
        r.element == "document"
            || target == element
            || target
                .strip_prefix(element)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// An envelope signature must cover the header (who sent what) and the manifest (which
/// attachments): a signature over less leaves those open to change.
fn require_coverage(s: &mut SignatureReport, env: &Envelope<'_, '_>) {
    for (node, what) in [
        (env.header_node, "edXMLHeader"),
        (env.manifest_node, "edXMLManifest"),
    ] {
        let Some(node) = node else { continue };
        if !covers(&s.signed_references, &element_path(node)) {
            s.fail(
                Indication::TotalFailed,
                SubIndication::SigConstraintsFailure,
                format!("the envelope signature does not cover the {what}"),
            );
        }
    }
}

/// Verifies the attachments in manifest order, then those the manifest does not list.
fn verify_attachments(
    env: &Envelope<'_, '_>,
    options: &VerifyOptions,
    package: &mut PackageReport,
) {
    let limits = &options.policy.limits;
    let max = limits.max_attachments as usize;
    if env.manifest.len() > max || env.attachments.len() > max {
        package.errors.push(format!(
            "more than {max} attachments or manifest entries: the package was not opened"
        ));
        return;
    }
    for (what, ids) in [
        (
            "manifest",
            env.manifest
                .iter()
                .map(|m| m.content_id.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "attachment",
            env.attachments
                .iter()
                .map(|a| a.content_id.as_str())
                .collect(),
        ),
    ] {
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                package
                    .errors
                    .push(format!("two {what} entries have the content id {id:?}"));
            }
        }
    }
    let mut budget = Budget::new(limits);
    let mut used = vec![false; env.attachments.len()];
    for m in &env.manifest {
        let found = env
            .attachments
            .iter()
            .enumerate()
            .find(|(i, a)| !used[*i] && a.content_id == m.content_id);
        let report = match found {
            Some((i, a)) => {
                used[i] = true;
                verify_attachment(a, Some(m), options, &mut budget)
            }
            None => missing(m),
        };
        package.attachments.push(report);
    }
    for (a, _) in env.attachments.iter().zip(&used).filter(|(_, u)| !**u) {
        package
            .attachments
            .push(verify_attachment(a, None, options, &mut budget));
    }
}

/// The entry of a manifest reference that has no attachment.
fn missing(m: &ManifestEntry) -> AttachmentReport {
    AttachmentReport {
        content_id: m.content_id.clone(),
        name: m.name.clone(),
        content_type: m.content_type.clone(),
        description: m.description.clone(),
        in_manifest: true,
        size: None,
        archive: false,
        indication: Indication::TotalFailed,
        documents: Vec::new(),
        errors: vec!["listed in the manifest, but the package carries no such attachment".into()],
    }
}

/// Decodes one attachment and verifies the documents in it.
fn verify_attachment(
    a: &EncodedAttachment<'_, '_>,
    manifest: Option<&ManifestEntry>,
    options: &VerifyOptions,
    budget: &mut Budget,
) -> AttachmentReport {
    let limits = &options.policy.limits;
    let mut report = AttachmentReport {
        content_id: a.content_id.clone(),
        name: a
            .name
            .clone()
            .or_else(|| manifest.and_then(|m| m.name.clone())),
        content_type: a
            .content_type
            .clone()
            .or_else(|| manifest.and_then(|m| m.content_type.clone())),
        description: a
            .description
            .clone()
            .or_else(|| manifest.and_then(|m| m.description.clone())),
        in_manifest: manifest.is_some(),
        size: None,
        archive: false,
        indication: Indication::TotalFailed,
        documents: Vec::new(),
        errors: Vec::new(),
    };
    if a.content_id.is_empty() {
        report.errors.push("the attachment has no ContentId".into());
    }
    match manifest {
        None => report
            .errors
            .push("the manifest does not list this attachment".into()),
        Some(m) => {
            if let (Some(listed), Some(carried)) = (&m.name, &a.name)
                && listed != carried
            {
                report.errors.push(format!(
                    "renamed: the manifest lists {listed:?}, the attachment is named {carried:?}"
                ));
            }
        }
    }
    if a.content.is_none() || a.text_parts().all(|t| t.trim().is_empty()) {
        report
            .errors
            .push("the attachment has no content (ContentTransferEncoded)".into());
        return report;
    }
    let bytes = match decode::decode_base64(a.text_parts(), limits, budget) {
        Ok(b) => b,
        Err(e) => {
            report.errors.push(e.to_string());
            return report;
        }
    };
    report.size = Some(bytes.len() as u64);
    let name = decode::display_name(report.name.as_deref().unwrap_or(&a.content_id));
    if decode::is_zip(&bytes) {
        report.archive = true;
        let mut documents = Vec::new();
        let result = if limits.max_archive_depth == 0 {
            Err(DecodeError::NestedArchive {
                name: name.clone(),
                limit: 0,
            })
        } else {
            let mut visit = |entry: String, content: Vec<u8>| {
                documents.push(verify_document(entry, &content, options));
            };
            decode::unzip(&bytes, "", 0, limits, budget, &mut visit)
        };
        drop(bytes);
        report.documents = documents;
        if let Err(e) = result {
            report.errors.push(e.to_string());
        }
    } else {
        report
            .documents
            .push(verify_document(name, &bytes, options));
    }
    if report.errors.is_empty() {
        report.indication = signed_worst(report.documents.iter().map(|d| d.indication));
    }
    report
}

/// Verifies one document of an attachment: PDF and XML through their verifiers, anything
/// else reported as holding no signature kyso can check.
fn verify_document(name: String, bytes: &[u8], options: &VerifyOptions) -> PackagedDocument {
    let head = &bytes[..bytes.len().min(1024)];
    let (format, result) = if head.windows(5).any(|w| w == b"%PDF-") {
        (
            DocumentFormat::Pdf,
            Some(crate::pdf::verify_pdf(bytes, options)),
        )
    } else if head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .trim_ascii_start()
        .starts_with(b"<")
    {
        (
            DocumentFormat::Xml,
            Some(crate::xml::verify_xml(
                bytes,
                options,
                &XmlVerifyOptions::default(),
            )),
        )
    } else {
        (DocumentFormat::Xml, None)
    };
    let report = result.map(|r| {
        let mut report = match r {
            Ok(report) => report,
            // Unreadable or over a limit: not valid. Anything else kyso cannot decide.
            Err(e @ (Error::Malformed { .. } | Error::LimitExceeded { .. })) => {
                unreadable(format, "document", e.to_string())
            }
            Err(e) => {
                let mut s = SignatureReport::new("document", "unreadable");
                s.fail(
                    Indication::Indeterminate,
                    SubIndication::SignedDataNotFound,
                    e.to_string(),
                );
                ValidationReport::new(format, vec![s])
            }
        };
        report.file = Some(name.clone());
        report
    });
    PackagedDocument {
        indication: report
            .as_ref()
            .map(|r| r.indication)
            .unwrap_or(Indication::NoSignature),
        name,
        size: bytes.len() as u64,
        report,
    }
}

/// Names as people write them: white space collapsed, case ignored.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// An organization's seal: a certificate issued to the organization itself (its common name
/// is its organization's name), as opposed to a person of it.
fn is_seal(s: &SignerReport) -> bool {
    matches!((&s.common_name, &s.organization), (Some(cn), Some(o)) if same_name(cn, o))
}

/// Compares the header's claims with the main document's signatures. The main document is
/// the first of the manifest (Decree 30: the document, then its annexes).
fn cross_check(header: &PackageHeader, package: &mut PackageReport) {
    let Some(main) = package.attachments.first() else {
        return;
    };
    let Some(doc) = main.documents.first() else {
        return;
    };
    let signers: Vec<&SignerReport> = doc
        .report
        .iter()
        .flat_map(|r| &r.signatures)
        .filter_map(|s| s.signer.as_ref())
        .collect();
    let mut warnings = Vec::new();
    if doc.indication == Indication::NoSignature {
        warnings.push(format!(
            "the main document {:?} holds no signature",
            doc.name
        ));
    }
    if let Some(full) = &header.signer_name {
        let people: Vec<&str> = signers
            .iter()
            .filter(|s| !is_seal(s))
            .filter_map(|s| s.common_name.as_deref())
            .collect();
        if !signers.is_empty() && !people.iter().any(|cn| same_name(cn, full)) {
            warnings.push(format!(
                "SignerInfo/FullName {full:?} does not match the signer of the main document ({})",
                if people.is_empty() {
                    "no personal signature".to_owned()
                } else {
                    people.join(", ")
                }
            ));
        }
    }
    if let Some(organ) = header.sender.as_ref().and_then(|s| s.name.as_deref()) {
        for seal in signers.iter().filter(|s| is_seal(s)) {
            let org = seal.organization.as_deref().unwrap_or_default();
            if !same_name(org, organ) {
                warnings.push(format!(
                    "From/OrganName {organ:?} differs from the seal's organization {org:?}"
                ));
            }
        }
    }
    package.warnings.extend(warnings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(element: &str) -> SignedReference {
        SignedReference {
            uri: String::new(),
            element: element.into(),
        }
    }

    #[test]
    fn coverage_follows_the_tree() {
        let header = "/edXML:edXMLEnvelope/edXML:edXMLHeader";
        assert!(covers(&[r("document")], header));
        assert!(covers(&[r("/edXML:edXMLEnvelope")], header));
        assert!(covers(
            &[r("/edXML:edXMLEnvelope/edXML:edXMLHeader[@Id='h']")],
            header
        ));
        assert!(covers(
            &[r(header)],
            "/edXML:edXMLEnvelope/edXML:edXMLHeader[@Id='h']"
        ));
        assert!(!covers(
            &[r("/edXML:edXMLEnvelope/edXML:edXMLBody")],
            header
        ));
        // A sibling whose name extends the target's is not its ancestor.
        assert!(!covers(
            &[r("/edXML:edXMLEnvelope/edXML:edXMLHeaderX")],
            header
        ));
        assert!(!covers(&[], header));
    }

    #[test]
    fn seals_and_names() {
        let seal = SignerReport {
            common_name: Some("Sở  Thông tin".into()),
            organization: Some("sở thông tin".into()),
            ..SignerReport::default()
        };
        assert!(is_seal(&seal));
        let person = SignerReport {
            common_name: Some("Nguyễn Văn An".into()),
            organization: Some("Sở Thông tin".into()),
            ..SignerReport::default()
        };
        assert!(!is_seal(&person));
    }
}
