//! Trust anchors: certificates the caller trusts, and the built-in Vietnamese roots.

use std::path::Path;
use std::sync::Arc;

use super::Certificate;
use super::builtin::{BuiltinRole, BuiltinSet};
use crate::error::Result;

/// SHA-256 fingerprints of the Vietnamese national roots that kyso trusts by default.
///
/// kyso ships these certificates ([`BuiltinSet::vietnam`]); a test checks the shipped bytes
/// against these values. A copy that arrives in a document is the same certificate and is
/// trusted alike.
pub const VIETNAMESE_ROOT_PINS: &[(&str, &str)] = &[
    (
        "Vietnam National Root CA",
        "BAC8BF609AB420A8EE1780D74F4DE5C7F7184959D2A7375B0A75E4C29F0908E7",
    ),
    (
        "MIC National Root CA",
        "B703D458C25FA914556DA10EB2CDAE16DB83ABB0DFB8FC80919164CE7A18B825",
    ),
    (
        "RootCA chuyên dùng Chính phủ G2",
        "F04BA4B459A7C9A1B971AD9B1CB833E695A80C79AEA63B174B66A70EDFE2FDB8",
    ),
];

/// SHA-256 fingerprints of the first-generation national roots (SHA-1 era, still within
/// validity), shipped as legacy anchors: trusted with a `legacy_root` warning, refused when
/// the policy rejects weak algorithms.
pub const LEGACY_ROOT_PINS: &[(&str, &str)] = &[
    (
        "MIC National Root CA (2008)",
        "CA918D635BB130BEC97639E6AABF7EDBC4EB1310F8058B9419F467AE0230AD8C",
    ),
    (
        "Co quan chung thuc so chuyen dung Chinh phu (RootCA, 2010)",
        "F7BC89054CEC7F12730D7B8CD3EB7955B163835087E5EB873EDFB584763B3F90",
    ),
];

/// The set of trust anchors for path validation.
///
/// A store also remembers the certificate links it has seen verified, so a chain checked
/// again (the same CA for the next document) costs no signature operation; clones share that
/// memory. Keep one store for a stream of documents.
///
/// ```
/// use kyso::pki::TrustStore;
/// let mut trust = TrustStore::new(); // built-in Vietnamese roots on
/// trust.add_path("fixtures/pki/root.pem")?;
/// assert_eq!(trust.anchors().len(), 1);
/// # Ok::<(), kyso::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    builtin: Arc<BuiltinSet>,
    /// Whether the built-in roots (national and legacy) are anchors.
    builtin_roots: bool,
    /// Certificate links already verified; clones share it.
    links: super::verified::VerifiedLinks,
}

impl Default for TrustStore {
    fn default() -> Self {
        Self::new()
    }
}

impl TrustStore {
    /// A store with no explicit anchors, the built-in Vietnamese roots as anchors and the
    /// built-in issuing CAs as path-building material.
    pub fn new() -> Self {
        Self::with_builtin(BuiltinSet::vietnam())
    }

    /// A store whose built-in anchors and material are `builtin` instead of kyso's own (a
    /// deployment with its own PKI; tests).
    pub fn with_builtin(builtin: Arc<BuiltinSet>) -> Self {
        TrustStore {
            anchors: Vec::new(),
            builtin,
            builtin_roots: true,
            links: Default::default(),
        }
    }

    /// The built-in certificates this store uses.
    pub fn builtin(&self) -> &BuiltinSet {
        &self.builtin
    }

    /// The memory of certificate links verified under this store (shared by its clones).
    pub(crate) fn verified_links(&self) -> &super::verified::VerifiedLinks {
        &self.links
    }

    /// Turns the built-in roots (national and legacy) on or off as anchors. The built-in
    /// issuing CAs stay as material: they are trusted only through an anchor.
    pub fn set_pinned_roots(&mut self, on: bool) {
        self.builtin_roots = on;
    }

    /// Adds a trusted certificate.
    pub fn add(&mut self, cert: Certificate) {
        if !self.anchors.contains(&cert) {
            self.anchors.push(cert);
        }
    }

    /// Adds every certificate of a DER certificate or a PEM bundle. Returns how many.
    ///
    /// Every block must be a certificate that parses (see [`super::bundle`]); the error
    /// names the block. Use [`super::bundle::certificates_from`] and [`TrustStore::add`] to
    /// give the data a name for messages.
    pub fn add_bytes(&mut self, data: &[u8]) -> Result<usize> {
        Ok(self.add_all(super::bundle::certificates_from(data, "trust data")?))
    }

    /// Adds a file (PEM bundle or DER), or every `.pem`, `.crt`, `.cer` and `.der` file of a
    /// directory (not recursive). Returns how many certificates were added.
    ///
    /// Every PEM block of every file must be a certificate that parses; anything else is an
    /// [`Error::InvalidOption`] naming the file and the block.
    pub fn add_path(&mut self, path: impl AsRef<Path>) -> Result<usize> {
        Ok(self.add_all(super::bundle::read_certificates(path)?))
    }

    fn add_all(&mut self, certs: Vec<Certificate>) -> usize {
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add(c));
        n
    }

    /// The explicit anchors.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// Whether a certificate is a trust anchor: added explicitly, or a built-in root (the
    /// shipped copy or the same certificate from a document).
    pub fn is_trusted(&self, cert: &Certificate) -> bool {
        self.anchors.contains(cert)
            || (self.builtin_roots
                && matches!(
                    self.builtin.anchor_role(cert.der()),
                    Some(BuiltinRole::Root | BuiltinRole::LegacyRoot)
                ))
    }

    /// Whether `cert` is trusted only as a built-in legacy root (not also added by the caller).
    pub fn is_legacy_anchor(&self, cert: &Certificate) -> bool {
        self.builtin_roots
            && !self.anchors.contains(cert)
            && self.builtin.anchor_role(cert.der()) == Some(BuiltinRole::LegacyRoot)
    }

    /// Built-in certificates named `issuer_name` (DER) that may complete a path: the issuing
    /// CAs, and the roots while they are on.
    pub(crate) fn builtin_issuers(&self, issuer_name: &[u8]) -> Vec<Certificate> {
        self.builtin.by_subject(issuer_name, self.builtin_roots)
    }
}
