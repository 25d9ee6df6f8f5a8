//! The [`Signer`] trait and the signer for keys held in files.
//!
//! Every place a key can live — a PKCS#12 file, a PEM key, a PKCS#11 token, a remote signing
//! service — fits the same two questions: which certificates, and sign this digest.

use der::{Decode, Encode};

use super::{DigestAlgorithm, PrivateKey, SignatureAlgorithm, SignatureScheme};
use crate::error::{Error, Format, Result};

/// Something that signs digests with one certificate's key.
///
/// Implement this for a token or a remote service; kyso's signing functions call
/// [`Signer::sign_message`] (by default [`Signer::sign_digest`]) exactly once per signature. A service that answers later (after
/// the user confirms on a phone) uses the `prepare`/`finish` functions of each format instead.
pub trait Signer {
    /// DER certificates: the signing certificate first, then its issuers (root optional).
    fn certificate_chain(&self) -> &[Vec<u8>];

    /// The algorithm this signer uses for a given digest.
    fn signature_algorithm(&self, digest: DigestAlgorithm) -> SignatureAlgorithm;

    /// Signs a digest computed with `algorithm.digest`. RSA returns the PKCS#1 signature;
    /// ECDSA may return DER or `r‖s` (kyso normalises).
    fn sign_digest(&self, algorithm: SignatureAlgorithm, digest: &[u8]) -> Result<Vec<u8>>;

    /// Signs `message`, whose `algorithm.digest` is `digest`. kyso calls this when it holds
    /// the message (signing in one step); by default the digest is signed. A signer whose
    /// library signs only whole messages overrides it.
    fn sign_message(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        digest: &[u8],
    ) -> Result<Vec<u8>> {
        let _ = message;
        self.sign_digest(algorithm, digest)
    }
}

/// A signer whose private key is in memory: from PKCS#12, or a PEM key plus certificates.
///
/// ```no_run
/// use kyso::crypto::KeyFileSigner;
/// let p12 = std::fs::read("fixtures/pki/business.p12")?;
/// let signer = KeyFileSigner::from_pkcs12(&p12, "kyso-test")?;
/// # Ok::<(), kyso::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeyFileSigner {
    key: PrivateKey,
    chain: Vec<Vec<u8>>,
    rsa_scheme: SignatureScheme,
    /// The RSA key again, for ring's constant-time signing of whole messages (2048 to 4096
    /// bits; other keys sign through `key`).
    ring_rsa: Option<std::sync::Arc<ring::signature::RsaKeyPair>>,
}

impl KeyFileSigner {
    /// A signer from a key and certificates in any order; the certificate matching the key
    /// goes first and the rest are ordered issuer after subject where they chain.
    pub fn new(key: PrivateKey, certificates: Vec<Vec<u8>>) -> Result<Self> {
        let chain = order_chain(&key, certificates)?;
        let ring_rsa = match &key {
            PrivateKey::Rsa(k) => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                k.to_pkcs1_der()
                    .ok()
                    .and_then(|der| ring::signature::RsaKeyPair::from_der(der.as_bytes()).ok())
                    .map(std::sync::Arc::new)
            }
            _ => None,
        };
        Ok(KeyFileSigner {
            key,
            chain,
            rsa_scheme: SignatureScheme::RsaPkcs1v15,
            ring_rsa,
        })
    }

    /// Opens a PKCS#12 file (modern PBES2/AES with HMAC-SHA-256, or legacy 3DES/RC2 with
    /// SHA-1 MAC).
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Self> {
        let (key, certs) = read_pkcs12(data, password)?;
        Self::new(key, certs)
    }

    /// A signer from a PEM private key (optionally encrypted) and PEM certificates (the
    /// certificates may also be in the key's text).
    pub fn from_pem(
        key_pem: &[u8],
        password: Option<&str>,
        certificates_pem: &[u8],
    ) -> Result<Self> {
        let key = PrivateKey::from_pem(key_pem, password)?;
        let mut certs = pem_certificates(certificates_pem)?;
        if certs.is_empty() {
            certs = pem_certificates(key_pem)?;
        }
        Self::new(key, certs)
    }

    /// Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys only; no effect on EC keys).
    pub fn with_rsa_pss(mut self) -> Self {
        self.rsa_scheme = SignatureScheme::RsaPss;
        self
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }
}

impl Signer for KeyFileSigner {
    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn signature_algorithm(&self, digest: DigestAlgorithm) -> SignatureAlgorithm {
        match self.key {
            PrivateKey::Rsa(_) => SignatureAlgorithm::new(self.rsa_scheme, digest),
            _ => self.key.default_algorithm(digest),
        }
    }

