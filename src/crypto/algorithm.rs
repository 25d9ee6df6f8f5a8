//! Signature algorithms and their object identifiers.

use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Sequence};
use spki::AlgorithmIdentifierOwned;

use super::DigestAlgorithm;
use super::key_kind::KeyKind;
use crate::error::{Error, Format, Result};

/// Object identifiers kyso recognises for digests and signatures.
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;

    /// md5 (always refused).
    pub const MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.5");
    /// id-sha1.
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// id-sha256.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-sha384.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// id-sha512.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// rsaEncryption (also used as a CMS signature algorithm).
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// md5WithRSAEncryption (always refused).
    pub const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    /// sha1WithRSAEncryption.
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    /// id-RSASSA-PSS.
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    /// sha256WithRSAEncryption.
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption.
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption.
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// id-mgf1.
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    /// id-ecPublicKey.
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// prime256v1 / secp256r1.
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1.
    pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// ecdsa-with-SHA1.
    pub const ECDSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    /// ecdsa-with-SHA256.
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384.
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512.
    pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
}

/// The padding or scheme family of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1v15,
    /// RSASSA-PSS with MGF1 over the same digest; the salt length is
    /// [`SignatureAlgorithm::pss_salt_len`].
    RsaPss,
    /// ECDSA.
    Ecdsa,
}

impl SignatureScheme {
    /// Whether a key of this kind can make signatures of this scheme at all: RSA schemes
    /// with RSA keys, ECDSA with EC keys. A signature that claims otherwise is forged.
    pub fn fits(self, key: KeyKind) -> bool {
        matches!(
            (self, key),
            (Self::RsaPkcs1v15 | Self::RsaPss, KeyKind::Rsa { .. })
                | (Self::Ecdsa, KeyKind::Ec { .. })
        )
    }
}

/// A signature algorithm: a scheme, the digest it signs and, for RSASSA-PSS, the salt length.
///
/// Two values are equal when they name the same algorithm: a PSS salt length of `None` and
/// one equal to the digest's length are the same, and the salt length of other schemes is
/// ignored.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct SignatureAlgorithm {
    /// Scheme family.
    pub scheme: SignatureScheme,
    /// Digest that is signed.
    pub digest: DigestAlgorithm,
    /// RSASSA-PSS salt length in bytes; `None` means as long as the digest (what kyso, ring
    /// and XMLDSig's PSS methods use). Verification requires exactly this length, as the
    /// AlgorithmIdentifier declares it. Ignored by the other schemes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss_salt_len: Option<u16>,
}

impl PartialEq for SignatureAlgorithm {
    fn eq(&self, other: &Self) -> bool {
        (self.scheme, self.digest, self.salt_len())
            == (other.scheme, other.digest, other.salt_len())
    }
}

impl Eq for SignatureAlgorithm {}

impl std::hash::Hash for SignatureAlgorithm {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.scheme, self.digest, self.salt_len()).hash(state);
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1):
///
/// ```text
/// RSASSA-PSS-params  ::=  SEQUENCE  {
///     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
///     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
///     saltLength         [2] INTEGER DEFAULT 20,
///     trailerField       [3] INTEGER DEFAULT 1 }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct RsaPssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub mask_gen_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub trailer_field: Option<u32>,
}

impl SignatureAlgorithm {
    /// A scheme with the given digest (for PSS, a salt as long as the digest).
    pub const fn new(scheme: SignatureScheme, digest: DigestAlgorithm) -> Self {
        SignatureAlgorithm {
            scheme,
            digest,
            pss_salt_len: None,
        }
    }

    /// RSA PKCS#1 v1.5 with the given digest.
    pub const fn rsa_pkcs1(digest: DigestAlgorithm) -> Self {
        Self::new(SignatureScheme::RsaPkcs1v15, digest)
    }

    /// RSASSA-PSS with the given digest, MGF1 over it and a salt as long as the digest.
    pub const fn rsa_pss(digest: DigestAlgorithm) -> Self {
        Self::new(SignatureScheme::RsaPss, digest)
    }

    /// RSASSA-PSS with the given digest, MGF1 over it and a salt of `salt_len` bytes.
    pub fn rsa_pss_with_salt(digest: DigestAlgorithm, salt_len: u16) -> Self {
        SignatureAlgorithm {
            pss_salt_len: (usize::from(salt_len) != digest.output_len()).then_some(salt_len),
            ..Self::rsa_pss(digest)
        }
    }

    /// ECDSA with the given digest.
    pub const fn ecdsa(digest: DigestAlgorithm) -> Self {
        Self::new(SignatureScheme::Ecdsa, digest)
    }

