//! Digest algorithms and streaming hashing.

use crate::error::{Error, Result};

/// A message digest algorithm kyso knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    /// SHA-1: verification of legacy signatures only, flagged weak; never used to sign.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// Whether the algorithm is weak (accepted for verification only, with a warning).
    pub fn is_weak(self) -> bool {
        self == DigestAlgorithm::Sha1
    }

    /// Short name: `sha1`, `sha256`, …
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    /// Parses a short name (`sha256`, `SHA-256`, …).
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Ok(DigestAlgorithm::Sha1),
            "sha256" => Ok(DigestAlgorithm::Sha256),
            "sha384" => Ok(DigestAlgorithm::Sha384),
            "sha512" => Ok(DigestAlgorithm::Sha512),
            other => Err(Error::Unsupported(format!("digest algorithm {other:?}"))),
        }
    }

    /// A fresh streaming hasher.
    pub fn hasher(self) -> Hasher {
        Hasher(ring::digest::Context::new(match self {
            DigestAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
            DigestAlgorithm::Sha384 => &ring::digest::SHA384,
            DigestAlgorithm::Sha512 => &ring::digest::SHA512,
        }))
    }

    /// Digest of one buffer.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finish()
    }
}

/// A streaming hasher for one [`DigestAlgorithm`]; feed it chunks, then [`Hasher::finish`].
///
/// ```
/// use kyso::DigestAlgorithm;
/// let mut h = DigestAlgorithm::Sha256.hasher();
/// h.update("ký ".as_bytes());
/// h.update("số".as_bytes());
/// assert_eq!(h.finish(), DigestAlgorithm::Sha256.digest("ký số".as_bytes()));
/// ```
///
/// Hashing runs on ring, which RSA verification loads anyway: one implementation and one
/// CPU-feature probe per process. On virtual machines each probe traps to the hypervisor, and
/// a second one (RustCrypto's) cost about 2 % of a one-page verification.
#[derive(Clone)]
pub struct Hasher(ring::digest::Context);

impl Hasher {
    /// Adds data.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest of everything added.
    pub fn finish(self) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
