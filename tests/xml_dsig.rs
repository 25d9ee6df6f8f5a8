//! XML signatures through the library: round trips for every profile and key type, tamper
//! tests, wrapping attacks, and the Vietnamese profiles.

mod common;

use common::{PASSWORD, cert, read_fixture, test_time, test_trust};
use kyso::crypto::{KeyFileSigner, SignatureScheme, Signer};
use kyso::pki::Certificate;
use kyso::report::{Indication, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::xml::c14n::C14nMethod;
use kyso::xml::{
    Mode, Profile, ProfileChoice, XmlSignOptions, XmlVerifyOptions, finish_xml, prepare_xml,
    sign_xml, verify_xml,
};
use kyso::{RevocationMode, ValidationPolicy, WeakAlgorithms};

fn signer(name: &str) -> KeyFileSigner {
    KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{name}.p12")), PASSWORD)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn verify_options() -> VerifyOptions {
    VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            revocation: RevocationMode::Off,
            ..ValidationPolicy::default()
        },
        // The intermediates a verifier keeps; kyso embeds only the signer unless asked.
        certificates: vec![cert("business-ca"), cert("gov-ca")],
        ..VerifyOptions::default()
    }
}

fn sign_options(profile: Profile) -> XmlSignOptions {
    XmlSignOptions {
        profile,
        signing_time: Some(time::macros::datetime!(2025-06-15 03:00 UTC)),
        ..XmlSignOptions::default()
    }
}

fn verify(bytes: &[u8]) -> ValidationReport {
    verify_xml(bytes, &verify_options(), &XmlVerifyOptions::default()).expect("verify")
}

fn assert_passed(report: &ValidationReport) {
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        serde_json::to_string_pretty(report).unwrap()
    );
}

fn assert_not_passed(report: &ValidationReport, sub: Option<SubIndication>) {
    assert_ne!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        serde_json::to_string_pretty(report).unwrap()
    );
    if let Some(sub) = sub {
        assert!(
            report
                .signatures
                .iter()
                .any(|s| s.sub_indication == Some(sub)),
            "expected {sub:?}: {}",
            serde_json::to_string_pretty(report).unwrap()
        );
    }
}

/// The signed output minus the inserted Signature element.
fn without_signature(signed: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(signed).unwrap();
    let start = text.find("<ds:Signature").expect("a ds:Signature");
    let end = text.rfind("</ds:Signature>").expect("its end") + "</ds:Signature>".len();
    let mut out = text[..start].to_owned();
    out.push_str(&text[end..]);
    out.into_bytes()
}

#[test]
fn enveloped_whole_document_round_trip_keeps_every_other_byte() {
    let input = read_fixture("docs/generic.xml");
    let mut o = sign_options(Profile::Dsig);
    o.include_chain = true;
    let signed = sign_xml(&input, &signer("business"), &o).unwrap();
    assert_eq!(without_signature(&signed), input);
    // The embedded chain is enough without supplied intermediates.
    let mut opts = verify_options();
    opts.certificates.clear();
    let report = verify_xml(&signed, &opts, &XmlVerifyOptions::default()).unwrap();
    assert_passed(&report);
    let sig = &report.signatures[0];
    assert_eq!(sig.level, "XMLDSig");
    assert_eq!(sig.signed_references.len(), 1);
    assert_eq!(sig.signed_references[0].uri, "");
    assert_eq!(sig.signed_references[0].element, "document");
    assert_eq!(sig.signature_algorithm.as_deref(), Some("sha256WithRSA"));
    assert_eq!(sig.chain.len(), 3, "{:?}", sig.chain);
}

#[test]
fn every_key_type_round_trips() {
    let input = read_fixture("docs/generic.xml");
    let cases: Vec<(&str, KeyFileSigner, &str)> = vec![
        ("rsa", signer("business"), "sha256WithRSA"),
        ("ecdsa", signer("ecdsa"), "ecdsa-with-sha256"),
        (
            "rsa-pss",
            signer("leader").with_rsa_pss(),
            "RSASSA-PSS-sha256",
        ),
    ];
    for (name, s, alg) in cases {
        for profile in [Profile::Dsig, Profile::Xades] {
            let mut o = sign_options(profile);
            o.reference = Some("i2".into());
            let signed = sign_xml(&input, &s, &o).unwrap_or_else(|e| panic!("{name}: {e}"));
            let report = verify(&signed);
            assert_passed(&report);
            assert_eq!(
                report.signatures[0].signature_algorithm.as_deref(),
                Some(alg)
            );
            assert_eq!(
                report.signatures[0].signed_references[0].element, "/doc/item[@Id='i2']",
                "{name}"
            );
        }
    }
}

