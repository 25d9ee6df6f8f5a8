//! Signer validation shared by every format: certificate path, proof of existence and
//! revocation, written into a [`SignatureReport`].
//!
//! The format modules check what is theirs (bytes covered, digests, the CMS or XML signature
//! value) and then hand the signer and the evidence the signature carries to
//! [`validate_signer`].

use time::OffsetDateTime;

pub use crate::online::FetchCache;
use crate::pki::http::HttpLimits;
use crate::pki::{
    Certificate, Crl, OcspResponse, OcspStatus, PathValidation, TrustStore, Usage, rfc3339,
    validate_path,
};
use crate::policy::{AlgorithmRefusal, RevocationMode, ValidationPolicy};
use crate::report::{
    CertificateSource, ChainRevocationReport, Indication, RevocationReport, RevocationStatus,
    SignatureReport, SubIndication,
};

/// Writes the algorithm policy's answer about `what` (the signature, a reference's digest,
/// the signer's key) into the report: a `weak_algorithm` warning, SIG_CRYPTO_FAILURE when the
/// algorithm cannot have been made with the key (forged or the wrong key), and
/// CRYPTO_CONSTRAINTS_FAILURE when the policy refuses it. The one translation of
/// [`ValidationPolicy::check_algorithm`], [`ValidationPolicy::check_digest`] and
/// [`ValidationPolicy::check_key`] for every format.
pub(crate) fn record_algorithm(
    report: &mut SignatureReport,
    what: &str,
    verdict: Result<Option<String>, AlgorithmRefusal>,
) {
    match verdict {
        Ok(None) => {}
        Ok(Some(weak)) => report
            .warnings
            .push(format!("weak_algorithm: {what}: {weak}")),
        Err(mismatch @ AlgorithmRefusal::Mismatch { .. }) => report.fail(
            Indication::TotalFailed,
            SubIndication::SigCryptoFailure,
            format!("{what}: {mismatch}"),
        ),
        Err(refusal) => report.fail(
            Indication::TotalFailed,
            SubIndication::CryptoConstraintsFailure,
            format!("{what}: {refusal}"),
        ),
    }
}

/// Raises a signature from B-T to B-LT (`levels`: the two names in its format) when the
/// document carries revocation material (`carries_material`) and the signer's status was
/// actually decided from what is embedded: material that decided nothing proves no level.
pub(crate) fn raise_to_lt(
    report: &mut SignatureReport,
    carries_material: bool,
    levels: (&str, &str),
) {
    let decided_from_document = report.revocation.as_ref().is_some_and(|r| {
        r.status != RevocationStatus::Unknown
            && r.source.as_deref().is_some_and(|s| s.ends_with("embedded"))
    });
    if report.level == levels.0 && carries_material && decided_from_document {
        report.level = levels.1.into();
    }
}

/// What the caller brings to verification: trust anchors, policy, and revocation data and
/// certificates from outside the document.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Trust anchors (the pinned Vietnamese roots are on by default).
    pub trust: TrustStore,
    /// Validation policy.
    pub policy: ValidationPolicy,
    /// Extra certificates that may complete chains.
    pub certificates: Vec<Certificate>,
    /// CRLs supplied by the caller (`--crl`).
    pub crls: Vec<Crl>,
    /// OCSP responses supplied by the caller (`--ocsp`).
    pub ocsp: Vec<OcspResponse>,
    /// Answers fetched online, shared by every clone of these options (one CLI run over many
    /// files asks each responder once).
    pub fetch_cache: FetchCache,
}

/// What a signature carries about its signer.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The signing certificate.
    pub signer: &'a Certificate,
    /// Certificates found in the signature or document.
    pub certificates: &'a [Certificate],
    /// CRLs embedded in the signature or document.
    pub crls: &'a [Crl],
    /// OCSP responses embedded in the signature or document.
    pub ocsp: &'a [OcspResponse],
    /// The earliest time the signature is proven to have existed (a verified signature
    /// time-stamp's genTime), if any.
    pub proof_of_existence: Option<OffsetDateTime>,
    /// The validated chain of the time-stamping unit behind `proof_of_existence`, TSA first;
    /// empty without a time-stamp.
    pub timestamp_chain: &'a [Certificate],
}

