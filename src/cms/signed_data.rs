//! Building and reading CMS SignedData for document signatures (CAdES baseline shape).

use der::asn1::{Any, ContextSpecific, ObjectIdentifier, OctetString};
use der::{Decode, Encode, TagMode, TagNumber, Tagged};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;

use super::ber;
use super::types::{self, *};
use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, ecdsa_to_der};
use crate::error::{Error, Format, Result};
use crate::pki::Certificate;
use crate::report::SubIndication;

fn any(tag_der: &[u8]) -> Result<Any> {
    Any::from_der(tag_der).map_err(der_err)
}

fn digest_alg_id(d: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: d.oid(),
        parameters: None,
    }
}

fn integer_any(raw_content: &[u8]) -> Result<Any> {
    Any::new(der::Tag::Integer, raw_content.to_vec()).map_err(der_err)
}

fn attribute(oid: ObjectIdentifier, value_der: Vec<u8>) -> Result<Attribute> {
    Ok(Attribute {
        attr_type: oid,
        attr_values: any(&types::set_of_der(&[value_der])?)?,
    })
}

/// What goes into the signed attributes besides content type and message digest.
#[derive(Debug, Clone, Default)]
pub struct SignedAttributesOptions {
    /// Adds a signingTime attribute. PAdES puts the time in the signature dictionary's /M
    /// instead and must leave this unset; PKCS#7 signatures and XAdES-less CMS use it.
    pub signing_time: Option<OffsetDateTime>,
    /// Content type of the signed content (default id-data).
    pub content_type: Option<ObjectIdentifier>,
    /// Revocation data to sign into an adbe-revocationInfoArchival attribute (DER CRLs and
    /// OCSP responses), as PKCS#7 PDF signers do.
    pub adobe_revocation_info: Option<AdobeRevocationInfo>,
}

/// CRLs and OCSP responses carried in an adbe-revocationInfoArchival attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdobeRevocationInfo {
    /// DER CRLs.
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses.
    pub ocsp: Vec<Vec<u8>>,
}

impl AdobeRevocationInfo {
    fn to_der(&self) -> Result<Vec<u8>> {
        let list = |items: &[Vec<u8>]| -> Result<Option<Vec<Any>>> {
            if items.is_empty() {
                return Ok(None);
            }
            items
                .iter()
                .map(|d| any(d))
                .collect::<Result<Vec<_>>>()
                .map(Some)
        };
        RevocationInfoArchival {
            crl: list(&self.crls)?,
            ocsp: list(&self.ocsp)?,
            other_rev_info: None,
        }
        .to_der()
        .map_err(der_err)
    }

    fn from_der(der: &[u8]) -> Result<Self> {
        let archive = RevocationInfoArchival::from_der(der).map_err(der_err)?;
        let der_list = |items: Option<Vec<Any>>| -> Result<Vec<Vec<u8>>> {
            items
                .unwrap_or_default()
                .iter()
                .map(|a| a.to_der().map_err(der_err))
                .collect()
        };
        Ok(AdobeRevocationInfo {
            crls: der_list(archive.crl)?,
            ocsp: der_list(archive.ocsp)?,
        })
    }
}

/// DER `SET OF Attribute` of the signed attributes: content-type, message-digest,
/// signing-certificate-v2 (SHA-256 of the signer's certificate with its issuer and serial),
/// and optionally signing-time, in DER order. Hash these bytes to get what is signed.
pub fn build_signed_attributes(
    content_digest: &[u8],
    signer: &Certificate,
    options: &SignedAttributesOptions,
) -> Result<Vec<u8>> {
    let attrs = signed_attribute_list(content_digest, signer, options)?;
    encode_attribute_set(&attrs)
}

