//! A memory of signatures already found valid, held by a trust store.
//!
//! Whether a signature verifies depends on nothing but the key, the algorithm, the signed
//! bytes and the signature value, so the answer can be reused. A portal verifying thousands of
//! documents with one trust configuration checks the same CA links again and again, and within
//! one verification kyso's path builder and the rustls-webpki check of the same path both ask
//! about every link; each question is an RSA operation, most of the cost of a verification.
//! Only valid signatures are remembered, keyed by a SHA-256 over everything the answer depends
//! on; the memory is bounded and starts over when full. Clones of a trust store share it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::crypto::{DigestAlgorithm, PublicKey, SignatureAlgorithm};
use crate::error::Result;

/// Most signatures remembered before the memory starts over (32 bytes each).
const CAPACITY: usize = 8192;

/// Signatures found valid; see the module documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct VerifiedSignatures(Arc<Mutex<HashSet<[u8; 32]>>>);

/// What a memo entry stands for: every input of the verification, each length-prefixed so
/// that no two different questions share a key.
fn key(
    key_der: &[u8],
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> [u8; 32] {
    let mut h = DigestAlgorithm::Sha256.hasher();
    let name = algorithm.name();
    for part in [key_der, name.as_bytes(), message, signature] {
        h.update(&(part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finish());
    out
}

impl VerifiedSignatures {
    /// Verifies `signature` over `message` with `public_key` (whose encoding is `key_der`),
    /// answering from memory when the same question was answered "valid" before.
    ///
    /// The caller decides first whether the algorithm fits the key and the policy; this only
    /// computes.
    pub(crate) fn verify(
        &self,
        key_der: &[u8],
        public_key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        let key = key(key_der, algorithm, message, signature);
        if self.0.lock().is_ok_and(|set| set.contains(&key)) {
            return Ok(true);
        }
        let valid = public_key.verify(algorithm, message, signature)?;
        if valid && let Ok(mut set) = self.0.lock() {
            if set.len() >= CAPACITY {
                set.clear();
            }
            set.insert(key);
        }
        Ok(valid)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|s| s.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Certificate;

    fn fixture(name: &str) -> Certificate {
        let path = format!("{}/fixtures/pki/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        Certificate::parse_any(&pem).unwrap().remove(0)
    }

    fn ask(memo: &VerifiedSignatures, subject: &Certificate, issuer: &Certificate) -> bool {
        memo.verify(
            issuer.spki_der(),
            issuer.public_key().unwrap(),
            subject.signature_algorithm().unwrap(),
            subject.tbs_der(),
            subject.signature(),
        )
        .unwrap()
    }

    #[test]
    fn a_remembered_signature_answers_only_for_the_same_question() {
        let memo = VerifiedSignatures::default();
        let (leaf, ca, other_ca) = (
            fixture("business"),
            fixture("business-ca"),
            fixture("gov-ca"),
        );
        assert!(ask(&memo, &leaf, &ca));
        assert_eq!(memo.len(), 1, "a valid signature is remembered");
        assert!(ask(&memo.clone(), &leaf, &ca), "clones share the memory");
        assert_eq!(memo.len(), 1);
        // Another key is still asked, and fails; the failure is not remembered.
        assert!(!ask(&memo, &leaf, &other_ca));
        assert_eq!(memo.len(), 1);
        // The same certificate with one signature bit changed is another question.
        let mut der = leaf.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let forged = Certificate::from_der(&der).unwrap();
        assert!(!ask(&memo, &forged, &ca));
        assert!(
            !ask(&VerifiedSignatures::default(), &leaf, &other_ca),
            "separate memories are apart"
        );
    }
}
