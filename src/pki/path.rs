//! Certification path building and validation (RFC 5280 §6, simplified to what document
//! signing needs: no policy processing, no name constraints).

use time::OffsetDateTime;

use super::certificate::eku;
use super::{Certificate, TrustStore};
use crate::crypto::{DigestAlgorithm, KeyKind};
use crate::policy::{ValidationPolicy, WeakAlgorithms};
use crate::report::SubIndication;

/// What the end-entity certificate must be good for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Signing documents: keyUsage digitalSignature or nonRepudiation, and an extendedKeyUsage
    /// (when present) that allows document signing.
    DocumentSigning,
    /// Time-stamping: extendedKeyUsage id-kp-timeStamping, critical (RFC 3161 §2.3).
    TimeStamping,
    /// Signing OCSP responses: id-kp-OCSPSigning.
    OcspSigning,
    /// Signing CRLs: keyUsage cRLSign when keyUsage is present.
    CrlSigning,
    /// No purpose check on the end entity (inspecting a certificate).
    Any,
}

/// Why a path could not be validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFailure {
    /// ETSI sub-indication.
    pub sub_indication: SubIndication,
    /// What exactly failed.
    pub message: String,
}

/// The outcome of path validation.
#[derive(Debug, Clone)]
pub struct PathValidation {
    /// The chain, end entity first and trust anchor last; empty when none was found.
    pub chain: Vec<Certificate>,
    /// `Ok` when the chain is valid at the validation time.
    pub result: Result<(), PathFailure>,
    /// Non-fatal findings (weak algorithms).
    pub warnings: Vec<String>,
}

impl PathValidation {
    /// Subjects of the chain (RFC 4514), end entity first.
    pub fn chain_subjects(&self) -> Vec<String> {
        self.chain
            .iter()
            .map(|c| c.subject().to_rfc4514())
            .collect()
    }
}

/// Bounds the search so that a hostile pile of certificates cannot make it exponential.
const MAX_SIGNATURE_CHECKS: usize = 256;

/// Builds and validates a path from `leaf` to a trust anchor at `at`.
///
/// Issuer candidates come from the trust store and `extra` (certificates that came with the
/// document or from the caller); they are matched by name and key identifiers, and several
/// are tried. A candidate is an issuer only if its key verifies the certificate.
pub fn validate_path(
    leaf: &Certificate,
    extra: &[Certificate],
    trust: &TrustStore,
    at: OffsetDateTime,
    usage: Usage,
    policy: &ValidationPolicy,
) -> PathValidation {
    let mut search = Search {
        extra,
        trust,
        max_len: policy.limits.max_chain_length.max(1) as usize,
        checks: 0,
    };
    let mut path = vec![leaf.clone()];
    let mut found = None;
    search.build(&mut path, &mut |chain| {
        let outcome = check_path(chain, at, usage, policy);
        let ok = outcome.result.is_ok();
        if ok || found.is_none() {
            found = Some(outcome);
        }
        ok
    });
    found.unwrap_or_else(|| PathValidation {
        chain: Vec::new(),
        result: Err(PathFailure {
            sub_indication: SubIndication::NoCertificateChainFound,
            message: format!(
                "no path from {} to a trusted root",
                leaf.subject().to_rfc4514()
            ),
        }),
        warnings: Vec::new(),
    })
}

struct Search<'a> {
    extra: &'a [Certificate],
    trust: &'a TrustStore,
    max_len: usize,
    checks: usize,
}

