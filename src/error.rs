//! The one error type of kyso.
//!
//! Every failure on input from outside (a file, a token, a network answer) ends up here as a
//! typed value with a message a user can act on; kyso never panics on such input.

use std::fmt;

/// Why an operation of kyso failed.
///
/// Variants are grouped by cause, not by module, so that a caller can tell "your file is
/// broken" from "kyso does not support this" from "the signing key is not acceptable".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file or stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// The input is not well-formed in its own format (DER, PEM, PDF, XML, PKCS#12, …).
    #[error("malformed {format}: {detail}")]
    Malformed {
        /// The format that failed to parse, such as `"DER certificate"` or `"PDF xref"`.
        format: Format,
        /// What exactly was wrong.
        detail: String,
    },

    /// The input uses a feature, algorithm or variant that kyso does not support (yet or by
    /// policy).
    #[error("unsupported: {0}")]
    Unsupported(String),

    /// The input exceeds a resource limit of the policy (size, depth, count).
    #[error("limit exceeded: {what} (limit {limit})")]
    LimitExceeded {
        /// The limited quantity.
        what: &'static str,
        /// The limit in force.
        limit: u64,
    },

    /// A PKCS#12 file or encrypted key could not be opened with the given password.
    #[error("wrong password, or the key container is damaged")]
    WrongPassword,

    /// Signing was refused before any signature was made: the certificate, key or algorithm
    /// does not meet the signing policy.
    #[error("signing refused: {0}")]
    SigningRefused(String),

    /// A signer (key file, token, remote service) failed to produce a signature.
    #[error("signer failed: {0}")]
    Signer(String),

    /// Options given by the caller are invalid or contradictory.
    #[error("invalid option: {0}")]
    InvalidOption(String),

    /// A signature's algorithm does not fit the key that is to verify it (an ECDSA signature
    /// "by" an RSA key, RSA-PSS by an EC key). Such a signature cannot be valid: a verifier
    /// that meets one is looking at a forgery or a wrong issuer, never at an unsupported case.
    #[error("{algorithm} cannot be made with the key ({key})")]
    AlgorithmKeyMismatch {
        /// The signature algorithm the data claims, such as `ecdsa-with-sha256`.
        algorithm: String,
        /// The verifying key's type, such as `RSA 4096`.
        key: String,
    },

    /// A network fetch (OCSP, CRL, time-stamp) failed.
    #[error("network: {0}")]
    Network(String),

    /// A PKCS#11 module or token could not be used (see [`TokenError`]).
    #[error("PKCS#11: {0}")]
    Token(#[from] TokenError),

    /// A two-phase signature could not be finished (see [`StateError`]); nothing was written.
    #[error("cannot finish: {0}")]
    State(#[from] StateError),
}

/// Why a PKCS#11 token could not sign. No variant carries a PIN: messages name the module,
/// the token and the object, never the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The module (the vendor's `.so`/`.dll`) could not be loaded or initialised.
    #[error("module {module}: {detail}")]
    Module {
        /// The module's path.
        module: String,
        /// What the loader or `C_Initialize` said.
        detail: String,
    },
    /// No token matches the selection.
    #[error("no token {wanted} (present: {present})")]
    TokenNotFound {
        /// The selection, such as `label "VNPT-CA"`.
        wanted: String,
        /// The tokens that are there, by label and serial, or "none".
        present: String,
    },
    /// No private key, or more than one, matches the selection.
    #[error("{0}")]
    Key(String),
    /// The key has no certificate on the token and none was given in a file.
    #[error("no certificate for the key {key} on the token; give one with --chain")]
    NoCertificate {
        /// The key's label or id.
        key: String,
    },
    /// The PIN was not accepted.
    #[error("wrong PIN{}", pin_hint(.count_low, .final_try, .locked))]
    WrongPin {
        /// The token says few tries are left (CKF_USER_PIN_COUNT_LOW).
        count_low: bool,
        /// The token says the next wrong PIN locks it (CKF_USER_PIN_FINAL_TRY).
        final_try: bool,
        /// The token says the PIN is locked (CKF_USER_PIN_LOCKED).
        locked: bool,
    },
    /// The PIN is locked; the token's administrator must unlock it.
    #[error("the PIN is locked")]
    PinLocked,
    /// No PIN could be had: the environment variable is unset, or the callback gave none.
    #[error("no PIN: {0}")]
    NoPin(String),
    /// The token cannot make the signature asked for.
    #[error("the token does not support {0}")]
    Mechanism(String),
    /// Any other failure the module reported.
    #[error("{0}")]
    Device(String),
    /// kyso was built without the `pkcs11` feature.
    #[error("this build of kyso has no PKCS#11 support (cargo feature \"pkcs11\")")]
    NotBuilt,
}