fn signed_attribute_list(
    content_digest: &[u8],
    signer: &Certificate,
    options: &SignedAttributesOptions,
) -> Result<Vec<Attribute>> {
    let content_type = options.content_type.unwrap_or(oid::DATA);
    let mut attrs = vec![
        attribute(oid::CONTENT_TYPE, content_type.to_der().map_err(der_err)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            OctetString::new(content_digest.to_vec())
                .and_then(|o| o.to_der())
                .map_err(der_err)?,
        )?,
        attribute(oid::SIGNING_CERTIFICATE_V2, signing_certificate_v2(signer)?)?,
    ];
    if let Some(t) = options.signing_time {
        attrs.push(attribute(oid::SIGNING_TIME, time_der(t)?)?);
    }
    if let Some(info) = &options.adobe_revocation_info {
        attrs.push(attribute(oid::ADBE_REVOCATION_INFO, info.to_der()?)?);
    }
    // DER orders SET OF by encoding.
    let mut encoded: Vec<(Vec<u8>, Attribute)> = attrs
        .into_iter()
        .map(|a| Ok((a.to_der().map_err(der_err)?, a)))
        .collect::<Result<_>>()?;
    encoded.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(encoded.into_iter().map(|(_, a)| a).collect())
}

fn encode_attribute_set(attrs: &[Attribute]) -> Result<Vec<u8>> {
    let elements = attrs
        .iter()
        .map(|a| a.to_der().map_err(der_err))
        .collect::<Result<Vec<_>>>()?;
    types::set_of_der(&elements)
}

/// UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5 rule, used by CMS too).
fn time_der(t: OffsetDateTime) -> Result<Vec<u8>> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| Error::InvalidOption("signing time before 1970".into()))?;
    let d = std::time::Duration::from_secs(secs);
    if t.year() < 2050 {
        der::asn1::UtcTime::from_unix_duration(d).and_then(|u| u.to_der())
    } else {
        der::asn1::GeneralizedTime::from_unix_duration(d).and_then(|g| g.to_der())
    }
    .map_err(der_err)
}

fn signing_certificate_v2(signer: &Certificate) -> Result<Vec<u8>> {
    // GeneralNames ::= SEQUENCE OF GeneralName; GeneralName ::= CHOICE { …,
    // directoryName [4] Name, … } — EXPLICIT, Name being a CHOICE (RFC 5280 §4.2.1.6). The
    // issuer's bytes are kept as the certificate has them.
    let directory_name = ContextSpecific {
        tag_number: TagNumber(4),
        tag_mode: TagMode::Explicit,
        value: Any::from_der(signer.issuer().der()).map_err(der_err)?,
    };
    let general_names = Any::encode_from(&vec![directory_name]).map_err(der_err)?;
    let id = EssCertIdV2 {
        hash_algorithm: None, // DEFAULT sha256
        cert_hash: OctetString::new(signer.sha256().to_vec()).map_err(der_err)?,
        issuer_serial: Some(IssuerSerial {
            issuer: general_names,
            serial_number: integer_any(signer.serial())?,
        }),
    };
    SigningCertificateV2 {
        certs: vec![id],
        policies: None,
    }
    .to_der()
    .map_err(der_err)
}

/// An unsigned attribute to carry in the SignerInfo (time-stamp token, revocation values).
#[derive(Debug, Clone)]
pub struct UnsignedAttribute {
    /// Attribute type.
    pub oid: ObjectIdentifier,
    /// DER of the single attribute value.
    pub value_der: Vec<u8>,
}

