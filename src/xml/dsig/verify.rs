//! Verification of every XML signature in a document (XMLDSig 1.1 §3.2 core validation),
//! with kyso's defences against signature wrapping and the profiles of [`crate::xml::einvoice`].
//!
//! For each `ds:Signature` (nested counter-signatures aside), in document order:
//!
//! 1. structure: `SignedInfo`, `SignatureValue`, optional `KeyInfo`, then `Object`s only;
//!    at most `limits.max_references` references of at most `limits.max_transforms`
//!    transforms each;
//! 2. algorithms: canonicalization, signature and digest methods from the supported lists,
//!    SHA-1 flagged weak (or refused under [`WeakAlgorithms::Reject`]), MD5 always refused;
//! 3. references: each dereferenced in the document ([`super::reference`]), transformed
//!    ([`super::transform`]) and digested; the report names the element digested;
//! 4. signature value over the canonical `SignedInfo`, with the key of the certificate that
//!    KeyInfo names (or the caller supplies); a key value must be that certificate's key;
//! 5. XAdES qualifying properties when present ([`crate::xml::xades`]);
//! 6. the profile's placement and identity rules ([`crate::xml::einvoice`]);
//! 7. the signer's chain and revocation ([`crate::validation::validate_signer`]).
//!
//! Any failure fails closed; anything kyso does not support leaves the signature
//! INDETERMINATE or TOTAL_FAILED with an error starting `unsupported:`, never TOTAL_PASSED.
//!
//! [`WeakAlgorithms::Reject`]: crate::WeakAlgorithms::Reject

use roxmltree::Node;
use time::OffsetDateTime;

use super::keyinfo::{KeyInfoData, same_key};
use super::reference::{ParsedReference, PathNamer, Target, dereference};
use super::transform::{Transform, digest_reference, inclusive_prefixes, parse_transforms};
use super::{
    DSIG_NS, Problem, decode_base64, digest_from_uri, element_children, is_element,
    signature_from_uri, text_content,
};
use crate::crypto::{DigestAlgorithm, KeyKind, PublicKey, SignatureAlgorithm, SignatureScheme};
use crate::error::{Error, Format, Result};
use crate::pki::Certificate;
use crate::policy::ValidationPolicy;
use crate::report::{
    DocumentFormat, Indication, SignatureReport, SignedReference, SubIndication, ValidationReport,
};
use crate::validation::{Evidence, VerifyOptions, raise_to_lt, record_algorithm, validate_signer};
use crate::xml::c14n::{C14nMethod, Canonicalizer};
use crate::xml::einvoice::{self, DocProfile};
use crate::xml::{IdAttributes, XmlDocument, xades};

/// Which Vietnamese profile verification applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileChoice {
    /// The e-invoice profile for e-invoices (`HDon` root, or `HDon` in `TDiep/DLieu`), the
    /// tax-filing profile for tax filings (`HSoThueDTu` root), none otherwise.
    #[default]
    Auto,
    /// Plain XMLDSig whatever the document is.
    Off,
    /// The e-invoice profile (Circular 78/2021), even when the document does not look like one.
    Einvoice,
    /// The tax-filing profile.
    TaxFiling,
}

/// XML-specific verification options.
#[derive(Debug, Clone, Default)]
pub struct XmlVerifyOptions {
    /// Which profile applies.
    pub profile: ProfileChoice,
    /// Which attributes are IDs for `#id` references (default `Id`, `ID`, `id`, `xml:id`).
    pub id_attributes: IdAttributes,
}

