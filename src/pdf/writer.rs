//! Incremental updates (ISO 32000-1 §7.5.6): bytes appended after the original file, never
//! changing any original byte.
//!
//! ```text
//! original bytes … %%EOF
//! [EOL if the file did not end with one]
//! N G obj … endobj          new and replaced objects, in the order they were given
//! xref … trailer << /Prev … >>   or an xref stream, like the previous revision
//! startxref
//! offset
//! %%EOF
//! ```
//!
//! Placeholders ([`Placeholder`](super::Placeholder)) let a signer reserve fixed-width room
//! for `/Contents` and `/ByteRange`; [`Appended`] reports where each one landed in the final
//! file and can patch it in place.

use crate::crypto::DigestAlgorithm;
use crate::{Error, Result};

use super::document::Document;
use super::object::{Array, Dictionary, Name, ObjRef, Object, PdfString, Span, StreamData};
use super::serialize::{PlaceholderAt, write_object};
use super::source::Source;
use super::xref::XrefKind;

/// Trailer keys the writer computes itself.
const COMPUTED_TRAILER_KEYS: [&str; 2] = ["Size", "Prev"];

/// Builds one incremental update of a [`Document`].
///
/// ```no_run
/// # use kyso::pdf::{Document, IncrementalWriter, Placeholder};
/// # use kyso::pdf::object::{Dictionary, Name, Object};
/// # fn demo(bytes: Vec<u8>) -> kyso::Result<()> {
/// let doc = Document::open(bytes.as_slice(), &kyso::Limits::default())?;
/// let mut w = IncrementalWriter::new(&doc)?;
/// let mut sig = Dictionary::new();
/// sig.set("Type", Name::from("Sig"));
/// sig.set("ByteRange", Placeholder::int_array4(0, 10));
/// sig.set("Contents", Placeholder::hex_string(1, 8192));
/// let sig_ref = w.add(Object::Dict(sig))?;
/// let appended = w.finish()?;
/// let gap = appended.placeholder(1); // where <00…00> is in the final file
/// # let _ = (sig_ref, gap); Ok(()) }
/// ```
pub struct IncrementalWriter<'d, S> {
    doc: &'d Document<S>,
    next_num: u32,
    objects: Vec<(ObjRef, Object)>,
    trailer: Vec<(Name, Option<Object>)>,
}

/// A placeholder's position in the final file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceholderSpan {
    /// The tag given in the [`Placeholder`](super::Placeholder).
    pub tag: u32,
    /// Its bytes in the final file (original length + offset in the appended bytes).
    pub span: Span,
}

/// The bytes of an incremental update, to be appended to the original file.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The file offset at which `bytes` start: the original file's length.
    pub offset: u64,
    /// The bytes to append.
    pub bytes: Vec<u8>,
    /// Where each placeholder is, in final-file offsets.
    pub placeholders: Vec<PlaceholderSpan>,
    /// Each written object and its `N G obj … endobj` span, in final-file offsets.
    pub objects: Vec<(ObjRef, Span)>,
    /// The offset of the new cross-reference section (the new `startxref` value).
    pub startxref: u64,
}

impl Appended {
    /// The final file's length: original plus appended bytes.
    pub fn total_len(&self) -> u64 {
        self.offset + self.bytes.len() as u64
    }

    /// The final-file span of the placeholder with `tag` (the first, if several share it).
    pub fn placeholder(&self, tag: u32) -> Option<Span> {
        self.placeholders
            .iter()
            .find(|p| p.tag == tag)
            .map(|p| p.span)
    }

