//! UTF-16 XML, as some .NET tools write it: read (decoded for parsing), never refused as
//! "neither PDF nor XML", and a signature made over the UTF-8 document still verifies once
//! the file is re-encoded, since canonical XML is UTF-8 whatever the file's encoding.

mod common;

use common::{PASSWORD, cert, read_fixture, test_time, test_trust};
use kyso::crypto::KeyFileSigner;
use kyso::report::{Indication, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::xml::{Profile, XmlSignOptions, sign_xml};
use kyso::{Detected, RevocationMode, ValidationPolicy, detect_format};

fn verify_options() -> VerifyOptions {
    VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            revocation: RevocationMode::Off,
            ..ValidationPolicy::default()
        },
        certificates: vec![cert("business-ca"), cert("gov-ca")],
        ..VerifyOptions::default()
    }
}

/// The fixture e-invoice signed by kyso (seller's signature, e-invoice profile), as UTF-8.
fn signed_invoice() -> String {
    let signer = KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), PASSWORD)
        .expect("business.p12");
    let options = XmlSignOptions {
        profile: Profile::Einvoice,
        signing_time: Some(time::macros::datetime!(2025-06-15 03:00 UTC)),
        ..XmlSignOptions::default()
    };
    let signed = sign_xml(&read_fixture("docs/einvoice.xml"), &signer, &options).expect("sign");
    String::from_utf8(signed).expect("UTF-8")
}

/// `text` with its declaration naming `encoding`, encoded as UTF-16 in the given byte order,
/// with or without a byte order mark.
fn utf16(text: &str, encoding: &str, little_endian: bool, bom: bool) -> Vec<u8> {
    let text = text.replacen("encoding=\"UTF-8\"", &format!("encoding=\"{encoding}\""), 1);
    let mut out = Vec::new();
    let units = bom
        .then_some(0xFEFFu16)
        .into_iter()
        .chain(text.encode_utf16());
    for u in units {
        out.extend_from_slice(&if little_endian {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

fn verify(bytes: &[u8]) -> ValidationReport {
    kyso::verify(bytes, &verify_options()).expect("verify")
}

fn assert_passed(report: &ValidationReport) {
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        serde_json::to_string_pretty(report).unwrap_or_default()
    );
}

#[test]
fn utf16_invoice_is_detected_as_xml() {
    let signed = signed_invoice();
    for (le, bom) in [(true, true), (false, true), (true, false), (false, false)] {
        let bytes = utf16(&signed, "UTF-16", le, bom);
        assert_eq!(
            detect_format(&bytes),
            Some(Detected::Xml),
            "le {le} bom {bom}"
        );
    }
}

#[test]
fn kyso_signed_invoice_reencoded_to_utf16_verifies() {
    let signed = signed_invoice();
    let utf8 = verify(signed.as_bytes());
    assert_passed(&utf8);
    for (le, bom, name) in [
        (true, true, "UTF-16"),
        (false, true, "UTF-16"),
        (true, false, "UTF-16"),
        (false, false, "utf-16"),
        (true, true, "UTF-16LE"),
    ] {
        let bytes = utf16(&signed, name, le, bom);
        let report = verify(&bytes);
        assert_passed(&report);
        // The same signed content, found at the same place.
        let sig = &report.signatures[0];
        assert_eq!(
            sig.signed_references, utf8.signatures[0].signed_references,
            "le {le} bom {bom}"
        );
        assert_eq!(sig.signed_references[0].element, "/HDon/DLHDon[@Id='data']");
    }
}

#[test]
fn file_in_utf16_verifies_through_verify_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("invoice-utf16.xml");
    std::fs::write(&path, utf16(&signed_invoice(), "UTF-16", true, true)).expect("write");
    let report = kyso::verify_file(&path, &verify_options()).expect("verify_file");
    assert_passed(&report);
}

#[test]
fn tampering_inside_the_utf16_invoice_is_detected() {
    let signed = signed_invoice();
    // A changed amount inside the signed DLHDon.
    let tampered = signed.replacen("<SHDon>123</SHDon>", "<SHDon>124</SHDon>", 1);
    assert_ne!(tampered, signed);
    let report = verify(&utf16(&tampered, "UTF-16", true, true));
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::HashFailure)
    );
}

#[test]
fn contradicting_or_broken_utf16_fails_closed() {
    let signed = signed_invoice();
    // UTF-16 bytes that declare UTF-8: the declaration contradicts the bytes.
    let lying = utf16(&signed, "UTF-8", true, true);
    // An odd number of bytes.
    let mut odd = utf16(&signed, "UTF-16", true, true);
    odd.push(b'>');
    // An unpaired surrogate in the text.
    let mut surrogate = utf16(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>x</r>",
        "UTF-16",
        true,
        true,
    );
    let x = surrogate.len() - 10;
    surrogate[x..x + 2].copy_from_slice(&0xD800u16.to_le_bytes());
    for (what, bytes) in [("lying", lying), ("odd", odd), ("surrogate", surrogate)] {
        let report = verify(&bytes);
        assert_eq!(report.indication, Indication::TotalFailed, "{what}");
        assert_eq!(
            report.signatures[0].sub_indication,
            Some(SubIndication::FormatFailure),
            "{what}"
        );
    }
}
