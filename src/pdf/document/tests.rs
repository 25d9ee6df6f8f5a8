use std::sync::atomic::{AtomicU64, Ordering};

use super::*;
use crate::pdf::object::Name;
use crate::pdf::testutil::{Builder, object_stream, simple_form, zlib};

fn open(bytes: &[u8]) -> Result<Document<&[u8]>> {
    Document::open(bytes, &Limits::default())
}

fn must_open(bytes: &[u8]) -> Document<&[u8]> {
    match open(bytes) {
        Ok(d) => d,
        Err(e) => panic!("open failed: {e}\n{}", String::from_utf8_lossy(bytes)),
    }
}

fn obj<S: Source>(doc: &Document<S>, num: u32) -> Object {
    match doc.get(ObjRef::new(num, 0)) {
        Ok(Some(o)) => o.object.clone(),
        other => panic!("object {num}: {other:?}"),
    }
}

#[test]
fn single_revision_table() {
    let bytes = simple_form();
    let doc = must_open(&bytes);
    assert_eq!(doc.revisions().len(), 1);
    let rev = doc.latest_revision();
    assert_eq!(rev.xref_kind(), XrefKind::Table);
    assert_eq!(rev.end(), bytes.len() as u64);
    assert_eq!(&bytes[rev.eof_offset() as usize..][..5], b"%%EOF");
    assert_eq!(rev.entries().len(), 5);
    assert_eq!(rev.size(), Some(6));
    assert!(!doc.is_encrypted());
    let (root, catalog) = doc.latest().catalog().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(root, ObjRef::new(1, 0));
    assert!(catalog.is_name("Type", "Catalog"));
}

#[test]
fn pages_inherit_attributes() {
    let bytes = simple_form();
    let doc = must_open(&bytes);
    let pages = doc.latest().pages().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].id, ObjRef::new(3, 0));
    assert!(matches!(pages[0].media_box, Some(Object::Array(ref a)) if a.len() == 4));
    assert!(pages[0].resources.is_none());
}

#[test]
fn fields_of_a_simple_form() {
    let bytes = simple_form();
    let doc = must_open(&bytes);
    let fields = doc.latest().fields().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fields.len(), 1);
    let f = &fields[0];
    assert_eq!(f.name, "Signature1");
    assert!(f.is_signature());
    assert!(f.is_terminal());
    assert_eq!(f.widgets, vec![ObjRef::new(4, 0)]);
    assert!(f.value.is_none());
}

#[test]
fn object_spans_point_into_the_file() {
    let bytes = simple_form();
    let doc = must_open(&bytes);
    let Ok(Some(o)) = doc.get(ObjRef::new(4, 0)) else {
        panic!("no object 4")
    };
    let span = o.span.unwrap_or(Span::new(0, 0));
    let text = &bytes[span.start as usize..span.end as usize];
    assert!(text.starts_with(b"4 0 obj"));
    assert!(text.ends_with(b"endobj"));
    let Object::Dict(d) = &o.object else {
        panic!("not a dict")
    };
    let t = d.span("T").unwrap_or(Span::new(0, 0));
    assert_eq!(&bytes[t.start as usize..t.end as usize], b"(Signature1)");
    assert_eq!(o.location, Location::Offset(span.start));
}

/// simple_form plus an update that signs the field: a signature dictionary, the field's new
/// value, and a replaced page.
fn signed_form() -> (Vec<u8>, u64) {
    let base = simple_form();
    let doc = must_open(&base);
    let prev = doc.latest_revision().startxref();
    let mut b = Builder::append_to(base.clone(), prev);
    b.obj(
        6,
        "<< /Type /Sig /ByteRange [0 10 20 30] /Contents <0A0B0C> >>",
    )
    .obj(
        4,
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V 6 0 R /P 3 0 R >>",
    )
    .table("/Size 7 /Root 1 0 R");
    (b.bytes(), base.len() as u64)
}

