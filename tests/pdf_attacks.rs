//! The attack suite: every known way to change a signed PDF while keeping its signature
//! "valid" — incremental saving, signature wrapping, universal signature forgery, shadow
//! attacks — built at test time from kyso-signed fixtures, by byte manipulation and by
//! appending hand-written incremental updates. None may come out TOTAL_PASSED; each must fail
//! for the expected reason and name what changed. Legitimate updates must still pass.

mod common;
mod pdfutil;

use common::*;
use kyso::pdf::{Document, IncrementalWriter, ObjRef, Object, PdfString, serialize_object};
use kyso::report::Modifications;
use kyso::{Limits, SubIndication};
use pdfutil::*;

// ----- building blocks -----

fn find(hay: &[u8], needle: &[u8]) -> usize {
    find_from(hay, needle, 0)
}

fn find_from(hay: &[u8], needle: &[u8], from: usize) -> usize {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
}

/// The /ByteRange of the only (or first) signature, from the bytes.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let start = find(pdf, b"/ByteRange [") + b"/ByteRange [".len();
    let end = find_from(pdf, b"]", start);
    let nums: Vec<usize> = std::str::from_utf8(&pdf[start..end])
        .expect("ascii")
        .split_ascii_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    [nums[0], nums[1], nums[2], nums[3]]
}

/// The `/ByteRange [...]` entry's extent.
fn byte_range_entry(pdf: &[u8]) -> (usize, usize) {
    let start = find(pdf, b"/ByteRange [");
    (start, find_from(pdf, b"]", start) + 1)
}

/// Overwrites `start..end` with `with`, padded with spaces: the file keeps its length and
/// every other byte its offset.
fn patch(pdf: &[u8], start: usize, end: usize, with: &[u8]) -> Vec<u8> {
    assert!(with.len() <= end - start, "patch longer than the room");
    let mut out = pdf.to_vec();
    out[start..start + with.len()].copy_from_slice(with);
    for b in &mut out[start + with.len()..end] {
        *b = b' ';
    }
    out
}

/// An object's value as the newest revision sees it, serialized.
fn object_text(pdf: &[u8], num: u32) -> String {
    let doc = Document::open(pdf, &Limits::default()).expect("open");
    let obj = doc
        .get(ObjRef::new(num, 0))
        .expect("read")
        .unwrap_or_else(|| panic!("object {num} missing"));
    String::from_utf8(serialize_object(&obj.object).expect("serialize")).expect("utf8")
}

fn stream(data: &str) -> String {
    format!("<< /Length {} >>\nstream\n{data}\nendstream", data.len())
}

/// A hand-written incremental update: the given objects (number → value text), free
/// entries, and optionally another /Root. The trailer keeps /Root, /Info and /ID, and
/// points /Prev at the previous section.
struct Update<'a> {
    objects: Vec<(u32, u16, String)>,
    free: Vec<(u32, u16)>,
    root: Option<&'a str>,
}

impl<'a> Update<'a> {
    fn new() -> Self {
        Update {
            objects: Vec::new(),
            free: Vec::new(),
            root: None,
        }
    }
    fn object(self, num: u32, text: impl Into<String>) -> Self {
        self.object_generation(num, 0, text)
    }
    fn object_generation(mut self, num: u32, generation: u16, text: impl Into<String>) -> Self {
        self.objects.push((num, generation, text.into()));
        self
    }
    fn free(mut self, num: u32, next_generation: u16) -> Self {
        self.free.push((num, next_generation));
        self
    }
    fn root(mut self, root: &'a str) -> Self {
        self.root = Some(root);
        self
    }

    fn append_to(&self, base: &[u8]) -> Vec<u8> {
        let doc = Document::open(base, &Limits::default()).expect("open base");
        let trailer = doc.trailer();
        let prev = doc.latest_revision().startxref();
        let old_size = trailer.get_int("Size").expect("/Size") as u32;
        let reference = |key: &str| {
            trailer
                .get_ref(key)
                .map(|r| format!("{} {} R", r.num, r.generation))
        };
        let root = self
            .root
            .map(str::to_owned)
            .or_else(|| reference("Root"))
            .expect("/Root");
        let mut out = base.to_vec();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut entries: Vec<(u32, String)> = Vec::new();
        for (num, generation, text) in &self.objects {
            entries.push((*num, format!("{:010} {generation:05} n\r\n", out.len())));
            out.extend_from_slice(format!("{num} {generation} obj\n{text}\nendobj\n").as_bytes());
        }
        for (num, generation) in &self.free {
            entries.push((*num, format!("{:010} {generation:05} f\r\n", 0)));
        }
        entries.sort();
        let size = entries
            .iter()
            .map(|(n, _)| n + 1)
            .max()
            .unwrap_or(0)
            .max(old_size);
        let xref = out.len();
        out.extend_from_slice(b"xref\n");
        for (num, entry) in &entries {
            out.extend_from_slice(format!("{num} 1\n{entry}").as_bytes());
        }
        let info = reference("Info")
            .map(|i| format!(" /Info {i}"))
            .unwrap_or_default();
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {size} /Root {root}{info} /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        out
    }
}

