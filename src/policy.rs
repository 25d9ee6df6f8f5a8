//! Policies: what a verifier accepts and what a signer may produce.
//!
//! A policy is one plain value handed down through every layer; kyso has no global settings.
//! The defaults are the safe ones; loosening a rule takes a named field.

use time::OffsetDateTime;

use crate::crypto::{DigestAlgorithm, KeyKind, SignatureAlgorithm};

/// What "revocation status unknown" means during verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationMode {
    /// Unknown status makes the signature INDETERMINATE (TRY_LATER).
    Require,
    /// Check what is available; unknown status is a warning.
    #[default]
    Soft,
    /// Do not check revocation at all.
    Off,
}

/// How weak (but still widely deployed) algorithms such as SHA-1 are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeakAlgorithms {
    /// Accept with a `weak_algorithm` warning. Vietnamese CAs issued SHA-1 certificates as late
    /// as 2022, so this is the default.
    #[default]
    Warn,
    /// Treat as CRYPTO_CONSTRAINTS_FAILURE.
    Reject,
}

/// Resource limits applied to untrusted input. Every parser loop and allocation in kyso is
/// bounded by one of these.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest document accepted, in bytes.
    pub max_document_bytes: u64,
    /// Largest decompressed stream (PDF object streams, xref streams), in bytes.
    pub max_decompressed_bytes: u64,
    /// Deepest nesting of PDF objects or XML elements.
    pub max_nesting: u32,
    /// Most XML nodes in one document.
    pub max_xml_nodes: u32,
    /// Most attributes on one XML element.
    pub max_xml_attributes: u32,
    /// Most references in one XML signature.
    pub max_references: u32,
    /// Most transforms in one XML reference.
    pub max_transforms: u32,
    /// Most PDF revisions (incremental updates) followed.
    pub max_revisions: u32,
    /// Most PDF objects in one cross-reference section.
    pub max_pdf_objects: u32,
    /// Longest certificate path built.
    pub max_chain_length: u32,
    /// Most signatures examined in one document.
    pub max_signatures: u32,
    /// Most issuer certificates fetched from AIA caIssuers addresses for one path (`online`).
    pub max_issuer_fetches: u32,
    /// Connect, read and write timeout of one exchange with a network service (OCSP, CRL,
    /// time-stamp), in milliseconds; the whole exchange ends within three times this.
    pub network_timeout_ms: u64,
    /// Largest answer accepted from a network service, in bytes.
    pub max_network_response_bytes: u64,
    /// edXML: most attachments (and manifest entries) in one package.
    pub max_attachments: u32,
    /// edXML: largest decoded attachment, and largest file inflated from a zipped one, in
    /// bytes. Checked against what an archive declares before inflating, and against what it
    /// actually inflates to while inflating.
    pub max_attachment_bytes: u64,
    /// edXML: most bytes decoded and inflated for one package, all attachments together.
    pub max_package_bytes: u64,
    /// edXML: most entries in one zip archive.
    pub max_archive_entries: u32,
    /// edXML: highest ratio of inflated to compressed size of a zip entry. Documents
    /// compress a few times at most; a zip bomb compresses a thousand times.
    pub max_compression_ratio: u32,
    /// edXML: how many zip archives deep kyso opens. 1: an attachment may be a zip, a zip
    /// inside it is refused (an archive quine or nested bomb never gets a second level).
    pub max_archive_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 4 << 30,
            max_decompressed_bytes: 256 << 20,
            max_nesting: 64,
            max_xml_nodes: 5_000_000,
            max_xml_attributes: 256,
            max_references: 30,
            max_transforms: 5,
            max_revisions: 1_000,
            max_pdf_objects: 10_000_000,
            max_chain_length: 8,
            max_signatures: 500,
            max_issuer_fetches: 4,
            network_timeout_ms: 10_000,
            max_network_response_bytes: 16 << 20,
            max_attachments: 1_000,
            max_attachment_bytes: 128 << 20,
            max_package_bytes: 512 << 20,
            max_archive_entries: 1_000,
            max_compression_ratio: 100,
            max_archive_depth: 1,
        }
    }
}

