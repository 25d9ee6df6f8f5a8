//! Public-key infrastructure: certificates, Vietnamese identities, trust anchors and path
//! validation.
//!
//! Knows nothing of PDF or XML.

mod certificate;
mod identity;
mod name;

pub use certificate::{Certificate, KeyUsage, eku, rfc3339};
pub use identity::Identity;
pub use name::{Name, NameAttribute, attr};