/// Maps a path sub-indication to its main indication (ETSI EN 319 102-1 §5.2.6: broken
/// cryptography fails; an incomplete or unprovable path is indeterminate).
fn path_indication(sub: SubIndication) -> Indication {
    match sub {
        SubIndication::CryptoConstraintsFailure | SubIndication::Revoked => Indication::TotalFailed,
        _ => Indication::Indeterminate,
    }
}

/// Validates the signer's certificate path at the validation time (or, for an expired
/// certificate, at the proven time of existence), then its revocation status. Failures are
/// recorded in `report`; success leaves it untouched but for the signer, chain and warnings.
pub fn validate_signer(
    evidence: &Evidence<'_>,
    options: &VerifyOptions,
    report: &mut SignatureReport,
) {
    report.signer = Some(evidence.signer.to_signer_report());
    let mut evidence = *evidence;
    if let Err(why) = check_timestamp_unit(&evidence, options, report) {
        // A time-stamp from a unit revoked before it stamped proves nothing.
        report.warnings.push(format!("timestamp_unusable: {why}"));
        evidence.proof_of_existence = None;
    }
    let evidence = &evidence;
    let mut pool: Vec<Certificate> = evidence.certificates.to_vec();
    pool.extend(options.certificates.iter().cloned());
    let now = options.policy.time();
    let mut path = validate_path(
        evidence.signer,
        &pool,
        &options.trust,
        now,
        Usage::DocumentSigning,
        &options.policy,
    );
    let mut fetched = Vec::new();
    if options.policy.online
        && matches!(&path.result, Err(f) if f.sub_indication == SubIndication::NoCertificateChainFound)
    {
        let found = crate::online::fetch_missing_issuers(
            evidence.signer,
            &pool,
            &options.trust,
            &options.policy,
            &options.fetch_cache,
            &crate::pki::http::get,
        );
        report.warnings.extend(found.warnings);
        if !found.certificates.is_empty() {
            fetched = found.certificates;
            pool.extend(fetched.iter().cloned());
            path = validate_path(
                evidence.signer,
                &pool,
                &options.trust,
                now,
                Usage::DocumentSigning,
                &options.policy,
            );
        }
    }
    let mut reference_time = now;
    if let (Err(f), Some(poe)) = (&path.result, evidence.proof_of_existence)
        && f.sub_indication == SubIndication::OutOfBoundsNoPoe
    {
        let at_poe = validate_path(
            evidence.signer,
            &pool,
            &options.trust,
            poe,
            Usage::DocumentSigning,
            &options.policy,
        );
        if at_poe.result.is_ok() {
            report.warnings.push(format!(
                "certificate_expired: the chain was valid when the signature was time-stamped ({})",
                rfc3339(poe)
            ));
            path = at_poe;
            reference_time = poe;
        }
    }
    report.chain = path.chain_subjects();
    report.chain_sources = path
        .chain
        .iter()
        .enumerate()
        .map(|(i, cert)| certificate_source(i, cert, evidence, options, &fetched))
        .collect();
    report.warnings.extend(path.warnings.iter().cloned());
    if let Err(f) = &path.result {
        report.fail(
            path_indication(f.sub_indication),
            f.sub_indication,
            f.message.clone(),
        );
        return;
    }
    check_revocation(evidence, options, &path, reference_time, report);
}

/// Where the `i`-th certificate of a validated chain came from; the document first, as the
/// path search tries its certificates first.
fn certificate_source(
    i: usize,
    cert: &Certificate,
    evidence: &Evidence<'_>,
    options: &VerifyOptions,
    fetched: &[Certificate],
) -> CertificateSource {
    if i == 0 || evidence.certificates.contains(cert) {
        CertificateSource::Document
    } else if options.certificates.contains(cert) || options.trust.anchors().contains(cert) {
        CertificateSource::Caller
    } else if fetched.contains(cert) {
        CertificateSource::Network
    } else {
        CertificateSource::Builtin
    }
}

/// One certificate's revocation status, as found.
struct Status {
    status: RevocationStatus,
    source: String,
    revoked_at: Option<OffsetDateTime>,
}

