//! # kyso — ký số
//!
//! Sign and verify PDF (PAdES, PKCS#7) and XML (XMLDSig, XAdES) documents with X.509
//! certificates, with the profiles of Vietnamese e-government and e-invoicing.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod error;
pub mod policy;
pub mod render;
pub mod report;
pub mod validation;
mod verify;

pub mod cms;
pub mod crypto;
#[cfg(feature = "ffi")]
#[allow(unsafe_code)]
pub mod ffi;
pub mod inspect;
pub mod pdf;
pub mod pki;
pub mod xml;

pub use crypto::{DigestAlgorithm, Hasher};
pub use error::{Error, Format, Result};
pub use policy::{Limits, RevocationMode, SigningPolicy, ValidationPolicy, WeakAlgorithms};
pub use report::{Indication, SubIndication, ValidationReport};
pub use verify::{Detected, detect_format, verify, verify_file};
pub use xml::{XmlSignOptions, XmlVerifyOptions, sign_xml, verify_xml};

/// The README's examples are compiled and run as tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
