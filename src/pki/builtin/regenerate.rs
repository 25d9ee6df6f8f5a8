//! Admitting certificates to the built-in issuing-CA bundle (`scripts/update-trust-bundle.sh`):
//! only CAs that chain to a built-in root, through kyso's own path validation.

use std::sync::Arc;

use super::BuiltinSet;
use crate::pki::{Certificate, TrustStore, Usage, validate_path};
use crate::policy::ValidationPolicy;

/// Why a certificate was kept out of a built-in bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct BundleRefusal {
    /// The certificate's name as given (usually its file name).
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Checks candidate issuing-CA certificates against the roots of `roots` and returns them as
/// one concatenated-DER bundle (sorted by name, duplicates once).
///
/// Each must be a CA certificate that validates, through kyso's own path validation, to one
/// of the roots (directly or through other candidates) at a time inside its own validity — so
/// that expired CAs, kept for old documents, still qualify. The first that does not is the
/// error.
pub fn bundle_intermediates(
    candidates: &[(String, Certificate)],
    roots: Arc<BuiltinSet>,
) -> std::result::Result<Vec<u8>, BundleRefusal> {
    let mut sorted: Vec<&(String, Certificate)> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.dedup_by(|a, b| a.1 == b.1);
    let trust = TrustStore::with_builtin(Arc::new(roots.roots_only()));
    let pool: Vec<Certificate> = sorted.iter().map(|(_, c)| c.clone()).collect();
    let mut out = Vec::new();
    for (name, cert) in sorted {
        let refuse = |reason: String| BundleRefusal {
            name: name.clone(),
            reason,
        };
        if !cert.is_ca() {
            return Err(refuse("not a CA certificate".into()));
        }
        let at = cert.not_before() + time::Duration::days(1);
        let policy = ValidationPolicy {
            validation_time: Some(at),
            ..ValidationPolicy::default()
        };
        let others: Vec<Certificate> = pool.iter().filter(|c| *c != cert).cloned().collect();
        let path = validate_path(cert, &others, &trust, at, Usage::Any, &policy);
        if let Err(f) = path.result {
            return Err(refuse(format!(
                "does not chain to a built-in root: {}",
                f.message
            )));
        }
        if path.chain.len() < 2 {
            return Err(refuse("is itself a root, not an issuing CA".into()));
        }
        out.extend_from_slice(cert.der());
    }
    Ok(out)
}