    /// The PSS salt length in bytes (`None` for the other schemes).
    pub fn salt_len(&self) -> Option<usize> {
        (self.scheme == SignatureScheme::RsaPss).then(|| {
            self.pss_salt_len
                .map_or(self.digest.output_len(), usize::from)
        })
    }

    /// The same scheme over another digest, a PSS salt length staying what it was (CMS signs
    /// with its `digestAlgorithm`).
    pub(crate) fn with_digest(self, digest: DigestAlgorithm) -> Self {
        match self.salt_len().and_then(|s| u16::try_from(s).ok()) {
            Some(salt) => Self::rsa_pss_with_salt(digest, salt),
            None => Self { digest, ..self },
        }
    }

    /// Name in the report's style: `sha256WithRSA`, `RSASSA-PSS-sha256`, `ecdsa-with-sha256`;
    /// a PSS salt of another length than the digest is named: `RSASSA-PSS-sha256-salt20`.
    pub fn name(&self) -> String {
        match self.scheme {
            SignatureScheme::RsaPkcs1v15 => format!("{}WithRSA", self.digest.name()),
            SignatureScheme::RsaPss => match self.salt_len() {
                Some(salt) if salt != self.digest.output_len() => {
                    format!("RSASSA-PSS-{}-salt{salt}", self.digest.name())
                }
                _ => format!("RSASSA-PSS-{}", self.digest.name()),
            },
            SignatureScheme::Ecdsa => format!("ecdsa-with-{}", self.digest.name()),
        }
    }

