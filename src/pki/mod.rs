//! Public-key infrastructure: certificates, Vietnamese identities, trust anchors and path
//! validation.
//!
//! Knows nothing of PDF or XML.

pub mod builtin;
pub mod bundle;
mod certificate;
mod crl;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod http;
mod identity;
mod name;
mod ocsp;

pub use crate::dates::rfc3339;
pub use certificate::{Certificate, KeyUsage, eku};
pub use crl::{Crl, RevokedEntry, reason_name};
pub use identity::Identity;
pub use name::{Name, NameAttribute, attr};
pub use ocsp::{OcspAnswer, OcspResponse, OcspStatus, build_ocsp_request};
mod path;
mod path_failure;
mod signing;
mod trust;
mod verified;
mod webpki_check;

pub use path::{PathFailure, PathValidation, Usage, check_usage, validate_path};
pub use signing::check_signing_certificate;
pub use trust::{LEGACY_ROOT_PINS, TrustStore, VIETNAMESE_ROOT_PINS};