#[test]
fn einvoice_round_trip_and_placement() {
    let input = read_fixture("docs/einvoice.xml");
    let signed = sign_xml(
        &input,
        &signer("business"),
        &sign_options(Profile::Einvoice),
    )
    .unwrap();
    // The empty <NBan/> is opened; nothing else but the Signature changes.
    let expected =
        String::from_utf8(input.clone())
            .unwrap()
            .replacen("<NBan/>", "<NBan></NBan>", 1);
    assert_eq!(
        String::from_utf8(without_signature(&signed)).unwrap(),
        expected
    );
    let text = String::from_utf8(signed.clone()).unwrap();
    assert!(text.contains("<DSCKS>\n    <NBan><ds:Signature"), "{text}");
    assert!(text.contains("<ds:SigningTime>2025-06-15T10:00:00</ds:SigningTime>"));
    assert!(text.contains("<ds:X509SubjectName>"));
    let report = verify(&signed);
    assert_passed(&report);
    let sig = &report.signatures[0];
    assert_eq!(sig.signed_references[0].element, "/HDon/DLHDon[@Id='data']");
    assert_eq!(
        sig.claimed_signing_time.as_deref(),
        Some("2025-06-15T03:00:00Z")
    );
    assert!(
        sig.warnings.iter().all(|w| !w.starts_with("tax_code")),
        "{:?}",
        sig.warnings
    );
}

#[test]
fn two_phase_signing_with_state_through_json() {
    let input = read_fixture("docs/einvoice.xml");
    let s = signer("business");
    let chain: Vec<Certificate> = s
        .certificate_chain()
        .iter()
        .map(|d| Certificate::from_der(d).unwrap())
        .collect();
    let prepared = prepare_xml(&input, &chain, &sign_options(Profile::Einvoice)).unwrap();
    let json = serde_json::to_string(&prepared).unwrap();
    let prepared: kyso::xml::PreparedXml = serde_json::from_str(&json).unwrap();
    let raw = s.sign_digest(prepared.algorithm, &prepared.digest).unwrap();
    // A wrong value is refused, not embedded.
    let mut wrong = raw.clone();
    wrong[10] ^= 1;
    assert!(finish_xml(prepared.clone(), &input, &wrong).is_err());
    // Other bytes than those prepared are refused.
    assert!(finish_xml(prepared.clone(), b"<x/>", &raw).is_err());
    let signed = finish_xml(prepared, &input, &raw).unwrap();
    assert_passed(&verify(&signed));
}

#[test]
fn detached_and_enveloping_and_exclusive() {
    let input = read_fixture("docs/generic.xml");
    let s = signer("business");
    let mut o = sign_options(Profile::Dsig);
    o.mode = Mode::Detached;
    o.reference = Some("i1".into());
    o.c14n = Some(C14nMethod::Exclusive10);
    let signed = sign_xml(&input, &s, &o).unwrap();
    assert_eq!(without_signature(&signed), input);
    assert_passed(&verify(&signed));

    let mut o = sign_options(Profile::Dsig);
    o.mode = Mode::Enveloping;
    let signed = sign_xml(&input, &s, &o).unwrap();
    let report = verify(&signed);
    assert_passed(&report);
    assert!(
        report.signatures[0].signed_references[0]
            .element
            .contains("ds:Object")
    );

    // Detached inside the signed element is refused.
    let mut o = sign_options(Profile::Dsig);
    o.mode = Mode::Detached;
    o.reference = Some("i1".into());
    o.parent = Some("doc/item[1]".into());
    assert!(sign_xml(&input, &s, &o).is_err());
}

