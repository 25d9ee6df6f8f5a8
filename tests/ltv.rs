//! Trust over time: signature time-stamps, DSS, document time-stamps, validation after
//! expiry, and revocation from a loopback OCSP responder.

mod common;

use common::*;
use kyso::crypto::KeyFileSigner;
use kyso::pdf::{ExtendOptions, LtvLevel, PdfSignOptions, extend_pdf, sign_pdf};
use kyso::report::{Indication, SubIndication};
use kyso::validation::VerifyOptions;
use kyso::{RevocationMode, SigningPolicy, ValidationPolicy};
use time::macros::datetime;

fn signed_bt(p12: &str, tsa: &TsaServer) -> Vec<u8> {
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{p12}")), PASSWORD).expect("p12");
    let options = PdfSignOptions {
        policy: SigningPolicy::default(),
        timestamp_url: Some(tsa.url.clone()),
        ..Default::default()
    };
    sign_pdf(&read_fixture("docs/simple.pdf"), &signer, &options).expect("sign B-T")
}

fn options_at(at: time::OffsetDateTime, revocation: RevocationMode) -> VerifyOptions {
    VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(at),
            revocation,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    }
}

#[test]
fn b_lta_still_passes_after_the_signer_certificate_expired() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    let bt = signed_bt("shortlived.p12", &tsa);
    let now = time::OffsetDateTime::now_utc();
    let report = kyso::verify(&bt, &options_at(now, RevocationMode::Soft)).expect("verify");
    assert_eq!(report.signatures[0].level, "PAdES-B-T", "{report:#?}");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");

    let lta = extend_pdf(
        &bt,
        &ExtendOptions {
            level: LtvLevel::Lta,
            tsa_url: Some(tsa.url.clone()),
            // The signer's CA, the root, and the time-stamping unit's CA: every certificate
            // of both paths needs its status.
            crls: vec![
                read_fixture("pki/gov-ca.crl"),
                read_fixture("pki/root.crl"),
                read_fixture("pki/business-ca.crl"),
            ],
            ..Default::default()
        },
    )
    .expect("extend");
    assert!(lta.starts_with(&bt), "extension is append-only");

    let report = kyso::verify(&lta, &options_at(now, RevocationMode::Require)).expect("verify");
    let sig = &report.signatures[0];
    assert_eq!(sig.level, "PAdES-B-LTA", "{report:#?}");
    assert_eq!(sig.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(
        sig.modifications_after,
        Some(kyso::report::Modifications::Permitted)
    );
    assert!(
        report
            .signatures
            .iter()
            .any(|s| s.level == "DocTimeStamp" && s.indication == Indication::TotalPassed)
    );

    // 2040: the signer's certificate expired at the end of 2035; the time-stamp proves the
    // signature existed while it was valid, and the embedded CRL says it was not revoked.
    let later = datetime!(2040-06-01 00:00 UTC);
    let report = kyso::verify(&lta, &options_at(later, RevocationMode::Require)).expect("verify");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("certificate_expired"))
    );

    // Without time-stamps the same certificate is out of bounds.
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/shortlived.p12"), PASSWORD).expect("p12");
    let bb = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer,
        &PdfSignOptions::default(),
    )
    .expect("sign");
    let report = kyso::verify(&bb, &options_at(later, RevocationMode::Soft)).expect("verify");
    assert_eq!(report.indication, Indication::Indeterminate);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe)
    );
}

#[test]
fn a_revoked_signer_fails_with_the_loopback_ocsp_responder() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    if !revocation_services() {
        return;
    }
    // Signed (and time-stamped) now, after the revocation on 2025-06-01.
    let signed = signed_bt("revoked.p12", &tsa);
    let mut options = options_at(time::OffsetDateTime::now_utc(), RevocationMode::Require);
    options.policy.online = true;
    let report = kyso::verify(&signed, &options).expect("verify");
    let sig = &report.signatures[0];
    assert_eq!(sig.indication, Indication::TotalFailed, "{report:#?}");
    assert_eq!(sig.sub_indication, Some(SubIndication::Revoked));
    assert_eq!(
        sig.revocation.as_ref().and_then(|r| r.source.as_deref()),
        Some("ocsp:online")
    );

    // A good signer, same responder: passes with status from OCSP.
    let signed = signed_bt("business.p12", &tsa);
    let report = kyso::verify(&signed, &options).expect("verify");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(
        report.signatures[0].revocation.as_ref().map(|r| r.status),
        Some(kyso::report::RevocationStatus::Good)
    );

    // Without a proof of time the revoked signer is indeterminate.
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/revoked.p12"), PASSWORD).expect("p12");
    let bb = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer,
        &PdfSignOptions::default(),
    )
    .expect("sign");
    let report = kyso::verify(&bb, &options).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::RevokedNoPoe),
        "{report:#?}"
    );
}

