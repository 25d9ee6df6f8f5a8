//! X.509 certificates: DER in, parsed once into owned fields.

use std::sync::Arc;

use time::OffsetDateTime;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::identity::Identity;
use super::name::{Name, any_der};
use crate::crypto::{DigestAlgorithm, KeyKind, PublicKey, SignatureAlgorithm};
use crate::dates::rfc3339;
use crate::error::{Error, Format, Result};
use crate::report::SignerReport;

/// Key usage bits (RFC 5280 §4.2.1.3) kyso checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct KeyUsage {
    /// digitalSignature.
    pub digital_signature: bool,
    /// nonRepudiation / contentCommitment.
    pub non_repudiation: bool,
    /// keyEncipherment.
    pub key_encipherment: bool,
    /// keyCertSign.
    pub key_cert_sign: bool,
    /// cRLSign.
    pub crl_sign: bool,
}

impl KeyUsage {
    /// Names of the set bits.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (set, name) in [
            (self.digital_signature, "digitalSignature"),
            (self.non_repudiation, "nonRepudiation"),
            (self.key_encipherment, "keyEncipherment"),
            (self.key_cert_sign, "keyCertSign"),
            (self.crl_sign, "cRLSign"),
        ] {
            if set {
                v.push(name);
            }
        }
        v
    }
}

/// Extended key usage purposes (dotted OIDs).
pub mod eku {
    /// anyExtendedKeyUsage.
    pub const ANY: &str = "2.5.29.37.0";
    /// id-kp-serverAuth.
    pub const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
    /// id-kp-clientAuth.
    pub const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
    /// id-kp-codeSigning.
    pub const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
    /// id-kp-emailProtection.
    pub const EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
    /// id-kp-timeStamping.
    pub const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
    /// id-kp-OCSPSigning.
    pub const OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
    /// Adobe Authentic Documents Trust (PDF signing).
    pub const ADOBE_AUTHENTIC_DOCUMENTS: &str = "1.2.840.113583.1.1.5";
    /// Microsoft document signing.
    pub const MS_DOCUMENT_SIGNING: &str = "1.3.6.1.4.1.311.10.3.12";
    /// id-kp-documentSigning (RFC 9336).
    pub const DOCUMENT_SIGNING: &str = "1.3.6.1.5.5.7.3.36";
}

/// Extensions kyso understands; any other extension marked critical makes the certificate
/// unusable in a path (RFC 5280 §4.2).
const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.14",            // subjectKeyIdentifier
    "2.5.29.35",            // authorityKeyIdentifier
    "2.5.29.15",            // keyUsage
    "2.5.29.19",            // basicConstraints
    "2.5.29.37",            // extKeyUsage
    "2.5.29.31",            // cRLDistributionPoints
    "1.3.6.1.5.5.7.1.1",    // authorityInfoAccess
    "2.5.29.32",            // certificatePolicies (no policy processing: kyso accepts any policy)
    "2.5.29.17",            // subjectAltName
    "2.5.29.18",            // issuerAltName
    "1.3.6.1.5.5.7.48.1.5", // id-pkix-ocsp-nocheck
    "2.5.29.30",            // nameConstraints (enforced by the rustls-webpki check of the path)
];

/// An X.509 certificate.
///
/// Cloning is cheap: the parsed content is shared.
#[derive(Debug, Clone)]
pub struct Certificate(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    der: Vec<u8>,
    tbs_range: std::ops::Range<usize>,
    subject: Name,
    issuer: Name,
    identity: Identity,
    serial: Vec<u8>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    spki_der: Vec<u8>,
    key_bits: Vec<u8>,
    public_key: std::result::Result<PublicKey, String>,
    signature_algorithm: std::result::Result<SignatureAlgorithm, String>,
    signature: Vec<u8>,
    basic_constraints: Option<(bool, Option<u32>)>,
    key_usage: Option<KeyUsage>,
    extended_key_usage: Option<Vec<String>>,
    extended_key_usage_critical: bool,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    crl_urls: Vec<String>,
    ocsp_urls: Vec<String>,
    ca_issuer_urls: Vec<String>,
    ocsp_no_check: bool,
    unknown_critical: Vec<String>,
    name_constraints: bool,
    /// Profile rules broken that matter in an issued certificate only.
    issued_defects: Vec<String>,
    /// Profile rules broken that disqualify even a trust anchor.
    anchor_defects: Vec<String>,
    sha256: [u8; 32],
}

/// The text of an error kept for later, without the "unsupported:" that re-wrapping adds.
pub(crate) fn reason(e: Error) -> String {
    match e {
        Error::Unsupported(m) => m,
        other => other.to_string(),
    }
}

