//! The one way a certification path fails, shared by kyso's path builder
//! ([`super::path`]) and the rustls-webpki check ([`super::webpki_check`]).

use crate::report::SubIndication;

/// Why a path could not be validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFailure {
    /// ETSI sub-indication.
    pub sub_indication: SubIndication,
    /// What exactly failed.
    pub message: String,
}