/// Revocation of every certificate of the path but the trust anchor: the signer and each CA,
/// from OCSP answers and CRLs that are embedded, supplied or fetched online.
///
/// A revoked signer or CA fails the signature unless a proof of existence predates the
/// revocation; an unknown status is INDETERMINATE under [`RevocationMode::Require`] and a
/// warning naming the certificate otherwise.
fn check_revocation(
    evidence: &Evidence<'_>,
    options: &VerifyOptions,
    path: &PathValidation,
    reference_time: OffsetDateTime,
    report: &mut SignatureReport,
) {
    if options.policy.revocation == RevocationMode::Off {
        return;
    }
    // "Good" must speak for the time that matters: the proven signing time when there is
    // one (long-term files carry the answers of that time), otherwise the validation time.
    // A replayed old answer whose validity ended before then says nothing.
    let at = evidence.proof_of_existence.unwrap_or(reference_time);
    let mut unknown = Vec::new();
    for (i, pair) in path.chain.windows(2).enumerate() {
        let (cert, issuer) = (&pair[0], &pair[1]);
        let found = certificate_status(cert, issuer, at, evidence, options, report);
        let element = ChainRevocationReport {
            subject: cert.subject().to_rfc4514(),
            status: found
                .as_ref()
                .map_or(RevocationStatus::Unknown, |s| s.status),
            source: found.as_ref().map(|s| s.source.clone()),
            revoked_at: found.as_ref().and_then(|s| s.revoked_at).map(rfc3339),
        };
        if i == 0 {
            report.revocation = Some(RevocationReport {
                status: element.status,
                source: element.source.clone(),
            });
        }
        report.chain_revocation.push(element);
        match found {
            Some(Status {
                status: RevocationStatus::Revoked,
                revoked_at,
                ..
            }) => {
                let revoked_at = revoked_at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
                let what = if i == 0 {
                    "the signing certificate".to_owned()
                } else {
                    format!("the CA certificate {}", cert.subject().to_rfc4514())
                };
                match evidence.proof_of_existence {
                    Some(poe) if poe < revoked_at => report.warnings.push(format!(
                        "revoked_after_signing: {what} was revoked on {}, after the proven signing time",
                        rfc3339(revoked_at)
                    )),
                    Some(_) => report.fail(
                        Indication::TotalFailed,
                        SubIndication::Revoked,
                        format!("{what} was revoked on {}", rfc3339(revoked_at)),
                    ),
                    None => report.fail(
                        Indication::Indeterminate,
                        if i == 0 {
                            SubIndication::RevokedNoPoe
                        } else {
                            SubIndication::RevokedCaNoPoe
                        },
                        format!(
                            "{what} was revoked on {} and nothing proves the signature is older",
                            rfc3339(revoked_at)
                        ),
                    ),
                }
            }
            Some(_) => {}
            None => unknown.push(cert.subject().to_rfc4514()),
        }
    }
    if unknown.is_empty() {
        return;
    }
    if options.policy.revocation == RevocationMode::Require {
        report.fail(
            Indication::Indeterminate,
            SubIndication::TryLater,
            format!(
                "revocation status is required but unknown for {}",
                unknown.join("; ")
            ),
        );
    } else {
        for subject in unknown {
            report.warnings.push(format!(
                "revocation_unknown: no CRL or OCSP answer for {subject}"
            ));
        }
    }
}

/// Revocation of the time-stamping unit's chain at the time-stamp's genTime: a TSA (or one of
/// its CAs) revoked at or before that time voids the proof of existence, and so does an
/// unknown status under [`RevocationMode::Require`]; in soft mode an unknown status is a
/// warning naming the certificate.
fn check_timestamp_unit(
    evidence: &Evidence<'_>,
    options: &VerifyOptions,
    report: &mut SignatureReport,
) -> Result<(), String> {
    let Some(gen_time) = evidence.proof_of_existence else {
        return Ok(());
    };
    if options.policy.revocation == RevocationMode::Off {
        return Ok(());
    }
    for pair in evidence.timestamp_chain.windows(2) {
        let (cert, issuer) = (&pair[0], &pair[1]);
        let subject = cert.subject().to_rfc4514();
        match certificate_status(cert, issuer, gen_time, evidence, options, report) {
            Some(Status {
                status: RevocationStatus::Revoked,
                revoked_at,
                ..
            }) if revoked_at.is_none_or(|t| t <= gen_time) => {
                return Err(format!(
                    "the time-stamping certificate {subject} was revoked on {}, before it stamped",
                    revoked_at.map(rfc3339).unwrap_or_default()
                ));
            }
            Some(_) => {}
            None if options.policy.revocation == RevocationMode::Require => {
                return Err(format!(
                    "revocation status is required but unknown for the time-stamping certificate {subject}"
                ));
            }
            None => report.warnings.push(format!(
                "revocation_unknown: no CRL or OCSP answer for the time-stamping certificate {subject}"
            )),
        }
    }
    Ok(())
}