/// Verifies every signature of an XML document.
///
/// Returns `Err` only when the bytes are not XML text at all (nothing but whitespace before a
/// first `<`). A document that is XML but malformed, unsafe (a DTD, entity declarations —
/// so every entity-expansion bomb), over a resource limit or in an encoding other than
/// UTF-8 gives `Ok` with a report whose one entry, `document`, is TOTAL_FAILED /
/// FORMAT_FAILURE with the reason: exit code 1 for the CLI. A document without any
/// `ds:Signature` is NO_SIGNATURE.
///
/// ```no_run
/// use kyso::validation::VerifyOptions;
/// use kyso::xml::{XmlVerifyOptions, verify_xml};
/// let bytes = std::fs::read("signed-invoice.xml")?;
/// let report = verify_xml(&bytes, &VerifyOptions::default(), &XmlVerifyOptions::default())?;
/// println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
/// # Ok::<(), kyso::Error>(())
/// ```
pub fn verify_xml(
    bytes: &[u8],
    options: &VerifyOptions,
    xml_options: &XmlVerifyOptions,
) -> Result<ValidationReport> {
    if !looks_like_xml(bytes) {
        return Err(Error::malformed(
            Format::Xml,
            "not an XML document (no markup at the start)",
        ));
    }
    let limits = &options.policy.limits;
    // A UTF-16 document (as some .NET tools write) is decoded first; canonical XML is UTF-8
    // either way, so digests do not depend on the encoding the file was stored in.
    let parsed = match crate::xml::parse::decode_utf16(bytes, limits) {
        Ok(Some(text)) => Some(text),
        Ok(None) => None,
        Err(e) => return Ok(unreadable(&e)),
    };
    let doc = match &parsed {
        Some(text) => XmlDocument::parse_decoded_utf16(text, limits, &xml_options.id_attributes),
        None => XmlDocument::from_bytes(bytes, limits, &xml_options.id_attributes),
    };
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) => return Ok(unreadable(&e)),
    };
    let profile = match xml_options.profile {
        ProfileChoice::Auto => einvoice::detect(&doc),
        ProfileChoice::Off => None,
        ProfileChoice::Einvoice => Some(DocProfile::Einvoice),
        ProfileChoice::TaxFiling => Some(DocProfile::TaxFiling),
    };
    let signatures: Vec<Node<'_, '_>> = doc
        .doc()
        .descendants()
        .filter(|n| is_element(*n, DSIG_NS, "Signature"))
        .filter(|n| {
            !n.ancestors()
                .skip(1)
                .any(|a| is_element(a, DSIG_NS, "Signature"))
        })
        .collect();
    let max = options.policy.limits.max_signatures as usize;
    let mut reports = Vec::with_capacity(signatures.len().min(max + 1));
    let mut work = Work {
        namer: PathNamer::default(),
        budget: (doc.text().len() as u64)
            .saturating_mul(WORK_FACTOR)
            .saturating_add(WORK_FLOOR),
    };
    for (i, sig) in signatures.iter().take(max).enumerate() {
        reports.push(verify_signature(
            &doc,
            *sig,
            i + 1,
            options,
            profile,
            &mut work,
        ));
    }
    if signatures.len() > max {
        let mut r = SignatureReport::new("document", "XML");
        r.fail(
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            format!(
                "{} signatures: more than the limit max_signatures ({max})",
                signatures.len()
            ),
        );
        reports.push(r);
    }
    if profile == Some(DocProfile::Einvoice) && !signatures.is_empty() {
        einvoice::check_document(&doc, &mut work.namer, &mut reports);
    }
    Ok(ValidationReport::new(DocumentFormat::Xml, reports))
}

/// The bytes all references of a document may digest together: this many times the
/// document's size, plus [`WORK_FLOOR`]. Ordinary documents need a handful; the bound keeps
/// 500 signatures of 30 whole-document references from costing 15 000 passes.
const WORK_FACTOR: u64 = 16;
/// See [`WORK_FACTOR`].
const WORK_FLOOR: u64 = 16 << 20;

/// State shared by the signatures of one document.
pub(crate) struct Work {
    /// Names elements for the report.
    pub namer: PathNamer,
    /// Bytes the remaining references may still digest.
    budget: u64,
}

impl Work {
    /// Charges the digest of `bytes` input bytes against the document's budget.
    fn charge(&mut self, bytes: u64) -> Result<(), Problem> {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(Problem::format(format!(
                "limit exceeded: the references of this document digest more than {WORK_FACTOR} \
                 times its size"
            ))),
        }
    }
}