/// Assembles a detached `ContentInfo { SignedData }` from signed attributes (as returned by
/// [`build_signed_attributes`]), the raw signature over them and the certificates to embed
/// (signer first). ECDSA signatures may be DER or `r‖s`.
pub fn assemble_signed_data(
    signed_attributes_der: &[u8],
    digest: DigestAlgorithm,
    algorithm: SignatureAlgorithm,
    signature: &[u8],
    chain: &[Certificate],
    unsigned: &[UnsignedAttribute],
) -> Result<Vec<u8>> {
    let signer = chain
        .first()
        .ok_or_else(|| Error::InvalidOption("no signing certificate".into()))?;
    let signature = ecdsa_to_der(signer.public_key()?, signature)?;
    let set = any(signed_attributes_der)?;
    let signed_attrs: Vec<Attribute> = types::elements(&set)?;
    let unsigned_attrs = if unsigned.is_empty() {
        None
    } else {
        Some(
            unsigned
                .iter()
                .map(|u| attribute(u.oid, u.value_der.clone()))
                .collect::<Result<Vec<_>>>()?,
        )
    };
    let sig_alg = AlgorithmIdentifierOwned {
        oid: algorithm.oid(),
        parameters: algorithm.parameters_der()?.map(|p| any(&p)).transpose()?,
    };
    let sid = IssuerAndSerialNumber {
        issuer: any(signer.issuer().der())?,
        serial_number: integer_any(signer.serial())?,
    };
    let signer_info = SignerInfo {
        version: 1,
        sid: any(&sid.to_der().map_err(der_err)?)?,
        digest_algorithm: digest_alg_id(digest),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: sig_alg,
        signature: OctetString::new(signature).map_err(der_err)?,
        unsigned_attrs,
    };
    let mut certs: Vec<Any> = Vec::new();
    for (i, c) in chain.iter().enumerate() {
        if !chain[..i].contains(c) {
            certs.push(any(c.der())?);
        }
    }
    let signed_data = SignedData {
        version: 1,
        digest_algorithms: any(&types::set_of_der(&[digest_alg_id(digest)
            .to_der()
            .map_err(der_err)?])?)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::DATA,
            econtent: None,
        },
        certificates: Some(certs),
        crls: None,
        signer_infos: any(&types::set_of_der(&[signer_info
            .to_der()
            .map_err(der_err)?])?)?,
    };
    ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: any(&signed_data.to_der().map_err(der_err)?)?,
    }
    .to_der()
    .map_err(der_err)
}

/// A parsed SignedData with exactly one signer, ready to verify.
#[derive(Debug, Clone)]
pub struct ParsedSignedData {
    /// Certificates embedded in the SignedData that parse (others are listed in `warnings`).
    pub certificates: Vec<Certificate>,
    /// The certificate named by the SignerIdentifier, if embedded.
    pub signer: Option<Certificate>,
    /// Digest algorithm of the content and the signed attributes.
    pub digest_algorithm: DigestAlgorithm,
    /// Signature algorithm.
    pub signature_algorithm: SignatureAlgorithm,
    /// signingTime attribute, if any (claimed, not proven).
    pub signing_time: Option<OffsetDateTime>,
    /// Encapsulated content type.
    pub content_type: ObjectIdentifier,
    /// Encapsulated content, when not detached (time-stamp tokens carry TSTInfo here).
    pub content: Option<Vec<u8>>,
    /// DER of the signature time-stamp token (unsigned attribute), if any.
    pub timestamp_token: Option<Vec<u8>>,
    /// The signed adbe-revocationInfoArchival attribute, if any.
    pub adobe_revocation_info: Option<AdobeRevocationInfo>,
    /// CRLs in the SignedData `crls` field (DER).
    pub crls: Vec<Vec<u8>>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// Non-fatal findings.
    pub warnings: Vec<String>,
    signed_attrs_der: Option<Vec<u8>>,
    message_digest: Option<Vec<u8>>,
    attribute_problem: Option<String>,
    signing_certificate_hashes: Vec<(DigestAlgorithm, Vec<u8>)>,
}

/// Why a SignedData does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmsFailure {
    /// ETSI sub-indication.
    pub sub_indication: SubIndication,
    /// What failed.
    pub message: String,
}

fn cms_err(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Cms, detail)
}

/// The certificates of a "certs-only" SignedData (RFC 5652 §5, no signers), the form CAs
/// publish at AIA caIssuers addresses (`.p7c`). Every certificate must parse.
pub fn certificates_only(input: &[u8]) -> Result<Vec<Certificate>> {
    signed_data_of(input)?
        .certificates
        .iter()
        .flatten()
        .filter(|c| c.tag() == der::Tag::Sequence)
        .map(|c| Certificate::from_der(&c.to_der().map_err(der_err)?))
        .collect()
}

