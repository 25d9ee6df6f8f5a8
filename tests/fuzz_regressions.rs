//! Findings of the fuzz and property targets (`fuzz/`), each kept as the verdict kyso must
//! give on the input (or the mutation) that exposed it.

mod common;
mod pdfutil;

use kyso::{Indication, SubIndication};
use pdfutil::*;

/// Property target, mutation "byte in the signed range": in a twice-signed PDF, one byte of
/// the second signature's field dictionary (inside its signed bytes) turned `/FT /Sig` into
/// `/FT /SiC`. The second signature then vanished from the report, its revision passed as an
/// added widget, and the document came out TOTAL_PASSED. A field whose value is a signature
/// dictionary is now reported as a failed signature whatever its /FT says.
#[test]
fn a_signature_field_whose_type_was_changed_fails_instead_of_vanishing() {
    let twice = sign_with(&signed_simple(), "business");
    assert_passed(&verify(&twice), "twice signed");
    let at = twice
        .windows(30)
        .rposition(|w| w.starts_with(b"/FT /Sig /T (Signature2)"))
        .expect("the second signature's field");
    let mut changed = twice.clone();
    changed[at + 7] ^= 0x24; // 'g' -> 'C'
    assert_eq!(&changed[at..at + 8], b"/FT /SiC");

    let report = verify(&changed);
    assert_eq!(
        report.indication,
        Indication::TotalFailed,
        "{}",
        summary(&report)
    );
    let second = report
        .signatures
        .iter()
        .find(|s| s.id == "Signature2")
        .unwrap_or_else(|| panic!("Signature2 must be reported: {}", summary(&report)));
    assert_eq!(second.indication, Indication::TotalFailed);
    assert_eq!(second.sub_indication, Some(SubIndication::FormatFailure));
    assert!(
        second.errors.iter().any(|e| e.contains("/FT /SiC")),
        "{:?}",
        second.errors
    );
}

/// Property target, mutation "byte in the signed range": in a twice-signed PDF, one byte of
/// the second signature's field turned `/V 10 0 R` into `/W 10 0 R`. The field became an
/// empty signature field, the signature dictionary an object nothing refers to, and the
/// document came out TOTAL_PASSED with the first signature alone. A signature dictionary that
/// no field refers to is now verified too (here: its digest no longer matches).
#[test]
fn a_signature_whose_field_lost_its_value_is_still_verified() {
    let twice = sign_with(&signed_simple(), "business");
    let at = twice
        .windows(30)
        .rposition(|w| w.starts_with(b"/FT /Sig /T (Signature2) /V "))
        .expect("the second signature's field");
    let mut changed = twice.clone();
    changed[at + 26] ^= 0x01; // 'V' -> 'W'
    assert_eq!(&changed[at + 25..at + 28], b"/W ");

    let report = verify(&changed);
    assert_eq!(
        report.indication,
        Indication::TotalFailed,
        "{}",
        summary(&report)
    );
    let orphan = report
        .signatures
        .iter()
        .find(|s| s.id.starts_with("unreferenced signature"))
        .unwrap_or_else(|| {
            panic!(
                "the orphaned signature must be reported: {}",
                summary(&report)
            )
        });
    assert_eq!(orphan.sub_indication, Some(SubIndication::HashFailure));
}

/// The same dictionary left unreferenced without a changed byte (a signature cleared by a
/// later update that empties its field) is reported, and the clearing is a modification the
/// cleared signature does not permit.
#[test]
fn a_cleared_signature_is_reported_as_modified_after_signing() {
    use kyso::Limits;
    use kyso::pdf::{Document, IncrementalWriter, Object};
    let twice = sign_with(&signed_simple(), "business");
    let doc = Document::open(twice.as_slice(), &Limits::default()).expect("open");
    let view = doc.latest();
    let field = view
        .fields()
        .expect("fields")
        .into_iter()
        .find(|f| f.name == "Signature2")
        .expect("Signature2");
    let id = field.id.expect("field object");
    let mut dict = view
        .get(id)
        .expect("read")
        .expect("exists")
        .object
        .as_dict()
        .expect("dict")
        .clone();
    dict.remove("V");
    let mut writer = IncrementalWriter::new(&doc).expect("writer");
    writer.set(id, Object::Dict(dict)).expect("set");
    let appended = writer.finish().expect("finish");
    let mut cleared = twice.clone();
    cleared.extend_from_slice(&appended.bytes);

    let report = verify(&cleared);
    assert_eq!(
        report.indication,
        Indication::TotalFailed,
        "{}",
        summary(&report)
    );
    let orphan = report
        .signatures
        .iter()
        .find(|s| s.id.starts_with("unreferenced signature"))
        .unwrap_or_else(|| {
            panic!(
                "the cleared signature must be reported: {}",
                summary(&report)
            )
        });
    assert_eq!(
        orphan.sub_indication,
        Some(SubIndication::ModifiedAfterSigning),
        "{}",
        summary(&report)
    );
}
