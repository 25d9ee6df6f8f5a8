//! Signing: a Signature spliced into the original bytes, in two phases.
//!
//! [`prepare_xml`] builds the Signature for the document, splices it into a copy of the
//! input, computes every reference digest there with the same code the verifier runs, and
//! returns the digest of the canonical `SignedInfo` with a serializable state.
//! [`finish_xml`] puts the raw signature value made elsewhere (a token, a remote service)
//! into the Signature, adds the XAdES signature time-stamp when asked, and writes the
//! output: the input bytes with the Signature inserted under its parent. Nothing else
//! changes — except that an empty parent written `<NBan/>` is opened into
//! `<NBan>…</NBan>`. [`sign_xml`] does both around [`Signer::sign_digest`].
//!
//! | mode | reference | where the Signature goes |
//! |---|---|---|
//! | enveloped | `""` (whole document) or `#id`, enveloped-signature + C14N | `parent`, by default the signed element (or the document element) |
//! | detached | `#id`, C14N | `parent`, by default the document element; never inside the signed element |
//! | enveloping | `#<Object Id>`, C14N | a new document: the Signature, with the input's document element in a `ds:Object` |

use roxmltree::Node;
use time::OffsetDateTime;

use super::keyinfo::write_key_info;
use super::reference::{dereference, written_name};
use super::transform::{Transform, digest_reference};
use super::{DSIG_NS, digest_uri, encode_base64, escape_xml, is_element, signature_uri};
use crate::cms::request_timestamp;
use crate::crypto::{
    DigestAlgorithm, KeyKind, SignatureAlgorithm, SignatureScheme, Signer, ecdsa_to_raw,
};
use crate::error::{Error, Format, Result};
use crate::pki::{Certificate, check_signing_certificate};
use crate::policy::{Limits, SigningPolicy};
use crate::xml::c14n::{C14nMethod, Canonicalizer, InclusivePrefixes};
use crate::xml::xades::{self, SIGNED_PROPERTIES_TYPE, XadesIds};
use crate::xml::{IdAttributes, XmlDocument, einvoice};

pub use crate::xml::xades::XadesOptions;

/// What kind of signature to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Plain XMLDSig.
    #[default]
    Dsig,
    /// The Vietnamese e-invoice seller signature (Circular 78/2021): `#<DLHDon Id>` plus a
    /// SigningTime object, C14N 1.0, under `HDon/DSCKS/NBan`.
    Einvoice,
    /// XAdES baseline B-B, or B-T with [`XadesOptions::tsa_url`].
    Xades,
}

/// Where the signed data stands relative to the Signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The Signature is inside the document it signs (enveloped-signature transform).
    #[default]
    Enveloped,
    /// The Signature signs an element of the same document that does not contain it.
    Detached,
    /// The signed document element is carried inside the Signature, in a `ds:Object`.
    Enveloping,
}

/// Options of [`prepare_xml`] and [`sign_xml`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlSignOptions {
    /// The kind of signature.
    pub profile: Profile,
    /// Enveloped, detached or enveloping.
    pub mode: Mode,
    /// The Id of the element to sign; `None` signs the whole document (the e-invoice
    /// profile signs its `DLHDon`).
    pub reference: Option<String>,
    /// Where to put the Signature: a path of element names from the document element, such as
    /// `HDon/DSCKS/NBan` (`name[n]` picks the n-th of same-named siblings).
    pub parent: Option<String>,
    /// Digest of references and signature (SHA-1 is refused).
    pub digest: DigestAlgorithm,
    /// Signature scheme; `None` takes the signer's (or, in [`prepare_xml`], PKCS#1 v1.5 for RSA
    /// keys and ECDSA for EC keys).
    pub scheme: Option<SignatureScheme>,
    /// Canonicalization of SignedInfo and of the references; `None` means C14N 1.0.
    pub c14n: Option<C14nMethod>,
    /// Signing time written into the signature and used to check the certificate; `None`
    /// means now.
    pub signing_time: Option<OffsetDateTime>,
    /// Put the whole chain into KeyInfo, not only the signer's certificate.
    pub include_chain: bool,
    /// Namespace prefix of the signature elements (`ds`); empty for the default namespace.
    pub prefix: String,
    /// The Signature's Id; `None` makes a fresh one.
    pub signature_id: Option<String>,
    /// XAdES properties (profile [`Profile::Xades`]).
    pub xades: XadesOptions,
}

