//! What verification fetches from the network (`online`): answers kept for a few minutes,
//! and the issuer certificates a document left out, from AIA caIssuers addresses.
//!
//! A fetched certificate is only material for building a path: it is trusted only when it
//! chains to an anchor like any other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Format, Result};
use crate::pki::http::HttpLimits;
use crate::pki::{Certificate, TrustStore};
use crate::policy::ValidationPolicy;

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
    pub(crate) fn get_or_fetch(
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

/// Largest caIssuers answer read: one certificate or a small certs-only bundle. Far below the
/// limit for CRLs, which can be large.
const MAX_ISSUER_ANSWER_BYTES: usize = 256 << 10;

/// Issuer certificates fetched for one path, and what went wrong on the way.
#[derive(Debug, Default)]
pub(crate) struct FetchedIssuers {
    /// Every certificate fetched, in the order found.
    pub certificates: Vec<Certificate>,
    /// `issuer_fetch_failed: URL: why`, one per failed address.
    pub warnings: Vec<String>,
}

/// Follows AIA caIssuers addresses up from `leaf` while no known certificate is named as the
/// issuer: at most `limits.max_issuer_fetches` fetches (an address asked again is answered by
/// the cache), the path no longer than `limits.max_chain_length`. `known` are the certificates already at hand (document and
/// caller); the trust store's anchors and built-in CAs count too.
///
/// `get` performs one HTTP GET (the real client, or a test's).
pub(crate) fn fetch_missing_issuers(
    leaf: &Certificate,
    known: &[Certificate],
    trust: &TrustStore,
    policy: &ValidationPolicy,
    cache: &FetchCache,
    get: &dyn Fn(&str, HttpLimits) -> Result<Vec<u8>>,
) -> FetchedIssuers {
    let mut out = FetchedIssuers::default();
    let mut limits = HttpLimits::from(&policy.limits);
    limits.max_body = limits.max_body.min(MAX_ISSUER_ANSWER_BYTES);
    let mut budget = policy.limits.max_issuer_fetches;
    let mut current = leaf.clone();
    for _ in 0..policy.limits.max_chain_length {
        if trust.is_trusted(&current) {
            break;
        }
        let issuer_name = current.issuer().der().to_vec();
        let named = |c: &&Certificate| c.subject().der() == issuer_name.as_slice();
        let at_hand = trust
            .anchors()
            .iter()
            .chain(known)
            .chain(&out.certificates)
            .find(named)
            .cloned()
            .or_else(|| trust.builtin_issuers(&issuer_name).into_iter().next());
        if let Some(issuer) = at_hand {
            // A self-issued certificate that is not an anchor ends the walk.
            if issuer == current {
                break;
            }
            current = issuer;
            continue;
        }
        let mut found = None;
        for url in current.ca_issuer_urls() {
            if budget == 0 {
                out.warnings.push(format!(
                    "issuer_fetch_failed: {url}: more than {} issuer fetches for one path",
                    policy.limits.max_issuer_fetches
                ));
                return out;
            }
            budget -= 1;
            let answer = cache
                .get_or_fetch(url, &[], || get(url, limits), |d| issuer_answer(d).is_ok())
                .and_then(|d| issuer_answer(&d));
            match answer {
                Ok(certs) => {
                    for cert in certs {
                        if !out.certificates.contains(&cert) {
                            out.certificates.push(cert);
                        }
                    }
                    found = out.certificates.iter().find(named).cloned();
                    if found.is_some() {
                        break;
                    }
                    out.warnings.push(format!(
                        "issuer_fetch_failed: {url}: no certificate named {}",
                        current.issuer().to_rfc4514()
                    ));
                }
                Err(e) => out
                    .warnings
                    .push(format!("issuer_fetch_failed: {url}: {e}")),
            }
        }
        match found {
            Some(issuer) => current = issuer,
            None => break,
        }
    }
    out
}

/// The certificates of a caIssuers answer: one DER certificate or a certs-only SignedData
/// (RFC 5280 §4.2.2.1), or, as some CAs serve, PEM text.
fn issuer_answer(data: &[u8]) -> Result<Vec<Certificate>> {
    if let Ok(cert) = Certificate::from_der(data) {
        return Ok(vec![cert]);
    }
    if let Ok(certs) = crate::cms::certificates_only(data) {
        return Ok(certs);
    }
    if data.trim_ascii_start().starts_with(b"-----BEGIN") {
        return crate::pki::bundle::certificates_from(data, "caIssuers answer");
    }
    Err(Error::malformed(
        Format::Der,
        "neither a certificate nor a certs-only SignedData",
    ))
}
