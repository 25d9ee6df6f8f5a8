//! Content inside a Signature that no Reference covers is named, and never reported as
//! signed; .NET-made invoices whose enveloped-signature transform sits on a Reference to an
//! Object inside the Signature verify, with a warning naming that transform.

mod common;

use base64::Engine as _;
use common::{PASSWORD, cert, read_fixture, test_time, test_trust};
use kyso::crypto::{KeyFileSigner, Signer};
use kyso::report::{Indication, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::xml::c14n::{C14nMethod, Canonicalizer};
use kyso::xml::{
    IdAttributes, Mode, Profile, XmlDocument, XmlSignOptions, XmlVerifyOptions, sign_xml,
    verify_xml,
};
use kyso::{DigestAlgorithm, Limits, RevocationMode, ValidationPolicy};

const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

fn signer() -> KeyFileSigner {
    KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), PASSWORD).expect("business.p12")
}

fn verify(bytes: &[u8]) -> ValidationReport {
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            revocation: RevocationMode::Off,
            ..ValidationPolicy::default()
        },
        certificates: vec![cert("business-ca"), cert("gov-ca")],
        ..VerifyOptions::default()
    };
    verify_xml(bytes, &options, &XmlVerifyOptions::default()).expect("verify")
}

fn sign(input: &[u8], profile: Profile, mode: Mode) -> String {
    let options = XmlSignOptions {
        profile,
        mode,
        signing_time: Some(time::macros::datetime!(2025-06-15 03:00 UTC)),
        ..XmlSignOptions::default()
    };
    String::from_utf8(sign_xml(input, &signer(), &options).expect("sign")).expect("UTF-8")
}

fn report_text(report: &ValidationReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

fn unsigned_warnings(report: &ValidationReport) -> Vec<&String> {
    report.signatures[0]
        .warnings
        .iter()
        .filter(|w| w.starts_with("unsigned_content:"))
        .collect()
}

#[test]
fn an_object_no_reference_covers_is_named_and_not_listed_as_signed() {
    let signed = sign(
        &read_fixture("docs/generic.xml"),
        Profile::Dsig,
        Mode::Enveloping,
    );
    assert!(unsigned_warnings(&verify(signed.as_bytes())).is_empty());
    // An Object added after signing: the signature value still verifies, since SignedInfo
    // does not mention it, but nothing about it is signed.
    let extra = "<ds:Object Id=\"extra\"><Note>pay to account 42</Note></ds:Object>";
    let at = signed.rfind("</ds:Signature>").expect("signature end");
    let injected = format!("{}{extra}{}", &signed[..at], &signed[at..]);
    let report = verify(injected.as_bytes());
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        report_text(&report)
    );
    let warnings = unsigned_warnings(&report);
    assert_eq!(warnings.len(), 1, "{}", report_text(&report));
    assert!(
        warnings[0].contains("/ds:Object[@Id='extra']"),
        "{}",
        warnings[0]
    );
    // What was signed: the original Object only.
    let signed_refs = &report.signatures[0].signed_references;
    assert_eq!(signed_refs.len(), 1);
    assert!(signed_refs.iter().all(|r| !r.element.contains("extra")));
}

#[test]
fn unsigned_parts_of_xades_properties_are_named_except_unsigned_properties() {
    let signed = sign(
        &read_fixture("docs/generic.xml"),
        Profile::Xades,
        Mode::Enveloped,
    );
    assert!(
        unsigned_warnings(&verify(signed.as_bytes())).is_empty(),
        "{signed}"
    );
    let at = signed
        .find("</xades:QualifyingProperties>")
        .expect("QualifyingProperties");
    let injected = format!(
        "{}<xades:UnsignedProperties/><Extra>not signed</Extra>{}",
        &signed[..at],
        &signed[at..]
    );
    let report = verify(injected.as_bytes());
    let warnings = unsigned_warnings(&report);
    assert_eq!(warnings.len(), 1, "{}", report_text(&report));
    assert!(warnings[0].contains("/Extra"), "{}", warnings[0]);
    assert!(!warnings[0].contains("UnsignedProperties"));
}

/// A kyso-signed e-invoice rewritten the way .NET's SignedXml signs one: the Reference to the
/// SigningTime Object carries the enveloped-signature transform. The SignatureValue is made
/// again over the new SignedInfo.
fn dotnet_style_invoice() -> String {
    let signed = sign(
        &read_fixture("docs/einvoice.xml"),
        Profile::Einvoice,
        Mode::Enveloped,
    );
    // The second Reference (to the Object) gets the transform kyso does not write there.
    let first = signed.find("<ds:Reference").expect("reference");
    let second = first
        + 1
        + signed[first + 1..]
            .find("<ds:Reference")
            .expect("second reference");
    let open_end = second + signed[second..].find('>').expect("tag end") + 1;
    let transforms = "<ds:Transforms><ds:Transform \
         Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         </ds:Transforms>";
    let body = &signed[open_end..];
    let body = body.strip_prefix("<ds:Transforms>").map_or_else(
        || format!("{transforms}{body}"),
        |rest| {
            format!(
                "<ds:Transforms><ds:Transform \
                 Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>{rest}"
            )
        },
    );
    let rewritten = format!("{}{body}", &signed[..open_end]);
    resign(&rewritten)
}

/// Signs the (C14N 1.0) canonical SignedInfo again and puts the new value in place.
fn resign(text: &str) -> String {
    let doc =
        XmlDocument::parse(text, &Limits::default(), &IdAttributes::default()).expect("parse");
    let signed_info = doc
        .doc()
        .descendants()
        .find(|n| n.has_tag_name((DSIG, "SignedInfo")))
        .expect("SignedInfo");
    let canonical = Canonicalizer::new(C14nMethod::Inclusive10)
        .subtree_to_vec(signed_info, &[])
        .expect("c14n");
    let s = signer();
    let algorithm = s.signature_algorithm(DigestAlgorithm::Sha256);
    let value = s
        .sign_digest(algorithm, &DigestAlgorithm::Sha256.digest(&canonical))
        .expect("sign");
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    let start = text.find("<ds:SignatureValue").expect("SignatureValue");
    let start = start + text[start..].find('>').expect("tag end") + 1;
    let end = start + text[start..].find("</ds:SignatureValue>").expect("end");
    format!("{}{b64}{}", &text[..start], &text[end..])
}

#[test]
fn dotnet_enveloped_transform_on_an_object_verifies_with_a_warning() {
    let invoice = dotnet_style_invoice();
    assert!(
        invoice.contains("enveloped-signature\"/><ds:Transform")
            || invoice.matches("enveloped-signature").count() == 2
    );
    let report = verify(invoice.as_bytes());
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        report_text(&report)
    );
    let sig = &report.signatures[0];
    let nonstandard: Vec<&String> = sig
        .warnings
        .iter()
        .filter(|w| w.starts_with("nonstandard_transform:"))
        .collect();
    assert_eq!(nonstandard.len(), 1, "{:?}", sig.warnings);
    assert!(nonstandard[0].contains("enveloped-signature"));
    assert!(nonstandard[0].contains("Object"), "{}", nonstandard[0]);
    // The Object is digested whole, so it is signed content, not unsigned content.
    assert!(unsigned_warnings(&report).is_empty(), "{:?}", sig.warnings);
    assert_eq!(sig.signed_references.len(), 2);

    // And a change inside it is caught.
    let tampered = invoice.replacen("2025-06-15T10:00:00", "2025-06-14T10:00:00", 1);
    assert_ne!(tampered, invoice);
    let report = verify(tampered.as_bytes());
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::HashFailure)
    );
}