    /// Overwrites the placeholder with `tag` by `bytes` of exactly the same length.
    pub fn patch(&mut self, tag: u32, bytes: &[u8]) -> Result<()> {
        let span = self
            .placeholder(tag)
            .ok_or_else(|| Error::InvalidOption(format!("no placeholder with tag {tag}")))?;
        if span.len() != bytes.len() as u64 {
            return Err(Error::InvalidOption(format!(
                "placeholder {tag} holds {} bytes, the value has {}",
                span.len(),
                bytes.len()
            )));
        }
        // infallible: the span was recorded inside `bytes` when they were written.
        let start = (span.start - self.offset) as usize;
        self.bytes[start..start + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }
}

/// The text of a hex string exactly `width` bytes long (delimiters included) holding `data`,
/// padded with zeros — what goes into a
/// [`Placeholder::hex_string`](super::Placeholder::hex_string) span.
pub fn fill_hex_string(width: u64, data: &[u8]) -> Result<Vec<u8>> {
    let needed = 2 * data.len() as u64 + 2;
    if width < needed || !width.is_multiple_of(2) {
        return Err(Error::InvalidOption(format!(
            "{} bytes do not fit a hex string placeholder of {width} bytes",
            data.len()
        )));
    }
    let mut out = Vec::with_capacity(width as usize);
    out.push(b'<');
    out.extend_from_slice(hex::encode_upper(data).as_bytes());
    out.resize(width as usize - 1, b'0');
    out.push(b'>');
    Ok(out)
}

/// The text of an integer array exactly `width` bytes long, padded with spaces before `]`:
/// `[0 840 960 1200   ]` — what goes into a
/// [`Placeholder::int_array4`](super::Placeholder::int_array4) span.
pub fn fill_int_array(width: u64, values: &[u64]) -> Result<Vec<u8>> {
    let body: Vec<String> = values.iter().map(u64::to_string).collect();
    let mut out = format!("[{}", body.join(" ")).into_bytes();
    if out.len() as u64 + 1 > width {
        return Err(Error::InvalidOption(format!(
            "the array {values:?} does not fit a placeholder of {width} bytes"
        )));
    }
    out.resize(width as usize - 1, b' ');
    out.push(b']');
    Ok(out)
}

impl<'d, S: Source> IncrementalWriter<'d, S> {
    /// Starts an update of `doc` after its newest revision. Encrypted documents are refused:
    /// new objects would have to be encrypted too.
    pub fn new(doc: &'d Document<S>) -> Result<Self> {
        if doc.is_encrypted() {
            return Err(Error::Unsupported(
                "incremental update of an encrypted PDF".into(),
            ));
        }
        let latest = doc.latest_revision();
        let listed = doc
            .revisions()
            .iter()
            .filter_map(|r| r.entries().last().map(|&(n, _)| n.saturating_add(1)))
            .max()
            .unwrap_or(1);
        let next_num = latest.size().unwrap_or(0).max(listed).max(1);
        Ok(IncrementalWriter {
            doc,
            next_num,
            objects: Vec::new(),
            trailer: Vec::new(),
        })
    }

    /// A fresh object number (generation 0), from the previous trailer's `/Size` on.
    pub fn allocate(&mut self) -> Result<ObjRef> {
        let num = self.next_num;
        self.next_num = num
            .checked_add(1)
            .ok_or_else(|| Error::InvalidOption("no object numbers left".into()))?;
        Ok(ObjRef::new(num, 0))
    }

    /// Allocates a number and writes `object` under it.
    pub fn add(&mut self, object: Object) -> Result<ObjRef> {
        let r = self.allocate()?;
        self.objects.push((r, object));
        Ok(r)
    }

    /// Writes `object` as `r`: a replacement of an existing object (keep its generation) or
    /// an object number from [`Self::allocate`]. Setting the same reference twice keeps the
    /// last value.
    pub fn set(&mut self, r: ObjRef, object: Object) -> Result<()> {
        if r.num == 0 || r.num >= self.next_num {
            return Err(Error::InvalidOption(format!(
                "object number {} was neither in the document nor allocated",
                r.num
            )));
        }
        match self.objects.iter_mut().find(|(x, _)| x.num == r.num) {
            Some(slot) => *slot = (r, object),
            None => self.objects.push((r, object)),
        }
        Ok(())
    }

    /// Sets a trailer entry of the update (such as `/Root` or `/Info`). `/Size` and `/Prev`
    /// are computed and cannot be set.
    pub fn set_trailer(&mut self, key: &str, value: Object) -> Result<()> {
        if COMPUTED_TRAILER_KEYS.contains(&key) {
            return Err(Error::InvalidOption(format!(
                "trailer /{key} is computed by the writer"
            )));
        }
        self.trailer.retain(|(k, _)| *k != *key);
        self.trailer.push((Name::from(key), Some(value)));
        Ok(())
    }

    /// Leaves a trailer entry that would otherwise be carried over (`/Info`, `/ID`) out.
    pub fn remove_trailer(&mut self, key: &str) {
        self.trailer.retain(|(k, _)| *k != *key);
        self.trailer.push((Name::from(key), None));
    }