/// An attack's verdict: not passed, the expected sub-indication on some signature, and the
/// report's errors mention `names` (the changed object or key).
fn assert_attack(name: &str, pdf: &[u8], sub: SubIndication, names: &str) {
    let report = verify(pdf);
    let errors = assert_failed_with(&report, sub, name);
    println!("{name}: {sub:?}: {errors}");
    assert!(
        errors.contains(names),
        "{name}: the report does not name {names:?}: {errors}"
    );
}

// ----- fixtures for the attacks -----

/// `simple.pdf` plus an unsigned update that gives page 3 an overlay and a form XObject:
///
/// * 10: a content stream painting a white box over the real text (the "hide" overlay);
/// * 11: a form XObject showing text, drawn by 12;
/// * 12: `q /X1 Do Q q /X2 Do Q`;
/// * 13: listed free, yet named by the page resources as /X2 (read as null when signed);
/// * 14: a square annotation, white, over the text (an annotation overlay).
fn shadow_base() -> Vec<u8> {
    let simple = read_fixture("docs/simple.pdf");
    Update::new()
        .object(10, stream("q 1 1 1 rg 60 760 320 40 re f Q"))
        .object(
            11,
            format!(
                "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Length {} >>\nstream\n{}\nendstream",
                "BT /F1 12 Tf 72 700 Td (Amount: 100 VND) Tj ET".len(),
                "BT /F1 12 Tf 72 700 Td (Amount: 100 VND) Tj ET"
            ),
        )
        .object(12, stream("q /X1 Do Q q /X2 Do Q"))
        .free(13, 0)
        .object(
            14,
            "<< /Type /Annot /Subtype /Square /Rect [60 640 380 680] /C [1 1 1] /IC [1 1 1] /F 4 >>",
        )
        .object(
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> /XObject << /X1 11 0 R /X2 13 0 R >> >> /Contents [4 0 R 10 0 R 12 0 R] /Annots [14 0 R] >>",
        )
        .append_to(&simple)
}

fn signed_shadow_base() -> Vec<u8> {
    let signed = sign_with(&shadow_base(), "leader");
    assert_passed(&verify(&signed), "the shadow base");
    signed
}

/// The page object of a signed file as text, with `from` replaced by `to`.
fn page_with(pdf: &[u8], from: &str, to: &str) -> String {
    let page = object_text(pdf, 3);
    assert!(page.contains(from), "{page} lacks {from}");
    page.replacen(from, to, 1)
}

// ----- incremental saving attacks -----

#[test]
fn incremental_saving_with_a_new_xref_section() {
    let signed = signed_simple();
    let attacked = Update::new()
        .object(
            4,
            stream("BT /F1 24 Tf 72 770 Td (PAID: 1,000,000 VND) Tj ET"),
        )
        .append_to(&signed);
    assert_attack(
        "ISA with xref",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "4 0 R",
    );
}

#[test]
fn incremental_saving_without_a_new_xref_section() {
    let signed = signed_simple();
    // Objects appended after %%EOF, no xref, no trailer: a repairing reader takes them.
    let mut attacked = signed.clone();
    attacked.extend_from_slice(
        format!(
            "4 0 obj\n{}\nendobj\n",
            stream("BT /F1 24 Tf 72 770 Td (PAID) Tj ET")
        )
        .as_bytes(),
    );
    assert_attack(
        "ISA without xref",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "4 0 obj",
    );

    // The same, then the signed revision's own startxref repeated: the tail still points to
    // the signed cross-reference section.
    let startxref = &signed[signed.len() - 40..];
    let at = find(startxref, b"startxref");
    let mut same = attacked.clone();
    same.extend_from_slice(&startxref[at..]);
    let report = verify(&same);
    println!("ISA, same startxref: {}", summary(&report));
    assert_ne!(
        report.indication,
        kyso::Indication::TotalPassed,
        "{}",
        summary(&report)
    );
    let failure = first_failure(&report).expect("a failure");
    assert!(
        matches!(
            failure.sub_indication,
            Some(SubIndication::FormatFailure | SubIndication::ModifiedAfterSigning)
        ),
        "{}",
        summary(&report)
    );
}