impl Search<'_> {
    /// Depth-first search; `accept` is called on each anchored path and returns true to stop.
    fn build(
        &mut self,
        path: &mut Vec<Certificate>,
        accept: &mut dyn FnMut(&[Certificate]) -> bool,
    ) -> bool {
        let Some(current) = path.last().cloned() else {
            return false;
        };
        if self.trust.is_trusted(&current) {
            if accept(path) {
                return true;
            }
            // A trusted certificate ends the path; do not look above it.
            return false;
        }
        if path.len() >= self.max_len {
            return false;
        }
        let mut candidates: Vec<&Certificate> = self
            .trust
            .anchors()
            .iter()
            .chain(self.extra.iter())
            .filter(|c| c.subject().der() == current.issuer().der())
            .filter(|c| match (current.authority_key_id(), c.subject_key_id()) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            })
            .filter(|c| !path.contains(c))
            .collect();
        // Anchors first, then the rest in the order given.
        candidates.sort_by_key(|c| !self.trust.is_trusted(c));
        candidates.dedup_by(|a, b| a == b);
        for candidate in candidates {
            if self.checks >= MAX_SIGNATURE_CHECKS {
                return false;
            }
            self.checks += 1;
            // An unsupported algorithm keeps the candidate: the path then fails on crypto
            // constraints, which says more than "no chain".
            if matches!(
                self.trust
                    .verified_links()
                    .is_signed_by(&current, candidate),
                Ok(false)
            ) {
                continue;
            }
            path.push(candidate.clone());
            if self.build(path, accept) {
                return true;
            }
            path.pop();
        }
        false
    }
}

fn fail(sub: SubIndication, message: String) -> Result<(), PathFailure> {
    Err(PathFailure {
        sub_indication: sub,
        message,
    })
}

/// Checks an anchored path: algorithms, then structure, then time.
fn check_path(
    chain: &[Certificate],
    at: OffsetDateTime,
    usage: Usage,
    policy: &ValidationPolicy,
) -> PathValidation {
    let mut warnings = Vec::new();
    let result = check_algorithms(chain, policy, &mut warnings)
        .and_then(|()| check_structure(chain, usage))
        .and_then(|()| check_time(chain, at));
    PathValidation {
        chain: chain.to_vec(),
        result,
        warnings,
    }
}

fn name(c: &Certificate) -> String {
    c.subject().to_rfc4514()
}

