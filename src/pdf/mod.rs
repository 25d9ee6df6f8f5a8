//! PDF: object syntax and stream filters (the reader and writer build on these).

mod filter;
mod lexer;
pub mod object;
mod parser;
mod source;
mod text;

pub use object::{
    Array, Dictionary, IndirectObject, Location, Name, ObjRef, Object, PdfString, Placeholder,
    Span, Stream, StreamData,
};
pub use source::Source;