/// The report on a document that cannot be read safely: failed, with the reason.
fn unreadable(e: &Error) -> ValidationReport {
    let mut r = SignatureReport::new("document", "XML");
    r.fail(
        Indication::TotalFailed,
        SubIndication::FormatFailure,
        format!("the document cannot be read safely: {e}"),
    );
    ValidationReport::new(DocumentFormat::Xml, vec![r])
}

/// Whether the bytes start (after a byte order mark and whitespace) with markup, or are
/// UTF-16.
fn looks_like_xml(bytes: &[u8]) -> bool {
    if crate::xml::parse::utf16_of(bytes).is_some() {
        return true; // UTF-16: decoded before parsing
    }
    let rest = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// What a verified signature's parts are.
struct Parts<'a, 'i> {
    signed_info: Node<'a, 'i>,
    signature_value: Node<'a, 'i>,
    key_info: Option<Node<'a, 'i>>,
}

fn parts<'a, 'i>(sig: Node<'a, 'i>) -> Result<Parts<'a, 'i>, Problem> {
    let mut kids = element_children(sig);
    let signed_info = kids
        .next()
        .filter(|n| is_element(*n, DSIG_NS, "SignedInfo"))
        .ok_or_else(|| Problem::format("Signature does not start with SignedInfo"))?;
    let signature_value = kids
        .next()
        .filter(|n| is_element(*n, DSIG_NS, "SignatureValue"))
        .ok_or_else(|| Problem::format("SignedInfo is not followed by SignatureValue"))?;
    let mut key_info = None;
    for (i, kid) in kids.enumerate() {
        if i == 0 && is_element(kid, DSIG_NS, "KeyInfo") {
            key_info = Some(kid);
        } else if !is_element(kid, DSIG_NS, "Object") {
            return Err(Problem::format(format!(
                "unexpected element {} in Signature",
                kid.tag_name().name()
            )));
        }
    }
    Ok(Parts {
        signed_info,
        signature_value,
        key_info,
    })
}

fn verify_signature<'a, 'i>(
    doc: &'a XmlDocument<'i>,
    sig: Node<'a, 'i>,
    index: usize,
    options: &VerifyOptions,
    profile: Option<DocProfile>,
    work: &mut Work,
) -> SignatureReport {
    let id = sig
        .attribute("Id")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("signature-{index}"));
    let mut report = SignatureReport::new(id, "XMLDSig");
    if let Err(p) = check_signature(doc, sig, options, profile, work, &mut report) {
        report.fail(p.indication, p.sub, p.message);
    }
    report.conclude();
    report
}

