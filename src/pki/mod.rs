//! Public-key infrastructure: certificates, Vietnamese identities, trust anchors and path
//! validation.
//!
//! Knows nothing of PDF or XML.

pub mod builtin;
pub mod bundle;
mod certificate;
mod crl;
pub mod http;
mod identity;
mod name;
mod ocsp;

pub use certificate::{Certificate, KeyUsage, eku, rfc3339};
pub use crl::{Crl, RevokedEntry, reason_name};
pub use identity::Identity;
pub use name::{Name, NameAttribute, attr};
pub use ocsp::{OcspAnswer, OcspResponse, OcspStatus, build_ocsp_request};
mod path;
mod signing;
mod trust;
mod tsp;
mod verified;
mod webpki_check;

pub use path::{PathFailure, PathValidation, Usage, check_usage, validate_path};
pub use signing::check_signing_certificate;
pub use trust::{LEGACY_ROOT_PINS, TrustStore, VIETNAMESE_ROOT_PINS};
pub use tsp::{
    TimestampFailure, TimestampToken, build_timestamp_request, request_timestamp,
    token_from_response,
};