/// The SignedData of a DER or BER `ContentInfo`. Trailing zero bytes (the padding of a PDF
/// /Contents placeholder) are allowed; anything else after the value is an error.
fn signed_data_of(input: &[u8]) -> Result<SignedData> {
    let (der_bytes, used) = ber::to_der(input)?;
    if input[used..].iter().any(|&b| b != 0) {
        return Err(cms_err("data after the SignedData"));
    }
    let ci = ContentInfo::from_der(&der_bytes).map_err(der_err)?;
    if ci.content_type != oid::SIGNED_DATA {
        return Err(cms_err(format!(
            "content type {} is not signedData",
            ci.content_type
        )));
    }
    ci.content.decode_as().map_err(der_err)
}

/// Parses a DER or BER `ContentInfo { SignedData }`. Trailing zero bytes (the padding of a PDF
/// /Contents placeholder) are allowed; anything else after the value is an error.
pub fn parse_signed_data(input: &[u8]) -> Result<ParsedSignedData> {
    let sd = signed_data_of(input)?;
    let signer_infos: Vec<SignerInfo> = types::elements(&sd.signer_infos)?;
    let [si] = signer_infos.as_slice() else {
        return Err(cms_err(format!(
            "{} signers; exactly one expected",
            signer_infos.len()
        )));
    };
    let mut warnings = Vec::new();
    let mut certificates = Vec::new();
    for c in sd.certificates.iter().flatten() {
        // Attribute certificates and other choices are not X.509 certificates: skip.
        if c.tag() != der::Tag::Sequence {
            continue;
        }
        let bytes = c.to_der().map_err(der_err)?;
        match Certificate::from_der(&bytes) {
            Ok(cert) => certificates.push(cert),
            Err(e) => warnings.push(format!("embedded certificate skipped: {e}")),
        }
    }
    let digest_algorithm = DigestAlgorithm::from_oid(&si.digest_algorithm.oid)?;
    let params = si
        .signature_algorithm
        .parameters
        .as_ref()
        .map(|p| p.to_der().map_err(der_err))
        .transpose()?;
    let signature_algorithm = SignatureAlgorithm::from_algorithm_identifier(
        &si.signature_algorithm.oid,
        params.as_deref(),
        Some(digest_algorithm),
    )?;
    if signature_algorithm.digest != digest_algorithm {
        warnings.push("signature and digest algorithms name different digests".into());
    }
    let signer = find_signer(&si.sid, &certificates)?;

    let mut parsed = ParsedSignedData {
        certificates,
        signer,
        digest_algorithm,
        signature_algorithm,
        signing_time: None,
        content_type: sd.encap_content_info.econtent_type,
        content: sd
            .encap_content_info
            .econtent
            .map(|o| o.as_bytes().to_vec()),
        timestamp_token: None,
        adobe_revocation_info: None,
        crls: sd
            .crls
            .iter()
            .flatten()
            .filter(|c| c.tag() == der::Tag::Sequence)
            .map(|c| c.to_der().map_err(der_err))
            .collect::<Result<_>>()?,
        signature: si.signature.as_bytes().to_vec(),
        warnings,
        signed_attrs_der: None,
        message_digest: None,
        attribute_problem: None,
        signing_certificate_hashes: Vec::new(),
    };
    if let Some(attrs) = &si.signed_attrs {
        parsed.signed_attrs_der = Some(encode_attribute_set(attrs)?);
        parsed.read_signed_attributes(attrs)?;
    }
    for a in si.unsigned_attrs.iter().flatten() {
        let value = || -> Result<Vec<u8>> {
            let values: Vec<Any> = types::elements(&a.attr_values)?;
            let first = values
                .first()
                .ok_or_else(|| cms_err("attribute without a value"))?;
            first.to_der().map_err(der_err)
        };
        if a.attr_type == oid::TIME_STAMP_TOKEN {
            parsed.timestamp_token = Some(value()?);
        }
    }
    Ok(parsed)
}

