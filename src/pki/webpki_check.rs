//! The second opinion on every end-entity path: rustls-webpki checks the very path kyso built.
//!
//! kyso builds paths itself because a document verifier needs what a TLS validator does not
//! give: CA certificates as targets (`kyso inspect ca.pem`), the trust anchor's own
//! basicConstraints, keyUsage and validity, keyUsage keyCertSign on every CA, purposes of
//! document signing and time-stamping, and reports that name the certificate at fault. What
//! rustls-webpki brings, fuzzed and measured on x509-limbo, is its strict reading of the
//! certificates (DER, versions, extensions), its name-constraint engine and the RFC 5280 rules
//! it enforces. A path is accepted only if both agree.
//!
//! rustls-webpki verifies signatures through [`KysoAlgorithm`], which hands them to kyso's
//! own verification and the trust store's memory of verified links: the path builder has
//! already verified every link, so the second check costs a look-up per link, and the one
//! algorithm policy of [`ValidationPolicy::check_algorithm`] stays the only judge of
//! algorithms.
//!
//! [`ValidationPolicy::check_algorithm`]: crate::ValidationPolicy::check_algorithm

use std::time::Duration;

use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm,
    UnixTime, alg_id,
};
use time::OffsetDateTime;
use webpki::{EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeIdIter};

use super::Certificate;
use super::path_failure::PathFailure;
use super::verified::VerifiedLinks;
use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, SignatureScheme};
use crate::report::SubIndication;

/// sha1WithRSAEncryption with NULL parameters (not in rustls-pki-types: webpki refuses SHA-1;
/// kyso's policy decides instead).
const RSA_PKCS1_SHA1: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
]);
/// ecdsa-with-SHA1.
const ECDSA_SHA1: AlgorithmIdentifier =
    AlgorithmIdentifier::from_slice(&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]);

/// The (signature, key) identifier pairs kyso verifies, with kyso's name for each.
const ALGORITHMS: &[(
    AlgorithmIdentifier,
    AlgorithmIdentifier,
    SignatureScheme,
    DigestAlgorithm,
)] = {
    use DigestAlgorithm::*;
    use SignatureScheme::*;
    &[
        (RSA_PKCS1_SHA1, alg_id::RSA_ENCRYPTION, RsaPkcs1v15, Sha1),
        (
            alg_id::RSA_PKCS1_SHA256,
            alg_id::RSA_ENCRYPTION,
            RsaPkcs1v15,
            Sha256,
        ),
        (
            alg_id::RSA_PKCS1_SHA384,
            alg_id::RSA_ENCRYPTION,
            RsaPkcs1v15,
            Sha384,
        ),
        (
            alg_id::RSA_PKCS1_SHA512,
            alg_id::RSA_ENCRYPTION,
            RsaPkcs1v15,
            Sha512,
        ),
        (
            alg_id::RSA_PSS_SHA256,
            alg_id::RSA_ENCRYPTION,
            RsaPss,
            Sha256,
        ),
        (
            alg_id::RSA_PSS_SHA384,
            alg_id::RSA_ENCRYPTION,
            RsaPss,
            Sha384,
        ),
        (
            alg_id::RSA_PSS_SHA512,
            alg_id::RSA_ENCRYPTION,
            RsaPss,
            Sha512,
        ),
        (ECDSA_SHA1, alg_id::ECDSA_P256, Ecdsa, Sha1),
        (ECDSA_SHA1, alg_id::ECDSA_P384, Ecdsa, Sha1),
        (alg_id::ECDSA_SHA256, alg_id::ECDSA_P256, Ecdsa, Sha256),
        (alg_id::ECDSA_SHA256, alg_id::ECDSA_P384, Ecdsa, Sha256),
        (alg_id::ECDSA_SHA384, alg_id::ECDSA_P256, Ecdsa, Sha384),
        (alg_id::ECDSA_SHA384, alg_id::ECDSA_P384, Ecdsa, Sha384),
        (alg_id::ECDSA_SHA512, alg_id::ECDSA_P256, Ecdsa, Sha512),
        (alg_id::ECDSA_SHA512, alg_id::ECDSA_P384, Ecdsa, Sha512),
    ]
};

/// One signature algorithm offered to rustls-webpki, verified by kyso.
#[derive(Debug)]
struct KysoAlgorithm<'a> {
    signature_id: AlgorithmIdentifier,
    key_id: AlgorithmIdentifier,
    algorithm: SignatureAlgorithm,
    /// The path being checked: the issuers whose keys may verify and the certificates they
    /// signed.
    chain: &'a [Certificate],
    links: &'a VerifiedLinks,
}

