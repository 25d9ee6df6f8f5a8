//! CMS SignedData: build from a digest, parse, verify; openssl as an independent checker.

mod common;

use common::*;
use kyso::DigestAlgorithm;
use kyso::cms::{
    SignedAttributesOptions, assemble_signed_data, build_signed_attributes, parse_signed_data,
};
use kyso::crypto::{KeyFileSigner, Signer};
use kyso::pki::Certificate;
use kyso::report::SubIndication;

fn sign(p12: &str, content: &[u8], pss: bool, digest: DigestAlgorithm) -> Vec<u8> {
    let mut signer =
        KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{p12}")), PASSWORD).expect("p12");
    if pss {
        signer = signer.with_rsa_pss();
    }
    let chain: Vec<Certificate> = signer
        .certificate_chain()
        .iter()
        .map(|d| Certificate::from_der(d).expect("cert"))
        .collect();
    let attrs = build_signed_attributes(
        &digest.digest(content),
        &chain[0],
        &SignedAttributesOptions {
            signing_time: Some(test_time()),
            ..Default::default()
        },
    )
    .expect("attrs");
    let alg = signer.signature_algorithm(digest);
    let sig = signer
        .sign_digest(alg, &digest.digest(&attrs))
        .expect("sign");
    assemble_signed_data(&attrs, digest, alg, &sig, &chain, &[]).expect("assemble")
}

#[test]
fn round_trip_every_key_type() {
    let content = "Quyết định số 1/QĐ-UBND".as_bytes();
    for (p12, pss, digest) in [
        ("business.p12", false, DigestAlgorithm::Sha256),
        ("business.p12", true, DigestAlgorithm::Sha384),
        ("ecdsa.p12", false, DigestAlgorithm::Sha256),
        ("leader.p12", false, DigestAlgorithm::Sha512),
    ] {
        let cms = sign(p12, content, pss, digest);
        let parsed = parse_signed_data(&cms).expect("parse");
        assert_eq!(parsed.digest_algorithm, digest);
        assert_eq!(parsed.certificates.len(), 3);
        assert_eq!(parsed.signing_time, Some(test_time()));
        assert!(parsed.has_signing_certificate_attribute());
        parsed
            .verify(&digest.digest(content))
            .unwrap_or_else(|e| panic!("{p12}: {e:?}"));
        let wrong = parsed
            .verify(&digest.digest(b"other content"))
            .expect_err("wrong content");
        assert_eq!(wrong.sub_indication, SubIndication::HashFailure);
        // Zero padding after the value (a PDF placeholder) is fine.
        let mut padded = cms.clone();
        padded.extend_from_slice(&[0; 64]);
        parse_signed_data(&padded).expect("padded");
    }
}

#[test]
fn a_changed_signature_or_attribute_fails() {
    let content = b"content";
    let cms = sign("business.p12", content, false, DigestAlgorithm::Sha256);
    let parsed = parse_signed_data(&cms).expect("parse");
    let sig = parsed.signature.clone();
    // Flip a bit in the signature value where it sits in the encoding.
    let at = cms
        .windows(sig.len())
        .position(|w| w == sig.as_slice())
        .expect("signature bytes");
    let mut bad = cms.clone();
    bad[at + 10] ^= 1;
    let e = parse_signed_data(&bad)
        .expect("parse")
        .verify(&DigestAlgorithm::Sha256.digest(content))
        .expect_err("bad sig");
    assert_eq!(e.sub_indication, SubIndication::SigCryptoFailure);
}

#[test]
fn garbage_is_a_typed_error() {
    let cms = sign("business.p12", b"x", false, DigestAlgorithm::Sha256);
    for cut in (0..cms.len()).step_by(11) {
        assert!(parse_signed_data(&cms[..cut]).is_err());
    }
    let mut state = 88172645463325252u64;
    for _ in 0..2000 {
        let mut b = cms.clone();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let i = (state as usize) % b.len();
        b[i] = (state >> 24) as u8;
        if let Ok(p) = parse_signed_data(&b) {
            let _ = p.verify(&DigestAlgorithm::Sha256.digest(b"x"));
        }
    }
}

#[test]
fn openssl_verifies_kyso_cms() {
    if !require_tool("openssl", &["version"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let content = "Hóa đơn điện tử".as_bytes();
    for p12 in ["business.p12", "ecdsa.p12"] {
        let cms = sign(p12, content, false, DigestAlgorithm::Sha256);
        std::fs::write(dir.path().join("sig.der"), &cms).expect("write");
        std::fs::write(dir.path().join("content"), content).expect("write");
        let out = std::process::Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-purpose",
                "any",
                "-attime",
                "1767225600",
            ])
            .arg("-in")
            .arg(dir.path().join("sig.der"))
            .arg("-content")
            .arg(dir.path().join("content"))
            .arg("-CAfile")
            .arg(fixture("pki/root.pem"))
            .args(["-out", "/dev/null"])
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "{p12}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn kyso_verifies_openssl_cms_including_ber() {
    if !require_tool("openssl", &["version"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let content = b"signed by openssl";
    std::fs::write(dir.path().join("content"), content).expect("write");
    // -stream makes openssl write BER with indefinite lengths.
    for (extra, name) in [(vec![], "der"), (vec!["-stream"], "ber")] {
        let out = dir.path().join(format!("{name}.p7s"));
        let status = std::process::Command::new("openssl")
            .args([
                "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
            ])
            .args(&extra)
            .arg("-in")
            .arg(dir.path().join("content"))
            .arg("-signer")
            .arg(fixture("pki/leader.pem"))
            .arg("-inkey")
            .arg(fixture("pki/leader.key.pem"))
            .arg("-certfile")
            .arg(fixture("pki/chain-gov.pem"))
            .arg("-out")
            .arg(&out)
            .status()
            .expect("openssl");
        assert!(status.success());
        let data = std::fs::read(&out).expect("read");
        let parsed = parse_signed_data(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            parsed.signer.as_ref().map(|c| c.identity().cccd.clone()),
            Some(vec!["001085012345".to_string()])
        );
        parsed
            .verify(&DigestAlgorithm::Sha256.digest(content))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}
