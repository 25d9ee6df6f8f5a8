//! Long-term validation: PAdES B-LT (a Document Security Store with the certificates, CRLs
//! and OCSP responses a verifier needs later) and B-LTA (a document time-stamp over it all).

use super::dss::read_dss;
use super::object::{Array, Dictionary, Name, Object, Stream};
use super::sign::{PdfSignOptions, lay_out};
use super::writer::IncrementalWriter;
use super::{Document, Source};
use crate::cms::{TimestampToken, parse_signed_data, request_timestamp};
use crate::crypto::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::pki::http::HttpLimits;
use crate::pki::{Certificate, Crl, OcspResponse, build_ocsp_request};
use crate::policy::Limits;

/// Which long-term level to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LtvLevel {
    /// PAdES B-LT: validation material in the DSS.
    Lt,
    /// PAdES B-LTA: B-LT plus a document time-stamp.
    Lta,
}

/// Options for [`extend_pdf`].
#[derive(Debug, Clone)]
pub struct ExtendOptions {
    /// Target level.
    pub level: LtvLevel,
    /// Time-stamp authority for the document time-stamp (needed for B-LTA).
    pub tsa_url: Option<String>,
    /// CRLs to embed: each entry a DER CRL or a PEM bundle, every block of which is
    /// embedded (see [`crate::pki::bundle`]).
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses to embed: each entry DER or a PEM bundle, as `crls`.
    pub ocsp: Vec<Vec<u8>>,
    /// Fetch OCSP responses (or CRLs) for every certificate over HTTP.
    pub online: bool,
    /// Limits when reading the input.
    pub limits: Limits,
}

impl Default for ExtendOptions {
    fn default() -> Self {
        ExtendOptions {
            level: LtvLevel::Lt,
            tsa_url: None,
            crls: Vec::new(),
            ocsp: Vec::new(),
            online: false,
            limits: Limits::default(),
        }
    }
}

