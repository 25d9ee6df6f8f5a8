//! Reads the sample documents in fixtures/docs through the public API.

use kyso::Limits;
use kyso::pdf::{Document, Location, ObjRef, Object, PdfString, XrefEntry, XrefKind};

const SIMPLE: &[u8] = include_bytes!("../fixtures/docs/simple.pdf");
const VIETNAMESE: &[u8] = include_bytes!("../fixtures/docs/vietnamese.pdf");
const XREF_STREAM: &[u8] = include_bytes!("../fixtures/docs/xref-stream.pdf");
const HYBRID: &[u8] = include_bytes!("../fixtures/docs/hybrid.pdf");
const INCREMENTAL: &[u8] = include_bytes!("../fixtures/docs/incremental.pdf");
const FORM: &[u8] = include_bytes!("../fixtures/docs/form.pdf");

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn open(bytes: &'static [u8]) -> kyso::Result<Document<&'static [u8]>> {
    Document::open(bytes, &Limits::default())
}

fn info_text<S: kyso::pdf::Source>(
    view: kyso::pdf::RevisionView<'_, S>,
    key: &str,
) -> kyso::Result<Option<String>> {
    let Some(info) = view.trailer().get("Info") else {
        return Ok(None);
    };
    let info = view.resolve_dict(info, "/Info")?.unwrap_or_default();
    Ok(info
        .get(key)
        .and_then(Object::as_string)
        .map(PdfString::to_text))
}

#[test]
fn simple() -> TestResult {
    let doc = open(SIMPLE)?;
    assert_eq!(doc.revisions().len(), 1);
    let rev = doc.latest_revision();
    assert_eq!(rev.xref_kind(), XrefKind::Table);
    assert_eq!(rev.end(), SIMPLE.len() as u64);
    assert_eq!(rev.entries().len(), 6);
    assert!(!doc.is_encrypted());

    let pages = doc.latest().pages()?;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].media_box.is_some());
    let contents = pages[0].dict.get_ref("Contents").ok_or("no contents")?;
    let stream = doc.get(contents)?.ok_or("contents missing")?;
    let Object::Stream(stream) = &stream.object else {
        return Err("contents is not a stream".into());
    };
    let data = doc.stream_data_decoded(stream)?;
    assert!(data.starts_with(b"BT"));
    assert_eq!(data.len(), 49);

    assert!(doc.latest().acroform()?.is_none());
    assert!(doc.latest().fields()?.is_empty());
    assert_eq!(
        info_text(doc.latest(), "Title")?.as_deref(),
        Some("kyso test document")
    );
    Ok(())
}

#[test]
fn vietnamese() -> TestResult {
    let doc = open(VIETNAMESE)?;
    let pages = doc.latest().pages()?;
    assert_eq!(pages.len(), 2);
    let contents = pages[0].dict.get_ref("Contents").ok_or("no contents")?;
    let obj = doc.get(contents)?.ok_or("contents missing")?;
    let stream = obj.object.as_stream().ok_or("not a stream")?;
    let text = doc.stream_data_decoded(stream)?;
    assert!(
        text.windows(8).any(|w| w == b"CONG HOA"),
        "{}",
        String::from_utf8_lossy(&text)
    );
    assert_eq!(
        info_text(doc.latest(), "Title")?.as_deref(),
        Some("Văn bản thử nghiệm ký số")
    );
    assert_eq!(
        info_text(doc.latest(), "Author")?.as_deref(),
        Some("Sở Thông tin và Truyền thông Hà Nội")
    );
    Ok(())
}

#[test]
fn xref_stream() -> TestResult {
    let doc = open(XREF_STREAM)?;
    assert_eq!(doc.revisions().len(), 1);
    assert_eq!(doc.latest_revision().xref_kind(), XrefKind::Stream);
    let (root, catalog) = doc.latest().catalog()?;
    assert!(catalog.is_name("Type", "Catalog"));
    let root_obj = doc.get(root)?.ok_or("no catalog")?;
    assert!(matches!(
        root_obj.location,
        Location::InObjectStream { stream: 7, .. }
    ));
    assert!(matches!(
        doc.latest_revision().entry(root.num),
        Some(XrefEntry::Compressed { stream: 7, .. })
    ));
    assert_eq!(doc.latest().pages()?.len(), 1);
    Ok(())
}

