//! # kyso — ký số
//!
//! Sign and verify PDF (PAdES, PKCS#7) and XML (XMLDSig, XAdES) documents with X.509
//! certificates, with the profiles of Vietnamese e-government and e-invoicing.
//!
//! ## Map
//!
//! | module | job |
//! |---|---|
//! | [`verify()`], [`verify_file`] | one entry point: sniff the format, verify, report |
//! | [`pdf`] | lazy revision reader, incremental writer, PAdES signing ([`pdf::sign_pdf`], [`pdf::prepare_pdf`]/[`pdf::finish_pdf`]), verification with revision analysis, B-LT/B-LTA ([`pdf::extend_pdf`]) |
//! | [`edxml`] | edXML packages (QCVN 102:2016): the envelope's signature, every signed document in its attachments (base64, zip under [`Limits`]), manifest and header cross-checks ([`edxml::verify_package`], through [`verify()`] too) |
//! | [`xml`] | hardened parser, canonicalization (C14N 1.0/1.1/exclusive), XMLDSig/XAdES verification ([`xml::verify_xml`]) and signing ([`xml::sign_xml`], [`xml::prepare_xml`]/[`xml::finish_xml`]), Vietnamese e-invoice and tax-filing profiles |
//! | [`cms`] | CMS SignedData built from a digest, parsed (BER too) and verified; RFC 3161 time-stamp tokens |
//! | [`pki`] | certificates, Vietnamese identities, trust anchors, path validation, CRL, OCSP |
//! | [`crypto`] | digests, signature verification, keys, the [`crypto::Signer`] trait |
//! | [`validation`] | the signer checks every format shares: chain, proof of existence, revocation |
//! | [`report`], [`render`] | the JSON report model and its English/Vietnamese text |
//! | [`policy`] | what a verifier accepts and a signer may produce; resource limits |
//! | [`inspect`] | certificate and PKCS#12 summaries |
//! | [`settings`] | what a caller asks for (verify, sign, key source): the one model of the CLI, the C ABI and Python; signing to a level |
//! | [`batch`] | verifying many files: workers, progress, results in input order |
//! | [`remote`] | remote signing services (VNPT SmartCA, Viettel MySign/CSC, VGCA): submit a hash, await the signature |
//! | [`demo`] | the end-to-end tour `kyso demo` prints |
//! | `ffi` | the C ABI (feature `ffi`) |
//!
//! Data flows one way: format modules → `cms` → `pki` → `crypto`.
//!
//! ## Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `ffi` | yes | the C ABI in `src/ffi.rs` (the only module with `unsafe`), `include/kyso.h` |
//! | `pkcs11` | yes | keys on PKCS#11 tokens ([`crypto::Pkcs11Signer`]); the module is loaded at run time |
//! | `https` | no | `https://` for OCSP, CRL and time-stamp URLs (rustls); plain HTTP otherwise, see [`pki::http`] |
//!
//! ## Example
//!
//! ```no_run
//! use kyso::crypto::KeyFileSigner;
//! use kyso::pdf::{PdfSignOptions, sign_pdf};
//! use kyso::validation::VerifyOptions;
//!
//! let signer = KeyFileSigner::from_pkcs12(&std::fs::read("leader.p12")?, "password")?;
//! let signed = sign_pdf(&std::fs::read("quyet-dinh.pdf")?, &signer, &PdfSignOptions::default())?;
//! let report = kyso::verify(&signed, &VerifyOptions::default())?;
//! println!("{:?}", report.indication);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod batch;
mod dates;
pub mod demo;
mod error;
mod online;
pub mod policy;
pub mod render;
pub mod report;
pub mod settings;
pub mod validation;
mod verify;

pub mod cms;
pub mod crypto;
pub mod edxml;
#[cfg(feature = "ffi")]
#[allow(unsafe_code)]
pub mod ffi;
pub mod inspect;
pub mod pdf;
pub mod pki;
pub mod remote;
pub mod xml;

pub use crypto::{DigestAlgorithm, Hasher};
pub use error::{Error, Format, Result, StateError, TokenError};
pub use policy::{
    AlgorithmRefusal, Limits, RevocationMode, SigningPolicy, ValidationPolicy, WeakAlgorithms,
};
pub use report::{Indication, SubIndication, ValidationReport};
pub use verify::{Detected, detect_format, verify, verify_file};
pub use xml::{XmlSignOptions, XmlVerifyOptions, sign_xml, verify_xml};

/// The README's examples are compiled and run as tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