impl SignatureVerificationAlgorithm for KysoAlgorithm<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let issuer = self
            .chain
            .iter()
            .find(|c| c.public_key_bits() == public_key)
            .ok_or(InvalidSignature)?;
        let key = issuer.public_key().map_err(|_| InvalidSignature)?;
        // rustls-webpki asks about the links of the path it was given: the certificate whose
        // signed part and signature these are, under its own declared algorithm, is a link the
        // memory knows. Anything else is verified as asked.
        let subject = self.chain.iter().find(|c| {
            c.signature() == signature
                && c.tbs_der() == message
                && c.signature_algorithm().ok() == Some(self.algorithm)
        });
        let verified = match subject {
            Some(subject) => self.links.verify(subject, issuer, key),
            None => key.verify(self.algorithm, message, signature),
        };
        match verified {
            Ok(true) => Ok(()),
            _ => Err(InvalidSignature),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.key_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_id
    }
}

/// Purposes are kyso's to judge ([`super::check_usage`] on the end entity); rustls-webpki
/// still parses every extendedKeyUsage extension strictly.
struct PurposesCheckedByKyso;

impl ExtendedKeyUsageValidator for PurposesCheckedByKyso {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        for purpose in iter {
            purpose?;
        }
        Ok(())
    }
}

/// Whether rustls-webpki accepts `chain` (end entity first, trust anchor last) at `at`.
pub(crate) fn check(
    chain: &[Certificate],
    at: OffsetDateTime,
    links: &VerifiedLinks,
) -> Result<(), PathFailure> {
    let (Some(leaf), Some(anchor)) = (chain.first(), chain.last()) else {
        return Ok(());
    };
    let fail = |e: webpki::Error| Err(failure(e, chain));
    let algorithms: Vec<KysoAlgorithm<'_>> = ALGORITHMS
        .iter()
        .map(|&(signature_id, key_id, scheme, digest)| KysoAlgorithm {
            signature_id,
            key_id,
            algorithm: SignatureAlgorithm::new(scheme, digest),
            chain,
            links,
        })
        .collect();
    let algorithms: Vec<&dyn SignatureVerificationAlgorithm> = algorithms
        .iter()
        .map(|a| a as &dyn SignatureVerificationAlgorithm)
        .collect();
    let anchor_der = CertificateDer::from(anchor.der());
    let anchor = match webpki::anchor_from_trusted_cert(&anchor_der) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let intermediates: Vec<CertificateDer<'_>> = chain
        .get(1..chain.len().saturating_sub(1))
        .unwrap_or_default()
        .iter()
        .map(|c| CertificateDer::from(c.der()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.der());
    let leaf = match EndEntityCert::try_from(&leaf_der) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // Before 1970 nothing kyso validates was valid; the epoch stands in for it.
    let seconds = u64::try_from(at.unix_timestamp()).unwrap_or(0);
    let time = UnixTime::since_unix_epoch(Duration::from_secs(seconds));
    match leaf.verify_for_usage(
        &algorithms,
        std::slice::from_ref(&anchor),
        &intermediates,
        time,
        PurposesCheckedByKyso,
        None,
        None,
    ) {
        Ok(_) => Ok(()),
        Err(e) => fail(e),
    }
}

/// The ETSI sub-indication and message for what rustls-webpki found wrong.
fn failure(e: webpki::Error, chain: &[Certificate]) -> PathFailure {
    use webpki::Error as W;
    let leaf = chain
        .first()
        .map(|c| c.subject().to_rfc4514())
        .unwrap_or_default();
    let sub_indication = match &e {
        W::CertExpired { .. } => SubIndication::OutOfBoundsNoPoe,
        W::CertNotValidYet { .. } => SubIndication::NotYetValid,
        W::InvalidSignatureForPublicKey
        | W::SignatureAlgorithmMismatch
        | W::UnknownIssuer
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            SubIndication::CertificateChainGeneralFailure
        }
        W::UnsupportedSignatureAlgorithmContext(_) => SubIndication::CryptoConstraintsFailure,
        _ => SubIndication::ChainConstraintsFailure,
    };
    PathFailure {
        sub_indication,
        message: format!("the path of {leaf} breaks an X.509 rule: {e:?}"),
    }
}