#[test]
fn signing_refuses_bad_certificates_and_sha1() {
    let input = read_fixture("docs/generic.xml");
    for name in ["expired", "no-signing-ku", "weak-rsa1024"] {
        assert!(
            sign_xml(&input, &signer(name), &sign_options(Profile::Dsig)).is_err(),
            "{name}"
        );
    }
    let mut o = sign_options(Profile::Dsig);
    o.digest = kyso::DigestAlgorithm::Sha1;
    assert!(sign_xml(&input, &signer("business"), &o).is_err());
    let mut o = sign_options(Profile::Dsig);
    o.scheme = Some(SignatureScheme::Ecdsa);
    let chain = vec![Certificate::from_der(&signer("business").certificate_chain()[0]).unwrap()];
    assert!(prepare_xml(&input, &chain, &o).is_err());
}

/// Replaces the first occurrence of `from` after `after` with `to`.
fn edit(bytes: &[u8], after: &str, from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let base = text
        .find(after)
        .unwrap_or_else(|| panic!("{after} not found"));
    let at = base
        + text[base..]
            .find(from)
            .unwrap_or_else(|| panic!("{from} not found"));
    let mut out = text[..at].to_owned();
    out.push_str(to);
    out.push_str(&text[at + from.len()..]);
    out.into_bytes()
}

#[test]
fn tampering_is_detected() {
    let input = read_fixture("docs/einvoice.xml");
    let signed = sign_xml(
        &input,
        &signer("business"),
        &sign_options(Profile::Einvoice),
    )
    .unwrap();
    // Signed content.
    let changed = edit(&signed, "<TgTTTBSo>", "4400000", "4400001");
    assert_not_passed(&verify(&changed), Some(SubIndication::HashFailure));
    // Signature value.
    let text = String::from_utf8(signed.clone()).unwrap();
    let at = text.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len() + 5;
    let mut bytes = signed.clone();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    assert_not_passed(&verify(&bytes), Some(SubIndication::SigCryptoFailure));
    // The signing time in the Object.
    let changed = edit(&signed, "<ds:SigningTime>", "2025", "2024");
    assert_not_passed(&verify(&changed), Some(SubIndication::HashFailure));
    // SignedInfo.
    let changed = edit(
        &signed,
        "<ds:SignedInfo>",
        "URI=\"#data\"",
        "URI=\"#data\" ",
    );
    assert_passed(&verify(&changed)); // whitespace inside a tag is not content
    let changed = edit(
        &signed,
        "<ds:SignedInfo>",
        "<ds:DigestValue>",
        "<ds:DigestValue>A",
    );
    assert_not_passed(&verify(&changed), None);
}

#[test]
fn unsigned_and_broken_documents() {
    let opts = verify_options();
    let xo = XmlVerifyOptions::default();
    let r = verify_xml(&read_fixture("docs/generic.xml"), &opts, &xo).unwrap();
    assert_eq!(r.indication, Indication::NoSignature);
    assert_eq!(r.exit_code(), 3);
    let bomb = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>"#;
    let r = verify_xml(bomb, &opts, &xo).unwrap();
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(r.exit_code(), 1);
    assert!(
        r.signatures[0].errors[0].contains("DTD") || r.signatures[0].errors[0].contains("DOCTYPE")
    );
    let r = verify_xml(b"<a><b></a>", &opts, &xo).unwrap();
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(verify_xml(b"%PDF-1.7", &opts, &xo).is_err());
}