#[test]
fn hybrid() -> TestResult {
    let doc = open(HYBRID)?;
    assert_eq!(doc.revisions().len(), 1);
    assert_eq!(doc.latest_revision().xref_kind(), XrefKind::Hybrid);
    let (_, catalog) = doc.latest().catalog()?;
    // /ViewerPreferences lives in an object stream listed only by the /XRefStm part.
    let prefs = catalog.get("ViewerPreferences").ok_or("no preferences")?;
    let prefs = doc.latest().resolve_dict(prefs, "/ViewerPreferences")?;
    assert!(prefs.is_some_and(|p| !p.is_empty()));
    assert_eq!(doc.latest().pages()?.len(), 1);
    Ok(())
}

#[test]
fn incremental() -> TestResult {
    let doc = open(INCREMENTAL)?;
    assert_eq!(doc.revisions().len(), 2);
    let (old, new) = (&doc.revisions()[0], &doc.revisions()[1]);
    // The update starts right after the first revision's "%%EOF\n".
    assert_eq!(old.end(), 849);
    assert_eq!(
        &INCREMENTAL[old.eof_offset() as usize..old.end() as usize],
        b"%%EOF\n"
    );
    assert_eq!(new.end(), INCREMENTAL.len() as u64);
    assert_eq!(new.trailer().get_int("Prev"), Some(old.startxref() as i64));
    let changed: Vec<u32> = doc.changed_entries(1).iter().map(|e| e.0).collect();
    assert_eq!(changed, vec![6]);

    let v0 = doc.view(0).ok_or("no revision 0")?;
    assert_eq!(
        info_text(v0, "Title")?.as_deref(),
        Some("kyso test document")
    );
    assert_eq!(info_text(v0, "Author")?, None);
    assert_eq!(
        info_text(doc.latest(), "Title")?.as_deref(),
        Some("kyso test document, revision 2")
    );
    assert_eq!(
        info_text(doc.latest(), "Author")?.as_deref(),
        Some("Nguyễn Văn An")
    );
    // Same reference, different objects depending on the revision.
    let a = doc
        .get_in_revision(0, ObjRef::new(6, 0))?
        .ok_or("old info")?;
    let b = doc.get(ObjRef::new(6, 0))?.ok_or("new info")?;
    assert_ne!(a.span, b.span);
    Ok(())
}

#[test]
fn form() -> TestResult {
    let doc = open(FORM)?;
    let fields = doc.latest().fields()?;
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["HoTen", "Signature1"]);
    let text = &fields[0];
    assert!(text.field_type.as_ref().is_some_and(|t| t == "Tx"));
    assert_eq!(
        text.dict
            .get("TU")
            .and_then(Object::as_string)
            .map(PdfString::to_text)
            .as_deref(),
        Some("Họ tên")
    );
    let sig = &fields[1];
    assert!(sig.is_signature());
    assert!(sig.is_terminal());
    assert_eq!(sig.widgets, vec![ObjRef::new(8, 0)]);
    assert!(sig.value.is_none());
    let pages = doc.latest().pages()?;
    let annots = pages[0].dict.get("Annots").and_then(Object::as_array);
    assert_eq!(annots.map(|a| a.len()), Some(2));
    Ok(())
}

#[test]
fn files_on_disk() -> TestResult {
    use std::io::Write;
    for bytes in [SIMPLE, VIETNAMESE, XREF_STREAM, HYBRID, INCREMENTAL, FORM] {
        let mut f = tempfile::tempfile()?;
        f.write_all(bytes)?;
        let doc = Document::open(f, &Limits::default())?;
        assert_eq!(doc.len(), bytes.len() as u64);
        assert!(!doc.latest().pages()?.is_empty());
        let _ = doc.latest().fields()?;
    }
    Ok(())
}

#[test]
fn every_object_of_every_revision_reads() -> TestResult {
    for bytes in [SIMPLE, VIETNAMESE, XREF_STREAM, HYBRID, INCREMENTAL, FORM] {
        let doc = open(bytes)?;
        for (i, rev) in doc.revisions().iter().enumerate() {
            for &(num, entry) in rev.entries() {
                let r = ObjRef::new(num, entry.generation());
                let obj = doc.get_in_revision(i, r)?;
                if matches!(entry, XrefEntry::Free { .. }) {
                    assert!(obj.is_none());
                    continue;
                }
                let obj = obj.ok_or("listed object missing")?;
                if let Object::Stream(s) = &obj.object {
                    let raw = doc.stream_data_raw(s)?;
                    assert_eq!(raw.len() as u64, s.data_span().map_or(0, |d| d.len()));
                    doc.stream_data_decoded(s)?;
                }
            }
        }
    }
    Ok(())
}