#[test]
fn b_lt_online_fetches_into_the_dss() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    if !revocation_services() {
        return;
    }
    let bt = signed_bt("business.p12", &tsa);
    let lt = extend_pdf(
        &bt,
        &ExtendOptions {
            level: LtvLevel::Lt,
            online: true,
            ..Default::default()
        },
    )
    .expect("extend online");
    let doc = kyso::pdf::Document::open(lt.as_slice(), &kyso::Limits::default()).expect("open");
    let dss = kyso::pdf::read_dss(&doc.latest()).expect("dss");
    assert!(!dss.ocsp.is_empty(), "OCSP responses fetched into the DSS");
    // Offline, revocation required: the DSS answers.
    let report = kyso::verify(
        &lt,
        &options_at(time::OffsetDateTime::now_utc(), RevocationMode::Require),
    )
    .expect("verify");
    assert_eq!(report.signatures[0].level, "PAdES-B-LT", "{report:#?}");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
}

#[test]
fn revocation_required_but_unknown_is_indeterminate() {
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), PASSWORD).expect("p12");
    let signed = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer,
        &PdfSignOptions {
            policy: SigningPolicy {
                signing_time: Some(test_time()),
                ..SigningPolicy::default()
            },
            ..Default::default()
        },
    )
    .expect("sign");
    let report =
        kyso::verify(&signed, &options_at(test_time(), RevocationMode::Require)).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::TryLater)
    );
    // The signer's CRL alone leaves its CA unknown: every certificate of the path needs an
    // answer.
    let mut with_crl = options_at(test_time(), RevocationMode::Require);
    with_crl
        .crls
        .push(kyso::pki::Crl::parse(&read_fixture("pki/business-ca.crl")).expect("crl"));
    let report = kyso::verify(&signed, &with_crl).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::TryLater)
    );
    assert!(
        report.signatures[0].errors[0].contains("Business CA TEST"),
        "{report:#?}"
    );
    with_crl
        .crls
        .push(kyso::pki::Crl::parse(&read_fixture("pki/root.crl")).expect("crl"));
    let report = kyso::verify(&signed, &with_crl).expect("verify");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let statuses: Vec<_> = report.signatures[0]
        .chain_revocation
        .iter()
        .map(|c| (c.subject.as_str(), c.status, c.source.as_deref()))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "UID=MST:0101234567,CN=Công ty TNHH Kyso Việt Nam,O=Công ty TNHH Kyso Việt Nam,L=Cầu Giấy,ST=HÀ NỘI,C=VN",
                kyso::report::RevocationStatus::Good,
                Some("crl:supplied")
            ),
            (
                "CN=Business CA TEST,O=Kyso CA TEST,C=VN",
                kyso::report::RevocationStatus::Good,
                Some("crl:supplied")
            ),
        ]
    );
}

