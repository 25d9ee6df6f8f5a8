//! Certificates, Vietnamese identities and path validation over the fixture PKI.

mod common;

use common::*;
use kyso::crypto::{DigestAlgorithm, KeyFileSigner, PrivateKey, Signer};
use kyso::pki::{Certificate, TrustStore, Usage, check_signing_certificate, validate_path};
use kyso::report::SubIndication;
use kyso::{Error, SigningPolicy, ValidationPolicy, WeakAlgorithms};

fn intermediates() -> Vec<Certificate> {
    vec![cert("gov-ca"), cert("business-ca")]
}

fn validate(name: &str) -> kyso::pki::PathValidation {
    validate_path(
        &cert(name),
        &intermediates(),
        &test_trust(),
        test_time(),
        Usage::DocumentSigning,
        &ValidationPolicy::default(),
    )
}

fn expect_failure(name: &str, sub: SubIndication) {
    let v = validate(name);
    let failure = v.result.expect_err(&format!("{name} must not validate"));
    assert_eq!(failure.sub_indication, sub, "{name}: {}", failure.message);
}

#[test]
fn good_leaves_validate_to_the_test_root() {
    for (name, ca) in [
        ("leader", "gov-ca"),
        ("seal", "gov-ca"),
        ("business", "business-ca"),
        ("ecdsa", "business-ca"),
        ("two-uid", "business-ca"),
        ("shortlived", "gov-ca"),
    ] {
        let v = validate(name);
        assert!(v.result.is_ok(), "{name}: {:?}", v.result);
        assert_eq!(v.chain.len(), 3, "{name}");
        assert_eq!(v.chain[1], cert(ca));
        assert_eq!(v.chain[2], cert("root"));
    }
}

#[test]
fn each_bad_case_fails_for_its_own_reason() {
    expect_failure("untrusted", SubIndication::NoCertificateChainFound);
    expect_failure("expired", SubIndication::OutOfBoundsNoPoe);
    expect_failure("not-yet-valid", SubIndication::NotYetValid);
    expect_failure("no-signing-ku", SubIndication::ChainConstraintsFailure);
    expect_failure("server-eku", SubIndication::ChainConstraintsFailure);
    expect_failure("md5-signed", SubIndication::CryptoConstraintsFailure);
}

#[test]
fn an_end_entity_cannot_issue_certificates() {
    let v = validate_path(
        &cert("fake-ca-leaf"),
        &[cert("business"), cert("business-ca")],
        &test_trust(),
        test_time(),
        Usage::DocumentSigning,
        &ValidationPolicy::default(),
    );
    let f = v.result.expect_err("issued by an end entity");
    assert_eq!(
        f.sub_indication,
        SubIndication::ChainConstraintsFailure,
        "{}",
        f.message
    );
    assert!(f.message.contains("not a CA"), "{}", f.message);
}

#[test]
fn without_the_intermediate_no_chain_is_found() {
    let v = validate_path(
        &cert("leader"),
        &[],
        &test_trust(),
        test_time(),
        Usage::DocumentSigning,
        &ValidationPolicy::default(),
    );
    assert_eq!(
        v.result.expect_err("no intermediate").sub_indication,
        SubIndication::NoCertificateChainFound
    );
}

#[test]
fn a_root_is_not_trusted_just_because_it_came_along() {
    // The chain reaches a self-signed root, but the store does not trust it.
    let v = validate_path(
        &cert("leader"),
        &[cert("gov-ca"), cert("root")],
        &TrustStore::new(),
        test_time(),
        Usage::DocumentSigning,
        &ValidationPolicy::default(),
    );
    assert_eq!(
        v.result.expect_err("untrusted root").sub_indication,
        SubIndication::NoCertificateChainFound
    );
}

#[test]
fn sha1_certificates_warn_by_default_and_fail_when_strict() {
    let v = validate("legacy-sha1");
    assert!(v.result.is_ok(), "{:?}", v.result);
    assert!(
        v.warnings.iter().any(|w| w.contains("SHA-1")),
        "{:?}",
        v.warnings
    );

    let strict = ValidationPolicy {
        weak_algorithms: WeakAlgorithms::Reject,
        ..ValidationPolicy::default()
    };
    let v = validate_path(
        &cert("legacy-sha1"),
        &intermediates(),
        &test_trust(),
        test_time(),
        Usage::DocumentSigning,
        &strict,
    );
    assert_eq!(
        v.result.expect_err("strict").sub_indication,
        SubIndication::CryptoConstraintsFailure
    );
}

#[test]
fn time_stamping_usage_needs_the_eku() {
    let run = |name: &str| {
        validate_path(
            &cert(name),
            &intermediates(),
            &test_trust(),
            test_time(),
            Usage::TimeStamping,
            &ValidationPolicy::default(),
        )
    };
    assert!(run("tsa").result.is_ok());
    assert_eq!(
        run("tsa-no-eku").result.expect_err("no EKU").sub_indication,
        SubIndication::ChainConstraintsFailure
    );
}

