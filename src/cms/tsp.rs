//! RFC 3161 time-stamps: request over HTTP, and verify tokens. A token is a CMS SignedData
//! over a TSTInfo, so it lives with CMS; the TSA's certificate goes to [`crate::pki`] like
//! any signer's.

use der::asn1::{Any, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence, Tagged};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;

use super::{ParsedSignedData, oid as cms_oid, parse_signed_data};
use crate::crypto::DigestAlgorithm;
use crate::error::{Error, Format, Result};
use crate::pki::http::{self, HttpLimits};
use crate::pki::{Certificate, TrustStore, Usage, check_usage, validate_path};
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
///    genTime GeneralizedTime,          -- may carry fractions of a second (§2.4.2), which
///                                      -- DER's X.509 profile of GeneralizedTime does not
///                                      -- allow: kept raw, read by `gen_time`
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
    gen_time: Any,
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

/// Reads genTime: `YYYYMMDDhhmmss[.s...]Z` (RFC 3161 §2.4.2: UTC, with as many digits of a
/// second as the TSA's clock has; kyso keeps nine).
fn gen_time(any: &Any) -> Result<OffsetDateTime> {
    if any.tag() != der::Tag::GeneralizedTime {
        return Err(ts_err("genTime is not a GeneralizedTime"));
    }
    let text = std::str::from_utf8(any.value()).map_err(ts_err)?;
    let bad = || ts_err(format!("genTime {text:?} is not YYYYMMDDhhmmss[.s...]Z"));
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        // DER wants no trailing zeros in the fraction; a reader loses nothing by taking them.
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return Err(bad()),
        None => (body, ""),
    };
    if whole.len() != 14
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| whole[range].parse::<u32>().map_err(|_| bad());
    let month = time::Month::try_from(num(4..6)? as u8).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(num(0..4)? as i32, month, num(6..8)? as u8)
        .map_err(|_| bad())?;
    // Nanoseconds from the first nine digits of the fraction.
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let clock = time::Time::from_hms_nano(
        num(8..10)? as u8,
        num(10..12)? as u8,
        num(12..14)? as u8,
        nanos,
    )
    .map_err(|_| bad())?;
    Ok(date.with_time(clock).assume_utc())
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
    // A token that does not verify, or that comes from a certificate that may not stamp
    // time, is refused now rather than embedded to fail every later verification. (Whether
    // the TSA is trusted is the verifier's question, asked with its own trust anchors.)
    let content_digest = info.signed_data.digest_algorithm.digest(&info.tst_info_der);
    info.signed_data
        .verify(&content_digest)
        .map_err(|e| ts_err(format!("the token's signature: {}", e.message)))?;
    let tsa = info
        .tsa_certificate()
        .ok_or_else(|| ts_err("the token does not carry the TSA certificate"))?;
    check_usage(tsa, Usage::TimeStamping).map_err(|f| ts_err(f.message))?;
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
        Ok(TimestampToken {
            gen_time: gen_time(&tst.gen_time)?,
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
    /// being examined). `extra` are certificates from elsewhere in the document. Returns the
    /// TSA's validated chain, TSA first, whose revocation the caller checks.
    pub fn verify(
        &self,
        stamped: &[u8],
        extra: &[Certificate],
        trust: &TrustStore,
        at: OffsetDateTime,
        policy: &ValidationPolicy,
    ) -> std::result::Result<Vec<Certificate>, TimestampFailure> {
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
    ) -> std::result::Result<Vec<Certificate>, TimestampFailure> {
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
        Ok(path.chain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Result<OffsetDateTime> {
        gen_time(&Any::new(der::Tag::GeneralizedTime, text.as_bytes()).map_err(ts_err)?)
    }

    #[test]
    fn gen_time_with_and_without_fractions() {
        use time::macros::datetime;
        assert_eq!(
            at("20260101000000Z").ok(),
            Some(datetime!(2026-01-01 00:00 UTC))
        );
        assert_eq!(
            at("20251125225100.5Z").ok(),
            Some(datetime!(2025-11-25 22:51:00.5 UTC))
        );
        assert_eq!(
            at("20251125225100.123456789987Z").ok(),
            Some(datetime!(2025-11-25 22:51:00.123456789 UTC))
        );
        for bad in [
            "20260101000000",
            "2026010100000Z",
            "20260101000000.Z",
            "20261301000000Z",
            "20260230000000Z",
            "20260101240000Z",
            "20260101000000+0700",
            "2026010100000aZ",
            "20260101000000.1aZ",
            "",
        ] {
            assert!(at(bad).is_err(), "{bad}");
        }
        let utc = Any::new(der::Tag::UtcTime, b"260101000000Z".as_slice()).expect("any");
        assert!(gen_time(&utc).is_err());
    }
}