    fn sign_digest(&self, algorithm: SignatureAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        self.key.sign_digest(algorithm, digest)
    }

    fn sign_message(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        digest: &[u8],
    ) -> Result<Vec<u8>> {
        let (Some(pair), Some(padding)) = (&self.ring_rsa, ring_padding(algorithm)) else {
            return self.sign_digest(algorithm, digest);
        };
        let mut signature = vec![0; pair.public().modulus_len()];
        pair.sign(
            padding,
            &ring::rand::SystemRandom::new(),
            message,
            &mut signature,
        )
        .map_err(|_| Error::Signer("RSA signing failed".into()))?;
        Ok(signature)
    }
}

/// ring's encoding for an RSA algorithm (ring signs no SHA-1, and its PSS salts are as long
/// as the digest: other salt lengths sign through the `rsa` crate).
fn ring_padding(
    algorithm: SignatureAlgorithm,
) -> Option<&'static dyn ring::signature::RsaEncoding> {
    use DigestAlgorithm as D;
    use SignatureScheme as S;
    use ring::signature as r;
    if algorithm
        .salt_len()
        .is_some_and(|s| s != algorithm.digest.output_len())
    {
        return None;
    }
    Some(match (algorithm.scheme, algorithm.digest) {
        (S::RsaPkcs1v15, D::Sha256) => &r::RSA_PKCS1_SHA256,
        (S::RsaPkcs1v15, D::Sha384) => &r::RSA_PKCS1_SHA384,
        (S::RsaPkcs1v15, D::Sha512) => &r::RSA_PKCS1_SHA512,
        (S::RsaPss, D::Sha256) => &r::RSA_PSS_SHA256,
        (S::RsaPss, D::Sha384) => &r::RSA_PSS_SHA384,
        (S::RsaPss, D::Sha512) => &r::RSA_PSS_SHA512,
        _ => return None,
    })
}

/// DER certificates from PEM text; blocks of other kinds (a private key beside them) are
/// skipped, a damaged or truncated block of any kind is an error naming it.
pub fn pem_certificates(text: &[u8]) -> Result<Vec<Vec<u8>>> {
    Ok(super::armour::pem_blocks(text)?
        .into_iter()
        .filter(|b| super::armour::is_certificate_label(&b.label))
        .map(|b| b.contents)
        .collect())
}

/// Reads the private key and every certificate of a PKCS#12 file.
pub fn read_pkcs12(data: &[u8], password: &str) -> Result<(PrivateKey, Vec<Vec<u8>>)> {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Raw).map_err(|e| {
        use p12_keystore::error::Error as E;
        match e {
            E::MacError(_) | E::UnpadError | E::Pkcs5Error(_) => Error::WrongPassword,
            E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm => {
                Error::Unsupported(format!("PKCS#12: {e}"))
            }
            other => Error::malformed(Format::Pkcs12, other.to_string()),
        }
    })?;
    let mut key = None;
    let mut certs: Vec<Vec<u8>> = Vec::new();
    for (_, entry) in store.entries() {
        match entry {
            KeyStoreEntry::PrivateKeyChain(chain) => {
                if key.is_some() {
                    return Err(Error::Unsupported(
                        "PKCS#12 with more than one private key".into(),
                    ));
                }
                key = Some(PrivateKey::from_pkcs8_der(chain.key().as_der())?);
                certs.extend(chain.certs().iter().map(|c| c.as_der().to_vec()));
            }
            KeyStoreEntry::Certificate(c) => certs.push(c.as_der().to_vec()),
            KeyStoreEntry::Secret(_) => {}
        }
    }
    let key = key.ok_or_else(|| Error::malformed(Format::Pkcs12, "no private key"))?;
    let mut seen = std::collections::HashSet::new();
    certs.retain(|c| seen.insert(c.clone()));
    Ok((key, certs))
}

struct Names {
    subject: Vec<u8>,
    issuer: Vec<u8>,
    spki: Vec<u8>,
}

fn names(der: &[u8]) -> Result<Names> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| Error::malformed(Format::Certificate, e.to_string()))?;
    let tbs = cert.tbs_certificate();
    let enc = |r: der::Result<Vec<u8>>| r.map_err(|e| Error::malformed(Format::Der, e.to_string()));
    Ok(Names {
        subject: enc(tbs.subject().to_der())?,
        issuer: enc(tbs.issuer().to_der())?,
        spki: enc(tbs.subject_public_key_info().to_der())?,
    })
}