#[test]
fn wrapping_attacks_never_pass() {
    let s = signer("business");
    let invoice = read_fixture("docs/einvoice.xml");
    let signed = sign_xml(&invoice, &s, &sign_options(Profile::Einvoice)).unwrap();
    let text = String::from_utf8(signed.clone()).unwrap();
    let dl_start = text.find("<DLHDon Id=\"data\">").unwrap();
    let dl_end = text.find("</DLHDon>").unwrap() + "</DLHDon>".len();
    let original = &text[dl_start..dl_end];
    let forged = original
        .replace("<TgTTTBSo>4400000", "<TgTTTBSo>1")
        .replace("Id=\"data\"", "Id=\"forged\"");

    // 1. The signed DLHDon moved into the Signature's Object; a forged one in its place.
    let object = format!("<ds:Object>{original}</ds:Object></ds:Signature>");
    let attack = text
        .replacen(original, &forged, 1)
        .replacen("</ds:Signature>", &object, 1);
    let report = verify(attack.as_bytes());
    assert_not_passed(&report, None);
    assert!(
        report.signatures[0]
            .errors
            .iter()
            .any(|e| e.contains("does not sign the invoice data")),
        "{:?}",
        report.signatures[0].errors
    );

    // 2. A second element with the same Id.
    let dup = forged.replace("Id=\"forged\"", "Id=\"data\"");
    let attack = text.replacen("<DSCKS>", &format!("{dup}<DSCKS>"), 1);
    assert_not_passed(
        &verify(attack.as_bytes()),
        Some(SubIndication::FormatFailure),
    );

    // 3. The signed DLHDon moved under a wrapper elsewhere in the document (a detached
    //    copy), the invoice's own DLHDon replaced.
    let attack = text.replacen(original, &forged, 1).replacen(
        "</HDon>",
        &format!("<Wrapper>{original}</Wrapper></HDon>"),
        1,
    );
    assert_not_passed(
        &verify(attack.as_bytes()),
        Some(SubIndication::SigConstraintsFailure),
    );

    // 4. The seller's signature moved from its invoice to a forged invoice in the same
    //    message: it still digests the first invoice's DLHDon, which is not its own.
    let tdiep = read_fixture("docs/einvoice-tdiep.xml");
    let signed_t = sign_xml(&tdiep, &s, &sign_options(Profile::Einvoice)).unwrap();
    assert_passed(&verify(&signed_t));
    let t = String::from_utf8(signed_t).unwrap();
    let s_start = t.find("<ds:Signature").unwrap();
    let s_end = t.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = t[s_start..s_end].to_owned();
    let first = format!("{}{}", &t[..s_start], &t[s_end..]);
    let forged_invoice = String::from_utf8(tdiep.clone())
        .unwrap()
        .split_once("<HDon>")
        .map(|(_, rest)| format!("<HDon>{}", rest.split_once("</HDon>").unwrap().0))
        .unwrap()
        .replace("Id=\"data\"", "Id=\"data2\"")
        .replace("<TgTTTBSo>4400000", "<TgTTTBSo>1")
        .replace("<NBan/>", &format!("<NBan>{signature}</NBan>"));
    let attack = first.replacen("</DLieu>", &format!("{forged_invoice}</HDon></DLieu>"), 1);
    assert_not_passed(
        &verify(attack.as_bytes()),
        Some(SubIndication::SigConstraintsFailure),
    );

    // 5. Generic document: a duplicated Id next to the signed element.
    let generic = read_fixture("docs/generic.xml");
    let mut o = sign_options(Profile::Dsig);
    o.reference = Some("i1".into());
    o.mode = Mode::Detached;
    let signed = String::from_utf8(sign_xml(&generic, &s, &o).unwrap()).unwrap();
    let attack = signed.replacen(
        "<item Id=\"i2\">",
        "<item Id=\"i1\">Evil</item><item Id=\"i2\">",
        1,
    );
    assert_not_passed(
        &verify(attack.as_bytes()),
        Some(SubIndication::FormatFailure),
    );
}

#[test]
fn tax_code_check_and_strict_mode() {
    let invoice = read_fixture("docs/einvoice.xml");
    // `ecdsa` carries MST 0109876543-001, not the seller's 0101234567.
    let signed = sign_xml(&invoice, &signer("ecdsa"), &sign_options(Profile::Einvoice)).unwrap();
    let report = verify(&signed);
    assert_passed(&report);
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("tax_code_mismatch")),
        "{:?}",
        report.signatures[0].warnings
    );
    let mut strict = verify_options();
    strict.policy.strict_tax_code = true;
    let report = verify_xml(&signed, &strict, &XmlVerifyOptions::default()).unwrap();
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::SigConstraintsFailure)
    );
    // The matching seller passes in strict mode too, and the profile can be switched off.
    let good = sign_xml(
        &invoice,
        &signer("business"),
        &sign_options(Profile::Einvoice),
    )
    .unwrap();
    assert_passed(&verify_xml(&good, &strict, &XmlVerifyOptions::default()).unwrap());
    let off = XmlVerifyOptions {
        profile: ProfileChoice::Off,
        ..XmlVerifyOptions::default()
    };
    let report = verify_xml(&signed, &strict, &off).unwrap();
    assert_passed(&report);
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .all(|w| !w.starts_with("tax_code"))
    );
}

