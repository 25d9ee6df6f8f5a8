//! RFC 3161 time-stamps: request over HTTP, and verify tokens.

use der::asn1::{Any, GeneralizedTime, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;

use super::http::{self, HttpLimits};
use super::{Certificate, TrustStore, Usage, validate_path};
use crate::cms::{ParsedSignedData, oid as cms_oid, parse_signed_data};
use crate::crypto::DigestAlgorithm;
use crate::error::{Error, Format, Result};
use crate::policy::ValidationPolicy;
use crate::report::SubIndication;

fn ts_err(e: impl std::fmt::Display) -> Error {
    Error::malformed(Format::TimeStamp, e.to_string())
}

/// ```text
/// MessageImprint ::= SEQUENCE {
///    hashAlgorithm AlgorithmIdentifier,
///    hashedMessage OCTET STRING }
/// ```
#[derive(Clone, Debug, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// ```text
/// TimeStampReq ::= SEQUENCE {
///    version INTEGER { v1(1) },
///    messageImprint MessageImprint,
///    reqPolicy TSAPolicyId OPTIONAL,
///    nonce INTEGER OPTIONAL,
///    certReq BOOLEAN DEFAULT FALSE,
///    extensions [0] IMPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
}

/// ```text
/// TimeStampResp ::= SEQUENCE {
///    status PKIStatusInfo,
///    timeStampToken TimeStampToken OPTIONAL }
/// PKIStatusInfo ::= SEQUENCE {
///    status PKIStatus,
///    statusString PKIFreeText OPTIONAL,
///    failInfo PKIFailureInfo OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Any>,
    #[asn1(optional = "true")]
    fail_info: Option<Any>,
}

/// ```text
/// TSTInfo ::= SEQUENCE {
///    version INTEGER { v1(1) },
///    policy TSAPolicyId,
///    messageImprint MessageImprint,
///    serialNumber INTEGER,
///    genTime GeneralizedTime,
///    accuracy Accuracy OPTIONAL,
///    ordering BOOLEAN DEFAULT FALSE,
///    nonce INTEGER OPTIONAL,
///    tsa [0] GeneralName OPTIONAL,
///    extensions [1] IMPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Any,
    gen_time: GeneralizedTime,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Any>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<Any>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    extensions: Option<Vec<Any>>,
}

/// ```text
/// Accuracy ::= SEQUENCE {
///    seconds INTEGER OPTIONAL,
///    millis [0] INTEGER (1..999) OPTIONAL,
///    micros [1] INTEGER (1..999) OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<u32>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

/// Builds a DER TimeStampReq for a digest, asking for the TSA certificate.
pub fn build_timestamp_request(
    digest: DigestAlgorithm,
    hashed: &[u8],
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let nonce = nonce
        .map(|n| {
            // A positive INTEGER: a leading zero keeps the top bit from making it negative.
            let mut bytes = vec![0u8];
            bytes.extend_from_slice(n);
            let skip = bytes
                .iter()
                .take_while(|&&b| b == 0)
                .count()
                .min(bytes.len() - 1);
            let start = if bytes[skip] & 0x80 != 0 {
                skip - 1
            } else {
                skip
            };
            Int::new(&bytes[start..]).map_err(ts_err)
        })
        .transpose()?;
    TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: digest.oid(),
                parameters: None,
            },
            hashed_message: OctetString::new(hashed.to_vec()).map_err(ts_err)?,
        },
        req_policy: None,
        nonce,
        cert_req: true,
    }
    .to_der()
    .map_err(ts_err)
}

/// Extracts the token (DER ContentInfo) from a TimeStampResp, checking the status.
pub fn token_from_response(response: &[u8]) -> Result<Vec<u8>> {
    let resp = TimeStampResp::from_der(response).map_err(ts_err)?;
    // granted (0) or grantedWithMods (1)
    if resp.status.status > 1 {
        return Err(ts_err(format!(
            "the TSA refused the request (status {})",
            resp.status.status
        )));
    }
    resp.time_stamp_token
        .ok_or_else(|| ts_err("granted without a token"))?
        .to_der()
        .map_err(ts_err)
}

/// Asks a TSA over HTTP for a token on `hashed` (a digest made with `digest`), with a fresh
/// nonce; checks the nonce and the imprint of the answer.
pub fn request_timestamp(
    url: &str,
    digest: DigestAlgorithm,
    hashed: &[u8],
    limits: HttpLimits,
) -> Result<Vec<u8>> {
    let nonce: [u8; 8] = fresh_nonce();
    let request = build_timestamp_request(digest, hashed, Some(&nonce))?;
    let response = http::post(url, "application/timestamp-query", &request, limits)?;
    let token = token_from_response(&response)?;
    let info = TimestampToken::parse(&token)?;
    if info.imprint != hashed || info.imprint_algorithm != digest {
        return Err(ts_err("the token stamps another message imprint"));
    }
    if info.nonce.as_deref().map(strip_leading_zeros) != Some(strip_leading_zeros(&nonce)) {
        return Err(ts_err("the token does not echo the request's nonce"));
    }
    Ok(token)
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|&&x| x == 0).count();
    &b[skip..]
}