/// What a verifier accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationPolicy {
    /// The time at which certificates are validated; `None` means now.
    pub validation_time: Option<OffsetDateTime>,
    /// What unknown revocation status means.
    pub revocation: RevocationMode,
    /// Whether kyso may fetch OCSP responses and CRLs over the network.
    pub online: bool,
    /// How SHA-1 and other weak-but-common algorithms are treated.
    pub weak_algorithms: WeakAlgorithms,
    /// Smallest RSA modulus accepted in a signature, a certificate path, a CRL, an OCSP
    /// response or a time-stamp, in bits. 2048 by default; 1024 is refused unless a caller
    /// lowers this on purpose (it is factorable by a well-funded attacker).
    pub min_rsa_bits: usize,
    /// Treat a mismatch between the signer's tax code and the seller's tax code in an e-invoice
    /// as a failure instead of a warning.
    pub strict_tax_code: bool,
    /// Resource limits on the input.
    pub limits: Limits,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        ValidationPolicy {
            validation_time: None,
            revocation: RevocationMode::default(),
            online: false,
            weak_algorithms: WeakAlgorithms::default(),
            min_rsa_bits: 2048,
            strict_tax_code: false,
            limits: Limits::default(),
        }
    }
}

/// Why [`ValidationPolicy::check_algorithm`] refused an (algorithm, key) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlgorithmRefusal {
    /// The algorithm cannot be made with the key at all (ECDSA "by" an RSA key): whatever
    /// carries it is forged or names the wrong key. Never a matter of policy.
    Mismatch {
        /// The claimed algorithm, such as `ecdsa-with-sha256`.
        algorithm: String,
        /// The key, such as `RSA 4096`.
        key: String,
    },
    /// The pair fits but the policy does not accept it (SHA-1 under a strict policy, a short
    /// RSA key).
    Policy(String),
}

impl std::fmt::Display for AlgorithmRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AlgorithmRefusal::Mismatch { algorithm, key } => {
                write!(f, "{algorithm} cannot be made with the key ({key})")
            }
            AlgorithmRefusal::Policy(why) => f.write_str(why),
        }
    }
}

impl From<AlgorithmRefusal> for crate::Error {
    fn from(refusal: AlgorithmRefusal) -> Self {
        match refusal {
            AlgorithmRefusal::Mismatch { algorithm, key } => {
                crate::Error::AlgorithmKeyMismatch { algorithm, key }
            }
            AlgorithmRefusal::Policy(why) => crate::Error::Unsupported(why),
        }
    }
}

