//! Cross-reference sections (ISO 32000-1 §7.5.4 tables, §7.5.8 streams).
//!
//! This module turns the bytes of one section into entries; following `/Prev` chains and
//! grouping sections into revisions is the job of [`super::document`].

use crate::{Error, Format, Limits, Result};

use super::lexer::{Lexer, PResult, Token, bad};
use super::object::{Dictionary, Object};
use super::parser::parse_object;

/// One cross-reference entry: where object number N of a revision is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XrefEntry {
    /// The object number is free (deleted) in this revision; `generation` is the generation a
    /// reuse would take.
    Free {
        /// Next generation number.
        generation: u16,
    },
    /// An uncompressed object `N generation obj` at this file offset.
    InUse {
        /// File offset of `N G obj`.
        offset: u64,
        /// Generation number.
        generation: u16,
    },
    /// An object inside an object stream (generation 0).
    Compressed {
        /// The object stream's object number.
        stream: u32,
        /// Index of the object inside the stream.
        index: u32,
    },
}

impl XrefEntry {
    /// The generation a reference must carry to reach this entry's object.
    pub fn generation(&self) -> u16 {
        match *self {
            XrefEntry::Free { generation } | XrefEntry::InUse { generation, .. } => generation,
            XrefEntry::Compressed { .. } => 0,
        }
    }
}

/// How a revision's cross-reference information is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XrefKind {
    /// A classic `xref` table with a `trailer` dictionary.
    Table,
    /// A cross-reference stream (`/Type /XRef`, PDF 1.5).
    Stream,
    /// A classic table whose trailer adds a cross-reference stream through `/XRefStm`.
    Hybrid,
}

/// A parsed classic section.
#[derive(Debug)]
pub(crate) struct TableSection {
    /// Entries in file order (object 0 left out).
    pub(crate) entries: Vec<(u32, XrefEntry)>,
    pub(crate) trailer: Dictionary,
    /// Offset just after the trailer dictionary.
    pub(crate) end: u64,
}