#[test]
fn revocation_data_signed_into_a_pkcs7_signature_is_used() {
    use kyso::cms::AdobeRevocationInfo;
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), PASSWORD).expect("p12");
    let sign = |archive: Option<AdobeRevocationInfo>| {
        sign_pdf(
            &read_fixture("docs/simple.pdf"),
            &signer,
            &PdfSignOptions {
                policy: SigningPolicy {
                    signing_time: Some(test_time()),
                    ..SigningPolicy::default()
                },
                sub_filter: kyso::pdf::SubFilter::Pkcs7Detached,
                adobe_revocation_info: archive,
                ..Default::default()
            },
        )
        .expect("sign")
    };
    let with = sign(Some(AdobeRevocationInfo {
        crls: vec![
            read_fixture("pki/business-ca.crl"),
            read_fixture("pki/root.crl"),
        ],
        ocsp: Vec::new(),
    }));
    let report =
        kyso::verify(&with, &options_at(test_time(), RevocationMode::Require)).expect("verify");
    let sig = &report.signatures[0];
    assert_eq!(sig.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(sig.level, "PKCS7");
    assert_eq!(
        sig.revocation.as_ref().and_then(|r| r.source.as_deref()),
        Some("crl:embedded")
    );
    // The archive is signed: the parsed CMS gives it back.
    let without = sign(None);
    let report =
        kyso::verify(&without, &options_at(test_time(), RevocationMode::Require)).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::TryLater)
    );
    // The same archive for a revoked signer says revoked.
    let revoked =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/revoked.p12"), PASSWORD).expect("p12");
    let signed = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &revoked,
        &PdfSignOptions {
            policy: SigningPolicy {
                signing_time: Some(test_time()),
                ..SigningPolicy::default()
            },
            sub_filter: kyso::pdf::SubFilter::Pkcs7Detached,
            adobe_revocation_info: Some(AdobeRevocationInfo {
                crls: vec![read_fixture("pki/business-ca.crl")],
                ocsp: Vec::new(),
            }),
            ..Default::default()
        },
    )
    .expect("sign");
    let report =
        kyso::verify(&signed, &options_at(test_time(), RevocationMode::Require)).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::RevokedNoPoe),
        "{report:#?}"
    );
}

#[test]
fn xades_lt_carries_its_validation_data() {
    use kyso::xml::{Profile, ValidationValues, XadesOptions, XmlSignOptions};
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), PASSWORD).expect("p12");
    let sign = |values: Option<ValidationValues>| {
        kyso::xml::sign_xml(
            &read_fixture("docs/generic.xml"),
            &signer,
            &XmlSignOptions {
                profile: Profile::Xades,
                xades: XadesOptions {
                    tsa_url: Some(tsa.url.clone()),
                    validation_values: values,
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .expect("sign XAdES")
    };
    let values = ValidationValues {
        certificates: vec![cert("business-ca").der().to_vec()],
        crls: vec![
            read_fixture("pki/business-ca.crl"),
            read_fixture("pki/root.crl"),
        ],
        ocsp: Vec::new(),
    };
    let lt = sign(Some(values));
    let text = String::from_utf8_lossy(&lt);
    assert!(
        text.contains("<xades:RevocationValues>") && text.contains("<xades:CertificateValues>")
    );
    // Offline, revocation required, no intermediate supplied: the signature carries it all.
    let now = time::OffsetDateTime::now_utc();
    let report = kyso::verify(&lt, &options_at(now, RevocationMode::Require)).expect("verify");
    let sig = &report.signatures[0];
    assert_eq!(sig.level, "XAdES-B-LT", "{report:#?}");
    assert_eq!(sig.indication, Indication::TotalPassed, "{report:#?}");
    // Without the values the same check cannot complete the chain.
    let bt = sign(None);
    let report = kyso::verify(&bt, &options_at(now, RevocationMode::Require)).expect("verify");
    assert_eq!(report.signatures[0].level, "XAdES-B-T");
    assert_ne!(report.indication, Indication::TotalPassed);
}

#[test]
fn a_time_stamp_whose_unit_has_no_revocation_answer_proves_nothing_when_required() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    let bt = signed_bt("leader.p12", &tsa);
    let now = time::OffsetDateTime::now_utc();
    let with = |names: &[&str]| {
        let mut options = options_at(now, RevocationMode::Require);
        options.certificates = vec![cert("gov-ca")];
        options.crls = names
            .iter()
            .map(|n| kyso::pki::Crl::parse(&read_fixture(&format!("pki/{n}.crl"))).expect("crl"))
            .collect();
        kyso::verify(&bt, &options).expect("verify")
    };
    let unusable = |report: &kyso::ValidationReport| {
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("timestamp_unusable") && w.contains("Kyso TSA TEST"))
    };
    // The signer's path is answered for; the time-stamping unit (under the business CA) is
    // not: its time-stamp no longer counts as proof of existence.
    let report = with(&["gov-ca", "root"]);
    assert!(unusable(&report), "{report:#?}");
    // With the business CA's CRL the unit is answered for too.
    let report = with(&["gov-ca", "root", "business-ca"]);
    assert!(!unusable(&report), "{report:#?}");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
}