impl ValidationPolicy {
    /// The validation time: the policy's, or now.
    pub fn time(&self) -> OffsetDateTime {
        self.validation_time.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Whether the policy accepts a key of this kind and size, whatever it signs: RSA from
    /// [`ValidationPolicy::min_rsa_bits`]. (Curves other than P-256 and P-384 never get this
    /// far: their keys are not read.)
    pub fn check_key(&self, key: KeyKind) -> Result<(), AlgorithmRefusal> {
        match key {
            KeyKind::Rsa { bits } if bits < self.min_rsa_bits => {
                Err(AlgorithmRefusal::Policy(format!(
                    "an RSA key of {bits} bits (the policy requires {})",
                    self.min_rsa_bits
                )))
            }
            _ => Ok(()),
        }
    }

    /// Whether a signature made with `algorithm` by `key` is acceptable: the one place that
    /// decides it for certificates, CRLs, OCSP responses, time-stamp tokens, CMS signer infos
    /// and XML signatures.
    ///
    /// `Ok(None)` accepts; `Ok(Some(warning))` accepts with a `weak_algorithm` warning (SHA-1
    /// under [`WeakAlgorithms::Warn`]); `Err` refuses.
    ///
    /// ```
    /// use kyso::crypto::{DigestAlgorithm, KeyKind, SignatureAlgorithm};
    /// use kyso::{AlgorithmRefusal, ValidationPolicy};
    ///
    /// let policy = ValidationPolicy::default();
    /// let rsa = KeyKind::Rsa { bits: 4096 };
    /// let sha256_rsa = SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256);
    /// assert_eq!(policy.check_algorithm(sha256_rsa, rsa), Ok(None));
    /// let ecdsa = SignatureAlgorithm::ecdsa(DigestAlgorithm::Sha256);
    /// assert!(matches!(
    ///     policy.check_algorithm(ecdsa, rsa),
    ///     Err(AlgorithmRefusal::Mismatch { .. })
    /// ));
    /// ```
    pub fn check_algorithm(
        &self,
        algorithm: SignatureAlgorithm,
        key: KeyKind,
    ) -> Result<Option<String>, AlgorithmRefusal> {
        if !algorithm.scheme.fits(key) {
            return Err(AlgorithmRefusal::Mismatch {
                algorithm: algorithm.name(),
                key: key.to_string(),
            });
        }
        self.check_key(key)?;
        self.weak(algorithm.digest, &algorithm.name())
    }

    /// Whether a digest is acceptable where no key is involved (an XML reference, a
    /// certificate hash in signed properties) or before the key is known: the digest half of
    /// [`ValidationPolicy::check_algorithm`], with the same answers.
    ///
    /// ```
    /// use kyso::crypto::DigestAlgorithm;
    /// use kyso::{ValidationPolicy, WeakAlgorithms};
    ///
    /// let mut policy = ValidationPolicy::default();
    /// assert_eq!(policy.check_digest(DigestAlgorithm::Sha256), Ok(None));
    /// assert!(matches!(policy.check_digest(DigestAlgorithm::Sha1), Ok(Some(_))));
    /// policy.weak_algorithms = WeakAlgorithms::Reject;
    /// assert!(policy.check_digest(DigestAlgorithm::Sha1).is_err());
    /// ```
    pub fn check_digest(
        &self,
        digest: DigestAlgorithm,
    ) -> Result<Option<String>, AlgorithmRefusal> {
        self.weak(digest, digest.name())
    }

    /// The weak-digest rule itself, naming `what` (an algorithm or a digest) in its answer.
    fn weak(
        &self,
        digest: DigestAlgorithm,
        what: &str,
    ) -> Result<Option<String>, AlgorithmRefusal> {
        if !digest.is_weak() {
            return Ok(None);
        }
        match self.weak_algorithms {
            WeakAlgorithms::Reject => Err(AlgorithmRefusal::Policy(format!(
                "{what} (SHA-1 is refused by the policy)"
            ))),
            WeakAlgorithms::Warn => Ok(Some(format!("{what} uses SHA-1"))),
        }
    }
}

/// What a signer may produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningPolicy {
    /// Digest for the document and signed attributes. SHA-1 is refused.
    pub digest: DigestAlgorithm,
    /// The signing time written into the signature, and against which the signing
    /// certificate's validity window is checked; `None` means now.
    pub signing_time: Option<OffsetDateTime>,
    /// Smallest RSA modulus accepted, in bits.
    pub min_rsa_bits: usize,
    /// Smallest elliptic-curve field, in bits.
    pub min_ec_bits: usize,
}

impl Default for SigningPolicy {
    fn default() -> Self {
        SigningPolicy {
            digest: DigestAlgorithm::Sha256,
            signing_time: None,
            min_rsa_bits: 2048,
            min_ec_bits: 256,
        }
    }
}

impl SigningPolicy {
    /// The signing time: the policy's, or now.
    pub fn time(&self) -> OffsetDateTime {
        self.signing_time.unwrap_or_else(OffsetDateTime::now_utc)
    }
}