/// Every certificate the document's signatures and time-stamps carry.
fn certificates_in<S: Source>(doc: &Document<S>) -> Result<Vec<Certificate>> {
    let view = doc.latest();
    let mut out: Vec<Certificate> = Vec::new();
    for field in view.fields()? {
        if !field.is_signature() {
            continue;
        }
        let Some(Object::Ref(r)) = field.value else {
            continue;
        };
        let Some(obj) = view.get(r)? else { continue };
        let Some(contents) = obj
            .object
            .as_dict()
            .and_then(|d| d.get("Contents"))
            .and_then(Object::as_string)
        else {
            continue;
        };
        let Ok(cms) = parse_signed_data(&contents.bytes) else {
            continue;
        };
        if let Some(token) = &cms.timestamp_token
            && let Ok(t) = TimestampToken::parse(token)
        {
            out.extend(t.signed_data.certificates.iter().cloned());
        }
        out.extend(cms.certificates.iter().cloned());
    }
    let mut unique: Vec<Certificate> = Vec::new();
    for c in out {
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    Ok(unique)
}

/// Fetches revocation data for `cert` from the URLs it names: for an end entity an OCSP
/// response, or failing that a CRL; for a CA certificate the CRL first (the issuer's own
/// long-lived list of revoked CAs, which stays usable for years where an OCSP response is
/// fresh for days), OCSP as the fallback. A CRL also spares verifiers that, like pyHanko's
/// AdES past validation, ask for revocation data about a root that signed an OCSP response
/// itself.
fn fetch(
    cert: &Certificate,
    issuer: &Certificate,
    limits: HttpLimits,
    ocsp: &mut Vec<Vec<u8>>,
    crls: &mut Vec<Vec<u8>>,
) -> Result<()> {
    let mut last_error = None;
    let try_ocsp = |ocsp: &mut Vec<Vec<u8>>, last_error: &mut Option<Error>| -> Result<bool> {
        for url in cert.ocsp_urls().iter().take(2) {
            let req = build_ocsp_request(cert, issuer, DigestAlgorithm::Sha1, None)?;
            match crate::pki::http::post(url, "application/ocsp-request", &req, limits)
                .and_then(|der| OcspResponse::parse(&der).map(|_| der))
            {
                Ok(der) => {
                    ocsp.push(der);
                    return Ok(true);
                }
                Err(e) => *last_error = Some(e),
            }
        }
        Ok(false)
    };
    let try_crl = |crls: &mut Vec<Vec<u8>>, last_error: &mut Option<Error>| -> bool {
        for url in cert.crl_urls().iter().take(2) {
            match crate::pki::http::get(url, limits).and_then(|der| Crl::parse(&der).map(|_| der)) {
                Ok(der) => {
                    if !crls.contains(&der) {
                        crls.push(der);
                    }
                    return true;
                }
                Err(e) => *last_error = Some(e),
            }
        }
        false
    };
    // Short-circuit: the second source is asked only when the first gave nothing.
    let found = if cert.is_ca() {
        let by_crl = try_crl(crls, &mut last_error);
        by_crl || try_ocsp(ocsp, &mut last_error)?
    } else {
        let by_ocsp = try_ocsp(ocsp, &mut last_error)?;
        by_ocsp || try_crl(crls, &mut last_error)
    };
    match last_error {
        Some(e) if !found => Err(e),
        _ => Ok(()),
    }
}

/// Raises a signed PDF to B-LT (and B-LTA): appends a DSS with the certificates of every
/// signature and time-stamp and the revocation data given or fetched, then (for B-LTA) a
/// document time-stamp. Each step is its own incremental update.
pub fn extend_pdf(document: &[u8], options: &ExtendOptions) -> Result<Vec<u8>> {
    if options.level == LtvLevel::Lta && options.tsa_url.is_none() {
        return Err(Error::InvalidOption(
            "B-LTA needs a time-stamp authority URL".into(),
        ));
    }
    let doc = Document::open(document, &options.limits)?;
    let certs = certificates_in(&doc)?;
    if certs.is_empty() {
        return Err(Error::InvalidOption(
            "the document has no signature to extend".into(),
        ));
    }
    let mut crls: Vec<Vec<u8>> = Vec::new();
    for (i, c) in options.crls.iter().enumerate() {
        for crl in crate::pki::bundle::crls_from(c, &format!("crls[{i}]"))? {
            if !crls.iter().any(|d| d.as_slice() == crl.der()) {
                crls.push(crl.der().to_vec());
            }
        }
    }
    let mut ocsp: Vec<Vec<u8>> = Vec::new();
    for (i, o) in options.ocsp.iter().enumerate() {
        for response in crate::pki::bundle::ocsp_responses_from(o, &format!("ocsp[{i}]"))? {
            if !ocsp.iter().any(|d| d.as_slice() == response.der()) {
                ocsp.push(response.der().to_vec());
            }
        }
    }
    if options.online {
        for cert in certs.iter().filter(|c| !c.is_self_issued()) {
            let Some(issuer) = certs.iter().find(|i| {
                i.subject().der() == cert.issuer().der() && matches!(cert.is_signed_by(i), Ok(true))
            }) else {
                continue;
            };
            // The OCSP responder's own certificate carries ocsp-nocheck; no data needed.
            if cert.ocsp_no_check() {
                continue;
            }
            fetch(
                cert,
                issuer,
                HttpLimits::from(&options.limits),
                &mut ocsp,
                &mut crls,
            )?;
        }
    }
    let with_dss = append_dss(&doc, document, &certs, &crls, &ocsp)?;
    drop(doc);
    match options.level {
        LtvLevel::Lt => Ok(with_dss),
        LtvLevel::Lta => {
            let url = options.tsa_url.as_deref().unwrap_or_default();
            add_document_timestamp(&with_dss, url, &options.limits)
        }
    }
}

fn data_stream(data: &[u8]) -> Object {
    Object::Stream(Stream::new(Dictionary::new(), data.to_vec()))
}

/// Appends (or extends) the catalog's /DSS.
fn append_dss<S: Source>(
    doc: &Document<S>,
    document: &[u8],
    certs: &[Certificate],
    crls: &[Vec<u8>],
    ocsp: &[Vec<u8>],
) -> Result<Vec<u8>> {
    let view = doc.latest();
    let (catalog_ref, mut catalog) = view.catalog()?;
    let mut dss = match catalog.get("DSS") {
        Some(d) => view.resolve_dict(d, "/DSS")?.unwrap_or_default(),
        None => Dictionary::new(),
    };
    let existing = read_dss(&view)?;
    let mut writer = IncrementalWriter::new(doc)?;
    let mut extend =
        |key: &str, items: Vec<&[u8]>, writer: &mut IncrementalWriter<'_, S>| -> Result<()> {
            if items.is_empty() {
                return Ok(());
            }
            let mut list = match dss.get(key) {
                Some(l) => match view.resolve(l)? {
                    Object::Array(a) => a,
                    _ => Array::new(),
                },
                None => Array::new(),
            };
            for data in items {
                list.push(writer.add(data_stream(data))?);
            }
            dss.set(key, list);
            Ok(())
        };
    let new_certs: Vec<&[u8]> = certs
        .iter()
        .filter(|c| !existing.certificates.contains(c))
        .map(|c| c.der())
        .collect();
    extend("Certs", new_certs, &mut writer)?;
    let new_crls: Vec<&[u8]> = crls
        .iter()
        .filter(|c| !existing.crls.iter().any(|e| e.der() == c.as_slice()))
        .map(Vec::as_slice)
        .collect();
    extend("CRLs", new_crls, &mut writer)?;
    let new_ocsp: Vec<&[u8]> = ocsp
        .iter()
        .filter(|o| !existing.ocsp.iter().any(|e| e.der() == o.as_slice()))
        .map(Vec::as_slice)
        .collect();
    extend("OCSPs", new_ocsp, &mut writer)?;
    dss.set("Type", Name::from("DSS"));
    match catalog.get("DSS") {
        Some(Object::Ref(r)) => {
            let r = *r;
            writer.set(r, Object::Dict(dss))?;
        }
        _ => {
            let r = writer.add(Object::Dict(dss))?;
            catalog.set("DSS", r);
            writer.set(catalog_ref, Object::Dict(catalog))?;
        }
    }
    let update = writer.finish()?;
    let mut out = Vec::with_capacity(document.len() + update.bytes.len());
    out.extend_from_slice(document);
    out.extend_from_slice(&update.bytes);
    Ok(out)
}

/// Appends a document time-stamp (SubFilter ETSI.RFC3161) from `tsa_url`.
pub fn add_document_timestamp(document: &[u8], tsa_url: &str, limits: &Limits) -> Result<Vec<u8>> {
    let name = {
        let doc = Document::open(document, limits)?;
        let fields = doc.latest().fields()?;
        (1..)
            .map(|i| format!("DocTimeStamp{i}"))
            .find(|n| !fields.iter().any(|f| &f.name == n))
            .unwrap_or_else(|| "DocTimeStamp".into())
    };
    let mut sig = Dictionary::new();
    sig.set("Type", Name::from("DocTimeStamp"));
    sig.set("Filter", Name::from("Adobe.PPKLite"));
    sig.set("SubFilter", Name::from("ETSI.RFC3161"));
    let options = PdfSignOptions {
        field_name: Some(name),
        limits: limits.clone(),
        ..PdfSignOptions::default()
    };
    let laid = lay_out(document, sig, 24 * 1024, &options)?;
    let digest = laid.digest(document, DigestAlgorithm::Sha256);
    let token = request_timestamp(
        tsa_url,
        DigestAlgorithm::Sha256,
        &digest,
        HttpLimits::from(limits),
    )?;
    laid.fill(document, &token)
}
