//! CMS ASN.1 structures (RFC 5652, RFC 5035), as kyso reads and writes them.
//!
//! Parts whose bytes must survive untouched (certificates, attribute values, names) are
//! kept as `Any`, so a quirk in one certificate cannot make a whole signature unreadable.

use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;

use crate::error::{Error, Format, Result};

/// Object identifiers of CMS content types and attributes.
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    /// id-data.
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// id-signedData.
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// id-ct-TSTInfo.
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// id-contentType.
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// id-messageDigest.
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// id-signingTime.
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// id-aa-signingCertificate (ESS, SHA-1).
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    /// id-aa-signingCertificateV2.
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    /// id-aa-signatureTimeStampToken.
    pub const TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    /// adbe-revocationInfoArchival.
    pub const ADBE_REVOCATION_INFO: Oid = Oid::new_unwrap("1.2.840.113583.1.1.8");
}

/// ```text
/// ContentInfo ::= SEQUENCE {
///   contentType ContentType,
///   content [0] EXPLICIT ANY DEFINED BY contentType }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct ContentInfo {
    pub content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub content: Any,
}

/// ```text
/// SignedData ::= SEQUENCE {
///   version CMSVersion,
///   digestAlgorithms DigestAlgorithmIdentifiers,      -- SET OF, kept raw
///   encapContentInfo EncapsulatedContentInfo,
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///   signerInfos SignerInfos }                         -- SET OF, kept raw
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SignedData {
    pub version: u8,
    pub digest_algorithms: Any,
    pub encap_content_info: EncapsulatedContentInfo,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub certificates: Option<Vec<Any>>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub crls: Option<Vec<Any>>,
    pub signer_infos: Any,
}

/// ```text
/// EncapsulatedContentInfo ::= SEQUENCE {
///   eContentType ContentType,
///   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct EncapsulatedContentInfo {
    pub econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub econtent: Option<OctetString>,
}

/// ```text
/// Attribute ::= SEQUENCE {
///   attrType OBJECT IDENTIFIER,
///   attrValues SET OF AttributeValue }                -- kept raw
/// ```
#[derive(Clone, Debug, Sequence, PartialEq, Eq)]
pub(crate) struct Attribute {
    pub attr_type: ObjectIdentifier,
    pub attr_values: Any,
}

/// ```text
/// SignerInfo ::= SEQUENCE {
///   version CMSVersion,
///   sid SignerIdentifier,                             -- CHOICE, kept raw
///   digestAlgorithm DigestAlgorithmIdentifier,
///   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///   signatureAlgorithm SignatureAlgorithmIdentifier,
///   signature SignatureValue,
///   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SignerInfo {
    pub version: u8,
    pub sid: Any,
    pub digest_algorithm: AlgorithmIdentifierOwned,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub signed_attrs: Option<Vec<Attribute>>,
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: OctetString,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub unsigned_attrs: Option<Vec<Attribute>>,
}

/// ```text
/// IssuerAndSerialNumber ::= SEQUENCE {
///   issuer Name,
///   serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct IssuerAndSerialNumber {
    pub issuer: Any,
    pub serial_number: Any,
}

/// ```text
/// ESSCertIDv2 ::= SEQUENCE {
///   hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///   certHash Hash,
///   issuerSerial IssuerSerial OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ```text
/// ESSCertID ::= SEQUENCE {
///   certHash Hash,                                    -- SHA-1
///   issuerSerial IssuerSerial OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct EssCertId {
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ```text
/// SigningCertificateV2 ::= SEQUENCE {
///   certs SEQUENCE OF ESSCertIDv2,
///   policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// ```text
/// SigningCertificate ::= SEQUENCE {
///   certs SEQUENCE OF ESSCertID,
///   policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SigningCertificate {
    pub certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// ```text
/// IssuerSerial ::= SEQUENCE {
///   issuer GeneralNames,                              -- kept raw
///   serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct IssuerSerial {
    pub issuer: Any,
    pub serial_number: Any,
}

pub(crate) fn der_err(e: der::Error) -> Error {
    Error::malformed(Format::Cms, e.to_string())
}

/// Decodes every element of a raw SET OF / SEQUENCE OF value, in the order written (no DER
/// ordering check: signers in the field do not always sort).
pub(crate) fn elements<'a, T: Decode<'a, Error = der::Error>>(any: &'a Any) -> Result<Vec<T>> {
    use der::Reader;
    let mut reader = der::SliceReader::new(any.value()).map_err(der_err)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.decode::<T>().map_err(der_err)?);
    }
    Ok(out)
}

/// DER of a SET OF the given encoded elements, in the given order.
pub(crate) fn set_of_der(elements: &[Vec<u8>]) -> Result<Vec<u8>> {
    let body: Vec<u8> = elements.concat();
    let any = Any::new(der::Tag::Set, body).map_err(der_err)?;
    any.to_der().map_err(der_err)
}

/// Adobe's revocation archive, a signed attribute of PKCS#7 PDF signatures
/// (adbe-revocationInfoArchival, ISO 32000-1 §12.8.3.3.2):
///
/// ```text
/// RevocationInfoArchival ::= SEQUENCE {
///   crl [0] EXPLICIT SEQUENCE of CRLs OPTIONAL,
///   ocsp [1] EXPLICIT SEQUENCE of OCSPResponse OPTIONAL,
///   otherRevInfo [2] EXPLICIT SEQUENCE of OtherRevInfo OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct RevocationInfoArchival {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub crl: Option<Vec<Any>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub ocsp: Option<Vec<Any>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub other_rev_info: Option<Any>,
}