#[test]
fn incremental_update_keeps_revisions_apart() {
    let (bytes, first_end) = signed_form();
    let doc = must_open(&bytes);
    assert_eq!(doc.revisions().len(), 2);
    assert_eq!(doc.revisions()[0].end(), first_end);
    assert_eq!(doc.revisions()[1].end(), bytes.len() as u64);
    let entries: Vec<u32> = doc.revisions()[1].entries().iter().map(|e| e.0).collect();
    assert_eq!(entries, vec![4, 6]);
    assert_eq!(doc.changed_entries(1).len(), 2);

    // The newest revision sees the signed field, the original does not.
    let new = doc.latest().fields().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(new[0].value, Some(Object::Ref(ObjRef::new(6, 0))));
    let old = doc.view(0).map(|v| v.fields());
    assert!(matches!(old, Some(Ok(ref f)) if f[0].value.is_none()));
    assert!(matches!(
        doc.get_in_revision(0, ObjRef::new(6, 0)),
        Ok(None)
    ));
    assert!(doc.get_in_revision(2, ObjRef::new(6, 0)).is_err());

    // The signature's /Contents span is exactly the hex string in the file.
    let Object::Dict(sig) = obj(&doc, 6) else {
        panic!("not a dict")
    };
    let c = sig.span("Contents").unwrap_or(Span::new(0, 0));
    assert_eq!(&bytes[c.start as usize..c.end as usize], b"<0A0B0C>");
    assert_eq!(
        sig.get("Contents")
            .and_then(Object::as_string)
            .map(|s| s.bytes.clone()),
        Some(vec![10, 11, 12])
    );
}

#[test]
fn changed_entries_skip_repeats() {
    let (bytes, _) = signed_form();
    let doc = must_open(&bytes);
    let prev = doc.latest_revision().startxref();
    // A third revision that repeats object 1's entry unchanged and frees nothing.
    let off1 = match doc.revisions()[0].entry(1) {
        Some(XrefEntry::InUse { offset, .. }) => offset,
        other => panic!("{other:?}"),
    };
    let mut b = Builder::append_to(bytes, prev);
    let at = b.offset();
    b.raw(
        format!(
            "xref\n1 1\n{off1:010} 00000 n\r\ntrailer\n<< /Size 7 /Root 1 0 R /Prev {prev} >>\n\
             startxref\n{at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert_eq!(doc.revisions().len(), 3);
    assert_eq!(doc.revisions()[2].entries().len(), 1);
    assert!(doc.changed_entries(2).is_empty());
}

#[test]
fn xref_stream_with_object_stream() {
    let mut b = Builder::new();
    let (extra, data) = object_stream(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
    ]);
    b.stream(4, &extra, &data)
        .obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>")
        .xref_stream(5, "/Size 6 /Root 1 0 R", &[(1, 4, 0), (2, 4, 1)]);
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert_eq!(doc.latest_revision().xref_kind(), XrefKind::Stream);
    let Ok(Some(cat)) = doc.get(ObjRef::new(1, 0)) else {
        panic!("no catalog")
    };
    assert_eq!(
        cat.location,
        Location::InObjectStream {
            stream: 4,
            index: 0
        }
    );
    assert!(cat.span.is_none());
    let pages = doc.latest().pages().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pages.len(), 1);
    // A compressed object with a non-zero generation does not exist.
    assert!(matches!(doc.get(ObjRef::new(2, 1)), Ok(None)));
}

#[test]
fn hybrid_file_reads_both_parts() {
    let mut b = Builder::new();
    let (extra, data) = object_stream(&[(3, "<< /Type /Page /Parent 2 0 R >>")]);
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
        .obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        .stream(4, &extra, &data);
    // An xref stream listing only the compressed object, written before the table.
    let stm_at = b.offset();
    let row = [2u8, 0, 0, 0, 4, 0];
    let z = zlib(&row);
    let mut body = format!(
        "<< /Type /XRef /Size 6 /W [1 4 1] /Index [3 1] /Filter /FlateDecode /Length {} >>\nstream\n",
        z.len()
    )
    .into_bytes();
    body.extend_from_slice(&z);
    body.extend_from_slice(b"\nendstream");
    b.obj_gen(5, 0, &body);
    b.table(&format!("/Size 6 /Root 1 0 R /XRefStm {stm_at}"));
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert_eq!(doc.latest_revision().xref_kind(), XrefKind::Hybrid);
    assert!(matches!(
        doc.latest_revision().entry(3),
        Some(XrefEntry::Compressed {
            stream: 4,
            index: 0
        })
    ));
    assert_eq!(doc.latest().pages().map(|p| p.len()).ok(), Some(1));
}