fn find_signer(sid: &Any, certificates: &[Certificate]) -> Result<Option<Certificate>> {
    if sid.tag() == der::Tag::Sequence {
        let ias: IssuerAndSerialNumber = sid.decode_as().map_err(der_err)?;
        let issuer = ias.issuer.to_der().map_err(der_err)?;
        let serial = ias.serial_number.value();
        Ok(certificates
            .iter()
            .find(|c| c.issuer().der() == issuer.as_slice() && c.serial() == serial)
            .cloned())
    } else if sid.tag().number() == der::TagNumber(0) {
        // [0] SubjectKeyIdentifier
        let ski = sid.value();
        Ok(certificates
            .iter()
            .find(|c| c.subject_key_id() == Some(ski))
            .cloned())
    } else {
        Err(cms_err("unknown SignerIdentifier"))
    }
}

impl ParsedSignedData {
    fn read_signed_attributes(&mut self, attrs: &[Attribute]) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for a in attrs {
            if !seen.insert(a.attr_type) {
                self.attribute_problem = Some(format!("attribute {} appears twice", a.attr_type));
            }
            let values: Vec<Any> = types::elements(&a.attr_values)?;
            let [value] = values.as_slice() else {
                self.attribute_problem =
                    Some(format!("attribute {} must have one value", a.attr_type));
                continue;
            };
            match a.attr_type {
                oid::MESSAGE_DIGEST => {
                    let o: OctetString = value.decode_as().map_err(der_err)?;
                    self.message_digest = Some(o.as_bytes().to_vec());
                }
                oid::CONTENT_TYPE => {
                    let ct: ObjectIdentifier = value.decode_as().map_err(der_err)?;
                    if ct != self.content_type {
                        self.attribute_problem =
                            Some("content-type attribute differs from the content".into());
                    }
                }
                oid::SIGNING_TIME => {
                    self.signing_time = Some(parse_time(value)?);
                }
                oid::SIGNING_CERTIFICATE_V2 => {
                    let sc: SigningCertificateV2 = value.decode_as().map_err(der_err)?;
                    if let Some(first) = sc.certs.first() {
                        let alg = match &first.hash_algorithm {
                            Some(a) => DigestAlgorithm::from_oid(&a.oid)?,
                            None => DigestAlgorithm::Sha256,
                        };
                        self.signing_certificate_hashes
                            .push((alg, first.cert_hash.as_bytes().to_vec()));
                    }
                }
                oid::ADBE_REVOCATION_INFO => {
                    let der = value.to_der().map_err(der_err)?;
                    self.adobe_revocation_info = Some(AdobeRevocationInfo::from_der(&der)?);
                }
                oid::SIGNING_CERTIFICATE => {
                    let sc: SigningCertificate = value.decode_as().map_err(der_err)?;
                    if let Some(first) = sc.certs.first() {
                        self.signing_certificate_hashes
                            .push((DigestAlgorithm::Sha1, first.cert_hash.as_bytes().to_vec()));
                    }
                }
                _ => {}
            }
        }
        if self.message_digest.is_none() {
            self.attribute_problem = Some("signed attributes without message-digest".into());
        }
        Ok(())
    }

    /// Whether the signature carries signed attributes (CAdES / modern PKCS#7).
    pub fn has_signed_attributes(&self) -> bool {
        self.signed_attrs_der.is_some()
    }

    /// Whether the signed attributes include an ESS signing-certificate(-v2) attribute.
    pub fn has_signing_certificate_attribute(&self) -> bool {
        !self.signing_certificate_hashes.is_empty()
    }

    /// Verifies the signature given the digest of the signed content (computed with
    /// [`ParsedSignedData::digest_algorithm`]): message-digest, the signature over the signed
    /// attributes with the signer's key, and the ESS signing-certificate binding.
    pub fn verify(&self, content_digest: &[u8]) -> std::result::Result<(), CmsFailure> {
        let fail = |sub, message: String| {
            Err(CmsFailure {
                sub_indication: sub,
                message,
            })
        };
        if let Some(problem) = &self.attribute_problem {
            return fail(SubIndication::FormatFailure, problem.clone());
        }
        let Some(signer) = &self.signer else {
            return fail(
                SubIndication::NoSigningCertificateFound,
                "the signing certificate is not in the signature".into(),
            );
        };
        let key = match signer.public_key() {
            Ok(k) => k,
            Err(e) => return fail(SubIndication::CryptoConstraintsFailure, e.to_string()),
        };
        // The signature is over the signed attributes (or, without them, the content) hashed
        // with digestAlgorithm, whatever digest signatureAlgorithm names (as OpenSSL
        // verifies); a PSS salt length stays as declared.
        let alg = self.signature_algorithm.with_digest(self.digest_algorithm);
        let verified = match (&self.signed_attrs_der, &self.message_digest) {
            (Some(attrs), Some(md)) => {
                if md.as_slice() != content_digest {
                    return fail(
                        SubIndication::HashFailure,
                        "message-digest does not match the signed content".into(),
                    );
                }
                key.verify(alg, attrs, &self.signature)
            }
            (None, _) => key.verify_digest(alg, content_digest, &self.signature),
            (Some(_), None) => {
                return fail(SubIndication::FormatFailure, "no message-digest".into());
            }
        };
        match verified {
            Ok(true) => {}
            Ok(false) => {
                return fail(
                    SubIndication::SigCryptoFailure,
                    "the signature value does not verify".into(),
                );
            }
            // An algorithm the signer's key cannot make is a forgery, not a policy question.
            Err(e @ crate::Error::AlgorithmKeyMismatch { .. }) => {
                return fail(SubIndication::SigCryptoFailure, e.to_string());
            }
            Err(e) => return fail(SubIndication::CryptoConstraintsFailure, e.to_string()),
        }
        for (alg, hash) in &self.signing_certificate_hashes {
            if alg.digest(signer.der()) != *hash {
                return fail(
                    SubIndication::NoSigningCertificateFound,
                    "the signing-certificate attribute names another certificate".into(),
                );
            }
        }
        Ok(())
    }

    /// DER of the signed attributes as signed (for time-stamp and archive computations).
    pub fn signed_attributes_der(&self) -> Option<&[u8]> {
        self.signed_attrs_der.as_deref()
    }
}