#[test]
fn incremental_saving_through_an_object_stream() {
    // The update is a cross-reference stream, and the changed font lives in an object stream:
    // the compressed path must be judged like the plain one.
    let signed = signed_simple();
    let doc = Document::open(&signed[..], &Limits::default()).expect("open");
    let prev = doc.latest_revision().startxref();
    let size = doc.trailer().get_int("Size").expect("/Size") as u32;
    drop(doc);
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>";
    let header = b"5 0 ";
    let (stm, xref_num) = (size, size + 1);
    let mut out = signed.clone();
    let stm_at = out.len();
    out.extend_from_slice(
        format!(
            "{stm} 0 obj\n<< /Type /ObjStm /N 1 /First {} /Length {} >>\nstream\n",
            header.len(),
            header.len() + font.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(header);
    out.extend_from_slice(font);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref_at = out.len();
    let mut rows = Vec::new();
    for (t, f2, f3) in [
        (2u8, stm, 0u16),
        (1, stm_at as u32, 0),
        (1, xref_at as u32, 0),
    ] {
        rows.push(t);
        rows.extend_from_slice(&f2.to_be_bytes());
        rows.extend_from_slice(&f3.to_be_bytes());
    }
    out.extend_from_slice(
        format!(
            "{xref_num} 0 obj\n<< /Type /XRef /Size {} /Index [5 1 {stm} 2] /W [1 4 2] /Root 1 0 R /Prev {prev} /Length {} >>\nstream\n",
            xref_num + 1,
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    assert_attack(
        "ISA through an object stream",
        &out,
        SubIndication::ModifiedAfterSigning,
        "5 0 R",
    );
}

// ----- signature wrapping and the /Contents gap -----

#[test]
fn relocated_byte_range_tail() {
    let signed = signed_simple();
    let [_, a, b, c] = byte_range(&signed);
    // Signature wrapping: the signed tail moves to the end of the file, and a new revision
    // redefines the signature dictionary with a /ByteRange pointing at the moved copy; the
    // space in between carries new content.
    let sig_text = object_text(&signed, 7);
    let mut attacked = Update::new()
        .object(4, stream("BT /F1 24 Tf 72 770 Td (PAID) Tj ET"))
        .object(7, sig_text.clone())
        .append_to(&signed);
    let tail_copy_at = attacked.len();
    attacked.extend_from_slice(&signed[b..b + c]);
    let wrapped_range = format!("/ByteRange [0 {a} {tail_copy_at} {c}]");
    let (s, e) = byte_range_entry(&attacked[signed.len()..]);
    let attacked = patch(
        &attacked,
        signed.len() + s,
        signed.len() + e,
        wrapped_range.as_bytes(),
    );
    assert_attack(
        "signature wrapping",
        &attacked,
        SubIndication::FormatFailure,
        "byte ranges",
    );
}

#[test]
fn payload_hidden_in_the_contents_gap() {
    let signed = signed_simple();
    let [_, a, b, _] = byte_range(&signed);
    // The signature DER ends well before the reserved room; the padding is zeros.
    let gap = &signed[a..b];
    let zeros = gap.len() - gap.iter().rev().skip(1).take_while(|&&d| d == b'0').count() - 1;
    assert!(b - (a + zeros) > 200, "not enough padding for the test");

    // 1. The /Contents string closes early and raw PDF objects sit in the gap.
    let payload = b"> 4 0 obj << /Length 9 >> stream\nBT ET q Q\nendstream endobj <";
    let mut attacked = signed.clone();
    let at = b - 1 - payload.len() - 10;
    attacked[at..at + payload.len()].copy_from_slice(payload);
    assert_attack(
        "objects in the gap",
        &attacked,
        SubIndication::FormatFailure,
        "at byte",
    );

    // 2. Hex data hidden in the padding after the signature.
    let mut attacked = signed.clone();
    let hidden = hex::encode_upper(b"BT /F1 24 Tf (PAID) Tj ET");
    let at = b - 1 - hidden.len() - 4;
    attacked[at..at + hidden.len()].copy_from_slice(hidden.as_bytes());
    assert_attack(
        "hex in the padding",
        &attacked,
        SubIndication::FormatFailure,
        "Contents",
    );
}

// ----- universal signature forgery -----

#[test]
fn universal_signature_forgery_variants() {
    let signed = signed_simple();
    let [_, a, b, c] = byte_range(&signed);
    let (rs, re) = byte_range_entry(&signed);
    let br = |text: String| patch(&signed, rs, re, text.as_bytes());
    let contents_key = find(&signed, b"/Contents <");
    let name_entry = find(&signed, b"/Name <");
    let name_end = find_from(&signed, b">", name_entry) + 1;

    let mut literal = signed.clone();
    literal[a] = b'(';
    literal[b - 1] = b')';
    let mut odd = signed.clone();
    odd[b - 2] = b' ';
    let mut renamed = signed.clone();
    renamed[contents_key + 1] = b'K';

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("missing /ByteRange", br(String::new()), "ByteRange"),
        ("/ByteRange null", br("/ByteRange null".into()), "ByteRange"),
        (
            "two numbers",
            br(format!("/ByteRange [0 {a}]")),
            "ByteRange",
        ),
        (
            "six numbers",
            br(format!("/ByteRange [0 {a} {b} {} {} 1]", c - 1, b + c - 1)),
            "ByteRange",
        ),
        (
            "negative",
            br(format!("/ByteRange [0 {a} -{b} {c}]")),
            "ByteRange",
        ),
        (
            "non-zero start",
            br(format!("/ByteRange [1 {} {b} {c}]", a - 1)),
            "ByteRange",
        ),
        (
            "gap not the /Contents",
            br(format!("/ByteRange [0 {} {b} {c}]", a + 2)),
            "Contents",
        ),
        (
            "overlapping ranges",
            br(format!("/ByteRange [0 {} {b} {c}]", b + 10)),
            "ByteRange",
        ),
        (
            "beyond end of file",
            br(format!("/ByteRange [0 {a} {b} {}]", c + 1000)),
            "ByteRange",
        ),
        ("missing /Contents", renamed, "Contents"),
        ("empty <>", patch(&signed, a, b, b"<>"), "Contents"),
        ("/Contents null", patch(&signed, a, b, b"null"), "Contents"),
        ("literal /Contents", literal, "Contents"),
        ("odd hex digits", odd, "Contents"),
    ];
    for (name, attacked, names) in &cases {
        assert_eq!(attacked.len(), signed.len(), "{name}");
        assert_attack(name, attacked, SubIndication::FormatFailure, names);
    }

    // A second /Contents key: a dictionary with a repeated key is malformed.
    let doubled = patch(&signed, name_entry, name_end, b"/Contents <00>");
    assert_attack(
        "a second /Contents key",
        &doubled,
        SubIndication::FormatFailure,
        "appears twice",
    );
    // The failure is the signature's own, under its field name.
    let report = verify(&doubled);
    assert_eq!(
        report.signatures[0].id,
        "Signature1",
        "{}",
        summary(&report)
    );
}

#[test]
fn a_flipped_byte_in_either_range() {
    let signed = signed_simple();
    let [_, a, b, c] = byte_range(&signed);
    // In the first range: the page text.
    let text = find(&signed, b"kyso test document) Tj");
    assert!(text < a);
    let mut first = signed.clone();
    first[text] = b'K';
    assert_attack("flip in range 1", &first, SubIndication::HashFailure, "");
    // In the second range: the field name.
    let field = find_from(&signed, b"(Signature1)", b);
    assert!(field < b + c);
    let mut second = signed.clone();
    second[field + 10] = b'2';
    assert_attack("flip in range 2", &second, SubIndication::HashFailure, "");
}

// ----- shadow attacks (NDSS 2021) -----

#[test]
fn shadow_hide() {
    let signed = signed_shadow_base();
    // The overlay's content stream is emptied: the text it covered shows.
    let attacked = Update::new().object(10, stream("")).append_to(&signed);
    assert_attack(
        "hide: overlay emptied",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "10 0 R",
    );
    // The page drops the overlay from its /Contents.
    let attacked = Update::new()
        .object(
            3,
            page_with(&signed, "[4 0 R 10 0 R 12 0 R]", "[4 0 R 12 0 R]"),
        )
        .append_to(&signed);
    assert_attack(
        "hide: overlay unlinked",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "3 0 R",
    );
    // The covering annotation is made hidden (/F 2), or moved away.
    let attacked = Update::new()
        .object(
            14,
            "<< /Type /Annot /Subtype /Square /Rect [60 640 380 680] /C [1 1 1] /IC [1 1 1] /F 2 >>",
        )
        .append_to(&signed);
    assert_attack(
        "hide: annotation hidden",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "14 0 R",
    );
}

#[test]
fn shadow_replace() {
    let signed = signed_shadow_base();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "font",
            Update::new()
                .object(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
                .append_to(&signed),
            "5 0 R",
        ),
        (
            "form XObject",
            Update::new()
                .object(
                    11,
                    format!(
                        "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length {} >>\nstream\n{}\nendstream",
                        "BT 72 700 Td (Amount: 9,000,000 VND) Tj ET".len(),
                        "BT 72 700 Td (Amount: 9,000,000 VND) Tj ET"
                    ),
                )
                .append_to(&signed),
            "11 0 R",
        ),
        (
            "content stream",
            Update::new()
                .object(4, stream("BT /F1 24 Tf 72 770 Td (other document) Tj ET"))
                .append_to(&signed),
            "4 0 R",
        ),
        (
            "page /Contents re-pointed",
            Update::new()
                .object(30, stream("BT /F1 24 Tf 72 770 Td (other document) Tj ET"))
                .object(3, page_with(&signed, "/Contents [4 0 R 10 0 R 12 0 R]", "/Contents 30 0 R"))
                .append_to(&signed),
            "3 0 R",
        ),
        (
            "page /Resources",
            Update::new()
                .object(31, "<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>")
                .object(3, page_with(&signed, "/F1 5 0 R", "/F1 31 0 R"))
                .append_to(&signed),
            "3 0 R",
        ),
    ];
    for (name, attacked, names) in &cases {
        assert_attack(name, attacked, SubIndication::ModifiedAfterSigning, names);
    }
}

#[test]
fn shadow_hide_and_replace() {
    let signed = signed_shadow_base();
    let other_page = |pages: u32, page: u32, content: u32| {
        Update::new()
            .object(content, stream("BT /F1 24 Tf 72 770 Td (a different document) Tj ET"))
            .object(
                page,
                format!("<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents {content} 0 R >>"),
            )
            .object(pages, format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"))
    };
    // The catalog (same number) re-pointed to a new page tree.
    let catalog = object_text(&signed, 1);
    let attacked = other_page(40, 41, 42)
        .object(1, catalog.replacen("/Pages 2 0 R", "/Pages 40 0 R", 1))
        .append_to(&signed);
    assert_attack(
        "catalog re-pointed",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "1 0 R",
    );

    // A new catalog object through the trailer's /Root.
    let attacked = other_page(40, 41, 42)
        .object(43, catalog.replacen("/Pages 2 0 R", "/Pages 40 0 R", 1))
        .root("43 0 R")
        .append_to(&signed);
    assert_attack(
        "/Root replaced",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "/Root is now 43 0 R",
    );

    // The page tree root re-pointed to other kids.
    let attacked = other_page(40, 41, 42)
        .object(2, "<< /Type /Pages /Kids [41 0 R] /Count 1 >>")
        .append_to(&signed);
    assert_attack(
        "pages re-pointed",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "2 0 R",
    );

    // Object 13 was free when signed (the page's /X2 drew nothing); defining it now makes
    // the signed page show new content.
    let attacked = Update::new()
        .object(
            13,
            format!(
                "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Length {} >>\nstream\n{}\nendstream",
                "BT /F1 30 Tf 72 500 Td (VOID) Tj ET".len(),
                "BT /F1 30 Tf 72 500 Td (VOID) Tj ET"
            ),
        )
        .append_to(&signed);
    assert_attack(
        "free object defined",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "object 13",
    );
}

// ----- other forbidden changes -----

#[test]
fn freeing_an_object_after_signing() {
    let signed = signed_simple();
    let attacked = Update::new().free(5, 1).append_to(&signed);
    assert_attack(
        "object freed",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "object 5",
    );
}

#[test]
fn reusing_an_object_number_with_a_new_generation() {
    // Object 4 (the page content) becomes `4 1 obj`: the page's `4 0 R` now reads as null
    // and the page shows nothing; 5 1 (the font) likewise.
    let signed = signed_simple();
    let attacked = Update::new()
        .object_generation(4, 1, stream("BT /F1 24 Tf 72 770 Td (other) Tj ET"))
        .append_to(&signed);
    assert_attack(
        "content stream re-generated",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "object 4",
    );
    let attacked = Update::new()
        .object_generation(5, 1, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>")
        .append_to(&signed);
    assert_attack(
        "font re-generated",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "object 5",
    );
}

#[test]
fn overriding_the_signature_dictionary() {
    let signed = signed_simple();
    // The same dictionary, rewritten in a later revision (its /Contents can no longer be the
    // signed gap), and a variant that changes /M and /Reason.
    let sig = object_text(&signed, 7);
    let attacked = Update::new().object(7, sig.clone()).append_to(&signed);
    assert_attack(
        "signature dictionary rewritten",
        &attacked,
        SubIndication::FormatFailure,
        "Contents",
    );
    let changed = sig.replacen("/M ", "/Reason (Approved by someone else) /M ", 1);
    let attacked = Update::new().object(7, changed).append_to(&signed);
    assert_attack(
        "signature dictionary changed",
        &attacked,
        SubIndication::FormatFailure,
        "Contents",
    );
}

#[test]
fn changing_a_field_under_docmdp_p1() {
    let certified = certify_with(&read_fixture("docs/form.pdf"), "leader", 1);
    assert_passed(&verify(&certified), "P=1 certification");
    let field = object_text(&certified, 7);
    assert!(field.contains("HoTen"), "{field}");
    let filled = field.replacen("/T (HoTen)", "/T (HoTen) /V (Tran Thi Binh)", 1);
    let attacked = Update::new().object(7, filled).append_to(&certified);
    assert_attack(
        "field filled under P=1",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "7 0 R",
    );
}

#[test]
fn adding_an_annotation_under_docmdp_p2() {
    let certified = certify_with(&read_fixture("docs/simple.pdf"), "leader", 2);
    let page = object_text(&certified, 3);
    assert!(page.contains("/Annots [8 0 R]"), "{page}");
    let attacked = Update::new()
        .object(
            20,
            "<< /Type /Annot /Subtype /FreeText /Rect [72 600 400 640] /Contents (CANCELLED) /DA (/Helv 20 Tf 1 0 0 rg) >>",
        )
        .object(3, page.replacen("/Annots [8 0 R]", "/Annots [8 0 R 20 0 R]", 1))
        .append_to(&certified);
    assert_attack(
        "annotation under P=2",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "20 0 R",
    );
}

#[test]
fn an_existing_object_reused_as_an_annotation() {
    // The signed page gains, as an "annotation", an object that already existed when
    // signed (here the font): not a new comment, so not permitted.
    let signed = signed_simple();
    let page = object_text(&signed, 3);
    let attacked = Update::new()
        .object(
            3,
            page.replacen("/Annots [8 0 R]", "/Annots [8 0 R 5 0 R]", 1),
        )
        .append_to(&signed);
    assert_attack(
        "existing object as annotation",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        "5 0 R",
    );
}

#[test]
fn replacing_a_signed_fields_appearance() {
    // A visible signature: the leader's image in the signature block. A later update points
    // the signed field's /AP at another picture (someone else's name): not permitted.
    let signed = kyso::pdf::sign_pdf(
        &read_fixture("docs/vietnamese.pdf"),
        &signer("leader"),
        &kyso::pdf::PdfSignOptions {
            appearance: kyso::pdf::Appearance::Leader {
                image: read_fixture("images/leader-signature.png"),
            },
            rect: Some([320.0, 480.0, 180.0, 90.0]),
            ..sign_options()
        },
    )
    .expect("visible signature");
    assert_passed(&verify(&signed), "visible signature");
    let doc = Document::open(&signed[..], &Limits::default()).expect("open");
    let field = doc
        .latest()
        .fields()
        .expect("fields")
        .into_iter()
        .find(|f| f.is_signature())
        .expect("signature field");
    let id = field.id.expect("indirect field");
    let mut dict = field.dict.clone();
    let mut ap = kyso::pdf::Dictionary::new();
    ap.set("N", ObjRef::new(90, 0));
    dict.set("AP", ap);
    let text =
        String::from_utf8(serialize_object(&Object::Dict(dict)).expect("serialize")).expect("utf8");
    let picture = "BT /Helv 14 Tf 10 40 Td (Tran Van B) Tj ET";
    let attacked = Update::new()
        .object(
            90,
            format!(
                "<< /Type /XObject /Subtype /Form /BBox [0 0 180 90] /Length {} >>\nstream\n{picture}\nendstream",
                picture.len()
            ),
        )
        .object(id.num, text)
        .append_to(&signed);
    assert_attack(
        "signed field's appearance replaced",
        &attacked,
        SubIndication::ModifiedAfterSigning,
        &format!("{id}"),
    );
}

// ----- no false alarms -----

#[test]
fn legitimate_updates_pass() {
    // A second signature by kyso.
    let two = sign_with(&signed_simple(), "seal");
    let report = verify(&two);
    assert_passed(&report, "second signature");
    assert_eq!(
        report.signatures[0].modifications_after,
        Some(Modifications::Permitted)
    );
    assert_eq!(
        report.signatures[1].modifications_after,
        Some(Modifications::None)
    );

    // A second signature on the shadow base (overlays, free entries and annotations).
    assert_passed(
        &verify(&sign_with(&signed_shadow_base(), "seal")),
        "second signature over overlays",
    );

    // Form filling with kyso's own incremental writer under DocMDP P=2.
    let certified = certify_with(&read_fixture("docs/form.pdf"), "leader", 2);
    let doc = Document::open(&certified[..], &Limits::default()).expect("open");
    let field = doc
        .latest()
        .fields()
        .expect("fields")
        .into_iter()
        .find(|f| f.name == "HoTen")
        .expect("HoTen");
    let mut dict = field.dict.clone();
    dict.set("V", PdfString::from_text("Nguyễn Văn An"));
    let mut writer = IncrementalWriter::new(&doc).expect("writer");
    writer
        .set(field.id.expect("indirect field"), Object::Dict(dict))
        .expect("set");
    let appended = writer.finish().expect("finish");
    let mut filled = certified.clone();
    filled.extend_from_slice(&appended.bytes);
    let report = verify(&filled);
    assert_passed(&report, "form filled under P=2");
    assert_eq!(
        report.signatures[0].modifications_after,
        Some(Modifications::Permitted)
    );
    // ... then approved by a second signer.
    assert_passed(&verify(&sign_with(&filled, "seal")), "filled then approved");

    // A new comment after an approval signature (no certification): permitted.
    let signed = signed_simple();
    let page = object_text(&signed, 3);
    let commented = Update::new()
        .object(
            20,
            "<< /Type /Annot /Subtype /Text /Rect [500 800 520 820] /Contents (OK) >>",
        )
        .object(
            3,
            page.replacen("/Annots [8 0 R]", "/Annots [8 0 R 20 0 R]", 1),
        )
        .append_to(&signed);
    let report = verify(&commented);
    assert_passed(&report, "comment after an approval signature");
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("annotation_added") && w.contains("20 0 R")),
        "{:?}",
        report.signatures[0].warnings
    );

    // An object rewritten byte for byte in a later update (writers that save everything
    // they touched) is no change; the same length with one byte different is.
    let signed = signed_simple();
    let original = "BT\n/F1 24 Tf\n72 770 Td\n(kyso test document) Tj\nET";
    let rewritten = Update::new().object(4, stream(original)).append_to(&signed);
    assert_passed(&verify(&rewritten), "content stream rewritten unchanged");
    let changed = Update::new()
        .object(4, stream(&original.replace("document", "documenT")))
        .append_to(&signed);
    assert_attack(
        "content stream, same length",
        &changed,
        SubIndication::ModifiedAfterSigning,
        "4 0 R",
    );

    // Trailing white space after %%EOF is not an update.
    let mut padded = signed_simple();
    padded.extend_from_slice(b"\r\n  \n");
    assert_passed(&verify(&padded), "trailing white space");
}

#[test]
fn document_timestamps_follow_any_certification() {
    // PAdES lets a document time-stamp follow even a certification that allows no changes;
    // a further signature after P=1 is refused when signing.
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    for p in [1u8, 2, 3] {
        let certified = certify_with(&read_fixture("docs/simple.pdf"), "leader", p);
        let stamped = kyso::pdf::add_document_timestamp(&certified, &tsa.url, &Limits::default())
            .unwrap_or_else(|e| panic!("P={p}: document time-stamp: {e}"));
        let report = verify(&stamped);
        assert_passed(&report, &format!("P={p} then a document time-stamp"));
        assert_eq!(report.signatures.len(), 2, "P={p}");
        assert_eq!(report.signatures[1].level, "DocTimeStamp", "P={p}");
        assert!(
            !report.signatures[0]
                .warnings
                .iter()
                .any(|w| w.starts_with("annotation_added")),
            "P={p}: {:?}",
            report.signatures[0].warnings
        );
        let refused = kyso::pdf::sign_pdf(&stamped, &signer("seal"), &sign_options());
        assert_eq!(refused.is_err(), p == 1, "P={p}: {:?}", refused.err());
    }
}

#[test]
fn legitimate_updates_by_pyhanko_are_permitted() {
    if !have_pyhanko() {
        return;
    }
    let dir = temp_dir();
    let p = |n: &str| dir.path().join(format!("{n}.pdf"));

    // pyHanko adds a second signature to a kyso-signed file.
    std::fs::write(p("kyso"), signed_simple()).expect("write");
    pyhanko_sign(&p("kyso"), &p("kyso-pyhanko"), "seal", &[]);
    let report = verify(&std::fs::read(p("kyso-pyhanko")).expect("read"));
    assert_passed(&report, "pyHanko signing a kyso-signed file");
    assert_eq!(report.signatures.len(), 2);
    assert_eq!(
        report.signatures[0].modifications_after,
        Some(Modifications::Permitted)
    );

    // pyHanko fills a form field of a document kyso certified with P=2.
    std::fs::write(
        p("cert"),
        certify_with(&read_fixture("docs/form.pdf"), "leader", 2),
    )
    .expect("write");
    pyhanko(&[
        "fill".as_ref(),
        p("cert").as_os_str(),
        p("cert-filled").as_os_str(),
        "HoTen".as_ref(),
        "Nguyen Van An".as_ref(),
    ]);
    let report = verify(&std::fs::read(p("cert-filled")).expect("read"));
    assert_passed(&report, "pyHanko filling a field under DocMDP P=2");
    assert_eq!(
        report.signatures[0].modifications_after,
        Some(Modifications::Permitted)
    );
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.contains("HoTen")),
        "{:?}",
        report.signatures[0].warnings
    );
    // pyHanko agrees that both files are fine.
    for n in ["kyso-pyhanko", "cert-filled"] {
        for r in pyhanko_validate(&p(n)) {
            assert_eq!(r["bottom_line"], true, "{n}: {r}");
        }
    }

    // ... and that kyso's own second signature over a pyHanko-certified form is fine.
    pyhanko_sign(
        &fixture("docs/form.pdf"),
        &p("ph-cert"),
        "leader",
        &["--certify", "2", "--field", "Signature1"],
    );
    let both = sign_with(&std::fs::read(p("ph-cert")).expect("read"), "seal");
    let report = verify(&both);
    assert_passed(&report, "kyso approving a pyHanko certification");
    std::fs::write(p("ph-cert-kyso"), &both).expect("write");
    for r in pyhanko_validate(&p("ph-cert-kyso")) {
        assert_eq!(r["bottom_line"], true, "{r}");
        assert_eq!(r["docmdp_ok"], true, "{r}");
    }
}