/// The checks; a returned problem is recorded by the caller, problems that do not stop the
/// other checks are recorded on the way.
fn check_signature<'a, 'i>(
    doc: &'a XmlDocument<'i>,
    sig: Node<'a, 'i>,
    options: &VerifyOptions,
    profile: Option<DocProfile>,
    work: &mut Work,
    report: &mut SignatureReport,
) -> Result<(), Problem> {
    let policy = &options.policy;
    let parts = parts(sig)?;

    // SignedInfo: CanonicalizationMethod, SignatureMethod, Reference+.
    let mut si = element_children(parts.signed_info);
    let c14n_node = si
        .next()
        .filter(|n| is_element(*n, DSIG_NS, "CanonicalizationMethod"))
        .ok_or_else(|| Problem::format("SignedInfo has no CanonicalizationMethod"))?;
    let c14n_uri = c14n_node.attribute("Algorithm").unwrap_or_default();
    let c14n = C14nMethod::from_uri(c14n_uri).map_err(|_| {
        Problem::algorithm(super::AlgorithmRefusal::Unsupported(format!(
            "canonicalization method {c14n_uri}"
        )))
    })?;
    let method_node = si
        .next()
        .filter(|n| is_element(*n, DSIG_NS, "SignatureMethod"))
        .ok_or_else(|| Problem::format("SignedInfo has no SignatureMethod"))?;
    let algorithm = signature_from_uri(method_node.attribute("Algorithm").unwrap_or_default())
        .map_err(Problem::algorithm)?;
    report.signature_algorithm = Some(algorithm.name());
    record_algorithm(
        report,
        "the signature method",
        policy.check_digest(algorithm.digest),
    );

    let mut references: Vec<ParsedReference<'a, 'i>> = Vec::new();
    for node in si {
        if !is_element(node, DSIG_NS, "Reference") {
            return Err(Problem::format(format!(
                "unexpected element {} in SignedInfo",
                node.tag_name().name()
            )));
        }
        if references.len() >= policy.limits.max_references as usize {
            return Err(Problem::format(format!(
                "more than {} references (limit max_references)",
                policy.limits.max_references
            )));
        }
        references.push(ParsedReference {
            node,
            uri: node.attribute("URI"),
            id: node.attribute("Id"),
            type_: node.attribute("Type"),
            target: None,
            digest_ok: false,
            enveloped: false,
        });
    }
    if references.is_empty() {
        return Err(Problem::format("SignedInfo has no Reference"));
    }

    // References: stop at none, so the report names everything that was signed.
    for r in references.iter_mut() {
        if let Err(p) = check_reference(doc, sig, r, policy, work, report) {
            report.fail(p.indication, p.sub, p.message);
        }
    }

    name_unsigned_content(sig, &references, &mut work.namer, report);

    // Signature value over the canonical SignedInfo.
    let value = decode_base64(&text_content(parts.signature_value), "SignatureValue")?;
    let signed_info = Canonicalizer::new(c14n)
        .with_inclusive_prefixes(inclusive_prefixes(c14n_node, c14n))
        .subtree_to_vec(parts.signed_info, &[])?;

    let key_info = KeyInfoData::read(parts.key_info)?;
    let signer = find_signer(&key_info, options, algorithm, &signed_info, &value, report)?;

    let mut proof_of_existence: Option<OffsetDateTime> = None;
    let mut timestamp_chain: Vec<Certificate> = Vec::new();
    if let Some(signer) = &signer {
        if let Some(kv) = &key_info.key_value
            && !signer.public_key().is_ok_and(|k| same_key(k, kv))
        {
            report.fail(
                Indication::TotalFailed,
                SubIndication::FormatFailure,
                "KeyValue is not the key of the signing certificate",
            );
        }
        if let Some(found) = xades::verify(
            doc,
            sig,
            &references,
            signer,
            parts.signature_value,
            &key_info.certificates,
            options,
            report,
        ) {
            proof_of_existence = Some(found.0);
            timestamp_chain = found.1;
        }
    }
    if report.claimed_signing_time.is_none()
        && let Some(t) = einvoice::signing_time(sig)
    {
        report.claimed_signing_time = Some(crate::dates::utc_rfc3339(t));
    }
    if let Some(profile) = profile {
        let signed = einvoice::Signed {
            doc,
            sig,
            references: &references,
            signer: signer.as_ref(),
            policy,
        };
        einvoice::check_signature(profile, &signed, &mut work.namer, report);
    }
    if let Some(signer) = &signer {
        let carried = xades::carried_values(sig);
        let mut certificates = key_info.certificates.clone();
        certificates.extend(carried.certificates.iter().cloned());
        let mut crls = key_info.crls.clone();
        crls.extend(carried.crls.iter().cloned());
        let evidence = Evidence {
            signer,
            certificates: &certificates,
            crls: &crls,
            ocsp: &carried.ocsp,
            proof_of_existence,
            timestamp_chain: &timestamp_chain,
        };
        validate_signer(&evidence, options, report);
        let carries = !carried.crls.is_empty() || !carried.ocsp.is_empty();
        raise_to_lt(report, carries, ("XAdES-B-T", "XAdES-B-LT"));
    }
    Ok(())
}