#[test]
fn tdiep_wrapped_invoice() {
    let tdiep = read_fixture("docs/einvoice-tdiep.xml");
    let signed = sign_xml(
        &tdiep,
        &signer("business"),
        &sign_options(Profile::Einvoice),
    )
    .unwrap();
    let report = verify(&signed);
    assert_passed(&report);
    assert_eq!(
        report.signatures[0].signed_references[0].element,
        "/TDiep/DLieu/HDon/DLHDon[@Id='data']"
    );
}

#[test]
fn weak_algorithms_follow_the_policy() {
    // Only a verifier sees SHA-1: build a signature with SHA-1 digests by editing a kyso
    // signature is not possible (the value would break), so the tax-filing interop test
    // covers rsa-sha1; here the policy path is checked on a reference digest change.
    let mut strict = verify_options();
    strict.policy.weak_algorithms = WeakAlgorithms::Reject;
    let input = read_fixture("docs/generic.xml");
    let signed = sign_xml(&input, &signer("business"), &sign_options(Profile::Dsig)).unwrap();
    assert_passed(&verify_xml(&signed, &strict, &XmlVerifyOptions::default()).unwrap());
}

#[test]
fn untrusted_and_revoked_signers() {
    let input = read_fixture("docs/generic.xml");
    let signed = sign_xml(&input, &signer("untrusted"), &sign_options(Profile::Dsig)).unwrap();
    let report = verify(&signed);
    assert_eq!(report.indication, Indication::Indeterminate);
    assert_eq!(report.exit_code(), 2);

    let signed = sign_xml(&input, &signer("revoked"), &sign_options(Profile::Dsig)).unwrap();
    let mut opts = verify_options();
    opts.policy.revocation = RevocationMode::Require;
    opts.crls = vec![
        kyso::pki::Crl::parse(&read_fixture("pki/business-ca.crl")).unwrap(),
        kyso::pki::Crl::parse(&read_fixture("pki/root.crl")).unwrap(),
    ];
    let report = verify_xml(&signed, &opts, &XmlVerifyOptions::default()).unwrap();
    assert_ne!(report.indication, Indication::TotalPassed);
}

#[test]
fn xades_b_b_properties_and_b_t_time_stamp() {
    let input = read_fixture("docs/edxml.xml");
    let mut o = sign_options(Profile::Xades);
    o.c14n = Some(C14nMethod::Exclusive10);
    o.xades = kyso::xml::XadesOptions {
        signature_policy: Some(kyso::xml::SignaturePolicy {
            identifier: "urn:oid:2.16.704.1.1.1".into(),
            digest: kyso::DigestAlgorithm::Sha256,
            digest_value: vec![7; 32],
        }),
        claimed_roles: vec!["Giám đốc".into()],
        mime_type: Some("text/xml".into()),
        tsa_url: None,
        validation_values: None,
    };
    let signed = sign_xml(&input, &signer("leader"), &o).unwrap();
    let text = String::from_utf8(signed.clone()).unwrap();
    for part in [
        "<xades:SigningCertificateV2>",
        "<xades:IssuerSerialV2>",
        "<xades:ClaimedRole>Giám đốc</xades:ClaimedRole>",
        "<xades:DataObjectFormat ObjectReference=\"#",
        "<xades:Identifier>urn:oid:2.16.704.1.1.1</xades:Identifier>",
    ] {
        assert!(text.contains(part), "{part}");
    }
    let report = verify(&signed);
    assert_passed(&report);
    assert_eq!(report.signatures[0].level, "XAdES-B-B");
    assert_eq!(
        report.signatures[0].claimed_signing_time.as_deref(),
        Some("2025-06-15T03:00:00Z")
    );
    // SignedProperties are signed.
    let changed = edit(&signed, "<xades:SigningTime>", "2025-06-15", "2025-06-14");
    assert_not_passed(&verify(&changed), Some(SubIndication::HashFailure));

    let Some(tsa) = common::TsaServer::start("tsa") else {
        return;
    };
    o.xades.tsa_url = Some(tsa.url.clone());
    let signed = sign_xml(&input, &signer("leader"), &o).unwrap();
    let report = verify(&signed);
    assert_passed(&report);
    let sig = &report.signatures[0];
    assert_eq!(sig.level, "XAdES-B-T");
    let ts = sig.timestamp.as_ref().expect("time-stamp");
    assert_eq!(ts.indication, Indication::TotalPassed);
    assert!(ts.tsa.contains("Kyso TSA TEST"), "{}", ts.tsa);
    // The time-stamp covers the signature value: swap in another token's signature value.
    let other = sign_xml(&input, &signer("leader"), &o).unwrap();
    let value = |b: &[u8]| {
        let t = String::from_utf8(b.to_vec()).unwrap();
        let s = t.find("<ds:SignatureValue>").unwrap();
        let e = t.find("</ds:SignatureValue>").unwrap();
        t[s..e].to_owned()
    };
    let text = String::from_utf8(signed.clone()).unwrap();
    let stamp_of_other = {
        let t = String::from_utf8(other).unwrap();
        let s = t.find("<xades:EncapsulatedTimeStamp>").unwrap();
        let e = t.find("</xades:EncapsulatedTimeStamp>").unwrap();
        t[s..e].to_owned()
    };
    let s = text.find("<xades:EncapsulatedTimeStamp>").unwrap();
    let e = text.find("</xades:EncapsulatedTimeStamp>").unwrap();
    let swapped = format!("{}{}{}", &text[..s], stamp_of_other, &text[e..]);
    assert_ne!(value(&signed), "");
    let report = verify(swapped.as_bytes());
    assert_not_passed(&report, Some(SubIndication::HashFailure));
    assert_eq!(
        report.signatures[0]
            .timestamp
            .as_ref()
            .map(|t| t.indication),
        Some(Indication::TotalFailed)
    );
}

