//! Which key on which PKCS#11 token: the description a caller gives, and what a token lists.
//!
//! These types exist in every build so that settings, the C ABI and Python read the same
//! options whether or not kyso was built with the `pkcs11` feature; opening the key
//! ([`crate::crypto::Pkcs11Signer`]) needs the feature.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Result, TokenError};

/// A key on a PKCS#11 token, and how to log in to it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey {
    /// The vendor's PKCS#11 module (`.so`, `.dylib`, `.dll`).
    pub module: PathBuf,
    /// The token's label (`CKA_LABEL` of its token info); `None` with no serial either means
    /// the only token present.
    pub token_label: Option<String>,
    /// The token's serial number, for two tokens with the same label.
    pub token_serial: Option<String>,
    /// The private key's `CKA_LABEL`.
    pub key_label: Option<String>,
    /// The private key's `CKA_ID`; the certificate with the same id is its certificate.
    pub key_id: Option<Vec<u8>>,
    /// The environment variable holding the user PIN; `None` for a token with a PIN pad
    /// (protected authentication path) or for a PIN from [`PinSource::Callback`].
    pub pin_env: Option<String>,
    /// PEM certificates (signer first) used when the token holds no certificate for the key,
    /// and issuers to add when it holds only the signer's.
    pub chain_pem: Vec<u8>,
    /// The most sessions signed through at once (batch signing); `None` asks the token.
    pub sessions: Option<usize>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pkcs11({}, {})", self.module.display(), self.key_name())
    }
}

impl TokenKey {
    /// The key as messages name it: `label "…"`, `id 01ab`, or `the only key`.
    pub fn key_name(&self) -> String {
        match (&self.key_label, &self.key_id) {
            (Some(label), Some(id)) => format!("label {label:?} id {}", hex::encode(id)),
            (Some(label), None) => format!("label {label:?}"),
            (None, Some(id)) => format!("id {}", hex::encode(id)),
            (None, None) => "the only key".to_owned(),
        }
    }

    /// The token as messages name it.
    pub fn token_name(&self) -> String {
        match (&self.token_label, &self.token_serial) {
            (Some(label), Some(serial)) => format!("label {label:?} serial {serial:?}"),
            (Some(label), None) => format!("label {label:?}"),
            (None, Some(serial)) => format!("serial {serial:?}"),
            (None, None) => "(the only one present)".to_owned(),
        }
    }
}

/// A user PIN: held as `secrecy`'s string, which zeroes it when dropped and prints as
/// `[REDACTED]`.
pub type Pin = secrecy_pin::SecretString;

/// Where the PIN comes from. Never from a command-line argument: other users of the machine
/// can read those (`/proc/*/cmdline`), and shells keep them in history.
#[derive(Clone)]
pub enum PinSource {
    /// An environment variable of this process.
    Env(String),
    /// Asked when the token is opened (a dialog, an agent); `Err` cancels.
    Callback(Arc<dyn Fn() -> Result<Pin> + Send + Sync>),
    /// The token's own PIN pad or biometric reader: log in without a PIN.
    ProtectedPath,
}

impl std::fmt::Debug for PinSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinSource::Env(var) => write!(f, "Env({var})"),
            PinSource::Callback(_) => f.write_str("Callback"),
            PinSource::ProtectedPath => f.write_str("ProtectedPath"),
        }
    }
}

impl PinSource {
    /// The PIN source a [`TokenKey`] names: its environment variable, else the PIN pad.
    pub fn of(key: &TokenKey) -> Self {
        match &key.pin_env {
            Some(var) => PinSource::Env(var.clone()),
            None => PinSource::ProtectedPath,
        }
    }

    /// The PIN, or `None` for a protected authentication path.
    pub fn pin(&self) -> Result<Option<Pin>> {
        match self {
            PinSource::Env(var) => match std::env::var(var) {
                Ok(pin) => Ok(Some(Pin::from(pin))),
                Err(_) => {
                    Err(TokenError::NoPin(format!("environment variable {var} is not set")).into())
                }
            },
            PinSource::Callback(ask) => ask().map(Some),
            PinSource::ProtectedPath => Ok(None),
        }
    }
}

/// The secret-string type cryptoki logs in with, re-exported under a name of ours so that
/// callers need no second dependency for it.
mod secrecy_pin {
    #[cfg(feature = "pkcs11")]
    pub use cryptoki::types::AuthPin as SecretString;

    /// Without PKCS#11 no PIN is ever used; the type still keeps it out of `Debug`.
    #[cfg(not(feature = "pkcs11"))]
    #[derive(Clone)]
    pub struct SecretString(#[allow(dead_code)] Box<str>);

    #[cfg(not(feature = "pkcs11"))]
    impl From<String> for SecretString {
        fn from(s: String) -> Self {
            SecretString(s.into())
        }
    }

    #[cfg(not(feature = "pkcs11"))]
    impl std::fmt::Debug for SecretString {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("[REDACTED]")
        }
    }
}

/// What `kyso inspect --pkcs11-module` shows of one token.
#[derive(Debug, Clone, Serialize)]
pub struct TokenListing {
    /// The slot's number.
    pub slot: u64,
    /// The token's label.
    pub label: String,
    /// Its serial number.
    pub serial: String,
    /// Maker and model.
    pub manufacturer: String,
    /// The model.
    pub model: String,
    /// Whether the PIN is low on tries, on its final try, or locked.
    pub pin_flags: Vec<&'static str>,
    /// Keys and certificates visible (private keys only after a login).
    pub objects: Vec<TokenObject>,
}

/// A key or certificate on a token.
#[derive(Debug, Clone, Serialize)]
pub struct TokenObject {
    /// `private_key`, `public_key` or `certificate`.
    pub class: &'static str,
    /// `CKA_LABEL`.
    pub label: String,
    /// `CKA_ID`, hex.
    pub id: String,
    /// RSA or EC, for keys.
    pub key_type: Option<String>,
    /// The subject, for certificates.
    pub subject: Option<String>,
}
