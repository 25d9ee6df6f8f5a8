//! Certification path building and validation (RFC 5280 §6, as document signing needs it: no
//! certificate-policy processing; name constraints through rustls-webpki).

use time::OffsetDateTime;

use super::certificate::{eku, reason};
pub use super::path_failure::PathFailure;
use super::{Certificate, TrustStore};
use crate::policy::{AlgorithmRefusal, ValidationPolicy, WeakAlgorithms};
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
/// are tried. A candidate is an issuer only when its key verifies the certificate's signature
/// (`Ok(true)`, with an algorithm that fits the key): an error of any kind ends that
/// candidate. An anchored path is then checked whole: every algorithm and key under the
/// policy, every certificate's structure, every validity window, the end entity's purpose,
/// and, for an end entity, rustls-webpki's reading of the same path.
///
/// When no path holds, the failure of the most complete path is reported; when no candidate
/// issuer verified, the reason the nearest one was refused (a forged link names the
/// certificate and the issuer it claims).
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
        policy,
        max_len: policy.limits.max_chain_length.max(1) as usize,
        checks: 0,
        refused_link: None,
    };
    let mut path = vec![leaf.clone()];
    let mut found = None;
    search.build(&mut path, &mut |chain| {
        let outcome = check_path(chain, at, usage, policy, trust);
        let ok = outcome.result.is_ok();
        if ok || found.is_none() {
            found = Some(outcome);
        }
        ok
    });
    found.unwrap_or_else(|| PathValidation {
        chain: Vec::new(),
        result: Err(search.refused_link.take().unwrap_or_else(|| PathFailure {
            sub_indication: SubIndication::NoCertificateChainFound,
            message: format!(
                "no path from {} to a trusted root",
                leaf.subject().to_rfc4514()
            ),
        })),
        warnings: Vec::new(),
    })
}