    /// Lays out the update: objects, cross-reference section (a table when the newest revision
    /// has a table, a stream when it has a stream), trailer, `startxref`, `%%EOF`.
    pub fn finish(mut self) -> Result<Appended> {
        let base = self.doc.len();
        let mut out = Vec::new();
        let mut last = [0u8; 1];
        self.doc.source().read_exact_at(base - 1, &mut last)?;
        if last[0] != b'\n' && last[0] != b'\r' {
            out.push(b'\n');
        }

        let mut placeholders: Vec<PlaceholderAt> = Vec::new();
        let mut written: Vec<(ObjRef, Span)> = Vec::new();
        for (r, object) in &self.objects {
            let start = out.len();
            out.extend_from_slice(format!("{} {} obj\n", r.num, r.generation).as_bytes());
            self.write_body(&mut out, object, &mut placeholders)?;
            out.extend_from_slice(b"\nendobj");
            written.push((*r, Span::new(base + start as u64, base + out.len() as u64)));
            out.push(b'\n');
        }

        let kind = self.doc.latest_revision().xref_kind();
        let xref_ref = match kind {
            XrefKind::Stream => Some(self.allocate()?),
            XrefKind::Table | XrefKind::Hybrid => None,
        };
        let trailer = self.trailer_dict(&out, base)?;
        let xref_offset = base + out.len() as u64;
        let mut entries: Vec<(u32, u16, u64)> = written
            .iter()
            .map(|(r, span)| (r.num, r.generation, span.start))
            .collect();
        match xref_ref {
            None => write_table(&mut out, &mut entries, &trailer, &mut placeholders)?,
            Some(xr) => {
                entries.push((xr.num, 0, xref_offset));
                write_xref_stream(&mut out, xr, &mut entries, trailer, &mut placeholders)?;
            }
        }
        out.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());

        Ok(Appended {
            offset: base,
            placeholders: placeholders
                .into_iter()
                .map(|p| PlaceholderSpan {
                    tag: p.tag,
                    span: Span::new(base + p.start as u64, base + p.end as u64),
                })
                .collect(),
            objects: written,
            startxref: xref_offset,
            bytes: out,
        })
    }

    /// The value of an indirect object: a direct object, or a stream with its data.
    fn write_body(
        &self,
        out: &mut Vec<u8>,
        object: &Object,
        placeholders: &mut Vec<PlaceholderAt>,
    ) -> Result<()> {
        let Object::Stream(stream) = object else {
            return write_object(out, object, placeholders);
        };
        let data = match &stream.data {
            StreamData::Owned(bytes) => std::borrow::Cow::Borrowed(bytes.as_slice()),
            StreamData::InFile { .. } => std::borrow::Cow::Owned(self.doc.stream_data_raw(stream)?),
        };
        let mut dict = stream.dict.clone();
        dict.set("Length", data.len() as i64);
        write_object(out, &Object::Dict(dict), placeholders)?;
        out.extend_from_slice(b"\nstream\n");
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream");
        Ok(())
    }

    /// The update's trailer: `/Size`, `/Root`, `/Info`, `/ID`, `/Prev`, then the caller's
    /// changes.
    fn trailer_dict(&self, body: &[u8], base: u64) -> Result<Dictionary> {
        let previous = self.doc.trailer();
        let mut t = Dictionary::new();
        t.set("Size", i64::from(self.next_num));
        for key in ["Root", "Info"] {
            if let Some(v) = previous.get(key) {
                t.set(key, v.clone());
            }
        }
        let first = match previous.get("ID") {
            Some(Object::Array(a)) => a.get(0).and_then(Object::as_string).cloned(),
            _ => None,
        };
        let mut seed = Vec::new();
        if let Some(f) = &first {
            seed.extend_from_slice(&f.bytes);
        }
        seed.extend_from_slice(base.to_string().as_bytes());
        seed.extend_from_slice(body);
        let fresh = DigestAlgorithm::Sha256.digest(&seed);
        let second = PdfString::hex(fresh.get(..16).unwrap_or(&fresh).to_vec());
        let first = first.unwrap_or_else(|| second.clone());
        t.set(
            "ID",
            Array::from(vec![Object::String(first), Object::String(second)]),
        );
        t.set(
            "Prev",
            i64::try_from(self.doc.latest_revision().startxref()).map_err(|_| {
                Error::InvalidOption("previous cross-reference offset too large".into())
            })?,
        );
        for (key, value) in &self.trailer {
            match value {
                Some(v) => t.set(key.clone(), v.clone()),
                None => {
                    if let Some(k) = key.as_str() {
                        t.remove(k);
                    }
                }
            }
        }
        Ok(t)
    }
}