/// What the available OCSP answers and CRLs say about `cert`, issued by `issuer`, at `at`.
fn certificate_status(
    cert: &Certificate,
    issuer: &Certificate,
    at: OffsetDateTime,
    evidence: &Evidence<'_>,
    options: &VerifyOptions,
    report: &mut SignatureReport,
) -> Option<Status> {
    let fresh = |this_update: OffsetDateTime, next_update: Option<OffsetDateTime>| match next_update
    {
        Some(n) => at <= n,
        None => at <= this_update + time::Duration::days(7),
    };
    let mut fetched_ocsp = Vec::new();
    let mut fetched_crls = Vec::new();
    if options.policy.online {
        fetch_online(
            &options.fetch_cache,
            HttpLimits::from(&options.policy.limits),
            cert,
            issuer,
            &mut fetched_ocsp,
            &mut fetched_crls,
            report,
        );
    }
    let crls: Vec<(&Crl, &str)> = evidence
        .crls
        .iter()
        .map(|c| (c, "embedded"))
        .chain(options.crls.iter().map(|c| (c, "supplied")))
        .chain(fetched_crls.iter().map(|c| (c, "online")))
        .filter(|(crl, source)| crl_speaks_for(crl, issuer, &options.policy, source, report))
        .collect();
    let ocsp_sources = evidence
        .ocsp
        .iter()
        .map(|o| (o, "embedded"))
        .chain(options.ocsp.iter().map(|o| (o, "supplied")))
        .chain(fetched_ocsp.iter().map(|o| (o, "online")));
    let mut status: Option<Status> = None;
    for (resp, source) in ocsp_sources {
        match resp.answer_for(cert, issuer) {
            Ok(Some(answer)) => {
                if let Err(why) = responder_authorised(&answer, issuer, &crls, &options.policy) {
                    report
                        .warnings
                        .push(format!("ocsp_ignored: a {source} OCSP answer: {why}"));
                    continue;
                }
                let s = match answer.status {
                    OcspStatus::Good if !fresh(answer.this_update, answer.next_update) => {
                        report.warnings.push(format!(
                            "ocsp_stale: a {source} OCSP answer of {} no longer speaks for {}",
                            rfc3339(answer.this_update),
                            rfc3339(at)
                        ));
                        continue;
                    }
                    OcspStatus::Good => Status {
                        status: RevocationStatus::Good,
                        source: format!("ocsp:{source}"),
                        revoked_at: None,
                    },
                    OcspStatus::Revoked { time, .. } => Status {
                        status: RevocationStatus::Revoked,
                        source: format!("ocsp:{source}"),
                        revoked_at: Some(time),
                    },
                    OcspStatus::Unknown => continue,
                };
                // A revoked answer wins over a good one.
                if status
                    .as_ref()
                    .is_none_or(|st| st.status != RevocationStatus::Revoked)
                {
                    status = Some(s);
                }
            }
            Ok(None) => {}
            Err(e) => report.warnings.push(format!("ocsp_ignored: {e}")),
        }
    }
    for (crl, source) in crls {
        match crl.lookup(cert) {
            Some(entry) => {
                status = Some(Status {
                    status: RevocationStatus::Revoked,
                    source: format!("crl:{source}"),
                    revoked_at: Some(entry.revocation_time),
                });
            }
            None if status.is_none() && fresh(crl.this_update(), crl.next_update()) => {
                status = Some(Status {
                    status: RevocationStatus::Good,
                    source: format!("crl:{source}"),
                    revoked_at: None,
                });
            }
            None => {}
        }
    }
    status
}

