//! Public and private keys: parsing, verifying and signing raw digests.

use der::Decode;
use pkcs8::DecodePrivateKey;
use spki::SubjectPublicKeyInfoRef;

use super::DigestAlgorithm;
use super::algorithm::{SignatureAlgorithm, SignatureScheme, oid};
use super::key_kind::KeyKind;
use crate::error::{Error, Format, Result};

/// Smallest and largest RSA modulus accepted, in bits. Nothing legitimate is smaller; larger
/// moduli would let one signature cost seconds of arithmetic.
const MIN_MODULUS_BITS: usize = 1024;
const MAX_MODULUS_BITS: usize = 8192;
/// Largest public exponent accepted (as ring and the `rsa` crate: 2³³ − 1); the work of a
/// verification grows with it.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// An RSA public key.
///
/// Verification goes through ring where ring has the algorithm for the key's size (over the
/// message), and through the `rsa` crate otherwise (over the digest): see
/// [`PublicKey::verify`].
#[derive(Clone, Debug)]
pub struct RsaPublicKey {
    /// Big-endian, without leading zeros.
    modulus: Vec<u8>,
    /// Big-endian, without leading zeros.
    exponent: Vec<u8>,
}

impl RsaPublicKey {
    /// A key from its modulus and public exponent (big-endian, leading zeros allowed).
    ///
    /// Refused: an even modulus, one under 1024 or over 8192 bits, and a public exponent that
    /// is even, below 3 or above 2³³ − 1. These are ring's rules for every RSA algorithm it
    /// verifies (its ranges start at 1024 or 2048 bits), so a key kyso holds is never one
    /// ring would reject.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self> {
        let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|&x| x == 0).collect() };
        let key = RsaPublicKey {
            modulus: strip(modulus),
            exponent: strip(exponent),
        };
        let bits = key.bits();
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits)
            || key.modulus.last().is_none_or(|low| low & 1 == 0)
        {
            return Err(Error::Unsupported(format!(
                "RSA public key: a modulus of {bits} bits (odd, {MIN_MODULUS_BITS} to \
                 {MAX_MODULUS_BITS} bits required)"
            )));
        }
        let e = (key.exponent.len() <= 8)
            .then(|| {
                key.exponent
                    .iter()
                    .fold(0u64, |e, &b| (e << 8) | u64::from(b))
            })
            .filter(|&e| (3..=MAX_EXPONENT).contains(&e) && e & 1 == 1);
        if e.is_none() {
            return Err(Error::Unsupported(
                "RSA public key: the public exponent is even, below 3 or above 2^33 - 1".into(),
            ));
        }
        Ok(key)
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

    /// Verifies over the message: ring when it has the algorithm for this key's size, the
    /// `rsa` crate over the digest otherwise.
    fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        let Some(parameters) = ring_parameters(algorithm, self.bits()) else {
            return self.verify_digest(algorithm, &algorithm.digest.digest(message), signature);
        };
        let key = ring::signature::RsaPublicKeyComponents {
            n: &self.modulus,
            e: &self.exponent,
        };
        // ring answers every failure with the same `Unspecified`, a rejected key included.
        // Here the key cannot be the reason: `from_components` holds it to ring's own rules
        // (odd modulus without leading zeros, at most 8192 bits; odd exponent from 3 to
        // 2³³ − 1) and `ring_parameters` chose parameters whose minimum size the key meets.
        // What is left is the signature: a wrong length, a value not below the modulus, or an
        // encoding that does not match. So `Err` is "does not verify".
        Ok(key.verify(parameters, message, signature).is_ok())
    }

    /// Verifies over a digest with the `rsa` crate.
    fn verify_digest(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        use DigestAlgorithm as D;
        use rsa::Pkcs1v15Sign;
        use rsa::pss::Pss;
        let key = self.rsa_crate_key()?;
        let verified = match (algorithm.scheme, algorithm.salt_len()) {
            (SignatureScheme::RsaPss, Some(salt)) => match algorithm.digest {
                D::Sha1 => key.verify(Pss::<sha1::Sha1>::new_with_salt(salt), digest, signature),
                D::Sha256 => {
                    key.verify(Pss::<sha2::Sha256>::new_with_salt(salt), digest, signature)
                }
                D::Sha384 => {
                    key.verify(Pss::<sha2::Sha384>::new_with_salt(salt), digest, signature)
                }
                D::Sha512 => {
                    key.verify(Pss::<sha2::Sha512>::new_with_salt(salt), digest, signature)
                }
            },
            _ => {
                let padding = match algorithm.digest {
                    D::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                    D::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                    D::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                    D::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                key.verify(padding, digest, signature)
            }
        };
        match verified {
            Ok(()) => Ok(true),
            Err(rsa::Error::Verification) => Ok(false),
            // The digest's length was checked by the caller and the key was accepted by the
            // crate: nothing else is expected, and nothing else is read as a bad signature.
            Err(e) => Err(Error::Unsupported(format!("RSA verification: {e}"))),
        }
    }

    /// The key as the `rsa` crate holds it. Built for each digest-level verification, which
    /// is rare (CMS without signed attributes, remote-signing checks, what ring lacks).
    fn rsa_crate_key(&self) -> Result<rsa::PublicKey> {
        let uint = |be: &[u8]| {
            let bits = u32::try_from(be.len() * 8).map_err(key_err)?;
            rsa::BoxedUint::from_be_slice(be, bits).map_err(key_err)
        };
        rsa::PublicKey::new_with_size_limits(
            uint(&self.modulus)?,
            uint(&self.exponent)?,
            MIN_MODULUS_BITS..=MAX_MODULUS_BITS,
        )
        .map_err(|e| Error::Unsupported(format!("RSA public key: {e}")))
    }
}