/// Reads, dereferences, transforms and digests one reference.
fn check_reference<'a, 'i>(
    doc: &'a XmlDocument<'i>,
    sig: Node<'a, 'i>,
    r: &mut ParsedReference<'a, 'i>,
    policy: &ValidationPolicy,
    work: &mut Work,
    report: &mut SignatureReport,
) -> Result<(), Problem> {
    let shown = r.uri.unwrap_or("(no URI)");
    let mut kids = element_children(r.node);
    let mut next = kids.next();
    let transforms_node = match next {
        Some(n) if is_element(n, DSIG_NS, "Transforms") => {
            next = kids.next();
            Some(n)
        }
        _ => None,
    };
    let digest_method = next
        .filter(|n| is_element(*n, DSIG_NS, "DigestMethod"))
        .ok_or_else(|| Problem::format(format!("reference {shown:?} has no DigestMethod")))?;
    let digest_value = kids
        .next()
        .filter(|n| is_element(*n, DSIG_NS, "DigestValue"))
        .ok_or_else(|| Problem::format(format!("reference {shown:?} has no DigestValue")))?;
    if let Some(extra) = kids.next() {
        return Err(Problem::format(format!(
            "unexpected element {} in reference {shown:?}",
            extra.tag_name().name()
        )));
    }
    let transforms: Vec<Transform> =
        parse_transforms(transforms_node, policy.limits.max_transforms)?;
    let digest: DigestAlgorithm =
        digest_from_uri(digest_method.attribute("Algorithm").unwrap_or_default())
            .map_err(Problem::algorithm)?;
    if report.digest_algorithm.is_none() {
        report.digest_algorithm = Some(digest.name().to_owned());
    }
    record_algorithm(
        report,
        &format!("the digest of reference {shown:?}"),
        policy.check_digest(digest),
    );
    let expected = decode_base64(&text_content(digest_value), "DigestValue")?;
    let target = dereference(doc, r.uri)?;
    r.target = Some(target);
    let described = target.describe(&mut work.namer);
    report.signed_references.push(SignedReference {
        uri: r.uri.unwrap_or_default().to_owned(),
        element: described.clone(),
    });
    work.charge(target.apex(doc).range().len() as u64)?;
    r.enveloped = transforms
        .iter()
        .any(|t| matches!(t, Transform::EnvelopedSignature));
    // .NET's SignedXml applies enveloped-signature to a copy of the referenced element, so on
    // an Object inside the Signature it removes nothing; XMLDSig §6.6.4 would remove the whole
    // Object. Real invoices are signed that way: kyso digests the element whole, as .NET
    // does, and says so.
    if r.enveloped
        && let Target::Element { node, .. } = target
        && node != sig
        && node.ancestors().any(|a| a == sig)
    {
        report.warnings.push(format!(
            "nonstandard_transform: reference {shown:?} applies the enveloped-signature \
             transform to {described}, which lies inside its own Signature; by XMLDSig nothing \
             would remain to digest, and kyso digests the element whole, as .NET does"
        ));
    }
    if let Target::Element { node, .. } = target
        && is_element(node, DSIG_NS, "Manifest")
    {
        report.warnings.push(format!(
            "manifest_not_checked: reference {shown:?} signs a Manifest; the references inside \
             it are not validated"
        ));
    }
    let computed = digest_reference(doc, target, &transforms, sig, digest)?;
    if computed != expected {
        return Err(Problem {
            indication: Indication::TotalFailed,
            sub: SubIndication::HashFailure,
            message: format!(
                "reference {shown:?} ({described}): the digest does not match, the signed \
                 content was changed"
            ),
        });
    }
    r.digest_ok = true;
    Ok(())
}