fn check_algorithms(
    chain: &[Certificate],
    policy: &ValidationPolicy,
    warnings: &mut Vec<String>,
) -> Result<(), PathFailure> {
    for (i, cert) in chain.iter().enumerate() {
        let is_anchor = i + 1 == chain.len();
        // The anchor's own signature is not part of the path (it is trusted as given).
        if !is_anchor {
            match cert.signature_algorithm() {
                Err(e) => {
                    return fail(
                        SubIndication::CryptoConstraintsFailure,
                        format!("{}: {e}", name(cert)),
                    );
                }
                Ok(alg) if alg.digest == DigestAlgorithm::Sha1 => {
                    if policy.weak_algorithms == WeakAlgorithms::Reject {
                        return fail(
                            SubIndication::CryptoConstraintsFailure,
                            format!("{}: signed with SHA-1", name(cert)),
                        );
                    }
                    warnings.push(format!(
                        "weak_algorithm: {} is signed with SHA-1",
                        name(cert)
                    ));
                }
                Ok(_) => {}
            }
        }
        match cert.key_kind() {
            None => {
                return fail(
                    SubIndication::CryptoConstraintsFailure,
                    format!("{}: unsupported public key", name(cert)),
                );
            }
            Some(KeyKind::Rsa { bits }) if bits < 1024 => {
                return fail(
                    SubIndication::CryptoConstraintsFailure,
                    format!("{}: RSA key of {bits} bits", name(cert)),
                );
            }
            Some(KeyKind::Rsa { bits }) if bits < 2048 => {
                if policy.weak_algorithms == WeakAlgorithms::Reject {
                    return fail(
                        SubIndication::CryptoConstraintsFailure,
                        format!("{}: RSA key of {bits} bits", name(cert)),
                    );
                }
                warnings.push(format!(
                    "weak_algorithm: {} has an RSA key of {bits} bits",
                    name(cert)
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_structure(chain: &[Certificate], usage: Usage) -> Result<(), PathFailure> {
    for (i, cert) in chain.iter().enumerate() {
        if let Some(oid) = cert.unknown_critical_extensions().first() {
            return fail(
                SubIndication::ChainConstraintsFailure,
                format!("{}: unknown critical extension {oid}", name(cert)),
            );
        }
        if i == 0 {
            continue;
        }
        // Every issuer in the path must be a CA allowed to sign certificates.
        if !cert.is_ca() {
            return fail(
                SubIndication::ChainConstraintsFailure,
                format!("{} issued a certificate but is not a CA", name(cert)),
            );
        }
        if cert.key_usage().is_some_and(|ku| !ku.key_cert_sign) {
            return fail(
                SubIndication::ChainConstraintsFailure,
                format!("{}: keyUsage lacks keyCertSign", name(cert)),
            );
        }
        if let Some((_, Some(path_len))) = cert.basic_constraints() {
            // Intermediate CAs below this one, not counting self-issued ones (RFC 5280 §6.1.4).
            let below = chain[1..i].iter().filter(|c| !c.is_self_issued()).count();
            if below > path_len as usize {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    format!("{}: pathLenConstraint {path_len} exceeded", name(cert)),
                );
            }
        }
    }
    check_usage(&chain[0], usage)
}

/// Whether the end-entity certificate may be used for `usage`.
pub fn check_usage(leaf: &Certificate, usage: Usage) -> Result<(), PathFailure> {
    let ku = leaf.key_usage();
    let ekus = leaf.extended_key_usage();
    let has = |oid: &str| ekus.is_some_and(|e| e.iter().any(|x| x == oid));
    let msg = |what: &str| format!("{}: {what}", name(leaf));
    match usage {
        Usage::DocumentSigning => {
            if ku.is_some_and(|k| !k.digital_signature && !k.non_repudiation) {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    msg("keyUsage allows neither digitalSignature nor nonRepudiation"),
                );
            }
            let allowed = [
                eku::ANY,
                eku::EMAIL_PROTECTION,
                eku::ADOBE_AUTHENTIC_DOCUMENTS,
                eku::MS_DOCUMENT_SIGNING,
                eku::DOCUMENT_SIGNING,
                eku::CLIENT_AUTH,
            ];
            // clientAuth is accepted because Vietnamese CAs issue signing certificates with
            // clientAuth + emailProtection, and some with clientAuth alone.
            if ekus.is_some() && !allowed.iter().any(|o| has(o)) {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    msg("extendedKeyUsage does not allow document signing"),
                );
            }
        }
        Usage::TimeStamping => {
            // RFC 3161 §2.3: the purpose must be the only one, in a critical extension.
            let only_time_stamping = ekus.is_some_and(|e| e.len() == 1) && has(eku::TIME_STAMPING);
            if !only_time_stamping || !leaf.extended_key_usage_is_critical() {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    msg(
                        "not a time-stamping certificate (needs a critical extendedKeyUsage of id-kp-timeStamping only)",
                    ),
                );
            }
        }
        Usage::OcspSigning => {
            if !has(eku::OCSP_SIGNING) {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    msg("not an OCSP signing certificate (id-kp-OCSPSigning missing)"),
                );
            }
        }
        Usage::Any => {}
        Usage::CrlSigning => {
            if ku.is_some_and(|k| !k.crl_sign) {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    msg("keyUsage lacks cRLSign"),
                );
            }
        }
    }
    Ok(())
}

fn check_time(chain: &[Certificate], at: OffsetDateTime) -> Result<(), PathFailure> {
    for cert in chain {
        if at < cert.not_before() {
            return fail(
                SubIndication::NotYetValid,
                format!(
                    "{} is not valid before {}",
                    name(cert),
                    super::rfc3339(cert.not_before())
                ),
            );
        }
        if at > cert.not_after() {
            return fail(
                SubIndication::OutOfBoundsNoPoe,
                format!(
                    "{} expired on {}",
                    name(cert),
                    super::rfc3339(cert.not_after())
                ),
            );
        }
    }
    Ok(())
}