#[test]
fn trust_store_loads_files_and_directories() {
    let mut t = TrustStore::new();
    assert_eq!(t.add_path(fixture("pki/trust")).expect("dir"), 1);
    assert!(t.is_trusted(&cert("root")));
    assert!(!t.is_trusted(&cert("untrusted-root")));
    let mut t = TrustStore::new();
    assert_eq!(t.add_path(fixture("pki/chain-gov.pem")).expect("bundle"), 2);
    assert_eq!(t.add_path(fixture("pki/root.der")).expect("der"), 1);
    assert_eq!(t.anchors().len(), 2, "duplicates are not added twice");
}

#[test]
fn identities_of_the_fixture_signers() {
    let leader = cert("leader");
    assert_eq!(leader.identity().cccd, vec!["001085012345"]);
    assert_eq!(leader.identity().title.as_deref(), Some("Giám đốc"));
    assert_eq!(
        leader.identity().common_name.as_deref(),
        Some("Nguyễn Văn An")
    );
    assert_eq!(cert("seal").identity().mns, vec!["1234567"]);
    assert_eq!(cert("business").identity().mst, vec!["0101234567"]);
    assert_eq!(cert("ecdsa").identity().mst, vec!["0109876543-001"]);
    let two = cert("two-uid");
    assert_eq!(two.identity().mst, vec!["0101234567"]);
    assert_eq!(two.identity().cccd, vec!["001085012345"]);
    assert!(two.identity().irregular.is_empty());
    let multi = two
        .subject()
        .rdns()
        .iter()
        .find(|r| r.len() == 2)
        .expect("multi-valued RDN");
    assert!(multi.iter().all(|a| a.oid == kyso::pki::attr::UID));
    assert!(
        two.subject()
            .to_rfc4514()
            .starts_with("UID=MST:0101234567+UID=CCCD:001085012345,"),
        "{}",
        two.subject()
    );
}

/// Builds a certificate with a Vietnamese subject at test time (openssl CLI) and checks the
/// RFC 4514 string and the identity read from it.
#[test]
fn rfc4514_keeps_vietnamese_and_writes_uid() {
    if !require_tool("openssl", &["version"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("k.pem");
    let out = dir.path().join("c.der");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&out)
        .args(["-outform", "DER", "-days", "1", "-utf8", "-subj"])
        .arg(
            "/C=VN/ST=HÀ NỘI/O=Công ty Cổ phần Ví Dụ, Chi nhánh 1/CN=Lê Thị Hoa/UID=MST:0101234567",
        )
        .status()
        .expect("run openssl");
    assert!(status.success());
    let c = Certificate::from_der(&std::fs::read(&out).expect("read")).expect("parse");
    assert_eq!(
        c.subject().to_rfc4514(),
        "UID=MST:0101234567,CN=Lê Thị Hoa,O=Công ty Cổ phần Ví Dụ\\, Chi nhánh 1,ST=HÀ NỘI,C=VN"
    );
    assert_eq!(c.identity().mst, vec!["0101234567"]);
    assert_eq!(c.identity().province.as_deref(), Some("HÀ NỘI"));
    assert_eq!(
        c.identity().organization.as_deref(),
        Some("Công ty Cổ phần Ví Dụ, Chi nhánh 1")
    );
}

#[test]
fn pkcs12_modern_and_legacy_open_and_sign() {
    for file in [
        "business.p12",
        "business-legacy.p12",
        "ecdsa.p12",
        "leader.p12",
    ] {
        let signer = KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{file}")), PASSWORD)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let chain = signer.certificate_chain();
        assert_eq!(chain.len(), 3, "{file}: leaf, CA, root");
        let leaf = Certificate::from_der(&chain[0]).expect("leaf");
        assert_eq!(
            Certificate::from_der(&chain[2]).expect("root"),
            cert("root")
        );
        let digest = DigestAlgorithm::Sha256.digest(b"ky so");
        let alg = signer.signature_algorithm(DigestAlgorithm::Sha256);
        let sig = signer.sign_digest(alg, &digest).expect("sign");
        let key = leaf.public_key().expect("key");
        assert!(
            key.verify_digest(alg, &digest, &sig).expect("verify"),
            "{file}"
        );
        let mut bad = digest.clone();
        bad[0] ^= 1;
        assert!(
            !key.verify_digest(alg, &bad, &sig).expect("verify"),
            "{file}"
        );
    }
}

#[test]
fn rsa_pss_signatures_round_trip() {
    let signer = KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), PASSWORD)
        .expect("p12")
        .with_rsa_pss();
    let alg = signer.signature_algorithm(DigestAlgorithm::Sha384);
    assert_eq!(alg.scheme, kyso::crypto::SignatureScheme::RsaPss);
    let digest = DigestAlgorithm::Sha384.digest(b"x");
    let sig = signer.sign_digest(alg, &digest).expect("sign");
    let key = cert("business").public_key().expect("key").clone();
    assert!(key.verify_digest(alg, &digest, &sig).expect("verify"));
}

