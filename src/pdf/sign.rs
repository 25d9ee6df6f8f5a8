//! PAdES signing: placeholder → digest → embed, as an incremental update.
//!
//! [`prepare_pdf`] lays out the whole update with a reserved `/Contents`, fixes the
//! `/ByteRange`, hashes the covered bytes and builds the CMS signed attributes; the digest of
//! those attributes is what a key, token or remote service signs. [`finish_pdf`] assembles the
//! CMS around the raw signature and writes it into the reserved room. Every byte of the input
//! stays where it was.

use serde::{Deserialize, Serialize};

use super::appearance::{self, Appearance};
use super::object::{Array, Dictionary, Name, ObjRef, Object, PdfString, Placeholder};
use super::writer::{IncrementalWriter, fill_hex_string, fill_int_array};
use super::{Document, RevisionView};
use crate::cms::{
    SignedAttributesOptions, UnsignedAttribute, assemble_signed_data, build_signed_attributes,
    oid as cms_oid,
};
use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, Signer};
use crate::error::{Error, Format, Result};
use crate::pki::{Certificate, check_signing_certificate};
use crate::policy::{Limits, SigningPolicy};

const CONTENTS_TAG: u32 = 1;
const BYTE_RANGE_TAG: u32 = 2;
/// Digits of each /ByteRange number: enough for offsets up to 9.3 GB.
const BYTE_RANGE_DIGITS: usize = 10;

/// The CMS flavour written into /SubFilter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SubFilter {
    /// `ETSI.CAdES.detached` (PAdES): the signing time goes in /M, not in the CMS.
    #[default]
    #[serde(rename = "ETSI.CAdES.detached")]
    CadesDetached,
    /// `adbe.pkcs7.detached`: PKCS#7 with a signingTime attribute.
    #[serde(rename = "adbe.pkcs7.detached")]
    Pkcs7Detached,
}

impl SubFilter {
    fn name(self) -> &'static str {
        match self {
            SubFilter::CadesDetached => "ETSI.CAdES.detached",
            SubFilter::Pkcs7Detached => "adbe.pkcs7.detached",
        }
    }
}

/// Options for signing a PDF.
#[derive(Debug, Clone, Default)]
pub struct PdfSignOptions {
    /// Digest, signing time and the checks on the signing certificate.
    pub policy: SigningPolicy,
    /// CMS flavour.
    pub sub_filter: SubFilter,
    /// Name of the signature field: an existing empty one is filled, otherwise a new field is
    /// created (default `SignatureN`).
    pub field_name: Option<String>,
    /// Page (1-based) of a new field's widget; default 1.
    pub page: Option<u32>,
    /// What the signature shows on the page (Decree 30/2020 Appendix I); default none.
    pub appearance: Appearance,
    /// Where a new field's widget goes: `[x, y, width, height]` in the page's user space
    /// (points). Leader and seal appearances need it; a copy notice defaults to the page's
    /// top-right corner.
    pub rect: Option<[f64; 4]>,
    /// /Reason.
    pub reason: Option<String>,
    /// /Location.
    pub location: Option<String>,
    /// /ContactInfo.
    pub contact_info: Option<String>,
    /// Make a certification signature with DocMDP permissions P (1: no changes; 2: form
    /// filling and signing; 3: also annotations).
    pub certify: Option<u8>,
    /// Lock these fields after signing (FieldMDP, action Include); empty: no lock.
    pub lock_fields: Vec<String>,
    /// Extra bytes to reserve in /Contents (time-stamp tokens, revocation data).
    pub reserve: usize,
    /// A time-stamp to request over the signature value (PAdES B-T).
    pub timestamp_url: Option<String>,
    /// CRLs and OCSP responses to sign into the CMS as adbe-revocationInfoArchival (the
    /// PKCS#7 way of carrying validation data; PAdES uses the DSS instead).
    pub adobe_revocation_info: Option<crate::cms::AdobeRevocationInfo>,
    /// Limits when reading the input.
    pub limits: Limits,
}