/// Removes the first `<ds:X509Certificate>…</ds:X509Certificate>` and puts `replacement`
/// where X509SubjectName was.
fn rewrite_x509_data(signed: &[u8], replacement: &str) -> Vec<u8> {
    let text = String::from_utf8(signed.to_vec()).unwrap();
    let s = text.find("<ds:X509Data>").unwrap() + "<ds:X509Data>".len();
    let e = text.find("</ds:X509Data>").unwrap();
    format!("{}{replacement}{}", &text[..s], &text[e..]).into_bytes()
}

#[test]
fn key_info_selectors_pick_supplied_certificates() {
    let input = read_fixture("docs/generic.xml");
    let signed = sign_xml(&input, &signer("business"), &sign_options(Profile::Dsig)).unwrap();
    let business = cert("business");
    let mut with_cert = verify_options();
    with_cert.certificates.push(business.clone());
    let issuer_serial = format!(
        "<ds:X509IssuerSerial><ds:X509IssuerName>{}</ds:X509IssuerName>\
         <ds:X509SerialNumber>{}</ds:X509SerialNumber></ds:X509IssuerSerial>",
        business.issuer().to_rfc4514(),
        u64::from_str_radix(&business.serial_hex(), 16).unwrap()
    );
    let ski = format!(
        "<ds:X509SKI>{}</ds:X509SKI>",
        base64_of(business.subject_key_id().unwrap())
    );
    let subject = format!(
        "<ds:X509SubjectName>{}</ds:X509SubjectName>",
        business.subject().to_rfc4514()
    );
    // The same name written most-significant first, with spaces, as some producers do.
    let forward: Vec<String> = business
        .subject()
        .to_rfc4514()
        .split(',')
        .rev()
        .map(str::to_owned)
        .collect();
    let subject_forward = format!(
        "<ds:X509SubjectName>{}</ds:X509SubjectName>",
        forward.join(", ")
    );
    for selector in [
        &issuer_serial,
        &ski,
        &subject,
        &subject_forward,
        &String::new(),
    ] {
        let doc = rewrite_x509_data(&signed, selector);
        let report = verify_xml(&doc, &with_cert, &XmlVerifyOptions::default()).unwrap();
        assert_passed(&report);
        // Without the certificate nobody can say who signed.
        let report = verify(&doc);
        assert_eq!(report.indication, Indication::Indeterminate, "{selector}");
        assert_eq!(
            report.signatures[0].sub_indication,
            Some(SubIndication::NoSigningCertificateFound)
        );
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn rsa_key_value(name: &str) -> String {
    let c = cert(name);
    let kyso::crypto::PublicKey::Rsa(k) = c.public_key().unwrap() else {
        panic!("{name} is not RSA");
    };
    format!(
        "<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>{}</ds:Modulus><ds:Exponent>{}</ds:Exponent>\
         </ds:RSAKeyValue></ds:KeyValue>",
        base64_of(k.modulus()),
        base64_of(k.exponent())
    )
}

#[test]
fn a_key_value_must_be_the_certificates_key() {
    let input = read_fixture("docs/generic.xml");
    let signed = String::from_utf8(
        sign_xml(&input, &signer("business"), &sign_options(Profile::Dsig)).unwrap(),
    )
    .unwrap();
    let add = |kv: &str| signed.replacen("<ds:KeyInfo>", &format!("<ds:KeyInfo>{kv}"), 1);
    assert_passed(&verify(add(&rsa_key_value("business")).as_bytes()));
    let report = verify(add(&rsa_key_value("leader")).as_bytes());
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::FormatFailure)
    );
    // A bare key value verifies the mathematics but names no signer.
    let bare = signed.replacen(
        &signed[signed.find("<ds:X509Data>").unwrap()
            ..signed.find("</ds:X509Data>").unwrap() + "</ds:X509Data>".len()],
        &rsa_key_value("business"),
        1,
    );
    let report = verify(bare.as_bytes());
    assert_eq!(report.indication, Indication::Indeterminate);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::NoSigningCertificateFound)
    );
}

