//! Signature algorithms and their object identifiers.

use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Sequence};
use spki::AlgorithmIdentifierOwned;

use super::DigestAlgorithm;
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
    /// RSASSA-PSS with MGF1 over the same digest and a salt as long as the digest.
    RsaPss,
    /// ECDSA.
    Ecdsa,
}

/// A signature algorithm: a scheme and the digest it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SignatureAlgorithm {
    /// Scheme family.
    pub scheme: SignatureScheme,
    /// Digest that is signed.
    pub digest: DigestAlgorithm,
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
    /// RSA PKCS#1 v1.5 with the given digest.
    pub const fn rsa_pkcs1(digest: DigestAlgorithm) -> Self {
        SignatureAlgorithm {
            scheme: SignatureScheme::RsaPkcs1v15,
            digest,
        }
    }

    /// Name in the report's style: `sha256WithRSA`, `RSASSA-PSS-sha256`, `ecdsa-with-sha256`.
    pub fn name(&self) -> String {
        match self.scheme {
            SignatureScheme::RsaPkcs1v15 => format!("{}WithRSA", self.digest.name()),
            SignatureScheme::RsaPss => format!("RSASSA-PSS-{}", self.digest.name()),
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
            oid::RSASSA_PSS => (RsaPss, pss_digest(parameters_der)?),
            oid::MD5_WITH_RSA => {
                return Err(Error::Unsupported("md5WithRSAEncryption is broken".into()));
            }
            ref other => return Err(Error::Unsupported(format!("signature algorithm {other}"))),
        };
        Ok(SignatureAlgorithm { scheme, digest })
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
                let params = RsaPssParams {
                    hash_algorithm: Some(hash),
                    mask_gen_algorithm: Some(mgf),
                    salt_length: Some(self.digest.output_len() as u32),
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

/// The digest named by RSASSA-PSS parameters; the MGF1 digest must be the same (kyso does not
/// support mixed PSS parameters, and nobody in the field uses them).
fn pss_digest(parameters_der: Option<&[u8]>) -> Result<DigestAlgorithm> {
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
    Ok(digest)
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
