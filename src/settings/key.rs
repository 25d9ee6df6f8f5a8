//! Where a signing key comes from, and opening it.
//!
//! [`KeySource`] is the one description of a key that the CLI (`--key`, `--chain`,
//! `--password-env`), the C ABI (`"key": {…}`) and Python (`key={…}`) share; [`open_signer`]
//! turns it into a [`Signer`]. PKCS#11 tokens and remote signing services are further
//! variants of `KeySource` (and fields of its JSON form), opened by further arms of
//! `open_signer`: callers keep passing a `KeySource` and receive a `Box<dyn Signer>`.
//!
//! A key on a PKCS#11 token is `{"pkcs11_module": PATH, "token_label"|"token_serial",
//! "key_label"|"key_id" (hex), "pin_env": VAR, "chain_pem"}`: the PIN is read from the named
//! environment variable when the token is opened, so it is in no option, file or argument.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::value::{decode_base64, invalid, read_file};
use crate::crypto::{KeyFileSigner, PinSource, Signer, TokenKey};
use crate::error::Result;

/// A signing key and its certificates.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "KeyFields")]
pub enum KeySource {
    /// A PKCS#12 (.p12/.pfx) file on disk.
    Pkcs12File {
        /// The file.
        path: PathBuf,
        /// Its password (empty when none).
        password: Option<String>,
    },
    /// A PKCS#12 container's bytes.
    Pkcs12Bytes {
        /// The DER bytes.
        der: Vec<u8>,
        /// Its password (empty when none).
        password: Option<String>,
    },
    /// A PEM private key (PKCS#8, PKCS#1 or SEC1, optionally encrypted) and its certificates.
    Pem {
        /// The key's PEM text; it may hold the certificates too.
        key_pem: Vec<u8>,
        /// PEM certificates, signer first, when not in `key_pem`.
        chain_pem: Vec<u8>,
        /// Password of an encrypted key.
        password: Option<String>,
    },
    /// A key on a PKCS#11 token (feature `pkcs11`).
    Pkcs11(TokenKey),
}

/// Passwords stay out of debug output and logs.
impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Pkcs12File { path, .. } => write!(f, "Pkcs12File({})", path.display()),
            KeySource::Pkcs12Bytes { der, .. } => write!(f, "Pkcs12Bytes({} bytes)", der.len()),
            KeySource::Pem { key_pem, .. } => write!(f, "Pem({} bytes)", key_pem.len()),
            KeySource::Pkcs11(key) => write!(f, "{key:?}"),
        }
    }
}

impl KeySource {
    /// The key of the CLI's `--key FILE [--chain PEM]`: a `.p12`/`.pfx` file is PKCS#12,
    /// anything else a PEM key, read now so that a missing file is reported before signing.
    pub fn from_file(path: &Path, password: Option<String>, chain: Option<&Path>) -> Result<Self> {
        let is_p12 = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "p12" | "pfx"));
        if is_p12 {
            if chain.is_some() {
                return Err(invalid("--chain goes with a PEM key, not a PKCS#12 file"));
            }
            return Ok(KeySource::Pkcs12File {
                path: path.to_path_buf(),
                password,
            });
        }
        Ok(KeySource::Pem {
            key_pem: read_file(path, "key")?,
            chain_pem: chain
                .map(|c| read_file(c, "chain"))
                .transpose()?
                .unwrap_or_default(),
            password,
        })
    }
}

impl KeySource {
    /// A token key with the CLI's `--chain PEM` file as its certificates (used when the
    /// token holds none for the key); other keys take `--chain` in [`KeySource::from_file`].
    pub fn with_chain(self, chain: Option<&Path>) -> Result<Self> {
        match (self, chain) {
            (KeySource::Pkcs11(mut key), Some(chain)) => {
                key.chain_pem = read_file(chain, "chain")?;
                Ok(KeySource::Pkcs11(key))
            }
            (key, _) => Ok(key),
        }
    }
}

