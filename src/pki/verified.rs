//! A memory of certificate signatures already found valid, held by a trust store.
//!
//! Whether a certificate's signature verifies under an issuer's key depends on nothing but
//! the two certificates' bytes, so the answer can be reused. A portal verifying thousands of
//! documents with one trust configuration checks the same CA links (and often the same
//! signers) again and again; each link is an RSA operation, most of the cost of a
//! verification. Only valid signatures are remembered, keyed by the SHA-256 of both
//! certificates; the memory is bounded and starts over when full. Clones of a trust store
//! share it, so the threads of `kyso verify --jobs` and the callers of one C ABI verifier do.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::Certificate;
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
    /// [`Certificate::is_signed_by`], answered from memory when this link was found valid
    /// before.
    pub(crate) fn is_signed_by(&self, subject: &Certificate, issuer: &Certificate) -> Result<bool> {
        let key = key(subject, issuer);
        if self.0.lock().is_ok_and(|set| set.contains(&key)) {
            return Ok(true);
        }
        let valid = subject.is_signed_by(issuer)?;
        if valid && let Ok(mut set) = self.0.lock() {
            if set.len() >= CAPACITY {
                set.clear();
            }
            set.insert(key);
        }
        Ok(valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knows(links: &VerifiedLinks, subject: &Certificate, issuer: &Certificate) -> bool {
        links.0.lock().unwrap().contains(&key(subject, issuer))
    }

    fn fixture(name: &str) -> Certificate {
        let path = format!("{}/fixtures/pki/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        Certificate::parse_any(&pem).unwrap().remove(0)
    }

    #[test]
    fn a_remembered_link_answers_only_for_the_same_two_certificates() {
        let links = VerifiedLinks::default();
        let (leaf, ca, other_ca) = (
            fixture("business"),
            fixture("business-ca"),
            fixture("gov-ca"),
        );
        assert!(links.is_signed_by(&leaf, &ca).unwrap());
        assert!(knows(&links, &leaf, &ca), "a valid link is remembered");
        assert!(knows(&links.clone(), &leaf, &ca), "clones share the memory");
        assert!(
            links.is_signed_by(&leaf, &ca).unwrap(),
            "and answered again"
        );
        // Another issuer is still checked, and fails; the failure is not remembered.
        assert!(!links.is_signed_by(&leaf, &other_ca).unwrap());
        assert!(!knows(&links, &leaf, &other_ca));
        // A copy of the certificate with one signature bit changed is another certificate.
        let mut der = leaf.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let forged = Certificate::from_der(&der).unwrap();
        assert!(!links.is_signed_by(&forged, &ca).unwrap());
        assert!(
            !knows(&VerifiedLinks::default(), &leaf, &ca),
            "separate memories are apart"
        );
    }
}
