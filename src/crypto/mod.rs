//! Cryptography: digests, raw signature verification, keys and signers.
//!
//! Knows nothing of PDF, XML or certificates' meaning; it only computes.

mod digest;

pub use digest::{DigestAlgorithm, Hasher};