#[test]
fn unsupported_transforms_and_references_never_pass() {
    let input = read_fixture("docs/generic.xml");
    let signed = String::from_utf8(
        sign_xml(&input, &signer("business"), &sign_options(Profile::Dsig)).unwrap(),
    )
    .unwrap();
    let xpath = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\">\
                 <ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>";
    let xslt = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/>";
    for (what, doc) in [
        (
            "xpath",
            signed.replacen("<ds:Transforms>", &format!("<ds:Transforms>{xpath}"), 1),
        ),
        (
            "xslt",
            signed.replacen("<ds:Transforms>", &format!("<ds:Transforms>{xslt}"), 1),
        ),
        (
            "external",
            signed.replacen("URI=\"\"", "URI=\"http://example.com/a.xml\"", 1),
        ),
        (
            "xpointer",
            signed.replacen("URI=\"\"", "URI=\"#xpointer(//item)\"", 1),
        ),
        ("no uri", signed.replacen("URI=\"\"", "", 1)),
    ] {
        let report = verify(doc.as_bytes());
        assert_ne!(report.indication, Indication::TotalPassed, "{what}");
        assert!(
            report.signatures[0]
                .errors
                .iter()
                .any(|e| e.starts_with("unsupported: ")),
            "{what}: {:?}",
            report.signatures[0].errors
        );
    }
}

#[test]
fn reference_and_transform_limits() {
    let invoice = read_fixture("docs/einvoice.xml");
    let signed = sign_xml(
        &invoice,
        &signer("business"),
        &sign_options(Profile::Einvoice),
    )
    .unwrap();
    let mut opts = verify_options();
    opts.policy.limits.max_references = 1;
    let r = verify_xml(&signed, &opts, &XmlVerifyOptions::default()).unwrap();
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.signatures[0].errors[0].contains("max_references"));
    let mut opts = verify_options();
    opts.policy.limits.max_transforms = 1;
    let r = verify_xml(&signed, &opts, &XmlVerifyOptions::default()).unwrap();
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(
        r.signatures[0]
            .errors
            .iter()
            .any(|e| e.contains("max_transforms"))
    );
}