#[test]
fn stream_data_with_indirect_length() {
    let mut b = Builder::new();
    let data = zlib(b"BT /F1 12 Tf (Xin chao) Tj ET");
    let mut body = b"<< /Length 2 0 R /Filter /FlateDecode >>\nstream\r\n".to_vec();
    body.extend_from_slice(&data);
    body.extend_from_slice(b"\r\nendstream");
    b.obj(1, "<< /Type /Catalog >>")
        .obj(2, &data.len().to_string())
        .obj_gen(3, 0, &body)
        .table("/Size 4 /Root 1 0 R");
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    let Object::Stream(s) = obj(&doc, 3) else {
        panic!("not a stream")
    };
    assert_eq!(doc.stream_data_raw(&s).ok(), Some(data.clone()));
    assert_eq!(
        doc.stream_data_decoded(&s).ok(),
        Some(b"BT /F1 12 Tf (Xin chao) Tj ET".to_vec())
    );
    let span = s.data_span().unwrap_or(Span::new(0, 0));
    assert_eq!(&bytes[span.start as usize..span.end as usize], &data[..]);
}

#[test]
fn generation_mismatch_and_free_objects_are_null() {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog /Ref 2 5 R >>")
        .obj_gen(2, 3, b"(two)")
        .table("/Size 3 /Root 1 0 R");
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert!(matches!(doc.get(ObjRef::new(2, 5)), Ok(None)));
    assert!(matches!(doc.get(ObjRef::new(2, 3)), Ok(Some(_))));
    assert!(matches!(doc.get(ObjRef::new(99, 0)), Ok(None)));
    assert_eq!(
        doc.resolve(&Object::Ref(ObjRef::new(2, 5))).ok(),
        Some(Object::Null)
    );
}

#[test]
fn encrypted_is_reported() {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog >>")
        .obj(2, "<< /Filter /Standard /V 2 >>")
        .table("/Size 3 /Root 1 0 R /Encrypt 2 0 R");
    let bytes = b.bytes();
    assert!(must_open(&bytes).is_encrypted());
}

#[test]
fn linearized_first_page_section_merges_with_main() {
    // A first-page section at the start whose /Prev is the main section at the end.
    let mut buf = b"%PDF-1.7\n".to_vec();
    let fp_at = buf.len() as u64;
    buf.extend_from_slice(
        b"xref\n0 0\ntrailer\n<< /Size 4 /Root 1 0 R /Prev XXXXXXXXXX >>\nstartxref\n0\n%%EOF\n",
    );
    let mut offsets = Vec::new();
    for (n, body) in [
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, "<< /Type /Page /Parent 2 0 R >>"),
    ] {
        offsets.push(buf.len());
        buf.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let main_at = buf.len() as u64;
    let mut table = String::from("xref\n0 4\n0000000000 65535 f\r\n");
    for o in offsets {
        table.push_str(&format!("{o:010} 00000 n\r\n"));
    }
    table.push_str(&format!(
        "trailer\n<< /Size 4 >>\nstartxref\n{fp_at}\n%%EOF\n"
    ));
    buf.extend_from_slice(table.as_bytes());
    let p = buf
        .windows(10)
        .position(|w| w == b"XXXXXXXXXX")
        .unwrap_or(0);
    buf[p..p + 10].copy_from_slice(format!("{main_at:<10}").as_bytes());

    let doc = must_open(&buf);
    assert_eq!(doc.revisions().len(), 1, "{:?}", doc.revisions());
    let rev = doc.latest_revision();
    assert_eq!(rev.sections(), &[fp_at, main_at]);
    assert_eq!(rev.end(), buf.len() as u64);
    assert_eq!(rev.startxref(), fp_at);
    assert!(rev.trailer().contains_key("Root"));
    assert_eq!(doc.latest().pages().map(|p| p.len()).ok(), Some(1));
}

// ----- malformed input -----

fn is_malformed<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::Malformed { .. }))
}

#[test]
fn truncated_and_missing_eof() {
    let bytes = simple_form();
    let cut = bytes.len() - 3;
    assert!(is_malformed(open(&bytes[..cut])));
    assert!(is_malformed(open(b"")));
    assert!(is_malformed(open(b"%PDF-1.7\nnothing here")));
}

#[test]
fn broken_startxref() {
    let bytes = simple_form();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let at = text.rfind("startxref\n").unwrap_or(0) + 10;
    for replacement in ["0", "99999999", "-5", "abc", "12"] {
        let mut b = bytes[..at].to_vec();
        b.extend_from_slice(format!("{replacement}\n%%EOF\n").as_bytes());
        assert!(open(&b).is_err(), "startxref {replacement}");
    }
}