    /// Identifies a signature algorithm from an X.509/CMS AlgorithmIdentifier.
    ///
    /// `digest_hint` is the separately stated digest (CMS `digestAlgorithm`), used when the
    /// identifier names only the key type (`rsaEncryption`, as many PKCS#7 signers write).
    pub fn from_algorithm_identifier(
        oid: &Oid,
        parameters_der: Option<&[u8]>,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Result<Self> {
        use SignatureScheme::*;
        let (scheme, digest) = match *oid {
            oid::SHA1_WITH_RSA => (RsaPkcs1v15, DigestAlgorithm::Sha1),
            oid::SHA256_WITH_RSA => (RsaPkcs1v15, DigestAlgorithm::Sha256),
            oid::SHA384_WITH_RSA => (RsaPkcs1v15, DigestAlgorithm::Sha384),
            oid::SHA512_WITH_RSA => (RsaPkcs1v15, DigestAlgorithm::Sha512),
            oid::ECDSA_SHA1 => (Ecdsa, DigestAlgorithm::Sha1),
            oid::ECDSA_SHA256 => (Ecdsa, DigestAlgorithm::Sha256),
            oid::ECDSA_SHA384 => (Ecdsa, DigestAlgorithm::Sha384),
            oid::ECDSA_SHA512 => (Ecdsa, DigestAlgorithm::Sha512),
            oid::RSA_ENCRYPTION => (
                RsaPkcs1v15,
                digest_hint.ok_or_else(|| {
                    Error::Unsupported("rsaEncryption signature without a digest".into())
                })?,
            ),
            oid::EC_PUBLIC_KEY => (
                Ecdsa,
                digest_hint.ok_or_else(|| {
                    Error::Unsupported("ecPublicKey signature without a digest".into())
                })?,
            ),
            oid::RSASSA_PSS => {
                let (digest, salt_len) = pss_parameters(parameters_der)?;
                return Ok(SignatureAlgorithm::rsa_pss_with_salt(digest, salt_len));
            }
            oid::MD5_WITH_RSA => {
                return Err(Error::Unsupported("md5WithRSAEncryption is broken".into()));
            }
            ref other => return Err(Error::Unsupported(format!("signature algorithm {other}"))),
        };
        Ok(SignatureAlgorithm::new(scheme, digest))
    }

    /// The AlgorithmIdentifier OID to write for this algorithm (PSS parameters are written by
    /// [`SignatureAlgorithm::parameters_der`]).
    pub fn oid(&self) -> Oid {
        use DigestAlgorithm::*;
        match (self.scheme, self.digest) {
            (SignatureScheme::RsaPkcs1v15, Sha1) => oid::SHA1_WITH_RSA,
            (SignatureScheme::RsaPkcs1v15, Sha256) => oid::SHA256_WITH_RSA,
            (SignatureScheme::RsaPkcs1v15, Sha384) => oid::SHA384_WITH_RSA,
            (SignatureScheme::RsaPkcs1v15, Sha512) => oid::SHA512_WITH_RSA,
            (SignatureScheme::RsaPss, _) => oid::RSASSA_PSS,
            (SignatureScheme::Ecdsa, Sha1) => oid::ECDSA_SHA1,
            (SignatureScheme::Ecdsa, Sha256) => oid::ECDSA_SHA256,
            (SignatureScheme::Ecdsa, Sha384) => oid::ECDSA_SHA384,
            (SignatureScheme::Ecdsa, Sha512) => oid::ECDSA_SHA512,
        }
    }

    /// DER of the AlgorithmIdentifier parameters: NULL for PKCS#1 v1.5, RSASSA-PSS-params for
    /// PSS, absent for ECDSA.
    pub fn parameters_der(&self) -> Result<Option<Vec<u8>>> {
        use der::Encode;
        match self.scheme {
            SignatureScheme::RsaPkcs1v15 => Ok(Some(vec![0x05, 0x00])),
            SignatureScheme::Ecdsa => Ok(None),
            SignatureScheme::RsaPss => {
                let hash = AlgorithmIdentifierOwned {
                    oid: self.digest.oid(),
                    parameters: Some(der::Any::null()),
                };
                let mgf = AlgorithmIdentifierOwned {
                    oid: oid::MGF1,
                    parameters: Some(der::Any::encode_from(&hash).map_err(der_err)?),
                };
                // DER leaves out a field that has its DEFAULT value.
                let salt_len = self.salt_len().unwrap_or(self.digest.output_len());
                let salt_length = u32::try_from(salt_len)
                    .ok()
                    .filter(|&s| s != DEFAULT_PSS_SALT_LEN);
                let params = RsaPssParams {
                    hash_algorithm: Some(hash),
                    mask_gen_algorithm: Some(mgf),
                    salt_length,
                    trailer_field: None,
                };
                params.to_der().map(Some).map_err(der_err)
            }
        }
    }
}

fn der_err(e: der::Error) -> Error {
    Error::malformed(Format::Der, e.to_string())
}

/// RSASSA-PSS-params' `saltLength` when the field is absent (RFC 4055 §3.1).
const DEFAULT_PSS_SALT_LEN: u32 = 20;

/// The digest and salt length named by RSASSA-PSS parameters; the MGF1 digest must be the
/// same (kyso does not support mixed PSS parameters, and nobody in the field uses them).
fn pss_parameters(parameters_der: Option<&[u8]>) -> Result<(DigestAlgorithm, u16)> {
    let params = parameters_der
        .ok_or_else(|| Error::malformed(Format::Der, "RSASSA-PSS without parameters"))?;
    let params = RsaPssParams::from_der(params).map_err(der_err)?;
    let digest = match &params.hash_algorithm {
        Some(h) => DigestAlgorithm::from_oid(&h.oid)?,
        None => DigestAlgorithm::Sha1,
    };
    if let Some(mgf) = &params.mask_gen_algorithm {
        if mgf.oid != oid::MGF1 {
            return Err(Error::Unsupported(format!(
                "PSS mask generation {}",
                mgf.oid
            )));
        }
        let inner = mgf
            .parameters
            .as_ref()
            .ok_or_else(|| Error::malformed(Format::Der, "MGF1 without a digest"))?
            .decode_as::<AlgorithmIdentifierOwned>()
            .map_err(der_err)?;
        if DigestAlgorithm::from_oid(&inner.oid)? != digest {
            return Err(Error::Unsupported(
                "PSS with a different MGF1 digest".into(),
            ));
        }
    } else if digest != DigestAlgorithm::Sha1 {
        return Err(Error::Unsupported(
            "PSS with a different MGF1 digest".into(),
        ));
    }
    if params.trailer_field.is_some_and(|t| t != 1) {
        return Err(Error::Unsupported("PSS trailer field other than 1".into()));
    }
    // No RSA key kyso accepts (8192 bits at most) has room for a salt this long.
    let salt = params.salt_length.unwrap_or(DEFAULT_PSS_SALT_LEN);
    let salt =
        u16::try_from(salt).map_err(|_| Error::Unsupported(format!("PSS salt length {salt}")))?;
    Ok((digest, salt))
}

impl DigestAlgorithm {
    /// The digest's object identifier.
    pub fn oid(self) -> Oid {
        match self {
            DigestAlgorithm::Sha1 => oid::SHA1,
            DigestAlgorithm::Sha256 => oid::SHA256,
            DigestAlgorithm::Sha384 => oid::SHA384,
            DigestAlgorithm::Sha512 => oid::SHA512,
        }
    }