/// Names the content inside a Signature that no Reference covers: a `ds:Object` (or a part of
/// one, or an element the schema does not allow there) whose bytes the signature value does
/// not protect. Such content looks signed to a reader of an enveloping signature and is not;
/// it is never listed in `signed_references`, and each piece is reported as a warning with its
/// path. SignedInfo (signed through the signature value), SignatureValue, KeyInfo and XAdES
/// UnsignedProperties are unsigned by design and not reported.
fn name_unsigned_content<'a, 'i>(
    sig: Node<'a, 'i>,
    references: &[ParsedReference<'a, 'i>],
    namer: &mut PathNamer,
    report: &mut SignatureReport,
) {
    // Each reference's node-set: its apex, and the Signature when enveloped-signature removes
    // it (only when the Signature lies inside the apex: see check_reference).
    let sets: Vec<(Option<Node<'a, 'i>>, bool)> = references
        .iter()
        .filter_map(|r| {
            let apex = match r.target? {
                Target::Document { .. } => None,
                Target::Element { node, .. } => Some(node),
            };
            let removes_sig =
                r.enveloped && apex.is_none_or(|a| a == sig || sig.ancestors().any(|x| x == a));
            Some((apex, removes_sig))
        })
        .collect();
    let inside_sig = |n: Node<'a, 'i>| n.ancestors().any(|a| a == sig);
    let within = |n: Node<'a, 'i>, top: Node<'a, 'i>| n.ancestors().any(|a| a == top);
    // Whether the node-sets contain `n`, and whether they contain anything under `n`.
    let covered = |n: Node<'a, 'i>| {
        sets.iter().any(|(apex, removes_sig)| {
            apex.is_none_or(|a| within(n, a)) && !(*removes_sig && inside_sig(n))
        })
    };
    let touches = |n: Node<'a, 'i>| {
        sets.iter().any(|(apex, removes_sig)| match apex {
            Some(a) => within(*a, n) && !(*removes_sig && inside_sig(*a)),
            None => false,
        })
    };
    let mut stack: Vec<Node<'a, 'i>> = element_children(sig)
        .filter(|c| {
            !(is_element(*c, DSIG_NS, "SignedInfo")
                || is_element(*c, DSIG_NS, "SignatureValue")
                || is_element(*c, DSIG_NS, "KeyInfo"))
        })
        .collect();
    stack.reverse();
    while let Some(n) = stack.pop() {
        if covered(n) || is_element(n, xades::XADES_NS, "UnsignedProperties") {
            continue;
        }
        if touches(n) {
            let mut kids: Vec<Node<'a, 'i>> = element_children(n).collect();
            kids.reverse();
            stack.extend(kids);
            continue;
        }
        report.warnings.push(format!(
            "unsigned_content: {} is inside the signature but no reference covers it; it was \
             not signed",
            namer.path(n)
        ));
    }
}

