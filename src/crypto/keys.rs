//! Public and private keys: parsing, verifying and signing raw digests.

use der::Decode;
use pkcs8::DecodePrivateKey;
use spki::SubjectPublicKeyInfoRef;

use super::DigestAlgorithm;
use super::algorithm::{SignatureAlgorithm, SignatureScheme, oid};
use super::rsa_public::{self, PublicOperation};
use crate::error::{Error, Format, Result};

/// The type and size of a key, for policy checks and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// ECDSA on a named curve of `bits` bits.
    Ec {
        /// Curve name: `P-256`, `P-384`.
        curve: &'static str,
        /// Field size.
        bits: usize,
    },
}

impl KeyKind {
    /// ECDSA on P-256.
    pub const P256: KeyKind = KeyKind::Ec {
        curve: "P-256",
        bits: 256,
    };
    /// ECDSA on P-384.
    pub const P384: KeyKind = KeyKind::Ec {
        curve: "P-384",
        bits: 384,
    };

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        match *self {
            KeyKind::Rsa { bits } | KeyKind::Ec { bits, .. } => bits,
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::Ec { curve, .. } => write!(f, "EC {curve}"),
        }
    }
}

/// An RSA public key.
#[derive(Clone, Debug)]
pub struct RsaPublicKey {
    operation: PublicOperation,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl RsaPublicKey {
    /// A key from its modulus and public exponent (big-endian, leading zeros allowed).
    ///
    /// Refused: an even modulus, one under 512 or over 8192 bits, and a public exponent that
    /// is even, below 3 or above 2³³ − 1.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self> {
        let operation = PublicOperation::new(modulus, exponent)
            .map_err(|problem| Error::Unsupported(format!("RSA public key: {problem}")))?;
        let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|&x| x == 0).collect() };
        Ok(RsaPublicKey {
            operation,
            modulus: strip(modulus),
            exponent: strip(exponent),
        })
    }

    /// A key from a DER PKCS#1 `RSAPublicKey`.
    fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(der).map_err(key_err)?;
        Self::from_components(key.modulus.as_bytes(), key.public_exponent.as_bytes())
    }

    /// The modulus, big-endian, without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent, big-endian, without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.modulus
            .first()
            .map(|&top| (self.modulus.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
            .unwrap_or(0)
    }
}

/// A public key that verifies signatures over digests.
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// RSA.
    Rsa(RsaPublicKey),
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
}

/// The named curve of an `id-ecPublicKey` AlgorithmIdentifier (explicit curve parameters are
/// not supported, as RFC 5480 forbids them).
fn named_curve(parameters: Option<&der::asn1::AnyRef<'_>>) -> Result<der::asn1::ObjectIdentifier> {
    parameters
        .ok_or_else(|| key_err("EC key without a named curve"))?
        .decode_as::<der::asn1::ObjectIdentifier>()
        .map_err(key_err)
}

fn key_err(e: impl std::fmt::Display) -> Error {
    Error::malformed(Format::Key, e.to_string())
}

/// Reads an ECDSA signature written either as fixed-size `r‖s` or as DER.
macro_rules! ecdsa_signature {
    ($curve:ident, $bytes:expr) => {
        $curve::ecdsa::Signature::from_slice($bytes)
            .ok()
            .or_else(|| $curve::ecdsa::Signature::from_der($bytes).ok())
    };
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(key_err)?;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| key_err("public key bit string has unused bits"))?;
        match spki.algorithm.oid {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
                RsaPublicKey::from_pkcs1_der(key_bytes).map(PublicKey::Rsa)
            }
            oid::EC_PUBLIC_KEY => match named_curve(spki.algorithm.parameters.as_ref())? {
                oid::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                    .map(PublicKey::P256)
                    .map_err(key_err),
                oid::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                    .map(PublicKey::P384)
                    .map_err(key_err),
                other => Err(Error::Unsupported(format!("elliptic curve {other}"))),
            },
            other => Err(Error::Unsupported(format!("public key algorithm {other}"))),
        }
    }

    /// Type and size.
    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKey::Rsa(k) => KeyKind::Rsa { bits: k.bits() },
            PublicKey::P256(_) => KeyKind::P256,
            PublicKey::P384(_) => KeyKind::P384,
        }
    }

    /// Verifies `signature` over `digest` (already hashed with `algorithm.digest`).
    ///
    /// `Ok(false)` means the signature is cryptographically wrong; `Err` means the question
    /// could not be asked (wrong key type for the algorithm, digest of the wrong length).
    /// ECDSA signatures are accepted as DER or as fixed-size `r‖s`.
    pub fn verify_digest(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        if digest.len() != algorithm.digest.output_len() {
            return Err(Error::InvalidOption(format!(
                "digest of {} bytes for {}",
                digest.len(),
                algorithm.digest.name()
            )));
        }
        match (self, algorithm.scheme) {
            (PublicKey::Rsa(k), SignatureScheme::RsaPkcs1v15) => Ok(rsa_public::verify_pkcs1v15(
                &k.operation,
                algorithm.digest,
                digest,
                signature,
            )),
            (PublicKey::Rsa(k), SignatureScheme::RsaPss) => Ok(rsa_public::verify_pss(
                &k.operation,
                algorithm.digest,
                digest,
                signature,
            )),
            (PublicKey::P256(k), SignatureScheme::Ecdsa) => {
                use ecdsa::signature::hazmat::PrehashVerifier;
                let Some(sig) = ecdsa_signature!(p256, signature) else {
                    return Ok(false);
                };
                Ok(k.verify_prehash(digest, &sig).is_ok())
            }
            (PublicKey::P384(k), SignatureScheme::Ecdsa) => {
                use ecdsa::signature::hazmat::PrehashVerifier;
                let Some(sig) = ecdsa_signature!(p384, signature) else {
                    return Ok(false);
                };
                Ok(k.verify_prehash(digest, &sig).is_ok())
            }
            (key, scheme) => Err(Error::Unsupported(format!(
                "{scheme:?} signature with a {} key",
                key.kind()
            ))),
        }
    }
}