/// Whether `crl` is `issuer`'s, signed with an algorithm the policy accepts, by a key whose
/// keyUsage allows CRL signing (RFC 5280 §6.3.3 (f)).
fn crl_speaks_for(
    crl: &Crl,
    issuer: &Certificate,
    policy: &crate::ValidationPolicy,
    source: &str,
    report: &mut SignatureReport,
) -> bool {
    if crl.issuer().der() != issuer.subject().der() {
        return false;
    }
    if let Some(defect) = crl.defects().first() {
        report.warnings.push(format!(
            "crl_ignored: a {source} CRL of {} has {defect}",
            issuer.subject().to_rfc4514()
        ));
        return false;
    }
    if issuer.key_usage().is_some_and(|ku| !ku.crl_sign) {
        report.warnings.push(format!(
            "crl_ignored: a {source} CRL of {}, whose keyUsage does not allow cRLSign",
            issuer.subject().to_rfc4514()
        ));
        return false;
    }
    let refused = match (crl.signature_algorithm(), issuer.key_kind()) {
        (Ok(algorithm), Some(key)) => policy.check_algorithm(algorithm, key).err(),
        _ => None,
    };
    if let Some(refusal) = refused {
        report.warnings.push(format!(
            "crl_ignored: a {source} CRL of {}: {refusal}",
            issuer.subject().to_rfc4514()
        ));
        return false;
    }
    matches!(crl.is_signed_by(issuer), Ok(true))
}

/// RFC 6960 §4.2.2.2: the CA itself answers, or a certificate it issued directly for
/// id-kp-OCSPSigning (checked by [`OcspResponse::answer_for`]) that was valid when the
/// answer was produced and, unless it carries id-pkix-ocsp-nocheck, is not revoked on the
/// CA's CRLs. The answer's algorithm must pass the policy either way.
fn responder_authorised(
    answer: &crate::pki::OcspAnswer,
    issuer: &Certificate,
    crls: &[(&Crl, &str)],
    policy: &crate::ValidationPolicy,
) -> Result<(), String> {
    let responder = &answer.responder;
    let key = responder
        .key_kind()
        .ok_or_else(|| "the responder's key is not supported".to_owned())?;
    policy
        .check_algorithm(answer.algorithm, key)
        .map_err(|refusal| format!("its signature: {refusal}"))?;
    if responder == issuer {
        return Ok(());
    }
    let name = responder.subject().to_rfc4514();
    if !responder.is_valid_at(answer.produced_at) {
        return Err(format!(
            "the responder {name} was not valid when the answer was produced ({})",
            rfc3339(answer.produced_at)
        ));
    }
    if let (Ok(algorithm), Some(issuer_key)) = (responder.signature_algorithm(), issuer.key_kind())
    {
        policy
            .check_algorithm(algorithm, issuer_key)
            .map_err(|refusal| format!("the responder {name}: {refusal}"))?;
    }
    if responder.ocsp_no_check() {
        return Ok(());
    }
    if let Some(entry) = crls.iter().find_map(|(crl, _)| crl.lookup(responder)) {
        return Err(format!(
            "the responder {name} was revoked on {}",
            rfc3339(entry.revocation_time)
        ));
    }
    // Without ocsp-nocheck the responder's own status is a question too; when revocation is
    // required, an answer from a responder nobody vouches for is no answer.
    if crls.is_empty() && policy.revocation == RevocationMode::Require {
        return Err(format!(
            "the responder {name} has no ocsp-nocheck and no CRL of its issuer says it is good"
        ));
    }
    Ok(())
}

