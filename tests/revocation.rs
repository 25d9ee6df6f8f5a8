//! CRLs from the fixture PKI.

mod common;

use common::*;
use kyso::pki::Crl;

#[test]
fn the_business_crl_lists_the_revoked_signer() {
    let crl = Crl::parse(&read_fixture("pki/business-ca.crl")).expect("DER CRL");
    let pem = Crl::parse(&read_fixture("pki/business-ca.crl.pem")).expect("PEM CRL");
    assert_eq!(crl.der(), pem.der());
    assert!(crl.is_signed_by(&cert("business-ca")).expect("verify"));
    assert!(!crl.is_signed_by(&cert("gov-ca")).expect("other CA"));
    assert!(crl.is_current_at(test_time()));
    assert!(
        !crl.is_current_at(time::macros::datetime!(2025-01-01 00:00 UTC)),
        "before thisUpdate"
    );
    let entry = crl.lookup(&cert("revoked")).expect("listed");
    assert_eq!(
        entry.revocation_time,
        time::macros::datetime!(2025-06-01 00:00 UTC)
    );
    assert_eq!(entry.reason.as_deref(), Some("keyCompromise"));
    assert!(crl.lookup(&cert("business")).is_none());
    // A certificate of another issuer is never matched by serial alone.
    assert!(crl.lookup(&cert("leader")).is_none());
}

#[test]
fn a_tampered_crl_does_not_verify() {
    let mut der = read_fixture("pki/business-ca.crl");
    let n = der.len();
    der[n - 5] ^= 0x40;
    let crl = Crl::parse(&der).expect("still parses");
    assert!(!crl.is_signed_by(&cert("business-ca")).expect("verify"));
    for cut in (0..n).step_by(9) {
        assert!(Crl::parse(&der[..cut]).is_err());
    }
}

/// Asks `openssl ocsp` (an independent responder) about a certificate with a request that
/// kyso built, and returns the DER response.
fn openssl_ocsp_response(name: &str, responder: Option<&str>, nonce: &[u8]) -> Option<Vec<u8>> {
    use kyso::pki::build_ocsp_request;
    if !require_tool("openssl", &["version"]) {
        return None;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let req = build_ocsp_request(
        &cert(name),
        &cert("business-ca"),
        kyso::DigestAlgorithm::Sha1,
        Some(nonce),
    )
    .expect("request");
    std::fs::write(dir.path().join("req.der"), req).expect("write");
    let (rsigner, rkey) = match responder {
        Some(r) => (format!("pki/{r}.pem"), format!("pki/{r}.key.pem")),
        None => (
            "pki/business-ca.pem".into(),
            "pki/business-ca.key.pem".into(),
        ),
    };
    let out = std::process::Command::new("openssl")
        .arg("ocsp")
        .arg("-index")
        .arg(fixture("pki/ocsp/business-ca.index.txt"))
        .arg("-CA")
        .arg(fixture("pki/business-ca.pem"))
        .arg("-rsigner")
        .arg(fixture(&rsigner))
        .arg("-rkey")
        .arg(fixture(&rkey))
        .arg("-reqin")
        .arg(dir.path().join("req.der"))
        .arg("-respout")
        .arg(dir.path().join("resp.der"))
        .args(["-ndays", "1"])
        .output()
        .expect("openssl ocsp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(std::fs::read(dir.path().join("resp.der")).expect("read"))
}

#[test]
fn ocsp_good_and_revoked_from_an_independent_responder() {
    use kyso::pki::{OcspResponse, OcspStatus};
    let Some(der) = openssl_ocsp_response("revoked", Some("ocsp-business"), b"nonce-1") else {
        return;
    };
    let resp = OcspResponse::parse(&der).expect("parse");
    assert_eq!(resp.nonce().as_deref(), Some(&b"nonce-1"[..]));
    let answer = resp
        .answer_for(&cert("revoked"), &cert("business-ca"))
        .expect("verify")
        .expect("mentioned");
    assert_eq!(answer.responder, cert("ocsp-business"));
    assert_eq!(
        answer.status,
        OcspStatus::Revoked {
            time: time::macros::datetime!(2025-06-01 00:00 UTC),
            reason: Some("keyCompromise".into())
        }
    );
    // The response is about "revoked" only.
    assert!(
        resp.answer_for(&cert("business"), &cert("business-ca"))
            .expect("ok")
            .is_none()
    );

    let Some(der) = openssl_ocsp_response("business", None, b"n2") else {
        return;
    };
    let resp = OcspResponse::parse(&der).expect("parse");
    let answer = resp
        .answer_for(&cert("business"), &cert("business-ca"))
        .expect("verify")
        .expect("mentioned");
    assert_eq!(answer.status, OcspStatus::Good);
    assert_eq!(answer.responder, cert("business-ca"));
}

#[test]
fn ocsp_from_an_unauthorised_responder_is_refused() {
    use kyso::pki::OcspResponse;
    // The TSA certificate is issued by the same CA but lacks id-kp-OCSPSigning.
    let Some(der) = openssl_ocsp_response("business", Some("tsa"), b"n3") else {
        return;
    };
    let resp = OcspResponse::parse(&der).expect("parse");
    assert!(
        resp.answer_for(&cert("business"), &cert("business-ca"))
            .is_err()
    );
    for cut in (0..der.len()).step_by(13) {
        assert!(OcspResponse::parse(&der[..cut]).is_err());
    }
}

#[test]
fn a_stale_ocsp_answer_is_not_evidence() {
    use kyso::pki::OcspResponse;
    use kyso::report::{RevocationStatus, SignatureReport, SubIndication};
    use kyso::validation::{Evidence, VerifyOptions, validate_signer};
    // openssl answers with nextUpdate one day from now.
    let Some(der) = openssl_ocsp_response("business", Some("ocsp-business"), b"n4") else {
        return;
    };
    let ocsp = [OcspResponse::parse(&der).expect("parse")];
    let pool = [cert("business-ca")];
    // The CA's status comes from the root's CRL; the signer's from the OCSP answer alone.
    let root_crl = [kyso::pki::Crl::parse(&read_fixture("pki/root.crl")).expect("root CRL")];
    let run = |at: time::OffsetDateTime| {
        let options = VerifyOptions {
            trust: test_trust(),
            policy: kyso::ValidationPolicy {
                validation_time: Some(at),
                revocation: kyso::RevocationMode::Require,
                ..Default::default()
            },
            ..Default::default()
        };
        let business = cert("business");
        let evidence = Evidence {
            signer: &business,
            certificates: &pool,
            crls: &root_crl,
            ocsp: &ocsp,
            proof_of_existence: None,
            timestamp_chain: &[],
        };
        let mut report = SignatureReport::new("s", "test");
        validate_signer(&evidence, &options, &mut report);
        report
    };
    let now = time::OffsetDateTime::now_utc();
    let fresh = run(now);
    assert_eq!(
        fresh.revocation.map(|r| r.status),
        Some(RevocationStatus::Good)
    );
    assert!(fresh.errors.is_empty(), "{:?}", fresh.errors);
    // A month later the same answer is a replay: status unknown, so required revocation fails.
    let later = run(now + time::Duration::days(30));
    assert_eq!(
        later.sub_indication,
        Some(SubIndication::TryLater),
        "{later:?}"
    );
    assert!(later.warnings.iter().any(|w| w.starts_with("ocsp_stale")));
}