/// Converts an ECDSA signature given as DER or `r‖s` into DER (for CMS).
pub fn ecdsa_to_der(key: &PublicKey, signature: &[u8]) -> Result<Vec<u8>> {
    match key {
        PublicKey::P256(_) => {
            ecdsa_signature!(p256, signature).map(|s| s.to_der().as_bytes().to_vec())
        }
        PublicKey::P384(_) => {
            ecdsa_signature!(p384, signature).map(|s| s.to_der().as_bytes().to_vec())
        }
        PublicKey::Rsa(_) => return Ok(signature.to_vec()),
    }
    .ok_or_else(|| Error::Signer("not an ECDSA signature".into()))
}

/// Converts an ECDSA signature given as DER or `r‖s` into fixed-size `r‖s` (for XMLDSig).
pub fn ecdsa_to_raw(key: &PublicKey, signature: &[u8]) -> Result<Vec<u8>> {
    match key {
        PublicKey::P256(_) => ecdsa_signature!(p256, signature).map(|s| s.to_bytes().to_vec()),
        PublicKey::P384(_) => ecdsa_signature!(p384, signature).map(|s| s.to_bytes().to_vec()),
        PublicKey::Rsa(_) => return Ok(signature.to_vec()),
    }
    .ok_or_else(|| Error::Signer("not an ECDSA signature".into()))
}

/// A private key held in memory (from a key file or PKCS#12).
#[derive(Clone)]
pub enum PrivateKey {
    /// RSA.
    Rsa(Box<rsa::PrivateKey>),
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.kind())
    }
}