#[test]
fn wrong_password_is_a_typed_error() {
    let err = KeyFileSigner::from_pkcs12(&read_fixture("pki/business.p12"), "nope")
        .expect_err("wrong password");
    assert!(matches!(err, Error::WrongPassword), "{err}");
    let err = KeyFileSigner::from_pkcs12(&read_fixture("pki/business-legacy.p12"), "nope")
        .expect_err("wrong password");
    assert!(matches!(err, Error::WrongPassword), "{err}");
    let err = PrivateKey::from_pem(&read_fixture("pki/leader-encrypted.key.pem"), Some("nope"))
        .expect_err("wrong");
    assert!(matches!(err, Error::WrongPassword), "{err}");
}

#[test]
fn every_key_format_loads() {
    for (file, pw) in [
        ("pki/leader.key.pem", None),
        ("pki/leader-encrypted.key.pem", Some(PASSWORD)),
        ("pki/business.rsa.key.pem", None),
        ("pki/ecdsa.sec1.key.pem", None),
        ("pki/ecdsa.key.pem", None),
    ] {
        PrivateKey::from_pem(&read_fixture(file), pw).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let s = KeyFileSigner::from_pem(
        &read_fixture("pki/leader.key.pem"),
        None,
        &[
            read_fixture("pki/leader.pem"),
            read_fixture("pki/chain-gov.pem"),
        ]
        .concat(),
    )
    .expect("pem signer");
    assert_eq!(s.certificate_chain().len(), 3);
    assert_eq!(
        Certificate::from_der(&s.certificate_chain()[0]).expect("leaf"),
        cert("leader")
    );
}

#[test]
fn signing_is_refused_for_unfit_certificates() {
    let at = SigningPolicy {
        signing_time: Some(test_time()),
        ..SigningPolicy::default()
    };
    check_signing_certificate(&cert("business"), &at).expect("business may sign");
    for name in ["expired", "not-yet-valid", "no-signing-ku", "weak-rsa1024"] {
        let err = check_signing_certificate(&cert(name), &at).expect_err(name);
        assert!(matches!(err, Error::SigningRefused(_)), "{name}: {err}");
    }
    let sha1 = SigningPolicy {
        digest: DigestAlgorithm::Sha1,
        ..at
    };
    assert!(matches!(
        check_signing_certificate(&cert("business"), &sha1),
        Err(Error::SigningRefused(_))
    ));
}

#[test]
fn garbage_never_panics() {
    let good = read_fixture("pki/leader.der");
    for cut in (0..good.len()).step_by(7) {
        assert!(Certificate::from_der(&good[..cut]).is_err());
    }
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..3000 {
        let mut bytes = good.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % bytes.len();
            bytes[i] = (state >> 32) as u8;
        }
        let _ = Certificate::from_der(&bytes);
        let _ = Certificate::parse_any(&bytes);
        let _ = PrivateKey::from_pem(&bytes, Some("x"));
        let _ = KeyFileSigner::from_pkcs12(&bytes, "x");
    }
    assert!(
        Certificate::parse_any(
            b"junk before\n-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"
        )
        .is_err()
    );
    assert!(KeyFileSigner::from_pkcs12(b"\x30\x80", "x").is_err());
}

#[test]
fn p384_keys_sign_and_verify_in_der_and_raw_form() {
    if !require_tool("openssl", &["version"]) {
        return;
    }
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
        ])
        .output()
        .expect("openssl genpkey");
    assert!(out.status.success());
    let key = PrivateKey::from_pem(&out.stdout, None).expect("P-384 PKCS#8");
    let public = key.public_key().expect("public key");
    assert_eq!(
        public.kind(),
        kyso::crypto::KeyKind::Ec {
            curve: "P-384",
            bits: 384
        }
    );
    let alg = key.default_algorithm(DigestAlgorithm::Sha384);
    let digest = DigestAlgorithm::Sha384.digest(b"hoa don");
    let der = key.sign_digest(alg, &digest).expect("sign");
    assert!(
        public
            .verify_digest(alg, &digest, &der)
            .expect("verify DER")
    );
    let raw = kyso::crypto::ecdsa_to_raw(&public, &der).expect("to r||s");
    assert_eq!(raw.len(), 96);
    assert!(
        public
            .verify_digest(alg, &digest, &raw)
            .expect("verify r||s")
    );
    assert_eq!(
        kyso::crypto::ecdsa_to_der(&public, &raw).expect("back to DER"),
        der
    );
    let mut bad = raw.clone();
    bad[10] ^= 1;
    assert!(!public.verify_digest(alg, &digest, &bad).expect("verify"));
}

#[test]
fn rsa_key_components_round_trip() {
    let key = cert("business").public_key().expect("key").clone();
    let kyso::crypto::PublicKey::Rsa(rsa) = &key else {
        panic!("business is an RSA key");
    };
    assert_eq!(rsa.bits(), 3072);
    assert_eq!(rsa.exponent(), &[0x01, 0x00, 0x01]);
    let again = kyso::crypto::RsaPublicKey::from_components(rsa.modulus(), rsa.exponent())
        .expect("rebuild");
    assert_eq!(again.modulus(), rsa.modulus());
    assert!(kyso::crypto::RsaPublicKey::from_components(&[], &[1, 0, 1]).is_err());
}
