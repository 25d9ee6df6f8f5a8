//! Signer validation shared by every format: certificate path, proof of existence and
//! revocation, written into a [`SignatureReport`].
//!
//! The format modules check what is theirs (bytes covered, digests, the CMS or XML signature
//! value) and then hand the signer and the evidence the signature carries to
//! [`validate_signer`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::pki::http::HttpLimits;
use crate::pki::{
    Certificate, Crl, OcspResponse, OcspStatus, PathValidation, TrustStore, Usage, rfc3339,
    validate_path,
};
use crate::policy::{RevocationMode, ValidationPolicy};
use crate::report::{
    Indication, RevocationReport, RevocationStatus, SignatureReport, SubIndication,
};

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

/// Network answers (OCSP responses, CRLs) kept for a few minutes, keyed by URL and request.
///
/// Only answers that parsed are kept; the cache is bounded and shared by clones.
#[derive(Debug, Clone, Default)]
pub struct FetchCache(Arc<Mutex<FetchEntries>>);

/// Answers by (URL, request sent; empty for GET), with when they were fetched.
type FetchEntries = HashMap<(String, Vec<u8>), (Instant, Vec<u8>)>;

impl FetchCache {
    /// How long an answer is reused.
    const TTL: Duration = Duration::from_secs(300);
    /// Most answers kept.
    const MAX_ENTRIES: usize = 4096;

    /// The cached answer for (`url`, `request`), or `fetch`'s when there is none; `accept`
    /// decides whether an answer is worth keeping.
    fn get_or_fetch(
        &self,
        url: &str,
        request: &[u8],
        fetch: impl FnOnce() -> crate::Result<Vec<u8>>,
        accept: impl Fn(&[u8]) -> bool,
    ) -> crate::Result<Vec<u8>> {
        let key = (url.to_owned(), request.to_vec());
        if let Ok(map) = self.0.lock()
            && let Some((at, answer)) = map.get(&key)
            && at.elapsed() < Self::TTL
        {
            return Ok(answer.clone());
        }
        let answer = fetch()?;
        if accept(&answer)
            && let Ok(mut map) = self.0.lock()
        {
            if map.len() >= Self::MAX_ENTRIES {
                map.retain(|_, (at, _)| at.elapsed() < Self::TTL);
                if map.len() >= Self::MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), answer.clone()));
        }
        Ok(answer)
    }
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

/// Revocation of the signer (the CAs are covered by their own CRLs when supplied).
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
    let fresh = |this_update: OffsetDateTime, next_update: Option<OffsetDateTime>| match next_update
    {
        Some(n) => at <= n,
        None => at <= this_update + time::Duration::days(7),
    };
    let Some(issuer) = path.chain.get(1) else {
        // A trusted self-signed signer has no issuer to ask.
        return;
    };
    let signer = evidence.signer;
    let mut fetched_ocsp = Vec::new();
    let mut fetched_crls = Vec::new();
    if options.policy.online {
        fetch_online(
            &options.fetch_cache,
            HttpLimits::from(&options.policy.limits),
            signer,
            issuer,
            &mut fetched_ocsp,
            &mut fetched_crls,
            report,
        );
    }
    let ocsp_sources = evidence
        .ocsp
        .iter()
        .map(|o| (o, "embedded"))
        .chain(options.ocsp.iter().map(|o| (o, "supplied")))
        .chain(fetched_ocsp.iter().map(|o| (o, "online")));
    let mut status: Option<(RevocationStatus, String, Option<OffsetDateTime>)> = None;
    for (resp, source) in ocsp_sources {
        match resp.answer_for(signer, issuer) {
            Ok(Some(answer)) => {
                let s = match answer.status {
                    OcspStatus::Good if !fresh(answer.this_update, answer.next_update) => {
                        report.warnings.push(format!(
                            "ocsp_stale: a {source} OCSP answer of {} no longer speaks for {}",
                            rfc3339(answer.this_update),
                            rfc3339(at)
                        ));
                        continue;
                    }
                    OcspStatus::Good => (RevocationStatus::Good, format!("ocsp:{source}"), None),
                    OcspStatus::Revoked { time, .. } => (
                        RevocationStatus::Revoked,
                        format!("ocsp:{source}"),
                        Some(time),
                    ),
                    OcspStatus::Unknown => continue,
                };
                // A revoked answer wins over a good one.
                if status
                    .as_ref()
                    .is_none_or(|(st, _, _)| *st != RevocationStatus::Revoked)
                {
                    status = Some(s);
                }
            }
            Ok(None) => {}
            Err(e) => report.warnings.push(format!("ocsp_ignored: {e}")),
        }
    }
    let crl_sources = evidence
        .crls
        .iter()
        .map(|c| (c, "embedded"))
        .chain(options.crls.iter().map(|c| (c, "supplied")))
        .chain(fetched_crls.iter().map(|c| (c, "online")));
    for (crl, source) in crl_sources {
        if !matches!(crl.is_signed_by(issuer), Ok(true)) {
            continue;
        }
        match crl.lookup(signer) {
            Some(entry) => {
                status = Some((
                    RevocationStatus::Revoked,
                    format!("crl:{source}"),
                    Some(entry.revocation_time),
                ));
            }
            None if status.is_none() && fresh(crl.this_update(), crl.next_update()) => {
                status = Some((RevocationStatus::Good, format!("crl:{source}"), None));
            }
            None => {}
        }
    }
    match status {
        Some((RevocationStatus::Revoked, source, Some(revoked_at))) => {
            report.revocation = Some(RevocationReport {
                status: RevocationStatus::Revoked,
                source: Some(source),
            });
            match evidence.proof_of_existence {
                Some(poe) if poe < revoked_at => report.warnings.push(format!(
                    "revoked_after_signing: revoked on {}, after the proven signing time",
                    rfc3339(revoked_at)
                )),
                Some(_) => report.fail(
                    Indication::TotalFailed,
                    SubIndication::Revoked,
                    format!("the signing certificate was revoked on {}", rfc3339(revoked_at)),
                ),
                None => report.fail(
                    Indication::Indeterminate,
                    SubIndication::RevokedNoPoe,
                    format!(
                        "the signing certificate was revoked on {} and nothing proves the signature is older",
                        rfc3339(revoked_at)
                    ),
                ),
            }
        }
        Some((st, source, _)) => {
            report.revocation = Some(RevocationReport {
                status: st,
                source: Some(source),
            });
        }
        None => {
            report.revocation = Some(RevocationReport {
                status: RevocationStatus::Unknown,
                source: None,
            });
            if options.policy.revocation == RevocationMode::Require {
                report.fail(
                    Indication::Indeterminate,
                    SubIndication::TryLater,
                    "revocation status is required but unknown",
                );
            } else {
                report
                    .warnings
                    .push("revocation_unknown: no CRL or OCSP answer for the signer".into());
            }
        }
    }
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
