//! A memory of certificate links already found valid, held by a trust store.
//!
//! Whether a certificate's signature verifies under an issuer's key depends on nothing but the
//! two certificates' bytes (the algorithm is the one the subject declares), so the answer can
//! be reused. A portal verifying thousands of documents with one trust configuration checks
//! the same CA links again and again, and within one verification kyso's path builder and the
//! rustls-webpki check of the same path both ask about every link; each question is an RSA
//! operation, most of the cost of a verification. Links are keyed by the SHA-256 of both
//! certificates, which parsing already computed, so asking costs no hashing. Only valid links
//! are remembered; the memory is bounded and starts over when full. Clones of a trust store
//! share it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::Certificate;
use crate::crypto::PublicKey;
use crate::error::Result;

/// Most links remembered before the memory starts over (64 bytes each).
const CAPACITY: usize = 4096;

/// Certificate links (subject signed by issuer) found valid; see the module documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct VerifiedLinks(Arc<Mutex<HashSet<[u8; 64]>>>);

fn key(subject: &Certificate, issuer: &Certificate) -> [u8; 64] {
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&subject.sha256());
    key[32..].copy_from_slice(&issuer.sha256());
    key
}

impl VerifiedLinks {
    /// Whether `issuer_key` (the key of `issuer`) verifies `subject`'s signature with the
    /// algorithm `subject` declares, answered from memory when this link was found valid
    /// before.
    ///
    /// The caller decides first whether the algorithm fits the key and the policy; this only
    /// computes.
    pub(crate) fn verify(
        &self,
        subject: &Certificate,
        issuer: &Certificate,
        issuer_key: &PublicKey,
    ) -> Result<bool> {
        let key = key(subject, issuer);
        if self.0.lock().is_ok_and(|set| set.contains(&key)) {
            return Ok(true);
        }
        let valid = issuer_key.verify(
            subject.signature_algorithm()?,
            subject.tbs_der(),
            subject.signature(),
        )?;
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

    fn fixture(name: &str) -> Certificate {
        let path = format!("{}/fixtures/pki/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        Certificate::parse_any(&pem).unwrap().remove(0)
    }

    fn ask(memo: &VerifiedLinks, subject: &Certificate, issuer: &Certificate) -> bool {
        memo.verify(subject, issuer, issuer.public_key().unwrap())
            .unwrap()
    }

    #[test]
    fn a_remembered_link_answers_only_for_the_same_two_certificates() {
        let memo = VerifiedLinks::default();
        let (leaf, ca, other_ca) = (
            fixture("business"),
            fixture("business-ca"),
            fixture("gov-ca"),
        );
        assert!(ask(&memo, &leaf, &ca));
        assert_eq!(memo.len(), 1, "a valid link is remembered");
        assert!(ask(&memo.clone(), &leaf, &ca), "clones share the memory");
        assert_eq!(memo.len(), 1);
        // Another issuer is still asked, and fails; the failure is not remembered.
        assert!(!ask(&memo, &leaf, &other_ca));
        assert_eq!(memo.len(), 1);
        // The same certificate with one signature bit changed is another certificate.
        let mut der = leaf.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let forged = Certificate::from_der(&der).unwrap();
        assert!(!ask(&memo, &forged, &ca));
        assert!(
            !ask(&VerifiedLinks::default(), &leaf, &other_ca),
            "separate memories are apart"
        );
    }
}
