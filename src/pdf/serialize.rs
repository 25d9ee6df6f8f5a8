//! Writing objects as PDF syntax, byte for byte predictable.
//!
//! The output of [`serialize_object`] reads back (through the parser) as an equal object:
//! names are `#xx`-escaped where needed, literal strings escape `(`, `)`, `\` and CR (which a
//! reader would turn into LF), reals never use an exponent. Placeholders are written verbatim
//! and their positions recorded.

use crate::{Error, Result};

use super::lexer::{is_delimiter, is_whitespace};
use super::object::{Name, Object, PdfString};

/// Containers nested deeper than this are refused (the reader's default limit is 64).
const MAX_WRITE_DEPTH: usize = 256;

/// A placeholder written at `start..end` of an output buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaceholderAt {
    pub(crate) tag: u32,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Serializes a direct object (not a stream) as PDF syntax.
///
/// Placeholders are written as their bytes. Streams are refused here: they exist only as
/// indirect objects, which [`super::IncrementalWriter`] writes.
pub fn serialize_object(object: &Object) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_object(&mut out, object, &mut Vec::new())?;
    Ok(out)
}

/// Appends `object` to `out`, recording placeholder positions (relative to `out`'s start).
pub(crate) fn write_object(
    out: &mut Vec<u8>,
    object: &Object,
    placeholders: &mut Vec<PlaceholderAt>,
) -> Result<()> {
    write_at_depth(out, object, placeholders, 0)
}

fn write_at_depth(
    out: &mut Vec<u8>,
    object: &Object,
    placeholders: &mut Vec<PlaceholderAt>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_WRITE_DEPTH {
        return Err(Error::InvalidOption(format!(
            "PDF object nested deeper than {MAX_WRITE_DEPTH} levels"
        )));
    }
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(true) => out.extend_from_slice(b"true"),
        Object::Bool(false) => out.extend_from_slice(b"false"),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => write_real(out, *r)?,
        Object::String(s) => write_string(out, s),
        Object::Name(n) => write_name(out, n),
        Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.generation).as_bytes()),
        Object::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_at_depth(out, item, placeholders, depth + 1)?;
            }
            out.push(b']');
        }
        Object::Dict(d) => {
            out.extend_from_slice(b"<<");
            for (key, value) in d.iter() {
                out.push(b' ');
                write_name(out, key);
                out.push(b' ');
                write_at_depth(out, value, placeholders, depth + 1)?;
            }
            out.extend_from_slice(b" >>");
        }
        Object::Placeholder(p) => {
            let start = out.len();
            out.extend_from_slice(&p.bytes);
            placeholders.push(PlaceholderAt {
                tag: p.tag,
                start,
                end: out.len(),
            });
        }
        Object::Stream(_) => {
            return Err(Error::InvalidOption(
                "a stream can only be the value of an indirect object".into(),
            ));
        }
    }
    Ok(())
}

fn write_real(out: &mut Vec<u8>, r: f64) -> Result<()> {
    if !r.is_finite() {
        return Err(Error::InvalidOption(format!(
            "PDF has no representation for the number {r}"
        )));
    }
    // Rust's Display for f64 never uses an exponent and round-trips exactly.
    let mut s = r.to_string();
    if !s.contains('.') {
        s.push_str(".0");
    }
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// `/Name` with `#xx` for bytes outside the regular printable range (ISO 32000-1 §7.3.5).
pub(crate) fn write_name(out: &mut Vec<u8>, name: &Name) {
    out.push(b'/');
    for &b in name.as_bytes() {
        if (0x21..=0x7E).contains(&b) && !is_delimiter(b) && !is_whitespace(b) && b != b'#' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

fn write_string(out: &mut Vec<u8>, s: &PdfString) {
    if s.hex {
        out.push(b'<');
        out.extend_from_slice(hex::encode_upper(&s.bytes).as_bytes());
        out.push(b'>');
        return;
    }
    out.push(b'(');
    for &b in &s.bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::lexer::Lexer;
    use crate::pdf::object::{Array, Dictionary, ObjRef, Placeholder};
    use crate::pdf::parser::parse_object;

    fn round_trip(o: &Object) -> Object {
        let bytes = serialize_object(o).unwrap_or_default();
        match parse_object(&mut Lexer::new(&bytes, 0, true), 64) {
            Ok((obj, _)) => obj,
            Err(e) => panic!("{e:?} for {}", String::from_utf8_lossy(&bytes)),
        }
    }

    /// Equality ignoring spans (parsed values carry them, built ones do not).
    fn same(a: &Object, b: &Object) -> bool {
        match (a, b) {
            (Object::Array(x), Object::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
            }
            (Object::Dict(x), Object::Dict(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
            }
            _ => a == b,
        }
    }

    #[test]
    fn values_round_trip() {
        let mut d = Dictionary::new();
        d.set("Type", Name::from("Sig"));
        d.set(Name::new(b"we ird#/()\x00\xff".to_vec()), 1i64);
        d.set("S", PdfString::literal(b"a(b\\c)\r\nd\xff".to_vec()));
        d.set("H", PdfString::hex(vec![0, 1, 0xAB]));
        d.set("R", ObjRef::new(5, 2));
        d.set("F", -0.25f64);
        d.set("G", 3.0f64);
        d.set("B", true);
        d.set("N", Object::Null);
        let mut a = Array::new();
        a.push(1i64);
        a.push(Array::new());
        a.push(d.clone());
        d.set("A", a);
        let o = Object::Dict(d);
        assert!(same(&round_trip(&o), &o));
    }

    #[test]
    fn exact_text() {
        let mut d = Dictionary::new();
        d.set("Type", Name::from("Sig"));
        d.set("M", PdfString::literal(b"D:2025".to_vec()));
        d.set("V", 1.5f64);
        let text = serialize_object(&Object::Dict(d)).unwrap_or_default();
        assert_eq!(text, b"<< /Type /Sig /M (D:2025) /V 1.5 >>");
        assert_eq!(
            serialize_object(&Object::Real(2.0)).ok(),
            Some(b"2.0".to_vec())
        );
        assert_eq!(
            serialize_object(&Object::Real(1e-7)).ok(),
            Some(b"0.0000001".to_vec())
        );
        assert!(serialize_object(&Object::Real(f64::NAN)).is_err());
    }

    #[test]
    fn placeholder_positions() {
        let mut d = Dictionary::new();
        d.set("ByteRange", Placeholder::int_array4(1, 10));
        d.set("Contents", Placeholder::hex_string(2, 4));
        let mut out = b"xx".to_vec();
        let mut ph = Vec::new();
        assert!(write_object(&mut out, &Object::Dict(d), &mut ph).is_ok());
        assert_eq!(ph.len(), 2);
        assert_eq!(
            &out[ph[0].start..ph[0].end],
            b"[0000000000 0000000000 0000000000 0000000000]"
        );
        assert_eq!(&out[ph[1].start..ph[1].end], b"<00000000>");
        assert_eq!(ph[1].tag, 2);
    }

    #[test]
    fn refuses_nested_streams_and_depth() {
        let s = crate::pdf::object::Stream::new(Dictionary::new(), vec![]);
        let mut a = Array::new();
        a.push(s);
        assert!(serialize_object(&Object::Array(a)).is_err());
        let mut deep = Object::Null;
        for _ in 0..300 {
            let mut a = Array::new();
            a.push(deep);
            deep = Object::Array(a);
        }
        assert!(serialize_object(&deep).is_err());
    }
}