/// Puts the certificate of `key` first, then each issuer in turn; certificates that do not
/// chain keep their order at the end.
fn order_chain(key: &PrivateKey, certificates: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
    let spki = key.public_key_spki_der()?;
    let mut rest: Vec<(Names, Vec<u8>)> = certificates
        .into_iter()
        .map(|der| Ok((names(&der)?, der)))
        .collect::<Result<_>>()?;
    let leaf_at = rest
        .iter()
        .position(|(n, _)| n.spki == spki)
        .ok_or_else(|| Error::InvalidOption("no certificate matches the private key".into()))?;
    let (current, leaf) = rest.remove(leaf_at);
    Ok(issuers_after(current, leaf, rest))
}

/// `leaf`, then its issuers found among `others` (duplicates of it dropped), then the rest
/// of `others`: the chain of a key whose certificate is known but whose private half is not
/// in memory (a token).
#[cfg(feature = "pkcs11")]
pub(crate) fn chain_from_leaf(leaf: Vec<u8>, others: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
    let current = names(&leaf)?;
    let mut seen = std::collections::HashSet::new();
    seen.insert(leaf.clone());
    let rest = others
        .into_iter()
        .filter(|der| seen.insert(der.clone()))
        .map(|der| Ok((names(&der)?, der)))
        .collect::<Result<Vec<_>>>()?;
    Ok(issuers_after(current, leaf, rest))
}

/// The public key of a chain's first certificate.
#[cfg(feature = "pkcs11")]
pub(crate) fn public_key_of(chain: &[Vec<u8>]) -> Result<super::PublicKey> {
    let leaf = chain
        .first()
        .ok_or_else(|| Error::InvalidOption("no signing certificate".into()))?;
    super::PublicKey::from_spki_der(&names(leaf)?.spki)
}

/// A certificate's subject as RFC 4514-like text, for listings.
#[cfg(feature = "pkcs11")]
pub(crate) fn subject_text(der: &[u8]) -> Option<String> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    Some(cert.tbs_certificate().subject().to_string())
}

fn issuers_after(
    mut current: Names,
    leaf: Vec<u8>,
    mut rest: Vec<(Names, Vec<u8>)>,
) -> Vec<Vec<u8>> {
    let mut chain = vec![leaf];
    while current.subject != current.issuer {
        let Some(next_at) = rest.iter().position(|(n, _)| n.subject == current.issuer) else {
            break;
        };
        let (names, der) = rest.remove(next_at);
        chain.push(der);
        current = names;
    }
    chain.extend(rest.into_iter().map(|(_, der)| der));
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(name: &str) -> KeyFileSigner {
        let dir = format!("{}/fixtures/pki", env!("CARGO_MANIFEST_DIR"));
        let key = std::fs::read(format!("{dir}/{name}.key.pem")).unwrap();
        let cert = std::fs::read(format!("{dir}/{name}.pem")).unwrap();
        KeyFileSigner::from_pem(&key, None, &cert).unwrap()
    }

    #[test]
    fn whole_message_signing_gives_the_digest_path_s_signature_for_every_rsa_key() {
        let message = "Hóa đơn giá trị gia tăng".as_bytes();
        for (name, fast) in [
            ("leader", true),
            ("business", true),
            ("weak-rsa1024", false),
        ] {
            let signer = signer(name);
            assert_eq!(signer.ring_rsa.is_some(), fast, "{name}");
            let public = signer.private_key().public_key().unwrap();
            for digest in [
                DigestAlgorithm::Sha1,
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha384,
                DigestAlgorithm::Sha512,
            ] {
                let hash = digest.digest(message);
                // PKCS#1 v1.5 is deterministic: both paths must give the same bytes.
                let pkcs1 = SignatureAlgorithm::rsa_pkcs1(digest);
                let whole = signer.sign_message(pkcs1, message, &hash).unwrap();
                assert_eq!(
                    whole,
                    signer.sign_digest(pkcs1, &hash).unwrap(),
                    "{name} {digest:?}"
                );
                // PSS is randomized: the signature must verify. (A digest-long salt and the
                // digest must fit in the modulus: not SHA-512 with RSA-1024.)
                if 2 * digest.output_len() + 2 > public.kind().bits() / 8 {
                    continue;
                }
                let pss = SignatureAlgorithm::rsa_pss(digest);
                let signature = signer.sign_message(pss, message, &hash).unwrap();
                assert!(
                    public.verify_digest(pss, &hash, &signature).unwrap(),
                    "{name} {digest:?}"
                );
                let other = digest.digest(b"another message");
                assert!(!public.verify_digest(pss, &other, &signature).unwrap());
            }
        }
    }
}