fn cert_err(e: impl std::fmt::Display) -> Error {
    Error::malformed(Format::Certificate, e.to_string())
}

impl Certificate {
    /// Parses one DER certificate. Trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (rest, cert) =
            x509_parser::certificate::X509Certificate::from_der(der).map_err(cert_err)?;
        if !rest.is_empty() {
            return Err(cert_err("trailing data after the certificate"));
        }
        let tbs_raw = cert.tbs_certificate.as_ref();
        let tbs_start = (tbs_raw.as_ptr() as usize).wrapping_sub(der.as_ptr() as usize);
        let tbs_range = tbs_start..tbs_start + tbs_raw.len();
        if der.get(tbs_range.clone()) != Some(tbs_raw) {
            return Err(cert_err("cannot locate TBSCertificate"));
        }
        let spki_der = cert.public_key().raw.to_vec();
        let public_key = PublicKey::from_spki_der(&spki_der).map_err(reason);
        let sig_alg = &cert.signature_algorithm;
        let params_der = sig_alg.parameters.as_ref().map(|p| any_der(p));
        let signature_algorithm =
            der::asn1::ObjectIdentifier::from_bytes(sig_alg.algorithm.as_bytes())
                .map_err(|e| e.to_string())
                .and_then(|oid| {
                    SignatureAlgorithm::from_algorithm_identifier(&oid, params_der.as_deref(), None)
                        .map_err(reason)
                });

        let mut inner = Inner {
            der: der.to_vec(),
            tbs_range,
            subject: Name::from_x509(cert.subject()),
            issuer: Name::from_x509(cert.issuer()),
            identity: Identity::default(),
            serial: cert.raw_serial().to_vec(),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            spki_der,
            key_bits: cert.public_key().subject_public_key.data.to_vec(),
            public_key,
            signature_algorithm,
            signature: cert.signature_value.data.to_vec(),
            basic_constraints: None,
            key_usage: None,
            extended_key_usage: None,
            extended_key_usage_critical: false,
            subject_key_id: None,
            authority_key_id: None,
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            ocsp_no_check: false,
            unknown_critical: Vec::new(),
            name_constraints: false,
            issued_defects: Vec::new(),
            anchor_defects: Vec::new(),
            sha256: [0; 32],
        };
        inner.identity = Identity::from_name(&inner.subject);
        let profile = profile_defects(&cert);
        inner.issued_defects = profile.issued;
        inner.anchor_defects = profile.always;
        inner.name_constraints = profile.name_constraints;
        let digest = DigestAlgorithm::Sha256.digest(der);
        inner.sha256.copy_from_slice(&digest);