impl Default for XmlSignOptions {
    fn default() -> Self {
        XmlSignOptions {
            profile: Profile::Dsig,
            mode: Mode::Enveloped,
            reference: None,
            parent: None,
            digest: DigestAlgorithm::Sha256,
            scheme: None,
            c14n: None,
            signing_time: None,
            include_chain: false,
            prefix: "ds".to_owned(),
            signature_id: None,
            xades: XadesOptions::default(),
        }
    }
}

/// The first phase's result: the digest to sign and everything [`finish_xml`] needs.
/// Serializable, so that a signing request can wait for a remote signer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreparedXml {
    /// The digest of the canonical SignedInfo, to be signed with `algorithm`.
    pub digest: Vec<u8>,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The Signature's Id.
    pub signature_id: String,
    /// The canonical SignedInfo whose digest is `digest`, for signers that sign whole
    /// messages; not serialized (a remote signer gets the digest).
    #[serde(skip)]
    signed_info: Vec<u8>,
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct State {
    /// SHA-256 of the input, to refuse finishing another document.
    input_sha256: Vec<u8>,
    /// The input range replaced.
    start: usize,
    end: usize,
    /// The replacement is `head` + base64 signature value + `tail`.
    head: String,
    tail: String,
    /// Where in `tail` XAdES UnsignedProperties go, for B-T.
    unsigned_at: Option<usize>,
    /// The signing certificate (DER), to check the value and shape ECDSA.
    signer: Vec<u8>,
    /// TSA for XAdES-B-T.
    tsa_url: Option<String>,
    /// Validation values for XAdES-B-LT.
    #[serde(default)]
    lt_values: Option<xades::ValidationValues>,
    /// The dsig prefix with its colon.
    prefix: String,
    /// Canonicalization (for the signature time-stamp).
    c14n: String,
}

impl PreparedXml {
    /// The signing certificate (DER) the signature value is checked against.
    pub fn signer_certificate(&self) -> &[u8] {
        &self.state.signer
    }
}

/// One Reference to write.
struct RefPlan {
    id: Option<String>,
    uri: String,
    type_: Option<&'static str>,
    transforms: Vec<Transform>,
}

/// Where the Signature goes and what it signs.
struct Plan {
    start: usize,
    end: usize,
    /// Text before and after the Signature in the replacement (`>` … `</NBan>` for an empty
    /// parent written `<NBan/>`; the XML declaration and the Object for enveloping).
    before: String,
    after: String,
    data_uri: String,
    enveloped: bool,
    /// Enveloping: the Object that carries the data.
    object: Option<(String, String)>,
}

/// Signs with `signer`: [`prepare_xml`], [`Signer::sign_message`], [`finish_xml`].
///
/// ```no_run
/// use kyso::crypto::KeyFileSigner;
/// use kyso::xml::{Profile, XmlSignOptions, sign_xml};
/// let signer = KeyFileSigner::from_pkcs12(&std::fs::read("fixtures/pki/business.p12")?, "kyso-test")?;
/// let invoice = std::fs::read("fixtures/docs/einvoice.xml")?;
/// let options = XmlSignOptions { profile: Profile::Einvoice, ..XmlSignOptions::default() };
/// let signed = sign_xml(&invoice, &signer, &options)?;
/// # let _ = signed;
/// # Ok::<(), kyso::Error>(())
/// ```
pub fn sign_xml(bytes: &[u8], signer: &dyn Signer, options: &XmlSignOptions) -> Result<Vec<u8>> {
    let chain = signer
        .certificate_chain()
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<Result<Vec<_>>>()?;
    let mut options = options.clone();
    if options.scheme.is_none() {
        options.scheme = Some(signer.signature_algorithm(options.digest).scheme);
    }
    let prepared = prepare_xml(bytes, &chain, &options)?;
    let raw = signer.sign_message(prepared.algorithm, &prepared.signed_info, &prepared.digest)?;
    finish_xml(prepared, bytes, &raw)
}