/// Finds the certificate whose key verifies the signature value, recording failures.
fn find_signer(
    key_info: &KeyInfoData,
    options: &VerifyOptions,
    algorithm: SignatureAlgorithm,
    signed_info: &[u8],
    value: &[u8],
    report: &mut SignatureReport,
) -> Result<Option<Certificate>, Problem> {
    let (candidates, warnings, guessed) = key_info.candidates(&options.certificates);
    report.warnings.extend(warnings);
    let mut first_error: Option<String> = None;
    let mut mismatch: Option<String> = None;
    let mut wrong = false;
    for cert in &candidates {
        let key = match cert.public_key() {
            Ok(k) => k,
            Err(e) => {
                first_error.get_or_insert_with(|| plain(&e));
                continue;
            }
        };
        // A key that cannot make this algorithm did not make this signature.
        if let Err(refusal @ crate::AlgorithmRefusal::Mismatch { .. }) =
            options.policy.check_algorithm(algorithm, key.kind())
        {
            mismatch.get_or_insert(refusal.to_string());
            continue;
        }
        match check_value(key, algorithm, signed_info, value) {
            Ok(true) => {
                // SHA-1 is judged where the methods are read; here only the key.
                let verdict = options.policy.check_key(key.kind()).map(|()| None);
                record_algorithm(report, "the signer's key", verdict);
                return Ok(Some(cert.clone()));
            }
            Ok(false) => wrong = true,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if guessed && !candidates.is_empty() {
        return Err(Problem {
            indication: Indication::Indeterminate,
            sub: SubIndication::NoSigningCertificateFound,
            message: "KeyInfo names no key, and none of the supplied certificates verifies the \
                      signature"
                .to_owned(),
        });
    }
    if let Some(leaf) = candidates.first() {
        report.signer = Some(leaf.to_signer_report());
        return Err(match (first_error, mismatch) {
            (Some(e), _) if !wrong => Problem::algorithm(super::AlgorithmRefusal::Unsupported(
                format!("the signer's key cannot check this signature: {e}"),
            )),
            (None, Some(m)) if !wrong => Problem {
                indication: Indication::TotalFailed,
                sub: SubIndication::SigCryptoFailure,
                message: format!("the signer's key cannot have made this signature: {m}"),
            },
            _ => Problem {
                indication: Indication::TotalFailed,
                sub: SubIndication::SigCryptoFailure,
                message: "the signature value does not verify with the signer's key (SignedInfo \
                          or SignatureValue was changed)"
                    .to_owned(),
            },
        });
    }
    let Some(key) = &key_info.key_value else {
        if key_info.retrieval_method {
            return Err(Problem::unsupported_data(
                "KeyInfo points at its key with RetrievalMethod, which kyso does not follow",
            ));
        }
        return Err(Problem {
            indication: Indication::Indeterminate,
            sub: SubIndication::NoSigningCertificateFound,
            message: "KeyInfo names no certificate kyso has (X509Certificate, or X509IssuerSerial \
                      / X509SubjectName / X509SKI of a supplied certificate)"
                .to_owned(),
        });
    };
    match check_value(key, algorithm, signed_info, value) {
        Ok(true) => Err(Problem {
            indication: Indication::Indeterminate,
            sub: SubIndication::NoSigningCertificateFound,
            message: "the signature verifies with the KeyValue key, but no certificate names \
                      the signer"
                .to_owned(),
        }),
        Ok(false) => Err(Problem {
            indication: Indication::TotalFailed,
            sub: SubIndication::SigCryptoFailure,
            message: "the signature value does not verify with the KeyValue key".to_owned(),
        }),
        Err(e) => Err(Problem::format(format!(
            "the signature value cannot be checked: {e}"
        ))),
    }
}

/// Verifies a raw XMLDSig signature value over the canonical SignedInfo. ECDSA values must be
/// `r‖s` of the curve's size (XMLDSig 1.1 §6.4.3), as xmlsec1 requires; a DER value is
/// refused.
fn check_value(
    key: &PublicKey,
    algorithm: SignatureAlgorithm,
    signed_info: &[u8],
    value: &[u8],
) -> std::result::Result<bool, String> {
    if algorithm.scheme == SignatureScheme::Ecdsa
        && let KeyKind::Ec { bits, .. } = key.kind()
    {
        let size = bits.div_ceil(8) * 2;
        // r and s may carry leading zero octets beyond the curve's size (xmlsec accepts
        // such padding); anything else is not an XMLDSig ECDSA value.
        let half = value.len() / 2;
        let extra = half.saturating_sub(size / 2);
        let padded_ok = value.len().is_multiple_of(2)
            && half >= size / 2
            && value[..extra].iter().all(|&b| b == 0)
            && value[half..half + extra].iter().all(|&b| b == 0);
        if !padded_ok {
            return Ok(false);
        }
        let mut raw = value[extra..half].to_vec();
        raw.extend_from_slice(&value[half + extra..]);
        return key
            .verify(algorithm, signed_info, &raw)
            .map_err(|e| plain(&e));
    }
    // An ECDSA method with an RSA key, or the reverse, is refused by `verify` as a mismatch.
    key.verify(algorithm, signed_info, value)
        .map_err(|e| plain(&e))
}

/// An error's message without kyso's `unsupported:` prefixes.
fn plain(e: &Error) -> String {
    let text = e.to_string();
    let mut rest = text.as_str();
    while let Some(r) = rest.strip_prefix("unsupported: ") {
        rest = r;
    }
    rest.to_owned()
}