/// An XMP metadata stream as writers that save a signature leave one.
fn xmp(tool: &str) -> String {
    let packet = format!(
        "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description \
         rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:CreatorTool>{tool}\
         </xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    );
    metadata_stream(&packet)
}

fn metadata_stream(data: &str) -> String {
    format!(
        "<< /Type /Metadata /Subtype /XML /Length {} >>\nstream\n{data}\nendstream",
        data.len()
    )
}

#[test]
fn xmp_metadata_may_change_after_signing_but_cannot_carry_a_shadow_attack() {
    let signed = signed_simple();
    let catalog = object_text(&signed, 1);
    let with_metadata = Update::new()
        .object(30, xmp("Acrobat"))
        .object(
            1,
            catalog.replacen("/Type /Catalog", "/Type /Catalog /Metadata 30 0 R", 1),
        )
        .append_to(&signed);
    let report = verify(&with_metadata);
    assert_passed(&report, "XMP metadata added after signing");
    assert_eq!(
        report.signatures[0].modifications_after,
        Some(Modifications::Permitted)
    );
    // ... and rewritten in place by the next writer.
    let rewritten = Update::new()
        .object(30, xmp("kyso"))
        .append_to(&with_metadata);
    assert_passed(&verify(&rewritten), "XMP metadata rewritten");

    // A stream that is not XMP is not metadata, whether it replaces the old metadata or the
    // catalog points at it.
    let replaced = Update::new()
        .object(30, stream("q 0 0 0 rg 0 0 595 842 re f Q"))
        .append_to(&with_metadata);
    assert_attack(
        "metadata replaced by a plain stream",
        &replaced,
        SubIndication::ModifiedAfterSigning,
        "30 0 R",
    );
    let repointed = Update::new()
        .object(
            1,
            catalog.replacen("/Type /Catalog", "/Type /Catalog /Metadata 4 0 R", 1),
        )
        .append_to(&signed);
    assert_attack(
        "catalog /Metadata pointed at a content stream",
        &repointed,
        SubIndication::ModifiedAfterSigning,
        "/Metadata",
    );

    // The shadow: when signed, the page's content stream doubled as the catalog's metadata;
    // rewriting it "as metadata" would change the page the signer saw.
    let content = "BT\n/F1 24 Tf\n72 770 Td\n(kyso test document) Tj\nET";
    let base = Update::new()
        .object(4, metadata_stream(content))
        .object(1, "<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>")
        .append_to(&read_fixture("docs/simple.pdf"));
    let signed_dual = sign_with(&base, "leader");
    assert_passed(
        &verify(&signed_dual),
        "a content stream doubling as metadata",
    );
    let shadow = Update::new()
        .object(4, metadata_stream(&content.replace("test", "fake")))
        .append_to(&signed_dual);
    assert_attack(
        "page content rewritten as metadata",
        &shadow,
        SubIndication::ModifiedAfterSigning,
        "4 0 R",
    );
}
