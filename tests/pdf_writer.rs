//! Appends incremental updates to the sample documents, reads them back, and has qpdf check
//! the results.

use std::process::Command;

use kyso::Limits;
use kyso::pdf::{
    Array, Dictionary, Document, IncrementalWriter, Name, ObjRef, Object, PdfString, Placeholder,
    Span, Stream, fill_hex_string, fill_int_array,
};

const FIXTURES: [(&str, &[u8]); 6] = [
    ("simple", include_bytes!("../fixtures/docs/simple.pdf")),
    (
        "vietnamese",
        include_bytes!("../fixtures/docs/vietnamese.pdf"),
    ),
    (
        "xref-stream",
        include_bytes!("../fixtures/docs/xref-stream.pdf"),
    ),
    ("hybrid", include_bytes!("../fixtures/docs/hybrid.pdf")),
    (
        "incremental",
        include_bytes!("../fixtures/docs/incremental.pdf"),
    ),
    ("form", include_bytes!("../fixtures/docs/form.pdf")),
];

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Whether qpdf is here. Under CI its absence is a failure; elsewhere the check is skipped.
fn qpdf_available() -> bool {
    let found = Command::new("qpdf").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "qpdf is required under CI (apt-get install -y qpdf)"
        );
        eprintln!("note: qpdf not installed; skipping qpdf --check");
    }
    found
}

/// Runs `qpdf --check` on `bytes`; panics with its output on failure.
fn qpdf_check(name: &str, bytes: &[u8]) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&path, bytes)?;
    let out = Command::new("qpdf").arg("--check").arg(&path).output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Exit 0: clean; 3: warnings only. Either way no warning may be printed.
    assert!(
        out.status.success() && !text.contains("WARNING"),
        "qpdf --check {name}: {text}"
    );
    Ok(())
}

/// A signature-shaped update: a signature field, its widget on page 1, a signature
/// dictionary with placeholders, an appearance stream, and a new catalog with /AcroForm.
fn add_signature(doc: &Document<&[u8]>) -> kyso::Result<(kyso::pdf::Appended, ObjRef)> {
    let mut w = IncrementalWriter::new(doc)?;
    let (root, mut catalog) = doc.latest().catalog()?;
    let pages = doc.latest().pages()?;
    let page = &pages[0];

    let mut sig = Dictionary::new();
    sig.set("Type", Name::from("Sig"));
    sig.set("Filter", Name::from("Adobe.PPKLite"));
    sig.set("SubFilter", Name::from("ETSI.CAdES.detached"));
    sig.set("ByteRange", Placeholder::int_array4(1, 10));
    sig.set("Contents", Placeholder::hex_string(2, 4096));
    sig.set("Reason", PdfString::from_text("Ký duyệt văn bản"));
    sig.set("M", PdfString::literal(b"D:20250615090000+07'00'".to_vec()));
    let sig_ref = w.add(Object::Dict(sig))?;

    let mut ap = Dictionary::new();
    ap.set("Type", Name::from("XObject"));
    ap.set("Subtype", Name::from("Form"));
    ap.set(
        "BBox",
        Array::from(vec![0i64.into(), 0i64.into(), 200i64.into(), 50i64.into()]),
    );
    let ap_ref = w.add(Object::Stream(Stream::new(
        ap,
        b"0 0 1 rg 0 0 200 50 re f".to_vec(),
    )))?;

    let field_ref = w.allocate()?;
    let mut field = Dictionary::new();
    field.set("Type", Name::from("Annot"));
    field.set("Subtype", Name::from("Widget"));
    field.set("FT", Name::from("Sig"));
    field.set("T", PdfString::from_text("Chữ ký 1"));
    field.set("V", sig_ref);
    field.set("F", 132i64);
    field.set("P", page.id);
    field.set(
        "Rect",
        Array::from(vec![
            50i64.into(),
            50i64.into(),
            250i64.into(),
            100i64.into(),
        ]),
    );
    let mut apd = Dictionary::new();
    apd.set("N", ap_ref);
    field.set("AP", apd);
    w.set(field_ref, Object::Dict(field))?;

    let mut page_dict = page.dict.clone();
    let mut annots = match page_dict.get("Annots") {
        Some(a) => match doc.resolve(a)? {
            Object::Array(a) => a,
            _ => Array::new(),
        },
        None => Array::new(),
    };
    annots.push(field_ref);
    page_dict.set("Annots", annots);
    w.set(page.id, Object::Dict(page_dict))?;

    let mut form = doc.latest().acroform()?.unwrap_or_default();
    let mut fields = match form.get("Fields") {
        Some(f) => match doc.resolve(f)? {
            Object::Array(a) => a,
            _ => Array::new(),
        },
        None => Array::new(),
    };
    fields.push(field_ref);
    form.set("Fields", fields);
    form.set("SigFlags", 3i64);
    catalog.set("AcroForm", form);
    w.set(root, Object::Dict(catalog))?;
    Ok((w.finish()?, sig_ref))
}