struct Search<'a> {
    extra: &'a [Certificate],
    trust: &'a TrustStore,
    policy: &'a ValidationPolicy,
    max_len: usize,
    checks: usize,
    /// Why the first candidate issuer that matched by name was refused.
    refused_link: Option<PathFailure>,
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
            // A trusted certificate ends the path; do not look above it.
            return accept(path);
        }
        if path.len() >= self.max_len {
            return false;
        }
        // Built-in certificates come last: a copy the document or the caller brings is tried
        // first, and the shipped one only when that fails.
        let builtin = self.trust.builtin_issuers(current.issuer().der());
        let mut candidates: Vec<&Certificate> = self
            .trust
            .anchors()
            .iter()
            .chain(self.extra.iter())
            .chain(builtin.iter())
            .filter(|c| c.subject().der() == current.issuer().der())
            .filter(|c| match (current.authority_key_id(), c.subject_key_id()) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            })
            // A certificate whose key and name are already in the path would loop (RFC 4158
            // §5.2), whatever its other bytes.
            .filter(|c| {
                !path
                    .iter()
                    .any(|p| p.spki_der() == c.spki_der() && p.subject().der() == c.subject().der())
            })
            .collect();
        // Anchors first, then the rest in the order given.
        candidates.sort_by_key(|c| !self.trust.is_trusted(c));
        candidates.dedup_by(|a, b| a == b);
        for candidate in candidates {
            if self.checks >= MAX_SIGNATURE_CHECKS {
                return false;
            }
            self.checks += 1;
            if let Err(refusal) = self.link(&current, candidate) {
                self.refused_link.get_or_insert(refusal);
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

    /// Whether `issuer` issued `subject`: its key verifies the signature, with an algorithm
    /// that fits the key. Whether the policy accepts the algorithm is judged on the whole
    /// path, so that the report names it.
    fn link(&self, subject: &Certificate, issuer: &Certificate) -> Result<(), PathFailure> {
        let refused = |sub_indication, why: String| PathFailure {
            sub_indication,
            message: format!(
                "{} names {} as its issuer, but {why}",
                name(subject),
                name(issuer)
            ),
        };
        let algorithm = subject.signature_algorithm().map_err(|e| {
            refused(
                SubIndication::CryptoConstraintsFailure,
                format!("its signature cannot be checked: {}", reason(e)),
            )
        })?;
        let key = issuer.public_key().map_err(|e| {
            refused(
                SubIndication::CryptoConstraintsFailure,
                format!("the issuer's key cannot be used: {}", reason(e)),
            )
        })?;
        if let Err(mismatch @ AlgorithmRefusal::Mismatch { .. }) =
            self.policy.check_algorithm(algorithm, key.kind())
        {
            return Err(refused(
                SubIndication::CertificateChainGeneralFailure,
                format!("it was not issued by that key: {mismatch}"),
            ));
        }
        match self.trust.verified_links().verify(subject, issuer, key) {
            Ok(true) => Ok(()),
            Ok(false) => Err(refused(
                SubIndication::CertificateChainGeneralFailure,
                "the signature does not verify with the issuer's key: it was not issued by it"
                    .into(),
            )),
            Err(e) => Err(refused(
                SubIndication::CertificateChainGeneralFailure,
                format!(
                    "the signature cannot be verified with the issuer's key: {}",
                    reason(e)
                ),
            )),
        }
    }
}

fn fail(sub: SubIndication, message: String) -> Result<(), PathFailure> {
    Err(PathFailure {
        sub_indication: sub,
        message,
    })
}

/// Checks an anchored path: algorithms, then structure, then time, then, for an end entity,
/// rustls-webpki's reading of the same path.
fn check_path(
    chain: &[Certificate],
    at: OffsetDateTime,
    usage: Usage,
    policy: &ValidationPolicy,
    trust: &TrustStore,
) -> PathValidation {
    let mut warnings = Vec::new();
    let result = check_algorithms(chain, policy, &mut warnings)
        .and_then(|()| check_legacy_anchor(chain, policy, trust, &mut warnings))
        .and_then(|()| check_structure(chain, usage))
        .and_then(|()| check_time(chain, at))
        .and_then(|()| check_name_constraints(chain, at, trust));
    PathValidation {
        chain: chain.to_vec(),
        result,
        warnings,
    }
}

/// A path ending at a built-in first-generation root: documents of about 2010–2020 chain
/// there, so it is trusted with a warning, unless the policy rejects weak algorithms (the
/// roots and their CAs belong to the SHA-1 generation).
fn check_legacy_anchor(
    chain: &[Certificate],
    policy: &ValidationPolicy,
    trust: &TrustStore,
    warnings: &mut Vec<String>,
) -> Result<(), PathFailure> {
    let Some(anchor) = chain.last().filter(|a| trust.is_legacy_anchor(a)) else {
        return Ok(());
    };
    if policy.weak_algorithms == WeakAlgorithms::Reject {
        return fail(
            SubIndication::CryptoConstraintsFailure,
            format!(
                "the path ends at {}, a first-generation (SHA-1) national root, which the \
                 policy refuses with weak algorithms",
                name(anchor)
            ),
        );
    }
    warnings.push(format!(
        "legacy_root: the path ends at {}, a first-generation (SHA-1) national root",
        name(anchor)
    ));
    Ok(())
}

fn name(c: &Certificate) -> String {
    c.subject().to_rfc4514()
}

/// Every key of the path, and every signature but the anchor's own, under the one algorithm
/// policy.
fn check_algorithms(
    chain: &[Certificate],
    policy: &ValidationPolicy,
    warnings: &mut Vec<String>,
) -> Result<(), PathFailure> {
    for (i, cert) in chain.iter().enumerate() {
        let key = match cert.key_kind() {
            Some(k) => k,
            None => {
                return fail(
                    SubIndication::CryptoConstraintsFailure,
                    format!("{}: unsupported public key", name(cert)),
                );
            }
        };
        if let Err(refusal) = policy.check_key(key) {
            return fail(
                SubIndication::CryptoConstraintsFailure,
                format!("{}: {refusal}", name(cert)),
            );
        }
        // The anchor's own signature is not part of the path (it is trusted as given).
        let Some(issuer) = chain.get(i + 1) else {
            continue;
        };
        let (Ok(algorithm), Some(issuer_key)) = (cert.signature_algorithm(), issuer.key_kind())
        else {
            return fail(
                SubIndication::CryptoConstraintsFailure,
                format!("{}: its signature algorithm is not supported", name(cert)),
            );
        };
        match policy.check_algorithm(algorithm, issuer_key) {
            Ok(None) => {}
            Ok(Some(weak)) => warnings.push(format!("weak_algorithm: {}: {weak}", name(cert))),
            Err(refusal @ AlgorithmRefusal::Mismatch { .. }) => {
                return fail(
                    SubIndication::CertificateChainGeneralFailure,
                    format!("{}: {refusal}", name(cert)),
                );
            }
            Err(refusal) => {
                return fail(
                    SubIndication::CryptoConstraintsFailure,
                    format!("{}: {refusal}", name(cert)),
                );
            }
        }
    }
    Ok(())
}

/// Name constraints are enforced by rustls-webpki, which validates end entities only. A CA
/// certificate as the target of a path with name constraints is refused rather than accepted
/// unchecked.
fn check_name_constraints(
    chain: &[Certificate],
    at: OffsetDateTime,
    trust: &TrustStore,
) -> Result<(), PathFailure> {
    let Some(leaf) = chain.first() else {
        return Ok(());
    };
    // A trust anchor alone is trusted as given; there is no issued certificate to check.
    if chain.len() < 2 {
        return Ok(());
    }
    if !leaf.is_ca() {
        return super::webpki_check::check(chain, at, trust.verified_links());
    }
    if let Some(constrained) = chain.iter().skip(1).find(|c| c.has_name_constraints()) {
        return fail(
            SubIndication::ChainConstraintsFailure,
            format!(
                "{} is a CA certificate under the name constraints of {}, which kyso checks \
                 for end-entity certificates only",
                name(leaf),
                name(constrained)
            ),
        );
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
        let is_anchor = i + 1 == chain.len();
        let defect = if is_anchor {
            cert.anchor_defects().first().map(String::as_str)
        } else {
            cert.issuance_defects().next()
        };
        if let Some(defect) = defect {
            return fail(
                SubIndication::ChainConstraintsFailure,
                format!("{} has {defect}", name(cert)),
            );
        }
        if i == 0 {
            // keyCertSign belongs to CAs (RFC 5280 §4.2.1.3), and a CA certificate does not
            // sign documents or time-stamps.
            if !cert.is_ca() && cert.key_usage().is_some_and(|ku| ku.key_cert_sign) {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    format!(
                        "{}: keyUsage keyCertSign without basicConstraints cA",
                        name(cert)
                    ),
                );
            }
            if cert.is_ca() && matches!(usage, Usage::DocumentSigning | Usage::TimeStamping) {
                return fail(
                    SubIndication::ChainConstraintsFailure,
                    format!("{} is a CA certificate, not a signer's", name(cert)),
                );
            }
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
    // Certificate times have whole seconds; notAfter 23:59:59 covers that whole second.
    let at = at.replace_nanosecond(0).unwrap_or(at);
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