impl PrivateKey {
    /// Parses a private key from PEM: PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8 (`ENCRYPTED
    /// PRIVATE KEY`, needs `password`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`).
    /// Other PEM blocks in the text (certificates) are skipped.
    pub fn from_pem(text: &[u8], password: Option<&str>) -> Result<Self> {
        let blocks =
            pem::parse_many(text).map_err(|e| Error::malformed(Format::Pem, e.to_string()))?;
        for block in blocks {
            let der = block.contents();
            match block.tag() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(der),
                "ENCRYPTED PRIVATE KEY" => {
                    let password = password.ok_or(Error::WrongPassword)?;
                    return Self::from_encrypted_pkcs8_der(der, password);
                }
                "RSA PRIVATE KEY" => {
                    use pkcs1::DecodeRsaPrivateKey;
                    return rsa::PrivateKey::from_pkcs1_der(der)
                        .map(|k| PrivateKey::Rsa(Box::new(k)))
                        .map_err(key_err);
                }
                "EC PRIVATE KEY" => return Self::from_sec1_der(der),
                _ => continue,
            }
        }
        Err(Error::malformed(Format::Pem, "no private key block"))
    }

    /// Parses an unencrypted PKCS#8 DER key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(key_err)?;
        match info.algorithm.oid {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(key_err),
            oid::EC_PUBLIC_KEY => match named_curve(info.algorithm.parameters.as_ref())? {
                oid::P256 => p256::ecdsa::SigningKey::from_pkcs8_der(der)
                    .map(PrivateKey::P256)
                    .map_err(key_err),
                oid::P384 => p384::ecdsa::SigningKey::from_pkcs8_der(der)
                    .map(PrivateKey::P384)
                    .map_err(key_err),
                other => Err(Error::Unsupported(format!("elliptic curve {other}"))),
            },
            other => Err(Error::Unsupported(format!("private key algorithm {other}"))),
        }
    }

    /// Parses an encrypted PKCS#8 DER key (PBES2).
    pub fn from_encrypted_pkcs8_der(der: &[u8], password: &str) -> Result<Self> {
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der).map_err(key_err)?;
        let plain = info.decrypt(password).map_err(|_| Error::WrongPassword)?;
        Self::from_pkcs8_der(plain.as_bytes())
    }

    /// Parses a SEC1 `ECPrivateKey`.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self> {
        let key = sec1::EcPrivateKey::from_der(der).map_err(key_err)?;
        let curve = key
            .parameters
            .and_then(|p| p.named_curve())
            .ok_or_else(|| key_err("SEC1 key without a named curve"))?;
        match curve {
            oid::P256 => p256::ecdsa::SigningKey::from_slice(key.private_key)
                .map(PrivateKey::P256)
                .map_err(key_err),
            oid::P384 => p384::ecdsa::SigningKey::from_slice(key.private_key)
                .map(PrivateKey::P384)
                .map_err(key_err),
            other => Err(Error::Unsupported(format!("elliptic curve {other}"))),
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> Result<PublicKey> {
        match self {
            PrivateKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                RsaPublicKey::from_components(&k.n_bytes(), &k.e_bytes()).map(PublicKey::Rsa)
            }
            PrivateKey::P256(k) => Ok(PublicKey::P256(*k.verifying_key())),
            PrivateKey::P384(k) => Ok(PublicKey::P384(*k.verifying_key())),
        }
    }

    /// Type and size.
    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                KeyKind::Rsa {
                    bits: k.n().bit_width() as usize,
                }
            }
            PrivateKey::P256(_) => KeyKind::P256,
            PrivateKey::P384(_) => KeyKind::P384,
        }
    }

    /// DER SubjectPublicKeyInfo of the matching public key, to find the certificate that
    /// belongs to this key.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>> {
        use spki::EncodePublicKey;
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::P384(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(key_err)?;
        Ok(doc.as_bytes().to_vec())
    }

    /// Signs a digest. RSA PKCS#1 v1.5 is deterministic; PSS and ECDSA use the system RNG
    /// (ECDSA through RFC 6979 deterministic nonces). ECDSA output is DER.
    pub fn sign_digest(&self, algorithm: SignatureAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        if digest.len() != algorithm.digest.output_len() {
            return Err(Error::InvalidOption(
                "digest length does not match its algorithm".into(),
            ));
        }
        use DigestAlgorithm as D;
        let signer_err = |e: rsa::Error| Error::Signer(e.to_string());
        match (self, algorithm.scheme) {
            (PrivateKey::Rsa(k), SignatureScheme::RsaPkcs1v15) => match algorithm.digest {
                D::Sha1 => k.pkcs1v15_sign_prehash::<sha1::Sha1>(digest),
                D::Sha256 => k.pkcs1v15_sign_prehash::<sha2::Sha256>(digest),
                D::Sha384 => k.pkcs1v15_sign_prehash::<sha2::Sha384>(digest),
                D::Sha512 => k.pkcs1v15_sign_prehash::<sha2::Sha512>(digest),
            }
            .map_err(signer_err),
            (PrivateKey::Rsa(k), SignatureScheme::RsaPss) => match algorithm.digest {
                D::Sha1 => k.pss_sign_prehash::<sha1::Sha1>(digest),
                D::Sha256 => k.pss_sign_prehash::<sha2::Sha256>(digest),
                D::Sha384 => k.pss_sign_prehash::<sha2::Sha384>(digest),
                D::Sha512 => k.pss_sign_prehash::<sha2::Sha512>(digest),
            }
            .map_err(signer_err),
            (PrivateKey::P256(k), SignatureScheme::Ecdsa) => {
                use ecdsa::signature::hazmat::PrehashSigner;
                let sig: p256::ecdsa::Signature = k
                    .sign_prehash(digest)
                    .map_err(|e| Error::Signer(e.to_string()))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            (PrivateKey::P384(k), SignatureScheme::Ecdsa) => {
                use ecdsa::signature::hazmat::PrehashSigner;
                let sig: p384::ecdsa::Signature = k
                    .sign_prehash(digest)
                    .map_err(|e| Error::Signer(e.to_string()))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            (key, scheme) => Err(Error::SigningRefused(format!(
                "{scheme:?} with a {} key",
                key.kind()
            ))),
        }
    }

    /// The signature algorithm this key makes by default for a digest (PKCS#1 v1.5 for RSA).
    pub fn default_algorithm(&self, digest: DigestAlgorithm) -> SignatureAlgorithm {
        let scheme = match self {
            PrivateKey::Rsa(_) => SignatureScheme::RsaPkcs1v15,
            PrivateKey::P256(_) | PrivateKey::P384(_) => SignatureScheme::Ecdsa,
        };
        SignatureAlgorithm { scheme, digest }
    }
}
