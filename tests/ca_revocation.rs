//! Every certificate of the path is checked for revocation, not only the signer's: a CA
//! revoked before the signing time (the test root's CRL revokes the Government CA on
//! 2025-06-01, keyCompromise) fails every signature under it.

mod common;
mod pdfutil;

use common::*;
use kyso::pki::Crl;
use kyso::report::RevocationStatus;
use kyso::{Indication, RevocationMode, SubIndication};
use pdfutil::*;

fn options(crls: &[&str]) -> kyso::validation::VerifyOptions {
    let mut o = verify_options();
    o.policy.revocation = RevocationMode::Require;
    o.certificates = vec![cert("gov-ca")];
    o.crls = crls
        .iter()
        .map(|name| Crl::parse(&read_fixture(&format!("pki/{name}"))).expect("crl"))
        .collect();
    o
}

#[test]
fn a_revoked_intermediate_fails_a_signature_made_after_its_revocation() {
    let signed = signed_simple(); // leader, under gov-ca, signed at 2026-01-01
    // With the root's ordinary CRL, the path is good all the way.
    let good = kyso::verify(&signed, &options(&["gov-ca.crl", "root.crl"])).expect("verify");
    assert_eq!(good.indication, Indication::TotalPassed, "{good:#?}");

    let report = kyso::verify(
        &signed,
        &options(&["gov-ca.crl", "root-revokes-gov-ca.crl"]),
    )
    .expect("verify");
    let signature = &report.signatures[0];
    assert_ne!(report.indication, Indication::TotalPassed);
    assert_eq!(
        signature.sub_indication,
        Some(SubIndication::RevokedCaNoPoe),
        "{report:#?}"
    );
    assert!(
        signature.errors[0].contains("Government CA TEST"),
        "{report:#?}"
    );
    let ca = &signature.chain_revocation[1];
    assert_eq!(ca.status, RevocationStatus::Revoked);
    assert_eq!(ca.source.as_deref(), Some("crl:supplied"));
    assert_eq!(ca.revoked_at.as_deref(), Some("2025-06-01T00:00:00Z"));
    // The signer itself is fine; the report says so element by element.
    assert_eq!(signature.chain_revocation[0].status, RevocationStatus::Good);
}

#[test]
fn soft_mode_still_fails_a_revoked_ca_and_warns_per_unknown_certificate() {
    let signed = signed_simple();
    let mut soft = options(&["root-revokes-gov-ca.crl"]);
    soft.policy.revocation = RevocationMode::Soft;
    let report = kyso::verify(&signed, &soft).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::RevokedCaNoPoe)
    );
    // Only the root's CRL: the signer's status is unknown, which soft mode names.
    let report = kyso::verify(&signed, &{
        let mut o = options(&["root.crl"]);
        o.policy.revocation = RevocationMode::Soft;
        o
    })
    .expect("verify");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("revocation_unknown") && w.contains("Nguyễn Văn An")),
        "{report:#?}"
    );
}

#[test]
fn the_command_line_reports_the_revoked_ca() {
    let signed = signed_simple();
    let dir = temp_dir();
    let file = dir.path().join("signed.pdf");
    std::fs::write(&file, &signed).expect("write");
    let out = kyso_cli()
        .args([
            "verify",
            "--at",
            "2026-01-01T00:00:00Z",
            "--revocation",
            "require",
        ])
        .arg("--trust")
        .arg(fixture("pki/root.pem"))
        .arg("--cert")
        .arg(fixture("pki/gov-ca.pem"))
        .arg("--crl")
        .arg(fixture("pki/gov-ca.crl"))
        .arg("--crl")
        .arg(fixture("pki/root-revokes-gov-ca.crl"))
        .arg(&file)
        .output()
        .expect("kyso verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("Government CA TEST"), "{text}");
}