/// Groups sorted entries into runs of consecutive object numbers.
fn runs(entries: &[(u32, u16, u64)]) -> Vec<(u32, usize)> {
    let mut runs: Vec<(u32, usize)> = Vec::new();
    let mut prev: Option<u32> = None;
    for &(num, _, _) in entries {
        match (runs.last_mut(), prev) {
            (Some((_, count)), Some(p)) if p.checked_add(1) == Some(num) => *count += 1,
            _ => runs.push((num, 1)),
        }
        prev = Some(num);
    }
    runs
}

fn write_table(
    out: &mut Vec<u8>,
    entries: &mut [(u32, u16, u64)],
    trailer: &Dictionary,
    placeholders: &mut Vec<PlaceholderAt>,
) -> Result<()> {
    entries.sort_by_key(|e| e.0);
    out.extend_from_slice(b"xref\n");
    let mut i = 0;
    for (first, count) in runs(entries) {
        out.extend_from_slice(format!("{first} {count}\n").as_bytes());
        for &(_, generation, offset) in &entries[i..i + count] {
            out.extend_from_slice(format!("{offset:010} {generation:05} n\r\n").as_bytes());
        }
        i += count;
    }
    out.extend_from_slice(b"trailer\n");
    write_object(out, &Object::Dict(trailer.clone()), placeholders)?;
    out.push(b'\n');
    Ok(())
}