/// The JSON form of a key: `{"p12_path"|"p12_base64", "password"}`,
/// `{"key_pem", "chain_pem", "password"}`, where `key_pem` and `chain_pem` are PEM text or a
/// path to it, or a token's `{"pkcs11_module", "token_label", "token_serial", "key_label",
/// "key_id", "pin_env", "chain_pem", "sessions"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFields {
    p12_path: Option<PathBuf>,
    p12_base64: Option<String>,
    key_pem: Option<String>,
    chain_pem: Option<String>,
    password: Option<String>,
    pkcs11_module: Option<PathBuf>,
    token_label: Option<String>,
    token_serial: Option<String>,
    key_label: Option<String>,
    key_id: Option<String>,
    pin_env: Option<String>,
    sessions: Option<usize>,
}

impl KeyFields {
    /// Whether a token field is given without `pkcs11_module`.
    fn token_fields(&self) -> Option<&'static str> {
        [
            ("token_label", self.token_label.is_some()),
            ("token_serial", self.token_serial.is_some()),
            ("key_label", self.key_label.is_some()),
            ("key_id", self.key_id.is_some()),
            ("pin_env", self.pin_env.is_some()),
            ("sessions", self.sessions.is_some()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name))
    }
}

impl TryFrom<KeyFields> for KeySource {
    type Error = crate::Error;

    fn try_from(k: KeyFields) -> Result<Self> {
        let pem = |text: String, option: &str| -> Result<Vec<u8>> {
            if text.contains("-----BEGIN") {
                Ok(text.into_bytes())
            } else {
                read_file(text, option)
            }
        };
        if let Some(module) = k.pkcs11_module {
            if k.p12_path.is_some() || k.p12_base64.is_some() || k.key_pem.is_some() {
                return Err(invalid(
                    "pkcs11_module names the key; it goes without p12_path, p12_base64 or key_pem",
                ));
            }
            if k.password.is_some() {
                return Err(invalid(
                    "a token's PIN is read from the variable pin_env names, never given as password",
                ));
            }
            let key_id = k
                .key_id
                .map(|id| {
                    hex::decode(id.trim()).map_err(|e| invalid(format!("key_id {id:?}: {e}")))
                })
                .transpose()?;
            return Ok(KeySource::Pkcs11(TokenKey {
                module,
                token_label: k.token_label,
                token_serial: k.token_serial,
                key_label: k.key_label,
                key_id,
                pin_env: k.pin_env,
                chain_pem: k
                    .chain_pem
                    .map(|c| pem(c, "chain_pem"))
                    .transpose()?
                    .unwrap_or_default(),
                sessions: k.sessions,
            }));
        }
        if let Some(field) = k.token_fields() {
            return Err(invalid(format!("{field} goes with pkcs11_module")));
        }
        match (k.p12_path, k.p12_base64, k.key_pem) {
            (Some(path), None, None) if k.chain_pem.is_none() => Ok(KeySource::Pkcs12File {
                path,
                password: k.password,
            }),
            (None, Some(b64), None) if k.chain_pem.is_none() => Ok(KeySource::Pkcs12Bytes {
                der: decode_base64(&b64, "p12_base64")?,
                password: k.password,
            }),
            (None, None, Some(key)) => Ok(KeySource::Pem {
                key_pem: pem(key, "key_pem")?,
                chain_pem: k
                    .chain_pem
                    .map(|c| pem(c, "chain_pem"))
                    .transpose()?
                    .unwrap_or_default(),
                password: k.password,
            }),
            _ => Err(invalid(
                "key needs exactly one of p12_path, p12_base64 or key_pem (chain_pem goes with key_pem)",
            )),
        }
    }
}

