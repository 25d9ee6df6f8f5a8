//! XAdES (ETSI EN 319 132-1) baseline B-B and B-T: qualifying properties written by the
//! signer and checked by the verifier.
//!
//! B-B: `xades:QualifyingProperties` (namespace `http://uri.etsi.org/01903/v1.3.2#`) in a
//! `ds:Object` of the signature, targeting it by Id, with `SignedProperties` covered by a
//! Reference of Type `http://uri.etsi.org/01903#SignedProperties`:
//!
//! ```text
//! SignedProperties
//!   SignedSignatureProperties
//!     SigningTime                       xsd:dateTime, UTC
//!     SigningCertificateV2/Cert         CertDigest (DigestMethod, DigestValue), IssuerSerialV2
//!     SignaturePolicyIdentifier?        SignaturePolicyId (SigPolicyId/Identifier, SigPolicyHash)
//!     SignerRoleV2?                     ClaimedRoles/ClaimedRole+
//!   SignedDataObjectProperties?
//!     DataObjectFormat ObjectReference="#<Reference Id>"   MimeType
//! ```
//!
//! B-T adds `UnsignedProperties/UnsignedSignatureProperties/SignatureTimeStamp`: an RFC 3161
//! token over the canonical `ds:SignatureValue` element (EN 319 132-1 §5.3).

use der::{Decode, Encode, Sequence};
use roxmltree::Node;
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::cms::TimestampToken;
use crate::crypto::DigestAlgorithm;
use crate::dates::{parse_xsd, utc_rfc3339, xsd_utc};
use crate::error::{Error, Format, Result};
use crate::pki::{Certificate, rfc3339};
use crate::report::{Indication, SignatureReport, SubIndication, TimestampReport};
use crate::validation::{VerifyOptions, record_algorithm};
use crate::xml::XmlDocument;
use crate::xml::c14n::{C14nMethod, Canonicalizer};
use crate::xml::dsig::reference::{ParsedReference, Target};
use crate::xml::dsig::{
    DSIG_NS, child_named, children_named, decode_base64, digest_from_uri, digest_uri,
    element_children, encode_base64, escape_xml, is_element, text_content,
};

/// The XAdES namespace (v1.3.2, also used by EN 319 132-1 for its V2 elements).
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
/// The Reference Type of SignedProperties.
pub const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";

/// Most time-stamps examined on one signature.
const MAX_TIMESTAMPS: usize = 4;

/// An explicit signature policy (`SignaturePolicyId`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignaturePolicy {
    /// The policy identifier: a URI, or `urn:oid:…`.
    pub identifier: String,
    /// Digest algorithm of the policy document.
    pub digest: DigestAlgorithm,
    /// Digest of the policy document.
    pub digest_value: Vec<u8>,
}

/// What a XAdES signer adds beyond B-B's mandatory properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct XadesOptions {
    /// An explicit signature policy.
    pub signature_policy: Option<SignaturePolicy>,
    /// Claimed roles (`SignerRoleV2/ClaimedRoles`), such as `Giám đốc`.
    pub claimed_roles: Vec<String>,
    /// MIME type of the signed data object (`DataObjectFormat`), such as `text/xml`.
    pub mime_type: Option<String>,
    /// A time-stamping authority: when set the signature is made XAdES-B-T.
    pub tsa_url: Option<String>,
    /// Validation data to carry in the signature (`CertificateValues`, `RevocationValues`):
    /// with a time-stamp this makes XAdES-B-LT.
    pub validation_values: Option<ValidationValues>,
}

/// Certificates and revocation data carried in a XAdES signature's unsigned properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidationValues {
    /// DER certificates (`CertificateValues/EncapsulatedX509Certificate`).
    pub certificates: Vec<Vec<u8>>,
    /// DER CRLs (`RevocationValues/CRLValues/EncapsulatedCRLValue`).
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses (`RevocationValues/OCSPValues/EncapsulatedOCSPValue`).
    pub ocsp: Vec<Vec<u8>>,
}