fn write_xref_stream(
    out: &mut Vec<u8>,
    xref: ObjRef,
    entries: &mut [(u32, u16, u64)],
    mut dict: Dictionary,
    placeholders: &mut Vec<PlaceholderAt>,
) -> Result<()> {
    entries.sort_by_key(|e| e.0);
    let max_offset = entries.iter().map(|e| e.2).max().unwrap_or(0);
    let width = (1..=8)
        .find(|&w| w == 8 || max_offset < 1u64 << (8 * w))
        .unwrap_or(8);
    let mut data = Vec::with_capacity(entries.len() * (width + 3));
    for &(_, generation, offset) in entries.iter() {
        data.push(1);
        data.extend_from_slice(&offset.to_be_bytes()[8 - width..]);
        data.extend_from_slice(&generation.to_be_bytes());
    }
    let index: Vec<Object> = runs(entries)
        .into_iter()
        .flat_map(|(first, count)| [Object::Int(i64::from(first)), Object::Int(count as i64)])
        .collect();
    let mut head = Dictionary::new();
    head.set("Type", Name::from("XRef"));
    head.set(
        "W",
        Array::from(vec![
            Object::Int(1),
            Object::Int(width as i64),
            Object::Int(2),
        ]),
    );
    head.set("Index", Array::from(index));
    for (k, v) in dict.iter() {
        head.set(k.clone(), v.clone());
    }
    dict = head;
    dict.set("Length", data.len() as i64);
    out.extend_from_slice(format!("{} {} obj\n", xref.num, xref.generation).as_bytes());
    write_object(out, &Object::Dict(dict), placeholders)?;
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::pdf::object::{Placeholder, Stream};
    use crate::pdf::testutil::{Builder, simple_form};

    const BYTE_RANGE: u32 = 1;
    const CONTENTS: u32 = 2;

    fn open(bytes: &[u8]) -> Document<&[u8]> {
        Document::open(bytes, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Adds a signature dictionary with placeholders and points field 4 at it.
    fn sign_like(doc: &Document<&[u8]>) -> Result<(Appended, ObjRef)> {
        let mut w = IncrementalWriter::new(doc)?;
        let mut sig = Dictionary::new();
        sig.set("Type", Name::from("Sig"));
        sig.set("Filter", Name::from("Adobe.PPKLite"));
        sig.set("SubFilter", Name::from("ETSI.CAdES.detached"));
        sig.set("ByteRange", Placeholder::int_array4(BYTE_RANGE, 10));
        sig.set("Contents", Placeholder::hex_string(CONTENTS, 64));
        sig.set("Reason", PdfString::from_text("Phê duyệt"));
        let sig_ref = w.add(Object::Dict(sig))?;
        let Some(field) = doc.get(ObjRef::new(4, 0))? else {
            panic!("no field")
        };
        let mut field = field.object.as_dict().cloned().unwrap_or_default();
        field.set("V", sig_ref);
        w.set(ObjRef::new(4, 0), Object::Dict(field))?;
        let mut ap = Dictionary::new();
        ap.set("Type", Name::from("XObject"));
        ap.set("Subtype", Name::from("Form"));
        w.add(Object::Stream(Stream::new(ap, b"q Q".to_vec())))?;
        Ok((w.finish()?, sig_ref))
    }

    #[test]
    fn round_trip_with_a_table() -> Result<()> {
        let original = simple_form();
        let doc = open(&original);
        let (mut appended, sig_ref) = sign_like(&doc)?;
        assert_eq!(sig_ref, ObjRef::new(6, 0));
        assert_eq!(appended.offset, original.len() as u64);

        // Fill the placeholders as a signer would, then read the result back.
        let gap = appended.placeholder(CONTENTS).unwrap_or(Span::new(0, 0));
        let total = appended.total_len();
        let range = [0, gap.start, gap.end, total - gap.end];
        let br = appended.placeholder(BYTE_RANGE).unwrap_or(Span::new(0, 0));
        appended.patch(BYTE_RANGE, &fill_int_array(br.len(), &range)?)?;
        appended.patch(CONTENTS, &fill_hex_string(gap.len(), &[0xAB; 10])?)?;
        assert!(appended.patch(CONTENTS, b"<00>").is_err());

        let mut out = original.clone();
        out.extend_from_slice(&appended.bytes);
        assert!(out.starts_with(&original));
        let doc2 = open(&out);
        assert_eq!(doc2.revisions().len(), 2);
        assert_eq!(doc2.revisions()[0].end(), original.len() as u64);
        assert_eq!(doc2.latest_revision().end(), out.len() as u64);
        assert_eq!(doc2.latest_revision().xref_kind(), XrefKind::Table);
        assert_eq!(doc2.latest_revision().size(), Some(8));

        let Some(sig) = doc2.get(sig_ref)? else {
            panic!("signature missing")
        };
        let sig = sig.object.as_dict().cloned().unwrap_or_default();
        assert_eq!(sig.span("Contents"), Some(gap));
        assert_eq!(
            sig.get("Contents")
                .and_then(Object::as_string)
                .map(|s| s.bytes[..10].to_vec()),
            Some(vec![0xAB; 10])
        );
        let parsed_range: Vec<i64> = sig
            .get("ByteRange")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(Object::as_int).collect())
            .unwrap_or_default();
        assert_eq!(
            parsed_range,
            range.iter().map(|&x| x as i64).collect::<Vec<_>>()
        );
        assert_eq!(
            sig.get("Reason")
                .and_then(Object::as_string)
                .map(PdfString::to_text),
            Some("Phê duyệt".to_string())
        );

        // The old revision still reads the old field; the new one the signed field.
        let old = doc2
            .view(0)
            .map(|v| v.fields())
            .transpose()?
            .unwrap_or_default();
        assert!(old[0].value.is_none());
        let new = doc2.latest().fields()?;
        assert_eq!(new[0].value, Some(Object::Ref(sig_ref)));

        // The written objects' spans hold them.
        for (r, span) in &appended.objects {
            let text = &out[span.start as usize..span.end as usize];
            assert!(text.starts_with(format!("{} {} obj", r.num, r.generation).as_bytes()));
            assert!(text.ends_with(b"endobj"));
        }
        let Some(ap) = doc2.get(ObjRef::new(7, 0))? else {
            panic!("stream missing")
        };
        let Object::Stream(ap) = &ap.object else {
            panic!("not a stream")
        };
        assert_eq!(doc2.stream_data_decoded(ap)?, b"q Q");

        // /ID keeps its first element and gets a fresh second one.
        let id = doc2.trailer().get("ID").and_then(Object::as_array).cloned();
        let id: Vec<Vec<u8>> = id
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_string().map(|s| s.bytes.clone()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(id.len(), 2);
        assert_eq!(id[0], vec![1, 2, 3, 4]);
        assert_ne!(id[1], vec![1, 2, 3, 4]);
        Ok(())
    }

    #[test]
    fn round_trip_with_an_xref_stream() -> Result<()> {
        let mut b = Builder::new();
        b.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>")
            .obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
            .obj(3, "<< /Type /Page /Parent 2 0 R /Annots [4 0 R] >>")
            .obj(4, "<< /Subtype /Widget /FT /Sig /T (S1) >>")
            .obj(5, "<< /Fields [4 0 R] >>")
            .xref_stream(6, "/Size 7 /Root 1 0 R", &[]);
        let original = b.bytes();
        let doc = open(&original);
        let (appended, sig_ref) = sign_like(&doc)?;
        assert_eq!(sig_ref, ObjRef::new(7, 0));
        let mut out = original.clone();
        out.extend_from_slice(&appended.bytes);
        let doc2 = open(&out);
        assert_eq!(doc2.revisions().len(), 2);
        assert_eq!(doc2.latest_revision().xref_kind(), XrefKind::Stream);
        assert_eq!(doc2.latest_revision().size(), Some(10));
        assert_eq!(doc2.latest().fields()?[0].value, Some(Object::Ref(sig_ref)));
        assert!(doc2.get_in_revision(0, sig_ref)?.is_none());
        Ok(())
    }

    #[test]
    fn adds_a_line_break_when_the_file_lacks_one() -> Result<()> {
        let mut original = simple_form();
        while original.last() == Some(&b'\n') {
            original.pop();
        }
        let doc = open(&original);
        assert_eq!(doc.latest_revision().end(), original.len() as u64);
        let mut w = IncrementalWriter::new(&doc)?;
        w.add(Object::Int(42))?;
        let appended = w.finish()?;
        assert_eq!(appended.bytes[0], b'\n');
        let mut out = original.clone();
        out.extend_from_slice(&appended.bytes);
        let doc2 = open(&out);
        // The line break now follows the first revision's %%EOF and counts as its end.
        assert_eq!(doc2.revisions()[0].marker_end(), original.len() as u64);
        assert_eq!(doc2.revisions()[0].end(), original.len() as u64 + 1);
        assert_eq!(
            doc2.get(ObjRef::new(6, 0))?.map(|o| o.object.clone()),
            Some(Object::Int(42))
        );
        Ok(())
    }

    #[test]
    fn refuses_what_it_cannot_write() -> Result<()> {
        let original = simple_form();
        let doc = open(&original);
        let mut w = IncrementalWriter::new(&doc)?;
        assert!(w.set(ObjRef::new(6, 0), Object::Null).is_err());
        assert!(w.set(ObjRef::new(0, 0), Object::Null).is_err());
        assert!(w.set_trailer("Size", Object::Int(3)).is_err());
        assert!(w.set_trailer("Prev", Object::Int(3)).is_err());
        let r = w.allocate()?;
        assert!(w.set(r, Object::Null).is_ok());

        let mut b = Builder::new();
        b.obj(1, "<< /Type /Catalog >>")
            .obj(2, "<< /Filter /Standard >>")
            .table("/Size 3 /Root 1 0 R /Encrypt 2 0 R");
        let enc = b.bytes();
        let doc = open(&enc);
        assert!(matches!(
            IncrementalWriter::new(&doc),
            Err(Error::Unsupported(_))
        ));
        Ok(())
    }

    #[test]
    fn trailer_changes_apply() -> Result<()> {
        let original = simple_form();
        let doc = open(&original);
        let mut w = IncrementalWriter::new(&doc)?;
        let info = w.add(Object::Dict(Dictionary::new()))?;
        w.set_trailer("Info", Object::Ref(info))?;
        w.remove_trailer("ID");
        let appended = w.finish()?;
        let mut out = original.clone();
        out.extend_from_slice(&appended.bytes);
        let doc2 = open(&out);
        assert_eq!(doc2.trailer().get_ref("Info"), Some(info));
        assert!(!doc2.trailer().contains_key("ID"));
        assert_eq!(
            doc2.trailer().get_int("Prev"),
            Some(doc.latest_revision().startxref() as i64)
        );
        Ok(())
    }

    #[test]
    fn fills_keep_width() {
        let f = fill_hex_string(10, &[0xAB, 0x01]);
        assert_eq!(f.ok(), Some(b"<AB010000>".to_vec()));
        assert!(fill_hex_string(5, &[1, 2]).is_err());
        let a = fill_int_array(20, &[0, 100, 200, 300]);
        assert_eq!(a.ok(), Some(b"[0 100 200 300     ]".to_vec()));
        assert!(fill_int_array(10, &[0, 100, 200, 300]).is_err());
    }

    #[test]
    fn runs_group_consecutive_numbers() {
        let e = [(3, 0, 0), (4, 0, 0), (9, 0, 0), (10, 0, 0), (12, 0, 0)];
        assert_eq!(runs(&e), vec![(3, 2), (9, 2), (12, 1)]);
    }
}
