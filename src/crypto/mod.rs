//! Cryptography: digests, signature verification, keys and signers.
//!
//! Knows nothing of PDF, XML or what a certificate means; it only computes.

mod algorithm;
pub(crate) mod armour;
mod digest;
mod key_kind;
mod keys;

pub use algorithm::{SignatureAlgorithm, SignatureScheme, oid};
pub use digest::{DigestAlgorithm, Hasher};
pub use key_kind::KeyKind;
pub use keys::{PrivateKey, PublicKey, RsaPublicKey, ecdsa_to_der, ecdsa_to_raw};
#[cfg(feature = "pkcs11")]
mod pkcs11;
mod signer;
mod token;

#[cfg(feature = "pkcs11")]
pub use pkcs11::{Pkcs11Signer, list_tokens};
pub use signer::{KeyFileSigner, Signer, pem_certificates, read_pkcs12};
pub use token::{Pin, PinSource, TokenKey, TokenListing, TokenObject};
