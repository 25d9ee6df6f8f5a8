//! Certificates that name a real issuer but were signed with an attacker's key of another
//! type (`fixtures/make-forged.sh`) never validate: not as a path, not in a PDF, not in XML,
//! not under a pinned national root.

mod common;
mod pdfutil;

use common::*;
use kyso::crypto::KeyFileSigner;
use kyso::pdf::sign_pdf;
use kyso::pki::{Certificate, PathFailure, TrustStore, Usage, validate_path};
use kyso::validation::VerifyOptions;
use kyso::xml::{XmlSignOptions, sign_xml};
use kyso::{Indication, SubIndication, ValidationPolicy, ValidationReport};
use pdfutil::sign_options;

fn forged(name: &str) -> Certificate {
    Certificate::parse_any(&read_fixture(&format!("forged/{name}.pem")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .remove(0)
}

/// The pinned government root, from the public certificates beside the repository.
fn g2_root() -> Option<Certificate> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vn-pki/roots/rootca-chinh-phu-g2.pem");
    match std::fs::read(&path) {
        Ok(pem) => Some(Certificate::parse_any(&pem).expect("G2 root").remove(0)),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{} is required under CI", path.display())
        }
        Err(_) => {
            eprintln!("note: {} is absent; skipping", path.display());
            None
        }
    }
}

fn policy() -> ValidationPolicy {
    ValidationPolicy {
        validation_time: Some(test_time()),
        ..ValidationPolicy::default()
    }
}

fn trusting(anchor: Certificate) -> TrustStore {
    let mut t = TrustStore::new();
    t.add(anchor);
    t
}

/// Why the path of `leaf` fails for document signing; it must fail with `sub`.
fn path_failure(
    leaf: &Certificate,
    extra: &[Certificate],
    trust: &TrustStore,
    sub: SubIndication,
) -> PathFailure {
    let v = validate_path(
        leaf,
        extra,
        trust,
        test_time(),
        Usage::DocumentSigning,
        &policy(),
    );
    let failure = v.result.expect_err("a forged path must not validate");
    assert_eq!(failure.sub_indication, sub, "{}", failure.message);
    failure
}

fn assert_forgery_refused(leaf: &Certificate, extra: &[Certificate], trust: &TrustStore) {
    let failure = path_failure(
        leaf,
        extra,
        trust,
        SubIndication::CertificateChainGeneralFailure,
    );
    assert!(
        failure.message.contains("not issued by"),
        "the report says why: {}",
        failure.message
    );
}

#[test]
fn an_ec_signature_under_an_rsa_test_root_is_no_link() {
    assert_forgery_refused(&forged("test-root-leaf"), &[], &test_trust());
}

#[test]
fn the_forgery_one_level_up_breaks_the_path_too() {
    let failure = path_failure(
        &forged("test-root-ca-leaf"),
        &[forged("test-root-ca")],
        &test_trust(),
        SubIndication::CertificateChainGeneralFailure,
    );
    assert!(
        failure.message.contains("Government CA TEST"),
        "{}",
        failure.message
    );
}

#[test]
fn an_rsa_signature_under_an_ec_root_is_no_link() {
    let root = forged("ec-root");
    assert_forgery_refused(&forged("ec-root-leaf"), &[], &trusting(root));
}

#[test]
fn the_genuine_ec_root_still_anchors_its_own_certificates() {
    // The other side of the same rule: an EC issuer's key verifies what it really signed.
    let root = forged("ec-root");
    let v = validate_path(
        &root,
        &[],
        &trusting(root.clone()),
        test_time(),
        Usage::Any,
        &policy(),
    );
    assert!(v.result.is_ok(), "{:?}", v.result);
}

#[test]
fn under_the_pinned_g2_root_the_forged_leaf_is_refused() {
    let Some(root) = g2_root() else { return };
    // No explicit anchor: the pins make the embedded root trusted, the way a portal runs.
    assert_forgery_refused(&forged("g2-leaf"), &[root], &TrustStore::new());
}

fn forged_signer(name: &str, chain: &[&Certificate]) -> KeyFileSigner {
    let pem: String = chain
        .iter()
        .map(|c| pem::encode(&pem::Pem::new("CERTIFICATE", c.der().to_vec())))
        .collect();
    KeyFileSigner::from_pem(
        &read_fixture(&format!("forged/{name}.key.pem")),
        None,
        pem.as_bytes(),
    )
    .expect("forged signer")
}

/// Verifies with `trust` (the pinned roots alone by default) at the test time.
fn verify_with(signed: &[u8], trust: TrustStore) -> ValidationReport {
    let options = VerifyOptions {
        trust,
        policy: policy(),
        ..Default::default()
    };
    kyso::verify(signed, &options).expect("verify")
}

