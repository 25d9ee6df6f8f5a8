//! XML: hardened parsing and exact canonicalization, the ground that XML signatures stand on.
//!
//! - [`parse`]: [`XmlDocument`], a [`roxmltree`] tree that passed kyso's checks — no DTD, no
//!   entities beyond the predefined ones, UTF-8 only, resource limits from [`crate::Limits`] —
//!   with an ID index that refuses ambiguous (duplicate) IDs.
//! - [`c14n`]: Canonical XML 1.0 and 1.1 and Exclusive XML Canonicalization, with and without
//!   comments, for whole documents, subtrees minus excluded subtrees, and general node-sets,
//!   streamed into any [`std::io::Write`].
//!
//! - [`dsig`]: XML Signature verification ([`verify_xml`]) and signing ([`sign_xml`],
//!   [`prepare_xml`], [`finish_xml`]).
//! - [`xades`]: XAdES baseline B-B and B-T qualifying properties.
//! - [`einvoice`]: the Vietnamese e-invoice and tax-filing profiles.
//!
//! The `roxmltree` crate is re-exported so that callers name the same tree types kyso uses.

pub mod c14n;
pub mod dsig;
pub mod einvoice;
pub mod parse;
pub mod xades;

pub use c14n::{C14nMethod, Canonicalizer, InclusivePrefixes, NodeSet, SetNode};
pub use dsig::{
    Mode, PreparedXml, Profile, ProfileChoice, XmlSignOptions, XmlVerifyOptions, finish_xml,
    prepare_xml, sign_xml, verify_xml,
};
pub use parse::{IdAttributes, XML_NAMESPACE, XmlDocument, namespace_of};
pub use roxmltree;
pub use xades::{SignaturePolicy, ValidationValues, XadesOptions};