/// What the token's flags say about the tries left after a wrong PIN.
fn pin_hint(count_low: &bool, final_try: &bool, locked: &bool) -> &'static str {
    match (*locked, *final_try, *count_low) {
        (true, _, _) => " (the PIN is now locked)",
        (false, true, _) => " (one try left before the PIN locks)",
        (false, false, true) => " (few tries left)",
        _ => "",
    }
}

/// Why a prepared signature was not finished. Every check runs before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The state's lifetime has passed; prepare again.
    #[error("the prepared state expired at {expired_at}; prepare the document again")]
    Expired {
        /// When it expired (RFC 3339).
        expired_at: String,
    },
    /// The state file was changed after prepare (its checksum does not match, or its parts
    /// do not agree with each other).
    #[error("the prepared state was modified or damaged: {0}")]
    Modified(String),
    /// The document is not the one that was prepared.
    #[error("the document is not the one that was prepared (SHA-256 differs)")]
    OtherDocument,
    /// The signature's length cannot be right for the certificate's key.
    #[error("a signature of {got} bytes cannot come from the {key} key (expected {expected})")]
    SignatureLength {
        /// Bytes given.
        got: usize,
        /// What the key makes, such as `256 bytes` or `64 bytes (r||s) or DER`.
        expected: String,
        /// The key, such as `RSA 2048`.
        key: String,
    },
    /// The signature does not verify with the certificate's key over the prepared digest:
    /// made by another key, or over another hash.
    #[error(
        "the signature does not verify with the signing certificate's key (another key, or another hash)"
    )]
    SignatureMismatch,
}

/// The format a [`Error::Malformed`] error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// DER / BER encoded ASN.1.
    Der,
    /// PEM armour.
    Pem,
    /// An X.509 certificate.
    Certificate,
    /// A private key (PKCS#8, PKCS#1, SEC1).
    Key,
    /// A PKCS#12 container.
    Pkcs12,
    /// CMS / PKCS#7 SignedData.
    Cms,
    /// A certificate revocation list.
    Crl,
    /// An OCSP response.
    Ocsp,
    /// An RFC 3161 time-stamp token or response.
    TimeStamp,
    /// A PDF file.
    Pdf,
    /// An XML document.
    Xml,
    /// A JSON document (options, prepared state).
    Json,
    /// An image (PNG) for a signature appearance.
    Image,
    /// An edXML package's attachments (base64, zip).
    Package,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Der => "DER",
            Format::Pem => "PEM",
            Format::Certificate => "certificate",
            Format::Key => "private key",
            Format::Pkcs12 => "PKCS#12",
            Format::Cms => "CMS",
            Format::Crl => "CRL",
            Format::Ocsp => "OCSP response",
            Format::TimeStamp => "time-stamp",
            Format::Pdf => "PDF",
            Format::Xml => "XML",
            Format::Json => "JSON",
            Format::Image => "image",
            Format::Package => "edXML package",
        })
    }
}

impl Error {
    /// Shorthand for [`Error::Malformed`].
    pub fn malformed(format: Format, detail: impl Into<String>) -> Self {
        Error::Malformed {
            format,
            detail: detail.into(),
        }
    }
}

/// Result with kyso's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