        for ext in cert.extensions() {
            let oid = ext.oid.to_id_string();
            if ext.critical && !KNOWN_EXTENSIONS.contains(&oid.as_str()) {
                inner.unknown_critical.push(oid.clone());
            }
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    inner.basic_constraints = Some((bc.ca, bc.path_len_constraint));
                }
                ParsedExtension::KeyUsage(ku) => {
                    inner.key_usage = Some(KeyUsage {
                        digital_signature: ku.digital_signature(),
                        non_repudiation: ku.non_repudiation(),
                        key_encipherment: ku.key_encipherment(),
                        key_cert_sign: ku.key_cert_sign(),
                        crl_sign: ku.crl_sign(),
                    });
                }
                ParsedExtension::ExtendedKeyUsage(e) => {
                    let mut v: Vec<String> = e.other.iter().map(|o| o.to_id_string()).collect();
                    for (set, oid) in [
                        (e.any, eku::ANY),
                        (e.server_auth, eku::SERVER_AUTH),
                        (e.client_auth, eku::CLIENT_AUTH),
                        (e.code_signing, eku::CODE_SIGNING),
                        (e.email_protection, eku::EMAIL_PROTECTION),
                        (e.time_stamping, eku::TIME_STAMPING),
                        (e.ocsp_signing, eku::OCSP_SIGNING),
                    ] {
                        if set {
                            v.push(oid.to_owned());
                        }
                    }
                    inner.extended_key_usage = Some(v);
                    inner.extended_key_usage_critical = ext.critical;
                }
                ParsedExtension::SubjectKeyIdentifier(k) => {
                    inner.subject_key_id = Some(k.0.to_vec());
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    inner.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                ParsedExtension::CRLDistributionPoints(dps) => {
                    for dp in dps.iter() {
                        if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point
                        {
                            for n in names {
                                if let GeneralName::URI(u) = n {
                                    inner.crl_urls.push((*u).to_owned());
                                }
                            }
                        }
                    }
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for ad in &aia.accessdescs {
                        if let GeneralName::URI(u) = &ad.access_location {
                            match ad.access_method.to_id_string().as_str() {
                                "1.3.6.1.5.5.7.48.1" => inner.ocsp_urls.push((*u).to_owned()),
                                "1.3.6.1.5.5.7.48.2" => inner.ca_issuer_urls.push((*u).to_owned()),
                                _ => {}
                            }
                        }
                    }
                }
                // A damaged extension that matters must not be read as absent.
                ParsedExtension::ParseError { error }
                    if ext.critical || KNOWN_EXTENSIONS.contains(&oid.as_str()) =>
                {
                    return Err(cert_err(format!("extension {oid}: {error}")));
                }
                _ => {}
            }
            if oid == "1.3.6.1.5.5.7.48.1.5" {
                inner.ocsp_no_check = true;
            }
        }
        Ok(Certificate(Arc::new(inner)))
    }

    /// Parses every certificate in PEM text, or one DER certificate.
    ///
    /// Lenient on kinds, on purpose: blocks of other kinds (the private key of a
    /// key-and-certificate file) are skipped, so that `inspect` can summarise whatever
    /// certificates a file holds. Not on damage: a certificate block that does not parse, or
    /// a block cut short, is an error naming the block.
    ///
    /// Files the caller names as trust anchors, intermediates or signing chains are read with
    /// [`crate::pki::bundle::certificates_from`] instead, which refuses foreign and damaged
    /// blocks and names them.
    pub fn parse_any(data: &[u8]) -> Result<Vec<Self>> {
        let trimmed = data.trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN") || (!trimmed.is_empty() && trimmed[0] != 0x30) {
            let certs = super::bundle::pem_blocks(data)?
                .iter()
                .filter(|b| super::bundle::is_certificate_label(&b.label))
                .map(|b| {
                    Self::from_der(&b.contents).map_err(|e| match e {
                        Error::Malformed { format, detail } => Error::Malformed {
                            format,
                            detail: format!("{}: {detail}", b.name()),
                        },
                        other => other,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            if certs.is_empty() {
                return Err(Error::malformed(Format::Pem, "no CERTIFICATE block"));
            }
            Ok(certs)
        } else {
            Ok(vec![Self::from_der(data)?])
        }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }
    /// The DER TBSCertificate (what the issuer signed).
    pub fn tbs_der(&self) -> &[u8] {
        &self.0.der[self.0.tbs_range.clone()]
    }
    /// Subject name.
    pub fn subject(&self) -> &Name {
        &self.0.subject
    }
    /// Issuer name.
    pub fn issuer(&self) -> &Name {
        &self.0.issuer
    }
    /// Vietnamese identity of the subject.
    pub fn identity(&self) -> &Identity {
        &self.0.identity
    }
    /// Serial number (big-endian bytes as encoded).
    pub fn serial(&self) -> &[u8] {
        &self.0.serial
    }
    /// Serial number as lower-case hex without leading zero bytes.
    pub fn serial_hex(&self) -> String {
        let s = &self.0.serial;
        let skip = s
            .iter()
            .take_while(|&&b| b == 0)
            .count()
            .min(s.len().saturating_sub(1));
        hex::encode(&s[skip..])
    }
    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.0.not_before
    }
    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.0.not_after
    }
    /// Whether `t` is inside the validity window.
    pub fn is_valid_at(&self, t: OffsetDateTime) -> bool {
        self.0.not_before <= t && t <= self.0.not_after
    }
    /// DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.0.spki_der
    }
    /// The subjectPublicKey BIT STRING's bytes (what OCSP CertIDs hash).
    pub fn public_key_bits(&self) -> &[u8] {
        &self.0.key_bits
    }
    /// The public key, or why it cannot be used.
    pub fn public_key(&self) -> Result<&PublicKey> {
        self.0
            .public_key
            .as_ref()
            .map_err(|e| Error::Unsupported(e.clone()))
    }
    /// Type and size of the public key, if supported.
    pub fn key_kind(&self) -> Option<KeyKind> {
        self.0.public_key.as_ref().ok().map(PublicKey::kind)
    }
    /// The algorithm the issuer signed with, or why it is not accepted.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm> {
        self.0
            .signature_algorithm
            .clone()
            .map_err(Error::Unsupported)
    }
    /// The issuer's signature value.
    pub fn signature(&self) -> &[u8] {
        &self.0.signature
    }
    /// basicConstraints: (cA, pathLenConstraint), if present.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u32>)> {
        self.0.basic_constraints
    }
    /// Whether basicConstraints says cA.
    pub fn is_ca(&self) -> bool {
        matches!(self.0.basic_constraints, Some((true, _)))
    }
    /// keyUsage, if present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.0.key_usage
    }
    /// extendedKeyUsage purposes (dotted OIDs), if present.
    pub fn extended_key_usage(&self) -> Option<&[String]> {
        self.0.extended_key_usage.as_deref()
    }
    /// Whether the extendedKeyUsage extension is marked critical.
    pub fn extended_key_usage_is_critical(&self) -> bool {
        self.0.extended_key_usage_critical
    }
    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.0.subject_key_id.as_deref()
    }
    /// authorityKeyIdentifier keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.0.authority_key_id.as_deref()
    }
    /// CRL distribution point URLs.
    pub fn crl_urls(&self) -> &[String] {
        &self.0.crl_urls
    }
    /// OCSP responder URLs (AIA).
    pub fn ocsp_urls(&self) -> &[String] {
        &self.0.ocsp_urls
    }
    /// CA issuer URLs (AIA).
    pub fn ca_issuer_urls(&self) -> &[String] {
        &self.0.ca_issuer_urls
    }
    /// Whether the certificate carries id-pkix-ocsp-nocheck.
    pub fn ocsp_no_check(&self) -> bool {
        self.0.ocsp_no_check
    }
    /// Whether the certificate carries nameConstraints.
    pub fn has_name_constraints(&self) -> bool {
        self.0.name_constraints
    }
    /// The RFC 5280 profile rules this certificate breaks, which make it unacceptable as an
    /// issued certificate anywhere in a path: not version 3, a signature algorithm that
    /// differs from the one inside the signed part, a zero serial number, an empty issuer,
    /// plus every [`Certificate::anchor_defects`]. None for a sound certificate.
    pub fn issuance_defects(&self) -> impl Iterator<Item = &str> {
        self.0
            .issued_defects
            .iter()
            .chain(&self.0.anchor_defects)
            .map(String::as_str)
    }
    /// The part of [`Certificate::issuance_defects`] that disqualifies a trust anchor too:
    /// encoding rules every certificate keeps (serial number, duplicate or mis-marked
    /// extensions, a CA without subjectKeyIdentifier or critical basicConstraints, malformed
    /// name constraints).
    pub fn anchor_defects(&self) -> &[String] {
        &self.0.anchor_defects
    }
    /// Critical extensions kyso does not understand.
    pub fn unknown_critical_extensions(&self) -> &[String] {
        &self.0.unknown_critical
    }
    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        self.0.sha256
    }
    /// Whether subject and issuer are the same name (a self-issued certificate).
    pub fn is_self_issued(&self) -> bool {
        self.0.subject.der() == self.0.issuer.der()
    }

    /// Whether `issuer`'s key verifies this certificate's signature. `Err` when the algorithm
    /// or key is unsupported.
    pub fn is_signed_by(&self, issuer: &Certificate) -> Result<bool> {
        let alg = self.signature_algorithm()?;
        let key = issuer.public_key()?;
        key.verify(alg, self.tbs_der(), self.signature())
    }

    /// The report's view of this certificate as a signer.
    pub fn to_signer_report(&self) -> SignerReport {
        SignerReport {
            subject: self.subject().to_rfc4514(),
            common_name: self.identity().common_name.clone(),
            organization: self.identity().organization.clone(),
            identity: self.identity().to_report(),
            issuer: self.issuer().to_rfc4514(),
            serial: self.serial_hex(),
            not_before: rfc3339(self.not_before()),
            not_after: rfc3339(self.not_after()),
            sha256: hex::encode_upper(self.sha256()),
        }
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.0.der == other.0.der
    }
}
impl Eq for Certificate {}