/// The state between [`prepare_pdf`] and [`finish_pdf`]: serialisable, so that a service
/// can keep it while the user confirms a remote signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreparedPdf {
    /// The digest to sign (of the DER signed attributes).
    #[serde(with = "hex_bytes")]
    pub digest: Vec<u8>,
    /// The algorithm the signature must use.
    pub algorithm: SignatureAlgorithm,
    /// Length of the input document.
    pub document_len: u64,
    /// SHA-256 of the input document, so that `finish` refuses a different one.
    #[serde(with = "hex_bytes")]
    pub document_sha256: Vec<u8>,
    /// The incremental update, /ByteRange filled, /Contents still zeros.
    #[serde(with = "hex_bytes")]
    pub update: Vec<u8>,
    /// Start and end of the /Contents hex string (delimiters included), in the output file.
    pub contents_span: (u64, u64),
    /// DER signed attributes.
    #[serde(with = "hex_bytes")]
    pub signed_attributes: Vec<u8>,
    /// Digest algorithm of content and attributes.
    pub digest_algorithm: DigestAlgorithm,
    /// Certificates to embed, signer first (DER).
    #[serde(with = "hex_list")]
    pub chain: Vec<Vec<u8>>,
    /// A TSA to ask for a signature time-stamp at finish.
    pub timestamp_url: Option<String>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(serde::de::Error::custom)
    }
}

mod hex_list {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(hex::encode))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.into_iter()
            .map(|s| hex::decode(s).map_err(serde::de::Error::custom))
            .collect()
    }
}

