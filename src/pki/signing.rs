//! Checks on a signing certificate before anything is signed with it.

use super::Certificate;
use crate::crypto::{DigestAlgorithm, KeyKind};
use crate::error::{Error, Result};
use crate::policy::SigningPolicy;

/// Refuses to sign when the certificate is outside its validity window at the signing time,
/// its key usage allows neither digitalSignature nor nonRepudiation, its key is too small
/// (RSA < 2048, EC < 256 by default), or the digest is SHA-1.
pub fn check_signing_certificate(cert: &Certificate, policy: &SigningPolicy) -> Result<()> {
    let who = cert.subject().to_rfc4514();
    let refuse = |why: String| Err(Error::SigningRefused(format!("{who}: {why}")));
    if policy.digest == DigestAlgorithm::Sha1 {
        return Err(Error::SigningRefused(
            "SHA-1 is not used for new signatures".into(),
        ));
    }
    let t = policy.time();
    if !cert.is_valid_at(t) {
        return refuse(format!(
            "certificate valid only from {} to {}",
            super::rfc3339(cert.not_before()),
            super::rfc3339(cert.not_after())
        ));
    }
    if cert
        .key_usage()
        .is_some_and(|ku| !ku.digital_signature && !ku.non_repudiation)
    {
        return refuse("key usage allows neither digitalSignature nor nonRepudiation".into());
    }
    match cert.key_kind() {
        Some(KeyKind::Rsa { bits }) if bits < policy.min_rsa_bits => refuse(format!(
            "RSA key of {bits} bits (at least {} required)",
            policy.min_rsa_bits
        )),
        Some(KeyKind::Ec { bits, .. }) if bits < policy.min_ec_bits => refuse(format!(
            "EC key of {bits} bits (at least {} required)",
            policy.min_ec_bits
        )),
        Some(_) => Ok(()),
        None => refuse("unsupported public key".into()),
    }
}