fn fresh_nonce() -> [u8; 8] {
    // Uniqueness, not secrecy, is what a nonce needs here; the OS RNG gives both.
    let mut n = [0u8; 8];
    if getrandom::fill(&mut n).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        n = (t as u64).to_be_bytes();
    }
    n
}

/// A parsed time-stamp token.
#[derive(Debug, Clone)]
pub struct TimestampToken {
    /// The token's CMS signature.
    pub signed_data: ParsedSignedData,
    /// genTime: the time the TSA attests.
    pub gen_time: OffsetDateTime,
    /// Digest algorithm of the message imprint.
    pub imprint_algorithm: DigestAlgorithm,
    /// The stamped digest.
    pub imprint: Vec<u8>,
    /// TSA policy OID.
    pub policy: String,
    /// Nonce, if the TSA echoed one.
    pub nonce: Option<Vec<u8>>,
    /// The TSTInfo DER.
    pub tst_info_der: Vec<u8>,
}

/// Why a time-stamp token is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampFailure {
    /// ETSI sub-indication.
    pub sub_indication: SubIndication,
    /// Details.
    pub message: String,
}

impl TimestampToken {
    /// Parses a token (DER or BER ContentInfo with SignedData over TSTInfo).
    pub fn parse(token: &[u8]) -> Result<Self> {
        let signed_data = parse_signed_data(token)?;
        if signed_data.content_type != cms_oid::TST_INFO {
            return Err(ts_err("the token's content is not TSTInfo"));
        }
        let tst_info_der = signed_data
            .content
            .clone()
            .ok_or_else(|| ts_err("the token has no TSTInfo"))?;
        let tst = TstInfo::from_der(&tst_info_der).map_err(ts_err)?;
        let secs = i64::try_from(tst.gen_time.to_unix_duration().as_secs()).map_err(ts_err)?;
        Ok(TimestampToken {
            gen_time: OffsetDateTime::from_unix_timestamp(secs).map_err(ts_err)?,
            imprint_algorithm: DigestAlgorithm::from_oid(&tst.message_imprint.hash_algorithm.oid)?,
            imprint: tst.message_imprint.hashed_message.as_bytes().to_vec(),
            policy: tst.policy.to_string(),
            nonce: tst.nonce.map(|n| n.value().to_vec()),
            tst_info_der,
            signed_data,
        })
    }

    /// The TSA's certificate, if embedded.
    pub fn tsa_certificate(&self) -> Option<&Certificate> {
        self.signed_data.signer.as_ref()
    }

    /// Verifies the token over `stamped` (the bytes whose digest was time-stamped): the
    /// imprint, the CMS signature, and the TSA's chain with id-kp-timeStamping, validated at
    /// `at` (usually the validation time; the token's own genTime when older evidence is
    /// being examined). `extra` are certificates from elsewhere in the document.
    pub fn verify(
        &self,
        stamped: &[u8],
        extra: &[Certificate],
        trust: &TrustStore,
        at: OffsetDateTime,
        policy: &ValidationPolicy,
    ) -> std::result::Result<(), TimestampFailure> {
        self.verify_imprint(
            &self.imprint_algorithm.digest(stamped),
            extra,
            trust,
            at,
            policy,
        )
    }

    /// Like [`TimestampToken::verify`], given the digest (with
    /// [`TimestampToken::imprint_algorithm`]) of the stamped data instead of the data, for
    /// content hashed in a stream.
    pub fn verify_imprint(
        &self,
        digest: &[u8],
        extra: &[Certificate],
        trust: &TrustStore,
        at: OffsetDateTime,
        policy: &ValidationPolicy,
    ) -> std::result::Result<(), TimestampFailure> {
        let fail = |sub, message: String| {
            Err(TimestampFailure {
                sub_indication: sub,
                message,
            })
        };
        if digest != self.imprint.as_slice() {
            return fail(
                SubIndication::HashFailure,
                "the time-stamp is over other data".into(),
            );
        }
        let content_digest = self.signed_data.digest_algorithm.digest(&self.tst_info_der);
        if let Err(e) = self.signed_data.verify(&content_digest) {
            return fail(e.sub_indication, format!("time-stamp token: {}", e.message));
        }
        let Some(tsa) = self.tsa_certificate() else {
            return fail(
                SubIndication::NoSigningCertificateFound,
                "the TSA certificate is missing".into(),
            );
        };
        let mut pool = self.signed_data.certificates.clone();
        pool.extend_from_slice(extra);
        let path = validate_path(tsa, &pool, trust, at, Usage::TimeStamping, policy);
        if let Err(f) = path.result {
            return fail(f.sub_indication, format!("TSA: {}", f.message));
        }
        Ok(())
    }
}