fn parse_time(value: &Any) -> Result<OffsetDateTime> {
    let d = match value.tag() {
        der::Tag::UtcTime => value
            .decode_as::<der::asn1::UtcTime>()
            .map_err(der_err)?
            .to_unix_duration(),
        der::Tag::GeneralizedTime => value
            .decode_as::<der::asn1::GeneralizedTime>()
            .map_err(der_err)?
            .to_unix_duration(),
        _ => return Err(cms_err("signing time is not a time")),
    };
    let secs = i64::try_from(d.as_secs()).map_err(|_| cms_err("time out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| cms_err("time out of range"))
}

#[cfg(test)]
mod tests {
    use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};

    use super::*;

    #[test]
    fn the_signing_certificate_names_its_issuer_as_a_directory_name() {
        let signer = crate::pki::fixtures::cert("leader");
        let der = signing_certificate_v2(&signer).expect("attribute");
        let parsed = SigningCertificateV2::from_der(&der).expect("SigningCertificateV2");
        let issuer_serial = parsed.certs[0]
            .issuer_serial
            .as_ref()
            .expect("issuerSerial");
        // Read back by an independent decoder: one GeneralName, [4] directoryName, holding
        // exactly the certificate's issuer.
        let names = GeneralNames::from_der(&issuer_serial.issuer.to_der().expect("der"))
            .expect("GeneralNames");
        let [GeneralName::DirectoryName(name)] = names.as_slice() else {
            panic!("not one directoryName: {names:?}");
        };
        assert_eq!(name.to_der().expect("name"), signer.issuer().der());
        assert_eq!(parsed.certs[0].cert_hash.as_bytes(), signer.sha256());
    }
}