/// Parses `xref` subsections `trailer << … >>` at the cursor.
pub(crate) fn parse_table(lx: &mut Lexer<'_>, limits: &Limits) -> PResult<TableSection> {
    let start = lx.offset();
    match lx.next_token()? {
        Some((Token::Keyword(b"xref"), _)) => {}
        _ => return bad(start, "expected 'xref'"),
    }
    let mut entries = Vec::new();
    loop {
        let at = lx.offset();
        let first = match lx.next_token()? {
            Some((Token::Keyword(b"trailer"), _)) => break,
            Some((Token::Int(n), _)) => n,
            _ => return bad(at, "expected a cross-reference subsection or 'trailer'"),
        };
        let count = match lx.next_token()? {
            Some((Token::Int(n), _)) => n,
            _ => return bad(at, "expected the subsection's entry count"),
        };
        let (Ok(first), Ok(count)) = (u32::try_from(first), u32::try_from(count)) else {
            return bad(
                at,
                format!("invalid cross-reference subsection {first} {count}"),
            );
        };
        if first.checked_add(count).is_none() {
            return bad(
                at,
                "cross-reference subsection runs past the largest object number",
            );
        }
        if entries.len() as u64 + u64::from(count) > u64::from(limits.max_pdf_objects) {
            return Err(Error::LimitExceeded {
                what: "objects in one PDF cross-reference section",
                limit: u64::from(limits.max_pdf_objects),
            }
            .into());
        }
        for i in 0..count {
            let at = lx.offset();
            let fields = (lx.next_token()?, lx.next_token()?, lx.next_token()?);
            let (Some((Token::Int(offset), _)), Some((Token::Int(g), _)), Some((kind, _))) = fields
            else {
                return bad(at, "malformed cross-reference entry");
            };
            let (Ok(offset), Ok(generation)) = (u64::try_from(offset), u16::try_from(g)) else {
                return bad(at, "cross-reference entry out of range");
            };
            let entry = match kind {
                Token::Keyword(b"n") => XrefEntry::InUse { offset, generation },
                Token::Keyword(b"f") => XrefEntry::Free { generation },
                _ => return bad(at, "cross-reference entry type must be 'n' or 'f'"),
            };
            let num = first + i;
            if num != 0 {
                entries.push((num, entry));
            }
        }
    }
    let (trailer, span) = parse_object(lx, limits.max_nesting)?;
    let Object::Dict(trailer) = trailer else {
        return bad(span.start, "the trailer is not a dictionary");
    };
    Ok(TableSection {
        entries,
        trailer,
        end: span.end,
    })
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

fn int_array(d: &Dictionary, key: &str) -> Result<Option<Vec<i64>>> {
    match d.get(key) {
        None => Ok(None),
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| {
                o.as_int()
                    .ok_or_else(|| malformed(format!("xref stream /{key} holds a non-integer")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(malformed(format!("xref stream /{key} is not an array"))),
    }
}

/// Reads a big-endian field of `bytes.len()` bytes.
fn field(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b))
}

/// Decodes the entries of a cross-reference stream from its dictionary and decoded data
/// (ISO 32000-1 §7.5.8.2, §7.5.8.3). Entries of unknown types are left out (they are to be
/// read as references to the null object).
pub(crate) fn parse_xref_stream(
    dict: &Dictionary,
    data: &[u8],
    limits: &Limits,
) -> Result<Vec<(u32, XrefEntry)>> {
    let size = dict
        .get_int("Size")
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| malformed("xref stream without a valid /Size"))?;
    let w = int_array(dict, "W")?.ok_or_else(|| malformed("xref stream without /W"))?;
    let [w0, w1, w2] = w[..] else {
        return Err(malformed("xref stream /W must have three entries"));
    };
    let widths: Vec<usize> = [w0, w1, w2]
        .iter()
        .map(|&x| usize::try_from(x).ok().filter(|&x| x <= 8))
        .collect::<Option<_>>()
        .ok_or_else(|| malformed("xref stream /W entries must be 0 to 8"))?;
    let (w0, w1, w2) = (widths[0], widths[1], widths[2]);
    let row = w0 + w1 + w2;
    if row == 0 {
        return Err(malformed("xref stream /W is all zero"));
    }
    let index = int_array(dict, "Index")?.unwrap_or_else(|| vec![0, i64::from(size)]);
    if index.len() % 2 != 0 {
        return Err(malformed("xref stream /Index must hold pairs"));
    }
    let mut subsections = Vec::with_capacity(index.len() / 2);
    let mut total: u64 = 0;
    for pair in index.chunks_exact(2) {
        let (Ok(first), Ok(count)) = (u32::try_from(pair[0]), u32::try_from(pair[1])) else {
            return Err(malformed("xref stream /Index entry out of range"));
        };
        if first.checked_add(count).is_none() {
            return Err(malformed(
                "xref stream /Index runs past the largest object number",
            ));
        }
        total += u64::from(count);
        subsections.push((first, count));
    }
    if total > u64::from(limits.max_pdf_objects) {
        return Err(Error::LimitExceeded {
            what: "objects in one PDF cross-reference section",
            limit: u64::from(limits.max_pdf_objects),
        });
    }
    if (data.len() as u64) < total * row as u64 {
        return Err(malformed(format!(
            "xref stream data holds {} bytes, {} entries of {} bytes need more",
            data.len(),
            total,
            row
        )));
    }
    let mut entries = Vec::with_capacity(total as usize);
    let mut rows = data.chunks_exact(row);
    for (first, count) in subsections {
        for i in 0..count {
            let Some(r) = rows.next() else {
                return Err(malformed("xref stream data too short"));
            };
            let kind = if w0 == 0 { 1 } else { field(&r[..w0]) };
            let f2 = field(&r[w0..w0 + w1]);
            let f3 = field(&r[w0 + w1..]);
            let num = first + i;
            let entry = match kind {
                0 => XrefEntry::Free {
                    generation: u16::try_from(f3).unwrap_or(u16::MAX),
                },
                1 => XrefEntry::InUse {
                    offset: f2,
                    generation: u16::try_from(f3).map_err(|_| {
                        malformed(format!("xref stream: generation {f3} too large"))
                    })?,
                },
                2 => XrefEntry::Compressed {
                    stream: u32::try_from(f2).map_err(|_| {
                        malformed(format!("xref stream: object stream number {f2} too large"))
                    })?,
                    index: u32::try_from(f3).map_err(|_| {
                        malformed(format!("xref stream: object stream index {f3} too large"))
                    })?,
                },
                _ => continue,
            };
            if num != 0 {
                entries.push((num, entry));
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::object::Array;

    #[test]
    fn classic_table() {
        let input =
            b"xref\n0 3\n0000000000 65535 f\r\n0000000017 00000 n\r\n0000000081 00002 n\r\n\
                      7 1\n0000000200 00000 n \ntrailer\n<< /Size 8 /Root 1 0 R >>\nstartxref";
        let mut lx = Lexer::new(input, 0, true);
        let Ok(t) = parse_table(&mut lx, &Limits::default()) else {
            panic!("table did not parse")
        };
        assert_eq!(
            t.entries,
            vec![
                (
                    1,
                    XrefEntry::InUse {
                        offset: 17,
                        generation: 0
                    }
                ),
                (
                    2,
                    XrefEntry::InUse {
                        offset: 81,
                        generation: 2
                    }
                ),
                (
                    7,
                    XrefEntry::InUse {
                        offset: 200,
                        generation: 0
                    }
                ),
            ]
        );
        assert_eq!(t.trailer.get_int("Size"), Some(8));
        assert_eq!(&input[t.end as usize..t.end as usize + 10], b"\nstartxref");
    }

    #[test]
    fn table_errors_and_limits() {
        let bad_inputs: [&[u8]; 4] = [
            b"xref\n0 2\n0000000000 65535 f\r\ntrailer<<>>",
            b"xref\n0 1\n0000000000 65535 x\r\ntrailer<<>>",
            b"xref\n0 1\n0000000000 65535 f\r\ntrailer 5",
            b"xref\n4294967295 2\n",
        ];
        for input in bad_inputs {
            assert!(parse_table(&mut Lexer::new(input, 0, true), &Limits::default()).is_err());
        }
        let limits = Limits {
            max_pdf_objects: 1,
            ..Limits::default()
        };
        let input = b"xref\n0 2\n0000000000 65535 f\r\n0000000010 00000 n\r\ntrailer<<>>";
        assert!(parse_table(&mut Lexer::new(input, 0, true), &limits).is_err());
    }

    fn dict(size: i64, w: [i64; 3], index: Option<Vec<i64>>) -> Dictionary {
        let mut d = Dictionary::new();
        d.set("Type", crate::pdf::object::Name::from("XRef"));
        d.set("Size", size);
        d.set(
            "W",
            Array::from(w.iter().map(|&x| Object::Int(x)).collect::<Vec<_>>()),
        );
        if let Some(ix) = index {
            d.set(
                "Index",
                Array::from(ix.into_iter().map(Object::Int).collect::<Vec<_>>()),
            );
        }
        d
    }

    #[test]
    fn stream_entries() {
        let data = [
            0, 0, 0, 0xFF, // 0: free
            1, 0, 0x10, 0, // 1: offset 16
            2, 0, 5, 3, // 2: in stream 5 at index 3
            9, 0, 0, 0, // 3: unknown type, skipped
        ];
        let d = dict(4, [1, 2, 1], None);
        let e = parse_xref_stream(&d, &data, &Limits::default());
        assert_eq!(
            e.ok(),
            Some(vec![
                (
                    1,
                    XrefEntry::InUse {
                        offset: 16,
                        generation: 0
                    }
                ),
                (
                    2,
                    XrefEntry::Compressed {
                        stream: 5,
                        index: 3
                    }
                ),
            ])
        );
        let d = dict(20, [0, 2, 0], Some(vec![10, 2]));
        let e = parse_xref_stream(&d, &[0, 1, 0, 2], &Limits::default());
        assert_eq!(
            e.ok(),
            Some(vec![
                (
                    10,
                    XrefEntry::InUse {
                        offset: 1,
                        generation: 0
                    }
                ),
                (
                    11,
                    XrefEntry::InUse {
                        offset: 2,
                        generation: 0
                    }
                ),
            ])
        );
    }

    #[test]
    fn stream_errors() {
        let l = Limits::default();
        assert!(parse_xref_stream(&dict(4, [1, 2, 1], None), &[0; 15], &l).is_err());
        assert!(parse_xref_stream(&dict(4, [1, 9, 1], None), &[0; 64], &l).is_err());
        assert!(parse_xref_stream(&dict(4, [0, 0, 0], None), &[], &l).is_err());
        assert!(parse_xref_stream(&dict(4, [1, 2, 1], Some(vec![0])), &[0; 16], &l).is_err());
        let huge = dict(4, [1, 2, 1], Some(vec![0, 2_000_000_000]));
        assert!(parse_xref_stream(&huge, &[0; 16], &l).is_err());
    }
}