impl ValidationValues {
    /// The XML of `CertificateValues` and `RevocationValues` (XAdES 1.3.2 §7.6).
    fn to_xml(&self) -> String {
        let wrap = |outer: &str, inner: &str, items: &[Vec<u8>]| -> String {
            if items.is_empty() {
                return String::new();
            }
            let mut s = format!("<xades:{outer}>");
            for item in items {
                s.push_str(&format!(
                    "<xades:{inner}>{}</xades:{inner}>",
                    encode_base64(item)
                ));
            }
            s.push_str(&format!("</xades:{outer}>"));
            s
        };
        let mut s = wrap(
            "CertificateValues",
            "EncapsulatedX509Certificate",
            &self.certificates,
        );
        if !self.crls.is_empty() || !self.ocsp.is_empty() {
            s.push_str("<xades:RevocationValues>");
            s.push_str(&wrap("CRLValues", "EncapsulatedCRLValue", &self.crls));
            s.push_str(&wrap("OCSPValues", "EncapsulatedOCSPValue", &self.ocsp));
            s.push_str("</xades:RevocationValues>");
        }
        s
    }
}

/// Evidence read from a signature's `CertificateValues` and `RevocationValues`; values that
/// do not parse are left out (they prove nothing).
#[derive(Debug, Clone, Default)]
pub(crate) struct CarriedValues {
    pub certificates: Vec<Certificate>,
    pub crls: Vec<crate::pki::Crl>,
    pub ocsp: Vec<crate::pki::OcspResponse>,
}

/// Reads the validation data a XAdES signature carries.
pub(crate) fn carried_values(sig: Node<'_, '_>) -> CarriedValues {
    let mut out = CarriedValues::default();
    let Some(usp) = qualifying_properties_of(sig)
        .and_then(|qp| child_named(qp, XADES_NS, "UnsignedProperties"))
        .and_then(|u| child_named(u, XADES_NS, "UnsignedSignatureProperties"))
    else {
        return out;
    };
    fn values(parent: Option<Node<'_, '_>>, name: &'static str) -> Vec<Vec<u8>> {
        parent
            .into_iter()
            .flat_map(|p| children_named(p, XADES_NS, name))
            .take(MAX_VALUES)
            .filter_map(|n| decode_base64(&text_content(n), name).ok())
            .collect()
    }
    let certs = child_named(usp, XADES_NS, "CertificateValues");
    out.certificates = values(certs, "EncapsulatedX509Certificate")
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let rev = child_named(usp, XADES_NS, "RevocationValues");
    let crl_values = rev.and_then(|r| child_named(r, XADES_NS, "CRLValues"));
    out.crls = values(crl_values, "EncapsulatedCRLValue")
        .iter()
        .filter_map(|d| crate::pki::Crl::parse(d).ok())
        .collect();
    let ocsp_values = rev.and_then(|r| child_named(r, XADES_NS, "OCSPValues"));
    out.ocsp = values(ocsp_values, "EncapsulatedOCSPValue")
        .iter()
        .filter_map(|d| crate::pki::OcspResponse::parse(d).ok())
        .collect();
    out
}

/// Most values of one kind read from a signature.
const MAX_VALUES: usize = 64;

/// RFC 5035:
///
/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer                   GeneralNames,
///     serialNumber             CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

fn der_err(e: der::Error) -> Error {
    Error::malformed(Format::Der, e.to_string())
}

/// Base64 of the DER IssuerSerial of `cert` (its issuer as a directoryName).
fn issuer_serial_v2(cert: &Certificate) -> Result<String> {
    let issuer = x509_cert::name::Name::from_der(cert.issuer().der()).map_err(der_err)?;
    let value = IssuerSerial {
        issuer: vec![GeneralName::DirectoryName(issuer)],
        serial_number: SerialNumber::new(cert.serial()).map_err(der_err)?,
    };
    Ok(encode_base64(&value.to_der().map_err(der_err)?))
}

/// Whether a base64 IssuerSerialV2 names `cert`.
fn issuer_serial_matches(b64: &str, cert: &Certificate) -> bool {
    let Ok(der) = decode_base64(b64, "IssuerSerialV2") else {
        return false;
    };
    let Ok(value) = IssuerSerial::from_der(&der) else {
        return false;
    };
    let issuer_ok = value.issuer.iter().any(|g| match g {
        GeneralName::DirectoryName(n) => n.to_der().is_ok_and(|d| d == cert.issuer().der()),
        _ => false,
    });
    let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|&x| x == 0).collect() };
    issuer_ok && strip(value.serial_number.as_bytes()) == strip(cert.serial())
}

/// Ids of the XAdES parts of one signature.
pub(crate) struct XadesIds<'s> {
    /// The Signature's Id.
    pub signature: &'s str,
    /// SignedProperties' Id.
    pub signed_properties: &'s str,
    /// The Id of the Reference to the signed data, for DataObjectFormat.
    pub data_reference: &'s str,
}