fn pdf_err(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

/// Room for the CMS: the real chain and signature size, attributes, and what was asked for.
fn contents_capacity(chain: &[Certificate], options: &PdfSignOptions) -> usize {
    let revocation: usize = options
        .adobe_revocation_info
        .as_ref()
        .map(|r| {
            r.crls
                .iter()
                .chain(r.ocsp.iter())
                .map(|d| d.len() + 8)
                .sum::<usize>()
                + 16
        })
        .unwrap_or(0);
    let certs: usize = chain.iter().map(|c| c.der().len() + 8).sum();
    let signature = chain
        .first()
        .and_then(|c| c.key_kind())
        .map(|k| k.bits().div_ceil(8) + 16)
        .unwrap_or(512);
    let issuer = chain.first().map(|c| c.issuer().der().len()).unwrap_or(256);
    let timestamp = if options.timestamp_url.is_some() {
        16 * 1024
    } else {
        0
    };
    certs + signature + 2 * issuer + 1024 + timestamp + revocation + options.reserve
}

/// Lays out the signed update and returns the digest to sign.
pub fn prepare_pdf(
    document: &[u8],
    chain: &[Certificate],
    algorithm: SignatureAlgorithm,
    options: &PdfSignOptions,
) -> Result<PreparedPdf> {
    let signer = chain
        .first()
        .ok_or_else(|| Error::InvalidOption("no signing certificate".into()))?;
    let mut policy = options.policy.clone();
    let signing_time = policy.time();
    policy.signing_time = Some(signing_time);
    check_signing_certificate(signer, &policy)?;
    if algorithm.digest != policy.digest {
        return Err(Error::InvalidOption(
            "signature digest differs from the policy's".into(),
        ));
    }
    if let Some(p) = options.certify
        && !(1..=3).contains(&p)
    {
        return Err(Error::InvalidOption(format!(
            "DocMDP permission {p} (1, 2 or 3)"
        )));
    }
    let capacity = contents_capacity(chain, options);
    let mut sig = Dictionary::new();
    sig.set("Type", Name::from("Sig"));
    sig.set("Filter", Name::from("Adobe.PPKLite"));
    sig.set("SubFilter", Name::from(options.sub_filter.name()));
    sig.set(
        "M",
        PdfString::literal(crate::dates::vietnam_pdf(signing_time).into_bytes()),
    );
    if let Some(cn) = signer.identity().common_name.as_deref() {
        sig.set("Name", PdfString::from_text(cn));
    }
    for (key, value) in [
        ("Reason", &options.reason),
        ("Location", &options.location),
        ("ContactInfo", &options.contact_info),
    ] {
        if let Some(v) = value {
            sig.set(key, PdfString::from_text(v));
        }
    }
    let mut references = Array::new();
    if let Some(p) = options.certify {
        let mut params = Dictionary::new();
        params.set("Type", Name::from("TransformParams"));
        params.set("P", Object::Int(i64::from(p)));
        params.set("V", Name::from("1.2"));
        let mut reference = Dictionary::new();
        reference.set("Type", Name::from("SigRef"));
        reference.set("TransformMethod", Name::from("DocMDP"));
        reference.set("TransformParams", params);
        references.push(reference);
    }
    if !options.lock_fields.is_empty() {
        let mut params = Dictionary::new();
        params.set("Type", Name::from("TransformParams"));
        params.set("Action", Name::from("Include"));
        let mut fields = Array::new();
        for f in &options.lock_fields {
            fields.push(PdfString::from_text(f));
        }
        params.set("Fields", fields);
        params.set("V", Name::from("1.2"));
        let mut reference = Dictionary::new();
        reference.set("Type", Name::from("SigRef"));
        reference.set("TransformMethod", Name::from("FieldMDP"));
        reference.set("TransformParams", params);
        references.push(reference);
    }
    if !references.is_empty() {
        sig.set("Reference", references);
    }
    let identity = signer.identity();
    let signing = appearance::Signing {
        organization: identity
            .organization
            .as_deref()
            .or(identity.common_name.as_deref()),
        time: signing_time,
        reason: options.reason.as_deref(),
    };
    let laid = lay_out_with(document, sig, capacity, options, Some(signing))?;
    let content_digest = laid.digest(document, algorithm.digest);
    let digest_algorithm = algorithm.digest;
    let gap = laid.gap;
    let update = laid.update;

    let signed_attributes = build_signed_attributes(
        &content_digest,
        signer,
        &SignedAttributesOptions {
            signing_time: (options.sub_filter == SubFilter::Pkcs7Detached).then_some(signing_time),
            content_type: None,
            adobe_revocation_info: options.adobe_revocation_info.clone(),
        },
    )?;
    Ok(PreparedPdf {
        digest: digest_algorithm.digest(&signed_attributes),
        algorithm,
        document_len: document.len() as u64,
        document_sha256: DigestAlgorithm::Sha256.digest(document),
        update: update.bytes,
        contents_span: (gap.start, gap.end),
        signed_attributes,
        digest_algorithm,
        chain: chain.iter().map(|c| c.der().to_vec()).collect(),
        timestamp_url: options.timestamp_url.clone(),
    })
}

/// An incremental update laid out around a signature dictionary, /ByteRange fixed,
/// /Contents still zeros.
pub(crate) struct LaidOut {
    /// The update (bytes to append) and where its objects and placeholders went.
    pub update: super::writer::Appended,
    /// The /Contents hex string in the output file.
    pub gap: super::object::Span,
}

impl LaidOut {
    /// Digest of the signed byte ranges of `document` followed by the update.
    pub fn digest(&self, document: &[u8], alg: DigestAlgorithm) -> Vec<u8> {
        let mut hasher = alg.hasher();
        hasher.update(document);
        let base = self.update.offset;
        let rel = |x: u64| (x - base) as usize;
        hasher.update(&self.update.bytes[..rel(self.gap.start)]);
        hasher.update(&self.update.bytes[rel(self.gap.end)..]);
        hasher.finish()
    }

    /// Writes `value` (CMS or time-stamp token) into /Contents; returns the whole output.
    pub fn fill(mut self, document: &[u8], value: &[u8]) -> Result<Vec<u8>> {
        let width = self.gap.end - self.gap.start;
        let filled = fill_hex_string(width, value).map_err(|_| {
            Error::InvalidOption(format!(
                "the value ({} bytes) does not fit the reserved /Contents ({} bytes)",
                value.len(),
                (width - 2) / 2
            ))
        })?;
        self.update.patch(CONTENTS_TAG, &filled)?;
        let mut out = Vec::with_capacity(document.len() + self.update.bytes.len());
        out.extend_from_slice(document);
        out.extend_from_slice(&self.update.bytes);
        Ok(out)
    }
}

/// Lays out an update that adds the signature dictionary `sig` (given without /ByteRange
/// and /Contents) with `capacity` bytes of /Contents, in a new or existing field.
pub(crate) fn lay_out(
    document: &[u8],
    sig: Dictionary,
    capacity: usize,
    options: &PdfSignOptions,
) -> Result<LaidOut> {
    lay_out_with(document, sig, capacity, options, None)
}

/// [`lay_out`] with what a visible appearance may show about the signing.
fn lay_out_with(
    document: &[u8],
    mut sig: Dictionary,
    capacity: usize,
    options: &PdfSignOptions,
    signing: Option<appearance::Signing<'_>>,
) -> Result<LaidOut> {
    let doc = Document::open(document, &options.limits)?;
    if doc.is_encrypted() {
        return Err(Error::Unsupported("signing an encrypted PDF".into()));
    }
    let view = doc.latest();
    // A certification that allows no changes (DocMDP P=1) would be broken by a signature;
    // PAdES still lets document time-stamps (and the DSS) follow it.
    if !sig.is_name("Type", "DocTimeStamp") && certified_without_changes(&view)? {
        return Err(Error::InvalidOption(
            "the document is certified with no changes allowed (DocMDP P=1)".into(),
        ));
    }
    let mut writer = IncrementalWriter::new(&doc)?;
    let sig_ref = writer.allocate()?;
    sig.set(
        "ByteRange",
        Placeholder::int_array4(BYTE_RANGE_TAG, BYTE_RANGE_DIGITS),
    );
    sig.set("Contents", Placeholder::hex_string(CONTENTS_TAG, capacity));
    writer.set(sig_ref, Object::Dict(sig))?;
    let request = appearance::Request {
        appearance: &options.appearance,
        rect: options.rect,
        signing,
    };
    attach_field(&view, &mut writer, sig_ref, options, &request)?;
    let mut update = writer.finish()?;
    let gap = update
        .placeholder(CONTENTS_TAG)
        .ok_or_else(|| pdf_err("the /Contents placeholder was not written"))?;
    let br = update
        .placeholder(BYTE_RANGE_TAG)
        .ok_or_else(|| pdf_err("the /ByteRange placeholder was not written"))?;
    let total = update.total_len();
    let ranges = [0, gap.start, gap.end, total - gap.end];
    update.patch(BYTE_RANGE_TAG, &fill_int_array(br.len(), &ranges)?)?;
    Ok(LaidOut { update, gap })
}

/// Whether the document carries a certification signature with DocMDP P=1.
fn certified_without_changes<S: super::Source>(view: &RevisionView<'_, S>) -> Result<bool> {
    let (_, catalog) = view.catalog()?;
    let Some(perms) = catalog.get("Perms") else {
        return Ok(false);
    };
    let certification = view
        .resolve_dict(perms, "/Perms")?
        .and_then(|p| p.get("DocMDP").cloned())
        .map(|s| view.resolve_dict(&s, "the certification signature"))
        .transpose()?
        .flatten();
    Ok(certification.is_some_and(|sig| super::verify::docmdp_p(view, &sig).unwrap_or(2) == 1))
}

/// Creates or fills the signature field and hooks it into the form and the page.
fn attach_field<S: super::Source>(
    view: &RevisionView<'_, S>,
    writer: &mut IncrementalWriter<'_, S>,
    sig_ref: ObjRef,
    options: &PdfSignOptions,
    request: &appearance::Request<'_>,
) -> Result<()> {
    let (catalog_ref, mut catalog) = view.catalog()?;
    let fields = view.fields()?;
    let mut catalog_changed = false;

    if let Some(p) = options.certify {
        if fields.iter().any(|f| f.is_signature() && f.value.is_some()) {
            return Err(Error::InvalidOption(
                "a certification signature must be the first signature".into(),
            ));
        }
        let mut perms = Dictionary::new();
        perms.set("DocMDP", sig_ref);
        catalog.set("Perms", perms);
        catalog_changed = true;
        let _ = p;
    }

    // An existing empty signature field is filled in place: the one named, or without a name
    // the first empty one (forms prepared by a portal carry their signature fields).
    let existing = match &options.field_name {
        Some(name) => fields.iter().find(|f| &f.name == name),
        None => fields
            .iter()
            .find(|f| f.is_signature() && f.is_terminal() && f.value.is_none() && f.id.is_some()),
    };
    if let Some(field) = existing {
        let name = &field.name;
        if !field.is_signature() {
            return Err(Error::InvalidOption(format!(
                "field {name} is not a signature field"
            )));
        }
        if field.value.is_some() {
            return Err(Error::InvalidOption(format!(
                "field {name} is already signed"
            )));
        }
        let id = field
            .id
            .ok_or_else(|| pdf_err(format!("field {name} is not an indirect object")))?;
        let mut dict = field.dict.clone();
        dict.set("V", sig_ref);
        appearance::draw_on_field(view, field, id, &mut dict, request, writer)?;
        writer.set(id, Object::Dict(dict))?;
        let form = view.acroform()?.unwrap_or_default();
        if form.get_int("SigFlags") != Some(3) {
            update_form(view, writer, &mut catalog, &mut catalog_changed, None)?;
        }
        if catalog_changed {
            writer.set(catalog_ref, Object::Dict(catalog))?;
        }
        return Ok(());
    }

    let name = match &options.field_name {
        Some(n) => n.clone(),
        None => (1..)
            .map(|i| format!("Signature{i}"))
            .find(|n| !fields.iter().any(|f| &f.name == n))
            .unwrap_or_else(|| "Signature".into()),
    };
    let pages = view.pages()?;
    let page_index = options.page.unwrap_or(1);
    let page = pages
        .get((page_index as usize).wrapping_sub(1))
        .ok_or_else(|| {
            Error::InvalidOption(format!(
                "page {page_index} (the document has {})",
                pages.len()
            ))
        })?;

    let field_ref = writer.allocate()?;
    let mut widget = Dictionary::new();
    widget.set("Type", Name::from("Annot"));
    widget.set("Subtype", Name::from("Widget"));
    widget.set("FT", Name::from("Sig"));
    widget.set("T", PdfString::from_text(&name));
    widget.set("V", sig_ref);
    match appearance::draw_new(view, page, request, writer)? {
        Some(drawn) => {
            widget.set("Rect", drawn.rect_array());
            widget.set("AP", drawn.ap());
        }
        None => {
            let mut rect = Array::new();
            for _ in 0..4 {
                rect.push(Object::Int(0));
            }
            widget.set("Rect", rect);
        }
    }
    // Print + Locked: the widget shows in print and cannot be moved.
    widget.set("F", Object::Int(132));
    widget.set("P", page.id);
    writer.set(field_ref, Object::Dict(widget))?;

    // The page's /Annots gains the widget.
    match page.dict.get("Annots") {
        Some(Object::Ref(r)) => {
            let mut annots = match view.resolve(&Object::Ref(*r))? {
                Object::Array(a) => a,
                Object::Null => Array::new(),
                _ => return Err(pdf_err("/Annots is not an array")),
            };
            annots.push(field_ref);
            writer.set(*r, Object::Array(annots))?;
        }
        other => {
            let mut annots = match other {
                Some(Object::Array(a)) => a.clone(),
                None | Some(Object::Null) => Array::new(),
                Some(_) => return Err(pdf_err("/Annots is not an array")),
            };
            annots.push(field_ref);
            let mut dict = page.dict.clone();
            dict.set("Annots", annots);
            writer.set(page.id, Object::Dict(dict))?;
        }
    }
    update_form(
        view,
        writer,
        &mut catalog,
        &mut catalog_changed,
        Some(field_ref),
    )?;
    if catalog_changed {
        writer.set(catalog_ref, Object::Dict(catalog))?;
    }
    Ok(())
}

/// Adds a field to /AcroForm /Fields and sets /SigFlags 3, writing the form where it lives.
fn update_form<S: super::Source>(
    view: &RevisionView<'_, S>,
    writer: &mut IncrementalWriter<'_, S>,
    catalog: &mut Dictionary,
    catalog_changed: &mut bool,
    new_field: Option<ObjRef>,
) -> Result<()> {
    let form_obj = catalog.get("AcroForm").cloned();
    let mut form = match &form_obj {
        Some(o) => view.resolve_dict(o, "/AcroForm")?.unwrap_or_default(),
        None => Dictionary::new(),
    };
    if let Some(field) = new_field {
        let mut list = match form.get("Fields") {
            Some(f) => match view.resolve(f)? {
                Object::Array(a) => a,
                Object::Null => Array::new(),
                _ => return Err(pdf_err("/AcroForm /Fields is not an array")),
            },
            None => Array::new(),
        };
        list.push(field);
        // An indirect /Fields array is rewritten where it is.
        if let Some(Object::Ref(r)) = form.get("Fields") {
            let r = *r;
            writer.set(r, Object::Array(list))?;
        } else {
            form.set("Fields", list);
        }
    }
    form.set("SigFlags", Object::Int(3));
    match form_obj {
        Some(Object::Ref(r)) => writer.set(r, Object::Dict(form))?,
        _ => {
            let r = writer.add(Object::Dict(form))?;
            catalog.set("AcroForm", r);
            *catalog_changed = true;
        }
    }
    Ok(())
}

/// Embeds a raw signature made over `prepared.digest` and returns the signed document.
///
/// `document` must be the same bytes that were prepared. With a time-stamp URL in the
/// prepared state, a signature time-stamp is fetched and embedded (PAdES B-T).
pub fn finish_pdf(prepared: &PreparedPdf, document: &[u8], signature: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(document.len() + prepared.update.len());
    finish_pdf_to(prepared, document, signature, &mut out)?;
    Ok(out)
}

/// Like [`finish_pdf`], writing the signed document to `out` (so a large file needs no
/// second copy in memory).
pub fn finish_pdf_to(
    prepared: &PreparedPdf,
    document: &[u8],
    signature: &[u8],
    out: &mut impl std::io::Write,
) -> Result<()> {
    if document.len() as u64 != prepared.document_len
        || DigestAlgorithm::Sha256.digest(document) != prepared.document_sha256
    {
        return Err(Error::InvalidOption(
            "finish was given another document than prepare".into(),
        ));
    }
    let chain = prepared
        .chain
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<Result<Vec<_>>>()?;
    let signer = chain
        .first()
        .ok_or_else(|| Error::InvalidOption("no certificate".into()))?;
    // A signature that does not verify is never embedded.
    let key = signer.public_key()?;
    if !key.verify_digest(prepared.algorithm, &prepared.digest, signature)? {
        return Err(Error::Signer(
            "the signature does not verify with the signing certificate".into(),
        ));
    }
    let mut unsigned = Vec::new();
    if let Some(url) = &prepared.timestamp_url {
        let raw = crate::crypto::ecdsa_to_der(key, signature)?;
        let digest = prepared.digest_algorithm.digest(&raw);
        let token = crate::cms::request_timestamp(
            url,
            prepared.digest_algorithm,
            &digest,
            Default::default(),
        )?;
        unsigned.push(UnsignedAttribute {
            oid: cms_oid::TIME_STAMP_TOKEN,
            value_der: token,
        });
    }
    let cms = assemble_signed_data(
        &prepared.signed_attributes,
        prepared.digest_algorithm,
        prepared.algorithm,
        signature,
        &chain,
        &unsigned,
    )?;
    let (start, end) = prepared.contents_span;
    let width = end - start;
    let filled = fill_hex_string(width, &cms).map_err(|_| {
        Error::InvalidOption(format!(
            "the signature ({} bytes) does not fit the reserved /Contents ({} bytes)",
            cms.len(),
            (width - 2) / 2
        ))
    })?;
    let base = prepared.document_len;
    let rel_start = usize::try_from(start - base).map_err(|_| pdf_err("offset"))?;
    let mut update = prepared.update.clone();
    update
        .get_mut(rel_start..rel_start + filled.len())
        .ok_or_else(|| pdf_err("/Contents outside the update"))?
        .copy_from_slice(&filled);
    out.write_all(document)?;
    out.write_all(&update)?;
    Ok(())
}

/// Signs with a [`Signer`]: prepare → sign the digest → finish.
///
/// ```no_run
/// use kyso::crypto::KeyFileSigner;
/// use kyso::pdf::{PdfSignOptions, sign_pdf};
/// let signer = KeyFileSigner::from_pkcs12(&std::fs::read("fixtures/pki/leader.p12")?, "kyso-test")?;
/// let signed = sign_pdf(&std::fs::read("fixtures/docs/simple.pdf")?, &signer, &PdfSignOptions::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_pdf(document: &[u8], signer: &dyn Signer, options: &PdfSignOptions) -> Result<Vec<u8>> {
    let chain = signer
        .certificate_chain()
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<Result<Vec<_>>>()?;
    let algorithm = signer.signature_algorithm(options.policy.digest);
    let prepared = prepare_pdf(document, &chain, algorithm, options)?;
    let signature =
        signer.sign_message(algorithm, &prepared.signed_attributes, &prepared.digest)?;
    finish_pdf(&prepared, document, &signature)
}