fn fetch_online(
    cache: &FetchCache,
    limits: HttpLimits,
    signer: &Certificate,
    issuer: &Certificate,
    ocsp: &mut Vec<OcspResponse>,
    crls: &mut Vec<Crl>,
    report: &mut SignatureReport,
) {
    for url in signer.ocsp_urls().iter().take(2) {
        let result =
            crate::pki::build_ocsp_request(signer, issuer, crate::DigestAlgorithm::Sha1, None)
                .and_then(|req| {
                    cache.get_or_fetch(
                        url,
                        &req,
                        || crate::pki::http::post(url, "application/ocsp-request", &req, limits),
                        |der| OcspResponse::parse(der).is_ok(),
                    )
                })
                .and_then(|der| OcspResponse::parse(&der));
        match result {
            Ok(r) => {
                ocsp.push(r);
                return;
            }
            Err(e) => report
                .warnings
                .push(format!("ocsp_fetch_failed: {url}: {e}")),
        }
    }
    for url in signer.crl_urls().iter().take(2) {
        let fetched = cache.get_or_fetch(
            url,
            &[],
            || crate::pki::http::get(url, limits),
            |der| Crl::parse(der).is_ok(),
        );
        match fetched.and_then(|der| Crl::parse(&der)) {
            Ok(c) => {
                crls.push(c);
                return;
            }
            Err(e) => report
                .warnings
                .push(format!("crl_fetch_failed: {url}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SignatureAlgorithm;
    use crate::pki::fixtures::{cert, fixture};
    use crate::pki::{OcspAnswer, OcspStatus};
    use crate::{DigestAlgorithm, ValidationPolicy, WeakAlgorithms};

    /// A verified answer from `responder`, produced at `produced_at`, signed with `digest`.
    fn answer(responder: &str, produced_at: OffsetDateTime, digest: DigestAlgorithm) -> OcspAnswer {
        OcspAnswer {
            status: OcspStatus::Good,
            this_update: produced_at,
            next_update: None,
            produced_at,
            responder: cert(responder),
            algorithm: SignatureAlgorithm::rsa_pkcs1(digest),
        }
    }

    #[test]
    fn a_delegated_responder_must_be_valid_unrevoked_and_within_policy() {
        use time::macros::datetime;
        let (ca, policy) = (cert("business-ca"), ValidationPolicy::default());
        let crl = Crl::parse(&fixture("business-ca.crl")).expect("crl");
        let crls = [(&crl, "supplied")];
        let when = datetime!(2026-01-01 00:00 UTC);
        let sha256 = DigestAlgorithm::Sha256;
        // ocsp-business: issued by the CA for OCSPSigning, with ocsp-nocheck.
        assert_eq!(
            responder_authorised(&answer("ocsp-business", when, sha256), &ca, &crls, &policy),
            Ok(())
        );
        // The same responder after its certificate expired (2044).
        let late = answer("ocsp-business", datetime!(2046-01-01 00:00 UTC), sha256);
        let why = responder_authorised(&late, &ca, &crls, &policy).expect_err("expired");
        assert!(
            why.contains("was not valid when the answer was produced"),
            "{why}"
        );
        // A certificate on the CA's CRL, without ocsp-nocheck, answers for nobody.
        let revoked = answer("revoked", when, sha256);
        let why = responder_authorised(&revoked, &ca, &crls, &policy).expect_err("revoked");
        assert!(why.contains("was revoked"), "{why}");
        // SHA-1 under a strict policy, even from the CA itself.
        let strict = ValidationPolicy {
            weak_algorithms: WeakAlgorithms::Reject,
            ..ValidationPolicy::default()
        };
        let mut sha1 = answer("business-ca", when, DigestAlgorithm::Sha1);
        sha1.responder = ca.clone();
        let why = responder_authorised(&sha1, &ca, &crls, &strict).expect_err("SHA-1");
        assert!(why.contains("SHA-1"), "{why}");
        // A responder without ocsp-nocheck needs its own status when revocation is required.
        let required = ValidationPolicy {
            revocation: RevocationMode::Require,
            ..ValidationPolicy::default()
        };
        let unchecked = answer("business", when, sha256);
        let why = responder_authorised(&unchecked, &ca, &[], &required).expect_err("unknown");
        assert!(why.contains("no ocsp-nocheck"), "{why}");
        assert_eq!(
            responder_authorised(&unchecked, &ca, &crls, &required),
            Ok(())
        );
        assert_eq!(
            responder_authorised(&unchecked, &ca, &[], &policy),
            Ok(()),
            "soft mode"
        );
    }

    #[test]
    fn fetched_answers_are_reused_and_bad_ones_are_not_kept() {
        let cache = FetchCache::default();
        let calls = std::cell::Cell::new(0);
        let fetch = || {
            calls.set(calls.get() + 1);
            Ok(b"answer".to_vec())
        };
        let shared = cache.clone();
        assert_eq!(
            cache.get_or_fetch("http://a/", b"q", fetch, |_| true).ok(),
            Some(b"answer".to_vec())
        );
        assert_eq!(
            shared.get_or_fetch("http://a/", b"q", fetch, |_| true).ok(),
            Some(b"answer".to_vec())
        );
        assert_eq!(calls.get(), 1, "a clone shares the cache");
        cache
            .get_or_fetch("http://a/", b"other request", fetch, |_| true)
            .ok();
        assert_eq!(calls.get(), 2, "another request is another key");
        cache.get_or_fetch("http://b/", b"q", fetch, |_| false).ok();
        cache.get_or_fetch("http://b/", b"q", fetch, |_| false).ok();
        assert_eq!(
            calls.get(),
            4,
            "answers that do not parse are fetched again"
        );
        assert!(
            cache
                .get_or_fetch(
                    "http://c/",
                    b"q",
                    || Err(crate::Error::Network("down".into())),
                    |_| true
                )
                .is_err()
        );
    }
}
