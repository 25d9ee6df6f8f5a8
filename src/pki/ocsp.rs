//! OCSP (RFC 6960): build requests, verify responses.

use der::asn1::{Any, BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence, Tagged};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;

use super::Certificate;
use crate::crypto::{DigestAlgorithm, SignatureAlgorithm};
use crate::error::{Error, Format, Result};

fn ocsp_err(e: impl std::fmt::Display) -> Error {
    Error::malformed(Format::Ocsp, e.to_string())
}

/// id-pkix-ocsp-basic.
const OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
const OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// ```text
/// OCSPResponseStatus ::= ENUMERATED { successful (0), malformedRequest (1),
///     internalError (2), tryLater (3), sigRequired (5), unauthorized (6) }
/// ```
#[derive(Clone, Copy, Debug, Enumerated, PartialEq, Eq)]
#[repr(u32)]
enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// ```text
/// OCSPResponse ::= SEQUENCE {
///    responseStatus OCSPResponseStatus,
///    responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct OcspResponseAsn1 {
    response_status: ResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    response_bytes: Option<ResponseBytes>,
}

/// ```text
/// ResponseBytes ::= SEQUENCE {
///    responseType OBJECT IDENTIFIER,
///    response OCTET STRING }
/// ```
#[derive(Clone, Debug, Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

/// ```text
/// BasicOCSPResponse ::= SEQUENCE {
///    tbsResponseData ResponseData,                   -- kept raw: it is what is signed
///    signatureAlgorithm AlgorithmIdentifier,
///    signature BIT STRING,
///    certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct BasicOcspResponse {
    tbs_response_data: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    certs: Option<Vec<Any>>,
}

/// ```text
/// ResponseData ::= SEQUENCE {
///    version [0] EXPLICIT Version DEFAULT v1,
///    responderID ResponderID,                        -- CHOICE [1] Name | [2] KeyHash, raw
///    producedAt GeneralizedTime,
///    responses SEQUENCE OF SingleResponse,
///    responseExtensions [1] EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    responder_id: Any,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    response_extensions: Option<Vec<Extension>>,
}

/// ```text
/// Extension ::= SEQUENCE {
///    extnID OBJECT IDENTIFIER,
///    critical BOOLEAN DEFAULT FALSE,
///    extnValue OCTET STRING }
/// ```
#[derive(Clone, Debug, Sequence)]
struct Extension {
    extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    critical: bool,
    extn_value: OctetString,
}

/// ```text
/// SingleResponse ::= SEQUENCE {
///    certID CertID,
///    certStatus CertStatus,
///    thisUpdate GeneralizedTime,
///    nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL,
///    singleExtensions [1] EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: CertStatus,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    single_extensions: Option<Any>,
}

/// ```text
/// CertID ::= SEQUENCE {
///    hashAlgorithm AlgorithmIdentifier,
///    issuerNameHash OCTET STRING,
///    issuerKeyHash OCTET STRING,
///    serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: Any,
}

/// ```text
/// CertStatus ::= CHOICE {
///    good [0] IMPLICIT NULL,
///    revoked [1] IMPLICIT RevokedInfo,
///    unknown [2] IMPLICIT UnknownInfo }
/// ```
#[derive(Clone, Debug, Choice)]
enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// ```text
/// RevokedInfo ::= SEQUENCE {
///    revocationTime GeneralizedTime,
///    revocationReason [0] EXPLICIT CRLReason OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    revocation_reason: Option<Any>,
}

/// ```text
/// OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT … OPTIONAL }
/// TBSRequest ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
///    requestorName [1] EXPLICIT GeneralName OPTIONAL,
///    requestList SEQUENCE OF Request,
///    requestExtensions [2] EXPLICIT Extensions OPTIONAL }
/// Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
}

#[derive(Clone, Debug, Sequence)]
struct TbsRequest {
    request_list: Vec<Request>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    request_extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct Request {
    req_cert: CertId,
}

fn gt_to_time(t: &GeneralizedTime) -> Result<OffsetDateTime> {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).map_err(ocsp_err)?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(ocsp_err)
}

