//! Trust anchors: certificates the caller trusts, and the pinned Vietnamese roots.

use std::path::Path;

use super::Certificate;
use crate::error::{Error, Result};

/// SHA-256 fingerprints of the Vietnamese national roots that kyso trusts by default.
///
/// A root that arrives in a document or through the caller and whose DER hashes to one of
/// these is trusted. Vietnamese signers usually embed the whole chain, root included.
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

/// The set of trust anchors for path validation.
///
/// A store also remembers the certificate links it has seen verified, so a chain checked
/// again (the same CA for the next document) costs no signature operation; clones share that
/// memory. Keep one store for a stream of documents.
///
/// ```
/// use kyso::pki::TrustStore;
/// let mut trust = TrustStore::new(); // pinned Vietnamese roots on
/// trust.add_path("fixtures/pki/root.pem")?;
/// assert_eq!(trust.anchors().len(), 1);
/// # Ok::<(), kyso::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    pins: Vec<[u8; 32]>,
    use_pins: bool,
    /// Certificate links already verified; clones share it.
    links: super::verified::VerifiedLinks,
}

impl Default for TrustStore {
    fn default() -> Self {
        Self::new()
    }
}

impl TrustStore {
    /// A store with no explicit anchors and the Vietnamese root pins on.
    pub fn new() -> Self {
        let pins = VIETNAMESE_ROOT_PINS
            .iter()
            .filter_map(|(_, hex_fp)| {
                let bytes = hex::decode(hex_fp).ok()?;
                bytes.try_into().ok()
            })
            .collect();
        TrustStore {
            anchors: Vec::new(),
            pins,
            use_pins: true,
            links: Default::default(),
        }
    }

    /// The memory of certificate links verified under this store (shared by its clones).
    pub(crate) fn verified_links(&self) -> &super::verified::VerifiedLinks {
        &self.links
    }

    /// Turns the pinned Vietnamese roots on or off.
    pub fn set_pinned_roots(&mut self, on: bool) {
        self.use_pins = on;
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
        let path = path.as_ref();
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| Error::InvalidOption(format!("{}: {e}", path.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(
                            e.to_ascii_lowercase().as_str(),
                            "pem" | "crt" | "cer" | "der"
                        )
                    })
                })
                .collect();
            entries.sort();
            let mut n = 0;
            for p in entries {
                n += self.add_all(super::bundle::read_certificates(&p)?);
            }
            Ok(n)
        } else {
            Ok(self.add_all(super::bundle::read_certificates(path)?))
        }
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

    /// Whether a certificate is a trust anchor: added explicitly, or matching a pin.
    pub fn is_trusted(&self, cert: &Certificate) -> bool {
        self.anchors.contains(cert) || (self.use_pins && self.pins.contains(&cert.sha256()))
    }
}