/// Opens a key for signing; `pss` asks RSA keys to sign with RSASSA-PSS.
pub fn open_signer(source: &KeySource, pss: bool) -> Result<Box<dyn Signer + Send + Sync>> {
    let signer = match source {
        KeySource::Pkcs12File { path, password } => {
            KeyFileSigner::from_pkcs12(&read_file(path, "key")?, password.as_deref().unwrap_or(""))
        }
        KeySource::Pkcs12Bytes { der, password } => {
            KeyFileSigner::from_pkcs12(der, password.as_deref().unwrap_or(""))
        }
        KeySource::Pem {
            key_pem,
            chain_pem,
            password,
        } => KeyFileSigner::from_pem(key_pem, password.as_deref(), chain_pem),
        KeySource::Pkcs11(key) => return open_token(key, &PinSource::of(key), pss),
    }?;
    Ok(Box::new(if pss { signer.with_rsa_pss() } else { signer }))
}

/// Opens a key on a PKCS#11 token, logging in with the PIN from `pin`.
#[cfg(feature = "pkcs11")]
pub fn open_token(
    key: &TokenKey,
    pin: &PinSource,
    pss: bool,
) -> Result<Box<dyn Signer + Send + Sync>> {
    let signer = crate::crypto::Pkcs11Signer::open(key, pin)?;
    Ok(Box::new(if pss { signer.with_rsa_pss() } else { signer }))
}

/// The tokens of a PKCS#11 module with their keys and certificates (`kyso inspect
/// --pkcs11-module`); with `pin_env`, each token is logged in to so that private keys show.
pub fn list_tokens(
    module: &Path,
    pin_env: Option<&str>,
) -> Result<Vec<crate::crypto::TokenListing>> {
    #[cfg(feature = "pkcs11")]
    {
        let pin = pin_env.map(|var| PinSource::Env(var.to_owned()));
        crate::crypto::list_tokens(module, pin.as_ref())
    }
    #[cfg(not(feature = "pkcs11"))]
    {
        let _ = (module, pin_env);
        Err(crate::error::TokenError::NotBuilt.into())
    }
}

/// Without the `pkcs11` feature a token key is an error that says so.
#[cfg(not(feature = "pkcs11"))]
pub fn open_token(
    _key: &TokenKey,
    _pin: &PinSource,
    _pss: bool,
) -> Result<Box<dyn Signer + Send + Sync>> {
    Err(crate::error::TokenError::NotBuilt.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(json: serde_json::Value) -> std::result::Result<KeySource, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    #[test]
    fn one_key_source_at_a_time() {
        assert!(matches!(
            key(serde_json::json!({"p12_path": "a.p12", "password": "x"})),
            Ok(KeySource::Pkcs12File { .. })
        ));
        let both = key(serde_json::json!({"p12_path": "a.p12", "key_pem": "-----BEGIN"}));
        assert!(both.is_err_and(|e| e.contains("exactly one")));
        let none = key(serde_json::json!({"password": "x"}));
        assert!(none.is_err_and(|e| e.contains("exactly one")));
        let unknown = key(serde_json::json!({"p12_path": "a.p12", "pin": "1234"}));
        assert!(unknown.is_err_and(|e| e.contains("unknown field `pin`")));
        let token = key(serde_json::json!({
            "pkcs11_module": "/usr/lib/vendor.so", "token_label": "VNPT-CA",
            "key_id": "01ab", "pin_env": "TOKEN_PIN"
        }));
        match token {
            Ok(KeySource::Pkcs11(k)) => {
                assert_eq!(k.key_id.as_deref(), Some(&[1u8, 0xab][..]));
                assert_eq!(k.pin_env.as_deref(), Some("TOKEN_PIN"));
            }
            other => panic!("{other:?}"),
        }
        let password = key(serde_json::json!({"pkcs11_module": "/m.so", "password": "1234"}));
        assert!(password.is_err_and(|e| e.contains("pin_env") && !e.contains("1234")));
        let stray = key(serde_json::json!({"p12_path": "a.p12", "key_label": "k"}));
        assert!(stray.is_err_and(|e| e.contains("key_label goes with pkcs11_module")));
    }

    #[test]
    fn passwords_stay_out_of_debug_output() {
        let k = KeySource::Pkcs12Bytes {
            der: vec![1, 2, 3],
            password: Some("secret".into()),
        };
        assert!(!format!("{k:?}").contains("secret"));
    }
}