/// The status an OCSP response gives a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspStatus {
    /// Not revoked.
    Good,
    /// Revoked at a time, for a reason.
    Revoked {
        /// Revocation time.
        time: OffsetDateTime,
        /// CRLReason name, if given.
        reason: Option<String>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// The answer of an OCSP response about one certificate, after verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspAnswer {
    /// The status.
    pub status: OcspStatus,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate, if any.
    pub next_update: Option<OffsetDateTime>,
    /// producedAt.
    pub produced_at: OffsetDateTime,
    /// The certificate that signed the response.
    pub responder: Certificate,
    /// The algorithm the response is signed with.
    pub algorithm: SignatureAlgorithm,
}

/// A parsed OCSP response (successful, basic).
#[derive(Debug, Clone)]
pub struct OcspResponse {
    der: Vec<u8>,
    tbs_der: Vec<u8>,
    data: ResponseData,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    certs: Vec<Certificate>,
}

impl OcspResponse {
    /// Parses a DER OCSPResponse; any status but `successful` is an error.
    pub fn parse(der: &[u8]) -> Result<Self> {
        let outer = OcspResponseAsn1::from_der(der).map_err(ocsp_err)?;
        if outer.response_status != ResponseStatus::Successful {
            return Err(Error::malformed(
                Format::Ocsp,
                format!("responder answered {:?}", outer.response_status),
            ));
        }
        let bytes = outer
            .response_bytes
            .ok_or_else(|| ocsp_err("successful response without responseBytes"))?;
        if bytes.response_type != OCSP_BASIC {
            return Err(Error::Unsupported(format!(
                "OCSP response type {}",
                bytes.response_type
            )));
        }
        let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(ocsp_err)?;
        let tbs_der = basic.tbs_response_data.to_der().map_err(ocsp_err)?;
        let data = ResponseData::from_der(&tbs_der).map_err(ocsp_err)?;
        let certs = basic
            .certs
            .iter()
            .flatten()
            .filter_map(|c| c.to_der().ok().and_then(|d| Certificate::from_der(&d).ok()))
            .collect();
        Ok(OcspResponse {
            der: der.to_vec(),
            tbs_der,
            data,
            signature_algorithm: basic.signature_algorithm,
            signature: basic
                .signature
                .as_bytes()
                .ok_or_else(|| ocsp_err("signature has unused bits"))?
                .to_vec(),
            certs,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Certificates embedded in the response (a delegated responder's certificate).
    pub fn certificates(&self) -> &[Certificate] {
        &self.certs
    }

    /// The nonce extension's value, if any.
    pub fn nonce(&self) -> Option<Vec<u8>> {
        self.data
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == OCSP_NONCE)
            .map(|e| {
                // The value is usually an OCTET STRING inside the extension's OCTET STRING.
                OctetString::from_der(e.extn_value.as_bytes())
                    .map(|o| o.as_bytes().to_vec())
                    .unwrap_or_else(|_| e.extn_value.as_bytes().to_vec())
            })
    }

    /// What the response says about `cert` (issued by `issuer`), after checking who signed
    /// it: the issuer itself, or a responder certificate issued by the issuer with
    /// id-kp-OCSPSigning. `Ok(None)` when the response does not mention the certificate.
    pub fn answer_for(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<Option<OcspAnswer>> {
        let Some(single) = self.find(cert, issuer)? else {
            return Ok(None);
        };
        let (responder, algorithm) = self.responder(issuer)?;
        let status = match &single.cert_status {
            CertStatus::Good(_) => OcspStatus::Good,
            CertStatus::Unknown(_) => OcspStatus::Unknown,
            CertStatus::Revoked(info) => OcspStatus::Revoked {
                time: gt_to_time(&info.revocation_time)?,
                reason: info
                    .revocation_reason
                    .as_ref()
                    .filter(|r| r.tag() == der::Tag::Enumerated)
                    .and_then(|r| r.value().first().copied())
                    .map(|c| super::reason_name(c).to_owned()),
            },
        };
        Ok(Some(OcspAnswer {
            status,
            this_update: gt_to_time(&single.this_update)?,
            next_update: single.next_update.as_ref().map(gt_to_time).transpose()?,
            produced_at: gt_to_time(&self.data.produced_at)?,
            responder,
            algorithm,
        }))
    }

    fn find(&self, cert: &Certificate, issuer: &Certificate) -> Result<Option<&SingleResponse>> {
        for single in &self.data.responses {
            let id = &single.cert_id;
            let Ok(alg) = DigestAlgorithm::from_oid(&id.hash_algorithm.oid) else {
                continue;
            };
            if id.serial_number.value() == cert.serial()
                && id.issuer_name_hash.as_bytes() == alg.digest(issuer.subject().der()).as_slice()
                && id.issuer_key_hash.as_bytes() == alg.digest(&public_key_bits(issuer)?).as_slice()
            {
                return Ok(Some(single));
            }
        }
        Ok(None)
    }

    /// The certificate whose key verifies the response, checked for authority.
    fn responder(&self, issuer: &Certificate) -> Result<(Certificate, SignatureAlgorithm)> {
        let params = self
            .signature_algorithm
            .parameters
            .as_ref()
            .map(|p| p.to_der().map_err(ocsp_err))
            .transpose()?;
        let alg = SignatureAlgorithm::from_algorithm_identifier(
            &self.signature_algorithm.oid,
            params.as_deref(),
            None,
        )?;
        let verifies = |c: &Certificate| -> bool {
            c.public_key()
                .and_then(|k| k.verify(alg, &self.tbs_der, &self.signature))
                .unwrap_or(false)
        };
        if verifies(issuer) {
            return Ok((issuer.clone(), alg));
        }
        for c in &self.certs {
            if verifies(c) {
                let authorised = c.issuer().der() == issuer.subject().der()
                    && matches!(c.is_signed_by(issuer), Ok(true))
                    && c.extended_key_usage()
                        .is_some_and(|e| e.iter().any(|o| o == super::eku::OCSP_SIGNING));
                if authorised {
                    return Ok((c.clone(), alg));
                }
                return Err(ocsp_err(
                    "the responder is not authorised by the certificate's issuer",
                ));
            }
        }
        Err(ocsp_err("the response signature does not verify"))
    }
}

/// The BIT STRING contents of a certificate's public key (what CertID hashes).
fn public_key_bits(cert: &Certificate) -> Result<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(cert.spki_der()).map_err(ocsp_err)?;
    spki.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| ocsp_err("public key has unused bits"))
}

/// Builds a DER OCSP request for `cert` issued by `issuer` (CertID with `digest`, SHA-1 being
/// what most responders expect), with a nonce when given.
pub fn build_ocsp_request(
    cert: &Certificate,
    issuer: &Certificate,
    digest: DigestAlgorithm,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: digest.oid(),
            parameters: Some(Any::null()),
        },
        issuer_name_hash: OctetString::new(digest.digest(issuer.subject().der()))
            .map_err(ocsp_err)?,
        issuer_key_hash: OctetString::new(digest.digest(&public_key_bits(issuer)?))
            .map_err(ocsp_err)?,
        serial_number: Any::new(der::Tag::Integer, cert.serial().to_vec()).map_err(ocsp_err)?,
    };
    let request_extensions = nonce
        .map(|n| -> Result<Vec<Extension>> {
            let inner = OctetString::new(n.to_vec())
                .and_then(|o| o.to_der())
                .map_err(ocsp_err)?;
            Ok(vec![Extension {
                extn_id: OCSP_NONCE,
                critical: false,
                extn_value: OctetString::new(inner).map_err(ocsp_err)?,
            }])
        })
        .transpose()?;
    OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request { req_cert: cert_id }],
            request_extensions,
        },
    }
    .to_der()
    .map_err(ocsp_err)
}
