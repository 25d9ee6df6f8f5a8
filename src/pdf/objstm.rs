//! Object streams (ISO 32000-1 §7.5.7): many objects compressed together.

use crate::{Error, Format, Limits, Result};

use super::lexer::{Fail, Lexer, Token};
use super::object::{Dictionary, Object};
use super::parser::parse_object;

/// A decoded object stream: its data and where each object starts.
#[derive(Debug)]
pub(crate) struct ObjectStream {
    data: Vec<u8>,
    /// `(object number, offset into data)` in index order; offsets already include `/First`.
    objects: Vec<(u32, usize)>,
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

fn fail(e: Fail, what: &str) -> Error {
    match e {
        Fail::Error(e) => e,
        // The data is complete, so the lexer never asks for more; report it anyway.
        Fail::NeedMore => malformed(format!("{what}: unexpected end of data")),
    }
}

impl ObjectStream {
    /// Reads the header of a decoded object stream.
    pub(crate) fn new(dict: &Dictionary, data: Vec<u8>, limits: &Limits) -> Result<Self> {
        if !dict.is_name("Type", "ObjStm") {
            return Err(malformed("object stream without /Type /ObjStm"));
        }
        let n = dict
            .get_int("N")
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| malformed("object stream without a valid /N"))?;
        let first = dict
            .get_int("First")
            .and_then(|f| usize::try_from(f).ok())
            .filter(|&f| f <= data.len())
            .ok_or_else(|| malformed("object stream without a valid /First"))?;
        if n > limits.max_pdf_objects {
            return Err(Error::LimitExceeded {
                what: "objects in one PDF object stream",
                limit: u64::from(limits.max_pdf_objects),
            });
        }
        // Each header pair takes at least 4 bytes ("1 0 "), which bounds n by the data.
        if n as usize > first / 3 + 1 {
            return Err(malformed("object stream /N is larger than its header"));
        }
        let mut lx = Lexer::new(&data[..first], 0, true);
        let mut objects = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let pair = (
                lx.next_token()
                    .map_err(|e| fail(e, "object stream header"))?,
                lx.next_token()
                    .map_err(|e| fail(e, "object stream header"))?,
            );
            let (Some((Token::Int(num), _)), Some((Token::Int(off), _))) = pair else {
                return Err(malformed("object stream header is not pairs of integers"));
            };
            let num = u32::try_from(num)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| malformed("object stream header: invalid object number"))?;
            let off = usize::try_from(off)
                .ok()
                .and_then(|o| o.checked_add(first))
                .filter(|&o| o <= data.len())
                .ok_or_else(|| malformed("object stream header: offset out of range"))?;
            objects.push((num, off));
        }
        Ok(ObjectStream { data, objects })
    }

    /// The object at `index`, which must be object number `num`.
    pub(crate) fn object(&self, index: u32, num: u32, max_depth: u32) -> Result<Object> {
        let Some(&(found, off)) = self.objects.get(index as usize) else {
            return Err(malformed(format!(
                "object {num} is said to be at index {index} of an object stream holding {}",
                self.objects.len()
            )));
        };
        if found != num {
            return Err(malformed(format!(
                "object stream index {index} holds object {found}, not {num}"
            )));
        }
        let mut lx = Lexer::new(&self.data[off..], 0, true);
        let (object, _) =
            parse_object(&mut lx, max_depth).map_err(|e| fail(e, "object stream entry"))?;
        if matches!(object, Object::Stream(_)) {
            return Err(malformed("a stream inside an object stream"));
        }
        Ok(object)
    }

    /// Bytes held, for cache accounting.
    pub(crate) fn size(&self) -> usize {
        self.data.len() + self.objects.len() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(n: i64, first: i64) -> Dictionary {
        let mut d = Dictionary::new();
        d.set("Type", crate::pdf::object::Name::from("ObjStm"));
        d.set("N", n);
        d.set("First", first);
        d
    }

    #[test]
    fn reads_objects_by_index() {
        let data = b"11 0 12 11 << /A 1 >> [1 2]".to_vec();
        let Ok(s) = ObjectStream::new(&dict(2, 11), data, &Limits::default()) else {
            panic!("header did not parse");
        };
        assert!(matches!(s.object(0, 11, 64), Ok(Object::Dict(_))));
        assert!(matches!(s.object(1, 12, 64), Ok(Object::Array(_))));
        assert!(s.object(1, 11, 64).is_err());
        assert!(s.object(2, 13, 64).is_err());
    }

    #[test]
    fn bad_headers() {
        let l = Limits::default();
        assert!(ObjectStream::new(&dict(2, 10), b"11 0 12".to_vec(), &l).is_err());
        assert!(ObjectStream::new(&dict(1, 100), b"11 0".to_vec(), &l).is_err());
        assert!(ObjectStream::new(&dict(1, 4), b"11 9".to_vec(), &l).is_err());
        assert!(ObjectStream::new(&dict(1_000_000, 4), b"11 0".to_vec(), &l).is_err());
        assert!(ObjectStream::new(&dict(-1, 4), b"11 0".to_vec(), &l).is_err());
    }
}