/// The `xades:QualifyingProperties` element (without UnsignedProperties). `p` is the dsig
/// prefix with its colon, or empty for the default namespace.
pub(crate) fn qualifying_properties(
    p: &str,
    ids: &XadesIds<'_>,
    signer: &Certificate,
    time: OffsetDateTime,
    options: &XadesOptions,
) -> Result<String> {
    let mut s = format!(
        "<xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#{}\">\
         <xades:SignedProperties Id=\"{}\"><xades:SignedSignatureProperties>\
         <xades:SigningTime>{}</xades:SigningTime>",
        escape_xml(ids.signature),
        escape_xml(ids.signed_properties),
        xsd_utc(time)
    );
    s.push_str(&format!(
        "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>\
         <{p}DigestMethod Algorithm=\"{}\"/><{p}DigestValue>{}</{p}DigestValue>\
         </xades:CertDigest><xades:IssuerSerialV2>{}</xades:IssuerSerialV2></xades:Cert>\
         </xades:SigningCertificateV2>",
        digest_uri(DigestAlgorithm::Sha256),
        encode_base64(&signer.sha256()),
        issuer_serial_v2(signer)?
    ));
    if let Some(policy) = &options.signature_policy {
        s.push_str(&format!(
            "<xades:SignaturePolicyIdentifier><xades:SignaturePolicyId><xades:SigPolicyId>\
             <xades:Identifier>{}</xades:Identifier></xades:SigPolicyId><xades:SigPolicyHash>\
             <{p}DigestMethod Algorithm=\"{}\"/><{p}DigestValue>{}</{p}DigestValue>\
             </xades:SigPolicyHash></xades:SignaturePolicyId></xades:SignaturePolicyIdentifier>",
            escape_xml(&policy.identifier),
            digest_uri(policy.digest),
            encode_base64(&policy.digest_value)
        ));
    }
    if !options.claimed_roles.is_empty() {
        s.push_str("<xades:SignerRoleV2><xades:ClaimedRoles>");
        for role in &options.claimed_roles {
            s.push_str(&format!(
                "<xades:ClaimedRole>{}</xades:ClaimedRole>",
                escape_xml(role)
            ));
        }
        s.push_str("</xades:ClaimedRoles></xades:SignerRoleV2>");
    }
    s.push_str("</xades:SignedSignatureProperties>");
    if let Some(mime) = &options.mime_type {
        s.push_str(&format!(
            "<xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference=\"#{}\">\
             <xades:MimeType>{}</xades:MimeType></xades:DataObjectFormat>\
             </xades:SignedDataObjectProperties>",
            escape_xml(ids.data_reference),
            escape_xml(mime)
        ));
    }
    s.push_str("</xades:SignedProperties></xades:QualifyingProperties>");
    Ok(s)
}

/// The `xades:UnsignedProperties` element holding a SignatureTimeStamp, and the validation
/// values for B-LT when given.
pub(crate) fn unsigned_properties(
    p: &str,
    method: C14nMethod,
    token: &[u8],
    values: Option<&ValidationValues>,
) -> String {
    format!(
        "<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp>\
         <{p}CanonicalizationMethod Algorithm=\"{}\"/>\
         <xades:EncapsulatedTimeStamp>{}</xades:EncapsulatedTimeStamp>\
         </xades:SignatureTimeStamp>{}</xades:UnsignedSignatureProperties></xades:UnsignedProperties>",
        method.uri(),
        encode_base64(token),
        values.map(ValidationValues::to_xml).unwrap_or_default()
    )
}

/// The bytes a SignatureTimeStamp stamps: the canonical SignatureValue element.
pub(crate) fn time_stamped_bytes(
    signature_value: Node<'_, '_>,
    method: C14nMethod,
) -> Result<Vec<u8>> {
    Canonicalizer::new(method).subtree_to_vec(signature_value, &[])
}

/// Finds the QualifyingProperties of a signature.
fn qualifying_properties_of<'a, 'i>(sig: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    children_named(sig, DSIG_NS, "Object")
        .flat_map(element_children)
        .find(|n| is_element(*n, XADES_NS, "QualifyingProperties"))
}