/// First phase: the Signature is built and placed, and the digest to sign returned.
///
/// `chain` is the signer's certificate first, then its issuers. The signing certificate is
/// checked first ([`check_signing_certificate`]): validity at the signing time, key usage,
/// key size, no SHA-1.
pub fn prepare_xml(
    bytes: &[u8],
    chain: &[Certificate],
    options: &XmlSignOptions,
) -> Result<PreparedXml> {
    let signer = chain
        .first()
        .ok_or_else(|| Error::InvalidOption("no signing certificate".into()))?;
    let policy = SigningPolicy {
        digest: options.digest,
        signing_time: options.signing_time,
        ..SigningPolicy::default()
    };
    check_signing_certificate(signer, &policy)?;
    let time = policy.time();
    let algorithm = SignatureAlgorithm::new(scheme_for(signer, options.scheme)?, options.digest);
    let c14n = options.c14n.unwrap_or(C14nMethod::Inclusive10);
    let p = match options.prefix.as_str() {
        "" => String::new(),
        prefix if is_prefix(prefix) => format!("{prefix}:"),
        other => return Err(Error::InvalidOption(format!("namespace prefix {other:?}"))),
    };
    let ns_decl = match options.prefix.as_str() {
        "" => format!(" xmlns=\"{DSIG_NS}\""),
        prefix => format!(" xmlns:{prefix}=\"{DSIG_NS}\""),
    };

    let limits = Limits::default();
    let ids = IdAttributes::default();
    let doc = XmlDocument::from_bytes(bytes, &limits, &ids)?;
    let sig_id = match &options.signature_id {
        Some(id) => id.clone(),
        None => fresh_id(&doc)?,
    };
    for suffix in ["", "-signedprops", "-signingtime", "-ref0", "-object"] {
        if doc.element_by_id(&format!("{sig_id}{suffix}"))?.is_some() {
            return Err(Error::InvalidOption(format!(
                "the document already has an element with the Id {sig_id}{suffix}"
            )));
        }
    }
    let plan = plan(&doc, bytes, options, &sig_id)?;

    // References and objects.
    let c14n_transform = Transform::Canonicalize(c14n, InclusivePrefixes::none());
    let mut data_transforms = Vec::new();
    if plan.enveloped {
        data_transforms.push(Transform::EnvelopedSignature);
    }
    data_transforms.push(c14n_transform.clone());
    let mut refs = vec![RefPlan {
        id: Some(format!("{sig_id}-ref0")),
        uri: plan.data_uri.clone(),
        type_: None,
        transforms: data_transforms,
    }];
    let mut objects = String::new();
    let mut unsigned_marker = None;
    match options.profile {
        Profile::Dsig => {}
        Profile::Einvoice => {
            let object_id = format!("{sig_id}-signingtime");
            refs.push(RefPlan {
                id: None,
                uri: format!("#{object_id}"),
                type_: Some("http://www.w3.org/2000/09/xmldsig#SignatureProperties"),
                transforms: vec![c14n_transform.clone()],
            });
            objects.push_str(&einvoice::signing_time_object(
                &p, &object_id, &sig_id, time,
            ));
        }
        Profile::Xades => {
            let sp_id = format!("{sig_id}-signedprops");
            refs.push(RefPlan {
                id: None,
                uri: format!("#{sp_id}"),
                type_: Some(SIGNED_PROPERTIES_TYPE),
                transforms: vec![c14n_transform.clone()],
            });
            let qp = xades::qualifying_properties(
                &p,
                &XadesIds {
                    signature: &sig_id,
                    signed_properties: &sp_id,
                    data_reference: &format!("{sig_id}-ref0"),
                },
                signer,
                time,
                &options.xades,
            )?;
            objects.push_str(&format!("<{p}Object>"));
            let at = qp
                .rfind("</xades:QualifyingProperties>")
                .ok_or_else(|| Error::malformed(Format::Xml, "QualifyingProperties not closed"))?;
            unsigned_marker = Some(objects.len() + at);
            objects.push_str(&qp);
            objects.push_str(&format!("</{p}Object>"));
        }
    }
    if let Some((object_id, content)) = &plan.object {
        objects.push_str(&format!(
            "<{p}Object Id=\"{}\">{content}</{p}Object>",
            escape_xml(object_id)
        ));
    }
    let key_info = write_key_info(&p, chain, options.include_chain);

    // The Signature with the given digests, spliced into the document.
    let with_digests = |digests: &[String]| {
        let (head, tail, unsigned_at) = signature_text(
            &p,
            &ns_decl,
            &sig_id,
            c14n,
            algorithm,
            &refs,
            digests,
            &key_info,
            &objects,
            unsigned_marker,
        );
        let text = splice(bytes, &plan, &head, "", &tail);
        (text, head, tail, unsigned_at)
    };

    // Pass 1: placeholder digests; compute the real ones in place.
    let (text1, ..) = with_digests(&vec![String::new(); refs.len()]);
    let doc1 = XmlDocument::from_bytes(&text1, &limits, &ids)?;
    let sig1 = find_signature(&doc1, &sig_id)?;
    let mut digests = Vec::with_capacity(refs.len());
    for r in &refs {
        let target = dereference(&doc1, Some(&r.uri)).map_err(Error::from)?;
        let d = digest_reference(&doc1, target, &r.transforms, sig1, options.digest)
            .map_err(Error::from)?;
        digests.push(encode_base64(&d));
    }

    // Pass 2: the real digests; the SignedInfo digest in the final context.
    let (text2, head, tail, unsigned_at) = with_digests(&digests);
    let doc2 = XmlDocument::from_bytes(&text2, &limits, &ids)?;
    let sig2 = find_signature(&doc2, &sig_id)?;
    let signed_info = sig2
        .children()
        .find(|n| is_element(*n, DSIG_NS, "SignedInfo"))
        .ok_or_else(|| Error::malformed(Format::Xml, "the built Signature has no SignedInfo"))?;
    let mut canonical = Vec::new();
    Canonicalizer::new(c14n).subtree(signed_info, &[], &mut canonical)?;

    Ok(PreparedXml {
        digest: options.digest.digest(&canonical),
        signed_info: canonical,
        algorithm,
        signature_id: sig_id,
        state: State {
            input_sha256: DigestAlgorithm::Sha256.digest(bytes),
            start: plan.start,
            end: plan.end,
            head: format!("{}{head}", plan.before),
            tail: format!("{tail}{}", plan.after),
            unsigned_at,
            signer: signer.der().to_vec(),
            tsa_url: match options.profile {
                Profile::Xades => options.xades.tsa_url.clone(),
                _ => None,
            },
            lt_values: match options.profile {
                Profile::Xades => options.xades.validation_values.clone(),
                _ => None,
            },
            prefix: p,
            c14n: c14n.uri().to_owned(),
        },
    })
}