#[test]
fn signature_shaped_update_on_every_fixture() -> TestResult {
    let check = qpdf_available();
    for (name, original) in FIXTURES {
        let doc = Document::open(original, &Limits::default())?;
        let old_revisions = doc.revisions().len();
        let old_kind = doc.latest_revision().xref_kind();
        let (mut appended, sig_ref) = add_signature(&doc)?;

        // Fill the placeholders as a signer would.
        let gap = appended.placeholder(2).ok_or("no contents placeholder")?;
        let range_span = appended.placeholder(1).ok_or("no byte range placeholder")?;
        let total = appended.total_len();
        let range = [0, gap.start, gap.end, total - gap.end];
        appended.patch(1, &fill_int_array(range_span.len(), &range)?)?;
        appended.patch(2, &fill_hex_string(gap.len(), &[0x30, 0x82, 0x01, 0x00])?)?;

        let mut out = original.to_vec();
        out.extend_from_slice(&appended.bytes);
        assert!(out.starts_with(original), "{name}: original bytes changed");

        let doc2 = Document::open(out.as_slice(), &Limits::default())?;
        assert_eq!(doc2.revisions().len(), old_revisions + 1, "{name}");
        let expected_kind = match old_kind {
            kyso::pdf::XrefKind::Stream => kyso::pdf::XrefKind::Stream,
            _ => kyso::pdf::XrefKind::Table,
        };
        assert_eq!(doc2.latest_revision().xref_kind(), expected_kind, "{name}");
        assert_eq!(
            doc2.revisions()[old_revisions - 1].end(),
            original.len() as u64,
            "{name}"
        );

        // The new revision sees the signature field; the old one does not.
        let fields = doc2.latest().fields()?;
        let sig_field = fields
            .iter()
            .find(|f| f.name == "Chữ ký 1")
            .ok_or("signature field missing")?;
        assert!(sig_field.is_signature());
        assert_eq!(sig_field.value, Some(Object::Ref(sig_ref)));
        let old_fields = doc2
            .view(old_revisions - 1)
            .ok_or("no old revision")?
            .fields()?;
        assert!(old_fields.iter().all(|f| f.name != "Chữ ký 1"));
        assert!(doc2.get_in_revision(old_revisions - 1, sig_ref)?.is_none());

        // The signature dictionary reads back with /Contents exactly at the gap.
        let sig = doc2.get(sig_ref)?.ok_or("signature missing")?;
        let sig = sig.object.as_dict().ok_or("not a dictionary")?;
        assert_eq!(sig.span("Contents"), Some(gap), "{name}");
        let br: Vec<u64> = sig
            .get("ByteRange")
            .and_then(Object::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_int())
                    .map(|i| i as u64)
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(br, range.to_vec());
        assert_eq!(
            Span::new(br[0] + br[1], br[2]),
            gap,
            "{name}: the byte range gap is the /Contents string"
        );

        if check {
            qpdf_check(name, &out)?;
        }
    }
    Ok(())
}

#[test]
fn two_updates_in_a_row() -> TestResult {
    let (_, original) = FIXTURES[0];
    let doc = Document::open(original, &Limits::default())?;
    let mut w = IncrementalWriter::new(&doc)?;
    let first = w.add(Object::Dict(Dictionary::new()))?;
    let a1 = w.finish()?;
    let mut out = original.to_vec();
    out.extend_from_slice(&a1.bytes);

    let doc = Document::open(out.as_slice(), &Limits::default())?;
    let mut w = IncrementalWriter::new(&doc)?;
    let second = w.add(Object::Int(2))?;
    w.set(first, Object::Int(1))?;
    let a2 = w.finish()?;
    assert_eq!(a2.offset, out.len() as u64);
    let mut out2 = out.clone();
    out2.extend_from_slice(&a2.bytes);

    let doc = Document::open(out2.as_slice(), &Limits::default())?;
    assert_eq!(doc.revisions().len(), 3);
    assert_eq!(first.num + 1, second.num);
    let v1 = doc.get_in_revision(1, first)?.ok_or("missing")?;
    assert!(matches!(v1.object, Object::Dict(_)));
    let v2 = doc.get(first)?.ok_or("missing")?;
    assert_eq!(v2.object, Object::Int(1));
    if qpdf_available() {
        qpdf_check("two-updates", &out2)?;
    }
    Ok(())
}

/// qpdf rewrites each sample linearized and/or with object streams; kyso reads the result
/// like the original, appends an update to it, and qpdf accepts the update.
#[test]
fn qpdf_rewritten_samples_read_and_update() -> TestResult {
    if !qpdf_available() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let variants: [&[&str]; 3] = [
        &["--linearize"],
        &["--object-streams=generate"],
        &["--linearize", "--object-streams=generate"],
    ];
    for (name, original) in FIXTURES {
        let doc = Document::open(original, &Limits::default())?;
        let pages = doc.latest().pages()?.len();
        let fields: Vec<String> = doc.latest().fields()?.into_iter().map(|f| f.name).collect();
        let input = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&input, original)?;
        for (i, args) in variants.iter().enumerate() {
            let output = dir.path().join(format!("{name}-{i}.pdf"));
            let status = Command::new("qpdf")
                .args(*args)
                .arg(&input)
                .arg(&output)
                .status()?;
            assert!(status.success(), "qpdf {args:?} {name}");
            let bytes = std::fs::read(&output)?;
            let doc = Document::open(bytes.as_slice(), &Limits::default())?;
            assert_eq!(doc.latest().pages()?.len(), pages, "{name} {args:?}");
            let names: Vec<String> = doc.latest().fields()?.into_iter().map(|f| f.name).collect();
            assert_eq!(names, fields, "{name} {args:?}");
            if args.contains(&"--linearize") {
                // The first-page section and the main section make one revision.
                assert_eq!(doc.revisions().len(), 1);
                assert_eq!(doc.latest_revision().sections().len(), 2);
            }

            let (appended, sig_ref) = add_signature(&doc)?;
            let mut out = bytes.clone();
            out.extend_from_slice(&appended.bytes);
            let doc2 = Document::open(out.as_slice(), &Limits::default())?;
            assert_eq!(doc2.revisions().len(), doc.revisions().len() + 1);
            assert_eq!(doc2.revisions()[0].end(), bytes.len() as u64);
            assert!(doc2.get(sig_ref)?.is_some());
            qpdf_check(&format!("{name}-{i}-updated"), &out)?;
        }
    }
    Ok(())
}