#[test]
fn prev_loop_is_detected() {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog >>");
    let at = b.offset();
    // A table whose /Prev is itself.
    b.raw(
        format!(
            "xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 2 /Root 1 0 R /Prev {at} >>\n\
             startxref\n{at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    let r = open(&b.buf);
    assert!(
        matches!(&r, Err(Error::Malformed { detail, .. }) if detail.contains("loop")),
        "{r:?}"
    );
}

#[test]
fn revision_limit() {
    let (bytes, _) = signed_form();
    let limits = Limits {
        max_revisions: 1,
        ..Limits::default()
    };
    assert!(matches!(
        Document::open(bytes.as_slice(), &limits),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn reference_loops_end() {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
        .obj(2, "2 0 R")
        .obj(3, "4 0 R")
        .obj(4, "3 0 R")
        .table("/Size 5 /Root 1 0 R");
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert!(doc.resolve(&Object::Ref(ObjRef::new(2, 0))).is_err());
    assert!(doc.resolve(&Object::Ref(ObjRef::new(3, 0))).is_err());
    assert!(doc.latest().pages().is_err());
}

#[test]
fn object_stream_loops_end() {
    // Object 5 is said to be in object stream 4, whose /Length is object 5.
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog >>");
    b.obj_gen(
        4,
        0,
        b"<< /Type /ObjStm /N 1 /First 4 /Length 5 0 R >>\nstream\n5 0 9\nendstream",
    );
    b.xref_stream(6, "/Size 7 /Root 1 0 R", &[(5, 4, 0)]);
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert!(is_malformed(doc.get(ObjRef::new(5, 0))));
    // An object stream said to be inside an object stream.
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog >>");
    b.xref_stream(6, "/Size 7 /Root 1 0 R", &[(5, 4, 0), (4, 5, 0)]);
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert!(is_malformed(doc.get(ObjRef::new(5, 0))));
}

#[test]
fn huge_length_and_wrong_offsets() {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog >>")
        .obj_gen(2, 0, b"<< /Length 99999999999 >>\nstream\nabc\nendstream")
        .obj_gen(3, 0, b"<< /Length 1 >>\nstream\nabc\nendstream")
        .table("/Size 4 /Root 1 0 R");
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert!(is_malformed(doc.get(ObjRef::new(2, 0))));
    assert!(is_malformed(doc.get(ObjRef::new(3, 0))));

    // An xref entry pointing at the wrong object.
    let form = simple_form();
    let find = |pat: &[u8]| form.windows(pat.len()).position(|w| w == pat).unwrap_or(0);
    let entry4 = format!("{:010} 00000 n", find(b"4 0 obj"));
    let entry3 = format!("{:010} 00000 n", find(b"3 0 obj"));
    let mut swapped = form.clone();
    let at = find(entry4.as_bytes());
    swapped[at..at + entry3.len()].copy_from_slice(entry3.as_bytes());
    let doc = must_open(&swapped);
    let r = doc.get(ObjRef::new(4, 0));
    assert!(is_malformed(r));
}

#[test]
fn deep_nesting_in_a_file() {
    let mut b = Builder::new();
    let mut deep = vec![b'['; 10_000];
    deep.extend(vec![b']'; 10_000]);
    b.obj(1, "<< /Type /Catalog >>")
        .obj_gen(2, 0, &deep)
        .table("/Size 3 /Root 1 0 R");
    let bytes = b.bytes();
    let doc = must_open(&bytes);
    assert!(matches!(
        doc.get(ObjRef::new(2, 0)),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn decompression_bomb_is_typed() {
    let bomb = zlib(&vec![0u8; 8 << 20]);
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog >>")
        .stream(2, "/Filter /FlateDecode", &bomb)
        .table("/Size 3 /Root 1 0 R");
    let bytes = b.bytes();
    let limits = Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    };
    let doc = Document::open(bytes.as_slice(), &limits).unwrap_or_else(|e| panic!("{e}"));
    let Object::Stream(s) = obj(&doc, 2) else {
        panic!("not a stream")
    };
    assert!(matches!(
        doc.stream_data_decoded(&s),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn every_cut_point_is_an_error_or_a_document() {
    let (bytes, _) = signed_form();
    for cut in 0..bytes.len() {
        if let Ok(doc) = open(&bytes[..cut]) {
            // A cut right after an earlier revision's %%EOF is that revision.
            let _ = doc.latest().fields();
            let _ = doc.latest().pages();
        }
    }
}

// ----- reading little -----

/// Counts the bytes read through it.
struct Counting<'a> {
    inner: &'a [u8],
    read: AtomicU64,
}

impl Source for Counting<'_> {
    fn len(&self) -> std::io::Result<u64> {
        Source::len(self.inner)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read_at(offset, buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn a_50_mb_file_is_opened_reading_a_few_kb() {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>")
        .obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
        .obj(3, "<< /Type /Page /Parent 2 0 R /Annots [4 0 R] /Resources << /XObject << /Im0 7 0 R >> >> >>");
    // A 50 MB image between the page and the form.
    let image = vec![0x5Au8; 50 << 20];
    b.stream(
        7,
        "/Type /XObject /Subtype /Image /Width 5000 /Height 10000",
        &image,
    );
    b.obj(
        4,
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V 6 0 R /P 3 0 R >>",
    )
    .obj(5, "<< /Fields [4 0 R] /SigFlags 3 >>");
    let contents = format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached \
         /ByteRange [0 10 20 30] /Contents <{}> >>",
        "00".repeat(8192)
    );
    b.obj(6, &contents).table("/Size 8 /Root 1 0 R");
    let bytes = b.bytes();
    let source = Counting {
        inner: &bytes,
        read: AtomicU64::new(0),
    };
    let doc = Document::open(&source, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let after_open = source.read.load(Ordering::Relaxed);
    let fields = doc.latest().fields().unwrap_or_else(|e| panic!("{e}"));
    let sig_ref = fields[0].value.as_ref().and_then(Object::as_ref);
    let sig = sig_ref.and_then(|r| doc.get(r).ok().flatten());
    assert!(sig.is_some());
    let pages = doc.latest().pages().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pages.len(), 1);
    let total = source.read.load(Ordering::Relaxed);
    // The signature's 16 KB /Contents must be read; everything else is a few KB.
    let contents_len = contents.len() as u64;
    assert!(after_open <= TAIL + 1024, "open read {after_open} bytes");
    assert!(
        total <= contents_len + 8 * 1024,
        "read {total} bytes of {} ({contents_len} of them the signature)",
        bytes.len()
    );
}

#[test]
fn file_source_works() {
    use std::io::Write;
    let (bytes, _) = signed_form();
    let mut f = tempfile::tempfile().unwrap_or_else(|e| panic!("{e}"));
    f.write_all(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let doc = Document::open(f, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.revisions().len(), 2);
    assert_eq!(doc.latest().fields().map(|f| f.len()).ok(), Some(1));
    let _ = Name::from("x");
}

#[test]
fn documents_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Document<Vec<u8>>>();
    assert_send_sync::<Document<std::fs::File>>();
    assert_send_sync::<Document<std::sync::Arc<[u8]>>>();
}

#[test]
fn chunks_and_entries() {
    let (bytes, first_end) = signed_form();
    let doc = must_open(&bytes);
    let mut copy = Vec::new();
    let whole = Span::new(0, bytes.len() as u64);
    assert!(
        doc.read_chunks(whole, |c| copy.extend_from_slice(c))
            .is_ok()
    );
    assert_eq!(copy, bytes);
    let mut n = 0;
    assert!(doc.read_chunks(Span::new(5, 5), |c| n += c.len()).is_ok());
    assert_eq!(n, 0);
    assert!(
        doc.read_chunks(Span::new(0, bytes.len() as u64 + 1), |_| {})
            .is_err()
    );

    // Object 4 is rewritten by revision 1; object 3 still comes from revision 0.
    assert!(matches!(
        doc.latest().entry(4),
        Some((1, XrefEntry::InUse { .. }))
    ));
    assert!(matches!(
        doc.latest().entry(3),
        Some((0, XrefEntry::InUse { .. }))
    ));
    assert!(matches!(doc.view(0).and_then(|v| v.entry(4)), Some((0, _))));
    assert!(doc.latest().entry(6).is_some());
    assert!(doc.view(0).and_then(|v| v.entry(6)).is_none());
    assert_eq!(doc.revisions()[0].end(), first_end);
}
