//! PDF: a read-only revision view of a file and an append-only incremental writer.
//!
//! The signing and verification code stands on two pieces:
//!
//! * [`Document`] opens a file from any random-access [`Source`] without loading it: it reads
//!   the tail, follows the cross-reference chain (classic tables, cross-reference streams,
//!   hybrid files) and keeps each [`Revision`] separately — its cross-reference entries, its
//!   trailer and the byte offset where it ends. Objects are read lazily, as the newest
//!   revision or any older one saw them ([`RevisionView`]), with the byte [`Span`] of every
//!   value, so a verifier can compare a signature's `/Contents` with its `/ByteRange` gap.
//!   [`RevisionView::pages`] and [`RevisionView::fields`] walk the page tree and the form.
//! * [`IncrementalWriter`] appends an update without touching an original byte, and reports
//!   where each [`Placeholder`] (the signer's reserved `/Contents` and `/ByteRange`) landed.
//!
//! Signing ([`sign_pdf`]) can show the signature on the page: [`Appearance`] holds the
//! Decree 30/2020 layouts (leader's image, seal, copy notice), see [`appearance`].
//!
//! Malformed, truncated or hostile input gives a typed [`crate::Error`], within the
//! [`crate::Limits`] given at open; the reader never repairs a file by guessing.

pub mod appearance;
mod cache;
mod diff;
mod document;
mod dss;
mod fields;
mod filter;
mod lexer;
mod ltv;
pub mod object;
mod objstm;
mod pages;
mod parser;
mod serialize;
mod sign;
mod source;
mod text;
mod verify;
mod writer;
mod xref;

#[cfg(test)]
mod testutil;

pub use appearance::Appearance;
pub use document::{Document, Revision, RevisionView};
pub use dss::{Dss, read_dss};
pub use fields::Field;
pub use ltv::{ExtendOptions, LtvLevel, add_document_timestamp, extend_pdf};
pub use object::{
    Array, Dictionary, IndirectObject, Location, Name, ObjRef, Object, PdfString, Placeholder,
    Span, Stream, StreamData,
};
pub use pages::Page;
pub use serialize::serialize_object;
pub use sign::{
    PdfSignOptions, PreparedPdf, SubFilter, finish_pdf, finish_pdf_to, prepare_pdf, sign_pdf,
};
pub use source::Source;
pub use verify::verify_pdf;
pub use writer::{Appended, IncrementalWriter, PlaceholderSpan, fill_hex_string, fill_int_array};
pub use xref::{XrefEntry, XrefKind};