fn assert_not_passed(report: &ValidationReport) {
    assert_ne!(report.indication, Indication::TotalPassed);
    let signature = &report.signatures[0];
    assert_eq!(
        signature.sub_indication,
        Some(SubIndication::CertificateChainGeneralFailure),
        "{signature:?}"
    );
}

#[test]
fn a_pdf_signed_with_the_forged_g2_leaf_is_not_valid_with_default_options() {
    let Some(root) = g2_root() else { return };
    let leaf = forged("g2-leaf");
    let signer = forged_signer("g2-leaf", &[&leaf, &root]);
    let signed =
        sign_pdf(&read_fixture("docs/simple.pdf"), &signer, &sign_options()).expect("sign");
    assert_not_passed(&verify_with(&signed, TrustStore::new()));

    // And through the command line, with no options at all but the time.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("forged.pdf");
    std::fs::write(&file, &signed).expect("write");
    let out = kyso_cli()
        .args(["verify", "--at", "2026-01-01T00:00:00Z"])
        .arg(&file)
        .output()
        .expect("kyso verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!text.contains("VALID\n"), "{text}");
}

#[test]
fn an_xml_invoice_signed_with_the_forged_g2_leaf_is_not_valid() {
    let Some(root) = g2_root() else { return };
    let leaf = forged("g2-leaf");
    let signer = forged_signer("g2-leaf", &[&leaf, &root]);
    let options = XmlSignOptions {
        signing_time: Some(test_time()),
        include_chain: true,
        ..XmlSignOptions::default()
    };
    let signed = sign_xml(&read_fixture("docs/generic.xml"), &signer, &options).expect("sign");
    assert_not_passed(&verify_with(&signed, TrustStore::new()));
}

#[test]
fn a_pdf_signed_under_the_forged_test_root_is_not_valid() {
    let leaf = forged("test-root-leaf");
    let signer = forged_signer("test-root-leaf", &[&leaf, &cert("root")]);
    let signed =
        sign_pdf(&read_fixture("docs/simple.pdf"), &signer, &sign_options()).expect("sign");
    assert_not_passed(&verify_with(&signed, test_trust()));
}

/// The leaf `business`, re-signed by its real CA after the algorithm inside the signed part
/// was changed: the outer algorithm (what the signature is checked with) and the inner one
/// (what the CA signed) disagree, which RFC 5280 §4.1.1.2 forbids.
fn inner_outer_mismatch() -> Certificate {
    use kyso::crypto::{DigestAlgorithm, PrivateKey, SignatureAlgorithm};
    let original = cert("business");
    let mut der = original.der().to_vec();
    let tbs_at = der
        .windows(original.tbs_der().len())
        .position(|w| w == original.tbs_der())
        .expect("TBS");
    let tbs_len = original.tbs_der().len();
    // The first sha256WithRSAEncryption in the TBS is its signature field; sha384 has the
    // same length, so every length in the encoding stays as it was.
    let sha256_with_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let at = tbs_at
        + der[tbs_at..tbs_at + tbs_len]
            .windows(sha256_with_rsa.len())
            .position(|w| w == sha256_with_rsa)
            .expect("inner algorithm");
    der[at + 8] = 0x0c;
    let tbs = der[tbs_at..tbs_at + tbs_len].to_vec();
    let key = PrivateKey::from_pem(&read_fixture("pki/business-ca.key.pem"), None).expect("key");
    let algorithm = SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256);
    let signature = key
        .sign_digest(algorithm, &DigestAlgorithm::Sha256.digest(&tbs))
        .expect("sign");
    let sig_at = der.len() - signature.len();
    der[sig_at..].copy_from_slice(&signature);
    let forged = Certificate::from_der(&der).expect("parse");
    // The signature itself is genuine: only the algorithm disagreement can refuse it.
    assert!(forged.is_signed_by(&cert("business-ca")).expect("verify"));
    forged
}

#[test]
fn a_certificate_whose_inner_and_outer_algorithms_differ_is_refused() {
    let leaf = inner_outer_mismatch();
    let defects: Vec<&str> = leaf.issuance_defects().collect();
    assert!(
        defects
            .iter()
            .any(|d| d.contains("differs from the one it signed")),
        "{defects:?}"
    );
    let failure = path_failure(
        &leaf,
        &[cert("business-ca")],
        &test_trust(),
        SubIndication::ChainConstraintsFailure,
    );
    assert!(failure.message.contains("differs"), "{}", failure.message);
}
