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
