//! CMS SignedData (RFC 5652) for document signatures: build a CAdES-style SignerInfo from a
//! precomputed digest, and parse and verify one; RFC 3161 time-stamp tokens, which are
//! SignedData too.
//!
//! Knows nothing of PDF or XML: the format modules hash their content and hand over digests.

mod ber;
mod signed_data;
mod tsp;
mod types;

pub use signed_data::{
    AdobeRevocationInfo, CmsFailure, ParsedSignedData, SignedAttributesOptions, UnsignedAttribute,
    assemble_signed_data, build_signed_attributes, certificates_only, parse_signed_data,
};
pub use tsp::{
    TimestampFailure, TimestampToken, build_timestamp_request, request_timestamp,
    token_from_response,
};
pub use types::oid;