    /// The digest named by an object identifier. MD5 and unknown digests are refused.
    pub fn from_oid(oid: &Oid) -> Result<Self> {
        match *oid {
            oid::SHA1 => Ok(DigestAlgorithm::Sha1),
            oid::SHA256 => Ok(DigestAlgorithm::Sha256),
            oid::SHA384 => Ok(DigestAlgorithm::Sha384),
            oid::SHA512 => Ok(DigestAlgorithm::Sha512),
            oid::MD5 => Err(Error::Unsupported("MD5 is broken".into())),
            ref other => Err(Error::Unsupported(format!("digest algorithm {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DigestAlgorithm::*;

    #[test]
    fn a_pss_salt_as_long_as_the_digest_is_the_same_algorithm_however_written() {
        let implicit = SignatureAlgorithm::rsa_pss(Sha256);
        let explicit = SignatureAlgorithm {
            pss_salt_len: Some(32),
            ..implicit
        };
        assert_eq!(implicit, explicit);
        assert_eq!(SignatureAlgorithm::rsa_pss_with_salt(Sha256, 32), implicit);
        assert_eq!(
            SignatureAlgorithm::rsa_pss_with_salt(Sha256, 32).pss_salt_len,
            None
        );
        let set: std::collections::HashSet<_> = [implicit, explicit].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_ne!(SignatureAlgorithm::rsa_pss_with_salt(Sha256, 20), implicit);
        // The salt length means nothing to the other schemes.
        let pkcs1 = SignatureAlgorithm::rsa_pkcs1(Sha256);
        assert_eq!(
            SignatureAlgorithm {
                pss_salt_len: Some(20),
                ..pkcs1
            },
            pkcs1
        );
        assert_eq!(pkcs1.salt_len(), None);
        assert_eq!(implicit.salt_len(), Some(32));
    }

    #[test]
    fn names_and_serialization_show_only_an_unusual_salt() {
        let usual = SignatureAlgorithm::rsa_pss(Sha256);
        let unusual = SignatureAlgorithm::rsa_pss_with_salt(Sha256, 20);
        assert_eq!(usual.name(), "RSASSA-PSS-sha256");
        assert_eq!(unusual.name(), "RSASSA-PSS-sha256-salt20");
        let json = serde_json::to_string(&usual).unwrap();
        assert!(!json.contains("pss_salt_len"), "{json}");
        let json = serde_json::to_string(&unusual).unwrap();
        assert!(json.contains("\"pss_salt_len\":20"), "{json}");
        assert_eq!(
            serde_json::from_str::<SignatureAlgorithm>(&json).unwrap(),
            unusual
        );
        let old = serde_json::to_string(&SignatureAlgorithm::rsa_pkcs1(Sha1)).unwrap();
        assert_eq!(
            serde_json::from_str::<SignatureAlgorithm>(&old).unwrap(),
            SignatureAlgorithm::rsa_pkcs1(Sha1)
        );
    }

    #[test]
    fn pss_parameters_give_the_salt_length_with_rfc_4055_defaults() {
        let parse = |der: &[u8]| {
            SignatureAlgorithm::from_algorithm_identifier(&oid::RSASSA_PSS, Some(der), None)
        };
        // Every field absent: SHA-1, MGF1 with SHA-1, salt 20 (SHA-1's length).
        let defaults = parse(&[0x30, 0x00]).unwrap();
        assert_eq!(defaults, SignatureAlgorithm::rsa_pss(Sha1));
        assert_eq!(defaults.salt_len(), Some(20));
        for digest in [Sha1, Sha256, Sha384, Sha512] {
            for salt in [0, 20, 32, 48, 64, 222] {
                let algorithm = SignatureAlgorithm::rsa_pss_with_salt(digest, salt);
                let der = algorithm.parameters_der().unwrap().unwrap();
                let parsed = parse(&der).unwrap();
                assert_eq!(parsed, algorithm, "{}", algorithm.name());
                assert_eq!(parsed.salt_len(), Some(usize::from(salt)));
            }
        }
        // A salt length no key can hold is refused rather than truncated.
        let mut huge = SignatureAlgorithm::rsa_pss(Sha256)
            .parameters_der()
            .unwrap()
            .unwrap();
        // …a203020120 (saltLength 32) → …a205020301 1170 (saltLength 70000).
        huge.truncate(huge.len() - 5);
        huge.extend_from_slice(&[0xa2, 0x05, 0x02, 0x03, 0x01, 0x11, 0x70]);
        huge[1] += 2;
        assert!(matches!(parse(&huge), Err(Error::Unsupported(_))));
        assert!(
            SignatureAlgorithm::from_algorithm_identifier(&oid::RSASSA_PSS, None, None).is_err()
        );
    }

    #[test]
    fn another_digest_keeps_the_declared_salt() {
        let declared = SignatureAlgorithm::rsa_pss(Sha256);
        let moved = declared.with_digest(Sha512);
        assert_eq!(moved.digest, Sha512);
        assert_eq!(moved.salt_len(), Some(32));
        let pkcs1 = SignatureAlgorithm::rsa_pkcs1(Sha1).with_digest(Sha256);
        assert_eq!(pkcs1, SignatureAlgorithm::rsa_pkcs1(Sha256));
    }
}