/// Checks the XAdES properties of a signature whose value verified with `signer`. Returns
/// the earliest time a valid signature time-stamp proves, if any. A signature without
/// QualifyingProperties is left alone.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify<'a, 'i>(
    _doc: &'a XmlDocument<'i>,
    sig: Node<'a, 'i>,
    references: &[ParsedReference<'a, 'i>],
    signer: &Certificate,
    signature_value: Node<'a, 'i>,
    embedded: &[Certificate],
    options: &VerifyOptions,
    report: &mut SignatureReport,
) -> Option<(OffsetDateTime, Vec<Certificate>)> {
    let qp = qualifying_properties_of(sig)?;
    report.level = "XAdES-B-B".to_owned();
    let fail = |r: &mut SignatureReport, ind, sub, msg: String| r.fail(ind, sub, msg);
    let target_ok = match (qp.attribute("Target"), sig.attribute("Id")) {
        (Some(t), Some(id)) => t.strip_prefix('#') == Some(id),
        _ => false,
    };
    if !target_ok {
        fail(
            report,
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            "QualifyingProperties do not target this signature's Id".into(),
        );
    }
    let Some(sp) = child_named(qp, XADES_NS, "SignedProperties") else {
        fail(
            report,
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            "XAdES QualifyingProperties without SignedProperties".into(),
        );
        return None;
    };
    let covering = references
        .iter()
        .find(|r| matches!(r.target, Some(Target::Element { node, .. }) if node == sp));
    match covering {
        None => fail(
            report,
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            "SignedProperties are not covered by any Reference".into(),
        ),
        Some(r) if r.type_ != Some(SIGNED_PROPERTIES_TYPE) => report.warnings.push(format!(
            "xades: the Reference to SignedProperties lacks Type=\"{SIGNED_PROPERTIES_TYPE}\""
        )),
        Some(_) => {}
    }
    let ssp = child_named(sp, XADES_NS, "SignedSignatureProperties");
    if let Some(t) = ssp
        .and_then(|s| child_named(s, XADES_NS, "SigningTime"))
        .map(text_content)
    {
        match parse_xsd(t.trim(), time::UtcOffset::UTC) {
            Some(t) => report.claimed_signing_time = Some(utc_rfc3339(t)),
            None => fail(
                report,
                Indication::TotalFailed,
                SubIndication::FormatFailure,
                format!("SigningTime {t:?} is not an xsd:dateTime"),
            ),
        }
    }
    if let Err(p) = check_signing_certificate(ssp, signer, options, report) {
        fail(report, p.0, p.1, p.2);
    }
    if let Some(sdop) = child_named(sp, XADES_NS, "SignedDataObjectProperties") {
        for dof in children_named(sdop, XADES_NS, "DataObjectFormat") {
            let names_ref = dof
                .attribute("ObjectReference")
                .and_then(|r| r.strip_prefix('#'))
                .is_some_and(|id| references.iter().any(|r| r.id == Some(id)));
            if !names_ref {
                fail(
                    report,
                    Indication::TotalFailed,
                    SubIndication::FormatFailure,
                    "DataObjectFormat does not name a Reference of this signature".into(),
                );
            }
        }
    }
    let usp = child_named(qp, XADES_NS, "UnsignedProperties")
        .and_then(|u| child_named(u, XADES_NS, "UnsignedSignatureProperties"));
    let mut proven: Option<(OffsetDateTime, Vec<Certificate>)> = None;
    for ts in usp
        .into_iter()
        .flat_map(|u| children_named(u, XADES_NS, "SignatureTimeStamp"))
        .take(MAX_TIMESTAMPS)
    {
        match check_timestamp(ts, signature_value, signer, embedded, options) {
            Ok((token, tsa, chain)) => {
                report.level = "XAdES-B-T".to_owned();
                report.timestamp = Some(TimestampReport {
                    time: rfc3339(token.gen_time),
                    tsa,
                    indication: Indication::TotalPassed,
                });
                if proven.as_ref().is_none_or(|(p, _)| token.gen_time < *p) {
                    proven = Some((token.gen_time, chain));
                }
            }
            Err((sub, message, time, tsa)) => {
                let indication = match sub {
                    SubIndication::HashFailure
                    | SubIndication::SigCryptoFailure
                    | SubIndication::FormatFailure => Indication::TotalFailed,
                    _ => Indication::Indeterminate,
                };
                report.timestamp = Some(TimestampReport {
                    time: time.map(rfc3339).unwrap_or_default(),
                    tsa,
                    indication,
                });
                fail(
                    report,
                    indication,
                    sub,
                    format!("signature time-stamp: {message}"),
                );
            }
        }
    }
    proven
}

type Failure = (Indication, SubIndication, String);