/// Second phase: embeds `raw_signature` (PKCS#1 / PSS bytes, or ECDSA as DER or `r‖s`) into
/// the prepared Signature and returns the signed document. The value is checked against the
/// signing certificate first, so a wrong answer from a remote signer never ends up in a
/// document. `original` must be the bytes given to [`prepare_xml`].
pub fn finish_xml(prepared: PreparedXml, original: &[u8], raw_signature: &[u8]) -> Result<Vec<u8>> {
    let st = &prepared.state;
    if DigestAlgorithm::Sha256.digest(original) != st.input_sha256 {
        return Err(Error::InvalidOption(
            "finish_xml was given other bytes than prepare_xml".into(),
        ));
    }
    let cert = Certificate::from_der(&st.signer)?;
    let key = cert.public_key()?;
    let value = match prepared.algorithm.scheme {
        SignatureScheme::Ecdsa => ecdsa_to_raw(key, raw_signature)?,
        _ => raw_signature.to_vec(),
    };
    if !key.verify_digest(prepared.algorithm, &prepared.digest, &value)? {
        return Err(Error::Signer(
            "the signature value does not verify with the signing certificate".into(),
        ));
    }
    let value_b64 = encode_base64(&value);
    let mut tail = st.tail.clone();
    if let (Some(url), Some(at)) = (&st.tsa_url, st.unsigned_at) {
        let method = C14nMethod::from_uri(&st.c14n)?;
        let text = splice_range(original, st.start, st.end, &st.head, &value_b64, &tail);
        let doc = XmlDocument::from_bytes(&text, &Limits::default(), &IdAttributes::default())?;
        let sig = find_signature(&doc, &prepared.signature_id)?;
        let sv = sig
            .children()
            .find(|n| is_element(*n, DSIG_NS, "SignatureValue"))
            .ok_or_else(|| Error::malformed(Format::Xml, "no SignatureValue"))?;
        let stamped = xades::time_stamped_bytes(sv, method)?;
        let imprint = DigestAlgorithm::Sha256.digest(&stamped);
        let token = request_timestamp(
            url,
            DigestAlgorithm::Sha256,
            &imprint,
            crate::pki::http::HttpLimits::default(),
        )?;
        if !tail.is_char_boundary(at) {
            return Err(Error::InvalidOption("damaged prepared state".into()));
        }
        tail.insert_str(
            at,
            &xades::unsigned_properties(&st.prefix, method, &token, st.lt_values.as_ref()),
        );
    }
    Ok(splice_range(
        original, st.start, st.end, &st.head, &value_b64, &tail,
    ))
}

