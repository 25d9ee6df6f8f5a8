//! Updates of the Document Security Store after a signature: adding validation data is
//! signature maintenance and permitted; passing something else off as the DSS is not.

mod common;

use common::*;
use kyso::crypto::KeyFileSigner;
use kyso::pdf::{
    Document, ExtendOptions, IncrementalWriter, LtvLevel, Name, Object, PdfSignOptions, extend_pdf,
    sign_pdf,
};
use kyso::report::{Indication, Modifications, SubIndication};
use kyso::validation::VerifyOptions;
use kyso::{Limits, RevocationMode, SigningPolicy, ValidationPolicy};

fn signed_b_b() -> Vec<u8> {
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/leader.p12"), PASSWORD).expect("p12");
    let options = PdfSignOptions {
        policy: SigningPolicy {
            signing_time: Some(test_time()),
            ..SigningPolicy::default()
        },
        ..Default::default()
    };
    sign_pdf(&read_fixture("docs/simple.pdf"), &signer, &options).expect("sign")
}

fn b_lt(crls: &[&str]) -> Vec<u8> {
    extend_pdf(
        &signed_b_b(),
        &ExtendOptions {
            level: LtvLevel::Lt,
            crls: crls
                .iter()
                .map(|n| read_fixture(&format!("pki/{n}.crl")))
                .collect(),
            ..Default::default()
        },
    )
    .expect("extend")
}

fn verify(pdf: &[u8]) -> kyso::ValidationReport {
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            revocation: RevocationMode::Require,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    kyso::verify(pdf, &options).expect("verify")
}

/// Appends an update made by `edit` (given the document and the catalog's /DSS reference).
fn append(
    pdf: &[u8],
    edit: impl FnOnce(&Document<&[u8]>, &mut IncrementalWriter<'_, &[u8]>),
) -> Vec<u8> {
    let doc = Document::open(pdf, &Limits::default()).expect("open");
    let mut writer = IncrementalWriter::new(&doc).expect("writer");
    edit(&doc, &mut writer);
    let update = writer.finish().expect("finish");
    let mut out = pdf.to_vec();
    out.extend_from_slice(&update.bytes);
    out
}

fn dss_ref(doc: &Document<&[u8]>) -> kyso::pdf::ObjRef {
    let (_, catalog) = doc.latest().catalog().expect("catalog");
    catalog.get_ref("DSS").expect("an indirect /DSS")
}

#[test]
fn adding_validation_data_to_an_existing_dss_is_permitted() {
    // The first update brings the gov-ca CRL; a later one adds the root's to the same DSS.
    let first = b_lt(&["gov-ca"]);
    let report = verify(&first);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(kyso::SubIndication::TryLater),
        "the signer's CRL leaves its CA unknown: {report:#?}"
    );
    let more = extend_pdf(
        &first,
        &ExtendOptions {
            level: LtvLevel::Lt,
            crls: vec![read_fixture("pki/root.crl")],
            ..Default::default()
        },
    )
    .expect("extend again");
    let doc = Document::open(more.as_slice(), &Limits::default()).expect("open");
    let dss = kyso::pdf::read_dss(&doc.latest()).expect("DSS");
    assert_eq!(dss.crls.len(), 2);
    drop(doc);
    let report = verify(&more);
    let sig = &report.signatures[0];
    assert_eq!(sig.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(sig.modifications_after, Some(Modifications::Permitted));
    assert_eq!(sig.level, "PAdES-B-B", "no time-stamp, no B-T or above");
}

#[test]
fn a_dss_that_gains_other_keys_is_not_permitted() {
    let lt = b_lt(&["gov-ca", "root"]);
    // The DSS turns into something a page could use: a /Font entry.
    let tampered = append(&lt, |doc, w| {
        let r = dss_ref(doc);
        let mut dss = doc
            .get(r)
            .expect("read")
            .and_then(|o| o.object.as_dict().cloned())
            .expect("DSS dictionary");
        let mut font = kyso::pdf::Dictionary::new();
        font.set("F9", Object::Null);
        dss.set("Font", Object::Dict(font));
        w.set(r, Object::Dict(dss)).expect("set");
    });
    let report = verify(&tampered);
    let sig = &report.signatures[0];
    assert_eq!(
        sig.sub_indication,
        Some(SubIndication::ModifiedAfterSigning),
        "{report:#?}"
    );
    assert!(
        sig.errors
            .iter()
            .any(|e| e.contains("document security store")),
        "{:?}",
        sig.errors
    );
}

#[test]
fn a_page_passed_off_as_the_dss_stays_protected() {
    let signed = signed_b_b();
    // Update 1: the catalog's /DSS points at the signed page (a catalog may gain a /DSS).
    let (page, pointed) = {
        let doc = Document::open(signed.as_slice(), &Limits::default()).expect("open");
        let page = doc.latest().pages().expect("pages")[0].id;
        let out = append(&signed, |doc, w| {
            let (catalog_ref, mut catalog) = doc.latest().catalog().expect("catalog");
            catalog.set("DSS", Object::Ref(page));
            w.set(catalog_ref, Object::Dict(catalog)).expect("set");
        });
        (page, out)
    };
    // Update 2: the "DSS" (the page) is changed.
    let tampered = append(&pointed, |doc, w| {
        let mut dict = doc
            .get(page)
            .expect("read")
            .and_then(|o| o.object.as_dict().cloned())
            .expect("page");
        dict.set("Type", Name::from("DSS"));
        dict.set("Rotate", Object::Int(90));
        w.set(page, Object::Dict(dict)).expect("set");
    });
    let report = verify(&tampered);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::ModifiedAfterSigning),
        "{report:#?}"
    );
}