#[test]
fn buyer_and_tax_authority_signatures_are_verified() {
    let invoice = read_fixture("docs/einvoice.xml");
    let seller = sign_xml(
        &invoice,
        &signer("business"),
        &sign_options(Profile::Einvoice),
    )
    .unwrap();
    let mut buyer_opts = sign_options(Profile::Einvoice);
    buyer_opts.parent = Some("HDon/DSCKS/NMua".into());
    // `ecdsa` carries the branch code 0109876543-001; the buyer is 0109876543.
    let both = sign_xml(&seller, &signer("ecdsa"), &buyer_opts).unwrap();
    let mut cqt_opts = sign_options(Profile::Einvoice);
    cqt_opts.parent = Some("HDon/DSCKS/CQT".into());
    let all = sign_xml(&both, &signer("seal"), &cqt_opts).unwrap();
    let mut strict = verify_options();
    strict.policy.strict_tax_code = true;
    let report = verify_xml(&all, &strict, &XmlVerifyOptions::default()).unwrap();
    assert_passed(&report);
    assert_eq!(report.signatures.len(), 3);
    // The buyer's tax code is checked but only warned about.
    assert!(
        report.signatures[1]
            .warnings
            .iter()
            .any(|w| w.starts_with("tax_code_mismatch"))
    );
    assert!(
        report.signatures[2]
            .warnings
            .iter()
            .all(|w| !w.starts_with("tax_code"))
    );
    // Changing the invoice breaks all three.
    let changed = edit(&all, "<DLHDon", "<SHDon>123", "<SHDon>124");
    let report = verify(&changed);
    assert!(
        report
            .signatures
            .iter()
            .all(|s| s.sub_indication == Some(SubIndication::HashFailure))
    );
}

#[test]
fn no_input_makes_verification_panic() {
    let input = read_fixture("docs/einvoice.xml");
    let mut o = sign_options(Profile::Xades);
    o.reference = Some("data".into());
    let signed = sign_xml(&input, &signer("ecdsa"), &o).unwrap();
    let opts = verify_options();
    let xo = XmlVerifyOptions::default();
    let step = (signed.len() / 150).max(1);
    let mut seen = 0;
    for at in (0..signed.len()).step_by(step) {
        for b in [b'<', b'"', b'x', 0xC3] {
            let mut doc = signed.clone();
            doc[at] = b;
            let r = verify_xml(&doc, &opts, &xo);
            // Any change is either harmless (inside a tag's white space) or a failure.
            if let Ok(r) = r
                && doc != signed
            {
                seen += usize::from(r.indication != Indication::TotalPassed);
            }
        }
        // Truncation.
        let _ = verify_xml(&signed[..at], &opts, &xo);
    }
    assert!(seen > 100, "{seen}");
}

#[test]
fn many_whole_document_references_hit_the_work_limit() {
    let input = read_fixture("docs/generic.xml");
    let signed = String::from_utf8(
        sign_xml(&input, &signer("business"), &sign_options(Profile::Dsig)).unwrap(),
    )
    .unwrap();
    let r_start = signed.find("<ds:Reference").unwrap();
    let r_end = signed.find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
    let reference = &signed[r_start..r_end];
    let many_refs = signed.replacen(reference, &reference.repeat(30), 1);
    let s_start = many_refs.find("<ds:Signature").unwrap();
    let s_end = many_refs.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &many_refs[s_start..s_end];
    let attack = many_refs.replacen(signature, &signature.repeat(60), 1);
    let started = std::time::Instant::now();
    let report = verify(attack.as_bytes());
    assert_eq!(report.indication, Indication::TotalFailed);
    assert!(
        report
            .signatures
            .iter()
            .any(|s| s.errors.iter().any(|e| e.contains("limit exceeded"))),
        "the work limit was not reached"
    );
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn profiles_can_be_forced() {
    let generic = read_fixture("docs/generic.xml");
    let signed = sign_xml(&generic, &signer("business"), &sign_options(Profile::Dsig)).unwrap();
    assert_passed(&verify(&signed));
    let forced = XmlVerifyOptions {
        profile: ProfileChoice::Einvoice,
        ..XmlVerifyOptions::default()
    };
    let report = verify_xml(&signed, &verify_options(), &forced).unwrap();
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::SigConstraintsFailure)
    );

    // A tax filing signed by kyso the way HTKK does: the Signature in CKyDTu, beside the
    // signed HSoKhaiThue[@id]; the taxpayer's code is compared with the signer's.
    let filing = read_fixture("docs/tax-filing.xml");
    let mut o = sign_options(Profile::Dsig);
    o.reference = Some("_NODE_TO_SIGN".into());
    o.parent = Some("HSoThueDTu/CKyDTu".into());
    let signed = sign_xml(&filing, &signer("business"), &o).unwrap();
    let report = verify(&signed);
    assert_passed(&report);
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .all(|w| !w.starts_with("tax_code"))
    );
    let other = sign_xml(&filing, &signer("leader"), &o).unwrap();
    let report = verify(&other);
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("tax_code_mismatch")),
        "{:?}",
        report.signatures[0].warnings
    );
}