/// Most name-constraint subtrees accepted in one certificate: checking them costs subtrees ×
/// names of every certificate below, which a hostile CA could make enormous.
const MAX_NAME_CONSTRAINT_SUBTREES: usize = 1024;

/// The profile rules a certificate breaks; see [`Certificate::issuance_defects`].
struct ProfileDefects {
    /// Rules that matter in an issued certificate only.
    issued: Vec<String>,
    /// Rules that disqualify a trust anchor too (its content is trusted, but not when it
    /// breaks the encoding rules every certificate keeps).
    always: Vec<String>,
    /// Whether it carries nameConstraints.
    name_constraints: bool,
}

fn profile_defects(cert: &x509_parser::certificate::X509Certificate<'_>) -> ProfileDefects {
    let mut issued = Vec::new();
    let mut always = Vec::new();
    // Extensions, and so keyUsage and basicConstraints, exist only in version 3.
    if cert.version() != x509_parser::x509::X509Version::V3 {
        issued.push(format!(
            "version {} (only version 3 is accepted)",
            cert.version().0 + 1
        ));
    }
    // RFC 5280 §4.1.1.2: the signature algorithm outside must be the one signed inside, or
    // an attacker can change what the verifier believes the issuer signed with.
    let (inner, outer) = (&cert.tbs_certificate.signature, &cert.signature_algorithm);
    if inner.algorithm != outer.algorithm
        || inner.parameters.as_ref().map(any_der) != outer.parameters.as_ref().map(any_der)
    {
        issued.push("a signature algorithm that differs from the one it signed".into());
    }
    // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets.
    let serial = cert.raw_serial();
    if serial.first().is_none_or(|&b| b & 0x80 != 0) {
        always.push("a negative or empty serial number".into());
    } else if serial.iter().all(|&b| b == 0) {
        // Old roots have it (Starfield's G2); as an issued certificate it is refused.
        issued.push("a serial number of zero".into());
    } else if serial.len() > 21 || (serial.len() == 21 && serial[0] != 0) {
        always.push("a serial number longer than 20 octets".into());
    }
    if cert.tbs_certificate.extensions_map().is_err() {
        always.push("an extension present twice".into());
    }
    let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    if cert.issuer().as_raw().len() <= 2 {
        issued.push("an empty issuer name".into());
    }
    let mut is_ca = false;
    let mut has_aki_key_id = false;
    let mut has_ski = false;
    let mut name_constraints = false;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) if bc.ca => {
                is_ca = true;
                // RFC 5280 §4.2.1.9: conforming CAs mark it critical.
                if !ext.critical {
                    always.push("a non-critical basicConstraints in a CA certificate".into());
                }
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                has_aki_key_id = aki.key_identifier.is_some();
                if ext.critical {
                    always.push("a critical authorityKeyIdentifier".into());
                }
            }
            ParsedExtension::SubjectKeyIdentifier(_) => {
                has_ski = true;
                if ext.critical {
                    always.push("a critical subjectKeyIdentifier".into());
                }
            }
            ParsedExtension::PolicyConstraints(_) if !ext.critical => {
                always.push("a non-critical policyConstraints".into());
            }
            // RFC 5280 §4.2.2.1: conforming CAs mark authorityInfoAccess non-critical.
            ParsedExtension::AuthorityInfoAccess(_) if ext.critical => {
                always.push("a critical authorityInfoAccess extension".into());
            }
            ParsedExtension::NameConstraints(nc) => {
                name_constraints = true;
                if !ext.critical {
                    always.push("a non-critical nameConstraints".into());
                }
                always.extend(name_constraint_defects(nc));
            }
            _ => {}
        }
    }
    if name_constraints && !is_ca {
        always.push("nameConstraints in a certificate that is not a CA".into());
    }
    // RFC 5280 §4.2.1.1 and §4.2.1.2: every certificate but a self-signed one names its
    // issuer's key; every CA names its own.
    if !self_issued && !has_aki_key_id {
        always.push("no authorityKeyIdentifier keyIdentifier".into());
    }
    if is_ca && !has_ski {
        always.push("a CA certificate without subjectKeyIdentifier".into());
    }
    if is_ca && cert.subject().as_raw().len() <= 2 {
        always.push("a CA certificate with an empty subject".into());
    }
    ProfileDefects {
        issued,
        always,
        name_constraints,
    }
}

/// RFC 5280 §4.2.1.10: at least one of the two subtree lists, each with at least one entry; a
/// dNSName constraint is a host name, without a leading period.
fn name_constraint_defects(nc: &x509_parser::extensions::NameConstraints<'_>) -> Vec<String> {
    let mut defects = Vec::new();
    let lists = [&nc.permitted_subtrees, &nc.excluded_subtrees];
    if lists
        .iter()
        .all(|l| l.as_ref().is_none_or(|v| v.is_empty()))
    {
        defects.push("a nameConstraints with neither permitted nor excluded subtrees".into());
    }
    let subtrees: Vec<_> = lists.iter().filter_map(|l| l.as_ref()).flatten().collect();
    if subtrees.len() > MAX_NAME_CONSTRAINT_SUBTREES {
        defects.push(format!(
            "{} name-constraint subtrees (at most {MAX_NAME_CONSTRAINT_SUBTREES})",
            subtrees.len()
        ));
    }
    if subtrees
        .iter()
        .any(|t| matches!(t.base, GeneralName::DNSName(d) if d.starts_with('.')))
    {
        defects.push("a dNSName name constraint with a leading period".into());
    }
    defects
}
