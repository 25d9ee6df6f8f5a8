//! A process-wide memory of certificate signatures already found valid.
//!
//! Whether a certificate's signature verifies under an issuer's key depends on nothing but
//! the two certificates' bytes, so the answer can be reused. A portal verifying thousands of
//! documents checks the same CA links (and often the same signers) again and again; each
//! link is an RSA operation, most of the cost of a verification. Only valid signatures are
//! remembered, keyed by the SHA-256 of both certificates; the memory is bounded and starts
//! over when full.

use std::collections::HashSet;
use std::sync::Mutex;

use super::Certificate;

/// Most links remembered before the memory starts over (64 bytes each).
const CAPACITY: usize = 4096;

static VERIFIED: Mutex<Option<HashSet<[u8; 64]>>> = Mutex::new(None);

fn key(subject: &Certificate, issuer: &Certificate) -> [u8; 64] {
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&subject.sha256());
    key[32..].copy_from_slice(&issuer.sha256());
    key
}

/// Whether `issuer`'s key was found to verify `subject`'s signature before.
pub(crate) fn known(subject: &Certificate, issuer: &Certificate) -> bool {
    let key = key(subject, issuer);
    VERIFIED
        .lock()
        .is_ok_and(|set| set.as_ref().is_some_and(|set| set.contains(&key)))
}

/// Remembers that `issuer`'s key verifies `subject`'s signature.
pub(crate) fn remember(subject: &Certificate, issuer: &Certificate) {
    let key = key(subject, issuer);
    if let Ok(mut guard) = VERIFIED.lock() {
        let set = guard.get_or_insert_with(HashSet::new);
        if set.len() >= CAPACITY {
            set.clear();
        }
        set.insert(key);
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

    #[test]
    fn a_remembered_link_answers_only_for_the_same_two_certificates() {
        let (leaf, ca, other_ca) = (
            fixture("business"),
            fixture("business-ca"),
            fixture("gov-ca"),
        );
        assert!(leaf.is_signed_by(&ca).unwrap());
        assert!(known(&leaf, &ca), "a valid link is remembered");
        assert!(leaf.is_signed_by(&ca).unwrap(), "and answered again");
        // Another issuer with the same subject's bytes is still checked, and fails.
        assert!(!leaf.is_signed_by(&other_ca).unwrap());
        assert!(!known(&leaf, &other_ca), "invalid links are not remembered");
        // A copy of the certificate with one signature bit changed is another certificate.
        let mut der = leaf.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let forged = Certificate::from_der(&der).unwrap();
        assert!(!forged.is_signed_by(&ca).unwrap());
    }
}
