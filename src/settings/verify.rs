//! What a caller asks of verification and inspection.

use serde::Deserialize;

use super::value::{invalid, is_inline, load, load_all, parse_time};
use crate::error::{Error, Result};
use crate::inspect::InspectOptions;
use crate::pki::{TrustStore, bundle};
use crate::policy::{RevocationMode, ValidationPolicy, WeakAlgorithms};
use crate::render::Lang;
use crate::validation::VerifyOptions;

/// Verification settings, named as the CLI's `verify` options. Material (`trust`, `cert`,
/// `crl`, `ocsp`) is given as paths (files or, for `trust`, directories), PEM text, or DER
/// as `base64:…`; every PEM block of each is read and must parse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerifySettings {
    /// `--trust`: trust anchors.
    pub trust: Vec<String>,
    /// `--no-pinned-roots`: do not trust the pinned Vietnamese national roots.
    pub no_pinned_roots: bool,
    /// `--cert`: certificates that may complete chains; never trusted by themselves.
    #[serde(alias = "certificates")]
    pub cert: Vec<String>,
    /// `--crl`: CRLs (DER, or PEM with any number of blocks).
    pub crl: Vec<String>,
    /// `--ocsp`: OCSP responses (DER, or PEM with any number of blocks).
    pub ocsp: Vec<String>,
    /// `--online`: fetch revocation data and missing issuers over the network.
    pub online: bool,
    /// `--revocation`: what unknown revocation status means.
    pub revocation: RevocationMode,
    /// `--at`: validation time (RFC 3339); now when absent.
    pub at: Option<String>,
    /// `--strict`: SHA-1 fails, and an e-invoice signed by another tax code than the seller's
    /// fails.
    pub strict: bool,
    /// `--lang`: language of rendered reports and error messages.
    pub lang: Lang,
    /// `--jobs`: files verified at once by batch verification (0 counts as 1).
    pub jobs: usize,
}

impl VerifySettings {
    /// The validation policy these settings ask for.
    pub fn policy(&self) -> Result<ValidationPolicy> {
        Ok(ValidationPolicy {
            validation_time: parse_time(self.at.as_deref(), "at")?,
            revocation: self.revocation,
            online: self.online,
            weak_algorithms: if self.strict {
                WeakAlgorithms::Reject
            } else {
                WeakAlgorithms::Warn
            },
            strict_tax_code: self.strict,
            ..ValidationPolicy::default()
        })
    }

    /// Everything verification needs, every file read and parsed now: a bad value is an
    /// error before any document is looked at.
    pub fn verify_options(&self) -> Result<VerifyOptions> {
        Ok(VerifyOptions {
            trust: trust_store(&self.trust, self.no_pinned_roots)?,
            policy: self.policy()?,
            certificates: load_all(&self.cert, "cert", bundle::certificates_from)?,
            crls: load_all(&self.crl, "crl", bundle::crls_from)?,
            ocsp: load_all(&self.ocsp, "ocsp", bundle::ocsp_responses_from)?,
            fetch_cache: Default::default(),
        })
    }
}

/// Inspection settings, named as the CLI's `inspect` options.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InspectSettings {
    /// The PKCS#12 password (the CLI reads it from `--password-env`).
    pub password: Option<String>,
    /// `--trust`: validate each certificate's chain against these anchors.
    pub trust: Vec<String>,
    /// `--no-pinned-roots`: do not trust the pinned Vietnamese national roots.
    pub no_pinned_roots: bool,
    /// `--at`: validation time (RFC 3339); now when absent.
    pub at: Option<String>,
    /// `--lang`: language of the rendered summary and error messages.
    pub lang: Lang,
}

/// Passwords stay out of debug output and logs.
impl std::fmt::Debug for InspectSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InspectSettings")
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("trust", &self.trust)
            .field("no_pinned_roots", &self.no_pinned_roots)
            .field("at", &self.at)
            .field("lang", &self.lang)
            .finish()
    }
}

impl InspectSettings {
    /// The options of [`crate::inspect::inspect`]; chains are validated only when `trust`
    /// names anchors.
    pub fn inspect_options(&self) -> Result<InspectOptions> {
        Ok(InspectOptions {
            password: self.password.clone(),
            trust: if self.trust.is_empty() {
                None
            } else {
                Some(trust_store(&self.trust, self.no_pinned_roots)?)
            },
            policy: ValidationPolicy {
                validation_time: parse_time(self.at.as_deref(), "at")?,
                ..ValidationPolicy::default()
            },
        })
    }
}

/// The anchors of `--trust` (files, directories or inline values) on top of the pinned
/// roots, unless those are turned off.
fn trust_store(values: &[String], no_pinned_roots: bool) -> Result<TrustStore> {
    let mut store = TrustStore::new();
    store.set_pinned_roots(!no_pinned_roots);
    for (i, value) in values.iter().enumerate() {
        if is_inline(value) {
            let (data, name) = load(value, "trust", i)?;
            bundle::certificates_from(&data, &name)?
                .into_iter()
                .for_each(|c| store.add(c));
        } else {
            store.add_path(value).map_err(|e| match e {
                Error::InvalidOption(m) => invalid(format!("--trust {m}")),
                other => invalid(format!("--trust {value}: {other}")),
            })?;
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = serde_json::from_str::<VerifySettings>(r#"{"trust": [], "trusted": []}"#)
            .expect_err("unknown key");
        assert!(err.to_string().contains("unknown field `trusted`"), "{err}");
    }

    #[test]
    fn strict_turns_weak_algorithms_into_failures() {
        let s: VerifySettings =
            serde_json::from_str(r#"{"strict": true, "revocation": "require"}"#).expect("json");
        let p = s.policy().expect("policy");
        assert_eq!(p.weak_algorithms, WeakAlgorithms::Reject);
        assert!(p.strict_tax_code);
        assert_eq!(p.revocation, RevocationMode::Require);
    }

    #[test]
    fn bad_trust_paths_name_the_option() {
        let s = VerifySettings {
            trust: vec!["/no/such/root.pem".into()],
            ..VerifySettings::default()
        };
        let err = s.verify_options().expect_err("missing");
        assert!(
            err.to_string().contains("--trust /no/such/root.pem"),
            "{err}"
        );
    }
}