/// SigningCertificateV2 (or the older SigningCertificate) must name the signer.
fn check_signing_certificate(
    ssp: Option<Node<'_, '_>>,
    signer: &Certificate,
    options: &VerifyOptions,
    report: &mut SignatureReport,
) -> std::result::Result<(), Failure> {
    let format = |m: &str| {
        (
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            m.to_owned(),
        )
    };
    let ssp = ssp.ok_or_else(|| format("SignedProperties without SignedSignatureProperties"))?;
    let (container, v2) = match child_named(ssp, XADES_NS, "SigningCertificateV2") {
        Some(c) => (c, true),
        None => (
            child_named(ssp, XADES_NS, "SigningCertificate")
                .ok_or_else(|| format("XAdES without SigningCertificateV2"))?,
            false,
        ),
    };
    for cert in children_named(container, XADES_NS, "Cert").take(16) {
        let Some(cd) = child_named(cert, XADES_NS, "CertDigest") else {
            return Err(format("a SigningCertificate Cert without CertDigest"));
        };
        let alg = child_named(cd, DSIG_NS, "DigestMethod")
            .and_then(|m| m.attribute("Algorithm"))
            .ok_or_else(|| format("CertDigest without DigestMethod"))?;
        let Ok(alg) = digest_from_uri(alg) else {
            continue;
        };
        let value = child_named(cd, DSIG_NS, "DigestValue")
            .map(text_content)
            .ok_or_else(|| format("CertDigest without DigestValue"))?;
        let value = decode_base64(&value, "CertDigest").map_err(|e| format(&e.to_string()))?;
        if alg.digest(signer.der()) != value {
            continue;
        }
        let verdict = options.policy.check_digest(alg);
        record_algorithm(report, "the SigningCertificate digest", verdict);
        let serial_ok = if v2 {
            child_named(cert, XADES_NS, "IssuerSerialV2")
                .map(text_content)
                .is_none_or(|b| issuer_serial_matches(&b, signer))
        } else {
            child_named(cert, XADES_NS, "IssuerSerial")
                .and_then(|is| child_named(is, DSIG_NS, "X509SerialNumber"))
                .map(text_content)
                .is_none_or(|s| s.trim() == crate::xml::dsig::keyinfo::decimal(signer.serial()))
        };
        if !serial_ok {
            return Err(format(
                "SigningCertificate names the signer's digest with another issuer/serial",
            ));
        }
        return Ok(());
    }
    Err((
        Indication::Indeterminate,
        SubIndication::NoSigningCertificateFound,
        "SigningCertificate does not name the certificate whose key signed".to_owned(),
    ))
}

type TsFailure = (SubIndication, String, Option<OffsetDateTime>, String);

fn check_timestamp(
    ts: Node<'_, '_>,
    signature_value: Node<'_, '_>,
    _signer: &Certificate,
    embedded: &[Certificate],
    options: &VerifyOptions,
) -> std::result::Result<(TimestampToken, String, Vec<Certificate>), TsFailure> {
    let bad = |m: String| (SubIndication::FormatFailure, m, None, String::new());
    let method = match child_named(ts, DSIG_NS, "CanonicalizationMethod")
        .and_then(|m| m.attribute("Algorithm"))
    {
        Some(uri) => C14nMethod::from_uri(uri).map_err(|e| bad(e.to_string()))?,
        None => C14nMethod::Inclusive10,
    };
    let encapsulated = child_named(ts, XADES_NS, "EncapsulatedTimeStamp")
        .map(text_content)
        .ok_or_else(|| bad("SignatureTimeStamp without EncapsulatedTimeStamp".into()))?;
    let der =
        decode_base64(&encapsulated, "EncapsulatedTimeStamp").map_err(|e| bad(e.to_string()))?;
    let token = TimestampToken::parse(&der).map_err(|e| bad(e.to_string()))?;
    let tsa = token
        .tsa_certificate()
        .map(|c| c.subject().to_rfc4514())
        .unwrap_or_default();
    let stamped = time_stamped_bytes(signature_value, method).map_err(|e| bad(e.to_string()))?;
    let mut extra = embedded.to_vec();
    extra.extend(options.certificates.iter().cloned());
    match token.verify(
        &stamped,
        &extra,
        &options.trust,
        options.policy.time(),
        &options.policy,
    ) {
        Ok(chain) => Ok((token, tsa, chain)),
        Err(f) => Err((f.sub_indication, f.message, Some(token.gen_time), tsa)),
    }
}