/// ring's verification parameters for `algorithm` with a key of `bits` bits, when ring has
/// them. Each entry's first number is the smallest key ring accepts with it (all go up to
/// 8192 bits, kyso's own limit); the first entry the key is large enough for is taken.
///
/// Not in ring, so left to the `rsa` crate: SHA-384 with keys under 2048 bits, PSS with
/// SHA-1, with a salt other than the digest's length, or with keys under 2048 bits.
fn ring_parameters(
    algorithm: SignatureAlgorithm,
    bits: usize,
) -> Option<&'static ring::signature::RsaParameters> {
    use DigestAlgorithm as D;
    use SignatureScheme as S;
    use ring::signature as r;
    let candidates: &[(usize, &'static r::RsaParameters)] =
        match (algorithm.scheme, algorithm.digest) {
            (S::RsaPkcs1v15, D::Sha1) => &[
                (2048, &r::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
                (1024, &r::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
            ],
            (S::RsaPkcs1v15, D::Sha256) => &[
                (2048, &r::RSA_PKCS1_2048_8192_SHA256),
                (1024, &r::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
            ],
            (S::RsaPkcs1v15, D::Sha384) => &[(2048, &r::RSA_PKCS1_2048_8192_SHA384)],
            (S::RsaPkcs1v15, D::Sha512) => &[
                (2048, &r::RSA_PKCS1_2048_8192_SHA512),
                (1024, &r::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
            ],
            // ring's PSS salt is as long as the digest, nothing else.
            (S::RsaPss, digest) if algorithm.salt_len() == Some(digest.output_len()) => {
                match digest {
                    D::Sha1 => &[],
                    D::Sha256 => &[(2048, &r::RSA_PSS_2048_8192_SHA256)],
                    D::Sha384 => &[(2048, &r::RSA_PSS_2048_8192_SHA384)],
                    D::Sha512 => &[(2048, &r::RSA_PSS_2048_8192_SHA512)],
                }
            }
            _ => &[],
        };
    (bits <= MAX_MODULUS_BITS)
        .then(|| candidates.iter().find(|(min, _)| bits >= *min))
        .flatten()
        .map(|(_, parameters)| *parameters)
}

/// A public key that verifies signatures.
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

    /// Verifies `signature` over `message`, which is hashed with `algorithm.digest`.
    ///
    /// RSA goes through ring where ring has the algorithm for the key's size (PKCS#1 v1.5
    /// with SHA-256/384/512 from 2048 bits, SHA-1, SHA-256 and SHA-512 from 1024 bits; PSS
    /// with SHA-256/384/512 and a digest-long salt from 2048 bits), and through the `rsa`
    /// crate otherwise. ECDSA hashes, then verifies the digest.
    ///
    /// `Ok(false)` means the signature is cryptographically wrong. `Err` means the question
    /// could not be asked: [`Error::AlgorithmKeyMismatch`] when the algorithm cannot be made
    /// with this type of key (an RSA scheme with an EC key, ECDSA with an RSA key).
    /// ECDSA signatures are accepted as DER or as fixed-size `r‖s`.
    pub fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        self.check_fits(algorithm)?;
        match self {
            PublicKey::Rsa(k) => k.verify(algorithm, message, signature),
            PublicKey::P256(_) | PublicKey::P384(_) => {
                self.verify_digest(algorithm, &algorithm.digest.digest(message), signature)
            }
        }
    }

    /// Verifies `signature` over `digest` (already hashed with `algorithm.digest`), for
    /// callers that have only the digest; [`PublicKey::verify`] is preferred when the message
    /// is at hand. RSA goes through the `rsa` crate.
    ///
    /// `Ok(false)` means the signature is cryptographically wrong; `Err` means the question
    /// could not be asked ([`Error::AlgorithmKeyMismatch`] for a key of the wrong type, a
    /// digest of the wrong length). ECDSA signatures are accepted as DER or as fixed-size
    /// `r‖s`.
    pub fn verify_digest(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        self.check_fits(algorithm)?;
        if digest.len() != algorithm.digest.output_len() {
            return Err(Error::InvalidOption(format!(
                "digest of {} bytes for {}",
                digest.len(),
                algorithm.digest.name()
            )));
        }
        use ecdsa::signature::hazmat::PrehashVerifier;
        match self {
            PublicKey::Rsa(k) => k.verify_digest(algorithm, digest, signature),
            PublicKey::P256(k) => {
                let Some(sig) = ecdsa_signature!(p256, signature) else {
                    return Ok(false);
                };
                Ok(k.verify_prehash(digest, &sig).is_ok())
            }
            PublicKey::P384(k) => {
                let Some(sig) = ecdsa_signature!(p384, signature) else {
                    return Ok(false);
                };
                Ok(k.verify_prehash(digest, &sig).is_ok())
            }
        }
    }

    /// Refuses an algorithm that cannot be made with this type of key.
    fn check_fits(&self, algorithm: SignatureAlgorithm) -> Result<()> {
        if algorithm.scheme.fits(self.kind()) {
            Ok(())
        } else {
            Err(Error::AlgorithmKeyMismatch {
                algorithm: algorithm.name(),
                key: self.kind().to_string(),
            })
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
        for block in super::armour::pem_blocks(text)? {
            let der = block.contents.as_slice();
            match block.label.as_str() {
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

    /// Signs a digest. RSA PKCS#1 v1.5 is deterministic; PSS (with the algorithm's salt
    /// length) and ECDSA use the system RNG (ECDSA through RFC 6979 deterministic nonces).
    /// ECDSA output is DER.
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
            (PrivateKey::Rsa(k), SignatureScheme::RsaPss) => {
                use rsa::pss::Pss;
                let salt = algorithm
                    .salt_len()
                    .unwrap_or(algorithm.digest.output_len());
                match algorithm.digest {
                    D::Sha1 => k.sign(Pss::<sha1::Sha1>::new_with_salt(salt), digest),
                    D::Sha256 => k.sign(Pss::<sha2::Sha256>::new_with_salt(salt), digest),
                    D::Sha384 => k.sign(Pss::<sha2::Sha384>::new_with_salt(salt), digest),
                    D::Sha512 => k.sign(Pss::<sha2::Sha512>::new_with_salt(salt), digest),
                }
                .map_err(signer_err)
            }
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
        SignatureAlgorithm::new(scheme, digest)
    }
}

/// The deterministic generator the integration tests and benchmarks use too.
#[cfg(test)]
#[path = "../../tests/common/rng.rs"]
mod test_rng;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    use super::test_rng::Rng;

    impl rsa::rand_core::TryCryptoRng for Rng {}

    const DIGESTS: [DigestAlgorithm; 4] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/pki/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn fixture_rsa(name: &str) -> rsa::PrivateKey {
        match PrivateKey::from_pem(&fixture(&format!("{name}.key.pem")), None).unwrap() {
            PrivateKey::Rsa(k) => *k,
            other => panic!("{other:?} is not RSA"),
        }
    }

    /// Generated once per test run: no fixture has a 4096-bit key.
    fn rsa_4096() -> &'static rsa::PrivateKey {
        static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| rsa::PrivateKey::new(&mut Rng(0x6b79_736f_4096), 4096).unwrap())
    }

    /// RSA keys of 1024, 2048, 3072 and 4096 bits.
    fn rsa_keys() -> Vec<rsa::PrivateKey> {
        vec![
            fixture_rsa("weak-rsa1024"),
            fixture_rsa("leader"),
            fixture_rsa("business"),
            rsa_4096().clone(),
        ]
    }

    fn public(key: &rsa::PrivateKey) -> PublicKey {
        PrivateKey::Rsa(Box::new(key.clone())).public_key().unwrap()
    }

    fn modulus(key: &PublicKey) -> Vec<u8> {
        match key {
            PublicKey::Rsa(k) => k.modulus().to_vec(),
            other => panic!("{other:?} is not RSA"),
        }
    }

    /// Whether a PSS encoding with this digest and salt fits a key of `bits` bits.
    fn pss_fits(bits: usize, algorithm: SignatureAlgorithm) -> bool {
        let salt = algorithm.salt_len().unwrap_or(0);
        (bits - 1).div_ceil(8) >= algorithm.digest.output_len() + salt + 2
    }

    /// Signs `digest` with the `rsa` crate directly (not through kyso's signing code), with
    /// the algorithm's padding and PSS salt length.
    fn rsa_sign(
        key: &rsa::PrivateKey,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        rng: &mut Rng,
    ) -> Vec<u8> {
        use DigestAlgorithm as D;
        use rsa::Pkcs1v15Sign;
        use rsa::pss::Pss;
        match algorithm.salt_len() {
            Some(salt) => match algorithm.digest {
                D::Sha1 => key.sign_with_rng(rng, Pss::<sha1::Sha1>::new_with_salt(salt), digest),
                D::Sha256 => {
                    key.sign_with_rng(rng, Pss::<sha2::Sha256>::new_with_salt(salt), digest)
                }
                D::Sha384 => {
                    key.sign_with_rng(rng, Pss::<sha2::Sha384>::new_with_salt(salt), digest)
                }
                D::Sha512 => {
                    key.sign_with_rng(rng, Pss::<sha2::Sha512>::new_with_salt(salt), digest)
                }
            },
            None => {
                let padding = match algorithm.digest {
                    D::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                    D::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                    D::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                    D::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                key.sign_with_rng(rng, padding, digest)
            }
        }
        .unwrap_or_else(|e| panic!("{}: {e}", algorithm.name()))
    }

    /// Both paths' answers for one signature: over the message and over its digest.
    fn both(
        key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        sig: &[u8],
    ) -> [bool; 2] {
        let digest = algorithm.digest.digest(message);
        [
            key.verify(algorithm, message, sig).unwrap(),
            key.verify_digest(algorithm, &digest, sig).unwrap(),
        ]
    }

    /// Every way of spoiling a signature for a key with this modulus.
    fn tampered(signature: &[u8], modulus: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        let len = signature.len();
        let flip = |at: usize, bit: u8| {
            let mut s = signature.to_vec();
            s[at] ^= bit;
            s
        };
        let mut padded_modulus = vec![0; len - modulus.len()];
        padded_modulus.extend_from_slice(modulus);
        vec![
            ("first bit flipped", flip(0, 0x80)),
            ("middle bit flipped", flip(len / 2, 0x10)),
            ("last bit flipped", flip(len - 1, 0x01)),
            ("truncated", signature[..len - 1].to_vec()),
            ("first byte dropped", signature[1..].to_vec()),
            ("empty", Vec::new()),
            ("leading zero added", [&[0], signature].concat()),
            ("trailing zero added", [signature, &[0]].concat()),
            ("equal to the modulus", padded_modulus),
            ("above the modulus", vec![0xFF; len]),
            ("zero", vec![0; len]),
        ]
    }

    fn algorithms() -> impl Iterator<Item = SignatureAlgorithm> {
        DIGESTS.into_iter().flat_map(|d| {
            [
                SignatureAlgorithm::rsa_pkcs1(d),
                SignatureAlgorithm::rsa_pss(d),
            ]
        })
    }

    #[test]
    fn rsa_crate_signatures_verify_through_both_paths_for_every_digest_scheme_and_size() {
        let mut rng = Rng(0x6b79_736f);
        for private in rsa_keys() {
            let key = public(&private);
            let bits = key.kind().bits();
            for algorithm in algorithms() {
                if algorithm.scheme == SignatureScheme::RsaPss && !pss_fits(bits, algorithm) {
                    continue; // SHA-512 with a digest-long salt needs more than 1024 bits
                }
                let message = format!("{bits} {}", algorithm.name()).into_bytes();
                let digest = algorithm.digest.digest(&message);
                let signature = rsa_sign(&private, algorithm, &digest, &mut rng);
                let case = format!("RSA {bits} {}", algorithm.name());
                assert_eq!(
                    both(&key, algorithm, &message, &signature),
                    [true; 2],
                    "{case}"
                );
                // kyso's own signing gives signatures both paths accept too.
                let ours = PrivateKey::Rsa(Box::new(private.clone()))
                    .sign_digest(algorithm, &digest)
                    .unwrap();
                assert_eq!(both(&key, algorithm, &message, &ours), [true; 2], "{case}");
            }
        }
    }

    #[test]
    fn every_tampering_is_refused_by_both_paths() {
        let mut rng = Rng(0x7461_6d70);
        for private in rsa_keys() {
            let key = public(&private);
            let bits = key.kind().bits();
            let n = modulus(&key);
            for algorithm in algorithms() {
                if algorithm.scheme == SignatureScheme::RsaPss && !pss_fits(bits, algorithm) {
                    continue;
                }
                let case = format!("RSA {bits} {}", algorithm.name());
                let message = b"Hoa don gia tri gia tang".to_vec();
                let digest = algorithm.digest.digest(&message);
                let signature = rsa_sign(&private, algorithm, &digest, &mut rng);
                for (what, bad) in tampered(&signature, &n) {
                    assert_eq!(
                        both(&key, algorithm, &message, &bad),
                        [false; 2],
                        "{case}: {what}"
                    );
                }
                let mut other = message.clone();
                other[3] ^= 0x01;
                assert_eq!(
                    both(&key, algorithm, &other, &signature),
                    [false; 2],
                    "{case}: message changed"
                );
                // The same signature read under every other digest, and under the other
                // padding.
                for digest in DIGESTS.into_iter().filter(|&d| d != algorithm.digest) {
                    let wrong = SignatureAlgorithm::new(algorithm.scheme, digest);
                    assert_eq!(
                        both(&key, wrong, &message, &signature),
                        [false; 2],
                        "{case} read as {}",
                        wrong.name()
                    );
                }
                let other_padding = match algorithm.scheme {
                    SignatureScheme::RsaPss => SignatureAlgorithm::rsa_pkcs1(algorithm.digest),
                    _ => SignatureAlgorithm::rsa_pss(algorithm.digest),
                };
                assert_eq!(
                    both(&key, other_padding, &message, &signature),
                    [false; 2],
                    "{case} read as {}",
                    other_padding.name()
                );
            }
        }
    }

    #[test]
    fn the_declared_pss_salt_length_is_the_only_one_accepted() {
        let mut rng = Rng(0x7361_6c74);
        // 2048 bits: a digest-long salt goes through ring, others through the `rsa` crate;
        // 1024 bits: everything through the `rsa` crate; 1025 bits: modBits − 1 is a multiple
        // of 8, so the encoded message is one byte shorter than the modulus.
        let short_em = rsa::PrivateKey::new(&mut rng, 1025).unwrap();
        for private in [fixture_rsa("leader"), fixture_rsa("weak-rsa1024"), short_em] {
            let key = public(&private);
            let bits = key.kind().bits();
            for digest in DIGESTS {
                let max = (bits - 1).div_ceil(8) - digest.output_len() - 2;
                let salts: Vec<u16> = [0, 20, 32, digest.output_len(), max]
                    .into_iter()
                    .filter(|&s| s <= max)
                    .map(|s| s as u16)
                    .collect();
                let message = b"salt".as_slice();
                let hash = digest.digest(message);
                for &made in &salts {
                    let made_with = SignatureAlgorithm::rsa_pss_with_salt(digest, made);
                    let signature = rsa_sign(&private, made_with, &hash, &mut rng);
                    for &declared in &salts {
                        let declared = SignatureAlgorithm::rsa_pss_with_salt(digest, declared);
                        let expected = declared == made_with;
                        assert_eq!(
                            both(&key, declared, message, &signature),
                            [expected; 2],
                            "RSA {bits}: made as {}, declared {}",
                            made_with.name(),
                            declared.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_pss_identifier_s_salt_length_governs_verification() {
        let private = fixture_rsa("leader");
        let key = public(&private);
        let message = b"tbsCertificate".as_slice();
        let hash = DigestAlgorithm::Sha256.digest(message);
        let mut rng = Rng(1);
        let salt_32 = rsa_sign(
            &private,
            SignatureAlgorithm::rsa_pss(DigestAlgorithm::Sha256),
            &hash,
            &mut rng,
        );
        let salt_20 = rsa_sign(
            &private,
            SignatureAlgorithm::rsa_pss_with_salt(DigestAlgorithm::Sha256, 20),
            &hash,
            &mut rng,
        );
        // RSASSA-PSS-params { sha256, mgf1SHA256 } without saltLength (so the DEFAULT, 20),
        // and the same with saltLength 32.
        let params_20 = hex::decode(
            "302fa00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06\
             096086480165030402010500",
        )
        .unwrap();
        let params_32 = hex::decode(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06\
             096086480165030402010500a203020120",
        )
        .unwrap();
        // kyso writes exactly these (DER leaves the DEFAULT out).
        let declared_20 = SignatureAlgorithm::rsa_pss_with_salt(DigestAlgorithm::Sha256, 20);
        let declared_32 = SignatureAlgorithm::rsa_pss(DigestAlgorithm::Sha256);
        assert_eq!(
            declared_20.parameters_der().unwrap(),
            Some(params_20.clone())
        );
        assert_eq!(
            declared_32.parameters_der().unwrap(),
            Some(params_32.clone())
        );
        for (params, accepts, refuses) in [
            (&params_20, &salt_20, &salt_32),
            (&params_32, &salt_32, &salt_20),
        ] {
            let algorithm =
                SignatureAlgorithm::from_algorithm_identifier(&oid::RSASSA_PSS, Some(params), None)
                    .unwrap();
            assert_eq!(algorithm.digest, DigestAlgorithm::Sha256);
            assert_eq!(both(&key, algorithm, message, accepts), [true; 2]);
            assert_eq!(both(&key, algorithm, message, refuses), [false; 2]);
        }
    }

    #[test]
    fn keys_of_the_wrong_type_are_typed_mismatches_from_both_paths() {
        let rsa = public(&fixture_rsa("leader"));
        let p256 = PrivateKey::from_pem(&fixture("ecdsa.key.pem"), None)
            .unwrap()
            .public_key()
            .unwrap();
        assert_eq!(p256.kind(), KeyKind::P256);
        let p384_private = PrivateKey::P384(p384::ecdsa::SigningKey::from_slice(&[7; 48]).unwrap());
        let p384 = p384_private.public_key().unwrap();
        let cases = [
            (&rsa, SignatureAlgorithm::ecdsa(DigestAlgorithm::Sha256)),
            (&rsa, SignatureAlgorithm::ecdsa(DigestAlgorithm::Sha384)),
            (
                &p256,
                SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256),
            ),
            (&p256, SignatureAlgorithm::rsa_pss(DigestAlgorithm::Sha256)),
            (
                &p384,
                SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha384),
            ),
            (
                &p384,
                SignatureAlgorithm::rsa_pss_with_salt(DigestAlgorithm::Sha384, 20),
            ),
        ];
        for (key, algorithm) in cases {
            let digest = algorithm.digest.digest(b"m");
            for result in [
                key.verify(algorithm, b"m", &[1; 64]),
                key.verify_digest(algorithm, &digest, &[1; 64]),
                // The mismatch is named even when the digest is of the wrong length too.
                key.verify_digest(algorithm, &[0; 3], &[1; 64]),
            ] {
                match result {
                    Err(Error::AlgorithmKeyMismatch {
                        algorithm: named,
                        key: kind,
                    }) => {
                        assert_eq!(named, algorithm.name());
                        assert_eq!(kind, key.kind().to_string());
                    }
                    other => panic!("{} with {}: {other:?}", algorithm.name(), key.kind()),
                }
            }
        }
        // ECDSA with any supported curve and any digest is no mismatch.
        let p256_private = PrivateKey::from_pem(&fixture("ecdsa.key.pem"), None).unwrap();
        for (private, key) in [(&p256_private, &p256), (&p384_private, &p384)] {
            for digest in DIGESTS {
                let algorithm = SignatureAlgorithm::ecdsa(digest);
                let signature = private
                    .sign_digest(algorithm, &digest.digest(b"m"))
                    .unwrap();
                assert_eq!(both(key, algorithm, b"m", &signature), [true; 2]);
                assert_eq!(both(key, algorithm, b"n", &signature), [false; 2]);
            }
        }
    }

    #[test]
    fn ring_is_chosen_exactly_where_it_has_the_algorithm_for_the_key_size() {
        use DigestAlgorithm as D;
        use ring::signature as r;
        let pkcs1 = SignatureAlgorithm::rsa_pkcs1;
        let pss = SignatureAlgorithm::rsa_pss;
        let same = |got: Option<&'static r::RsaParameters>,
                    want: Option<&'static r::RsaParameters>| {
            match (got, want) {
                (Some(g), Some(w)) => std::ptr::eq(g, w),
                (None, None) => true,
                _ => false,
            }
        };
        let table: &[(SignatureAlgorithm, usize, Option<&'static r::RsaParameters>)] = &[
            (
                pkcs1(D::Sha1),
                1024,
                Some(&r::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
            ),
            (
                pkcs1(D::Sha1),
                2047,
                Some(&r::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
            ),
            (
                pkcs1(D::Sha1),
                2048,
                Some(&r::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
            ),
            (
                pkcs1(D::Sha256),
                1024,
                Some(&r::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
            ),
            (pkcs1(D::Sha256), 2048, Some(&r::RSA_PKCS1_2048_8192_SHA256)),
            (pkcs1(D::Sha256), 8192, Some(&r::RSA_PKCS1_2048_8192_SHA256)),
            (pkcs1(D::Sha384), 1024, None),
            (pkcs1(D::Sha384), 2047, None),
            (pkcs1(D::Sha384), 3072, Some(&r::RSA_PKCS1_2048_8192_SHA384)),
            (
                pkcs1(D::Sha512),
                1024,
                Some(&r::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
            ),
            (pkcs1(D::Sha512), 4096, Some(&r::RSA_PKCS1_2048_8192_SHA512)),
            (pss(D::Sha1), 2048, None),
            (pss(D::Sha256), 1024, None),
            (pss(D::Sha256), 2048, Some(&r::RSA_PSS_2048_8192_SHA256)),
            (pss(D::Sha384), 4096, Some(&r::RSA_PSS_2048_8192_SHA384)),
            (pss(D::Sha512), 3072, Some(&r::RSA_PSS_2048_8192_SHA512)),
            (
                SignatureAlgorithm::rsa_pss_with_salt(D::Sha256, 20),
                2048,
                None,
            ),
            (
                SignatureAlgorithm::rsa_pss_with_salt(D::Sha256, 32),
                2048,
                Some(&r::RSA_PSS_2048_8192_SHA256),
            ),
            (SignatureAlgorithm::ecdsa(D::Sha256), 2048, None),
            // Beyond kyso's limit (never reached: such keys are refused on parsing).
            (pkcs1(D::Sha256), 8193, None),
        ];
        for &(algorithm, bits, want) in table {
            assert!(
                same(ring_parameters(algorithm, bits), want),
                "{} with {bits} bits",
                algorithm.name()
            );
        }
    }

    #[test]
    fn the_smallest_exponent_kyso_accepts_verifies_through_ring() {
        // A key kyso accepts must never be one ring rejects, or ring's `Err` would read as a
        // bad signature: exponent 3, ring's minimum too, through ring's 2048-bit parameters.
        let mut rng = Rng(3);
        let e3 = rsa::PrivateKey::new_with_exp(&mut rng, 2048, 3u64.into()).unwrap();
        let key = public(&e3);
        let algorithm = SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256);
        assert!(ring_parameters(algorithm, key.kind().bits()).is_some());
        let signature = rsa_sign(&e3, algorithm, &algorithm.digest.digest(b"e3"), &mut rng);
        assert_eq!(both(&key, algorithm, b"e3", &signature), [true; 2]);
    }

    /// A random odd modulus of exactly `bits` bits.
    fn odd_modulus(rng: &mut Rng, bits: usize) -> Vec<u8> {
        let mut n = rng.bytes(bits.div_ceil(8));
        let top_bits = bits - 8 * (n.len() - 1);
        n[0] &= 0xFF >> (8 - top_bits);
        n[0] |= 1 << (top_bits - 1);
        if let Some(low) = n.last_mut() {
            *low |= 1;
        }
        n
    }

    #[test]
    fn keys_outside_the_accepted_shapes_are_refused() {
        let mut rng = Rng(9);
        let n = odd_modulus(&mut rng, 2048);
        let mut even = n.clone();
        if let Some(low) = even.last_mut() {
            *low &= 0xFE;
        }
        for (what, modulus) in [
            ("even", even),
            ("1023 bits", odd_modulus(&mut rng, 1023)),
            ("512 bits", odd_modulus(&mut rng, 512)),
            ("8193 bits", odd_modulus(&mut rng, 8193)),
            ("empty", Vec::new()),
            ("zero", vec![0; 256]),
        ] {
            assert!(
                matches!(
                    RsaPublicKey::from_components(&modulus, &[1, 0, 1]),
                    Err(Error::Unsupported(_))
                ),
                "{what}"
            );
        }
        let too_large = ((1u64 << 33) + 1).to_be_bytes();
        for e in [&[][..], &[0], &[1], &[2], &[1, 0, 0], &too_large, &[1; 9]] {
            assert!(
                matches!(
                    RsaPublicKey::from_components(&n, e),
                    Err(Error::Unsupported(_))
                ),
                "exponent {e:?}"
            );
        }
        // The bounds themselves, and leading zeros, which are not part of the number.
        let largest = ((1u64 << 33) - 1).to_be_bytes();
        for (modulus, e) in [
            (odd_modulus(&mut rng, 1024), &[3][..]),
            (odd_modulus(&mut rng, 8192), &largest[..]),
            ([&[0, 0][..], &n].concat(), &[0, 1, 0, 1][..]),
        ] {
            let key = RsaPublicKey::from_components(&modulus, e).unwrap();
            assert_eq!(
                key.modulus(),
                modulus.strip_prefix(&[0, 0]).unwrap_or(&modulus)
            );
            assert_eq!(key.exponent().first().map(|&b| b != 0), Some(true));
        }
        assert_eq!(
            RsaPublicKey::from_components(&n, &[1, 0, 1])
                .unwrap()
                .bits(),
            2048
        );
    }
}
