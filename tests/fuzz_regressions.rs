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