/// The signature scheme for a certificate's key.
fn scheme_for(cert: &Certificate, wanted: Option<SignatureScheme>) -> Result<SignatureScheme> {
    let kind = cert
        .key_kind()
        .ok_or_else(|| Error::SigningRefused("unsupported public key".into()))?;
    match (kind, wanted) {
        (KeyKind::Rsa { .. }, None) => Ok(SignatureScheme::RsaPkcs1v15),
        (KeyKind::Ec { .. }, None) => Ok(SignatureScheme::Ecdsa),
        (
            KeyKind::Rsa { .. },
            Some(s @ (SignatureScheme::RsaPkcs1v15 | SignatureScheme::RsaPss)),
        )
        | (KeyKind::Ec { .. }, Some(s @ SignatureScheme::Ecdsa)) => Ok(s),
        (kind, Some(s)) => Err(Error::SigningRefused(format!("{s:?} with a {kind} key"))),
    }
}

/// An XML name prefix kyso is willing to write.
fn is_prefix(p: &str) -> bool {
    let mut chars = p.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A fresh signature Id not used in `doc`.
fn fresh_id(doc: &XmlDocument<'_>) -> Result<String> {
    for _ in 0..8 {
        let mut r = [0u8; 6];
        getrandom::fill(&mut r).map_err(|e| Error::Signer(format!("random source: {e}")))?;
        let id = format!("sig-{}", hex::encode(r));
        if doc.element_by_id(&id)?.is_none() {
            return Ok(id);
        }
    }
    Err(Error::Signer("could not find a fresh signature Id".into()))
}

/// Decides where the Signature goes and what the data reference is.
fn plan(
    doc: &XmlDocument<'_>,
    bytes: &[u8],
    options: &XmlSignOptions,
    sig_id: &str,
) -> Result<Plan> {
    let offset = doc.text_offset();
    if options.mode == Mode::Enveloping {
        if options.parent.is_some()
            || options.reference.is_some()
            || options.profile == Profile::Einvoice
        {
            return Err(Error::InvalidOption(
                "an enveloping signature takes the whole document; no parent or reference".into(),
            ));
        }
        let root = doc.root_element();
        let content = doc
            .text()
            .get(root.range())
            .ok_or_else(|| Error::malformed(Format::Xml, "document element range"))?;
        let object_id = format!("{sig_id}-object");
        return Ok(Plan {
            start: 0,
            end: bytes.len(),
            before: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_owned(),
            after: "\n".to_owned(),
            data_uri: format!("#{object_id}"),
            enveloped: false,
            object: Some((object_id, content.to_owned())),
        });
    }
    let (reference, default_parent) = match options.profile {
        Profile::Einvoice => {
            let (id, slot) = einvoice::seller_defaults(doc, options.reference.as_deref())?;
            (Some(id), Some(slot))
        }
        _ => (options.reference.clone(), None),
    };
    let signed = match &reference {
        Some(id) => Some(
            doc.element_by_id(id)?
                .ok_or_else(|| Error::InvalidOption(format!("no element has the Id {id:?}")))?,
        ),
        None => None,
    };
    let parent = match (&options.parent, default_parent, options.mode, signed) {
        (Some(path), _, _, _) => resolve_path(doc, path)?,
        (None, Some(slot), _, _) => slot,
        (None, None, Mode::Enveloped, Some(el)) => el,
        _ => doc.root_element(),
    };
    let inside_signed = signed.is_some_and(|el| parent.ancestors().any(|a| a == el));
    if options.mode == Mode::Detached {
        match signed {
            None => {
                return Err(Error::InvalidOption(
                    "a detached signature needs the Id of the element to sign".into(),
                ));
            }
            Some(_) if inside_signed => {
                return Err(Error::InvalidOption(
                    "a detached signature cannot be placed inside the element it signs".into(),
                ));
            }
            Some(_) => {}
        }
    }
    let data_uri = match &reference {
        Some(id) => format!("#{id}"),
        None => String::new(),
    };
    let text = doc.text();
    let range = parent.range();
    let element_text = text
        .get(range.clone())
        .ok_or_else(|| Error::malformed(Format::Xml, "element range"))?;
    let (start, end, before, after) =
        if parent.first_child().is_none() && element_text.ends_with("/>") {
            let at = range.end - 2;
            (
                at + offset,
                range.end + offset,
                ">".to_owned(),
                format!("</{}>", written_name(parent)),
            )
        } else {
            let close = element_text
                .rfind("</")
                .ok_or_else(|| Error::malformed(Format::Xml, "element without an end tag"))?;
            let at = range.start + close + offset;
            (at, at, String::new(), String::new())
        };
    Ok(Plan {
        start,
        end,
        before,
        after,
        data_uri,
        enveloped: options.mode == Mode::Enveloped,
        object: None,
    })
}

/// Resolves `A/B[2]/C` from the document element.
fn resolve_path<'a, 'i>(doc: &'a XmlDocument<'i>, path: &str) -> Result<Node<'a, 'i>> {
    let bad = |why: String| Error::InvalidOption(format!("parent path {path:?}: {why}"));
    let steps: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some((first, rest)) = steps.split_first() else {
        return Err(bad("empty".into()));
    };
    let matches = |n: Node<'_, '_>, name: &str| {
        n.is_element() && (n.tag_name().name() == name || written_name(n) == name)
    };
    let (name, index) = split_index(first).ok_or_else(|| bad(format!("bad step {first:?}")))?;
    let mut cur = doc.root_element();
    if !matches(cur, name) || index.unwrap_or(1) != 1 {
        return Err(bad(format!("the document element is not {first}")));
    }
    for step in rest {
        let (name, index) = split_index(step).ok_or_else(|| bad(format!("bad step {step:?}")))?;
        let found: Vec<Node<'_, '_>> = cur
            .children()
            .filter(|c| matches(*c, name))
            .take(1024)
            .collect();
        cur = match (index, found.len()) {
            (None, 1) => found[0],
            (None, 0) => return Err(bad(format!("no {name} under {}", written_name(cur)))),
            (None, _) => return Err(bad(format!("{name} is ambiguous; write {name}[n]"))),
            (Some(i), n) if i >= 1 && i <= n => found[i - 1],
            (Some(i), _) => return Err(bad(format!("no {name}[{i}]"))),
        };
    }
    Ok(cur)
}

fn split_index(step: &str) -> Option<(&str, Option<usize>)> {
    match step.split_once('[') {
        None => Some((step, None)),
        Some((name, rest)) => {
            let n = rest.strip_suffix(']')?.parse().ok()?;
            Some((name, Some(n)))
        }
    }
}

/// The Signature element with `id` in `doc`.
fn find_signature<'a, 'i>(doc: &'a XmlDocument<'i>, id: &str) -> Result<Node<'a, 'i>> {
    doc.element_by_id(id)?
        .filter(|n| is_element(*n, DSIG_NS, "Signature"))
        .ok_or_else(|| Error::malformed(Format::Xml, "the inserted Signature cannot be found"))
}

fn splice(bytes: &[u8], plan: &Plan, head: &str, value: &str, tail: &str) -> Vec<u8> {
    let head = format!("{}{head}", plan.before);
    let tail = format!("{tail}{}", plan.after);
    splice_range(bytes, plan.start, plan.end, &head, value, &tail)
}

fn splice_range(
    bytes: &[u8],
    start: usize,
    end: usize,
    head: &str,
    value: &str,
    tail: &str,
) -> Vec<u8> {
    let start = start.min(bytes.len());
    let end = end.clamp(start, bytes.len());
    let mut out = Vec::with_capacity(bytes.len() + head.len() + value.len() + tail.len());
    out.extend_from_slice(&bytes[..start]);
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(tail.as_bytes());
    out.extend_from_slice(&bytes[end..]);
    out
}

/// The Signature's text up to and including `<SignatureValue>` and from `</SignatureValue>`
/// on, and where UnsignedProperties go in the tail.
#[allow(clippy::too_many_arguments)]
fn signature_text(
    p: &str,
    ns_decl: &str,
    sig_id: &str,
    c14n: C14nMethod,
    algorithm: SignatureAlgorithm,
    refs: &[RefPlan],
    digests: &[String],
    key_info: &str,
    objects: &str,
    unsigned_marker: Option<usize>,
) -> (String, String, Option<usize>) {
    let mut head = format!(
        "<{p}Signature{ns_decl} Id=\"{}\"><{p}SignedInfo><{p}CanonicalizationMethod Algorithm=\"{}\"/>\
         <{p}SignatureMethod Algorithm=\"{}\"/>",
        escape_xml(sig_id),
        c14n.uri(),
        signature_uri(algorithm)
    );
    for (r, digest) in refs.iter().zip(digests) {
        head.push_str(&format!("<{p}Reference"));
        if let Some(id) = &r.id {
            head.push_str(&format!(" Id=\"{}\"", escape_xml(id)));
        }
        if let Some(t) = r.type_ {
            head.push_str(&format!(" Type=\"{t}\""));
        }
        head.push_str(&format!(" URI=\"{}\">", escape_xml(&r.uri)));
        if !r.transforms.is_empty() {
            head.push_str(&format!("<{p}Transforms>"));
            for t in &r.transforms {
                head.push_str(&t.to_xml(p));
            }
            head.push_str(&format!("</{p}Transforms>"));
        }
        head.push_str(&format!(
            "<{p}DigestMethod Algorithm=\"{}\"/><{p}DigestValue>{digest}</{p}DigestValue></{p}Reference>",
            digest_uri(algorithm.digest)
        ));
    }
    head.push_str(&format!("</{p}SignedInfo><{p}SignatureValue>"));
    let mut tail = format!("</{p}SignatureValue>{key_info}");
    let unsigned_at = unsigned_marker.map(|m| tail.len() + m);
    tail.push_str(objects);
    tail.push_str(&format!("</{p}Signature>"));
    (head, tail, unsigned_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve() {
        let text = "<a><b/><b><c/></b><d xmlns:p='urn:p'><p:e/></d></a>";
        let doc = XmlDocument::parse(text, &Limits::default(), &IdAttributes::default()).unwrap();
        assert_eq!(
            resolve_path(&doc, "a/b[2]/c").unwrap().tag_name().name(),
            "c"
        );
        assert_eq!(
            resolve_path(&doc, "/a/d/p:e").unwrap().tag_name().name(),
            "e"
        );
        assert_eq!(resolve_path(&doc, "a/d/e").unwrap().tag_name().name(), "e");
        assert!(resolve_path(&doc, "a/b").is_err());
        assert!(resolve_path(&doc, "x").is_err());
        assert!(resolve_path(&doc, "a/b[3]").is_err());
    }
}
